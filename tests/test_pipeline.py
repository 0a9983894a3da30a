"""The pipeline end to end on the embedded default (Maildir in, .eml files out), on SQLite and
PostgreSQL: what is stored, what becomes a submission, what is answered, and that re-runs,
replays and failures never duplicate or lose anything."""

from __future__ import annotations

import email
import mailbox
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

import parsers
from ingest.maildir import MaildirSource
from ingest.pipeline import poll_once, process_pending
from ingest.services import Services
from outbound.directory import DirectorySender
from outbound.outbox import drain
from samples import mailbox as sample_mailbox
from samples.registry import sample_rows
from storage.models import Message, MessageLocation, OutboxMail, Submission, SubmissionReading
from storage.queries import export_record, export_rows, status
from storage.registry import RegistryRow
from tests.support import embedded_services

NOW = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def registry() -> list[RegistryRow]:
    return sample_rows()


@pytest.fixture
def make_services() -> Iterator[Callable[..., Services]]:
    """Build services (migrated, sample registry imported); close them after the test."""
    opened: list[Services] = []

    def build(tmp_path: Path, db_url: str, registry: list[RegistryRow]) -> Services:
        services = embedded_services(tmp_path, db_url, registry, NOW)
        opened.append(services)
        return services

    yield build
    for services in opened:
        services.close()


def _count(services: Services, model: type, *where: object) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def test_sample_mailbox_end_to_end(
    make_services: Callable[..., Services], tmp_path: Path, db_url: str, registry: list[RegistryRow]
) -> None:
    services = make_services(tmp_path, db_url, registry)
    mails = sample_mailbox.generate(registry, 48, seed=7)
    sample_mailbox.write_maildir(tmp_path / "maildir", mails)
    source = MaildirSource(tmp_path / "maildir")

    summary = poll_once(services, source)
    assert summary.new_messages == 48
    assert summary.processed.failed == 0

    with services.sessions() as session:
        outcomes = Counter(session.scalars(select(Message.outcome)))
        kinds = Counter(session.scalars(select(Message.kind)))
    scenarios = Counter(m.scenario for m in mails)
    assert outcomes["no_form"] == scenarios["question"]
    assert outcomes["automatic"] == scenarios["auto_reply"] + scenarios["bounce"]
    assert kinds["bounce"] == scenarios["bounce"]
    assert outcomes["duplicate"] == scenarios["duplicate"]
    assert outcomes["unreadable"] == scenarios["corrupt"]
    form_mails = [m for m in mails if m.lao_code and m.scenario not in ("duplicate", "corrupt")]
    assert outcomes["forms"] == len(form_mails)

    # every form names its LAO; each was credited to the right one
    with services.sessions() as session:
        by_message = {s.message.header_message_id: s for s in session.scalars(select(Submission))}
    for mail in form_mails:
        msg_id = email.message_from_bytes(mail.raw)["Message-ID"]
        sub = by_message[msg_id]
        assert sub.lao_code == mail.lao_code, (mail.scenario, sub.identification)

    # one reply per message from a person; none to automatic senders
    replies = _count(services, OutboxMail)
    assert replies == 48 - scenarios["auto_reply"] - scenarios["bounce"]

    # a second poll is a no-op
    again = poll_once(services, source)
    assert (again.fetched, again.new_messages, again.processed.processed) == (0, 0, 0)
    assert _count(services, OutboxMail) == replies

    # re-reading everything keeps earlier readings, sends nothing new (outcomes unchanged)
    with services.sessions() as session:
        ids = list(session.scalars(select(Message.id)))
    replay = process_pending(services, ids, include_failed=True)
    assert replay.failed == 0
    assert _count(services, OutboxMail) == replies
    assert _count(services, SubmissionReading) == _count(services, Submission)

    # deliver into a directory of .eml files; threading and auto-reply headers present
    sent = drain(
        services.sessions,
        DirectorySender(tmp_path / "outbox"),
        config=services.config.smtp,
        clock=lambda: NOW,
    )
    assert sent.sent == replies
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == replies
    first = email.message_from_bytes(files[0].read_bytes())
    assert first["Auto-Submitted"] == "auto-replied"
    assert first["In-Reply-To"]

    with services.sessions() as session:
        report = status(session)
        records = [export_record(r) for r in export_rows(session, everything=False)]
    assert report["messages"] == 48
    assert report["outbox"]["sent"] == replies
    assert report["laos"]["submitted"] == len(
        {r["lao_code"] for r in records if r["status"] in ("accepted", "needs_review")}
    )
    assert all(r["lao_code"] for r in records)
    assert len({r["lao_code"] for r in records}) == len(records)


