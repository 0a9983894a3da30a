"""Questions staff ask of the store: where the campaign stands, and the submissions to export.

Kept here, not in the CLI, so that the dashboard (roadmap) asks the same questions the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from core.enums import REPORTED, LaoType, MessageState, SubmissionStatus, is_unreadable
from storage.models import Attachment, Lao, LaoAddress, Message, OutboxMail, Poll, Submission

SUBMISSION_STATUSES = tuple(SubmissionStatus)


def current_submission_ids(session: Session) -> dict[str, int]:
    """LAO code -> its current submission: the latest by received_at that is not superseded.

    A file we could not read at all does not displace a report we could: an unreadable resend
    is current only while the LAO has nothing better.
    """
    rows = session.execute(
        select(Submission.lao_code, Submission.id, Submission.problems)
        .where(Submission.lao_code.is_not(None), Submission.status != SubmissionStatus.SUPERSEDED)
        .order_by(Submission.received_at, Submission.id)
    )
    current: dict[str, int] = {}
    readable: set[str] = set()
    for code, sub_id, problems in rows:
        if code is None:
            continue
        unreadable = is_unreadable(problems or [])
        if unreadable and code in readable:
            continue
        current[code] = sub_id
        if not unreadable:
            readable.add(code)
    return current


def message_ids(session: Session, ref: str | None) -> list[int]:
    """Stored messages in the order they arrived: all of them (``ref`` None), or the one named
    by ``ref``: its internal id (``45``, ``M45``) or its Message-ID (with or without ``<>``)."""
    query = select(Message.id).order_by(Message.received_at, Message.id)
    if ref is not None:
        text = ref.strip()
        conditions = [
            Message.header_message_id == text,
            Message.header_message_id == f"<{text.strip('<>')}>",
        ]
        number = text[1:] if text[:1] in "Mm" else text
        if number.isdigit():
            conditions.append(Message.id == int(number))
        query = query.where(or_(*conditions))
    return list(session.scalars(query))


def pending_by_sender(session: Session) -> dict[str, int]:
    """LAO code -> the submission id of the newest form waiting in review *without*
    an LAO, whose sender address is registered (or learned) for that one LAO and no other.

    Such an LAO has reported: its form waits for a person to confirm whose it is, so it is
    "reported, pending review" and never chased (``outbound.reminders``). The senders are the
    ones *identify* saw (outermost first, then those of forwarded messages); a provincial
    office's address is skipped, as identify skips it, and the next sender counts.
    """
    rows = session.execute(
        select(
            Submission.id, Submission.received_at, Submission.identification, Message.from_address
        )
        .join(Message, Message.id == Submission.message_id)
        .where(
            Submission.lao_code.is_(None),
            Submission.status == SubmissionStatus.NEEDS_REVIEW,
            Submission.reviewed_at.is_(None),
        )
        .order_by(Submission.received_at, Submission.id)
    ).all()
    if not rows:
        return {}
    senders_of: dict[int, list[str]] = {}
    for sub_id, _, identification, from_address in rows:
        listed = (identification or {}).get("senders") or []
        senders = [str(a).strip().lower() for a in listed if str(a).strip()]
        if not senders and from_address:
            senders = [from_address.strip().lower()]
        senders_of[sub_id] = senders
    wanted = sorted({address for senders in senders_of.values() for address in senders})
    owners: dict[str, set[tuple[str, str]]] = {}
    for start in range(0, len(wanted), 900):
        for address, code, lao_type in session.execute(
            select(LaoAddress.address, Lao.code, Lao.lao_type)
            .join(Lao, Lao.code == LaoAddress.lao_code)
            .where(func.lower(LaoAddress.address).in_(wanted[start : start + 900]))
        ):
            owners.setdefault(address.lower(), set()).add((code, lao_type))
    found: dict[str, int] = {}
    for sub_id, _, _, _ in rows:
        for address in senders_of[sub_id]:
            records = owners.get(address, set())
            if not records or any(kind == LaoType.PROVINCIAL_OFFICE for _, kind in records):
                continue  # unknown, or a สถจ. forwarding: a later sender may be known
            if len(records) == 1:
                found[next(iter(records))[0]] = sub_id
            break  # the first sender known for LAOs decides (one LAO, or none if shared)
    return found


def status(session: Session) -> dict[str, Any]:
    messages = session.scalar(select(func.count(Message.id))) or 0
    by_status = dict(
        session.execute(
            select(Submission.status, func.count(Submission.id)).group_by(Submission.status)
        ).all()
    )
    lao_total = (
        session.scalar(
            select(func.count(Lao.code)).where(Lao.lao_type != LaoType.PROVINCIAL_OFFICE)
        )
        or 0
    )
    current = current_submission_ids(session)
    reported: set[str] = set()
    if current:
        statuses = session.execute(
            select(Submission.lao_code, Submission.status, Lao.lao_type)
            .join(Lao, Lao.code == Submission.lao_code)
            .where(Submission.id.in_(list(current.values())))
        ).all()
        reported = {
            str(code)
            for code, st, lao_type in statuses
            if st in REPORTED and lao_type != LaoType.PROVINCIAL_OFFICE
        }
    submitted = len(reported | set(pending_by_sender(session)))
    outbox = dict(
        session.execute(
            select(OutboxMail.status, func.count(OutboxMail.id)).group_by(OutboxMail.status)
        ).all()
    )
    last = session.scalar(select(Poll).order_by(Poll.started_at.desc(), Poll.id.desc()).limit(1))
    failed_messages = (
        session.scalar(select(func.count(Message.id)).where(Message.state == MessageState.FAILED))
        or 0
    )
    waiting = (
        session.scalar(select(func.count(Message.id)).where(Message.state == MessageState.STORED))
        or 0
    )
    outcomes = dict(
        session.execute(
            select(Message.outcome, func.count(Message.id))
            .where(Message.outcome.is_not(None))
            .group_by(Message.outcome)
        ).all()
    )
    health = service_health(session)
    return {
        "messages": messages,
        "messages_by_outcome": outcomes,
        "messages_failed": failed_messages,
        "messages_waiting": waiting,
        "submissions": {name: int(by_status.get(name, 0)) for name in SUBMISSION_STATUSES},
        "laos": {"total": lao_total, "submitted": submitted, "missing": lao_total - submitted},
        "outbox": {
            "pending": int(outbox.get("pending", 0)),
            "sent": int(outbox.get("sent", 0)),
            "failed": int(outbox.get("failed", 0)),
            "suppressed": int(outbox.get("suppressed", 0)),
        },
        "last_poll": (
            {
                "at": _iso(last.started_at),
                "ok": last.ok,
                "fetched": last.fetched,
                "new": last.new,
                "error": last.error,
            }
            if last is not None
            else None
        ),
        **health,
    }


def service_health(session: Session) -> dict[str, Any]:
    """The last successful poll and send, and since when each has been failing (None: not)."""
    from storage.health import heartbeats

    last_ok = session.scalar(select(func.max(Poll.started_at)).where(Poll.ok.is_(True)))
    failed_poll = select(func.min(Poll.started_at)).where(Poll.ok.is_(False))
    if last_ok is not None:
        failed_poll = failed_poll.where(Poll.started_at > last_ok)
    poll_failing_since = session.scalar(failed_poll)
    sent_at = session.scalar(select(func.max(OutboxMail.sent_at)))
    send = heartbeats(session).get("send")
    return {
        "last_ok_poll": _iso(last_ok),
        "poll_failing_since": _iso(poll_failing_since),
        "last_sent_at": _iso(sent_at),
        "send": {
            "last_ok_at": _iso(send.last_ok_at) if send else None,
            "failing_since": _iso(send.failing_since) if send else None,
            "last_error": send.last_error if send and send.failing_since else None,
        },
    }


def _iso(value: datetime | None) -> str | None:
    from core.dates import BANGKOK

    return value.astimezone(BANGKOK).isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class ExportRow:
    submission: Submission
    message: Message
    attachment: Attachment | None
    lao: Lao | None
    corrections: dict[str, Any] = field(default_factory=dict)
    """A reviewer's corrections of values (``corrections``), laid over the fields read."""


