"""``demo``: the embedded default, end to end, on this machine alone.

Writes ``<dir>/config.toml`` (SQLite, a local Maildir, a directory outbox), creates the
database, imports the SYNTHETIC sample registry, fills the Maildir with sample LAO mail, runs one
full cycle (poll, process, send) and prints where things stand. Running it again is safe: the
second poll finds nothing new.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.wiring import build_services, make_sender, make_source
from core import config as config_module
from core.config import Config
from core.progress import Progress, silent
from ingest.pipeline import poll_once
from ingest.services import Services
from outbound.outbox import drain
from storage.db import migrate_url
from storage.queries import status

DEMO_CONFIG = """\
# onep-inbox demo configuration (written by `onep-inbox demo`); see config.example.toml
[database]
url = "sqlite:///var/onep-inbox.sqlite3"

[storage]
dir = "var/store"

[mailbox]
kind = "maildir"
path = "var/maildir"

[smtp]
kind = "directory"
directory = "var/outbox"
from_address = "onep.uem@onep.go.th"
"""


def run_demo(directory: Path, *, messages: int = 50, progress: Progress = silent) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "config.toml"
    if not config_path.exists():
        config_path.write_text(DEMO_CONFIG, encoding="utf-8")
    config = config_module.load(config_path)
    migrate_url(config.database.url)
    with build_services(config) as services:
        return _cycle(services, config, config_path, messages, progress)


def _cycle(
    services: Services, config: Config, config_path: Path, messages: int, progress: Progress
) -> int:

    from samples import mailbox as sample_mailbox
    from samples.registry import ATTRIBUTION, sample_rows
    from storage.registry import import_rows

    rows = sample_rows()
    with services.sessions() as session, session.begin():
        summary = import_rows(session, rows, now=services.clock(), synthetic=True)
    print(f"ทะเบียน อปท. ตัวอย่าง (SYNTHETIC): {len(rows)} แถว ({summary.line()})")
    print(f"  {ATTRIBUTION}")

    maildir = config.mailbox.path
    already = [
        f for sub in ("new", "cur") if (maildir / sub).is_dir() for f in (maildir / sub).iterdir()
    ]
    if not already:  # first run: fill the sample mailbox; later runs poll what is there
        mails = sample_mailbox.generate(rows, messages)
        sample_mailbox.write_maildir(maildir, mails)
        print(f"กล่องจดหมายตัวอย่าง: {len(mails)} ฉบับ -> {maildir}")

    poll = poll_once(services, make_source(config), progress=progress)
    print(f"poll: {poll.line()}")
    sent = drain(services.sessions, make_sender(config), config=config.smtp, clock=services.clock)
    print(f"send: {sent.line()} -> {config.smtp.directory}")
    with services.sessions() as session:
        report = status(session)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    demo_user = _demo_user(services)
    print(
        "\nต่อไป (next):\n"
        f"  onep-inbox --config {config_path} status\n"
        f"  onep-inbox --config {config_path} export --format jsonl\n"
        f"  ls {config.smtp.directory}   # acknowledgements as .eml files\n"
        "\nหน้าเว็บสำหรับเจ้าหน้าที่ (the staff dashboard):\n"
        f"  onep-inbox --config {config_path} serve --port {config.web.port}\n"
        f"  then open http://{config.web.host}:{config.web.port}/login"
        f" and sign in as {DEMO_USER} / {demo_user}"
    )
    return 0


DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - the demo prints it; a demo database only
"""The demo's dashboard account (an admin): printed at the end of the demo. A demo only."""


def _demo_user(services: Services) -> str:
    """Make the demo's admin account once; its password."""
    from core.enums import StaffRole
    from storage.models import User
    from storage.users import add_user

    with services.sessions() as session, session.begin():
        if session.get(User, DEMO_USER) is None:
            add_user(
                session,
                DEMO_USER,
                role=StaffRole.ADMIN,
                password=DEMO_PASSWORD,
                display_name="ผู้ทดลองใช้ระบบ",
                position="เจ้าหน้าที่ (ทดลอง)",
                now=services.clock(),
            )
    return DEMO_PASSWORD
