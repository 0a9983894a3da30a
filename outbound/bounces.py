"""Bounces: a delivery report about mail we sent marks the address it failed for.

Where it stands: *classify* (:mod:`ingest.classify`) calls a message a bounce, *analyse* reads
its report without a database (:func:`ingest.dsn.read_report`, which fills the
:class:`BounceReport` defined here), and the *bounce* stage hands it to :func:`record_bounce`.
That finds the outbox row that bounced: the returned Message-ID (our ids are deterministic per
row, :func:`outbound.compose.make_message_id`), else the VERP envelope sender the report is
addressed to (:func:`outbound.outbox.envelope_sender`), else the last mail we sent to the failed
recipient. It records the bounce on that row and, for a permanent failure of that row's
recipient, marks the address failing (``LaoAddress.failing_since``): reminders skip it and use
the LAO's other addresses (:mod:`outbound.reminders`). A report that matches none of our mail
changes nothing: a forged bounce cannot silence an LAO's address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import OutboxStatus
from outbound.outbox import row_id_from_envelope
from storage.models import LaoAddress, OutboxMail

Action = Literal["failed", "delayed", "delivered", "relayed", "expanded"]
MatchedBy = Literal["message-id", "verp", "recipient"]

RECIPIENT_WINDOW = timedelta(days=30)
"""A report without our Message-ID is matched to mail sent to its recipient this recently."""


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
    message_id: int | None = None,
) -> BounceResult:
    """Record ``report`` (read by :func:`ingest.dsn.read_report`) on the outbox row it is about
    and mark the address failing.

    ``message_id`` is the ``messages.id`` of the report (kept on the outbox row). Idempotent:
    processing the same report again changes nothing more. The caller commits.
    """
    addressed_to = report.addressed_to
    report = BounceReport(
        report.format,
        report.recipients,
        report.original_message_ids,
        report.reporting_mta,
        addressed_to,
    )
    row, matched_by = _match(session, report, now)
    if row is None:
        return BounceResult(report, None, None, (), "matches no mail we sent; nothing changed")
    failed = report.failed
    if not failed:
        return BounceResult(
            report,
            row.id,
            matched_by,
            (),
            "delivery delayed or not a failure; nothing marked",
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
    if row.bounced_at is None:
        row.bounced_at = now
    row.bounce_status = concerned.status
    row.bounce_diagnostic = concerned.diagnostic[:2000] if concerned.diagnostic else None
    if message_id is not None:
        row.bounce_message_id = message_id
    address = row.to_address.lower()
    for entry in session.scalars(select(LaoAddress).where(LaoAddress.address == address)):
        if entry.failing_since is None:
            entry.failing_since = now
        entry.failing_reason = reason or "bounced"
    session.flush()
    return BounceResult(report, row.id, matched_by, (address,), f"{address} marked failing")


def _match(
    session: Session, report: BounceReport, now: datetime
) -> tuple[OutboxMail | None, MatchedBy | None]:
    if report.original_message_ids:
        row = session.scalar(
            select(OutboxMail)
            .where(OutboxMail.header_message_id.in_(report.original_message_ids))
            .order_by(OutboxMail.id.desc())
            .limit(1)
        )
        if row is not None:
            return row, "message-id"
    for address in report.addressed_to:
        row_id = row_id_from_envelope(address)
        if row_id is not None:
            row = session.get(OutboxMail, row_id)
            if row is not None:
                return row, "verp"
    for recipient in report.failed:
        row = session.scalar(
            select(OutboxMail)
            .where(
                OutboxMail.to_address == recipient.address,
                OutboxMail.status == OutboxStatus.SENT,
                OutboxMail.sent_at >= now - RECIPIENT_WINDOW,
                OutboxMail.sent_at <= now,
            )
            .order_by(OutboxMail.sent_at.desc(), OutboxMail.id.desc())
            .limit(1)
        )
        if row is not None:
            return row, "recipient"
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
    if all(not r.address for r in failed):
        return failed[0]
    return None
