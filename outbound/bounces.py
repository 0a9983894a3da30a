"""Bounces: a delivery report about mail we sent marks the address it failed for.

Where it stands: a message that *classify* (:mod:`ingest.classify`) calls a bounce gets no reply
and no parsing; the pipeline hands its bytes here instead. :func:`read_report` (pure) reads

* RFC 3464 delivery-status notifications (``multipart/report; report-type=delivery-status``;
  ``message/delivery-status`` with per-recipient Final-Recipient / Action / Status /
  Diagnostic-Code; the returned original as ``message/rfc822`` or ``text/rfc822-headers``), as
  Postfix, Exim, Gmail, Exchange Online write them, also ``message/global-delivery-status``;
* non-delivery reports without a DSN part (older Exchange, some appliances): the human text
  ("Delivery has failed to these recipients", ``#550 5.1.1 ...``), ``X-Failed-Recipients``, and
  the attached original or its quoted headers.

:func:`handle_bounce` then finds the outbox row that bounced: the returned Message-ID (our ids are
deterministic per row, :func:`outbound.compose.make_message_id`), else the VERP envelope sender
the report is addressed to (:func:`outbound.outbox.envelope_sender`), else the last mail we sent
to the failed recipient. It records the bounce on that row and, for a permanent failure of that
row's recipient, marks the address failing (``LaoAddress.failing_since``): reminders skip it and
use the LAO's other addresses (:mod:`outbound.reminders`). A report that matches none of our mail
changes nothing: a forged bounce cannot silence an LAO's address.
"""

from __future__ import annotations

import email
import email.message
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import HeaderParser
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.mime import ParsedMail, decode_text_header, html_to_text, part_text
from outbound.outbox import row_id_from_envelope
from storage.models import LaoAddress, OutboxMail

Action = Literal["failed", "delayed", "delivered", "relayed", "expanded"]
MatchedBy = Literal["message-id", "verp", "recipient"]

RECIPIENT_WINDOW = timedelta(days=30)
"""A report without our Message-ID is matched to mail sent to its recipient this recently."""

_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_MSG_ID_LINE = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+@[^<>\s]+>)", re.I | re.M)
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_SMTP_CODE = re.compile(r"(?<![\d.#])#?([45])\d\d(?=[ -])")
_DELAY_WORDS = re.compile(
    r"delay|will (?:be )?retr|still trying|not yet been delivered|ยังไม่สามารถส่ง.*จะพยายาม",
    re.I,
)
_FAILED_SECTION = re.compile(
    r"(?:delivery has failed to these recipients(?: or groups)?|"
    r"could not be delivered to (?:one or more|the following) recipients?|"
    r"your message (?:to .{0,200}?)?(?:couldn't|could not|wasn't|was not) (?:be )?delivered|"
    r"the following (?:recipient|address)\(?e?s?\)? failed|"
    r"undeliverable to)",
    re.I,
)
_SECTION_END = re.compile(
    r"(?:diagnostic information for administrators|original message headers|"
    r"-{3,}\s*original message|reporting-mta:|received:)",
    re.I,
)
_DIAGNOSTIC = re.compile(r"#?\s*([45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}[^\n#]*)")
_ACTIONS: dict[str, Action] = {
    "failed": "failed",
    "delayed": "delayed",
    "delivered": "delivered",
    "relayed": "relayed",
    "expanded": "expanded",
}
_REPORT_TYPES = ("message/delivery-status", "message/global-delivery-status")
_ORIGINAL_TYPES = ("message/rfc822", "message/global")
_HEADER_TYPES = ("text/rfc822-headers", "message/global-headers")


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


# --- reading (pure) -----------------------------------------------------------------------


def read_report(raw: bytes) -> BounceReport:
    """Read a delivery report; never raises on malformed input (fields found are kept)."""
    msg = email.message_from_bytes(raw)
    addressed_to = _addressed_to(msg)
    blocks: list[dict[str, str]] = []
    original_ids: list[str] = []
    texts: list[str] = []
    for part in _leaves(msg):
        ctype = part.get_content_type()
        if ctype in _REPORT_TYPES:
            blocks.extend(_report_blocks(part))
        elif ctype in _ORIGINAL_TYPES:
            original_ids.extend(_original_ids(part))
        elif ctype in _HEADER_TYPES:
            headers = HeaderParser().parsestr(_payload_text(part))
            original_ids.extend(_ids(headers.get("Message-ID")))
        elif ctype == "text/plain":
            texts.append(part_text(part))
        elif ctype == "text/html":
            texts.append(html_to_text(part_text(part)))
    text = "\n".join(texts)
    if blocks:  # Gmail and Exchange Online name the original in the per-message fields
        original_ids.extend(_ids(blocks[0].get("x-original-message-id")))
    original_ids.extend(m.group(1) for m in _MSG_ID_LINE.finditer(text))
    for name in ("In-Reply-To", "References"):
        original_ids.extend(_ids(msg.get(name)))
    ids = tuple(dict.fromkeys(original_ids))
    recipients = [r for block in blocks[1:] if (r := _recipient(block)) is not None]
    if blocks and recipients:
        mta = _typed_value(blocks[0].get("reporting-mta"))
        return BounceReport("rfc3464", tuple(recipients), ids, mta, addressed_to)
    return BounceReport("ndr-text", _text_recipients(msg, text), ids, None, addressed_to)


def _leaves(part: email.message.Message) -> Iterator[email.message.Message]:
    """Parts in order; a report or an original is one leaf (not walked into)."""
    ctype = part.get_content_type()
    if ctype in _REPORT_TYPES or ctype in _ORIGINAL_TYPES or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    if isinstance(payload, list):
        for child in payload:
            if isinstance(child, email.message.Message):
                yield from _leaves(child)


