"""The outbox: generated mail is queued as rows, then delivered by ``send``.

*queue reply* (the pipeline's last stage) calls :func:`enqueue` inside the transaction that
records its cause, so a reply exists if and only if its cause was committed. ``dedupe_key`` says
why a mail exists; queueing for the same reason twice is a no-op, which is what makes re-runs safe.
The loop guard caps automatic mail to one address per Bangkok day (counted at queue time by the
injected clock); a capped mail is kept as ``suppressed`` so that staff can see it.

Bounces find their row by the Message-ID they return (``header_message_id``) or, with
``smtp.verp``, by the envelope sender each row is sent with (:func:`envelope_sender`,
``onep.uem+outbox-123@onep.go.th``), which is where the bounce is addressed (:mod:`outbound.bounces`).

:func:`drain` sends due rows one at a time: send, then mark ``sent`` and commit. A crash between
the SMTP server's acceptance and that commit can cause at most one duplicate of that one mail.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from core.config import SmtpConfig
from core.dates import BANGKOK
from core.enums import OutboxStatus
from core.errors import OnepInboxError, SendError
from outbound.compose import Attachment, compose, make_message_id, token
from outbound.sender import MailSender, OutgoingMail
from storage.db import SessionFactory
from storage.health import beat
from storage.models import AuditEntry, OutboxMail


class OutboxError(OnepInboxError):
    """An outbox action cannot be done as asked (the message says why)."""


_VERP = re.compile(r"\+outbox-([0-9]{1,18})-([a-z2-7]{16})@", re.I)


def envelope_sender(config: SmtpConfig, row_id: int) -> str:
    """The envelope sender (MAIL FROM) of outbox row ``row_id``.

    ``smtp.from_address`` as is, or with ``smtp.verp`` the row's own address
    ``local+outbox-<row>-<token>@domain`` (VERP): bounces then name the row they are about, and
    the token (:func:`outbound.compose.token`) proves the address was ours.
    """
    if not config.verp:
        return config.from_address
    local, _, domain = config.from_address.rpartition("@")
    return f"{local}+outbox-{row_id}-{token(config.id_secret, f'verp.{row_id}')}@{domain}"


def row_id_from_envelope(address: str, secret: str) -> int | None:
    """The outbox row named by a VERP address of ours whose token is right, else None."""
    found = _VERP.search(address)
    if found is None:
        return None
    row_id = int(found.group(1))
    expected = token(secret, f"verp.{row_id}")
    return row_id if hmac.compare_digest(found.group(2).lower(), expected) else None


@dataclass(frozen=True, slots=True)
class Draft:
    kind: str
    dedupe_key: str
    to_address: str
    subject: str
    text: str
    html: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto_submitted: Literal["auto-replied", "auto-generated"] | None = "auto-replied"
    lao_code: str | None = None
    submission_id: int | None = None
    cause_message_id: int | None = None
    attachments: tuple[Attachment, ...] = ()


def _day_bounds(now: datetime) -> tuple[datetime, datetime]:
    local = now.astimezone(BANGKOK)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def enqueue(
    session: Session,
    draft: Draft,
    *,
    config: SmtpConfig,
    now: datetime,
    dated: datetime | None = None,
) -> OutboxMail | None:
    """Queue ``draft`` unless a mail for the same reason exists. Returns the new row, or None.

    ``now`` is the moment the mail is queued for (the loop guard's day); ``dated`` the mail's
    ``Date`` (default ``now``): ``remind --now`` in the past plans for then but never dates
    mail in the past."""
    if session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == draft.dedupe_key)):
        return None
    start, end = _day_bounds(now)
    sent_today = _count(
        session,
        OutboxMail.to_address == draft.to_address,
        OutboxMail.queued_at >= start,
        OutboxMail.queued_at < end,
        OutboxMail.status != OutboxStatus.SUPPRESSED,
        OutboxMail.auto_submitted_kind.is_not(None),
    )
    limited = draft.auto_submitted is not None and sent_today >= (
        config.auto_mail_per_address_per_day
    )
    row = OutboxMail(
        dedupe_key=draft.dedupe_key,
        kind=draft.kind,
        to_address=draft.to_address,
        lao_code=draft.lao_code,
        submission_id=draft.submission_id,
        cause_message_id=draft.cause_message_id,
        header_message_id="",
        subject=draft.subject,
        raw=b"",
        status=OutboxStatus.SUPPRESSED if limited else OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error=(
            f"loop guard: {config.auto_mail_per_address_per_day} automatic mails to this address today"
            if limited
            else None
        ),
        queued_at=now,
        auto_submitted_kind=draft.auto_submitted,
    )
    session.add(row)
    session.flush()
    domain = config.from_address.rpartition("@")[2]
    row.header_message_id = make_message_id(draft.kind, row.id, domain, config.id_secret)
    row.raw = _raw(draft, row.header_message_id, config, now, dated)
    return row


@dataclass(frozen=True, slots=True)
class Queued:
    """A row :func:`enqueue_many` made: its id and status (pending or suppressed)."""

    id: int
    status: str


_MANY_CHUNK = 500
"""Drafts per statement in :func:`enqueue_many` (SQLite's bound-parameter limit and the size of
one ``IN`` list)."""


def enqueue_many(
    session: Session,
    drafts: Sequence[Draft],
    *,
    config: SmtpConfig,
    now: datetime,
    dated: datetime | None = None,
    chunk: int = _MANY_CHUNK,
) -> list[Queued | None]:
    """:func:`enqueue` for many drafts at once, with the same rules and the same rows, in a few
    statements per few hundred drafts instead of a few per draft (a reminder round is thousands
    of mails): the dedupe keys and the loop guard's counts are read per chunk, the rows go in
    with one executemany, then get their Message-ID and composed bytes with another. Drafts are
    taken in order, so a draft counts against the loop guard of those after it, and a dedupe key
    twice in ``drafts`` is queued once. One result per draft: the new row, or None."""
    out: list[Queued | None] = []
    for start in range(0, len(drafts), chunk):
        out.extend(_enqueue_chunk(session, drafts[start : start + chunk], config, now, dated))
    return out


def _enqueue_chunk(
    session: Session,
    drafts: Sequence[Draft],
    config: SmtpConfig,
    now: datetime,
    dated: datetime | None,
) -> list[Queued | None]:
    keys = {d.dedupe_key for d in drafts}
    taken = set(
        session.scalars(select(OutboxMail.dedupe_key).where(OutboxMail.dedupe_key.in_(keys)))
    )
    start, end = _day_bounds(now)
    addresses = {d.to_address for d in drafts}
    sent_today: dict[str, int] = dict(
        session.execute(
            select(OutboxMail.to_address, func.count(OutboxMail.id))
            .where(
                OutboxMail.to_address.in_(addresses),
                OutboxMail.queued_at >= start,
                OutboxMail.queued_at < end,
                OutboxMail.status != OutboxStatus.SUPPRESSED,
                OutboxMail.auto_submitted_kind.is_not(None),
            )
            .group_by(OutboxMail.to_address)
        ).all()
    )
    cap = config.auto_mail_per_address_per_day
    rows: list[dict[str, object]] = []
    chosen: list[int] = []
    for index, draft in enumerate(drafts):
        if draft.dedupe_key in taken:
            continue
        taken.add(draft.dedupe_key)
        limited = draft.auto_submitted is not None and sent_today.get(draft.to_address, 0) >= cap
        if draft.auto_submitted is not None and not limited:
            sent_today[draft.to_address] = sent_today.get(draft.to_address, 0) + 1
        chosen.append(index)
        rows.append(
            {
                "dedupe_key": draft.dedupe_key,
                "kind": draft.kind,
                "to_address": draft.to_address,
                "lao_code": draft.lao_code,
                "submission_id": draft.submission_id,
                "cause_message_id": draft.cause_message_id,
                "header_message_id": "",
                "subject": draft.subject,
                "raw": b"",
                "status": OutboxStatus.SUPPRESSED if limited else OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": (
                    f"loop guard: {cap} automatic mails to this address today" if limited else None
                ),
                "queued_at": now,
                "auto_submitted_kind": draft.auto_submitted,
            }
        )
    out: list[Queued | None] = [None] * len(drafts)
    if not rows:
        return out
    ids = list(
        session.scalars(
            insert(OutboxMail).returning(OutboxMail.id, sort_by_parameter_order=True), rows
        )
    )
    domain = config.from_address.rpartition("@")[2]
    filled: list[dict[str, object]] = []
    for index, row_id, row in zip(chosen, ids, rows, strict=True):
        draft = drafts[index]
        header_id = make_message_id(draft.kind, row_id, domain, config.id_secret)
        filled.append(
            {
                "row_id": row_id,
                "header_message_id": header_id,
                "raw": _raw(draft, header_id, config, now, dated),
            }
        )
        out[index] = Queued(row_id, str(row["status"]))
    session.connection().execute(
        update(OutboxMail.__table__)  # type: ignore[arg-type]
        .where(OutboxMail.__table__.c.id == bindparam("row_id"))
        .values(header_message_id=bindparam("header_message_id"), raw=bindparam("raw")),
        filled,
    )
    return out


def _raw(
    draft: Draft, header_message_id: str, config: SmtpConfig, now: datetime, dated: datetime | None
) -> bytes:
    return compose(
        from_address=config.from_address,
        from_name=config.from_name,
        to=[draft.to_address],
        subject=draft.subject,
        text=draft.text,
        html=draft.html,
        message_id=header_message_id,
        date=dated if dated is not None and dated > now else now,
        in_reply_to=draft.in_reply_to,
        references=draft.references,
        auto_submitted=draft.auto_submitted,
        extra_headers={"X-Onep-Inbox": draft.kind},
        attachments=draft.attachments,
    )


@dataclass(frozen=True, slots=True)
class SendSummary:
    sent: int
    retry_later: int
    failed: int
    held: int = 0
    """Due rows left for later by ``smtp.max_per_minute`` / ``smtp.max_per_day``."""

    def line(self) -> str:
        held = f", held by the send cap {self.held}" if self.held else ""
        return f"sent {self.sent}, to retry {self.retry_later}, failed {self.failed}{held}"


def send_budget(session: Session, config: SmtpConfig, now: datetime) -> int | None:
    """How many more mails may go now under ``smtp.max_per_minute`` and ``smtp.max_per_day``
    (None: no cap). Counted from the rows sent, so every process that sends shares the caps.
    The caps protect an SMTP server's standing; a ``directory`` sender has none."""
    if config.kind == "directory":
        return None
    room: list[int] = []
    sent = OutboxMail.status == OutboxStatus.SENT
    if config.max_per_minute:
        minute_ago = now - timedelta(seconds=60)
        recent = _count(session, sent, OutboxMail.sent_at > minute_ago, OutboxMail.sent_at <= now)
        room.append(config.max_per_minute - recent)
    if config.max_per_day:
        start, end = _day_bounds(now)
        today = _count(session, sent, OutboxMail.sent_at >= start, OutboxMail.sent_at < end)
        room.append(config.max_per_day - today)
    return max(min(room), 0) if room else None


def count_due(session: Session, now: datetime) -> int:
    return _count(
        session, OutboxMail.status == OutboxStatus.PENDING, OutboxMail.next_attempt_at <= now
    )


def _count(session: Session, *conditions: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count(OutboxMail.id)).where(*conditions)) or 0


