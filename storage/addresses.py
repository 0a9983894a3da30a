"""LAO addresses that fail: the list staff see, and clearing one (``failing addresses`` in the
CLI, issue 13; the rules for marking and clearing are :mod:`outbound.bounces`')."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEntry, LaoAddress


@dataclass(frozen=True, slots=True)
class FailingAddress:
    address: str
    lao_code: str
    failing_since: datetime
    reason: str | None
    hard_bounces: int


def failing_addresses(session: Session) -> list[FailingAddress]:
    """Every address marked failing, oldest first (one row per address and LAO)."""
    rows = session.scalars(
        select(LaoAddress)
        .where(LaoAddress.failing_since.is_not(None))
        .order_by(LaoAddress.failing_since, LaoAddress.address, LaoAddress.lao_code)
    )
    return [
        FailingAddress(
            row.address, row.lao_code, row.failing_since, row.failing_reason, row.hard_bounces
        )
        for row in rows
        if row.failing_since is not None
    ]


def clear_failing(session: Session, address: str, *, by: str, now: datetime, why: str) -> bool:
    """Clear ``address`` (every LAO it belongs to): not failing, no bounce counted. Returns
    whether it was failing; when it was, ``audit_log`` records who cleared it and why
    (``by`` is a staff name, or ``system`` for the automatic rules). The caller commits."""
    address = address.strip().lower()
    entries = list(session.scalars(select(LaoAddress).where(LaoAddress.address == address)))
    was_failing = any(entry.failing_since is not None for entry in entries)
    for entry in entries:
        entry.failing_since = None
        entry.failing_reason = None
        entry.hard_bounces = 0
    if was_failing:
        session.add(
            AuditEntry(
                at=now,
                actor=by,
                action="clear_failing",
                target=address,
                details={"why": why, "laos": sorted({e.lao_code for e in entries})},
            )
        )
    session.flush()
    return was_failing