def _payload_text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    inner = part.get_payload()
    if isinstance(inner, list):  # the parser made Message objects of the header blocks
        return "\n\n".join(
            item.as_string() for item in inner if isinstance(item, email.message.Message)
        )
    return str(inner)


def _report_blocks(part: email.message.Message) -> list[dict[str, str]]:
    payload = part.get_payload()
    if isinstance(payload, list) and all(isinstance(p, email.message.Message) for p in payload):
        return [
            {name.lower(): _unfold(str(value)) for name, value in block.items()}
            for block in payload
            if isinstance(block, email.message.Message)
        ]
    return _parse_blocks(_payload_text(part))


def _parse_blocks(text: str) -> list[dict[str, str]]:
    """DSN fields as text (RFC 3464 §2.1): blocks separated by empty lines, folded lines."""
    blocks: list[dict[str, str]] = []
    for chunk in re.split(r"\r?\n[ \t]*\r?\n", text.strip()):
        fields = HeaderParser().parsestr(chunk.strip() + "\n")
        block = {name.lower(): _unfold(str(value)) for name, value in fields.items()}
        if block:
            blocks.append(block)
    return blocks


def _recipient(block: dict[str, str]) -> BouncedRecipient | None:
    final = _typed_value(block.get("final-recipient"))
    original = _typed_value(block.get("original-recipient"))
    address = _first_address(final or original or "")
    if address is None:
        return None
    status = _status(block.get("status") or "")
    word = (block.get("action") or "").strip().lower().split(" ")[0]
    action = _ACTIONS.get(word) or (
        "failed" if status is None or status.startswith("5") else "delayed"
    )
    return BouncedRecipient(
        address=address,
        action=action,
        status=status,
        diagnostic=_typed_value(block.get("diagnostic-code")),
        original_recipient=_first_address(original or ""),
    )


def _text_recipients(msg: email.message.Message, text: str) -> tuple[BouncedRecipient, ...]:
    """Recipients of a report without a DSN part: X-Failed-Recipients, else the failed section."""
    addresses = [
        a.lower() for a in _ADDRESS.findall(decode_text_header(msg.get("X-Failed-Recipients")))
    ]
    found = _FAILED_SECTION.search(text)
    if found is not None:
        section = text[found.start() :]
        end = _SECTION_END.search(section, found.end() - found.start())
        listed = section[: end.start()] if end is not None else section[:2000]
        addresses.extend(a.lower() for a in _ADDRESS.findall(listed))
    status = _status(text)
    diagnostic = _DIAGNOSTIC.search(text)
    delayed = (status is not None and status.startswith("4")) or (
        status is None and _DELAY_WORDS.search(text) is not None and _SMTP_CODE.search(text) is None
    )
    action: Action = "delayed" if delayed else "failed"
    if not addresses:
        addresses = [""]  # a failure we cannot attribute: it is about the bounced row's recipient
    return tuple(
        BouncedRecipient(
            address=address,
            action=action,
            status=status,
            diagnostic=diagnostic.group(1).strip() if diagnostic else None,
        )
        for address in dict.fromkeys(addresses)
    )


def _original_ids(part: email.message.Message) -> list[str]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [
            i
            for inner in payload
            if isinstance(inner, email.message.Message)
            for i in _ids(inner.get("Message-ID"))
        ]
    return [m.group(1) for m in _MSG_ID_LINE.finditer(_payload_text(part))]


def _addressed_to(msg: email.message.Message) -> tuple[str, ...]:
    values: list[str] = []
    for name in ("To", "Delivered-To", "X-Original-To", "Envelope-To"):
        for value in msg.get_all(name, []) or []:
            values.extend(a.lower() for a in _ADDRESS.findall(decode_text_header(value)))
    return tuple(dict.fromkeys(values))


def _typed_value(value: str | None) -> str | None:
    """``rfc822; user@host`` -> ``user@host``; ``smtp; 550 ...`` -> ``550 ...``."""
    if value is None:
        return None
    _, sep, rest = value.partition(";")
    return (rest if sep else value).strip() or None


def _first_address(value: str) -> str | None:
    found = _ADDRESS.search(value)
    return found.group(0).lower() if found else None


def _status(value: str) -> str | None:
    found = _STATUS.search(value)
    return ".".join(found.groups()) if found else None


def _ids(value: object) -> list[str]:
    return re.findall(r"<[^<>\s]+@[^<>\s]+>", str(value or ""))


def _unfold(value: str) -> str:
    return re.sub(r"\s*\r?\n\s+", " ", value).strip()


# --- matching and recording ---------------------------------------------------------------


def handle_bounce(
    session: Session,
    raw: bytes,
    mail: ParsedMail,
    now: datetime,
    *,
    message_id: int | None = None,
) -> BounceResult:
    """Read the report in ``raw``, record it on the outbox row it is about, mark the address.

    ``message_id`` is the ``messages.id`` of the report (kept on the outbox row). Idempotent:
    processing the same report again changes nothing more. The caller commits.
    """
    return record_bounce(session, read_report(raw), mail, now, message_id=message_id)


def record_bounce(
    session: Session,
    report: BounceReport,
    mail: ParsedMail,
    now: datetime,
    *,
    message_id: int | None = None,
) -> BounceResult:
    """:func:`handle_bounce` for a report already read (:func:`read_report` is pure, so it can
    run with the other pure stages, outside the transaction)."""
    addressed_to = tuple(dict.fromkeys((*report.addressed_to, *mail.to_addresses)))
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
                OutboxMail.status == "sent",
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
