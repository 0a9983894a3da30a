"""Stages *classify* and *extract*: MIME trees, Thai headers, forwards, zips, loop safety."""

from __future__ import annotations

import email.header
import io
import zipfile
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP

import pytest

from core.config import LimitsConfig
from core.enums import MessageKind
from ingest import attachments, mime
from ingest.classify import classify

OWN = frozenset({"onep.uem@onep.go.th"})
THAI_SUBJECT = "ส่งแบบรายงานผลการดำเนินงานตามแนวทางปฏิบัติงานเพื่อขับเคลื่อนการจัดการพื้นที่สีเขียวอย่างยั่งยืน องค์การบริหารส่วนตำบลแม่ใส"


POLICY = SMTP.clone(max_line_length=998)


def _mail(**headers: str) -> MIMEMultipart:
    msg = MIMEMultipart(policy=POLICY)
    msg.attach(MIMEText("เรียน สผ. ส่งแบบรายงานตามที่แนบ", "plain", "utf-8", policy=POLICY))
    msg["From"] = headers.pop("From", "อบต.แม่ใส <saraban_06560115@dla.go.th>")
    msg["To"] = "onep.uem@onep.go.th"
    msg["Subject"] = headers.pop("Subject", THAI_SUBJECT)
    msg["Message-ID"] = "<abc@dla.go.th>"
    msg["Date"] = "Tue, 28 Sep 2021 10:15:00 +0700"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


def _file(
    msg: MIMEMultipart, data: bytes, name: str, ctype: str = "application/octet-stream"
) -> None:
    maintype, subtype = ctype.split("/")
    part = MIMEBase(maintype, subtype, policy=POLICY)
    part.set_payload(data)
    email.encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    msg.attach(part)


def test_thai_subject_sender_and_attachment_names() -> None:
    msg = _mail()
    _file(msg, b"data", "แบบรายงาน อบต.แม่ใส.xlsx")
    parsed = mime.parse(msg.as_bytes(policy=SMTP))
    assert parsed.subject == THAI_SUBJECT
    assert parsed.from_address == "saraban_06560115@dla.go.th"
    assert parsed.from_name == "อบต.แม่ใส"
    assert parsed.message_id == "<abc@dla.go.th>"
    assert parsed.text.startswith("เรียน สผ.")
    assert [(p.filename, p.data) for p in parsed.parts] == [("แบบรายงาน อบต.แม่ใส.xlsx", b"data")]


@pytest.mark.parametrize("charset", ["windows-874", "x-windows-874", "tis-620", "iso-8859-11"])
def test_legacy_thai_charsets_decode(charset: str) -> None:
    encoded = email.header.Header("แบบรายงานพื้นที่สีเขียว", "cp874").encode().replace("cp874", charset)
    raw = f"From: a@b.th\r\nSubject: {encoded}\r\n\r\nbody\r\n".encode("ascii")
    assert mime.parse(raw).subject == "แบบรายงานพื้นที่สีเขียว"


def test_forwarded_message_is_part_of_the_outer_one() -> None:
    inner = _mail(From="อบต.แม่ใส <officer@gmail.com>")
    _file(inner, b"form-bytes", "form.xlsx")
    outer = _mail(From="สถจ. <p56@dla.go.th>", Subject="Fw: แบบรายงาน")
    outer.attach(MIMEMessage(inner))
    parsed = mime.parse(outer.as_bytes(policy=SMTP))
    assert [f.from_address for f in parsed.forwarded] == ["officer@gmail.com"]
    assert [(p.part_path, p.filename) for p in parsed.parts] == [("2.2", "form.xlsx")]


def test_inline_images_are_kept_as_files() -> None:
    msg = _mail()
    image = MIMEBase("image", "jpeg")
    image.set_payload(b"\xff\xd8\xff")
    image.add_header("Content-Disposition", "inline")
    msg.attach(image)
    parsed = mime.parse(msg.as_bytes())
    assert len(parsed.parts) == 1
    assert parsed.parts[0].inline


def test_message_without_any_headers_or_body_does_not_crash() -> None:
    parsed = mime.parse(b"")
    assert parsed.from_address is None
    assert parsed.parts == ()
    parsed = mime.parse(b"\x00\xff garbage \r\n\r\n\x00")
    assert parsed.subject == ""


