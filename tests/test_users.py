"""Staff accounts: ``users add`` as an operator runs it, argon2 passwords, signatures."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from app.cli import main
from core.enums import StaffRole
from storage.db import make_engine, make_session_factory, migrate
from storage.models import User
from storage.users import Signature, UserError, add_user, authenticate, signature

NOW = datetime(2021, 9, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite3"}"\n'
        f'[storage]\ndir = "{tmp_path / "store"}"\n'
        f'[mailbox]\nkind = "maildir"\npath = "{tmp_path / "maildir"}"\n'
        f'[smtp]\nkind = "directory"\ndirectory = "{tmp_path / "outbox"}"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "init"]) == 0
    return path


def test_users_add_reads_the_password_from_stdin(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    code = main(
        [
            "--config",
            str(config),
            "users",
            "add",
            "wanida",
            "--role",
            "reviewer",
            "--password-stdin",
            "--display-name",
            "นางสาววนิดา ใจดี",
            "--position",
            "นักวิชาการสิ่งแวดล้อมชำนาญการ",
        ]
    )
    assert code == 0
    assert "wanida (reviewer)" in capsys.readouterr().out
    engine = make_engine(f"sqlite:///{config.parent / 'db.sqlite3'}")
    sessions = make_session_factory(engine)
    with sessions() as session, session.begin():
        user = authenticate(session, "wanida", "correct horse battery")
        assert user is not None
        assert user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
        assert "correct horse" not in user.password_hash
        assert authenticate(session, "wanida", "correct horse battery!") is None
        assert authenticate(session, "nobody", "correct horse battery") is None
        assert signature(session, "wanida") == Signature(
            "นางสาววนิดา ใจดี", "นักวิชาการสิ่งแวดล้อมชำนาญการ"
        )
    engine.dispose()
    # the same name again is a handled failure: one line, exit 1
    monkeypatch.setattr("sys.stdin", io.StringIO("another password\n"))
    code = main(
        ["--config", str(config), "users", "add", "wanida", "--role", "admin", "--password-stdin"]
    )
    assert code == 1
    assert "exists" in capsys.readouterr().err


def test_accounts_are_checked(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    sessions = make_session_factory(engine)
    with sessions() as session, session.begin():
        with pytest.raises(UserError, match="10 characters"):
            add_user(
                session, "somchai", role=StaffRole.VIEWER, password="short",
                display_name=None, position="", now=NOW,
            )  # fmt: skip
        with pytest.raises(UserError, match="one word"):
            add_user(
                session, "som chai", role=StaffRole.VIEWER, password=None,
                display_name=None, position="", now=NOW,
            )  # fmt: skip
        cli_only = add_user(
            session, "somchai", role=StaffRole.ADMIN, password=None,
            display_name=None, position="", now=NOW,
        )  # fmt: skip
        assert cli_only.display_name == "somchai"
        assert authenticate(session, "somchai", "") is None  # no password: no sign-in
    with pytest.raises(IntegrityError), sessions() as session, session.begin():
        session.add(User(name="x", display_name="x", position="", role="owner", created_at=NOW))
    with sessions() as session, session.begin():
        disabled = add_user(
            session, "old", role=StaffRole.VIEWER, password="a long enough password",
            display_name="อดีตเจ้าหน้าที่", position="", now=NOW,
        )  # fmt: skip
        disabled.disabled_at = NOW
    with sessions() as session:
        assert authenticate(session, "old", "a long enough password") is None
    engine.dispose()
