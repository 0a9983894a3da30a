"""SYNTHETIC sample mail: what the onep.uem@onep.go.th inbox looked like around the deadline.

For the demo, the end-to-end tests and the benchmarks. Never imported by the pipeline. Builds
realistic messages from the sample registry: forms from the official saraban address and from an
officer's webmail, forwards by a provincial office (สถจ.), forms inside a zip, cover letters and
activity photos beside the form, a question with no form, an out-of-office reply, a bounce, the
same file sent twice, a corrected resubmission, a corrupt file, a windows-874 subject.
"""

from __future__ import annotations

import email.encoders
import email.header
import email.utils
import io
import random
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP
from pathlib import Path
from typing import Any

from samples import forms
from storage.registry import RegistryRow

POLICY = SMTP.clone(max_line_length=998)
INBOX = "onep.uem@onep.go.th"
SUBJECTS = (
    "ส่งแบบรายงานผลการดำเนินงานตามแนวทางปฏิบัติงานเพื่อขับเคลื่อนการจัดการพื้นที่สีเขียวอย่างยั่งยืน {name}",
    "แบบรายงานพื้นที่สีเขียว {name}",
    "ส่งแบบรายงาน พื้นที่สีเขียว ปี 2564 ({name})",
    "{name} ส่งแบบรายงานผลการดำเนินงานฯ",
)
WEBMAIL = ("gmail.com", "hotmail.com", "yahoo.com", "outlook.co.th")
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True, slots=True)
class SampleMail:
    raw: bytes
    scenario: str
    lao_code: str | None
    """The LAO whose form this carries (None: no form)."""
    internal_date: datetime


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF cover letter (ASCII text layer; a stand-in for หนังสือนำส่ง)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _tiny_jpeg(rng: random.Random) -> bytes:
    """Bytes that start like a JPEG photo (a stand-in for an activity photo)."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(2048) + b"\xff\xd9"


def _attach(msg: MIMEMultipart, data: bytes, filename: str, maintype: str, subtype: str) -> None:
    part = MIMEBase(maintype, subtype, policy=POLICY)
    part.set_payload(data)
    email.encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
    msg.attach(part)


def _envelope(
    msg: MIMEMultipart | MIMEText,
    *,
    sender: str,
    name: str,
    subject: str,
    when: datetime,
    rng: random.Random,
) -> None:
    msg["From"] = email.utils.formataddr((name, sender))
    msg["To"] = INBOX
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(when)
    msg["Message-ID"] = f"<{rng.getrandbits(64):016x}@{sender.split('@')[1]}>"
    msg["Received"] = (
        f"from mail.{sender.split('@')[1]} by mx.onep.go.th; {email.utils.format_datetime(when)}"
    )


def _form(
    rng: random.Random, lao: RegistryRow, layout: str | None = None, **changes: Any
) -> tuple[dict[str, Any], bytes]:
    truth = forms.registry_truth(rng, lao, lao_code=lao.lao_code if rng.random() < 0.6 else None)
    truth.update(changes)
    chosen = layout or rng.choice(forms.LAYOUTS)
    return truth, forms.fill_xlsx(truth, layout=chosen, rng=rng)


def _officer(rng: random.Random) -> str:
    return rng.choice(("นายสมชาย ใจดี", "นางสาวสุภาพร แก้วมณี", "นางวันเพ็ญ ศรีสุข", "นายประเสริฐ บุญมา"))


def generate(registry: Sequence[RegistryRow], count: int, *, seed: int = 2564) -> list[SampleMail]:
    """``count`` messages, deterministic for a seed, dated in the week before the deadline."""
    rng = random.Random(seed)
    laos = [r for r in registry if r.lao_type not in ("provincial_office",) and r.emails]
    offices = {r.province: r for r in registry if r.lao_type == "provincial_office" and r.emails}
    start = datetime(2021, 9, 22, 2, 0, tzinfo=UTC)
    mails: list[SampleMail] = []
    sent_files: list[tuple[RegistryRow, bytes]] = []
    scenarios = _scenario_cycle(count)
    for index, scenario in enumerate(scenarios):
        when = start + timedelta(minutes=int(index * 14400 / max(count, 1)) + rng.randint(0, 5))
        lao = rng.choice(laos)
        mail = _make(rng, scenario, lao, when, offices, sent_files)
        mails.append(mail)
    return mails


def _scenario_cycle(count: int) -> list[str]:
    special = [
        "webmail",
        "forwarded",
        "zip",
        "cover_and_photo",
        "question",
        "auto_reply",
        "bounce",
        "duplicate",
        "resubmission",
        "corrupt",
        "windows874",
        "problems",
    ]
    cycle: list[str] = []
    while len(cycle) < count:
        cycle.extend(["saraban", "saraban", "saraban"])
        if special:
            cycle.append(special.pop(0))
    return cycle[:count]


def _make(
    rng: random.Random,
    scenario: str,
    lao: RegistryRow,
    when: datetime,
    offices: dict[str, RegistryRow],
    sent_files: list[tuple[RegistryRow, bytes]],
) -> SampleMail:
    officer = _officer(rng)
    subject = rng.choice(SUBJECTS).format(name=lao.name)
    sender = lao.emails[0]
    body = f"เรียน สผ.\n\n{lao.name} ขอส่งแบบรายงานผลการดำเนินงานฯ ตามที่แนบมา\n\nจึงเรียนมาเพื่อโปรดทราบ\n{officer}\n"
    msg = MIMEMultipart(policy=POLICY)
    msg.attach(MIMEText(body, "plain", "utf-8", policy=POLICY))
    code: str | None = lao.lao_code

    if scenario in ("saraban", "webmail", "windows874", "problems", "resubmission"):
        changes: dict[str, Any] = {}
        if scenario == "problems":
            changes = {"green_total_area_m2": 999999.0}
        _, data = _form(rng, lao, **changes)
        sent_files.append((lao, data))
        _attach(msg, data, f"แบบรายงาน{lao.name}.xlsx", *XLSX_TYPE)
        if scenario == "webmail":
            sender = f"{rng.choice(('somchai', 'green', 'kongchang', 'saraban'))}{rng.randint(1, 999)}@{rng.choice(WEBMAIL)}"
    elif scenario == "zip":
        _, data = _form(rng, lao)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("แบบรายงาน.xlsx", data)
            archive.writestr("หนังสือนำส่ง.pdf", _tiny_pdf("Cover letter"))
        _attach(msg, buffer.getvalue(), "รายงานพื้นที่สีเขียว.zip", "application", "zip")
    elif scenario == "cover_and_photo":
        _, data = _form(rng, lao)
        _attach(msg, _tiny_pdf("Cover letter"), "หนังสือนำส่ง.pdf", "application", "pdf")
        _attach(msg, data, "green-area-report.xlsx", *XLSX_TYPE)
        _attach(msg, _tiny_jpeg(rng), "กิจกรรมปลูกต้นไม้.jpg", "image", "jpeg")
    elif scenario == "forwarded":
        office = offices.get(lao.province)
        _, data = _form(rng, lao)
        inner = MIMEMultipart(policy=POLICY)
        inner.attach(MIMEText(body, "plain", "utf-8", policy=POLICY))
        _attach(inner, data, "แบบรายงาน.xlsx", *XLSX_TYPE)
        _envelope(
            inner,
            sender=lao.emails[0],
            name=lao.name,
            subject=subject,
            when=when - timedelta(days=1),
            rng=rng,
        )
        msg = MIMEMultipart(policy=POLICY)
        msg.attach(
            MIMEText(
                f"เรียน สผ.\n\nสถจ. ขอส่งต่อแบบรายงานของ {lao.name}\n", "plain", "utf-8", policy=POLICY
            )
        )
        msg.attach(MIMEMessage(inner, policy=POLICY))
        if office is not None:
            sender = office.emails[0]
            subject = f"Fw: {subject}"
    elif scenario == "question":
        msg = MIMEMultipart(policy=POLICY)
        msg.attach(
            MIMEText(
                f"เรียน สผ.\n\nขอสอบถามว่าแบบรายงานต้องส่งเป็นไฟล์ Excel เท่านั้นหรือไม่ และส่งหลังวันที่ 30 ก.ย. ได้หรือไม่\n\n{officer}\n{lao.name}\n",
                "plain",
                "utf-8",
                policy=POLICY,
            )
        )
        subject = "สอบถามเรื่องการส่งแบบรายงานพื้นที่สีเขียว"
        code = None
    elif scenario == "auto_reply":
        msg = MIMEMultipart(policy=POLICY)
        msg.attach(MIMEText("ขณะนี้ไม่อยู่ที่สำนักงาน จะติดต่อกลับโดยเร็ว", "plain", "utf-8", policy=POLICY))
        msg["Auto-Submitted"] = "auto-replied"
        subject = "ตอบกลับอัตโนมัติ: แจ้งเตือนการส่งแบบรายงาน"
        code = None
    elif scenario == "bounce":
        return SampleMail(_bounce(rng, when), scenario, None, when)
    elif scenario == "duplicate":
        if sent_files:
            lao, data = sent_files[0]
            sender = lao.emails[0]
            subject = f"ส่งซ้ำ {lao.name}"
        else:
            _, data = _form(rng, lao)
        _attach(msg, data, "แบบรายงาน.xlsx", *XLSX_TYPE)
        code = lao.lao_code
    elif scenario == "corrupt":
        _attach(msg, b"PK\x03\x04" + rng.randbytes(600), "แบบรายงาน.xlsx", *XLSX_TYPE)
    if scenario == "resubmission" and sent_files:
        lao = sent_files[0][0]
        _, data = _form(rng, lao)
        msg = MIMEMultipart(policy=POLICY)
        msg.attach(
            MIMEText(
                f"เรียน สผ.\n\nขอส่งแบบรายงานฉบับแก้ไขแทนฉบับเดิม\n{lao.name}\n",
                "plain",
                "utf-8",
                policy=POLICY,
            )
        )
        _attach(msg, data, "แบบรายงาน-แก้ไข.xlsx", *XLSX_TYPE)
        sender, code, subject = lao.emails[0], lao.lao_code, f"ฉบับแก้ไข {lao.name}"
    _envelope(
        msg,
        sender=sender,
        name=officer if "@" in sender else lao.name,
        subject=subject,
        when=when,
        rng=rng,
    )
    raw = msg.as_bytes(policy=SMTP.clone(max_line_length=998))
    if scenario == "windows874":
        encoded = email.header.Header(subject, "cp874").encode().replace("cp874", "windows-874")
        raw = _replace_subject(raw, encoded)
    return SampleMail(raw, scenario, code, when)


def _replace_subject(raw: bytes, encoded: str) -> bytes:
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    out: list[bytes] = []
    skipping = False
    for line in lines:
        if line.lower().startswith(b"subject:"):
            out.append(b"Subject: " + encoded.encode("ascii"))
            skipping = True
            continue
        if skipping and line[:1] in (b" ", b"\t"):
            continue
        skipping = False
        out.append(line)
    return b"\r\n".join(out) + sep + body


def _bounce(rng: random.Random, when: datetime) -> bytes:
    """A delivery status notification (RFC 3464) as Postfix writes one."""
    boundary = f"{rng.getrandbits(48):012x}.mx.onep.go.th"
    return (
        "From: MAILER-DAEMON@mx.onep.go.th (Mail Delivery System)\r\n"
        f"To: {INBOX}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {email.utils.format_datetime(when)}\r\n"
        f"Message-ID: <{rng.getrandbits(64):016x}@mx.onep.go.th>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.onep.go.th.\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.onep.go.th\r\n\r\n"
        "Final-Recipient: rfc822; saraban_06999999@dla.go.th\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--{boundary}--\r\n"
    ).encode("ascii")


def write_maildir(path: Path, mails: Sequence[SampleMail]) -> None:
    import mailbox

    box = mailbox.Maildir(path, create=True)
    for mail in mails:
        box.add(mail.raw)


def iter_raw(mails: Sequence[SampleMail]) -> Iterator[bytes]:
    for mail in mails:
        yield mail.raw
