"""Bounces: real delivery reports matched to the outbox row that bounced, the address marked
failing once the bounce is confirmed, and the next reminders going to the LAO's other addresses
instead. A report counts only when it cites one of our Message-IDs (or VERP addresses) with its
token: the fixtures are written with the plain ids of earlier versions, and :func:`fixture`
puts in the ids the outbox really gave each row.

The reports in ``tests/data/bounces/`` are written as the real systems write them: a Postfix DSN
(the original returned whole), a Postfix "delayed" warning (headers only), a Postfix DSN to a VERP
envelope sender without the original, an Exchange NDR (HTML text, no DSN part, the original
attached), a Gmail DSN (``text/rfc822-headers``, ``X-Original-Message-ID``) and an Exim bounce
without the original (``X-Failed-Recipients`` only). Each names the Message-ID our outbox gives
its row (``<outbox-N.reminder@onep.go.th>``): the first reminder round below queues rows 1-6 in a
fresh database, sends them to a real SMTP server, then the reports arrive.
"""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.enums import MessageKind
from ingest import mime
from ingest.classify import classify
from ingest.dsn import read_report
from outbound.bounces import BounceResult, cleared_by_mail, record_bounce
from outbound.compose import make_message_id
from outbound.outbox import drain, envelope_sender, row_id_from_envelope
from outbound.smtp import SmtpSender
from storage.addresses import clear_failing, failing_addresses
from storage.db import SessionFactory
from storage.models import LaoAddress, Message, OutboxMail
from tests.servers.smtp import SmtpServer
from tests.test_reminders import MON_27, SMTP, THU_7, THU_23, bkk, campaign_database, run

DATA = Path(__file__).parent / "data" / "bounces"
SENT_AT = bkk(THU_23, 9)
ARRIVED = bkk(THU_23, 9, 10)
ROWS = {
    1: ("5730101", "saraban_05730101@dla.go.th"),
    2: ("5730101", "saraban@samkhwaiphueak.go.th"),
    3: ("6730102", "saraban_06730102@dla.go.th"),
    4: ("6730103", "abt.takong@gmail.com"),
}
OWN = frozenset({"onep.uem@onep.go.th"})


SECRET = SMTP.id_secret


def our_id(row_id: int) -> str:
    return make_message_id("reminder", row_id, "onep.go.th", SECRET)


def verp(row_id: int) -> str:
    return envelope_sender(replace(SMTP, verp=True, from_address="onep.uem@onep.go.th"), row_id)


def fixture(name: str, *, tokens: bool = True) -> bytes:
    """The report as written, with the ids and VERP addresses the outbox gives rows 1-6."""
    raw = (DATA / name).read_bytes()
    if tokens:
        for row_id in range(1, 7):
            raw = raw.replace(
                f"outbox-{row_id}.reminder@onep.go.th".encode(), our_id(row_id).strip("<>").encode()
            ).replace(f"onep.uem+outbox-{row_id}@onep.go.th".encode(), verp(row_id).encode())
    return raw


@pytest.fixture
def sessions(db_url: str, smtp_server: SmtpServer) -> Iterator[SessionFactory]:
    """The first reminder round, queued and delivered to a real SMTP server."""
    for factory in campaign_database(db_url):
        run(factory, SENT_AT)
        config = smtp_server.config()
        summary = drain(factory, SmtpSender(config), config=config, clock=lambda: SENT_AT)
        assert summary.sent == 6
        with factory() as session:
            rows = {r.id: r for r in session.scalars(select(OutboxMail))}
        for row_id, (code, address) in ROWS.items():
            assert (rows[row_id].lao_code, rows[row_id].to_address) == (code, address)
            assert rows[row_id].header_message_id == our_id(row_id)
        yield factory


def bounce(sessions: SessionFactory, name: str, raw: bytes | None = None) -> BounceResult:
    raw = fixture(name) if raw is None else raw
    mail = mime.parse(raw)
    assert classify(mail, own_addresses=OWN).kind is MessageKind.BOUNCE
    with sessions() as session, session.begin():
        return record_bounce(session, read_report(raw), ARRIVED, secret=SECRET)


def failing(sessions: SessionFactory) -> dict[str, str | None]:
    with sessions() as session:
        return {
            a.address: a.failing_reason
            for a in session.scalars(
                select(LaoAddress).where(LaoAddress.failing_since.is_not(None))
            )
        }


