"""What the operator sees when something is wrong: the real console script, in a subprocess.

Each error an operator can fix (no database, PostgreSQL not answering, a database ``init``
never touched, a refused password, no configuration) is one line on stderr saying what to do,
exit code 2, no traceback; ``status`` before ``init`` creates nothing; output cut short by
``head`` ends quietly.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from app.cli import main

SCRIPT = Path(sys.executable).with_name("onep-inbox")


def onep(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as the operator does."""
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} missing: install the project (make .venv/bin/onep-inbox)")
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )


def assert_fix_first(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr that says ``expected``, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in expected:
        assert word in lines[0], lines[0]
    return lines[0]


def config(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{url}"\n{extra}', encoding="utf-8")
    return path


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when this returns


def test_status_before_init_says_run_init_and_creates_nothing(tmp_path: Path) -> None:
    cfg = config(tmp_path, "sqlite:///var/onep-inbox.sqlite3")
    line = assert_fix_first(onep("--config", str(cfg), "status"), "onep-inbox init")
    assert str(tmp_path / "var" / "onep-inbox.sqlite3") in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]  # no file, no folder
    for command in (["export", "--format", "jsonl"], ["review", "list"], ["send"]):
        assert_fix_first(onep("--config", str(cfg), *command), "init")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    (tmp_path / "db.sqlite3").write_text("these are notes, not a database\n")
    cfg = config(tmp_path, "sqlite:///db.sqlite3")
    assert_fix_first(onep("--config", str(cfg), "status"), "not a SQLite database")


def test_unreachable_postgresql(tmp_path: Path) -> None:
    port = closed_port()
    cfg = config(tmp_path, f"postgresql+psycopg://onep:secret@127.0.0.1:{port}/onep")
    for command in (["status"], ["init"]):
        line = assert_fix_first(onep("--config", str(cfg), *command), f"127.0.0.1:{port}")
        assert "connection refused" in line
        assert "secret" not in line


def test_postgresql_database_never_initialised(tmp_path: Path, postgres_url: str) -> None:
    cfg = config(tmp_path, postgres_url)
    line = assert_fix_first(onep("--config", str(cfg), "status"), "not initialised", "init")
    assert "password" not in line
    assert onep("--config", str(cfg), "init").returncode == 0
    assert onep("--config", str(cfg), "status", "--json").returncode == 0


def test_postgresql_database_that_does_not_exist(tmp_path: Path, postgres_server: str) -> None:
    url = make_url(postgres_server).set(database="onep_no_such_db")
    cfg = config(tmp_path, url.render_as_string(hide_password=False))
    assert_fix_first(onep("--config", str(cfg), "status"), "onep_no_such_db", "createdb")


def test_wrong_postgresql_password(tmp_path: Path, postgres_password_server: str) -> None:
    right = make_url(postgres_password_server)
    wrong = right.set(password="not-the-password")
    cfg = config(tmp_path, wrong.render_as_string(hide_password=False))
    line = assert_fix_first(onep("--config", str(cfg), "init"), "password", "postgres")
    assert "not-the-password" not in line
    assert_fix_first(onep("--config", str(cfg), "status"), "refused the password")
    cfg = config(tmp_path, right.render_as_string(hide_password=False))
    assert onep("--config", str(cfg), "init").returncode == 0


def test_wrong_imap_password(tmp_path: Path, dovecot_inbox: Any) -> None:
    mailbox = dovecot_inbox.mailbox_config(security="none", password="not-the-password")
    cfg = config(
        tmp_path,
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        f'[mailbox]\nkind = "imap"\nhost = "{mailbox.host}"\nport = {mailbox.port}\n'
        f'security = "none"\nusername = "{mailbox.username}"\npassword = "not-the-password"\n',
    )
    assert onep("--config", str(cfg), "init").returncode == 0
    line = assert_fix_first(onep("--config", str(cfg), "poll", "--once"), "login")
    assert "not-the-password" not in line


def test_missing_or_bad_configuration(tmp_path: Path) -> None:
    assert_fix_first(onep("--config", str(tmp_path / "nowhere.toml"), "status"), "not found")
    bad = tmp_path / "bad.toml"
    bad.write_text('[logging]\nlevel = "LOUD"\n')
    assert_fix_first(onep("--config", str(bad), "status"), "logging.level")


@pytest.fixture(scope="module")
def demo_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(directory), "--messages", "30"]) == 0
    return directory / "config.toml"


@pytest.mark.parametrize(
    ("output", "reader"),
    [("jsonl", "head -n 1"), ("csv", "head -c 100"), ("jsonl", "true"), ("csv", "true")],
)
def test_export_into_a_closed_pipe_ends_quietly(
    demo_config: Path, output: str, reader: str
) -> None:
    """``| head`` stops reading after a line (the export is larger than a pipe's buffer);
    ``| true`` never reads: either way the export stops without a word."""
    script = f"'{SCRIPT}' --config '{demo_config}' export --format {output} | {reader}"
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0
    assert result.stderr == ""  # no traceback, no "Exception ignored ... BrokenPipeError"
