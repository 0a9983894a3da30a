"""Stage *parse* (pure): each file read as the form, or found not to be one (:mod:`parsers`).

The parsers' bounds come from ``[limits]``; the OCR engine from the caller (``Services.ocr``),
and what OCR may cost from ``[ocr]``: one budget for the message, all its files together.
"""

from __future__ import annotations

from dataclasses import replace

import parsers
from core.config import LimitsConfig, OcrConfig
from ingest.work import Analysis, ParsedFile


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


def ocr_budget(config: OcrConfig) -> parsers.OcrBudget:
    """What OCR may cost for one message, from ``[ocr]`` in the configuration."""
    return parsers.OcrBudget(
        max_pages=config.max_pages_per_message,
        max_seconds=float(config.max_seconds_per_message),
        page_timeout=float(config.page_timeout_seconds),
    )


def run(analysis: Analysis) -> Analysis:
    """Every file read; the pages of one form sent as several files read together
    (:func:`parsers.read_attachments`)."""
    settings = analysis.settings
    limits = read_limits(settings.limits)
    budget = ocr_budget(settings.ocr_budget)
    readable = [item for item in analysis.items if item.problem is None]
    results = iter(
        parsers.read_attachments(
            [(item.data, item.filename) for item in readable],
            form_version=settings.form_version,
            limits=limits,
            ocr=settings.ocr,
            budget=budget,
        )
    )
    files = tuple(
        ParsedFile(item, next(results) if item.problem is None else None) for item in analysis.items
    )
    return replace(analysis, files=files)