@pytest.mark.parametrize(
    ("headers", "kind", "may_reply"),
    [
        ({}, MessageKind.NORMAL, True),
        ({"Auto_Submitted": "auto-replied"}, MessageKind.AUTO_REPLY, False),
        ({"Auto_Submitted": "no"}, MessageKind.NORMAL, True),
        ({"Precedence": "bulk"}, MessageKind.BULK, False),
        ({"List_Id": "<green.lists.example>"}, MessageKind.BULK, False),
        ({"X_Autoreply": "yes"}, MessageKind.AUTO_REPLY, False),
        ({"Subject": "ตอบกลับอัตโนมัติ: แบบรายงาน"}, MessageKind.AUTO_REPLY, False),
        ({"Subject": "Automatic reply: report"}, MessageKind.AUTO_REPLY, False),
        ({"X_Auto_Response_Suppress": "All"}, MessageKind.NORMAL, False),
        ({"Return_Path": "<>"}, MessageKind.AUTO_REPLY, False),
        (
            {"From": "MAILER-DAEMON@mx.example.th", "Subject": "Undelivered Mail"},
            MessageKind.BOUNCE,
            False,
        ),
        ({"From": "noreply@example.th"}, MessageKind.AUTO_REPLY, False),
        (
            {"From": "MAILER-DAEMON@mx.example.th", "Subject": "Delivery failure"},
            MessageKind.BOUNCE,
            False,
        ),
        ({"From": "Mail Delivery System <mds@mx.example.th>"}, MessageKind.BOUNCE, False),
        ({"Reply_To": "no-reply@example.th"}, MessageKind.NORMAL, False),
        ({"From": "onep.uem@onep.go.th"}, MessageKind.OWN, False),
        ({"X_Onep_Inbox": "ack"}, MessageKind.OWN, False),
        ({"Subject": "Read: report"}, MessageKind.RECEIPT, False),
        ({"Subject": "อ่านแล้ว: แบบรายงาน"}, MessageKind.RECEIPT, False),
    ],
)
def test_classification_and_loop_guard(
    headers: dict[str, str], kind: MessageKind, may_reply: bool
) -> None:
    parsed = mime.parse(_mail(**headers).as_bytes())
    result = classify(parsed, own_addresses=OWN)
    assert (result.kind, result.may_reply) == (kind, may_reply), result.reason


DSN = b"""From: Mail Delivery System <MAILER-DAEMON@mx.example.th>
To: onep.uem@onep.go.th
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

could not deliver
--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.th

Final-Recipient: rfc822; x@y.th
Action: failed
Status: 5.1.1
--b1--
"""


def test_dsn_is_a_bounce() -> None:
    result = classify(mime.parse(DSN), own_addresses=OWN)
    assert result.kind is MessageKind.BOUNCE
    assert not result.may_reply


def test_an_answer_goes_to_from_not_reply_to() -> None:
    # Reply-To is used only when the registry holds it for the same LAO as From: the *queue
    # reply* stage decides that (tests/test_etiquette.py); classification names From
    parsed = mime.parse(_mail(Reply_To="officer@gmail.com").as_bytes())
    assert classify(parsed, own_addresses=OWN).reply_to == "saraban_06560115@dla.go.th"


def _zip(members: dict[str, bytes], *, utf8_names: bool = True) -> bytes:
    """A zip; with ``utf8_names=False`` Thai names are cp874 bytes with no UTF-8 flag, as
    Windows' built-in zip writes them (placeholders of the same length, patched afterwards)."""
    buffer = io.BytesIO()
    patches: list[tuple[bytes, bytes]] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members.items()):
            if not utf8_names:
                encoded = name.encode("cp874")
                placeholder = f"~{index}".ljust(len(encoded), "~").encode("ascii")
                patches.append((placeholder, encoded))
                name = placeholder.decode("ascii")
            archive.writestr(name, data)
    raw = buffer.getvalue()
    for placeholder, encoded in patches:
        raw = raw.replace(placeholder, encoded)
    return raw


def test_zip_members_are_listed_and_thai_cp874_names_decoded() -> None:
    data = _zip(
        {"แบบรายงาน.xlsx": b"x" * 10, "ซ้อน.zip": _zip({"ใน.txt": b"inner"})}, utf8_names=False
    )
    part = mime.Part("2", "reports.zip", "application/zip", data, inline=False)
    items = attachments.expand([part], LimitsConfig())
    names = [(i.part_path, i.filename, i.problem) for i in items]
    assert ("2!แบบรายงาน.xlsx", "แบบรายงาน.xlsx", None) in names
    assert ("2!ซ้อน.zip!ใน.txt", "ใน.txt", None) in names


def test_zip_bomb_gives_a_problem_not_a_crash() -> None:
    bomb = _zip({"big.bin": b"\0" * 5_000_000})
    part = mime.Part("2", "bomb.zip", "application/zip", bomb, inline=False)
    items = attachments.expand([part], LimitsConfig(zip_max_ratio=100))
    problems = [i.problem for i in items if i.problem]
    assert problems
    assert "zip" in problems[0]
    assert all(len(i.data) < 100_000 for i in items)


def test_deep_zip_nesting_is_bounded() -> None:
    data = b"leaf"
    for level in range(8):
        data = _zip({f"level{level}.zip" if level else "leaf.txt": data})
    part = mime.Part("2", "deep.zip", "application/zip", data, inline=False)
    items = attachments.expand([part], LimitsConfig(max_nesting=3))
    assert any(i.problem and "ซ้อน" in i.problem for i in items)


def test_corrupt_zip_is_reported() -> None:
    part = mime.Part("2", "x.zip", "application/zip", b"PK\x03\x04garbage", inline=False)
    items = attachments.expand([part], LimitsConfig())
    assert any(i.problem for i in items)
