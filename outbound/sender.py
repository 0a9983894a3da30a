"""The one interface for handing finished messages to a mail transport.

Implementations: :mod:`outbound.smtp` (a real SMTP server; one connection reused for a batch) and
:mod:`outbound.directory` (``.eml`` files in a folder, for the demo and dry runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A complete RFC 5322 message and its envelope."""

    envelope_from: str
    recipients: tuple[str, ...]
    raw: bytes
    message_id: str
    """The Message-ID header value, with angle brackets; deterministic per outbox row."""


class MailSender(Protocol):
    """Delivers messages. Enter to connect; leave to close.

    ``send`` raises :class:`core.errors.SendError` with ``temporary`` set as SMTP says
    (4xx and connection trouble: temporary; 5xx: permanent).
    """

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def send(self, mail: OutgoingMail) -> None: ...
