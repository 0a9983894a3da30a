"""The project's one exception tree.

Lower-level errors (imaplib, smtplib, sockets, SQLAlchemy, zip/xml libraries) are translated
into these at the edge that talks to them (``raise ImapError(...) from exc``), so the rest of the
code handles a handful of types and knows whether trying again later can help::

    OnepInboxError
    ├── ConfigError              bad or missing configuration (names the key)
    ├── DatabaseError            the database is missing, unreachable, refuses us or is not
    │                            initialised (says what to run or fix)
    ├── MailboxError             talking to the mailbox failed      .temporary
    │   └── ImapError
    ├── SendError                handing mail to the SMTP server failed .temporary
    ├── StoreError               the raw store or the database refused a write
    ├── ProcessingError          a pipeline stage failed on one message (.stage)
    ├── RegistryError            a registry file has bad rows (.errors: line, reason)
    └── ReviewError              a review action cannot be done as asked
"""

from __future__ import annotations


class OnepInboxError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(OnepInboxError):
    """The configuration is missing, unreadable or has a bad value (the message names the key)."""


class DatabaseError(OnepInboxError):
    """The database cannot be used as configured: no such file or database, the server does not
    answer, the password is refused, or ``init`` has not been run (the message says which and
    what to do). Translated from SQLAlchemy/driver errors in :mod:`storage.db`."""


class MailboxError(OnepInboxError):
    """Fetching from or marking in the mailbox failed.

    ``temporary`` is true when trying again later may succeed (network, server busy), false when
    it cannot (bad credentials, no such folder).
    """

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


class ImapError(MailboxError):
    """An IMAP-level failure, translated from imapclient/imaplib/socket errors."""


class SendError(OnepInboxError):
    """Handing a message to the outgoing mail server failed.

    ``temporary`` mirrors SMTP's 4xx (try later) versus 5xx (give up, record) distinction.
    """

    def __init__(self, message: str, *, temporary: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.code = code


class StoreError(OnepInboxError):
    """Writing to the raw store or the database failed."""


class ProcessingError(OnepInboxError):
    """A pipeline stage failed on one message; the message stays stored and can be replayed."""

    def __init__(self, message: str, *, stage: str) -> None:
        super().__init__(message)
        self.stage = stage


class RegistryError(OnepInboxError):
    """The registry file has bad rows; nothing of it was imported.

    ``errors`` lists (line number, reason in Thai / English), header = line 1, several reasons
    may share a line.
    """

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        lines = "\n".join(f"  บรรทัด/line {line}: {reason}" for line, reason in errors)
        super().__init__(
            f"ทะเบียน อปท. มีข้อผิดพลาด {len(errors)} รายการ ไม่ได้นำเข้าข้อมูลใด ๆ"
            f" / the registry has {len(errors)} error(s); nothing was imported\n{lines}"
        )


class ReviewError(OnepInboxError):
    """A review action cannot be done as asked (the message says why and what to do)."""
