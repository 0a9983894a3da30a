"""The review queue end to end, on SQLite and PostgreSQL: mail goes through the pipeline, items
open for what needs a person, and ``onep-inbox review ...`` (through :mod:`app.review_cli`)
resolves them: accepting with an LAO learns the sender, rejecting asks for a correction, a
question is answered by email; each action is audited, and mail is queued only where the
outcome changes for the LAO. Also the resubmission rules and duplicates."""

from __future__ import annotations

import argparse
import email
import json
import mailbox
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app import review_cli
from ingest.maildir import MaildirSource
from ingest.pipeline import poll_once, process_pending
from ingest.services import Services
from samples.registry import sample_rows
from storage.models import (
    Attachment,
    AuditEntry,
    LaoAddress,
    Message,
    OutboxMail,
    ReviewItem,
    Submission,
)
from storage.queries import current_submission_ids
from storage.registry import RegistryRow
from tests.support import embedded_services, lao_form, lao_mail

NOW = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)
WEBMAIL = "kongchang.green77@gmail.com"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture(scope="module")
def registry() -> list[RegistryRow]:
    return sample_rows()


@pytest.fixture
def lao(registry: list[RegistryRow]) -> RegistryRow:
    """An อบต. with a long place name (a typo in it stays close to it and to nothing else)."""
    prefix = "องค์การบริหารส่วนตำบล"
    return next(r for r in registry if r.lao_type == "sao" and len(r.name) >= len(prefix) + 7)


@pytest.fixture
def services(tmp_path: Path, db_url: str, registry: list[RegistryRow]) -> Iterator[Services]:
    built = embedded_services(tmp_path, db_url, registry, NOW)
    try:
        yield built
    finally:
        built.close()


# --- mail ---------------------------------------------------------------------------------------


class Inbox:
    """A Maildir the pipeline polls; each ``deliver`` adds one message and processes it."""

    def __init__(self, services: Services, path: Path) -> None:
        self.services = services
        self.box = mailbox.Maildir(path, create=True)
        self.source = MaildirSource(path)
        self.counter = 0

    def deliver(self, raw: bytes) -> Message:
        self.box.add(raw)
        poll_once(self.services, self.source)
        with self.services.sessions() as session:
            message = session.scalars(select(Message).order_by(Message.id.desc()).limit(1)).one()
            return message


def form_bytes(lao: RegistryRow, *, name: str | None = None, seed: int = 1) -> bytes:
    return lao_form(lao, seed=seed, **({"lao_name": name} if name else {}))


mail = lao_mail


def typo(name: str) -> str:
    """One consonant slipped in before the last letter: close to the name, and no LAO's name."""
    return name[:-1] + "ร" + name[-1]


# --- the CLI ------------------------------------------------------------------------------------


def cli(services: Services, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="onep-inbox")
    commands = parser.add_subparsers(dest="command", required=True)
    review_cli.register(commands)
    return review_cli.handle(parser.parse_args(["review", *argv]), services)


def count(services: Services, model: type, *where: Any) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def outbox_of(services: Services, kind: str) -> list[OutboxMail]:
    with services.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)
            )
        )


def submission_of(services: Services, message_id: int) -> Submission:
    with services.sessions() as session:
        return session.scalars(select(Submission).where(Submission.message_id == message_id)).one()


def submissions_of(services: Services, message_id: int) -> list[Submission]:
    with services.sessions() as session:
        query = select(Submission).where(Submission.message_id == message_id)
        return list(session.scalars(query.order_by(Submission.id)))


def item_of(services: Services, cause_key: str) -> ReviewItem:
    with services.sessions() as session:
        return session.scalars(select(ReviewItem).where(ReviewItem.cause_key == cause_key)).one()


# --- tests --------------------------------------------------------------------------------------