def due(session: Session, now: datetime, limit: int) -> Sequence[int]:
    return session.scalars(
        select(OutboxMail.id)
        .where(OutboxMail.status == OutboxStatus.PENDING, OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.id)
        .limit(limit)
    ).all()


def drain(
    sessions: SessionFactory,
    sender: MailSender,
    *,
    config: SmtpConfig,
    clock: Callable[[], datetime],
    batch: int = 500,
) -> SendSummary:
    """Send every due row, within ``smtp.max_per_minute`` and ``smtp.max_per_day`` (what is over
    them stays pending for the next run). Each row: load, send, record the result, commit."""
    sent = retry = failed = held = 0
    last_error = ""
    try:
        sender.__enter__()
    except SendError as exc:
        _beat(sessions, clock(), f"cannot reach the mail server: {exc}")
        raise
    try:
        while True:
            with sessions() as session:
                now = clock()
                budget = send_budget(session, config, now)
                if budget == 0:
                    held = count_due(session, now)
                    break
                ids = due(session, now, batch if budget is None else min(batch, budget))
            if not ids:
                break
            progressed = False
            for row_id in ids:
                with sessions() as session, session.begin():
                    row = session.get(OutboxMail, row_id)
                    if row is None or row.status != OutboxStatus.PENDING:
                        continue
                    mail = OutgoingMail(
                        envelope_from=envelope_sender(config, row.id),
                        recipients=(row.to_address,),
                        raw=row.raw,
                        message_id=row.header_message_id,
                    )
                    row.attempts += 1
                    try:
                        sender.send(mail)
                    except SendError as exc:
                        row.last_error = last_error = str(exc)
                        if exc.temporary and row.attempts < config.max_attempts:
                            delay = config.retry_base_seconds * 2 ** (row.attempts - 1)
                            row.next_attempt_at = clock() + timedelta(seconds=delay)
                            retry += 1
                        else:
                            row.status = OutboxStatus.FAILED
                            failed += 1
                            progressed = True
                        continue
                    row.status = OutboxStatus.SENT
                    row.sent_at = clock()
                    row.last_error = None
                    sent += 1
                    progressed = True
            if not progressed:
                break
    finally:
        sender.__exit__(None, None, None)
    if retry and not sent:
        _beat(sessions, clock(), f"every mail this run failed for now ({last_error})")
    else:
        _beat(sessions, clock(), None)
    return SendSummary(sent=sent, retry_later=retry, failed=failed, held=held)


