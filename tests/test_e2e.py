"""End to end through the command line, against a real Dovecot and a real SMTP server, on SQLite
and PostgreSQL: APPEND 20 messages, `poll --once`, `send`; again (nothing new); then a real
UIDVALIDITY reset on Dovecot (nothing new either)."""

from __future__ import annotations

import email
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.cli import main
from samples import mailbox as sample_mailbox
from samples.registry import sample_rows
from storage.db import make_engine, make_session_factory
from storage.models import Message, MessageLocation, OutboxMail, Submission

pytestmark = [pytest.mark.dovecot, pytest.mark.postgres]

KEYWORD = b"$OnepIngested"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def write_config(path: Path, *, db_url: str, mailbox: Any, smtp: Any) -> Path:
    lines = [
        "[database]",
        f"url = {_toml_value(db_url)}",
        "[storage]",
        f"dir = {_toml_value(path.parent / 'store')}",
        "[mailbox]",
        'kind = "imap"',
    ]
    for key in ("host", "port", "security", "username", "folder", "fetch_batch", "tls_verify"):
        lines.append(f"{key} = {_toml_value(getattr(mailbox, key))}")
    lines.append(f"password = {_toml_value(mailbox.password)}")
    if mailbox.ca_file:
        lines.append(f"ca_file = {_toml_value(mailbox.ca_file)}")
    lines += ["[smtp]", 'kind = "smtp"']
    for key in ("host", "port", "security", "username", "from_address"):
        lines.append(f"{key} = {_toml_value(getattr(smtp, key))}")
    lines.append(f"password = {_toml_value(smtp.password or '')}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def cli(
    tmp_path: Path, db_url: str, dovecot_inbox: Any, smtp_server: Any
) -> Callable[..., tuple[int, str]]:
    config = write_config(
        tmp_path / "config.toml",
        db_url=db_url,
        mailbox=dovecot_inbox.mailbox_config(security="none", fetch_batch=7),
        smtp=smtp_server.config(),
    )

    def run(*args: str, capsys: pytest.CaptureFixture[str] | None = None) -> tuple[int, str]:
        code = main(["--config", str(config), *args])
        return code, ""

    return run


def _counts(db_url: str) -> dict[str, int]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        counts = {
            name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (
                ("messages", Message),
                ("locations", MessageLocation),
                ("submissions", Submission),
                ("outbox", OutboxMail),
            )
        }
    engine.dispose()
    return counts


def test_imap_to_smtp_end_to_end(
    tmp_path: Path,
    db_url: str,
    dovecot_inbox: Any,
    smtp_server: Any,
    cli: Callable[..., tuple[int, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    registry = sample_rows()
    mails = sample_mailbox.generate(registry, 20, seed=20)
    uids = dovecot_inbox.append(
        [m.raw for m in mails], internal_dates=[m.internal_date for m in mails]
    )
    assert len(uids) == 20

    assert cli("init")[0] == 0
    assert cli("registry", "sample", "--output", str(tmp_path / "laos.csv"))[0] == 0
    assert cli("registry", "import", str(tmp_path / "laos.csv"), "--synthetic")[0] == 0
    capsys.readouterr()

    assert cli("poll", "--once")[0] == 0
    assert "fetched 20 (new 20)" in capsys.readouterr().out
    assert cli("send")[0] == 0

    counts = _counts(db_url)
    replies = 20 - sum(m.scenario in ("auto_reply", "bounce") for m in mails)
    assert counts["messages"] == 20
    assert counts["locations"] == 20
    assert counts["outbox"] == replies
    assert len(smtp_server.messages) == replies
    received = [email.message_from_bytes(m.raw) for m in smtp_server.messages]
    assert all(r["Auto-Submitted"] == "auto-replied" and r["In-Reply-To"] for r in received)
    original_ids = {email.message_from_bytes(m.raw)["Message-ID"] for m in mails}
    assert {r["In-Reply-To"] for r in received} <= original_ids

    flags = dovecot_inbox.flags()
    assert len(flags) == 20
    assert all(KEYWORD in f and b"\\Seen" not in f for f in flags.values())

    # received_at is INTERNALDATE, not the time of the poll
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        stored = sorted(session.scalars(select(Message.received_at)))
    engine.dispose()
    assert stored == sorted(m.internal_date for m in mails)

    # again: nothing new anywhere
    capsys.readouterr()
    assert cli("poll", "--once")[0] == 0
    assert "fetched 0 (new 0)" in capsys.readouterr().out
    assert cli("send")[0] == 0
    assert _counts(db_url) == counts
    assert len(smtp_server.messages) == replies

    # a real UIDVALIDITY reset: every UID looks new, every message is known by its bytes
    before = dovecot_inbox.uidvalidity()
    dovecot_inbox.reset_uidvalidity()
    assert dovecot_inbox.uidvalidity() != before
    assert cli("poll", "--once")[0] == 0
    assert "new 0" in capsys.readouterr().out
    assert cli("send")[0] == 0
    after = _counts(db_url)
    assert after["messages"] == 20
    assert after["submissions"] == counts["submissions"]
    assert after["outbox"] == counts["outbox"]
    assert after["locations"] == 40
    assert len(smtp_server.messages) == replies

    # status --json answers the contract's questions
    capsys.readouterr()
    assert cli("status", "--json")[0] == 0
    report = json.loads(capsys.readouterr().out)
    assert report["messages"] == 20
    assert report["outbox"]["sent"] == replies
    assert report["last_poll"]["ok"] is True
    assert set(report["submissions"]) == {"accepted", "needs_review", "rejected", "superseded"}


def test_poll_reports_a_clear_error_when_the_server_refuses(
    tmp_path: Path, dovecot_inbox: Any, smtp_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    mailbox = dovecot_inbox.mailbox_config(security="none", password="wrong")
    config = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        mailbox=mailbox,
        smtp=smtp_server.config(),
    )
    assert main(["--config", str(config), "init"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "poll", "--once"]) == 2  # the operator must fix it
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "login" in err[0].lower()
    assert main(["--config", str(config), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["last_poll"]["ok"] is False
