"""Stage *classify* (pure): the MIME tree parsed, the sender classified (:mod:`ingest.classify`).

Automatic mail ends the pure phase here (a bounce's report is read for the *bounce* stage,
:mod:`ingest.dsn`), and so does mail over ``limits.max_message_bytes``.
"""

from __future__ import annotations

from dataclasses import replace

from core.enums import MessageKind
from ingest import dsn, mime
from ingest.classify import classify
from ingest.work import Analysis


def run(analysis: Analysis) -> Analysis:
    mail = mime.parse(analysis.raw)
    classification = classify(mail, own_addresses=analysis.settings.own_addresses)
    analysis = replace(analysis, mail=mail, classification=classification)
    if classification.kind is MessageKind.BOUNCE:
        return replace(analysis, bounce=dsn.read_report(analysis.raw), done=True)
    if classification.kind is not MessageKind.NORMAL:
        return replace(analysis, done=True)
    if len(analysis.raw) > analysis.settings.limits.max_message_bytes:
        return replace(analysis, too_large=True, done=True)
    return analysis
