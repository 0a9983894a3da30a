"""The review queue: what a person decides about what waits for one.

Place in the flow: beside it. The pipeline opens the items (:mod:`ingest.triage`). Staff act through ``onep-inbox review`` (:mod:`app.review_cli`), which calls the functions
here: :func:`list_items`, :func:`show`, :func:`assign`, :func:`accept`, :func:`reject`,
:func:`answer`. Each takes ``by`` and writes an :class:`~storage.models.AuditEntry`; where the
outcome changes for the LAO (accepted, to be corrected, an answer), the mail is queued in the
outbox in the same transaction (:func:`outbound.outbox.enqueue`). Accepting with an LAO teaches
the registry the sender address (``lao_addresses.source = "learned"``) and applies the
resubmission rule (:func:`ingest.record.supersede_older`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import SmtpConfig, StaffConfig
from core.enums import (
    IDENTITY_PROBLEMS,
    AddressSource,
    LaoType,
    Resolution,
    ReviewKind,
    ReviewState,
    SubmissionStatus,
    is_unreadable,
)
from core.errors import ReviewError
from core.thai import thai_digits_to_arabic
from ingest.record import supersede_older
from ingest.triage import resolve, resolve_superseded
from outbound.outbox import Draft, enqueue
from outbound.render import Renderer
from storage.models import AuditEntry, Lao, LaoAddress, Message, OutboxMail, ReviewItem, Submission
from storage.reviews import audit_target, find_item, ref_of
from storage.users import signature

GREETING = "เรียน"
CLOSING = "ขอแสดงความนับถือ"


@dataclass(frozen=True, slots=True)
class Mailer:
    """What queueing a reviewer's mail needs."""

    renderer: Renderer
    smtp: SmtpConfig
    staff: StaffConfig = field(default_factory=StaffConfig)
    """The signature of a ``--by`` name that has no account (``[staff]``)."""


# --- actions ----------------------------------------------------------------------------------


def assign(session: Session, ref: str, *, to: str, by: str, now: datetime) -> ReviewItem:
    _require_by(by)
    if not to.strip():
        raise ReviewError("ต้องระบุ --to NAME / --to NAME is required")
    item = find_item(session, ref)
    _require_open(item)
    before = item.assigned_to
    item.assigned_to, item.assigned_at, item.updated_at = to, now, now
    _audit(session, item, by, now, "review.assign", {"to": to, "before": before})
    return item


def accept(
    session: Session,
    ref: str,
    *,
    by: str,
    now: datetime,
    mailer: Mailer,
    lao_code: str | None = None,
) -> ReviewItem:
    """Accept a waiting submission, as the LAO ``lao_code`` (required when it has none).

    With ``lao_code`` the sender address is learned for that LAO. The resubmission rule then
    runs: this submission supersedes the LAO's older ones, or a newer accepted one supersedes it.
    The LAO is told when its report ends up accepted.
    """
    _require_by(by)
    item = find_item(session, ref, prefer="submission")
    _require_open(item)
    submission = item.submission
    if submission is None:
        raise ReviewError("คำถามรับไม่ได้ ใช้ review answer / a question: use `review answer`")
    if is_unreadable(submission.problems) or not submission.fields:
        raise ReviewError(
            "ไฟล์นี้อ่านไม่ได้ จึงรับเป็นรายงานไม่ได้ ใช้ review reject เพื่อขอไฟล์ใหม่"
            " / an unreadable file cannot be accepted: `review reject` asks for a new one"
        )
    code = (lao_code or submission.lao_code or "").strip()
    if not code:
        candidates = ", ".join(
            f"{c.get('code')} {c.get('name', '')}".strip() for c in item.candidates
        )
        raise ReviewError(
            "ยังไม่ทราบ อปท. ระบุด้วย --lao CODE / the LAO is unknown: give --lao CODE"
            + (f" (candidates: {candidates})" if candidates else "")
        )
    lao = session.get(Lao, code)
    if lao is None or lao.lao_type == LaoType.PROVINCIAL_OFFICE:
        raise ReviewError(f"ไม่พบ อปท. รหัส {code} ในทะเบียน / no LAO with code {code!r}")
    before = {"status": submission.status, "lao_code": submission.lao_code}
    submission.lao_code = lao.code
    submission.status = SubmissionStatus.ACCEPTED
    submission.reviewed_by, submission.reviewed_at = by, now
    submission.updated_at = now
    submission.problems = [p for p in submission.problems if p.get("code") not in IDENTITY_PROBLEMS]
    identification = dict(submission.identification or {})
    if lao_code is not None or not identification.get("certain"):
        identification.update(
            lao_code=lao.code,
            certain=True,
            method="reviewer",
            reason=f"เจ้าหน้าที่ ({by}) ยืนยันว่าเป็นของ {lao.name}",
            reviewed_by=by,
        )
    submission.identification = identification
    own_domain = mailer.smtp.from_address.rpartition("@")[2].lower()
    learned = (
        _learn(session, submission, lao, by, now, own_domain) if lao_code is not None else None
    )
    session.flush()
    supersede_older(session, submission)
    superseded = [
        s.receipt_no or str(s.id)
        for s in session.scalars(
            select(Submission).where(Submission.superseded_by_id == submission.id)
        )
    ]
    resolve(item, Resolution.ACCEPTED, by, now, f"{lao.code} {lao.name}")
    _audit(
        session,
        item,
        by,
        now,
        "review.accept",
        {
            "lao_code": lao.code,
            "before": before,
            "status": submission.status,
            "learned_address": learned,
            "superseded": superseded,
        },
    )
    resolve_superseded(session, {lao.code}, now)
    if (
        submission.status == SubmissionStatus.ACCEPTED
        and before["status"] != SubmissionStatus.ACCEPTED
    ):
        _mail_decision(
            session,
            item,
            mailer,
            now,
            template="review_accepted",
            extra={
                "lao_name": lao.name,
                "lao_code": lao.code,
                "superseded": superseded,
                "learned_address": learned,
            },
        )
    return item