def outbox_row(sessions: SessionFactory, row_id: int) -> OutboxMail:
    with sessions() as session:
        row = session.get(OutboxMail, row_id)
        assert row is not None
        return row


def test_postfix_dsn_marks_the_address_and_reminders_use_the_other_one(
    sessions: SessionFactory,
) -> None:
    result = bounce(sessions, "postfix_dsn.eml")
    assert (result.outbox_id, result.matched_by) == (1, "message-id")
    assert result.failing == ("saraban_05730101@dla.go.th",)
    row = outbox_row(sessions, 1)
    assert (row.bounced_at, row.bounce_status) == (ARRIVED, "5.1.1")
    assert "User unknown in virtual mailbox table" in (row.bounce_diagnostic or "")
    assert row.status == "sent"  # it was sent; the bounce is recorded beside it
    reason = failing(sessions)["saraban_05730101@dla.go.th"]
    assert reason is not None
    assert reason.startswith("5.1.1 550 5.1.1")
    planned, _ = run(sessions, bkk(MON_27, 9))
    by_lao = {r.lao.code: r.addresses for r in planned.reminders}
    assert by_lao["5730101"] == ("saraban@samkhwaiphueak.go.th",)
    assert by_lao["6730102"] == ("saraban_06730102@dla.go.th",)


def test_exchange_ndr_without_a_dsn_part(sessions: SessionFactory) -> None:
    report = read_report(fixture("exchange_ndr.eml"))
    assert report.format == "ndr-text"
    assert [(r.address, r.action, r.status) for r in report.recipients] == [
        ("saraban@samkhwaiphueak.go.th", "failed", "5.1.1")
    ]
    result = bounce(sessions, "exchange_ndr.eml")
    assert (result.outbox_id, result.matched_by) == (2, "message-id")
    assert "RESOLVER.ADR.RecipNotFound" in (outbox_row(sessions, 2).bounce_diagnostic or "")
    assert set(failing(sessions)) == {"saraban@samkhwaiphueak.go.th"}


def test_exchange_ndr_quoting_only_the_original_headers(sessions: SessionFactory) -> None:
    message = email.message_from_bytes(fixture("exchange_ndr.eml"))
    parts = message.get_payload()
    assert isinstance(parts, list)
    message.set_payload([p for p in parts if p.get_content_type() != "message/rfc822"])
    raw = message.as_bytes()
    assert b"message/rfc822" not in raw
    result = bounce(sessions, "exchange_ndr.eml", raw)
    assert (result.outbox_id, result.matched_by) == (2, "message-id")


def test_gmail_dsn_with_headers_only(sessions: SessionFactory) -> None:
    result = bounce(sessions, "gmail_dsn.eml")
    assert (result.outbox_id, result.matched_by) == (4, "message-id")
    assert result.report.reporting_mta == "googlemail.com"
    assert set(failing(sessions)) == {"abt.takong@gmail.com"}
    # that LAO has no other address: skipped, reported, and flagged in the digest
    planned, _ = run(sessions, bkk(MON_27, 9))
    assert ("6730103", "all_failing") in [(s.code, s.reason) for s in planned.skipped]
    assert "6730103" not in [r.lao.code for r in planned.reminders]
    digest_plan, _ = run(sessions, bkk(THU_7, 9))
    (digest,) = digest_plan.digests
    unreachable = {m.code for m in digest.missing if m.unreachable}
    assert unreachable == {"6730103", "6730104"}


def test_both_addresses_failing_skips_the_lao(sessions: SessionFactory) -> None:
    bounce(sessions, "postfix_dsn.eml")
    bounce(sessions, "exchange_ndr.eml")
    planned, _ = run(sessions, bkk(MON_27, 9))
    assert ("5730101", "all_failing") in [(s.code, s.reason) for s in planned.skipped]
    assert any(line.startswith("skip: 5730101 เทศบาลตำบลสามควายเผือก") for line in planned.lines())


def test_a_bounce_that_only_names_a_recipient_we_mailed_changes_nothing(
    sessions: SessionFactory,
) -> None:
    # Exim without the original: it names the recipient of row 3 but none of our ids. Anyone
    # could write that; it no longer silences the address.
    report = read_report(fixture("exim_no_original.eml"))
    assert report.original_message_ids == ()
    result = bounce(sessions, "exim_no_original.eml")
    assert result.outbox_id is None
    assert failing(sessions) == {}


