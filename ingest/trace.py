"""What the servers on the way added to a message: its trace headers. Pure.

* :func:`core_digest`: the sha256 of the message without its trace headers (Received,
  Return-Path, Delivered-To, X-Spam-*, Authentication-Results ...), so that the same message
  delivered twice (one more ``Received:``, another spam score) is known as one, while any
  difference a sender made (Date, Message-ID, a word of the text) keeps two messages two. The
  *bounce* stage compares it with the messages stored before (:mod:`ingest.stages.bounce`).
* :func:`read_authentication`: what our receiving server's ``Authentication-Results`` (RFC 8601)
  said of SPF, DKIM and DMARC. Only our own server's header is believed: the one whose
  authserv-id is ``mailbox.authserv_id``, or, with none configured, the topmost (the last
  added); anything further down may be the sender's own invention.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

_TRACE_NAMES = frozenset(
    {
        "received",
        "x-received",
        "return-path",
        "delivered-to",
        "x-original-to",
        "envelope-to",
        "x-envelope-to",
        "x-envelope-from",
        "authentication-results",
        "arc-seal",
        "arc-message-signature",
        "arc-authentication-results",
        "received-spf",
        "x-uid",
        "status",
        "x-status",
        "x-keywords",
        "content-length",
        "lines",
    }
)
_TRACE_PREFIXES = (
    "x-spam",
    "x-virus",
    "x-amavis",
    "x-ms-exchange-organization-",
    "x-ms-exchange-transport-",
    "x-forefront-antispam",
    "x-microsoft-antispam",
    "x-dovecot-",
    "x-quarantine",
)
_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]*:(.*)$")
_WHITESPACE = re.compile(rb"\s+")


def _split(raw: bytes) -> tuple[list[bytes], bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(separator)
        if end != -1:
            return raw[:end].splitlines(), raw[end + len(separator) :]
    return raw.splitlines(), b""


def _fields(lines: list[bytes]) -> list[tuple[bytes, bytes]]:
    """Header fields (name lower-cased, value unfolded), in order; junk lines kept as values."""
    fields: list[tuple[bytes, bytes]] = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + b" " + line.strip())
            continue
        found = _HEADER_LINE.match(line)
        if found is None:
            fields.append((b"", line.strip()))
        else:
            fields.append((found.group(1).lower(), found.group(2).strip()))
    return fields


def _is_trace(name: bytes) -> bool:
    text = name.decode("ascii", "replace")
    return text in _TRACE_NAMES or text.startswith(_TRACE_PREFIXES)


def core_digest(raw: bytes) -> str:
    """sha256 (hex) of ``raw`` without its trace headers, white space and line ends normalised."""
    lines, body = _split(raw)
    digest = hashlib.sha256()
    for name, value in _fields(lines):
        if name and _is_trace(name):
            continue
        digest.update(name + b":" + _WHITESPACE.sub(b" ", value) + b"\n")
    digest.update(b"\n")
    digest.update(body.replace(b"\r\n", b"\n").rstrip())
    return digest.hexdigest()


_METHOD = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.I)
_HEADER_FROM = re.compile(r"\bheader\.from\s*=\s*\"?([^\s;\"()]+)", re.I)
_COMMENTS = re.compile(r"\([^()]*\)")


def read_authentication(raw: bytes, authserv_id: str = "") -> dict[str, Any] | None:
    """``{"server", "spf", "dkim", "dmarc", "header_from"}`` from our server's
    Authentication-Results, or None when it left none. A method it did not report is absent;
    of several results for one method (two DKIM signatures), a pass wins."""
    lines, _body = _split(raw)
    wanted = authserv_id.strip().lower()
    for name, value in _fields(lines):
        if name != b"authentication-results":
            continue
        text = _COMMENTS.sub(" ", value.decode("utf-8", "replace"))
        server = text.split(";", 1)[0].strip().split()[0].lower() if text.strip() else ""
        if wanted and server != wanted:
            continue
        results: dict[str, Any] = {"server": server}
        for clause in text.split(";")[1:]:
            for method, result in _METHOD.findall(clause):
                method, result = method.lower(), result.lower()
                if method not in results or _better(result, results[method]):
                    results[method] = result
                if method == "dmarc":
                    found = _HEADER_FROM.search(clause)
                    if found is not None:
                        results["header_from"] = found.group(1).lower()
        return results
    return None


def _better(result: str, current: str) -> bool:
    return result == "pass" and current != "pass"