def reject(
    session: Session, ref: str, *, reason: str, by: str, now: datetime, mailer: Mailer
) -> ReviewItem:
    """Reject a waiting submission and tell the sender what to fix; for a question, close it
    without an answer (no mail)."""
    _require_by(by)
    if not reason.strip():
        raise ReviewError("ต้องระบุเหตุผล --reason / --reason must say what to fix")
    item = find_item(session, ref)
    _require_open(item)
    submission = item.submission
    if submission is None:
        resolve(item, Resolution.CLOSED, by, now, reason)
        _audit(session, item, by, now, "review.close", {"reason": reason})
        return item
    before = submission.status
    submission.status = SubmissionStatus.REJECTED
    submission.reviewed_by, submission.reviewed_at = by, now
    submission.updated_at = now
    resolve(item, Resolution.REJECTED, by, now, reason)
    _audit(session, item, by, now, "review.reject", {"reason": reason, "before": before})
    if before != SubmissionStatus.REJECTED:
        lao = submission.lao
        _mail_decision(
            session,
            item,
            mailer,
            now,
            template="review_rejected",
            extra={
                "reason": reason,
                "lao_name": lao.name if lao is not None else submission.fields.get("lao_name"),
                "problems": [
                    p for p in submission.problems if p.get("code") not in IDENTITY_PROBLEMS
                ],
            },
        )
    return item


def answer(
    session: Session, ref: str, *, text: str, by: str, now: datetime, mailer: Mailer
) -> ReviewItem:
    """Answer a question: the text goes to the sender as a person's reply (no Auto-Submitted)."""
    _require_by(by)
    if not text.strip():
        raise ReviewError("คำตอบว่างเปล่า / the answer is empty")
    item = find_item(session, ref, prefer="question")
    _require_open(item)
    if item.kind != ReviewKind.QUESTION:
        raise ReviewError(
            "รายการนี้เป็นแบบรายงาน ใช้ review accept หรือ review reject"
            " / a submission: use `review accept` or `review reject`"
        )
    message = item.message
    reply_subject = message.subject or ""
    if not reply_subject.lower().startswith("re:"):
        reply_subject = f"Re: {reply_subject}" if reply_subject else ""
    outbox = _mail_decision(
        session,
        item,
        mailer,
        now,
        template="review_answer",
        extra={"reply_subject": reply_subject, **letter(session, text, by, mailer)},
    )
    resolve(item, Resolution.ANSWERED, by, now, text.strip()[:500])
    _audit(
        session,
        item,
        by,
        now,
        "review.answer",
        {"text": text.strip(), "outbox_id": outbox.id if outbox is not None else None},
    )
    return item