def _beat(sessions: SessionFactory, now: datetime, error: str | None) -> None:
    with sessions() as session, session.begin():
        beat(session, "send", now, error)


# --- staff: mail that failed ------------------------------------------------------------------


def failed_mail(session: Session) -> Sequence[OutboxMail]:
    """Mail that will not go by itself (5xx, or attempts used up), oldest first."""
    return session.scalars(
        select(OutboxMail)
        .where(OutboxMail.status == OutboxStatus.FAILED)
        .order_by(OutboxMail.queued_at, OutboxMail.id)
    ).all()


def retry_failed(
    session: Session, ids: Sequence[int] | None, *, by: str, now: datetime
) -> list[OutboxMail]:
    """Put failed mail back in the queue (``ids``; None: all of it), due now with fresh
    attempts; ``send`` (or ``run``) delivers it. The last error stays until a send replaces it.
    Returns the rows retried; an id that is not a failed mail raises :class:`OutboxError`."""
    if not by.strip():
        raise OutboxError("ต้องระบุ --by NAME / --by NAME is required")
    if ids is None:
        rows = list(failed_mail(session))
    else:
        rows = []
        for row_id in ids:
            row = session.get(OutboxMail, row_id)
            if row is None or row.status != OutboxStatus.FAILED:
                state = "no such mail" if row is None else f"its status is {row.status}"
                raise OutboxError(
                    f"อีเมลหมายเลข {row_id} ไม่ได้อยู่ในสถานะส่งไม่สำเร็จ / outbox {row_id}:"
                    f" {state}, not failed (see `onep-inbox outbox failed`)"
                )
            rows.append(row)
    for row in rows:
        session.add(
            AuditEntry(
                at=now,
                actor=by.strip(),
                action="outbox.retry",
                target=f"outbox:{row.id}",
                details={"to": row.to_address, "attempts": row.attempts, "error": row.last_error},
            )
        )
        row.status = OutboxStatus.PENDING
        row.attempts = 0
        row.next_attempt_at = now
    session.flush()
    return rows
