"""Mail etiquette through the real pipeline (Maildir in, outbox out): who is answered, how, and
who is not.

Automatic mail of every class gets no answer (read receipts without Auto-Submitted, auto-replies
without any header, calendar answers, our own address), but a form inside automatic or bulk mail
is still read and goes to review; a second delivery of the same mail is known; a question in one
of our threads goes to staff, not to a robot; an address that cannot be answered is a recorded
reason, not a failure; files we cannot open and cloud links get their own answer; "no form"
answers carry the blank forms; answers go to From, to Reply-To only when the registry says both
are the same LAO's; a form whose sender fails DMARC for a registered domain waits for review.
"""

from __future__ import annotations

import email
import mailbox
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage as ModernMessage
from email.message import Message as EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.enums import MessageKind, Outcome, ReviewKind, SubmissionStatus
from ingest.maildir import MaildirSource
from ingest.pipeline import poll_once
from ingest.services import Services
from samples.registry import sample_rows
from storage.models import Message, OutboxMail, ReviewItem, Submission
from tests.support import embedded_services
from tests.test_loop_safety import form_mails

NOW = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    built = embedded_services(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", sample_rows(), NOW)
    yield built
    built.close()


@pytest.fixture
def deliver(services: Services, tmp_path: Path) -> Callable[..., None]:
    box = mailbox.Maildir(tmp_path / "maildir", create=True)

    def add(*raws: bytes) -> None:
        for raw in raws:
            box.add(raw)
        summary = poll_once(services, MaildirSource(tmp_path / "maildir"))
        assert summary.processed.failed == 0

    return add


def plain(headers: str, body: str = "ขอบคุณครับ") -> bytes:
    return f"{headers.strip()}\r\n\r\n{body}\r\n".encode()


def message(services: Services, header_id: str) -> Message:
    with services.sessions() as session:
        found = session.scalar(select(Message).where(Message.header_message_id == header_id))
        assert found is not None, header_id
        return found


def answers(services: Services, header_id: str) -> list[OutboxMail]:
    cause = message(services, header_id).id
    with services.sessions() as session:
        return list(session.scalars(select(OutboxMail).where(OutboxMail.cause_message_id == cause)))


READ_RECEIPT = plain(
    """
From: งานสารบรรณ <saraban_06730102@dla.go.th>
To: onep.uem@onep.go.th
Subject: อ่านแล้ว: แบบรายงานพื้นที่สีเขียว
Message-ID: <mdn-1@dla.go.th>
Date: Wed, 29 Sep 2021 09:10:00 +0700
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="b1"
""",
    """--b1
Content-Type: text/plain; charset=utf-8

ข้อความของท่านถูกเปิดอ่านแล้ว
--b1
Content-Type: message/disposition-notification

Reporting-UA: saraban.dla.go.th; Outlook
Final-Recipient: rfc822;saraban_06730102@dla.go.th
Original-Message-ID: <outbox-1.ack@onep.go.th>
Disposition: manual-action/MDN-sent-manually; displayed
--b1--""",
)
OUT_OF_OFFICE_TH = plain(
    """
From: นายสมศักดิ์ <somsak.k@gmail.com>
To: onep.uem@onep.go.th
Subject: ตอบกลับอัตโนมัติ: แบบรายงาน
Message-ID: <ooo-th@gmail.com>
Date: Wed, 29 Sep 2021 09:11:00 +0700
Content-Type: text/plain; charset=utf-8
""",
    "ขณะนี้ดิฉันไม่อยู่ที่สำนักงาน จะกลับมาวันที่ 4 ตุลาคม",
)
OUT_OF_OFFICE_EN = plain(
    """
From: Somsak <somsak.k@hotmail.com>
To: onep.uem@onep.go.th
Subject: Re: green space report
Message-ID: <ooo-en@hotmail.com>
Date: Wed, 29 Sep 2021 09:12:00 +0700
""",
    "Thank you for your email. I am currently out of the office until Monday.",
)
CALENDAR = plain(
    """
From: นางสาวพรทิพย์ <porntip@sao-bangkhaem.go.th>
To: onep.uem@onep.go.th
Subject: Accepted: ประชุมชี้แจงแบบรายงาน
Message-ID: <cal-1@sao-bangkhaem.go.th>
Date: Wed, 29 Sep 2021 09:13:00 +0700
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="c1"
""",
    """--c1
Content-Type: text/plain; charset=utf-8

ตอบรับการประชุม
--c1
Content-Type: text/calendar; method=REPLY; charset=utf-8

BEGIN:VCALENDAR
METHOD:REPLY
BEGIN:VEVENT
ATTENDEE;PARTSTAT=ACCEPTED:mailto:porntip@sao-bangkhaem.go.th
END:VEVENT
END:VCALENDAR
--c1--""",
)
OWN = plain(
    """
From: สผ. <onep.uem@onep.go.th>
To: onep.uem@onep.go.th
Subject: ทดสอบ
Message-ID: <own-1@onep.go.th>
Date: Wed, 29 Sep 2021 09:14:00 +0700
"""
)
RFC6532 = (
    "From: \u0e2a\u0e21\u0e0a\u0e32\u0e22 <\u0e2a\u0e21\u0e0a\u0e32\u0e22@\u0e15\u0e31\u0e27"
    "\u0e2d\u0e22\u0e48\u0e32\u0e07.\u0e44\u0e17\u0e22>\r\nTo: onep.uem@onep.go.th\r\n"
    "Subject: \u0e2a\u0e2d\u0e1a\u0e16\u0e32\u0e21\r\nMessage-ID: <utf8-1@example.th>\r\n"
    "Date: Wed, 29 Sep 2021 09:15:00 +0700\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n\u0e2a\u0e2d\u0e1a\u0e16\u0e32\u0e21\r\n"
).encode("utf-8")


def test_no_automatic_class_is_answered(services: Services, deliver: Callable[..., None]) -> None:
    deliver(READ_RECEIPT, OUT_OF_OFFICE_TH, OUT_OF_OFFICE_EN, CALENDAR, OWN)
    expected = {
        "<mdn-1@dla.go.th>": MessageKind.RECEIPT,
        "<ooo-th@gmail.com>": MessageKind.AUTO_REPLY,
        "<ooo-en@hotmail.com>": MessageKind.AUTO_REPLY,
        "<cal-1@sao-bangkhaem.go.th>": MessageKind.CALENDAR,
        "<own-1@onep.go.th>": MessageKind.OWN,
    }
    for header_id, kind in expected.items():
        found = message(services, header_id)
        assert (found.kind, found.outcome) == (kind, Outcome.AUTOMATIC), header_id
        assert answers(services, header_id) == [], header_id
        assert found.reply_note is not None
    with services.sessions() as session:
        assert session.scalar(select(func.count(ReviewItem.id))) == 0  # not questions either


def test_a_raw_utf8_address_is_a_reason_not_a_failure(
    services: Services, deliver: Callable[..., None]
) -> None:
    deliver(RFC6532)
    found = message(services, "<utf8-1@example.th>")
    assert found.state == "processed"
    assert found.outcome == Outcome.NO_FORM
    assert found.reply_note is not None
    assert "cannot be answered" in found.reply_note
    assert answers(services, "<utf8-1@example.th>") == []


def _set(mail: EmailMessage, name: str, value: str) -> EmailMessage:
    del mail[name]
    mail[name] = value
    return mail


def test_a_form_in_automatic_or_bulk_mail_is_read_for_review_and_not_answered(
    services: Services, deliver: Callable[..., None]
) -> None:
    bulk, auto = form_mails(2)
    _set(bulk, "List-Id", "<saraban.dla.go.th>")
    _set(auto, "Auto-Submitted", "auto-generated")
    deliver(bulk.as_bytes(), auto.as_bytes())
    for mail in (bulk, auto):
        header_id = str(mail["Message-ID"])
        found = message(services, header_id)
        assert found.outcome == Outcome.FORMS
        assert answers(services, header_id) == []
        with services.sessions() as session:
            (submission,) = session.scalars(
                select(Submission).where(Submission.message_id == found.id)
            )
            assert submission.status == SubmissionStatus.NEEDS_REVIEW
            assert "automatic_mail" in [p["code"] for p in submission.problems]
            assert submission.lao_code is not None  # read and identified all the same


def test_the_same_mail_delivered_twice_is_answered_once(
    services: Services, deliver: Callable[..., None]
) -> None:
    (mail,) = form_mails(1)
    first = b"Received: from mx1.dla.go.th by mail.onep.go.th; Wed, 29 Sep 2021 09:00:01 +0700\r\n"
    second = (
        b"Received: from mx2.dla.go.th by mail.onep.go.th; Wed, 29 Sep 2021 09:05:09 +0700\r\n"
        b"X-Spam-Score: 1.2\r\nDelivered-To: onep.uem@onep.go.th\r\n"
    )
    deliver(first + mail.as_bytes(), second + first + mail.as_bytes())
    with services.sessions() as session:
        rows = list(session.scalars(select(Message).order_by(Message.id)))
        assert [m.outcome for m in rows] == [Outcome.FORMS, Outcome.REDELIVERY]
        assert rows[0].sha256 != rows[1].sha256  # both stored, both findable
        assert session.scalar(select(func.count(Submission.id))) == 1
        assert session.scalar(select(func.count(OutboxMail.id))) == 1
    # a different mail (one word changed) is not a redelivery
    changed = mail.as_bytes().replace(b"Subject:", b"Subject: (2)", 1)
    deliver(first + changed)
    with services.sessions() as session:
        assert session.scalar(select(func.count(OutboxMail.id))) == 2


def test_a_question_in_our_thread_goes_to_staff_without_a_robot_answer(
    services: Services, deliver: Callable[..., None]
) -> None:
    (mail,) = form_mails(1)
    deliver(mail.as_bytes())
    (ack,) = answers(services, str(mail["Message-ID"]))
    assert ack.kind == "ack"
    question = plain(
        f"""
From: {mail["From"]}
To: onep.uem@onep.go.th
Subject: Re: {ack.subject}
Message-ID: <question-1@dla.go.th>
In-Reply-To: {ack.header_message_id}
References: {mail["Message-ID"]} {ack.header_message_id}
Date: Wed, 29 Sep 2021 10:00:00 +0700
Content-Type: text/plain; charset=utf-8
""",
        "ขอสอบถามว่าต้องส่งเอกสารประกอบเพิ่มเติมหรือไม่คะ",
    )
    citing = plain(
        f"""
From: {mail["From"]}
To: onep.uem@onep.go.th
Subject: สอบถามเลขที่รับ
Message-ID: <question-2@dla.go.th>
Date: Wed, 29 Sep 2021 10:01:00 +0700
Content-Type: text/plain; charset=utf-8
""",
        f"รายงานเลขที่ {ack.subject.rpartition('[')[2].strip(']')} ต้องแก้ไขหรือไม่",
    )
    deliver(question, citing)
    for header_id in ("<question-1@dla.go.th>", "<question-2@dla.go.th>"):
        found = message(services, header_id)
        assert found.outcome == Outcome.NO_FORM
        assert answers(services, header_id) == [], header_id
        assert "question" in (found.reply_note or "")
        with services.sessions() as session:
            kinds = list(
                session.scalars(select(ReviewItem.kind).where(ReviewItem.message_id == found.id))
            )
        assert kinds == [ReviewKind.QUESTION]


def test_answers_go_to_from_unless_reply_to_is_the_same_laos(
    services: Services, deliver: Callable[..., None]
) -> None:
    forged, own = form_mails(2)
    _set(forged, "Reply-To", "victim@example.com")
    registered = {row.lao_code: row.emails for row in sample_rows()}
    sender = email.utils.parseaddr(str(own["From"]))[1].lower()
    code = next(c for c, emails in registered.items() if sender in emails)
    others = [a for a in registered[code] if a != sender]
    if others:
        _set(own, "Reply-To", others[0])
    deliver(forged.as_bytes(), own.as_bytes())
    (to_forged,) = answers(services, str(forged["Message-ID"]))
    assert to_forged.to_address == email.utils.parseaddr(str(forged["From"]))[1].lower()
    (to_own,) = answers(services, str(own["Message-ID"]))
    assert to_own.to_address == (others[0] if others else sender)


def test_files_we_cannot_open_and_links_get_a_precise_answer_with_the_blank_forms(
    services: Services, deliver: Callable[..., None]
) -> None:
    rar = ModernMessage()
    rar["From"] = "กองช่าง <kongchang@sao-example.go.th>"
    rar["To"] = "onep.uem@onep.go.th"
    rar["Subject"] = "ส่งรายงาน"
    rar["Message-ID"] = "<rar-1@sao-example.go.th>"
    rar["Date"] = "Wed, 29 Sep 2021 11:00:00 +0700"
    rar.set_content("ส่งไฟล์รายงานตามแนบค่ะ")
    rar.add_attachment(
        b"Rar!\x1a\x07\x01\x00" + bytes(200),
        maintype="application",
        subtype="x-rar-compressed",
        filename="รายงาน.rar",
    )
    link = plain(
        """
From: นายเอก <ek@sao-example.go.th>
To: onep.uem@onep.go.th
Subject: แบบรายงาน
Message-ID: <link-1@sao-example.go.th>
Date: Wed, 29 Sep 2021 11:01:00 +0700
Content-Type: text/plain; charset=utf-8
""",
        "ดาวน์โหลดได้ที่ https://drive.google.com/file/d/1AbCdEf/view?usp=sharing ครับ",
    )
    nothing = plain(
        """
From: นายโท <tho@sao-example.go.th>
To: onep.uem@onep.go.th
Subject: สวัสดีครับ
Message-ID: <nothing-1@sao-example.go.th>
Date: Wed, 29 Sep 2021 11:02:00 +0700
Content-Type: text/plain; charset=utf-8
""",
        "สวัสดีครับ",
    )
    deliver(rar.as_bytes(), link, nothing)
    found = message(services, "<rar-1@sao-example.go.th>")
    assert found.outcome == Outcome.UNSUPPORTED
    with services.sessions() as session:  # staff see it too: the file may be the form
        (item,) = session.scalars(select(ReviewItem).where(ReviewItem.message_id == found.id))
    assert item.kind == ReviewKind.QUESTION
    assert "รายงาน.rar" in item.reason
    for header_id, kind, says in (
        ("<rar-1@sao-example.go.th>", "unsupported", ".rar"),
        ("<link-1@sao-example.go.th>", "unsupported", "drive.google.com"),
        ("<nothing-1@sao-example.go.th>", "no-form", "ไม่พบแบบรายงาน"),
    ):
        (answer,) = answers(services, header_id)
        assert answer.kind == kind, header_id
        sent = email.message_from_bytes(answer.raw)
        text = next(
            p.get_payload(decode=True).decode()  # type: ignore[union-attr]
            for p in sent.walk()
            if p.get_content_type() == "text/plain"
        )
        assert says in text + answer.subject, header_id
        names = sorted(p.get_filename() or "" for p in sent.walk() if p.get_filename())
        assert [n.rpartition(".")[2] for n in names] == ["docx", "xlsx"], header_id


def test_a_form_failing_dmarc_for_a_registered_domain_waits_for_review(
    services: Services, deliver: Callable[..., None]
) -> None:
    failing, passing = form_mails(2)
    raws = []
    for mail, verdict in ((failing, "fail"), (passing, "pass")):
        domain = email.utils.parseaddr(str(mail["From"]))[1].rpartition("@")[2]
        trace = (
            f"Authentication-Results: mail.onep.go.th; spf=pass smtp.mailfrom={domain};"
            f" dkim=none; dmarc={verdict} (p=none) header.from={domain}\r\n"
            # further down, a header the sender wrote itself: not believed
            f"Authentication-Results: mail.onep.go.th; dmarc=pass header.from={domain}\r\n"
        )
        raws.append(trace.encode() + mail.as_bytes())
    deliver(*raws)
    for mail, verdict in ((failing, "fail"), (passing, "pass")):
        found = message(services, str(mail["Message-ID"]))
        assert found.auth is not None
        assert found.auth["dmarc"] == verdict
        with services.sessions() as session:
            (submission,) = session.scalars(
                select(Submission).where(Submission.message_id == found.id)
            )
        codes = [p["code"] for p in submission.problems]
        assert ("dmarc_fail" in codes) == (verdict == "fail")
        if verdict == "fail":
            assert submission.status == SubmissionStatus.NEEDS_REVIEW


def test_a_re_read_after_a_parser_change_updates_the_same_submission(
    services: Services, deliver: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    import parsers
    from ingest.pipeline import process_message

    (mail,) = form_mails(1)
    deliver(mail.as_bytes())
    found = message(services, str(mail["Message-ID"]))
    with services.sessions() as session:
        (before,) = session.scalars(select(Submission))
    assert before.slot == "pos:1"

    read = parsers.read_attachment

    def changed_parser(data: bytes, **kwargs: object) -> parsers.ReadResult:
        result = read(data, **kwargs)  # type: ignore[arg-type]
        if isinstance(result, parsers.FormReading):
            fields = dict(result.fields)
            fields["lao_name"] = "ชื่อที่อ่านได้ต่างไป " + str(fields.get("lao_name"))
            return parsers.FormReading(
                result.form_version,
                result.format,
                fields,
                result.provenance,
                result.problems,
                result.confidence,
                result.labels_found,
            )
        return result

    monkeypatch.setattr(parsers, "read_attachment", changed_parser)
    assert process_message(services, found.id) != "failed"
    with services.sessions() as session:
        (middle,) = session.scalars(select(Submission))
        told_again = (middle.status, middle.lao_code) != (before.status, before.lao_code)
        assert session.scalar(select(func.count(OutboxMail.id))) == 1 + told_again
    # rows of earlier versions carried the LAO name as read: found by their file all the same
    with services.sessions() as session, session.begin():
        (row,) = session.scalars(select(Submission))
        row.slot = "form:เทศบาลตำบลตัวอย่าง|นครปฐม"
    monkeypatch.setattr(parsers, "read_attachment", read)
    assert process_message(services, found.id) != "failed"
    with services.sessions() as session:
        (after,) = session.scalars(select(Submission))
        assert (after.id, after.receipt_no, after.slot) == (before.id, before.receipt_no, "pos:1")
        assert after.reading_no == 3
        # back to the first reading: what the LAO was first told, so nothing more is sent
        assert session.scalar(select(func.count(OutboxMail.id))) == 1 + told_again


@pytest.mark.parametrize(
    ("body", "automatic"),
    [
        ("ขณะนี้ดิฉันไม่อยู่ที่สำนักงาน จะกลับมาปฏิบัติงานวันที่ 4 ต.ค. 2564", True),
        ("ตอนนี้ผมอยู่ระหว่างการลาพักผ่อน", True),
        ("I'm on annual leave and will reply when I am back.", True),
        ("ขอโทษที่ตอบช้า เพราะไม่อยู่สำนักงานหลายวัน ขอสอบถามเรื่องแบบฟอร์มค่ะ", False),
        ("Sorry, I was out of the office last week. Which form do we use?", False),
    ],
)
def test_an_out_of_office_text_without_headers_is_told_from_a_person(
    body: str, automatic: bool
) -> None:
    from ingest import mime
    from ingest.classify import classify

    raw = plain(
        """
From: officer@sao-example.go.th
To: onep.uem@onep.go.th
Subject: Re: แบบรายงาน
Content-Type: text/plain; charset=utf-8
""",
        body,
    )
    verdict = classify(mime.parse(raw), own_addresses=frozenset({"onep.uem@onep.go.th"}))
    assert (verdict.kind is MessageKind.AUTO_REPLY) == automatic
    assert verdict.may_reply != automatic


def _tnef(name: str, data: bytes) -> bytes:
    """A winmail.dat as Outlook writes one attachment: render data, title, data ([MS-OXTNEF])."""

    def attribute(attribute_id: int, value: bytes) -> bytes:
        checksum = sum(value) & 0xFFFF
        return (
            b"\x02"
            + attribute_id.to_bytes(4, "little")
            + len(value).to_bytes(4, "little")
            + value
            + checksum.to_bytes(2, "little")
        )

    return (
        b"\x78\x9f\x3e\x22\x01\x00"
        + attribute(0x00069002, bytes(14))
        + attribute(0x00018010, name.encode() + b"\x00")
        + attribute(0x0006800F, data)
    )


def test_a_form_inside_winmail_dat_is_read_and_acknowledged(
    services: Services, deliver: Callable[..., None]
) -> None:
    (mail,) = form_mails(1)
    form = next(
        part for part in mail.walk() if (part.get_filename() or "").lower().endswith(".xlsx")
    )
    data = form.get_payload(decode=True)
    assert isinstance(data, bytes)
    outlook = ModernMessage()
    for name in ("From", "To", "Subject", "Date"):
        outlook[name] = str(mail[name])
    outlook["Message-ID"] = "<tnef-1@dla.go.th>"
    outlook.set_content("ส่งแบบรายงานค่ะ")
    outlook.add_attachment(
        _tnef("GREEN~1.XLS", data),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    deliver(outlook.as_bytes())
    found = message(services, "<tnef-1@dla.go.th>")
    assert found.outcome == Outcome.FORMS
    (ack,) = answers(services, "<tnef-1@dla.go.th>")
    assert ack.kind == "ack"
