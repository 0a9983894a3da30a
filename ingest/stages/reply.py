"""Stage *queue reply*: the answer to the sender, queued in the outbox in the same transaction
(:func:`outbound.replies.queue_reply`), or the reason none is sent, kept on the message
(``reply_note``):

* automatic mail of any kind gets no answer (:mod:`ingest.classify`);
* the answer goes to the ``From`` address; to ``Reply-To`` only when the registry has both for
  the same LAO, so a forged Reply-To cannot make us mail a third party;
* an address that cannot be answered (raw UTF-8, RFC 6532; not an address at all) is a reason
  not to answer, never a failed stage;
* a mail without a form in a thread we started (it answers one of our mails, or cites a receipt
  number) is a question for staff (stage *review*), not something a robot answers.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import Outcome
from core.receipts import receipts_in
from ingest.mime import ParsedMail
from ingest.work import Work
from outbound.replies import CannotOpen, Inbound, blank_forms, cloud_links, queue_reply
from storage.models import LaoAddress, OutboxMail

_ANSWERABLE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_MAX_REFERENCES = 20


def run(work: Work) -> Work:
    context, mail, message = work.context, work.analysis.parsed, work.message
    classification = work.analysis.sorted
    if not classification.may_reply:
        message.reply_note = f"no answer: {classification.reason}"
        return work
    address = answer_address(context.session, mail)
    if address is None or not _ANSWERABLE.fullmatch(address):
        message.reply_note = f"no answer: the sender's address cannot be answered ({address!r})"
        return work
    if work.outcome is Outcome.NO_FORM and in_our_thread(context.session, mail, work):
        message.reply_note = "no answer: a question in one of our threads, for staff to answer"
        return work
    links = cloud_links(mail.text) if work.outcome is Outcome.NO_FORM else ()
    inbound = Inbound(
        reply_to=address,
        from_name=mail.from_name,
        subject=mail.subject,
        message_id=mail.message_id,
        references=tuple(mail.references),
    )
    template = queue_reply(
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
        cannot_open=[CannotOpen(f.attachment.filename, f.kind) for f in work.unsupported]
        if work.outcome is Outcome.UNSUPPORTED
        else (),
        links=links,
        blank=blank_forms(context.config.campaign.form_version),
    )
    message.reply_note = None if template is not None else "no answer: a reviewer decided"
    return work


def answer_address(session: Session, mail: ParsedMail) -> str | None:
    """``From``; ``Reply-To`` instead only when the registry holds both for the same LAO."""
    sender, reply_to = mail.from_address, mail.reply_to
    if sender is None or reply_to is None or reply_to == sender:
        return sender
    codes = {
        address: set(
            session.scalars(select(LaoAddress.lao_code).where(LaoAddress.address == address))
        )
        for address in (sender, reply_to)
    }
    return reply_to if codes[sender] & codes[reply_to] else sender


def in_our_thread(session: Session, mail: ParsedMail, work: Work) -> bool:
    """Whether ``mail`` answers one of our mails (In-Reply-To/References) or cites a receipt."""
    if work.linked is not None or receipts_in(mail.subject) or receipts_in(mail.text[:5000]):
        return True
    refs = [r for r in (mail.in_reply_to, *mail.references) if r][-_MAX_REFERENCES:]
    if not refs:
        return False
    found = session.scalar(
        select(OutboxMail.id).where(OutboxMail.header_message_id.in_(refs)).limit(1)
    )
    return found is not None
