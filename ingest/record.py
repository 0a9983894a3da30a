"""Stage *record*: turn a reading and an identification into a submission row.

Idempotent by the key (message, slot): the slot is the form's position in the message
(``pos:1`` ...), so ``process`` re-reading a message updates the same row, whatever LAO name a
changed parser now reads, and keeps the earlier reading in ``submission_readings``. Rows of
earlier versions (slot ``form:<name>|<province>`` or ``file:<hash>``; migration 0006 renames
them) are found by their attachment and take the new slot. Resubmission rules (``interface.md``): the newest
*accepted* submission of an LAO for a form version supersedes the older accepted or waiting ones;
a newer submission that waits for review never displaces a good one; a reviewer's decision
(``accepted`` or ``rejected``, with its LAO) is never undone by a re-read. The review queue
(:mod:`staff.review`) applies the same rule through :func:`supersede_older` when a reviewer
accepts a submission.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import laonames
from core.enums import IDENTITY_PROBLEMS, REPORTED, SubmissionStatus
from core.receipts import receipt_number
from ingest.identify import Identification
from storage.models import Message, Submission, SubmissionReading

ACCEPT_CONFIDENCE = 0.8
FORMAT_RANK = {"xlsx": 0, "xlsm": 0, "xls": 1, "docx": 2, "pdf": 3, "pdf_scan": 4, "image": 4}


def slot_for(fields: Mapping[str, Any] | None, sha256: str) -> str:
    name = str((fields or {}).get("lao_name") or "").strip()
    if not name:
        return f"file:{sha256[:32]}"
    province = laonames.province_key(str((fields or {}).get("province") or ""))
    return f"form:{laonames.key(name)}|{province}"[:300]


def decide_status(
    identification: Identification, problems: Sequence[Mapping[str, Any]], confidence: float | None
) -> str:
    if (
        identification.certain
        and identification.lao_code is not None
        and not problems
        and confidence is not None
        and confidence >= ACCEPT_CONFIDENCE
    ):
        return SubmissionStatus.ACCEPTED
    return SubmissionStatus.NEEDS_REVIEW


@dataclass(frozen=True, slots=True)
class Recorded:
    submission: Submission
    created: bool
    decided: str
    """The status this reading earns on its own (before resubmission rules and reviewers)."""


def record(
    session: Session,
    *,
    message: Message,
    slot: str,
    attachment_id: int | None,
    form_version: str,
    format: str | None,
    fields: Mapping[str, Any],
    provenance: Mapping[str, Any],
    problems: Sequence[Mapping[str, Any]],
    confidence: float | None,
    identification: Identification,
    receipt_prefix: str,
    now: datetime,
) -> Recorded:
    status = decide_status(identification, problems, confidence)
    existing = session.scalar(
        select(Submission).where(Submission.message_id == message.id, Submission.slot == slot)
    )
    if existing is None and attachment_id is not None:
        existing = session.scalar(
            select(Submission)
            .where(
                Submission.message_id == message.id,
                Submission.attachment_id == attachment_id,
                Submission.slot.not_like("pos:%"),
            )
            .limit(1)
        )
        if existing is not None:
            existing.slot = slot
    if existing is None:
        submission = Submission(
            message_id=message.id,
            slot=slot,
            attachment_id=attachment_id,
            lao_code=identification.lao_code,
            form_version=form_version,
            format=format,
            status=status,
            fields=dict(fields),
            provenance=dict(provenance),
            problems=[dict(p) for p in problems],
            identification=identification.as_json(),
            confidence=confidence,
            received_at=message.received_at,
            reading_no=1,
            created_at=now,
            updated_at=now,
        )
        session.add(submission)
        session.flush()
        submission.receipt_no = receipt_number(receipt_prefix, submission.id)
        supersede_older(session, submission)
        return Recorded(submission, created=True, decided=status)

    session.add(
        SubmissionReading(
            submission_id=existing.id,
            reading_no=existing.reading_no,
            read_at=existing.updated_at,
            status=existing.status,
            lao_code=existing.lao_code,
            format=existing.format,
            fields=existing.fields,
            problems=existing.problems,
            identification=existing.identification,
        )
    )
    reviewed = existing.reviewed_at is not None
    existing.reading_no += 1
    existing.attachment_id = attachment_id
    existing.form_version = form_version
    existing.format = format
    existing.fields = dict(fields)
    existing.provenance = dict(provenance)
    existing.confidence = confidence
    existing.updated_at = now
    if reviewed:  # the reviewer settled the LAO and the status; the reading may still change
        existing.problems = [dict(p) for p in problems if p.get("code") not in IDENTITY_PROBLEMS]
    else:
        existing.lao_code = identification.lao_code
        existing.problems = [dict(p) for p in problems]
        existing.identification = identification.as_json()
        if existing.status not in (SubmissionStatus.REJECTED, SubmissionStatus.SUPERSEDED):
            existing.status = status
    session.flush()
    supersede_older(session, existing)
    return Recorded(existing, created=False, decided=status)


def supersede_older(session: Session, submission: Submission) -> None:
    """Apply the resubmission rule to the LAO of ``submission``: its newest accepted submission
    (by ``received_at``) supersedes the older accepted or waiting ones of the same form version.
    Waiting, rejected or unreadable ones never displace an accepted one."""
    if submission.lao_code is None:
        return
    rows = session.scalars(
        select(Submission)
        .where(
            Submission.lao_code == submission.lao_code,
            Submission.form_version == submission.form_version,
        )
        .order_by(Submission.received_at, Submission.id)
    ).all()
    accepted = [row for row in rows if row.status == SubmissionStatus.ACCEPTED]
    if not accepted:
        return
    newest = accepted[-1]
    for row in rows:
        if row is newest or row.status not in REPORTED:
            continue
        if (row.received_at, row.id) < (newest.received_at, newest.id):
            row.status = SubmissionStatus.SUPERSEDED
            row.superseded_by_id = newest.id
    session.flush()
