"""Settings staff change at run time (``settings``), beside the configuration file: the
campaign's pause switch on the dashboard. The file's ``campaign.paused`` still pauses
whatever the table says (:func:`campaign_paused`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import AuditEntry, Setting

PAUSED = "campaign.paused"


def get(session: Session, name: str, default: Any = None) -> Any:
    row = session.get(Setting, name)
    return default if row is None else row.value


def put(session: Session, name: str, value: Any, *, by: str, now: datetime) -> None:
    """Set ``name`` and write who did it to the audit log; the caller commits."""
    row = session.get(Setting, name)
    before = None if row is None else row.value
    if row is None:
        session.add(Setting(name=name, value=value, updated_at=now, updated_by=by))
    else:
        row.value, row.updated_at, row.updated_by = value, now, by
    session.add(
        AuditEntry(
            at=now,
            actor=by,
            action="setting.change",
            target=f"setting:{name}",
            details={"before": before, "after": value},
        )
    )
    session.flush()


def campaign_paused(session: Session, configured: bool) -> bool:
    """Whether reminders and digests are paused: by the file (``campaign.paused``) or by the
    dashboard's switch."""
    return configured or bool(get(session, PAUSED, False))