def test_unknown_webmail_waits_then_accept_learns_the_sender(
    services: Services,
    tmp_path: Path,
    lao: RegistryRow,
    capsys: pytest.CaptureFixture[str],
) -> None:
    inbox = Inbox(services, tmp_path / "maildir")
    first = inbox.deliver(
        mail(WEBMAIL, when=NOW - timedelta(days=2), attachment=form_bytes(lao, name=typo(lao.name)))
    )
    sub = submission_of(services, first.id)
    assert (sub.status, sub.lao_code) == ("needs_review", None)
    item = item_of(services, f"submission:{sub.id}")
    assert (item.kind, item.state) == ("unknown_sender", "open")
    assert lao.lao_code in [c["code"] for c in item.candidates]
    assert item.reason
    assert len(outbox_of(services, "ack")) == 1

    capsys.readouterr()
    assert cli(services, "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(i["ref"], i["kind"]) for i in listed] == [(sub.receipt_no, "unknown_sender")]
    assert cli(services, "show", str(sub.receipt_no)) == 0
    shown = capsys.readouterr().out
    assert lao.lao_code in shown
    assert WEBMAIL in shown

    assert cli(services, "assign", str(sub.receipt_no), "--to", "wanida", "--by", "somchai") == 0
    assert count(services, OutboxMail) == 1  # assigning changes nothing for the LAO
    assert cli(services, "accept", str(sub.receipt_no), "--by", "wanida") == 1  # no LAO yet
    assert "--lao" in capsys.readouterr().err
    assert cli(services, "accept", str(sub.id), "--lao", lao.lao_code, "--by", "wanida") == 0

    sub = submission_of(services, first.id)
    assert (sub.status, sub.lao_code, sub.reviewed_by) == ("accepted", lao.lao_code, "wanida")
    assert not [p for p in sub.problems if p["code"].startswith("lao_")]
    with services.sessions() as session:
        learned = session.scalars(select(LaoAddress).where(LaoAddress.address == WEBMAIL)).one()
        assert (learned.lao_code, learned.source, learned.created_by) == (
            lao.lao_code,
            "learned",
            "wanida",
        )
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(a.actor, a.action) for a in audit] == [
            ("somchai", "review.assign"),
            ("wanida", "review.accept"),
        ]
        assert audit[1].target == f"submission:{sub.id}"
        assert audit[1].details["learned_address"] == WEBMAIL
        assert audit[1].at == NOW
    [accepted_mail] = outbox_of(services, "review-accepted")
    parsed = email.message_from_bytes(accepted_mail.raw, policy=SMTP)
    assert accepted_mail.to_address == WEBMAIL
    assert parsed["In-Reply-To"] == first.header_message_id
    assert parsed["Auto-Submitted"] is None
    assert sub.receipt_no in str(parsed["Subject"])
    assert item_of(services, f"submission:{sub.id}").resolution == "accepted"
    assert cli(services, "accept", str(sub.id), "--lao", lao.lao_code, "--by", "wanida") == 1

    # the same officer sends a corrected form later: recognised by the learned address
    second = inbox.deliver(
        mail(
            WEBMAIL,
            when=NOW - timedelta(days=1),
            attachment=form_bytes(lao, name=typo(lao.name), seed=2),
        )
    )
    newer = submission_of(services, second.id)
    assert (newer.status, newer.lao_code) == ("accepted", lao.lao_code)
    assert newer.identification["method"] == "sender_address"
    assert count(services, ReviewItem, ReviewItem.submission_id == newer.id) == 0
    older = submission_of(services, first.id)
    assert (older.status, older.superseded_by_id) == ("superseded", newer.id)

    # re-processing everything opens nothing, sends nothing, and keeps the reviewer's decision
    mails = count(services, OutboxMail)
    with services.sessions() as session:
        ids = list(session.scalars(select(Message.id)))
    assert process_pending(services, ids, include_failed=True).failed == 0
    assert count(services, OutboxMail) == mails
    assert count(services, ReviewItem) == 1
    assert submission_of(services, first.id).reviewed_by == "wanida"


