"""Which submission a message is about, when it answers one of ours (stage *link*).

A mail that answers ours (its In-Reply-To/References name an outbox Message-ID, or its subject
carries a receipt number, :mod:`core.receipts`) is linked to the submission it is about; staff
see the link and *identify* may use it as a hint.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.receipts import receipts_in
from ingest.mime import ParsedMail
from storage.models import OutboxMail, Submission

_MAX_LOOKUPS = 10


def linked_submission(session: Session, mail: ParsedMail) -> Submission | None:
    """The submission ``mail`` answers about, or None.

    First by threading: the newest of In-Reply-To and References that is the Message-ID of a
    mail in our outbox, whose submission (or the one submission of the message it answered) is
    the link. Then by a receipt number in the subject (``[ONEP-2564-000123]``, or the bare
    number). A mail about several submissions links to none: the caller decides by the form.
    The link is a hint for identification, not proof: anyone can type a receipt number.
    """
    candidates: list[str] = []
    for ref in (mail.in_reply_to, *reversed(mail.references)):
        if ref and ref not in candidates:
            candidates.append(ref)
    for ref in candidates[:_MAX_LOOKUPS]:
        row = session.scalar(select(OutboxMail).where(OutboxMail.header_message_id == ref).limit(1))
        if row is None:
            continue
        if row.submission_id is not None:
            return session.get(Submission, row.submission_id)
        if row.cause_message_id is not None:
            found = session.scalars(
                select(Submission).where(Submission.message_id == row.cause_message_id).limit(2)
            ).all()
            if len(found) == 1:
                return found[0]
        break  # ours, but about no single submission: the subject may still say which
    receipts = receipts_in(mail.subject)
    found_by_receipt = [
        sub
        for number in receipts[:_MAX_LOOKUPS]
        if (sub := session.scalar(select(Submission).where(Submission.receipt_no == number)))
        is not None
    ]
    return found_by_receipt[0] if len(found_by_receipt) == 1 else None
