"""What waits for a person: review items opened as a message is processed (stage *review*).

One item per cause: a submission in ``needs_review`` (kind ``unknown_sender``,
``uncertain_lao``, ``unreadable`` or ``problems``, with the reason and the candidate LAOs), or a
mail from a person that carried no form, or only files we cannot open (``question``). Re-processing finds the item by its
``cause_key`` instead of opening another, and resolves it (``auto_resolved``) when its cause went
away. What staff then decide is :mod:`staff.review`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import (
    IDENTITY_PROBLEMS,
    AttachmentRole,
    MessageKind,
    Outcome,
    Resolution,
    ReviewKind,
    ReviewState,
    SubmissionStatus,
    is_unreadable,
)
from storage.models import Attachment, Message, ReviewItem, Submission
from storage.reviews import item_by_cause

SYSTEM = "system"
"""The actor of what the pipeline resolves by itself."""


def open_items_for(
    session: Session,
    *,
    message: Message,
    submissions: Sequence[Submission],
    outcome: str,
    now: datetime,
) -> list[ReviewItem]:
    """Open (or refresh) the review items this processed message calls for; returns the open
    ones. Idempotent: a re-run finds the items by cause and never opens a second one; an item a
    person resolved stays resolved; one whose cause went away is resolved as ``auto_resolved``.
    """
    opened: list[ReviewItem] = []
    for submission in submissions:
        item = item_by_cause(session, f"submission:{submission.id}")
        if submission.status == SubmissionStatus.NEEDS_REVIEW and submission.reviewed_at is None:
            kind, reason = submission_cause(submission)
            item = _open(
                session,
                item,
                cause_key=f"submission:{submission.id}",
                kind=kind,
                reason=reason,
                message=message,
                submission=submission,
                candidates=_candidates(submission),
                now=now,
            )
            if item is not None:
                opened.append(item)
        elif item is not None and item.state == ReviewState.OPEN:
            resolve(
                item, Resolution.AUTO_RESOLVED, SYSTEM, now, f"สถานะเป็น {submission.status} แล้ว"
            )
    question_key = f"question:{message.id}"
    question = item_by_cause(session, question_key)
    if outcome in (Outcome.NO_FORM, Outcome.UNSUPPORTED) and message.kind in (
        None,
        MessageKind.NORMAL,
    ):
        item = _open(
            session,
            question,
            cause_key=question_key,
            kind=ReviewKind.QUESTION,
            reason=_question_reason(message)
            if outcome == Outcome.NO_FORM
            else _unsupported_reason(session, message),
            message=message,
            submission=None,
            candidates=[],
            now=now,
        )
        if item is not None:
            opened.append(item)
    elif question is not None and question.state == ReviewState.OPEN:
        resolve(question, Resolution.AUTO_RESOLVED, SYSTEM, now, f"ประมวลผลใหม่ได้ผล {outcome}")
    codes = {s.lao_code for s in submissions if s.lao_code}
    if codes:
        resolve_superseded(session, codes, now)
    session.flush()
    return opened


def submission_cause(submission: Submission) -> tuple[str, str]:
    """(kind, reason in Thai) of a submission that waits for review."""
    identification = submission.identification or {}
    problems = [p for p in submission.problems if p.get("code") not in IDENTITY_PROBLEMS]
    notes = [str(p.get("message_th") or p.get("code")) for p in problems[:5]]
    if submission.lao_code is None or not identification.get("certain", False):
        kind = (
            ReviewKind.UNCERTAIN_LAO
            if identification.get("sender_known")
            else ReviewKind.UNKNOWN_SENDER
        )
        lead = str(identification.get("reason") or "ไม่ทราบว่าเป็นแบบรายงานของ อปท. ใด")
        return kind, "; ".join([lead, *notes])
    if is_unreadable(problems):
        return ReviewKind.UNREADABLE, "; ".join(notes)
    if problems:
        return ReviewKind.PROBLEMS, "; ".join(notes)
    confidence = submission.confidence
    return ReviewKind.PROBLEMS, (
        f"อ่านแบบรายงานได้ไม่มั่นใจ (ความมั่นใจ {confidence:.0%})"
        if confidence is not None
        else "อ่านแบบรายงานได้ไม่ครบ"
    )


def _question_reason(message: Message) -> str:
    sender = message.from_name or message.from_address or "ผู้ส่ง"
    subject = f" เรื่อง “{message.subject}”" if message.subject else ""
    return f"อีเมลจาก {sender}{subject} ไม่มีแบบรายงานแนบมา: อาจเป็นคำถามที่ต้องตอบ"


def _unsupported_reason(session: Session, message: Message) -> str:
    sender = message.from_name or message.from_address or "ผู้ส่ง"
    names = ", ".join(
        name or "?"
        for name in session.scalars(
            select(Attachment.filename).where(
                Attachment.message_id == message.id, Attachment.role == AttachmentRole.NOT_FORM
            )
        )
    )
    return (
        f"อีเมลจาก {sender} แนบไฟล์ชนิดที่ระบบเปิดไม่ได้ ({names}) ผู้ส่งได้รับแจ้งให้ส่ง .xlsx แล้ว:"
        " เจ้าหน้าที่อาจเปิดด้วยโปรแกรมอื่น"
    )


def _candidates(submission: Submission) -> list[dict[str, Any]]:
    """The LAOs a reviewer chooses from; none when the LAO is certain (the item is about the
    form, not about who sent it)."""
    identification = submission.identification or {}
    if submission.lao_code is not None and identification.get("certain"):
        return []
    details = identification.get("candidate_details")
    if isinstance(details, list) and details:
        return [dict(d) for d in details]
    return [{"code": code} for code in identification.get("candidates") or []]


def _open(
    session: Session,
    item: ReviewItem | None,
    *,
    cause_key: str,
    kind: str,
    reason: str,
    message: Message,
    submission: Submission | None,
    candidates: list[dict[str, Any]],
    now: datetime,
) -> ReviewItem | None:
    if item is None:
        item = ReviewItem(
            cause_key=cause_key,
            kind=kind,
            state=ReviewState.OPEN,
            message_id=message.id,
            submission_id=submission.id if submission is not None else None,
            reason=reason,
            candidates=candidates,
            created_at=now,
            updated_at=now,
        )
        session.add(item)
        return item
    if item.state == ReviewState.RESOLVED and item.resolution != Resolution.AUTO_RESOLVED:
        return None  # a person decided; a re-read does not undo it
    if item.state == ReviewState.RESOLVED:
        item.state = ReviewState.OPEN
        item.resolved_at = item.resolved_by = item.resolution = item.resolution_note = None
    if (item.kind, item.reason, item.candidates) != (kind, reason, candidates):
        item.kind, item.reason, item.candidates = kind, reason, candidates
        item.updated_at = now
    return item


def resolve(item: ReviewItem, resolution: str, by: str, now: datetime, note: str | None) -> None:
    item.state = ReviewState.RESOLVED
    item.resolution = resolution
    item.resolved_by = by
    item.resolved_at = now
    item.resolution_note = note
    item.updated_at = now


def resolve_superseded(session: Session, codes: set[str], now: datetime) -> None:
    stale = session.scalars(
        select(ReviewItem)
        .join(Submission, ReviewItem.submission_id == Submission.id)
        .where(
            ReviewItem.state == ReviewState.OPEN,
            Submission.lao_code.in_(sorted(codes)),
            Submission.status == SubmissionStatus.SUPERSEDED,
        )
    ).all()
    for item in stale:
        newer_id = item.submission.superseded_by_id if item.submission is not None else None
        newer = session.get(Submission, newer_id) if newer_id is not None else None
        receipt = newer.receipt_no if newer is not None else None
        resolve(
            item, Resolution.AUTO_RESOLVED, SYSTEM, now, f"ถูกแทนที่ด้วยฉบับใหม่ {receipt or ''}".strip()
        )