def test_resubmission_supersedes_and_duplicate_links(
    make_services: Callable[..., Services], tmp_path: Path, db_url: str, registry: list[RegistryRow]
) -> None:
    services = make_services(tmp_path, db_url, registry)
    mails = sample_mailbox.generate(registry, 40, seed=11)
    sample_mailbox.write_maildir(tmp_path / "maildir", mails)
    poll_once(services, MaildirSource(tmp_path / "maildir"))
    resub = next(m for m in mails if m.scenario == "resubmission")
    with services.sessions() as session:
        subs = session.scalars(
            select(Submission)
            .where(Submission.lao_code == resub.lao_code)
            .order_by(Submission.received_at)
        ).all()
        statuses = [s.status for s in subs]
        assert len(subs) >= 2
        if statuses[-1] == "accepted":
            assert all(s == "superseded" for s in statuses[:-1] if s != "rejected")
            assert subs[0].superseded_by_id == subs[-1].id
        dup_message = session.scalar(select(Message).where(Message.outcome == "duplicate"))
        assert dup_message is not None
        assert any(
            a.role == "duplicate" and a.duplicate_of_submission_id for a in dup_message.attachments
        )
        dup_reply = session.scalar(
            select(OutboxMail).where(OutboxMail.cause_message_id == dup_message.id)
        )
        assert dup_reply is not None
        assert dup_reply.kind == "duplicate"


def test_same_bytes_twice_is_one_message_and_shared_message_id_is_two(
    make_services: Callable[..., Services], tmp_path: Path, registry: list[RegistryRow]
) -> None:
    services = make_services(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", registry)
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    raw_a = b"From: a@gmail.com\r\nMessage-ID: <same@x>\r\nSubject: one\r\n\r\nhello\r\n"
    raw_b = b"From: b@gmail.com\r\nMessage-ID: <same@x>\r\nSubject: two\r\n\r\nhello\r\n"
    for raw in (raw_a, raw_a, raw_b):
        box.add(raw)
    poll_once(services, MaildirSource(tmp_path / "maildir"))
    assert _count(services, Message) == 2
    assert _count(services, MessageLocation) == 3


def test_received_at_is_the_topmost_received_header(
    make_services: Callable[..., Services], tmp_path: Path, registry: list[RegistryRow]
) -> None:
    services = make_services(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", registry)
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    box.add(
        b"Received: from mx by onep; Tue, 28 Sep 2021 10:15:00 +0700\r\n"
        b"Received: from a by b; Mon, 27 Sep 2021 08:00:00 +0700\r\n"
        b"Date: Sun, 26 Sep 2021 08:00:00 +0700\r\nFrom: a@gmail.com\r\n\r\nhi\r\n"
    )
    box.add(b"Date: Sun, 26 Sep 2021 08:00:00 +0700\r\nFrom: b@gmail.com\r\n\r\nhi\r\n")
    poll_once(services, MaildirSource(tmp_path / "maildir"))
    with services.sessions() as session:
        dates = sorted(session.scalars(select(Message.received_at)))
    assert dates == [
        datetime(2021, 9, 26, 1, 0, tzinfo=UTC),
        datetime(2021, 9, 28, 3, 15, tzinfo=UTC),
    ]


def test_a_failing_stage_is_recorded_and_replayed(
    make_services: Callable[..., Services],
    tmp_path: Path,
    registry: list[RegistryRow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = make_services(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", registry)
    mails = [m for m in sample_mailbox.generate(registry, 8, seed=3) if m.scenario == "saraban"][:2]
    sample_mailbox.write_maildir(tmp_path / "maildir", mails)

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("parser bug")

    monkeypatch.setattr(parsers, "read_attachment", broken)
    summary = poll_once(services, MaildirSource(tmp_path / "maildir"))
    assert summary.processed.failed == 2
    with services.sessions() as session:
        failed = session.scalars(select(Message)).all()
        assert {(m.state, m.failed_stage) for m in failed} == {("failed", "parse")}
        assert all("parser bug" in (m.traceback or "") for m in failed)
        # stored, marked on the server, and nothing queued for a half-processed message
        assert all(loc.marked_at is not None for m in failed for loc in m.locations)
    assert _count(services, OutboxMail) == 0
    assert _count(services, Submission) == 0

    monkeypatch.undo()
    replay = process_pending(services, include_failed=True)
    assert (replay.processed, replay.failed) == (2, 0)
    assert _count(services, Submission) == 2
    assert _count(services, OutboxMail) == 2


def test_the_earlier_received_copy_is_the_original(
    make_services: Callable[..., Services], tmp_path: Path, registry: list[RegistryRow]
) -> None:
    """Messages are processed in the order they reached the server, whatever order the
    mailbox lists them in, so the first copy of a file is the submission and the later
    one the duplicate."""
    services = make_services(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", registry)
    form = next(m for m in sample_mailbox.generate(registry, 4, seed=9) if m.scenario == "saraban")
    later = form.raw.replace(b"Date: ", b"X-Resent: yes\r\nDate: ", 1)
    later = later.replace(
        b"Received: from",
        b"Received: from relay by mx; Fri, 01 Oct 2021 09:00:00 +0700\r\nReceived: from",
        1,
    )
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    box.add(later)  # listed first
    box.add(form.raw)
    poll_once(services, MaildirSource(tmp_path / "maildir"))
    with services.sessions() as session:
        (submission,) = session.scalars(select(Submission)).all()
        assert submission.message.received_at == form.internal_date
        duplicate = session.scalar(select(Message).where(Message.outcome == "duplicate"))
        assert duplicate is not None
        assert duplicate.received_at > form.internal_date
