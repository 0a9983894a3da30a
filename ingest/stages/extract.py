"""Stage *extract* (pure): every file the message carries, archives opened
(:mod:`ingest.attachments`, within ``[limits]``)."""

from __future__ import annotations

from dataclasses import replace

from ingest.attachments import expand
from ingest.work import Analysis


def run(analysis: Analysis) -> Analysis:
    items = expand(analysis.parsed.parts, analysis.settings.limits)
    return replace(analysis, items=tuple(items))
