"""Loop safety (RFC 3834) and threading, through the real pipeline (Maildir in, outbox out).

Every message below carries a real report form from an LAO's address, so a person sending it
would be answered (the control case is); each automatic marker alone must keep us silent:
Auto-Submitted, Precedence bulk/junk/list, List-Id, MAILER-DAEMON or no-reply senders, an empty
Return-Path, X-Auto-Response-Suppress, an out-of-office subject, our own address, and our own
mail coming back. Then: a reply to our acknowledgement is linked to its submission, by
In-Reply-To/References or by the receipt number in the subject.
"""

from __future__ import annotations

import base64
import email
import mailbox
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import Message as EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest import mime
from ingest.classify import classify
from ingest.link import linked_submission
from ingest.maildir import MaildirSource
from ingest.pipeline import poll_once
from ingest.services import Services
from outbound.compose import compose
from samples import mailbox as sample_mailbox
from samples.registry import sample_rows
from storage.models import Message, OutboxMail, Submission
from tests.support import embedded_services

NOW = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)


def _set(name: str, value: str) -> Callable[[EmailMessage], None]:
    def change(message: EmailMessage) -> None:
        del message[name]
        message[name] = value

    return change


AUTOMATIC: dict[str, Callable[[EmailMessage], None]] = {
    "auto-submitted auto-replied": _set("Auto-Submitted", "auto-replied"),
    "auto-submitted auto-generated": _set("Auto-Submitted", "auto-generated"),
    "precedence bulk": _set("Precedence", "bulk"),
    "precedence junk": _set("Precedence", "junk"),
    "precedence list": _set("Precedence", "list"),
    "list-id": _set("List-Id", "<lao-news.dla.go.th>"),
    "mailer-daemon": _set("From", "Mail Delivery System <MAILER-DAEMON@mx.dla.go.th>"),
    "postmaster": _set("From", "postmaster@samkhwaiphueak.go.th"),
    "no-reply via reply-to": _set("Reply-To", "no-reply@dla.go.th"),
    "empty return-path": _set("Return-Path", "<>"),
    "x-auto-response-suppress all": _set("X-Auto-Response-Suppress", "All"),
    "x-auto-response-suppress oof": _set("X-Auto-Response-Suppress", "DR, OOF, AutoReply"),
    "out-of-office subject": _set("Subject", "ตอบกลับอัตโนมัติ: ไม่อยู่ที่สำนักงาน"),
    "our own address": _set("From", "onep.uem@onep.go.th"),
    "our own mail": _set("X-Onep-Inbox", "ack"),
}


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    built = embedded_services(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", sample_rows(), NOW)
    yield built
    built.close()


def form_mails(count: int) -> list[EmailMessage]:
    """``count`` mails from LAOs' saraban addresses, each with its own report form."""
    mails = sample_mailbox.generate(sample_rows(), count * 2, seed=34)
    chosen = [m for m in mails if m.scenario == "saraban"][:count]
    assert len(chosen) == count
    return [email.message_from_bytes(m.raw) for m in chosen]


def replies_to(services: Services, message_id_header: str) -> int:
    with services.sessions() as session:
        cause = session.scalar(
            select(Message.id).where(Message.header_message_id == message_id_header)
        )
        assert cause is not None, message_id_header
        return (
            session.scalar(
                select(func.count(OutboxMail.id)).where(OutboxMail.cause_message_id == cause)
            )
            or 0
        )


def test_no_automatic_reply_to_any_automatic_sender(services: Services, tmp_path: Path) -> None:
    mails = form_mails(len(AUTOMATIC) + 1)
    control, automatic = mails[0], dict(zip(AUTOMATIC, mails[1:], strict=True))
    for case, message in automatic.items():
        AUTOMATIC[case](message)
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    for message in mails:
        box.add(message.as_bytes())
    summary = poll_once(services, MaildirSource(tmp_path / "maildir"))
    assert summary.processed.failed == 0

    assert replies_to(services, str(control["Message-ID"])) == 1, "the control is answered"
    for case, message in automatic.items():
        assert replies_to(services, str(message["Message-ID"])) == 0, case
    with services.sessions() as session:
        assert session.scalar(select(func.count(OutboxMail.id))) == 1
        ack = session.scalar(select(OutboxMail))
        assert ack is not None
        ours = email.message_from_bytes(ack.raw)
    # what we send says it is automatic, so that well-behaved responders stay silent too
    assert ours["Auto-Submitted"] == "auto-replied"
    assert ours["X-Auto-Response-Suppress"] == "All"
    assert ours["X-Onep-Inbox"] == "ack"

    # our own acknowledgement coming back into the mailbox is not answered either
    box.add(ack.raw)
    poll_once(services, MaildirSource(tmp_path / "maildir"))
    with services.sessions() as session:
        assert session.scalar(select(func.count(OutboxMail.id))) == 1
        kinds = set(session.scalars(select(Message.kind)))
    assert "auto_reply" in kinds
    assert "bulk" in kinds


def test_a_reply_to_our_acknowledgement_is_linked_to_its_submission(
    services: Services, tmp_path: Path
) -> None:
    (message,) = form_mails(1)
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    box.add(message.as_bytes())
    poll_once(services, MaildirSource(tmp_path / "maildir"))
    with services.sessions() as session:
        submission = session.scalar(select(Submission))
        ack = session.scalar(select(OutboxMail))
        assert submission is not None
        assert ack is not None
        receipt = submission.receipt_no
        assert receipt is not None
        assert f"[{receipt}]" in ack.subject
        assert ack.submission_id == submission.id
        sender = message["From"]
        original_id = str(message["Message-ID"])

        def reply(headers: str) -> mime.ParsedMail:
            return mime.parse(
                f"From: {sender}\r\nTo: onep.uem@onep.go.th\r\n{headers}\r\n\r\nแก้ไขแล้วครับ\r\n".encode()
            )

        by_thread = reply(
            f"Subject: Re: ส่งฉบับแก้ไข\r\nIn-Reply-To: {ack.header_message_id}\r\n"
            f"References: {original_id} {ack.header_message_id}"
        )
        by_references = reply(
            f"Subject: ส่งใหม่\r\nReferences: {ack.header_message_id} <other@gmail.com>"
        )
        by_subject = reply(
            "Subject: =?utf-8?b?"
            + base64.b64encode(f"ตอบกลับ: ได้รับแล้ว [{receipt}]".encode()).decode()
            + "?=\r\nIn-Reply-To: <unknown@gmail.com>"
        )
        bare = reply(f"Subject: ส่งแก้ไข {receipt} ครับ")
        unrelated = reply("Subject: สอบถามแบบฟอร์ม")
        unknown_receipt = reply("Subject: Re: [ONEP-2564-999999]")
        for mail in (by_thread, by_references, by_subject, bare):
            found = linked_submission(session, mail)
            assert found is not None, mail.subject
            assert found.id == submission.id
        assert linked_submission(session, unrelated) is None
        assert linked_submission(session, unknown_receipt) is None


def test_our_mail_is_marked_automatic_for_every_kind() -> None:
    for kind in ("auto-replied", "auto-generated"):
        raw = compose(
            from_address="onep.uem@onep.go.th",
            from_name="สผ.",
            to=["saraban_06730102@dla.go.th"],
            subject="ทดสอบ",
            text="ทดสอบ",
            html="<p>ทดสอบ</p>",
            message_id="<outbox-1.reminder@onep.go.th>",
            date=NOW,
            auto_submitted=kind,  # type: ignore[arg-type]
        )
        parsed = mime.parse(raw)
        verdict = classify(parsed, own_addresses=frozenset({"onep.uem@onep.go.th"}))
        assert not verdict.may_reply
