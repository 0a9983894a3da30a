"""How the recurring jobs last went (``heartbeats``): poll, send, remind, monitor. Written by the
jobs (:mod:`app.service`, :func:`outbound.outbox.drain`), read by ``status`` and by the monitor
that mails staff (:mod:`outbound.alerts`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Heartbeat


def beat(session: Session, name: str, now: datetime, error: str | None = None) -> Heartbeat:
    """Record one run of job ``name``: a success (``error`` None) or a failure. The caller
    commits."""
    row = session.get(Heartbeat, name)
    if row is None:
        row = Heartbeat(name=name, failures=0)
        session.add(row)
    if error is None:
        row.last_ok_at = now
        row.failing_since = None
        row.failures = 0
    else:
        row.last_error_at = now
        row.last_error = error[:2000]
        row.failures = (row.failures or 0) + 1
        if row.failing_since is None:
            row.failing_since = now
    session.flush()
    return row


def heartbeats(session: Session) -> dict[str, Heartbeat]:
    return {row.name: row for row in session.scalars(select(Heartbeat))}
