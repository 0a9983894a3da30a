"""Stage *queue reply*: the answer to the sender, queued in the outbox in the same transaction
(:func:`outbound.replies.queue_reply`); none to automatic mail."""

from __future__ import annotations

from ingest.work import Work
from outbound.replies import Inbound, queue_reply


def run(work: Work) -> Work:
    context, mail = work.context, work.analysis.parsed
    classification = work.analysis.sorted
    inbound = Inbound(
        reply_to=classification.reply_to if classification.may_reply else None,
        from_name=mail.from_name,
        subject=mail.subject,
        message_id=mail.message_id,
        references=tuple(mail.references),
    )
    queue_reply(
        context.session,
        renderer=context.renderer,
        smtp=context.config.smtp,
        message=work.message,
        inbound=inbound,
        submissions=work.submissions,
        decided=work.decided,
        duplicates=work.duplicates,
        filenames=[row.filename for row in work.attachments if row.filename],
        now=context.now,
    )
    return work
