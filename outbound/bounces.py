"""Bounces: a delivery report about mail we sent marks the address it failed for.

Where it stands: *classify* (:mod:`ingest.classify`) calls a message a bounce, *analyse* reads
its report without a database (:func:`ingest.dsn.read_report`, which fills the
:class:`BounceReport` defined here), and the *bounce* stage hands it to :func:`record_bounce`.

A report counts only when it proves it saw our mail: it cites one of our Message-IDs whose token
is right (:func:`outbound.compose.row_of_message_id`: an HMAC of the row with ``smtp.id_secret``),
or it is addressed to a VERP envelope sender of ours with its token
(:func:`outbound.outbox.row_id_from_envelope`). Anything else (a ``multipart/report`` anyone can
write, a report naming only the recipient) changes nothing: a forged bounce cannot silence an
LAO's address.

The rules for an address (``lao_addresses``), which ``failing addresses`` in the CLI shows:

* A confirmed hard bounce is a counted report whose recipient is the bounced row's and whose
  action is ``failed`` with a 5.x.x status (or none); each outbox row counts once
  (``hard_bounces``). The address is marked failing (``failing_since``) at the second, or at the
  first whose status is 5.1.x (no such mailbox or domain). Delays and 4.x.x failures mark
  nothing. Reminders skip a failing address and use the LAO's others (:mod:`outbound.reminders`).
* It is cleared (``failing_since``, ``failing_reason`` and ``hard_bounces`` reset) by staff
  (``onep-inbox addresses clear``, :func:`storage.addresses.clear_failing`), by a later counted
  report saying our mail to it was delivered or relayed, and by a message from the address that
  our server's DMARC check did not fail (the *bounce* stage, :func:`cleared_by_mail`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbound.compose import row_of_message_id
from outbound.outbox import row_id_from_envelope
from storage.addresses import clear_if_failing
from storage.models import LaoAddress, OutboxMail

Action = Literal["failed", "delayed", "delivered", "relayed", "expanded"]
MatchedBy = Literal["message-id", "verp"]

CONFIRMING_BOUNCES = 2
"""Hard bounces (of distinct mails) that mark an address failing; one 5.1.x is enough."""


@dataclass(frozen=True, slots=True)
class BouncedRecipient:
    address: str
    action: Action
    status: str | None
    """RFC 3463 code, ``5.1.1``; None when the report gives none."""
    diagnostic: str | None
    original_recipient: str | None = None


@dataclass(frozen=True, slots=True)
class BounceReport:
    """What a delivery report says, read without a database (:func:`read_report`)."""

    format: Literal["rfc3464", "ndr-text"]
    recipients: tuple[BouncedRecipient, ...]
    original_message_ids: tuple[str, ...]
    """Message-IDs of the mail that bounced: the returned original first, then its quotes."""
    reporting_mta: str | None
    addressed_to: tuple[str, ...]
    """Where the report was sent (To, Delivered-To, X-Original-To): a VERP address names a row."""

    @property
    def failed(self) -> tuple[BouncedRecipient, ...]:
        return tuple(r for r in self.recipients if r.action == "failed")

    @property
    def permanent(self) -> bool:
        """A definite failure: some recipient failed (5.x.x, or retries given up)."""
        return bool(self.failed)


@dataclass(frozen=True, slots=True)
class BounceResult:
    report: BounceReport
    outbox_id: int | None
    """The outbox row that bounced, or None when the report matches no mail of ours."""
    matched_by: MatchedBy | None
    failing: tuple[str, ...]
    """Addresses this report marks failing (the bounced row's recipient, when it failed)."""
    note: str

    def line(self) -> str:
        row = f"outbox {self.outbox_id} by {self.matched_by}" if self.outbox_id else "no outbox row"
        marked = ", ".join(self.failing) or "none"
        return f"bounce ({self.report.format}): {row}; failing: {marked}; {self.note}"


# --- matching and recording ---------------------------------------------------------------


def record_bounce(
    session: Session,
    report: BounceReport,
    now: datetime,
    *,
    secret: str,
    message_id: int | None = None,
) -> BounceResult:
    """Record ``report`` (read by :func:`ingest.dsn.read_report`) on the outbox row it proves it
    is about, and apply the address rules of the module docstring.

    ``secret`` is ``smtp.id_secret``; ``message_id`` the ``messages.id`` of the report (kept on
    the outbox row). Idempotent: processing the same report again changes nothing more (a row
    counts once). The caller commits.
    """
    row, matched_by = _match(session, report, secret)
    if row is None:
        return BounceResult(
            report, None, None, (), "cites none of our mail with its token; nothing changed"
        )
    delivered = [r for r in report.recipients if r.action in ("delivered", "relayed")]
    failed = report.failed
    address = row.to_address.lower()
    if not failed:
        if _concerning(row, delivered) is not None and clear_if_failing(
            session, address, by="system", now=now, why="delivered (DSN)"
        ):
            return BounceResult(report, row.id, matched_by, (), f"{address} delivered: cleared")
        return BounceResult(
            report, row.id, matched_by, (), "delivery delayed or not a failure; nothing marked"
        )
    concerned = _concerning(row, failed)
    if concerned is None:
        others = ", ".join(r.address for r in failed)
        return BounceResult(
            report,
            row.id,
            matched_by,
            (),
            f"failure reported for {others}, not {row.to_address}",
        )
    reason = " ".join(p for p in (concerned.status, concerned.diagnostic) if p)[:2000] or None
    first_report = row.bounced_at is None
    if first_report:
        row.bounced_at = now
    row.bounce_status = concerned.status
    row.bounce_diagnostic = concerned.diagnostic[:2000] if concerned.diagnostic else None
    if message_id is not None:
        row.bounce_message_id = message_id
    status = concerned.status or ""
    if status.startswith("4"):
        return BounceResult(report, row.id, matched_by, (), "a temporary failure; nothing marked")
    marked = False
    for entry in session.scalars(select(LaoAddress).where(LaoAddress.address == address)):
        if first_report:
            entry.hard_bounces = (entry.hard_bounces or 0) + 1
        if entry.hard_bounces >= CONFIRMING_BOUNCES or status.startswith("5.1."):
            if entry.failing_since is None:
                entry.failing_since = now
            entry.failing_reason = reason or "bounced"
            marked = True
    session.flush()
    if not marked:
        return BounceResult(
            report, row.id, matched_by, (), f"{address}: a hard bounce, not yet confirmed"
        )
    return BounceResult(report, row.id, matched_by, (address,), f"{address} marked failing")


def cleared_by_mail(session: Session, address: str, now: datetime) -> bool:
    """A message came from ``address`` (its DMARC did not fail): it works, clear it."""
    return clear_if_failing(session, address, by="system", now=now, why="mail received from it")


def _match(
    session: Session, report: BounceReport, secret: str
) -> tuple[OutboxMail | None, MatchedBy | None]:
    for cited in report.original_message_ids:
        row_id = row_of_message_id(cited, secret)
        if row_id is None:
            continue
        row = session.get(OutboxMail, row_id)
        if row is not None and row.header_message_id == cited.strip():
            return row, "message-id"
    for address in report.addressed_to:
        row_id = row_id_from_envelope(address, secret)
        if row_id is not None:
            row = session.get(OutboxMail, row_id)
            if row is not None:
                return row, "verp"
    return None, None


def _concerning(row: OutboxMail, failed: Sequence[BouncedRecipient]) -> BouncedRecipient | None:
    """The failed recipient that is this row's recipient (each row has exactly one).

    A report that names no recipient we can read is about the row's recipient; one that names
    only others (a forward from that address failed further on) is not.
    """
    address = row.to_address.lower()
    for recipient in failed:
        if address in (recipient.address, recipient.original_recipient):
            return recipient
    if failed and all(not r.address for r in failed):
        return failed[0]
    return None
