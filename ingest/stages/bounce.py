"""Stage *bounce*: the first recording stage, where what is not a person's new mail is settled.

* The message's trace digest and authentication verdicts are kept on its row; a message whose
  digest an earlier message has is the same mail delivered again (outcome ``redelivery``:
  stored and findable, nothing read twice, nothing answered twice).
* A delivery report is recorded against the mail of ours it cites with its token
  (:func:`outbound.bounces.record_bounce`).
* Mail from an address marked failing, that our server's DMARC check did not fail, clears it.
* Reports, receipts, complaints, calendar answers, our own mail and mail over the size limit are
  done here (outcome ``automatic`` or ``too_large``), with the reason kept in ``reply_note``.
  Auto-replies and bulk mail go on to be read; only their answer is withheld.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from core.enums import MessageKind, Outcome
from ingest.work import Work
from outbound.bounces import cleared_by_mail, record_bounce
from storage.models import Message


def run(work: Work) -> Work:
    analysis, context, message = work.analysis, work.context, work.message
    session = context.session
    if analysis.core_sha256 is not None:
        message.core_sha256 = analysis.core_sha256
    message.auth = dict(analysis.auth) if analysis.auth is not None else None
    reports = analysis.done and not analysis.too_large  # automatic whether seen before or not
    if not reports and analysis.core_sha256 is not None:
        earlier = session.scalar(
            select(Message.id)
            .where(Message.core_sha256 == analysis.core_sha256, Message.id < message.id)
            .order_by(Message.id)
            .limit(1)
        )
    else:
        earlier = None
    if earlier is not None:
        message.reply_note = f"delivered again: the same mail as message {earlier}"
        return replace(work, outcome=Outcome.REDELIVERY, done=True)
    if analysis.bounce is not None:
        record_bounce(
            session,
            analysis.bounce,
            context.now,
            secret=context.config.smtp.id_secret,
            message_id=message.id,
        )
    classification = analysis.sorted
    sender = analysis.parsed.from_address
    dmarc = (analysis.auth or {}).get("dmarc")
    if classification.kind is MessageKind.NORMAL and sender is not None and dmarc != "fail":
        cleared_by_mail(session, sender, context.now)
    if not analysis.done:
        return work
    if analysis.too_large:
        message.reply_note = "too large to read (limits.max_message_bytes)"
        return replace(work, outcome=Outcome.TOO_LARGE, done=True)
    message.reply_note = f"automatic mail: {classification.reason}"
    return replace(work, outcome=Outcome.AUTOMATIC, done=True)
