"""Shared test set-up: services on the embedded default (Maildir in, directory outbox) with a
registry imported, on any database URL and with a fixed clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from app.wiring import build_services
from core import config as config_module
from ingest.services import Services
from storage.db import migrate_url
from storage.registry import RegistryRow, import_rows


def embedded_services(
    tmp_path: Path, db_url: str, registry: Sequence[RegistryRow], now: datetime
) -> Services:
    """Migrated, registry imported, clock fixed at ``now``. The caller closes it."""
    cfg = config_module.from_mapping(
        {
            "database": {"url": db_url},
            "storage": {"dir": str(tmp_path / "store")},
            "mailbox": {"kind": "maildir", "path": str(tmp_path / "maildir")},
            "smtp": {"kind": "directory", "directory": str(tmp_path / "outbox")},
        },
        base_dir=tmp_path,
    )
    migrate_url(cfg.database.url)
    services = build_services(cfg, clock=lambda: now)
    with services.sessions() as session, session.begin():
        import_rows(session, registry, now=now, synthetic=True)
    return services