def letter(session: Session, text: str, by: str, mailer: Mailer) -> dict[str, Any]:
    """How a person's answer is framed: no greeting of ours when the text begins with one
    (เรียน ...), no closing and name of ours when it already closes (ขอแสดงความนับถือ ...);
    otherwise signed with the account's display name and position (``users add``), or for a
    name without an account with ``[staff] signature_name``/``signature_position``."""
    body = text.strip()
    account = signature(session, by)
    name, position = (
        (account.name, account.position)
        if account is not None
        else (mailer.staff.signature_name, mailer.staff.signature_position)
    )
    context: dict[str, Any] = {
        "text": body,
        "by": by,
        "signed": CLOSING in body,
        "signature_name": name,
        "signature_position": position,
        "office": mailer.staff.office,
        "reply_address": mailer.smtp.from_address,
    }
    if body.startswith(GREETING):
        context["greeting"] = None
    return context


# --- helpers ----------------------------------------------------------------------------------


def _require_by(by: str) -> None:
    if not by.strip():
        raise ReviewError("ต้องระบุ --by NAME / --by NAME is required")


def _require_open(item: ReviewItem) -> None:
    if item.state != ReviewState.OPEN:
        when = item.resolved_at.isoformat() if item.resolved_at else "?"
        raise ReviewError(
            f"รายการ {ref_of(item)} ได้รับการจัดการแล้ว ({item.resolution} โดย {item.resolved_by}"
            f" {when}) / already resolved"
        )


def _audit(
    session: Session,
    item: ReviewItem,
    by: str,
    now: datetime,
    action: str,
    details: dict[str, Any],
) -> None:
    session.add(
        AuditEntry(
            at=now,
            actor=by.strip(),
            action=action,
            target=audit_target(item),
            details={"item": item.id, "ref": ref_of(item), "kind": item.kind, **details},
        )
    )


def _learn(
    session: Session, submission: Submission, lao: Lao, by: str, now: datetime, own_domain: str
) -> str | None:
    """Teach the registry the sender address of ``submission`` for ``lao``; the address learned,
    or None. The address is the first sender (outermost first, then forwarded ones) that is
    neither a provincial office's nor ours (staff forwarding mail in); it is not learned when it
    already belongs to this LAO, or to another LAO's registry entry (an official address)."""
    identification = submission.identification or {}
    senders = [a for a in identification.get("senders") or [] if isinstance(a, str)]
    if not senders and submission.message.from_address:
        senders = [submission.message.from_address]
    for raw in senders:
        address = raw.strip().lower()
        if "@" not in address or address.rpartition("@")[2] == own_domain:
            continue
        owners = session.execute(
            select(LaoAddress.lao_code, LaoAddress.source, Lao.lao_type)
            .join(Lao, Lao.code == LaoAddress.lao_code)
            .where(LaoAddress.address == address)
        ).all()
        if any(lao_type == LaoType.PROVINCIAL_OFFICE for _, _, lao_type in owners):
            continue
        if any(code == lao.code for code, _, _ in owners):
            return None
        if any(source == AddressSource.REGISTRY for _, source, _ in owners):
            return None
        session.add(
            LaoAddress(
                address=address,
                lao_code=lao.code,
                source=AddressSource.LEARNED,
                created_at=now,
                created_by=by,
            )
        )
        return address
    return None


def _reply_address(session: Session, message: Message) -> str | None:
    """Where the acknowledgement of ``message`` went (Reply-To, else From), else its From."""
    acked = session.scalar(
        select(OutboxMail.to_address)
        .where(OutboxMail.cause_message_id == message.id)
        .order_by(OutboxMail.id)
        .limit(1)
    )
    return acked or message.from_address


