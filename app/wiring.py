"""Wiring: build the services, the mailbox source and the mail sender from one Config.

The only place that turns configuration (and the environment) into objects; commands and the
scheduler call these and pass the results down, so tests can hand in their own clock, source,
sender, OCR engine or crash hook.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from datetime import datetime

from core.config import Config
from ingest.services import Services, no_crash, open_services, utc_now
from ingest.source import MailboxSource
from outbound.sender import MailSender

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


def build_services(config: Config, *, clock: Callable[[], datetime] = utc_now) -> Services:
    """Everything a command needs (:func:`ingest.services.open_services`), with the crash
    tests' hook read from the environment."""
    return open_services(config, clock=clock, crash=crash_hook_from_environment())


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
