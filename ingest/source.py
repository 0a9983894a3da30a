"""Mailbox sources: where raw messages come from (stage 1, *fetch*).

A source knows one folder of one mailbox. It lists what is there, hands over raw bytes, and
marks what has been stored. It never decides what is new: the store does, by the explicit key
(mailbox, UIDVALIDITY, item). Implementations: :mod:`ingest.imap` (IMAP via imapclient) and
:mod:`ingest.maildir` (a local Maildir for the demo and for operators who get mail by other means).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self


@dataclass(frozen=True, slots=True)
class Listing:
    """What a folder holds right now: its UIDVALIDITY and the keys of its messages.

    ``items`` are IMAP UIDs as decimal strings, or Maildir keys. A Maildir has no UIDVALIDITY;
    it reports 0.
    """

    uidvalidity: int
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """One raw message as the source handed it over."""

    item: str
    raw: bytes
    internal_date: datetime | None
    """When the message reached our server (IMAP INTERNALDATE, tz-aware), if the source knows."""


class MailboxSource(Protocol):
    """One folder of one mailbox. Use as a context manager: entering connects, leaving closes."""

    @property
    def name(self) -> str:
        """Stable identity of the folder, part of the message key (no password in it)."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def list(self) -> Listing:
        """The folder's UIDVALIDITY and every message key in it (marked or not)."""
        ...

    def fetch(self, items: Sequence[str]) -> Iterator[FetchedMessage]:
        """Raw bytes of these messages, in batches, without changing any flag (BODY.PEEK[]).

        Items that vanished meanwhile are skipped, not an error.
        """
        ...

    def mark(self, items: Sequence[str]) -> None:
        """Mark these messages as ingested (a keyword, or a move to a folder), in batches.

        Called only after the raw messages were committed to the store. Never touches ``\\Seen``.
        """
        ...
