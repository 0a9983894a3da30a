"""The values that leave the parsers: what the pipeline stores and shows.

Place in the flow: ``parsers.read_attachment`` returns one of :data:`ReadResult`; the pipeline
records a :class:`FormReading` as a submission, keeps a :class:`NotAForm` attachment with its
message, and turns an :class:`Unreadable` into a ``needs_review`` submission carrying its problem.
All frozen; ``FormReading.fields`` is JSON-ready (see interface.md, "Export").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """Something wrong with a form, said in Thai for the acknowledgement to the LAO."""

    code: str
    field: str | None
    value: str | None
    message_th: str


@dataclass(frozen=True)
class Provenance:
    """Where a value came from: a cell ("Sheet1!B5"), the text as read, and how sure we are."""

    source: str
    raw: str
    confidence: float


@dataclass(frozen=True)
class FormReading:
    """A form that was read. Fields not found are absent from ``fields``."""

    form_version: str
    format: str
    fields: Mapping[str, Any]
    provenance: Mapping[str, Provenance]
    problems: tuple[Problem, ...]
    confidence: float
    labels_found: int


@dataclass(frozen=True)
class NotAForm:
    """The attachment is not a report form (a photo, a cover letter, another spreadsheet)."""

    format: str
    reason: str


@dataclass(frozen=True)
class Unreadable:
    """A spreadsheet or form that cannot be read (corrupt, password-protected, too large)."""

    format: str
    problem: Problem


ReadResult = FormReading | NotAForm | Unreadable


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one attachment may make the parsers do (hostile or absurd files)."""

    max_bytes: int = 25 * 1024 * 1024
    max_unpacked_bytes: int = 200 * 1024 * 1024  # a zip-based file, all parts together
    max_sheets: int = 50
    max_rows: int = 5_000  # per sheet; rows below are not read
    max_cols: int = 200  # per sheet; columns to the right are not read
    max_cells: int = 100_000  # per document; cells beyond are not read
    max_part_bytes: int = 64 * 1024 * 1024  # one XML part of a zip-based file, read in memory
    max_compression_ratio: int = 200  # unpacked / packed of one part over 1 MiB: more is a bomb
    max_zip_members: int = 2_000  # parts in one zip-based file (xlsx, docx)
