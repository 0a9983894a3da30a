"""Reminders and digests into the outbox: a plan (:func:`outbound.reminders.plan`) rendered
(``reminder`` and ``digest`` templates) and queued with ``Auto-Submitted: auto-generated``, in
chunks of LAOs, each chunk one transaction with a few statements for the whole chunk
(:func:`outbound.outbox.enqueue_many`); ``send`` delivers them.

Idempotent: each (LAO, round) is a row of ``reminders`` and each mail has a dedupe key
``reminder:<lao>:<round>:<address>`` (``digest:<office>:<round>:<address>``), so running again
in the same round queues nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.config import SmtpConfig
from core.dates import BANGKOK
from core.enums import OutboxStatus, RoundKind
from core.progress import Progress, silent
from outbound.outbox import Draft, enqueue_many
from outbound.reminders import LaoRef, PlannedDigest, PlannedReminder, ReminderPlan
from outbound.render import Rendered, Renderer
from storage.models import Reminder

DIGEST_EVERY = timedelta(days=7)
_CHUNK = 900

SkipReason = Literal["no_address", "all_failing", "max_reached", "too_soon", "no_office"]


QUEUE_CHUNK = 500
"""LAOs per transaction when a whole round is queued (:func:`queue_in_chunks`)."""


@dataclass(frozen=True, slots=True)
class QueueCounts:
    reminders: int = 0
    """LAOs reminded."""
    digests: int = 0
    mails: int = 0
    """Outbox rows created (pending or suppressed)."""
    suppressed: int = 0
    """Of those, held back by the per-address-per-day loop guard."""
    skipped: int = 0

    def __add__(self, other: QueueCounts) -> QueueCounts:
        return QueueCounts(
            self.reminders + other.reminders,
            self.digests + other.digests,
            self.mails + other.mails,
            self.suppressed + other.suppressed,
            self.skipped + other.skipped,
        )

    def line(self) -> str:
        return (
            f"queued {self.mails} mails ({self.suppressed} held by the loop guard): "
            f"{self.reminders} reminders, {self.digests} digests; skipped {self.skipped}"
        )


@dataclass(frozen=True, slots=True)
class _Round:
    """One LAO's (or office's) mail for one round, rendered, before it is queued."""

    kind: str
    code: str
    round_key: str
    addresses: Sequence[str]
    rendered: Rendered


def _queue_rounds(
    session: Session,
    rounds: Sequence[_Round],
    *,
    smtp: SmtpConfig,
    now: datetime,
    dated: datetime | None,
) -> list[tuple[int, int]]:
    """Queue each round's mail at each of its addresses and remember the rounds, in a few
    statements for all of them (:func:`outbound.outbox.enqueue_many`, then one executemany of
    ``reminders`` rows). Returns (mails queued, of which capped by the loop guard) per round."""
    drafts = [
        Draft(
            kind=r.kind,
            dedupe_key=f"{r.kind}:{r.code}:{r.round_key}:{address}",
            to_address=address,
            subject=r.rendered.subject,
            text=r.rendered.text,
            html=r.rendered.html,
            auto_submitted="auto-generated",
            lao_code=r.code,
        )
        for r in rounds
        for address in r.addresses
    ]
    results = iter(enqueue_many(session, drafts, config=smtp, now=now, dated=dated))
    counts: list[tuple[int, int]] = []
    for r in rounds:
        made = [row for row in (next(results) for _ in r.addresses) if row is not None]
        counts.append((len(made), sum(row.status == OutboxStatus.SUPPRESSED for row in made)))
    if rounds:
        session.execute(
            insert(Reminder),
            [
                {
                    "lao_code": r.code,
                    "round_key": r.round_key,
                    "kind": r.kind,
                    "queued_at": now,
                    "addresses": list(r.addresses),
                }
                for r in rounds
            ],
        )
    return counts


def queue(
    session: Session,
    plan: ReminderPlan,
    renderer: Renderer,
    smtp: SmtpConfig,
    now: datetime,
    *,
    dated: datetime | None = None,
) -> QueueCounts:
    """Render and queue everything in ``plan``; the caller commits. A (LAO, round) already
    recorded is left alone, so a second run in the same round queues nothing. ``dated``: the
    mails' Date when later than ``now`` (the real clock, when ``remind --now`` plans for a past
    moment: mail is never back-dated)."""
    done = _recorded(
        session,
        [(r.lao.code, r.round.key) for r in plan.reminders]
        + [(d.office.code, d.round.key) for d in plan.digests],
    )
    today = now.astimezone(BANGKOK).date()
    rounds: list[_Round] = []
    for reminder in plan.reminders:
        if (reminder.lao.code, reminder.round.key) in done:
            continue
        context = _reminder_context(reminder, plan, today)
        context["reply_address"] = smtp.from_address
        template = "reminder_before" if context["days_left"] >= 0 else "reminder_after"
        rounds.append(
            _Round(
                RoundKind.REMINDER,
                reminder.lao.code,
                reminder.round.key,
                reminder.addresses,
                renderer.render(template, context),
            )
        )
    for digest in plan.digests:
        if (digest.office.code, digest.round.key) in done:
            continue
        context = _digest_context(digest, plan.deadline, today)
        context["reply_address"] = smtp.from_address
        rounds.append(
            _Round(
                RoundKind.DIGEST,
                digest.office.code,
                digest.round.key,
                digest.addresses,
                renderer.render("digest", context),
            )
        )
    counts = _queue_rounds(session, rounds, smtp=smtp, now=now, dated=dated)
    reminders = sum(r.kind == RoundKind.REMINDER for r in rounds)
    mails = sum(queued for queued, _ in counts)
    suppressed = sum(capped for _, capped in counts)
    session.flush()
    return QueueCounts(reminders, len(rounds) - reminders, mails, suppressed, len(plan.skipped))


def queue_in_chunks(
    sessions: Callable[[], Session],
    plan: ReminderPlan,
    renderer: Renderer,
    smtp: SmtpConfig,
    now: datetime,
    *,
    size: int = QUEUE_CHUNK,
    progress: Progress = silent,
    dated: datetime | None = None,
) -> QueueCounts:
    """:func:`queue`, committing every ``size`` LAOs (``remind`` and ``run`` use this).

    Safe to interrupt: what was committed is recorded, and a re-run queues the rest."""
    total = QueueCounts()
    count = len(plan.reminders) + len(plan.digests)
    done = 0
    for part in plan.chunks(size):
        with sessions() as session, session.begin():
            total += queue(session, part, renderer, smtp, now, dated=dated)
        done += len(part.reminders) + len(part.digests)
        if count:
            progress("queue", done, count)
    return total


def _recorded(session: Session, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    rounds = {key for _, key in keys}
    if not rounds:
        return set()
    return {
        (code, key)
        for code, key in session.execute(
            select(Reminder.lao_code, Reminder.round_key).where(Reminder.round_key.in_(rounds))
        )
    }


def _reminder_context(reminder: PlannedReminder, plan: ReminderPlan, today: date) -> dict[str, Any]:
    last = reminder.last_submission
    deadline = plan.deadline
    return {
        "lao": _lao_json(reminder.lao),
        "deadline": deadline,
        "today": today,
        "days_left": (deadline - today).days,
        "days_overdue": (today - deadline).days,
        "round": reminder.round.key,
        "reminder_no": reminder.reminder_no,
        "reminder_max": plan.reminder_max,
        "last_submission": (
            {"receipt_no": last.receipt_no, "status": last.status, "received_at": last.received_at}
            if last is not None
            else None
        ),
    }


def _digest_context(digest: PlannedDigest, deadline: date, today: date) -> dict[str, Any]:
    return {
        "office": _lao_json(digest.office),
        "deadline": deadline,
        "today": today,
        "days_overdue": (today - deadline).days,
        "week_no": int(digest.round.key.rpartition("-")[2]) + 1,
        "total": digest.total,
        "submitted": digest.submitted,
        "missing": [
            {
                "code": m.code,
                "name": m.name,
                "district": m.district,
                "lao_type": m.lao_type,
                "unreachable": m.unreachable,
            }
            for m in digest.missing
        ],
    }


def _lao_json(lao: LaoRef) -> dict[str, Any]:
    return {
        "code": lao.code,
        "name": lao.name,
        "province": lao.province,
        "district": lao.district,
        "lao_type": lao.lao_type,
    }
