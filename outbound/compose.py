"""Build one outgoing message as bytes: the last pure step before a :class:`MailSender`.

Flow: a queued reply (acknowledgement, reminder) is rendered to Thai text by the templates, then
:func:`compose` turns it into a complete RFC 5322 message (CRLF line ends, ready for SMTP DATA or
a ``.eml`` file), which goes into :class:`outbound.sender.OutgoingMail`. No clock, no network, no
randomness: the same arguments always give the same bytes, so a retried outbox row sends the
same message.

Encoding choices:

* Headers are generated with the compat32 API (``email.header.Header``), not ``policy.default``:
  CPython 3.11's ``policy.default`` folding drops the space between encoded words in long Thai
  subjects (gh-144156). ``Header`` keeps every encoded word within RFC 2047's 75 characters and
  every line within 76.
* Bodies are UTF-8 in base64 with CRLF line breaks (RFC 2046 canonical form); ``html`` adds a
  ``multipart/alternative`` with the plain text first.
* Automatic mail carries ``Auto-Submitted`` (RFC 3834) and ``X-Auto-Response-Suppress: All``
  (Exchange/Outlook: no out-of-office replies to us). No ``Precedence``: RFC 3834 standardises
  only ``Auto-Submitted``; ``Precedence`` is a non-standard field, and ``bulk``/``junk`` make
  some providers file the mail as bulk, which would hide acknowledgements from LAO officers.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email._policybase import Compat32
from email.header import Header, decode_header, make_header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.parser import BytesHeaderParser
from email.utils import format_datetime, formataddr
from types import MappingProxyType
from typing import Literal, cast

AutoSubmitted = Literal["auto-replied", "auto-generated"]

_COMPAT32 = policy.compat32.clone(linesep="\r\n")


@dataclass(frozen=True, slots=True)
class _Words:
    """A header value as ``email.header.Header`` chunks (text, charset), kept as plain values
    so that its folding can be remembered (:class:`_Remembering`)."""

    chunks: tuple[tuple[str, str], ...]

    def header(self, name: str) -> Header:
        (first, charset), *rest = self.chunks
        header = Header(first, charset, header_name=name)
        for text, more in rest:
            header.append(text, more)
        return header


@functools.lru_cache(maxsize=4096)
def _folded(name: str, value: str | _Words, sanitize: bool) -> str:
    given = value.header(name) if isinstance(value, _Words) else value
    return str(_COMPAT32._fold(name, given, sanitize))  # type: ignore[attr-defined]


class _Remembering(Compat32):
    """compat32 with CRLF, remembering each header it folded: a reminder round composes
    thousands of mails whose From, Subject and MIME headers repeat, and folding is half the
    cost of composing one. The same text and charset always fold to the same lines."""

    def _fold(self, name: str, value: object, sanitize: bool) -> str:
        if isinstance(value, str | _Words):
            return _folded(name, value, sanitize)
        return str(_COMPAT32._fold(name, value, sanitize))  # type: ignore[attr-defined]


_POLICY = _Remembering(linesep="\r\n")
_MSG_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>")
_ADDRESS = re.compile(r"[^\s<>@\",;:()\[\]\\]+@[A-Za-z0-9.-]+")
_HEADER_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+")
_KIND = re.compile(r"[a-z0-9][a-z0-9-]*")
_DOMAIN = re.compile(
    r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_LINE_BREAKS = re.compile(r"[ \t]*(\r\n|\r|\n)[ \t]*")
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_MAX_REFERENCES = 20
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})
_OWN_HEADERS = frozenset(
    name.lower()
    for name in (
        "From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted",
        "X-Auto-Response-Suppress",
    )
)  # fmt: skip


def make_message_id(kind: str, row_id: int, domain: str, secret: str | None = None) -> str:
    """The Message-ID of outbox row ``row_id``: ``<outbox-123.ack.<token>@onep.go.th>``.

    Deterministic, so a retried send carries the same id and the recipient's client can
    recognise a duplicate; ``kind`` (``ack``, ``reminder``) keeps ids readable in logs. With a
    ``secret``, the local part ends in a token (HMAC-SHA256 of row, kind and domain, 80 bits in
    base32) that only we can make: a bounce that cites the id proves it saw our mail
    (:func:`row_of_message_id`). Without one (``None``), the id of earlier versions.
    """
    if isinstance(row_id, bool) or not isinstance(row_id, int) or row_id < 0:
        raise ValueError(f"row_id must be a non-negative integer, got {row_id!r}")
    if not _KIND.fullmatch(kind):
        raise ValueError(f"kind must be lower-case letters, digits and '-', got {kind!r}")
    if not _DOMAIN.fullmatch(domain):
        raise ValueError(f"domain must be an ASCII host name, got {domain!r}")
    if secret is None:
        return f"<outbox-{row_id}.{kind}@{domain}>"
    return f"<outbox-{row_id}.{kind}.{token(secret, f'{row_id}.{kind}@{domain.lower()}')}@{domain}>"


_OUR_ID = re.compile(r"<outbox-([0-9]{1,18})\.([a-z0-9][a-z0-9-]*)\.([a-z2-7]{16})@([^<>@\s]+)>")


def token(secret: str, text: str) -> str:
    """16 base32 characters (80 bits) of HMAC-SHA256(secret, text): unguessable without it."""
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode("ascii").lower()


def row_of_message_id(message_id: str, secret: str) -> int | None:
    """The outbox row a Message-ID of ours names, when its token is right; else None."""
    found = _OUR_ID.fullmatch(message_id.strip())
    if found is None:
        return None
    row, kind, given, domain = found.groups()
    expected = token(secret, f"{int(row)}.{kind}@{domain.lower()}")
    return int(row) if hmac.compare_digest(given, expected) else None


def compose(
    *,
    from_address: str,
    from_name: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    date: datetime,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    auto_submitted: AutoSubmitted | None,
    extra_headers: Mapping[str, str] = _NO_HEADERS,
    attachments: Sequence[Attachment] = (),
) -> bytes:
    """Return the complete message (CRLF line ends) for SMTP DATA or a ``.eml`` file.

    ``to`` holds bare addresses (``saraban@example.go.th``); ``date`` must carry a time zone.
    Line breaks in ``subject`` become one space. ``in_reply_to``/``references`` come from the
    sender's mail, so ids that are not a valid msg-id are left out instead of raising, and only
    the last 20 references are kept. Raises ``ValueError`` for our own bad input (address,
    Message-ID, naive date, an ``extra_headers`` name that is ours or malformed, a value with a
    line break).
    """
    if not to:
        raise ValueError("to: at least one recipient is needed")
    for address in (from_address, *to):
        _check_address(address)
    if not _MSG_ID.fullmatch(message_id):
        raise ValueError(f"message_id must look like <local@domain>, got {message_id!r}")
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date must carry a time zone (e.g. Asia/Bangkok)")

    # compat32 stores header objects as given and folds them when generating (typeshed
    # types MIME classes for str values only); _Words are folded by _POLICY.
    message = cast("Message[str, str | _Words]", _body(text, html, attachments, seed=message_id))
    message["From"] = _mailbox(from_name, from_address)
    message["To"] = ", ".join(to)
    message["Subject"] = _unstructured(_LINE_BREAKS.sub(" ", subject), "Subject")
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if in_reply_to is not None and _MSG_ID.fullmatch(in_reply_to.strip()):
        message["In-Reply-To"] = in_reply_to.strip()
    kept = [ref.strip() for ref in references if _MSG_ID.fullmatch(ref.strip())]
    if kept:
        message["References"] = " ".join(kept[-_MAX_REFERENCES:])
    if auto_submitted is not None:
        message["Auto-Submitted"] = auto_submitted
        message["X-Auto-Response-Suppress"] = "All"
    for name, value in extra_headers.items():
        _check_extra(name, value)
        message[name] = _unstructured(value, name)
    for name in ("MIME-Version", "Content-Type", "Content-Transfer-Encoding"):
        value = message[name]  # move below the headers people read; same values
        if value is not None:
            del message[name]
            message[name] = value
    return message.as_bytes(policy=_POLICY)


def read_header(raw: bytes, name: str) -> str | None:
    """The decoded text of header ``name`` in ``raw`` (RFC 2047 words joined), or ``None``.

    Uses compat32 and ``decode_header``, which follow RFC 2047's rule that the white space
    between adjacent encoded words is not part of the text. For tests and logs.
    """
    value = BytesHeaderParser(policy=policy.compat32).parsebytes(raw).get(name)
    if value is None:
        return None
    unfolded = _FOLD.sub("", str(value))  # RFC 5322 unfolding; compat32 keeps the CRLF
    return str(make_header(decode_header(unfolded)))


# --- parts ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a mail (the blank form templates with a "no form" answer)."""

    filename: str
    content_type: str
    data: bytes