def test_a_report_citing_our_id_without_its_token_changes_nothing(
    sessions: SessionFactory,
) -> None:
    for name in ("postfix_dsn.eml", "gmail_dsn.eml", "exchange_ndr.eml"):
        result = bounce(sessions, name, fixture(name, tokens=False))
        assert result.outbox_id is None, name
    forged = fixture("postfix_dsn.eml").replace(
        our_id(1).encode(), our_id(1)[:-20].encode() + b"aaaaaaaaaaaaaaaa@onep.go.th>"
    )
    assert bounce(sessions, "postfix_dsn.eml", forged).outbox_id is None
    assert failing(sessions) == {}
    with sessions() as session:
        assert all(row.bounced_at is None for row in session.scalars(select(OutboxMail)))


def test_staff_a_delivery_report_or_mail_from_the_address_clear_it(
    sessions: SessionFactory,
) -> None:
    address = "saraban_05730101@dla.go.th"
    for clear in ("staff", "delivered", "mail"):
        bounce(sessions, "postfix_dsn.eml")
        assert set(failing(sessions)) == {address}, clear
        with sessions() as session, session.begin():
            (listed,) = failing_addresses(session)
            assert (listed.address, listed.lao_code, listed.hard_bounces) == (address, "5730101", 1)
            if clear == "staff":
                assert clear_failing(session, address, by="wanida", now=ARRIVED)
            elif clear == "mail":
                assert cleared_by_mail(session, address, ARRIVED)
        if clear == "delivered":
            delivered = (
                fixture("postfix_dsn.eml")
                .replace(b"Action: failed", b"Action: delivered")
                .replace(b"Status: 5.1.1", b"Status: 2.0.0")
            )
            assert "cleared" in bounce(sessions, "postfix_dsn.eml", delivered).note
        assert failing(sessions) == {}, clear
        with sessions() as session, session.begin():
            session.execute(OutboxMail.__table__.update().values(bounced_at=None))


def test_a_delay_warning_marks_nothing(sessions: SessionFactory) -> None:
    result = bounce(sessions, "postfix_delayed.eml")
    assert result.outbox_id == 3
    assert result.failing == ()
    assert result.report.recipients[0].action == "delayed"
    assert failing(sessions) == {}
    assert outbox_row(sessions, 3).bounced_at is None


def test_a_bounce_matching_none_of_our_mail_changes_nothing(sessions: SessionFactory) -> None:
    forged = (
        fixture("postfix_dsn.eml")
        .replace(our_id(1).strip("<>").encode(), b"CAF1234@mail.example.com")
        .replace(b"saraban_05730101@dla.go.th", b"saraban_06730199@dla.go.th")
    )
    result = bounce(sessions, "postfix_dsn.eml", forged)
    assert result.outbox_id is None
    assert failing(sessions) == {}


def test_a_failure_further_on_for_another_address_is_not_ours(sessions: SessionFactory) -> None:
    # our mail reached saraban_05730101, whose forward to an officer's mailbox then failed
    forwarded = fixture("postfix_dsn.eml").replace(
        b"Final-Recipient: rfc822; saraban_05730101@dla.go.th\r\nOriginal-Recipient: "
        b"rfc822;saraban_05730101@dla.go.th",
        b"Final-Recipient: rfc822; somchai.j@hotmail.com",
    )
    result = bounce(sessions, "postfix_dsn.eml", forwarded)
    assert result.outbox_id == 1
    assert result.failing == ()
    assert failing(sessions) == {}


def test_processing_a_bounce_again_changes_nothing_more(sessions: SessionFactory) -> None:
    with sessions() as session, session.begin():
        report_message = Message(
            sha256="b" * 64, size=1, received_at=ARRIVED, stored_at=ARRIVED, state="processed"
        )
        session.add(report_message)
        session.flush()
        report_id = report_message.id
    raw = fixture("postfix_dsn.eml")
    for later in (timedelta(0), timedelta(hours=1)):
        with sessions() as session, session.begin():
            record_bounce(
                session, read_report(raw), ARRIVED + later, secret=SECRET, message_id=report_id
            )
    row = outbox_row(sessions, 1)
    assert (row.bounced_at, row.bounce_message_id) == (ARRIVED, report_id)
    with sessions() as session:
        address = session.scalar(
            select(LaoAddress).where(LaoAddress.address == "saraban_05730101@dla.go.th")
        )
        assert address is not None
        assert address.failing_since == ARRIVED