def test_reject_asks_for_a_correction(
    services: Services, tmp_path: Path, lao: RegistryRow, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = Inbox(services, tmp_path / "maildir")
    message = inbox.deliver(
        mail(WEBMAIL, when=NOW - timedelta(days=1), attachment=form_bytes(lao, name=typo(lao.name)))
    )
    sub = submission_of(services, message.id)
    reason = "ชื่อ อปท. ไม่ตรงกับทะเบียน กรุณาตรวจสอบชื่อและรหัส อปท."
    assert cli(services, "reject", str(sub.receipt_no), "--reason", reason, "--by", "wanida") == 0
    sub = submission_of(services, message.id)
    assert (sub.status, sub.reviewed_by) == ("rejected", "wanida")
    [rejected] = outbox_of(services, "review-rejected")
    body = email.message_from_bytes(rejected.raw, policy=SMTP).get_content()  # type: ignore[attr-defined]
    assert reason in body
    assert rejected.to_address == WEBMAIL
    assert count(services, LaoAddress, LaoAddress.address == WEBMAIL) == 0
    # a second decision is refused; nothing more is queued
    assert cli(services, "reject", str(sub.receipt_no), "--reason", "x", "--by", "wanida") == 1
    assert "already resolved" in capsys.readouterr().err
    assert len(outbox_of(services, "review-rejected")) == 1
    # a re-read never undoes a reviewer's rejection
    process_pending(services, [message.id], include_failed=True)
    assert submission_of(services, message.id).status == "rejected"
    with services.sessions() as session:
        assert [a.action for a in session.scalars(select(AuditEntry))] == ["review.reject"]


def test_a_question_is_answered_by_a_person(
    services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = Inbox(services, tmp_path / "maildir")
    question = inbox.deliver(
        mail(
            WEBMAIL,
            when=NOW - timedelta(hours=5),
            subject="สอบถามเรื่องการส่งแบบรายงาน",
            body="ขอสอบถามว่าส่งเป็น PDF ได้หรือไม่\n",
            tag="q",
        )
    )
    assert question.outcome == "no_form"
    item = item_of(services, f"question:{question.id}")
    assert (item.kind, item.state) == ("question", "open")
    # processing again opens no second item
    process_pending(services, [question.id], include_failed=True)
    assert count(services, ReviewItem) == 1

    capsys.readouterr()
    assert cli(services, "list", "--kind", "question") == 0
    assert f"M{question.id}" in capsys.readouterr().out
    text = "ส่งเป็นไฟล์ Excel ตามแบบฟอร์มจะดีที่สุด แต่ PDF ก็รับได้ครับ"
    answer_file = tmp_path / "answer.txt"
    answer_file.write_text(text, encoding="utf-8")
    assert (
        cli(services, "answer", str(question.id), "--text-file", str(answer_file), "--by", "wanida")
        == 0
    )
    [reply] = outbox_of(services, "review-answer")
    parsed = email.message_from_bytes(reply.raw, policy=SMTP)
    assert parsed["In-Reply-To"] == question.header_message_id
    assert parsed["Auto-Submitted"] is None
    assert reply.auto_submitted_kind is None
    assert str(parsed["Subject"]).startswith("Re: สอบถาม")
    assert text in parsed.get_content()  # type: ignore[attr-defined]
    assert reply.to_address == WEBMAIL
    item = item_of(services, f"question:{question.id}")
    assert (item.state, item.resolution, item.resolved_by) == ("resolved", "answered", "wanida")
    with services.sessions() as session:
        entry = session.scalars(select(AuditEntry)).one()
        assert (entry.actor, entry.action, entry.target) == (
            "wanida",
            "review.answer",
            f"message:{question.id}",
        )
        assert entry.details["text"] == text
    assert cli(services, "answer", f"M{question.id}", "--text", "again", "--by", "wanida") == 1
    assert len(outbox_of(services, "review-answer")) == 1

    # a mail that needs no answer (thanks, a signature only) is closed with a reason, silently
    thanks = inbox.deliver(
        mail(WEBMAIL, when=NOW - timedelta(hours=2), subject="ขอบคุณครับ", body="ขอบคุณ\n", tag="t")
    )
    mails = count(services, OutboxMail)
    assert cli(services, "reject", f"M{thanks.id}", "--reason", "ไม่ต้องตอบ", "--by", "wanida") == 0
    assert item_of(services, f"question:{thanks.id}").resolution == "closed"
    assert count(services, OutboxMail) == mails
    assert cli(services, "accept", f"M{thanks.id}", "--by", "wanida") == 1


def test_known_sender_with_another_laos_form(
    services: Services, tmp_path: Path, registry: list[RegistryRow], lao: RegistryRow
) -> None:
    """An LAO's official address sends another LAO's form (an อบจ. passing it on, a mix-up):
    a person decides, and the official address is not taught to the other LAO."""
    other = next(r for r in registry if r.lao_type == "sao" and r.province != lao.province)
    inbox = Inbox(services, tmp_path / "maildir")
    message = inbox.deliver(
        mail(lao.emails[0], when=NOW - timedelta(days=1), attachment=form_bytes(other))
    )
    sub = submission_of(services, message.id)
    assert (sub.status, sub.lao_code) == ("needs_review", None)
    item = item_of(services, f"submission:{sub.id}")
    assert item.kind == "uncertain_lao"
    assert {lao.lao_code, other.lao_code} <= {c["code"] for c in item.candidates}
    assert (
        cli(services, "accept", str(sub.receipt_no), "--lao", other.lao_code, "--by", "wanida") == 0
    )
    sub = submission_of(services, message.id)
    assert (sub.status, sub.lao_code) == ("accepted", other.lao_code)
    assert count(services, LaoAddress, LaoAddress.source == "learned") == 0
    with services.sessions() as session:
        entry = session.scalars(select(AuditEntry)).one()
        assert entry.details["learned_address"] is None
    assert cli(services, "accept", str(sub.receipt_no), "--lao", "9999999", "--by", "x") == 1


def test_resubmissions_unreadable_resends_and_duplicates(
    services: Services,
    tmp_path: Path,
    registry: list[RegistryRow],
    lao: RegistryRow,
    capsys: pytest.CaptureFixture[str],
) -> None:
    inbox = Inbox(services, tmp_path / "maildir")
    saraban = lao.emails[0]
    good_file = form_bytes(lao, seed=3)
    good = inbox.deliver(mail(saraban, when=NOW - timedelta(days=5), attachment=good_file, tag="a"))
    good_sub = submission_of(services, good.id)
    assert (good_sub.status, good_sub.lao_code) == ("accepted", lao.lao_code)

    # an unreadable resend never displaces the good report, and cannot be accepted
    corrupt = b"PK\x03\x04" + random.Random(1).randbytes(600)
    resend = inbox.deliver(mail(saraban, when=NOW - timedelta(days=4), attachment=corrupt, tag="b"))
    resend_subs = submissions_of(services, resend.id)
    assert len(resend_subs) == 1
    assert submission_of(services, good.id).status == "accepted"
    with services.sessions() as session:
        assert current_submission_ids(session)[lao.lao_code] == good_sub.id
    for resend_sub in resend_subs:
        assert (resend_sub.status, resend_sub.lao_code) == ("needs_review", lao.lao_code)
        assert item_of(services, f"submission:{resend_sub.id}").kind == "unreadable"
        assert cli(services, "accept", str(resend_sub.receipt_no), "--by", "wanida") == 1
        assert "unreadable" in capsys.readouterr().err

    # the identical file sent again is a duplicate linked to the original, not a new report
    dup = inbox.deliver(mail(saraban, when=NOW - timedelta(days=3), attachment=good_file, tag="c"))
    assert dup.outcome == "duplicate"
    assert count(services, Submission, Submission.message_id == dup.id) == 0
    with services.sessions() as session:
        linked = session.scalars(select(Attachment).where(Attachment.message_id == dup.id)).all()
        assert [(a.role, a.duplicate_of_submission_id) for a in linked] == [
            ("duplicate", good_sub.id)
        ]
    assert [m.cause_message_id for m in outbox_of(services, "duplicate")] == [dup.id]

    # a newer report from unknown webmail, accepted by a reviewer, supersedes the older ones
    newer = inbox.deliver(
        mail(
            WEBMAIL,
            when=NOW - timedelta(days=2),
            attachment=form_bytes(lao, name=typo(lao.name), seed=4),
        )
    )
    newer_sub = submission_of(services, newer.id)
    assert newer_sub.status == "needs_review"
    assert (
        cli(services, "accept", str(newer_sub.receipt_no), "--lao", lao.lao_code, "--by", "wanida")
        == 0
    )
    assert submission_of(services, newer.id).status == "accepted"
    for row in submissions_of(services, good.id) + submissions_of(services, resend.id):
        assert (row.status, row.superseded_by_id) == ("superseded", newer_sub.id)
    for resend_sub in resend_subs:
        resend_item = item_of(services, f"submission:{resend_sub.id}")
        assert (resend_item.state, resend_item.resolution) == ("resolved", "auto_resolved")
    assert len(outbox_of(services, "review-accepted")) == 1

    # a report older than the accepted one, accepted late, is superseded at once: no mail
    late = inbox.deliver(
        mail(
            "other.officer@hotmail.com",
            when=NOW - timedelta(days=6),
            attachment=form_bytes(lao, name=typo(lao.name), seed=5),
            tag="d",
        )
    )
    late_sub = submission_of(services, late.id)
    assert late_sub.status == "needs_review"
    assert (
        cli(services, "accept", str(late_sub.receipt_no), "--lao", lao.lao_code, "--by", "wanida")
        == 0
    )
    row = submission_of(services, late.id)
    assert (row.status, row.superseded_by_id) == ("superseded", newer_sub.id)
    assert len(outbox_of(services, "review-accepted")) == 1
    assert submission_of(services, newer.id).status == "accepted"
    with services.sessions() as session:
        actions = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["review.accept", "review.accept"]


def test_staff_addresses_are_never_learned(
    services: Services, tmp_path: Path, lao: RegistryRow
) -> None:
    """Staff forwarding an LAO's mail into the inbox: accepting it teaches nothing."""
    inbox = Inbox(services, tmp_path / "maildir")
    message = inbox.deliver(
        mail(
            "wanida.staff@onep.go.th",
            when=NOW - timedelta(days=1),
            attachment=form_bytes(lao, name=typo(lao.name)),
        )
    )
    sub = submission_of(services, message.id)
    assert sub.status == "needs_review"
    assert (
        cli(services, "accept", str(sub.receipt_no), "--lao", lao.lao_code, "--by", "wanida") == 0
    )
    assert count(services, LaoAddress, LaoAddress.source == "learned") == 0
