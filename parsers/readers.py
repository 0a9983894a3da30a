"""The registry of readers: sniffed format -> function turning bytes into a Document.

Place in the flow: ``parsers.read_attachment`` sniffs the format (``parsers.sniff``) and asks this
registry for the reader; readers register themselves on import (``@register("xlsx")``), so adding
xls, docx, PDF or OCR is a new module, not a new branch. A reader is given the bytes and a
:class:`ReadContext`: the bounds on what it may do, and the OCR engine for images and scanned
pages, passed down from the caller of ``read_attachment`` (the application builds the engine
once at start-up; tests hand in their own) rather than found through a global. A reader raises
:class:`ReadError` for a file of its format that cannot be read; the caller turns that into
``Unreadable``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from parsers.budget import OcrBudget
from parsers.cells import Document
from parsers.results import ReadLimits

if TYPE_CHECKING:  # only a type here: parsers.ocr imports this module to register its readers
    from parsers.ocr.engine import Engine


@dataclass(frozen=True)
class ReadContext:
    """What a reader is given besides the bytes: the bounds on what one attachment may make it
    do, the OCR engine for images and pages without a text layer (None: they are not read; an
    image that looks like a document is then unreadable, ``ocr_unavailable``), and what OCR may
    still cost for the message the attachment came in (``budget``, shared by its files)."""

    limits: ReadLimits = field(default_factory=ReadLimits)
    ocr: Engine | None = None
    budget: OcrBudget = field(default_factory=OcrBudget)


Reader = Callable[[bytes, ReadContext], Document]

_READERS: dict[str, Reader] = {}


class ReadError(Exception):
    """A file of a known format that cannot be read. ``code`` is a problem code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def register(*formats: str) -> Callable[[Reader], Reader]:
    """Class-free registration: ``@register("xlsx", "xlsm")`` above a reader function."""

    def add(reader: Reader) -> Reader:
        for name in formats:
            _READERS[name] = reader
        return reader

    return add


def reader_for(format: str) -> Reader | None:
    """The registered reader for ``format``, or None when there is none yet."""
    return _READERS.get(format)


def formats() -> tuple[str, ...]:
    """The formats that have a reader."""
    return tuple(sorted(_READERS))