def export_rows(session: Session, *, everything: bool) -> Iterator[ExportRow]:
    attachment = aliased(Attachment)
    query = (
        select(Submission, Message, attachment, Lao)
        .join(Message, Message.id == Submission.message_id)
        .outerjoin(attachment, attachment.id == Submission.attachment_id)
        .outerjoin(Lao, Lao.code == Submission.lao_code)
        .order_by(Submission.lao_code, Submission.received_at, Submission.id)
    )
    if not everything:
        ids = list(current_submission_ids(session).values())
        if not ids:
            return
        query = query.where(Submission.id.in_(ids))
    from storage.corrections import latest

    rows = session.execute(query).all()
    corrected = latest(session, [row[0].id for row in rows])
    for sub, message, att, lao in rows:
        yield ExportRow(sub, message, att, lao, corrected.get(sub.id, {}))


def export_record(row: ExportRow) -> dict[str, Any]:
    from storage.corrections import corrected_fields

    sub, lao = row.submission, row.lao
    fields = corrected_fields(sub.fields, row.corrections)
    return {
        "submission_id": sub.receipt_no or str(sub.id),
        "message_id": row.message.header_message_id,
        "attachment": row.attachment.filename if row.attachment is not None else None,
        "lao_code": sub.lao_code,
        "lao_name": lao.name if lao is not None else fields.get("lao_name"),
        "province": lao.province if lao is not None else fields.get("province"),
        "status": sub.status,
        "received_at": _iso(sub.received_at),
        "form_version": sub.form_version,
        "fields": fields,
        "problems": list(sub.problems),
    }
