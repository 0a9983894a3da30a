"""LAO addresses that bounce: listing them, and clearing one a person has checked.

Confirmed hard bounces mark an address failing (:mod:`outbound.bounces`, whose docstring has
the rules: ``failing_since``, ``failing_reason``, ``hard_bounces``); reminders and digests then
skip it. When the LAO has fixed its mailbox (or the bounce was a mistake), a person clears it
(``onep-inbox addresses clear``: :func:`clear_failing`) and it is used again; a delivered report
or a mail from the address clears it by itself (:func:`clear_if_failing`). The audit log keeps
who did it and what the address was failing for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import OnepInboxError
from storage.models import AuditEntry, Lao, LaoAddress


class AddressError(OnepInboxError):
    """An address cannot be cleared as asked (the message says why)."""


@dataclass(frozen=True, slots=True)
class FailingAddress:
    address: str
    lao_code: str
    lao_name: str
    province: str
    source: str
    since: datetime
    reason: str | None
    others: int
    """How many other addresses of the LAO still work (0: reminders reach nobody)."""
    hard_bounces: int = 0
    """Confirmed hard bounces of our mail to it since it last worked."""


def failing_addresses(session: Session) -> list[FailingAddress]:
    """Every failing address, oldest failure first."""
    rows = session.execute(
        select(LaoAddress, Lao.name, Lao.province)
        .join(Lao, Lao.code == LaoAddress.lao_code)
        .where(LaoAddress.failing_since.is_not(None))
        .order_by(LaoAddress.failing_since, LaoAddress.address)
    ).all()
    codes = {entry.lao_code for entry, _, _ in rows}
    working: dict[str, int] = {}
    if codes:
        for (code,) in session.execute(
            select(LaoAddress.lao_code).where(
                LaoAddress.lao_code.in_(codes), LaoAddress.failing_since.is_(None)
            )
        ):
            working[code] = working.get(code, 0) + 1
    out: list[FailingAddress] = []
    for entry, name, province in rows:
        assert entry.failing_since is not None
        out.append(
            FailingAddress(
                address=entry.address,
                lao_code=entry.lao_code,
                lao_name=name,
                province=province,
                source=entry.source,
                since=entry.failing_since,
                reason=entry.failing_reason,
                others=working.get(entry.lao_code, 0),
                hard_bounces=entry.hard_bounces or 0,
            )
        )
    return out


def clear_failing(session: Session, address: str, *, by: str, now: datetime) -> list[LaoAddress]:
    """Use ``address`` again (for every LAO it belongs to); the caller commits. Raises
    :class:`AddressError` when it is unknown or not failing."""
    if not by.strip():
        raise AddressError("ต้องระบุ --by NAME / --by NAME is required")
    wanted = address.strip().lower()
    entries = list(session.scalars(select(LaoAddress).where(LaoAddress.address == wanted)))
    if not entries:
        raise AddressError(f"ไม่รู้จักที่อยู่ {wanted} / no LAO has the address {wanted!r}")
    failing = [entry for entry in entries if entry.failing_since is not None]
    if not failing:
        raise AddressError(f"{wanted} ไม่ได้อยู่ในรายการส่งไม่ถึง / {wanted} is not failing")
    _clear(session, failing, by=by.strip(), now=now, why="cleared by staff")
    for entry in entries:
        entry.hard_bounces = 0
    session.flush()
    return failing


def clear_if_failing(session: Session, address: str, *, by: str, now: datetime, why: str) -> bool:
    """The automatic rules' clearing (a delivered report, a mail from the address): like
    :func:`clear_failing`, silent when there is nothing to clear. Returns whether it was failing.
    The caller commits."""
    wanted = address.strip().lower()
    entries = list(session.scalars(select(LaoAddress).where(LaoAddress.address == wanted)))
    failing = [entry for entry in entries if entry.failing_since is not None]
    for entry in entries:
        entry.hard_bounces = 0
    if failing:
        _clear(session, failing, by=by, now=now, why=why)
    session.flush()
    return bool(failing)


def _clear(
    session: Session, failing: list[LaoAddress], *, by: str, now: datetime, why: str
) -> None:
    for entry in failing:
        session.add(
            AuditEntry(
                at=now,
                actor=by.strip(),
                action="address.clear",
                target=f"address:{entry.address}",
                details={
                    "why": why,
                    "lao_code": entry.lao_code,
                    "failing_since": entry.failing_since.isoformat()
                    if entry.failing_since
                    else None,
                    "reason": entry.failing_reason,
                },
            )
        )
        entry.failing_since = None
        entry.failing_reason = None
