"""Queries about the review queue: finding an item by the name staff give it, listing, showing.

Shared by the CLI (``onep-inbox review``) and the dashboard; the decisions themselves are
:mod:`staff.review`, the opening of items :mod:`ingest.triage`.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import ReviewKind, ReviewState
from core.errors import ReviewError
from core.receipts import is_receipt
from storage.models import AuditEntry, Message, ReviewItem, Submission

KINDS = tuple(ReviewKind)


def audit_target(item: ReviewItem) -> str:
    """How the audit log names what an item is about."""
    if item.submission_id is not None:
        return f"submission:{item.submission_id}"
    return f"message:{item.message_id}"


def item_by_cause(session: Session, cause_key: str) -> ReviewItem | None:
    return session.scalar(select(ReviewItem).where(ReviewItem.cause_key == cause_key))


def ref_of(item: ReviewItem) -> str:
    """How staff name an item: the receipt number, or M<message id> for a question."""
    if item.submission is not None and item.submission.receipt_no:
        return item.submission.receipt_no
    if item.submission_id is not None:
        return f"S{item.submission_id}"
    return f"M{item.message_id}"


def find_item(
    session: Session, ref: str, *, prefer: Literal["submission", "question"] | None = None
) -> ReviewItem:
    """The item named by ``ref``: a receipt number (ONEP-2564-000123), a submission id (123 or
    S123), a question's message id (M45, or 45 where a question is meant) or its Message-ID."""
    text = ref.strip()
    by_submission: ReviewItem | None = None
    by_message: ReviewItem | None = None
    if is_receipt(text):
        submission_id = session.scalar(select(Submission.id).where(Submission.receipt_no == text))
        if submission_id is not None:
            by_submission = item_by_cause(session, f"submission:{submission_id}")
    elif "@" in text:
        wanted = f"<{text.strip('<>')}>"
        ids = session.scalars(
            select(Message.id).where(Message.header_message_id.in_([text, wanted]))
        ).all()
        items = [i for m in ids for i in _items_of_message(session, m)]
        if len(items) > 1:
            refs = ", ".join(ref_of(i) for i in items)
            raise ReviewError(f"{text} มีหลายรายการ ({refs}) กรุณาระบุเลขที่รับ / several items: {refs}")
        by_message = items[0] if items else None
    elif text[:1] in "Mm" and text[1:].isdigit():
        by_message = item_by_cause(session, f"question:{int(text[1:])}")
    elif text[:1] in "Ss" and text[1:].isdigit():
        by_submission = item_by_cause(session, f"submission:{int(text[1:])}")
    elif text.isdigit():
        by_submission = item_by_cause(session, f"submission:{int(text)}")
        by_message = item_by_cause(session, f"question:{int(text)}")
        if prefer == "question" and by_message is not None:
            by_submission = None
        elif prefer == "submission" and by_submission is not None:
            by_message = None
        elif by_submission is not None and by_message is not None:
            raise ReviewError(
                f"{text} เป็นได้ทั้งรายงานและคำถาม ใช้ S{text} หรือ M{text}"
                f" / ambiguous: use S{text} (submission) or M{text} (question)"
            )
    found = by_submission or by_message
    if found is None:
        raise ReviewError(
            f"ไม่พบรายการ “{ref}” ในคิวตรวจสอบ / no review item {ref!r}"
            " (use a receipt number, a submission id, or M<message id> for a question)"
        )
    return found


def _items_of_message(session: Session, message_id: int) -> list[ReviewItem]:
    return list(
        session.scalars(
            select(ReviewItem).where(ReviewItem.message_id == message_id).order_by(ReviewItem.id)
        )
    )


def list_items(
    session: Session, *, kind: str | None = None, state: str = ReviewState.OPEN
) -> list[ReviewItem]:
    """Items oldest first; ``state`` open, resolved or all."""
    query = select(ReviewItem).order_by(ReviewItem.created_at, ReviewItem.id)
    if kind is not None:
        if kind not in KINDS:
            raise ReviewError(f"ไม่รู้จักประเภท {kind!r} / unknown kind; one of {', '.join(KINDS)}")
        query = query.where(ReviewItem.kind == kind)
    if state != "all":
        query = query.where(ReviewItem.state == state)
    return list(session.scalars(query))


def summary(item: ReviewItem) -> dict[str, Any]:
    """One line of ``review list`` (also its JSON)."""
    message = item.message
    submission = item.submission
    return {
        "ref": ref_of(item),
        "id": item.id,
        "kind": item.kind,
        "state": item.state,
        "assigned_to": item.assigned_to,
        "received_at": message.received_at.isoformat(),
        "from": message.from_address,
        "subject": message.subject,
        "lao_code": submission.lao_code if submission is not None else None,
        "form_lao_name": (submission.fields or {}).get("lao_name") if submission else None,
        "status": submission.status if submission is not None else None,
        "reason": item.reason,
        "candidates": [c.get("code") for c in item.candidates],
        "resolution": item.resolution,
        "resolved_by": item.resolved_by,
    }


def show(session: Session, ref: str) -> dict[str, Any]:
    """Everything a reviewer needs to decide one item, and what was done to it so far."""
    item = find_item(session, ref)
    out = summary(item)
    out["candidates"] = item.candidates
    out["message"] = {
        "id": item.message_id,
        "message_id": item.message.header_message_id,
        "from_name": item.message.from_name,
        "outcome": item.message.outcome,
        "attachments": [
            {"filename": a.filename, "role": a.role, "note": a.note}
            for a in item.message.attachments
        ],
    }
    submission = item.submission
    if submission is not None:
        identification = submission.identification or {}
        out["submission"] = {
            "id": submission.id,
            "receipt_no": submission.receipt_no,
            "status": submission.status,
            "lao_code": submission.lao_code,
            "identity_fields": {
                key: submission.fields.get(key)
                for key in ("lao_name", "lao_type", "lao_code", "district", "province")
                if key in submission.fields
            },
            "identification": {
                key: identification.get(key)
                for key in ("method", "reason", "senders", "learnable_address")
            },
            "problems": submission.problems,
            "confidence": submission.confidence,
        }
    out["history"] = [
        {"at": e.at.isoformat(), "by": e.actor, "action": e.action, "details": e.details}
        for e in session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target == audit_target(item))
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    ]
    return out
