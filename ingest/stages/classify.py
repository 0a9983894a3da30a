"""Stage *classify* (pure): the MIME tree parsed, the sender classified (:mod:`ingest.classify`),
the trace headers read (:mod:`ingest.trace`: the digest that knows a second delivery, our
server's SPF/DKIM/DMARC verdicts).

Reports end the pure phase here (a bounce's report is read for the *bounce* stage,
:mod:`ingest.dsn`), and so do read receipts, complaints, calendar answers, our own mail and mail
over ``limits.max_message_bytes``. Auto-replies and bulk mail go on: a form inside them is read
and goes to review, only the answer is withheld.
"""

from __future__ import annotations

from dataclasses import replace

from core.enums import MessageKind
from ingest import dsn, mime
from ingest.classify import classify
from ingest.trace import core_digest, read_authentication
from ingest.work import Analysis

READ_ON = frozenset({MessageKind.NORMAL, MessageKind.AUTO_REPLY, MessageKind.BULK})
"""Kinds whose files are read: a person's mail, and automatic mail that may carry a form."""


def run(analysis: Analysis) -> Analysis:
    raw, settings = analysis.raw, analysis.settings
    mail = mime.parse(raw)
    classification = classify(mail, own_addresses=settings.own_addresses)
    analysis = replace(
        analysis,
        mail=mail,
        classification=classification,
        core_sha256=core_digest(raw),
        auth=read_authentication(raw, settings.authserv_id),
    )
    if classification.kind is MessageKind.BOUNCE:
        return replace(analysis, bounce=dsn.read_report(raw), done=True)
    if classification.kind not in READ_ON:
        return replace(analysis, done=True)
    if len(raw) > settings.limits.max_message_bytes:
        return replace(analysis, too_large=True, done=True)
    return analysis
