"""Wiring: build the services, the mailbox source and the mail sender from one Config.

The only place that turns configuration (and the environment) into objects; commands and the
scheduler call these and pass the results down, so tests can hand in their own clock, source,
sender, OCR engine or crash hook.
"""

from __future__ import annotations

import os
import secrets
import signal
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from core.config import Config
from ingest.services import Services, no_crash
from ingest.source import MailboxSource
from outbound.render import Renderer
from outbound.sender import MailSender
from storage.blobs import BlobStore
from storage.db import make_session_factory, open_database


def utc_now() -> datetime:
    return datetime.now(UTC)


CRASH_VARIABLE = "ONEP_INBOX_CRASH_AT"


def crash_hook_from_environment() -> Callable[[str], None]:
    """The crash tests' hook: ``ONEP_INBOX_CRASH_AT=after_store`` kills the process with
    SIGKILL when the flow reaches that point; without the variable, nothing happens."""
    target = os.environ.get(CRASH_VARIABLE)
    if not target:
        return no_crash

    def crash(point: str) -> None:
        if point == target:
            os.kill(os.getpid(), signal.SIGKILL)

    return crash


SECRET_FILE = "id-secret"  # noqa: S105 - a file name, not a secret


def with_id_secret(config: Config) -> Config:
    """``config`` with ``smtp.id_secret`` filled in: from the config or the environment when
    set there, else from ``<storage.dir>/id-secret``, made (random, mode 0600) the first time.
    Every process of one installation shares the store, so it shares the secret."""
    if config.smtp.id_secret:
        return config
    path = config.storage.dir / SECRET_FILE
    try:
        secret = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        secret = ""
    if not secret:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = secrets.token_urlsafe(32)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(fresh + "\n")
            secret = fresh
        except FileExistsError:  # another process made it first
            secret = path.read_text(encoding="ascii").strip()
    return replace(config, smtp=replace(config.smtp, id_secret=secret))


def build_services(config: Config, *, clock: Callable[[], datetime] = utc_now) -> Services:
    """Everything a command needs. The database must exist and be migrated (``init``):
    otherwise :class:`~core.errors.DatabaseError` says what to do, and nothing is created."""
    from parsers.ocr import default_engine

    engine = open_database(config.database.url)
    config = with_id_secret(config)
    return Services(
        config=config,
        sessions=make_session_factory(engine),
        blobs=BlobStore(config.storage.dir),
        renderer=Renderer.from_config(config.smtp),
        clock=clock,
        engine=engine,
        ocr=default_engine(),
        crash=crash_hook_from_environment(),
    )


def make_source(config: Config) -> MailboxSource:
    if config.mailbox.kind == "maildir":
        from ingest.maildir import MaildirSource

        return MaildirSource(config.mailbox.path, move_to=config.mailbox.move_to)
    from ingest.imap import ImapSource

    return ImapSource(config.mailbox)


def make_sender(config: Config) -> MailSender:
    if config.smtp.kind == "directory":
        from outbound.directory import DirectorySender

        return DirectorySender(config.smtp.directory)
    from outbound.smtp import SmtpSender

    return SmtpSender(config.smtp)
