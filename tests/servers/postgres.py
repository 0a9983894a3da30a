"""PostgreSQL for the tests: the machine's server, or a private cluster started here.

The server named by ``ONEP_INBOX_TEST_POSTGRES`` (a SQLAlchemy URL), else 127.0.0.1:5432
database ``test`` as user ``postgres``. Where none answers, a private cluster is created with
``initdb`` and started with ``pg_ctl`` as the ``postgres`` user on a free port, and stopped at
the end of the session. Every test gets a database of its own, dropped afterwards.

``db_url`` is parametrized over SQLite and PostgreSQL, so a test that takes it runs on both.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _answers(url: str) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    try:
        with psycopg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            dbname=parsed.database,
            connect_timeout=3,
        ):
            return True
    except psycopg.Error:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _private_cluster(base: Path, password: str | None = None) -> tuple[str, Path]:
    """A cluster of our own: trust for everyone, or with ``password`` the ``postgres`` user
    must give it over TCP (scram-sha-256)."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip(
            "no PostgreSQL answers and initdb/pg_ctl are missing: apt-get install postgresql"
        )
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip(
            "no PostgreSQL answers and there is no `postgres` user to run a private cluster"
        )
    data = base / "pgdata"
    base.mkdir(parents=True, exist_ok=True)
    shutil.chown(base, "postgres")
    port = _free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    auth = ["-A", "trust"]
    env = dict(os.environ)
    if password is not None:
        secret = base / "pwfile"
        secret.write_text(password + "\n")
        shutil.chown(secret, "postgres")
        auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={secret}"]
        env["PGPASSWORD"] = password
    subprocess.run(
        [*as_postgres, initdb, "-D", str(data), *auth, "-U", "postgres", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_postgres,
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_postgres,
            _pg_binary("createdb") or "createdb",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "test",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    user = "postgres" if password is None else f"postgres:{password}"
    return f"postgresql+psycopg://{user}@127.0.0.1:{port}/test", data


def _stop(base: Path, data: Path) -> None:
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [*as_postgres, _pg_binary("pg_ctl") or "pg_ctl", "-D", str(data), "-m", "fast", "stop"],
        check=False,
        capture_output=True,
    )
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL database ``test`` that answers (for admin work: creating databases)."""
    url = os.environ.get("ONEP_INBOX_TEST_POSTGRES", DEFAULT_URL)
    if _answers(url):
        yield url
        return
    base = Path(f"/tmp/onep-pg-{secrets.token_hex(4)}")
    url, data = _private_cluster(base)
    try:
        yield url
    finally:
        _stop(base, data)


PASSWORD = "onep-pg-test-2564"


@pytest.fixture(scope="session")
def postgres_password_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL (with the right password, ``PASSWORD``) of a private cluster that checks passwords
    over TCP, for the wrong-password tests: the machine's server may trust everyone."""
    base = Path(f"/tmp/onep-pgpw-{secrets.token_hex(4)}")
    url, data = _private_cluster(base, password=PASSWORD)
    try:
        yield url
    finally:
        _stop(base, data)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database of its own for one test."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(postgres_server)
    name = f"onep_t_{secrets.token_hex(6)}"
    conninfo = dict(
        host=admin.host, port=admin.port or 5432, user=admin.username, dbname=admin.database
    )
    with psycopg.connect(**conninfo, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'onep-inbox.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