def test_verp_envelope_sender_names_the_row(db_url: str, smtp_server: SmtpServer) -> None:
    for factory in campaign_database(db_url):
        config = smtp_server.config(verp=True)
        run(factory, SENT_AT, smtp=config)
        drain(factory, SmtpSender(config), config=config, clock=lambda: SENT_AT)
        senders = [m.mail_from for m in smtp_server.messages]
        assert senders == [verp(n) for n in range(1, 7)]
        assert senders[2].startswith("onep.uem+outbox-3-")
        assert envelope_sender(replace(config, verp=False), 3) == "onep.uem@onep.go.th"
        assert row_id_from_envelope(verp(3), SECRET) == 3
        assert row_id_from_envelope("onep.uem+outbox-3@onep.go.th", SECRET) is None
        assert row_id_from_envelope(verp(3).replace("-3-", "-4-"), SECRET) is None
        assert row_id_from_envelope("onep.uem@onep.go.th", SECRET) is None
        result = bounce(factory, "postfix_verp_no_original.eml")
        assert (result.outbox_id, result.matched_by) == (3, "verp")
        assert outbox_row(factory, 3).bounce_status == "5.2.2"
        # a mailbox full (5.2.2) once is not yet a confirmed hard bounce ...
        assert failing(factory) == {}
        assert bounce(factory, "postfix_verp_no_original.eml").failing == ()  # the same row again
        # ... the second mail to that address bouncing is
        third_row = fixture("postfix_verp_no_original.eml").replace(
            verp(3).encode(), verp(6).encode()
        )
        with factory() as session, session.begin():
            row6 = session.get(OutboxMail, 6)
            assert row6 is not None
            row6.to_address = "saraban_06730102@dla.go.th"
        result = bounce(factory, "postfix_verp_no_original.eml", third_row)
        assert (result.outbox_id, result.failing) == (6, ("saraban_06730102@dla.go.th",))
        assert set(failing(factory)) == {"saraban_06730102@dla.go.th"}


def test_reports_read_as_written(sessions: SessionFactory) -> None:
    postfix = read_report(fixture("postfix_dsn.eml"))
    assert postfix.format == "rfc3464"
    assert postfix.reporting_mta == "mail.onep.go.th"
    assert postfix.original_message_ids == (our_id(1),)
    (recipient,) = postfix.recipients
    assert recipient.diagnostic == (
        "550 5.1.1 <saraban_05730101@dla.go.th>: Recipient address rejected: "
        "User unknown in virtual mailbox table"
    )
    gmail = read_report(fixture("gmail_dsn.eml"))
    assert gmail.original_message_ids == (our_id(4),)
    assert gmail.failed[0].status == "5.1.1"
    verp_report = read_report(fixture("postfix_verp_no_original.eml"))
    assert verp(3) in verp_report.addressed_to
    assert read_report(b"not a mail at all").recipients[0].address == ""
    assert read_report(fixture("exim_no_original.eml")).failed[0].address == (
        "saraban_06730102@dla.go.th"
    )


def test_a_report_read_outside_the_transaction_is_recorded_the_same(
    sessions: SessionFactory,
) -> None:
    raw = fixture("gmail_dsn.eml")
    report = read_report(raw)  # pure: where the pipeline's analyse stage runs
    with sessions() as session, session.begin():
        result = record_bounce(session, report, ARRIVED, secret=SECRET)
    assert (result.outbox_id, result.failing) == (4, ("abt.takong@gmail.com",))


def test_no_bounce_is_ever_answered() -> None:
    for path in sorted(DATA.glob("*.eml")):
        classification = classify(mime.parse(path.read_bytes()), own_addresses=OWN)
        assert classification.kind is MessageKind.BOUNCE, path.name
        assert not classification.may_reply, path.name
        assert classification.reply_to is None, path.name
    assert date(2021, 9, 23).weekday() == 3  # the fixtures' Thursday
