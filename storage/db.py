"""Engine and session factory, and ``init`` (create or migrate the schema with Alembic).

SQLite runs in WAL mode with ``synchronous=NORMAL`` and foreign keys on; PostgreSQL through
psycopg 3. The session factory is created once at start-up and passed to whoever needs it.

Every command but ``init`` opens the database with :func:`open_database`, which never creates
one: a missing SQLite file, a PostgreSQL server that does not answer or refuses the password, a
database that ``init`` never migrated (or migrated by an older version) each raise one
:class:`~core.errors.DatabaseError` saying what to run or fix. :func:`database_error` translates
a connection failure met later in the same words.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DatabaseError

MIGRATIONS = Path(__file__).parent / "migrations"
CONNECT_TIMEOUT_SECONDS = 10
"""PostgreSQL: give up connecting after this long (a host that drops packets would hang)."""
INIT_HINT = "run `onep-inbox init`"

SessionFactory = sessionmaker[Session]

_REVISION_FILE = re.compile(r"^([0-9]{4})_[A-Za-z0-9_]+\.py$")


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url``; with ``create`` (``init``), a SQLite file's folder is made."""
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if create and path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    )


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database or another backend)."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision. Safe to run again."""
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), "head")
    except DBAPIError as exc:
        translated = database_error(exc, engine.url.render_as_string(hide_password=False))
        if translated is None:
            raise
        raise translated from exc


def migrate_url(url: str) -> None:
    """:func:`migrate` on a database URL, closing its connections afterwards."""
    engine = make_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


@cache
def head_revision() -> str:
    """The newest migration (revisions are numbered: ``0005_users.py`` is revision "0005")."""
    numbers = [
        found.group(1)
        for entry in (MIGRATIONS / "versions").iterdir()
        if (found := _REVISION_FILE.match(entry.name))
    ]
    return max(numbers)


def open_database(url: str) -> Engine:
    """The engine of an existing database migrated to :func:`head_revision`.

    Never creates anything: raises :class:`DatabaseError` (one line: what, and what to do) when
    the SQLite file is missing, the server does not answer or refuses us, or the schema is
    missing or older than this program.
    """
    path = sqlite_path(url)
    where = str(path) if path is not None else safe_url(url)
    if path is not None and not path.exists():
        raise DatabaseError(
            f"no database at {path} (database.url): {INIT_HINT} to create it,"
            " or correct database.url"
        )
    engine = make_engine(url, create=False)
    try:
        with engine.connect() as connection:
            has_table = engine.dialect.has_table(connection, "alembic_version")
            versions = (
                list(connection.scalars(text("SELECT version_num FROM alembic_version")))
                if has_table
                else []
            )
    except SQLAlchemyError as exc:
        engine.dispose()
        translated = database_error(exc, url)
        if translated is None:
            raise
        raise translated from exc
    head = head_revision()
    problem: str | None = None
    if not versions:
        problem = f"the database {where} is not initialised: {INIT_HINT} first"
    elif versions[0] < head:
        problem = (
            f"the database {where} is at revision {versions[0]}, this onep-inbox needs {head}:"
            f" {INIT_HINT} to migrate it"
        )
    elif versions[0] > head:
        problem = (
            f"the database {where} is at revision {versions[0]}, newer than this onep-inbox"
            f" ({head}): install the onep-inbox version that migrated it"
        )
    if problem is not None:
        engine.dispose()
        raise DatabaseError(problem)
    return engine


def safe_url(url: str) -> str:
    """``url`` as it may be shown: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


_POSTGRES_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"password authentication failed|no password supplied|password is required"),
        "PostgreSQL at {where} refused the password of user {user!r}: correct the password in"
        " database.url (or ~/.pgpass / $PGPASSWORD)",
    ),
    (
        re.compile(r'database "[^"]*" does not exist'),
        "PostgreSQL at {where} has no database {database!r}: create it"
        " (createdb -O {user} {database}), then {init}",
    ),
    (
        re.compile(r'role "[^"]*" does not exist'),
        "PostgreSQL at {where} has no user {user!r}: create it (createuser {user}) or correct"
        " database.url",
    ),
    (
        re.compile(r"Connection refused|No such file or directory|Connection timed out|"
                   r"timeout expired|could not translate host name|Name or service not known|"
                   r"No route to host|Network is unreachable|server closed the connection"),
        "cannot reach PostgreSQL at {where} ({reason}): is the server running and"
        " database.url's host and port right?",
    ),
    (
        re.compile(r"no pg_hba.conf entry"),
        "PostgreSQL at {where} does not let user {user!r} in from this host (pg_hba.conf):"
        " ask its administrator, or correct database.url",
    ),
)  # fmt: skip


def database_error(exc: BaseException, url: str | None = None) -> DatabaseError | None:
    """``exc`` as a :class:`DatabaseError` when it is a connection problem an operator can fix
    (unreachable, refused, missing, unopenable); None for anything else (a bug: let it show)."""
    if not isinstance(exc, DBAPIError):
        return None
    message = str(exc.orig if exc.orig is not None else exc)
    parsed = make_url(url) if url is not None else None
    if parsed is not None and parsed.get_backend_name() == "sqlite":
        return _sqlite_error(message, sqlite_path(url or "") or url)
    for pattern, template in _POSTGRES_PROBLEMS:
        if pattern.search(message):
            reason = next(
                (known.lower() for known in _REASONS if known in message), _last_line(message)
            )
            host, port = (parsed.host, parsed.port) if parsed is not None else (None, None)
            return DatabaseError(
                template.format(
                    where=f"{host or 'localhost'}:{port or 5432}",
                    user=(parsed.username if parsed is not None else None) or "",
                    database=(parsed.database if parsed is not None else None) or "",
                    reason=reason,
                    init=INIT_HINT,
                )
            )
    return None


_REASONS = ("Connection refused", "timeout expired", "could not translate host name")


def _sqlite_error(message: str, where: object) -> DatabaseError | None:
    if "unable to open database file" in message:
        return DatabaseError(
            f"cannot open the SQLite database {where}: its folder must exist and be writable"
            " (database.url)"
        )
    if "file is not a database" in message:
        return DatabaseError(
            f"{where} is not a SQLite database: correct database.url, or move the file away"
            f" and {INIT_HINT}"
        )
    return None


def _last_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[-1] if lines else message
