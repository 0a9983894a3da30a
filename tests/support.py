"""Shared test set-up: services on the embedded default (Maildir in, directory outbox) with a
registry imported, on any database URL and with a fixed clock."""

from __future__ import annotations

import mailbox
import random
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.wiring import build_services
from core import config as config_module
from ingest.maildir import MaildirSource
from ingest.pipeline import poll_once
from ingest.services import Services
from samples import forms
from storage.db import migrate_url
from storage.models import Message
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


XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def lao_form(row: RegistryRow, *, seed: int = 1, **overrides: Any) -> bytes:
    """A filled .xlsx report form of ``row`` (``overrides`` replace values of the truth)."""
    rng = random.Random(seed)
    truth = forms.registry_truth(rng, row)
    truth.update(overrides)
    return forms.fill_xlsx(truth, layout="template_beside", rng=rng)


def lao_mail(
    sender: str,
    *,
    when: datetime,
    attachment: bytes | None = None,
    filename: str = "แบบรายงาน.xlsx",
    subject: str = "ส่งแบบรายงานผลการดำเนินงานฯ",
    body: str = "เรียน สผ.\n\nขอส่งแบบรายงานตามที่แนบมา\n\nนายสมชาย ใจดี\n",
    tag: str = "m",
    in_reply_to: str | None = None,
) -> bytes:
    """A mail as an LAO officer sends it (from ``sender``, received ``when``)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"นายสมชาย ใจดี <{sender}>"
    msg["To"] = "onep.uem@onep.go.th"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{tag}.{when.timestamp():.0f}@{sender.split('@')[1]}>"
    msg["Received"] = f"from mx by mx.onep.go.th; {format_datetime(when)}"
    if in_reply_to is not None:
        msg["In-Reply-To"] = in_reply_to
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment, *XLSX_TYPE, filename=filename)
    return msg.as_bytes()


def deliver(services: Services, raw: bytes) -> Message:
    """Put ``raw`` in the services' Maildir and poll it; the stored message."""
    folder = services.config.mailbox.path
    box = mailbox.Maildir(str(folder), create=True)
    box.add(raw)
    box.close()
    poll_once(services, MaildirSource(folder))
    with services.sessions() as session:
        return session.scalars(select(Message).order_by(Message.id.desc()).limit(1)).one()
