"""Stages 4-6 (*classify*, *extract*, *parse*): everything about a message that needs only its
bytes. Pure: no database, no network, no clock; so it runs outside any transaction (OCR can take
seconds a page) and, later, in a process pool.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import parsers
from ingest import attachments, mime
from ingest.bounces import BounceReport, read_report
from ingest.classify import Classification, Kind, classify
from ingest.config import Config, LimitsConfig


@dataclass(frozen=True, slots=True)
class ParsedFile:
    item: attachments.FileItem
    result: parsers.ReadResult | None
    """None when the file could not even be taken out of the message (``item.problem``)."""


@dataclass(frozen=True, slots=True)
class Analysis:
    mail: mime.ParsedMail
    classification: Classification
    files: tuple[ParsedFile, ...]
    too_large: bool = False
    bounce: BounceReport | None = None
    """The delivery-status report, when the message is a bounce."""


def read_limits(limits: LimitsConfig) -> parsers.ReadLimits:
    """The parsers' bounds, from ``[limits]`` in the configuration."""
    return parsers.ReadLimits(
        max_bytes=limits.max_attachment_bytes,
        max_unpacked_bytes=limits.form_max_unpacked_bytes,
        max_part_bytes=limits.form_max_part_bytes,
        max_compression_ratio=limits.form_max_compression_ratio,
        max_zip_members=limits.form_max_parts,
        max_sheets=limits.form_max_sheets,
        max_rows=limits.form_max_rows,
        max_cols=limits.form_max_cols,
        max_cells=limits.form_max_cells,
    )


class _Default(enum.Enum):
    """``analyse(ocr=...)`` not given: Tesseract, if installed (``parsers.ocr.default_engine``)."""

    OCR = enum.auto()


def analyse(
    raw: bytes,
    config: Config,
    stage: Callable[[str], None],
    *,
    ocr: parsers.ocr.Engine | Literal[_Default.OCR] | None = _Default.OCR,
) -> Analysis:
    """Classify, extract and parse one message. ``stage`` is told each stage as it starts;
    ``ocr`` reads images and scans (not given: ``parsers.ocr.default_engine()``)."""
    stage("classify")
    mail = mime.parse(raw)
    own = frozenset({config.smtp.from_address.lower(), config.mailbox.username.lower()})
    classification = classify(mail, own_addresses=own)
    if classification.kind is Kind.BOUNCE:
        return Analysis(mail, classification, (), bounce=read_report(raw))
    if classification.kind is not Kind.NORMAL:
        return Analysis(mail, classification, ())
    if len(raw) > config.limits.max_message_bytes:
        return Analysis(mail, classification, (), too_large=True)

    stage("extract")
    items = attachments.expand(mail.parts, config.limits)

    stage("parse")
    limits = read_limits(config.limits)
    engine = parsers.ocr.default_engine() if ocr is _Default.OCR else ocr
    files: list[ParsedFile] = []
    for item in items:
        if item.problem is not None:
            files.append(ParsedFile(item, None))
            continue
        result = parsers.read_attachment(
            item.data,
            filename=item.filename,
            form_version=config.campaign.form_version,
            limits=limits,
            ocr=engine,
        )
        files.append(ParsedFile(item, result))
    return Analysis(mail, classification, tuple(files))
