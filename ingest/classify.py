"""Stage *classify*: is this mail from a person, or automatic (a bounce, a read receipt, a
complaint, an auto-reply, a calendar answer, bulk or list mail, our own)?

Pure. RFC 3834 (automatic responses), RFC 3464 (delivery status notifications), RFC 8098
(message disposition notifications: read receipts), RFC 5965 (abuse feedback reports) decide,
whatever the headers say: any ``multipart/report`` is automatic, and so is a message carrying a
report part. Widespread non-standard markers fill the gaps: X-Autoreply and the like,
Microsoft's X-Auto-Response-Suppress, mailer-daemon senders, an empty Return-Path, and the
subjects and opening sentences of out-of-office replies in Thai and English that carry no header
at all. ``may_reply`` is the loop guard: nothing automatic is ever sent back to an automatic
sender, a null return path, a mailer daemon, a list, or ourselves.

Automatic is not ignored: a form inside automatic or bulk mail (a saraban system sending on an
officer's behalf) is still read and recorded for review; only the answer is withheld.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.enums import MessageKind
from ingest.mime import ParsedMail


@dataclass(frozen=True, slots=True)
class Classification:
    kind: MessageKind
    may_reply: bool
    reason: str
    reply_to: str | None
    """The address an answer would go to (the From address), when one may be sent."""


_DAEMONS = re.compile(
    r"^(mailer[-_.]?daemon|postmaster|mail[-_.]?delivery[-_.]?(system|subsystem)|"
    r"no-?reply|do-?not-?reply|bounces?)([+@-]|$)",
    re.I,
)
_DAEMON_NAMES = re.compile(
    r"^\s*(mailer[-_ ]?daemon|mail delivery (sub)?system|postmaster)\b", re.I
)
_NO_REPLY = re.compile(r"^(no-?reply|do-?not-?reply|noreply)([+@-]|$)", re.I)
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic|mated)?[ -]?(reply|response|answer)|autoreply|autoresponse|"
    r"out of (the )?office|ooo\b|away from (the )?office|on (vacation|leave|holiday)\b|"
    r"vacation (reply|response)|abwesenheit|réponse automatique|"
    r"(การ)?ตอบกลับอัตโนมัติ|ข้อความตอบกลับอัตโนมัติ|ตอบรับอัตโนมัติ|ไม่อยู่(ที่)?สำนักงาน|"
    r"อยู่นอกสำนักงาน|auto:)",
    re.I,
)
_AUTO_BODY = re.compile(
    r"(i am|i'm|i will be) (currently )?(out of (the )?office|away from|on (annual )?(leave|vacation))|"
    r"this is an? auto(matic|mated)?[ -]?(reply|response|generated)|"
    r"(ข้อความ|อีเมล(นี้)?(เป็น)?|นี่คือ)(การ)?ตอบกลับอัตโนมัติ|ระบบตอบกลับอัตโนมัติ|"
    r"(ขณะนี้|ตอนนี้)(ข้าพเจ้า|ดิฉัน|ผม)?(ไม่อยู่(ที่)?สำนักงาน|อยู่ระหว่าง(การ)?ลา)",
    re.I,
)
_AUTO_BODY_MAX = 1_000
"""An out-of-office text is short and says so at once: longer mail, or mail that says it
further down ("sorry, I was out of the office"), is a person writing."""
_AUTO_BODY_HEAD = 300
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery (status notification|failure|failed|problem)|returned mail|"
    r"mail delivery (failed|system)|failure notice|mail failed|non-?delivery|ไม่สามารถส่ง)",
    re.I,
)
_RECEIPT_SUBJECT = re.compile(
    r"^\s*(read|not read|read receipt|return receipt|gelesen|lu|อ่านแล้ว|ยังไม่ได้อ่าน|"
    r"ใบตอบรับการอ่าน)\s*:",
    re.I,
)
_CALENDAR_SUBJECT = re.compile(
    r"^\s*(accepted|declined|tentative(ly accepted)?|ตอบรับ(แล้ว)?|ปฏิเสธ(แล้ว)?|ไม่แน่นอน)\s*:",
    re.I,
)
_CALENDAR_TYPES = ("text/calendar", "application/ics")
_REPORT_KINDS = {
    "delivery-status": MessageKind.BOUNCE,
    "disposition-notification": MessageKind.RECEIPT,
    "feedback-report": MessageKind.FEEDBACK,
}
_REPORT_PARTS = {
    "message/delivery-status": MessageKind.BOUNCE,
    "message/global-delivery-status": MessageKind.BOUNCE,
    "message/disposition-notification": MessageKind.RECEIPT,
    "message/global-disposition-notification": MessageKind.RECEIPT,
    "message/feedback-report": MessageKind.FEEDBACK,
}


def classify(mail: ParsedMail, *, own_addresses: frozenset[str]) -> Classification:
    kind, reason = _kind(mail, own_addresses)
    headers = mail.headers
    target = mail.from_address
    may_reply, why_not = True, ""
    if kind is not MessageKind.NORMAL:
        may_reply, why_not = False, reason
    elif target is None:
        may_reply, why_not = False, "no sender address"
    if may_reply and target is not None:
        suppress = headers.get("x-auto-response-suppress", "").lower()
        if any(word in suppress for word in ("all", "autoreply", "oof")):
            may_reply, why_not = False, f"X-Auto-Response-Suppress: {suppress}"
        elif mail.reply_to and _DAEMONS.match(mail.reply_to.split("@")[0] + "@"):
            may_reply, why_not = False, f"automatic Reply-To {mail.reply_to}"
    return Classification(
        kind=kind,
        may_reply=may_reply,
        reason=why_not if why_not else reason,
        reply_to=target if may_reply else None,
    )


def _kind(mail: ParsedMail, own_addresses: frozenset[str]) -> tuple[MessageKind, str]:
    report = _report_kind(mail)
    if report is not None:
        return report
    headers = mail.headers
    sender = (mail.from_address or "").split("@")[0]
    if headers.get("x-failed-recipients"):
        return MessageKind.BOUNCE, "non-delivery report (X-Failed-Recipients)"
    daemon = bool(_DAEMONS.match(sender + "@")) and not _NO_REPLY.match(sender + "@")
    if daemon or _DAEMON_NAMES.match(mail.from_name):
        return MessageKind.BOUNCE, f"from a mail system ({mail.from_address or mail.from_name})"
    if mail.from_address is None and _BOUNCE_SUBJECT.search(mail.subject):
        return MessageKind.BOUNCE, "non-delivery report without a sender"
    if "x-onep-inbox" in headers:
        return MessageKind.OWN, "mail generated by onep-inbox"
    if mail.from_address is not None and mail.from_address in own_addresses:
        return MessageKind.OWN, "our own address"
    calendar = _calendar(mail)
    if calendar is not None:
        return MessageKind.CALENDAR, calendar
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return MessageKind.AUTO_REPLY, f"Auto-Submitted: {auto}"
    for name in (
        "x-autoreply",
        "x-autorespond",
        "x-autogenerated",
        "x-autoresponse",
        "x-auto-reply",
    ):
        if name in headers:
            return MessageKind.AUTO_REPLY, f"{name} header"
    if _AUTO_SUBJECT.match(mail.subject):
        return MessageKind.AUTO_REPLY, "out-of-office subject"
    text = mail.text.strip()
    if not mail.parts and len(text) <= _AUTO_BODY_MAX and _AUTO_BODY.search(text[:_AUTO_BODY_HEAD]):
        return MessageKind.AUTO_REPLY, "out-of-office text"
    if not mail.parts and _RECEIPT_SUBJECT.match(mail.subject):
        return MessageKind.RECEIPT, "read receipt subject"
    if "return-path" in headers and headers["return-path"].strip() in ("<>", ""):
        return MessageKind.AUTO_REPLY, "empty Return-Path (RFC 3834)"
    if _NO_REPLY.match(sender + "@"):
        return MessageKind.AUTO_REPLY, f"automatic sender {mail.from_address}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return MessageKind.BULK, f"Precedence: {precedence}"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return MessageKind.BULK, "mailing list headers"
    return MessageKind.NORMAL, "from a person"


def _report_kind(mail: ParsedMail) -> tuple[MessageKind, str] | None:
    """A report (RFC 6522 ``multipart/report``, or a report part anywhere in the message's own
    tree): a bounce, a read receipt or a complaint, whatever its headers say."""
    ctype = mail.headers.get("content-type", "").lower()
    if ctype.startswith("multipart/report"):
        found = re.search(r"report-type\s*=\s*\"?([a-z-]+)", ctype)
        if found is not None and found.group(1) in _REPORT_KINDS:
            return _REPORT_KINDS[found.group(1)], f"multipart/report ({found.group(1)})"
    for part_type in mail.content_types:
        if part_type in _REPORT_PARTS:
            return _REPORT_PARTS[part_type], f"a {part_type} part"
    if ctype.startswith("multipart/report"):
        return MessageKind.BOUNCE, "multipart/report"
    return None


def _calendar(mail: ParsedMail) -> str | None:
    calendars = [p for p in mail.parts if p.content_type in _CALENDAR_TYPES]
    for part in calendars:
        head = part.data[:4096].upper()
        if b"METHOD:REPLY" in head or b"METHOD:COUNTER" in head:
            return "calendar reply (iTIP METHOD:REPLY)"
    if (calendars or "text/calendar" in mail.content_types) and _CALENDAR_SUBJECT.match(
        mail.subject
    ):
        return "calendar answer"
    return None