def _body(text: str, html: str | None, attachments: Sequence[Attachment], *, seed: str) -> Message:
    body: Message
    if html is None:
        body = _text_part(text, "plain")
    else:
        body = MIMEMultipart("alternative", boundary=_boundary(seed, text, html))
        for part in (_text_part(text, "plain"), _text_part(html, "html")):
            body.attach(part)
    if attachments:
        outer = MIMEMultipart("mixed", boundary=_boundary(seed, "mixed", text, html or ""))
        del body["MIME-Version"]
        outer.attach(body)
        for attachment in attachments:
            outer.attach(_file_part(attachment))
        return outer
    if "MIME-Version" not in body:
        body["MIME-Version"] = "1.0"
    return body


def _file_part(attachment: Attachment) -> MIMENonMultipart:
    maintype, _, subtype = attachment.content_type.partition("/")
    part = MIMEApplication(attachment.data, subtype or "octet-stream")
    if maintype != "application":
        part.replace_header("Content-Type", attachment.content_type)
    del part["MIME-Version"]
    name = attachment.filename
    if name.isascii():
        part.add_header("Content-Disposition", "attachment", filename=name)
    else:
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    return part


def _text_part(content: str, subtype: str) -> MIMENonMultipart:
    part = MIMEText(_LINE_ENDS.sub("\r\n", content), subtype, "utf-8")
    del part["MIME-Version"]  # only the top level carries it
    return part


def _boundary(*parts: str) -> str:
    """A boundary fixed by the content; base64 bodies cannot contain ``=_``."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"=_onep_{digest}"


# --- headers -------------------------------------------------------------------------------


def _mailbox(name: str, address: str) -> str | _Words:
    name = _LINE_BREAKS.sub(" ", name).strip()
    if not name:
        return address
    if name.isascii():
        return formataddr((name, address))
    return _Words(((name, "utf-8"), (f"<{address}>", "us-ascii")))


def _unstructured(value: str, name: str) -> str | _Words:
    return value if value.isascii() else _Words(((value, "utf-8"),))


def _check_address(address: str) -> None:
    if not (address.isascii() and _ADDRESS.fullmatch(address)):
        raise ValueError(f"expected a bare ASCII e-mail address (user@host), got {address!r}")


def _check_extra(name: str, value: str) -> None:
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"extra_headers: not a header name: {name!r}")
    if name.lower() in _OWN_HEADERS:
        raise ValueError(f"extra_headers: {name} is set by compose() itself")
    if "\r" in value or "\n" in value:
        raise ValueError(f"extra_headers: {name} value contains a line break")