def _mail_decision(
    session: Session,
    item: ReviewItem,
    mailer: Mailer,
    now: datetime,
    *,
    template: str,
    extra: dict[str, Any],
) -> OutboxMail | None:
    """Queue the mail that tells the sender the outcome. Sent as staff mail (no Auto-Submitted):
    a person decided it, and the loop guard for automatic mail must not swallow it."""
    message = item.message
    to_address = _reply_address(session, message)
    if to_address is None:
        return None
    submission = item.submission
    context: dict[str, Any] = {
        "greeting": message.from_name or "ผู้ประสานงาน",
        "subject": message.subject,
        "received_at": message.received_at,
        "receipt_no": submission.receipt_no if submission is not None else None,
        "filename": (
            submission.attachment.filename
            if submission is not None and submission.attachment is not None
            else None
        ),
    }
    context.update(extra)
    rendered = mailer.renderer.render(template, context)
    references = (message.header_message_id,) if message.header_message_id else ()
    return enqueue(
        session,
        Draft(
            kind=template.replace("_", "-"),
            dedupe_key=f"review:{item.id}:{template}",
            to_address=to_address,
            subject=rendered.subject,
            text=rendered.text,
            in_reply_to=message.header_message_id,
            references=references,
            auto_submitted=None,
            lao_code=submission.lao_code if submission is not None else None,
            submission_id=submission.id if submission is not None else None,
            cause_message_id=message.id,
        ),
        config=mailer.smtp,
        now=now,
    )


def close(session: Session, ref: str, *, reason: str, by: str, now: datetime) -> ReviewItem:
    """Close an item without mailing anyone (spam, a test, a file sent twice by hand ...). A
    waiting submission becomes rejected, silently; a question is closed unanswered."""
    _require_by(by)
    if not reason.strip():
        raise ReviewError("ต้องระบุเหตุผล / a reason is required")
    item = find_item(session, ref)
    _require_open(item)
    submission = item.submission
    before = submission.status if submission is not None else None
    if submission is not None:
        submission.status = SubmissionStatus.REJECTED
        submission.reviewed_by, submission.reviewed_at = by, now
        submission.updated_at = now
    resolve(item, Resolution.CLOSED, by, now, reason)
    _audit(session, item, by, now, "review.close", {"reason": reason, "before": before})
    return item


def correct(
    session: Session,
    ref: str,
    field_key: str,
    text: str,
    *,
    by: str,
    now: datetime,
    note: str | None = None,
) -> ReviewItem:
    """Correct one value of an item's submission: ``text`` is read as the form's field is
    typed (a number, a date, yes/no, text; empty removes the value). The value read stays;
    the correction is kept with who and when (:mod:`storage.corrections`) and exports use it.
    Allowed on resolved items too (a figure found wrong after accepting)."""
    from storage.corrections import add

    _require_by(by)
    item = find_item(session, ref)
    submission = item.submission
    if submission is None:
        raise ReviewError("คำถามไม่มีค่าให้แก้ / a question has no values to correct")
    value = typed_value(submission.form_version, field_key, text)
    read = (submission.fields or {}).get(field_key)
    add(session, submission.id, field_key, value, read_value=read, by=by, now=now, note=note)
    _audit(
        session,
        item,
        by,
        now,
        "review.correct",
        {"field": field_key, "read": read, "value": value, "note": note},
    )
    return item


def typed_value(form_version: str, key: str, text: str) -> Any:
    """``text`` as a value of field ``key`` of the form (raises ReviewError when it is not
    one)."""
    from parsers.schema import available_versions, load_schema

    spec = None
    if form_version in available_versions():
        spec = next((s for s in load_schema(form_version).all_fields() if s.key == key), None)
    if spec is None:
        raise ReviewError(f"แบบรายงานไม่มีช่อง {key!r} / the form has no field {key!r}")
    raw = text.strip()
    if not raw:
        return None
    if spec.type in {"int", "decimal", "area"}:
        try:
            number = float(thai_digits_to_arabic(raw).replace(",", "").replace(" ", ""))
        except ValueError as exc:
            raise ReviewError(f"“{raw}” ไม่ใช่ตัวเลข / not a number") from exc
        if spec.type == "int":
            if number != int(number):
                raise ReviewError(f"“{raw}” ต้องเป็นจำนวนเต็ม / must be a whole number")
            return int(number)
        return float(number)
    if spec.type == "bool":
        if raw.lower() in {"มี", "ใช่", "yes", "true", "1"}:
            return True
        if raw.lower() in {"ไม่มี", "ไม่ใช่", "no", "false", "0"}:
            return False
        raise ReviewError(f"“{raw}” ต้องเป็น มี/ไม่มี / must be yes or no")
    if spec.type == "date":
        from core.dates import parse_thai_date

        found = parse_thai_date(raw)
        if found is None:
            raise ReviewError(f"“{raw}” ไม่ใช่วันที่ / not a date")
        return found.isoformat()
    return raw
