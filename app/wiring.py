"""Wiring: build the services, the mailbox source and the mail sender from one Config.

The only place that turns configuration into objects; commands and the scheduler call these
and pass the results down, so tests can hand in their own clock, source or sender.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from core.config import Config
from ingest.pipeline import Services
from ingest.source import MailboxSource
from outbound.render import Renderer
from outbound.sender import MailSender
from storage.blobs import BlobStore
from storage.db import make_engine, make_session_factory


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_services(config: Config, *, clock: Callable[[], datetime] = utc_now) -> Services:
    engine = make_engine(config.database.url)
    return Services(
        config=config,
        sessions=make_session_factory(engine),
        blobs=BlobStore(config.storage.dir),
        renderer=Renderer.from_config(config.smtp),
        clock=clock,
        engine=engine,
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
