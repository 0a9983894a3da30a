"""Reading delivery reports (bounces): what failed, for whom, about which mail of ours. Pure.

Place in the flow: *analyse* calls :func:`read_report` on a message *classify* called a bounce;
the *bounce* stage records the result (:func:`outbound.bounces.record_bounce`). Read here:

* RFC 3464 delivery-status notifications (``multipart/report; report-type=delivery-status``;
  ``message/delivery-status`` with per-recipient Final-Recipient / Action / Status /
  Diagnostic-Code; the returned original as ``message/rfc822`` or ``text/rfc822-headers``), as
  Postfix, Exim, Gmail, Exchange Online write them, also ``message/global-delivery-status``;
* non-delivery reports without a DSN part (older Exchange, some appliances): the human text
  ("Delivery has failed to these recipients", ``#550 5.1.1 ...``), ``X-Failed-Recipients``, and
  the attached original or its quoted headers.
"""

from __future__ import annotations

import email
import email.message
import re
from collections.abc import Iterator
from email.parser import HeaderParser

from core.mailids import message_ids
from ingest.mime import decode_text_header, html_to_text, part_text
from outbound.bounces import Action, BouncedRecipient, BounceReport

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
            original_ids.extend(message_ids(headers.get("Message-ID")))
        elif ctype == "text/plain":
            texts.append(part_text(part))
        elif ctype == "text/html":
            texts.append(html_to_text(part_text(part)))
    text = "\n".join(texts)
    if blocks:  # Gmail and Exchange Online name the original in the per-message fields
        original_ids.extend(message_ids(blocks[0].get("x-original-message-id")))
    original_ids.extend(m.group(1) for m in _MSG_ID_LINE.finditer(text))
    for name in ("In-Reply-To", "References"):
        original_ids.extend(message_ids(msg.get(name)))
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
            for i in message_ids(inner.get("Message-ID"))
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


def _unfold(value: str) -> str:
    return re.sub(r"\s*\r?\n\s+", " ", value).strip()
