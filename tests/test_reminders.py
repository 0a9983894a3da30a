"""The campaign schedule: reminder rounds and provincial digests, exactly at their boundaries.

The clock is a value passed in, so every boundary (window start and end, weekends, the minimum
interval) is tested to the second without sleeping. The pure schedule is tested on its own; the
plan and the queue run on SQLite and PostgreSQL (``db_url``).

Campaign used throughout: deadline Thursday 30 Sep 2021 (30 ก.ย. 2564); rounds before 7, 3, 1
(Thu 23, Mon 27, Wed 29 Sep) and after 1, 7, 14 (Fri 1, Thu 7, Thu 14 Oct); window 09:00-16:30
Asia/Bangkok, Monday to Friday; digests from deadline + 7 (Thu 7 Oct), weekly.
"""

from __future__ import annotations

import argparse
import email
import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time
from email.message import Message as EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import remind_cli
from app.service import build_scheduler, remind_trigger
from core.config import CampaignConfig, Config, SmtpConfig
from core.dates import BANGKOK
from ingest.services import Services
from outbound.compose import make_message_id, read_header
from outbound.reminder_mail import QueueCounts, queue, queue_in_chunks
from outbound.reminders import CampaignState, LaoRef, LaoState, ReminderPlan, decide, plan
from outbound.render import Renderer
from outbound.schedule import (
    Round,
    current_digest,
    current_round,
    in_window,
    next_allowed,
    reminder_rounds,
)
from storage.blobs import BlobStore
from storage.db import SessionFactory, make_engine, make_session_factory, migrate
from storage.models import LaoAddress, Message, OutboxMail, Reminder, Submission
from storage.queries import status
from storage.registry import RegistryRow, import_rows

CAMPAIGN = CampaignConfig()
SMTP = SmtpConfig(kind="directory", directory=Path("unused"), auto_mail_per_address_per_day=20)

REGISTRY = [
    RegistryRow("P73", "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดนครปฐม", "provincial_office", "นครปฐม",
                emails=("p73@dla.go.th",)),
    RegistryRow("2730101", "องค์การบริหารส่วนจังหวัดนครปฐม", "pao", "นครปฐม", "เมืองนครปฐม",
                emails=("saraban_02730101@dla.go.th",)),
    RegistryRow("5730101", "เทศบาลตำบลสามควายเผือก", "subdistrict_municipality", "นครปฐม",
                "เมืองนครปฐม", "สามควายเผือก",
                emails=("saraban_05730101@dla.go.th", "saraban@samkhwaiphueak.go.th")),
    RegistryRow("6730102", "องค์การบริหารส่วนตำบลบางแขม", "sao", "นครปฐม", "เมืองนครปฐม", "บางแขม",
                emails=("saraban_06730102@dla.go.th",)),
    RegistryRow("6730103", "องค์การบริหารส่วนตำบลตาก้อง", "sao", "นครปฐม", "เมืองนครปฐม", "ตาก้อง",
                emails=("abt.takong@gmail.com",)),
    RegistryRow("6730104", "องค์การบริหารส่วนตำบลทัพหลวง", "sao", "นครปฐม", "เมืองนครปฐม", "ทัพหลวง"),
    RegistryRow("6730105", "องค์การบริหารส่วนตำบลวังตะกู", "sao", "นครปฐม", "เมืองนครปฐม", "วังตะกู",
                emails=("saraban_06730105@dla.go.th",)),
    RegistryRow("6730106", "องค์การบริหารส่วนตำบลดอนยายหอม", "sao", "นครปฐม", "เมืองนครปฐม",
                "ดอนยายหอม", emails=("saraban_06730106@dla.go.th",)),
    RegistryRow("6740101", "องค์การบริหารส่วนตำบลท่าทราย", "sao", "สมุทรสาคร", "เมืองสมุทรสาคร",
                "ท่าทราย", emails=("saraban_06740101@dla.go.th",)),
]  # fmt: skip
"""นครปฐม with its สถจ.; สมุทรสาคร without one. 2730101 has an accepted submission, 6730105 one
waiting for review, 6730106 a rejected one; 6730104 has no address."""

MISSING = ["5730101", "6730102", "6730103", "6730106", "6740101"]
"""Missing LAOs with an address, in code order (6730104 is missing too, but has none)."""


def bkk(day: date, hh: int = 9, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=BANGKOK)


THU_23, MON_27, WED_29 = date(2021, 9, 23), date(2021, 9, 27), date(2021, 9, 29)
FRI_1, THU_7, THU_14 = date(2021, 10, 1), date(2021, 10, 7), date(2021, 10, 14)


def key_of(round_: Round | None) -> str | None:
    return round_.key if round_ is not None else None


# --- the pure schedule --------------------------------------------------------------------


def test_rounds_from_the_config() -> None:
    rounds = reminder_rounds(CAMPAIGN)
    assert [(r.key, r.day) for r in rounds] == [
        ("before-7", THU_23),
        ("before-3", MON_27),
        ("before-1", WED_29),
        ("after-1", FRI_1),
        ("after-7", THU_7),
        ("after-14", THU_14),
    ]
    assert rounds[0].due == bkk(THU_23, 0)


def test_window_start_is_included_and_end_excluded() -> None:
    assert not in_window(CAMPAIGN, bkk(THU_23, 8, 59, 59))
    assert in_window(CAMPAIGN, bkk(THU_23, 9))
    assert in_window(CAMPAIGN, bkk(THU_23, 16, 29, 59))
    assert not in_window(CAMPAIGN, bkk(THU_23, 16, 30))
    # the same instant written in UTC
    assert in_window(CAMPAIGN, datetime(2021, 9, 23, 2, 0, tzinfo=UTC))
    assert not in_window(CAMPAIGN, datetime(2021, 9, 23, 1, 59, 59, tzinfo=UTC))


def test_next_allowed_moment() -> None:
    assert next_allowed(CAMPAIGN, bkk(THU_23, 7)) == bkk(THU_23, 9)
    assert next_allowed(CAMPAIGN, bkk(THU_23, 10, 5)) == bkk(THU_23, 10, 5)
    assert next_allowed(CAMPAIGN, bkk(THU_23, 16, 30)) == bkk(date(2021, 9, 24), 9)
    # Friday evening -> Monday morning; without working_days_only -> Saturday morning
    assert next_allowed(CAMPAIGN, bkk(date(2021, 9, 24), 17)) == bkk(MON_27, 9)
    every_day = replace(CAMPAIGN, working_days_only=False)
    assert next_allowed(every_day, bkk(date(2021, 9, 24), 17)) == bkk(date(2021, 9, 25), 9)


def test_weekend_is_outside_the_window_only_when_working_days_only() -> None:
    saturday = bkk(date(2021, 9, 25), 10)
    assert not in_window(CAMPAIGN, saturday)
    assert in_window(replace(CAMPAIGN, working_days_only=False), saturday)


def test_round_due_at_midnight_waits_for_the_window() -> None:
    assert key_of(current_round(CAMPAIGN, bkk(WED_29, 0, 0))) == "before-1"
    assert key_of(current_round(CAMPAIGN, bkk(date(2021, 9, 28), 23, 59, 59))) == "before-3"
    assert current_round(CAMPAIGN, bkk(date(2021, 9, 22), 23)) is None


def test_a_round_on_a_weekend_goes_out_on_monday() -> None:
    # deadline Monday 4 Oct: "before-2" is Saturday 2 Oct
    campaign = replace(CAMPAIGN, deadline=date(2021, 10, 4), reminder_days_before=(2,))
    saturday = bkk(date(2021, 10, 2), 10)
    assert key_of(current_round(campaign, saturday)) == "before-2"
    assert not in_window(campaign, saturday)
    assert next_allowed(campaign, saturday) == bkk(date(2021, 10, 4), 9)
    assert key_of(current_round(campaign, bkk(date(2021, 10, 4), 9))) == "before-2"


def test_a_later_round_overtakes_a_shifted_one() -> None:
    # "before-2" (Saturday) would go out on Monday 09:00, but "before-0" is due Monday 00:00
    campaign = replace(CAMPAIGN, deadline=date(2021, 10, 4), reminder_days_before=(2, 0))
    assert key_of(current_round(campaign, bkk(date(2021, 10, 4), 9))) == "before-0"
    state = _state(["6730102"])
    monday = decide(campaign, bkk(date(2021, 10, 4), 9), state)
    assert [(r.round.key, r.lao.code) for r in monday.reminders] == [("before-0", "6730102")]


def test_before_rounds_end_with_the_deadline_day() -> None:
    campaign = replace(CAMPAIGN, reminder_days_after=())
    assert key_of(current_round(campaign, bkk(date(2021, 9, 30), 16))) == "before-1"
    assert current_round(campaign, bkk(FRI_1, 9)) is None


def test_digest_weeks() -> None:
    assert current_digest(CAMPAIGN, bkk(date(2021, 10, 6), 16)) is None
    assert key_of(current_digest(CAMPAIGN, bkk(THU_7, 0))) == "digest-0"
    assert key_of(current_digest(CAMPAIGN, bkk(date(2021, 10, 13), 16))) == "digest-0"
    assert key_of(current_digest(CAMPAIGN, bkk(THU_14, 0))) == "digest-1"


def test_decide_needs_an_aware_clock() -> None:
    with pytest.raises(ValueError, match="time zone"):
        decide(CAMPAIGN, datetime(2021, 9, 23, 9, 0), CampaignState(laos=()))


def _state(codes: list[str]) -> CampaignState:
    from outbound.reminders import AddressState

    return CampaignState(
        laos=tuple(
            LaoState(
                lao=LaoRef(code, f"LAO {code}", "นครปฐม", None, "sao"),
                current=None,
                addresses=(AddressState(f"saraban_0{code}@dla.go.th", False),),
            )
            for code in codes
        )
    )


# --- on the database ----------------------------------------------------------------------


@pytest.fixture
def sessions(db_url: str) -> Iterator[SessionFactory]:
    yield from campaign_database(db_url)


def campaign_database(db_url: str) -> Iterator[SessionFactory]:
    """A migrated database holding ``REGISTRY`` and its three submissions (also for bounces)."""
    engine = make_engine(db_url)
    migrate(engine)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        import_rows(session, REGISTRY, now=bkk(date(2021, 9, 1)), synthetic=True)
        submit(session, "2730101", "accepted", bkk(date(2021, 9, 20)))
        submit(session, "6730105", "needs_review", bkk(date(2021, 9, 21)))
        submit(session, "6730106", "rejected", bkk(date(2021, 9, 22)))
    yield factory
    engine.dispose()


def submit(session: Session, code: str, status: str, at: datetime) -> Submission:
    """A recorded submission of ``code`` (its own message), as the pipeline would leave it."""
    digest = hashlib.sha256(f"{code}{status}{at.isoformat()}".encode()).hexdigest()
    message = Message(
        sha256=digest, size=1, received_at=at, stored_at=at, state="processed", attempts=1
    )
    session.add(message)
    session.flush()
    submission = Submission(
        message_id=message.id,
        slot=code,
        lao_code=code,
        form_version="2564.1",
        status=status,
        fields={"lao_name": code},
        received_at=at,
        created_at=at,
        updated_at=at,
    )
    session.add(submission)
    session.flush()
    submission.receipt_no = f"ONEP-2564-{submission.id:06d}"
    return submission


def run(
    sessions: SessionFactory,
    now: datetime,
    campaign: CampaignConfig = CAMPAIGN,
    smtp: SmtpConfig = SMTP,
) -> tuple[ReminderPlan, QueueCounts]:
    with sessions() as session, session.begin():
        planned = plan(session, campaign, now)
        counts = queue(session, planned, Renderer(), smtp, now)
    return planned, counts


def outbox(sessions: SessionFactory) -> list[OutboxMail]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def count(sessions: SessionFactory, model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[arg-type]


def parsed(row: OutboxMail) -> EmailMessage:
    return email.message_from_bytes(row.raw)


def body(row: OutboxMail, subtype: str = "plain") -> str:
    for part in parsed(row).walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    raise AssertionError(f"no text/{subtype} part")


def test_first_round_goes_to_missing_laos_at_all_their_addresses(
    sessions: SessionFactory,
) -> None:
    planned, counts = run(sessions, bkk(THU_23, 9))
    rows = outbox(sessions)
    assert [(r.lao_code, r.to_address) for r in rows] == [
        ("5730101", "saraban_05730101@dla.go.th"),
        ("5730101", "saraban@samkhwaiphueak.go.th"),
        ("6730102", "saraban_06730102@dla.go.th"),
        ("6730103", "abt.takong@gmail.com"),
        ("6730106", "saraban_06730106@dla.go.th"),
        ("6740101", "saraban_06740101@dla.go.th"),
    ]
    assert counts.reminders == len(MISSING)
    assert counts.mails == 6
    assert counts.digests == 0
    assert [(s.code, s.reason) for s in planned.skipped] == [("6730104", "no_address")]
    assert {r.dedupe_key for r in rows} >= {
        "reminder:5730101:before-7:saraban_05730101@dla.go.th",
        "reminder:5730101:before-7:saraban@samkhwaiphueak.go.th",
    }
    for row in rows:
        assert row.kind == "reminder"
        assert row.status == "pending"
        assert row.auto_submitted_kind == "auto-generated"
        assert row.header_message_id == make_message_id(
            "reminder", row.id, "onep.go.th", SMTP.id_secret
        )
        message = parsed(row)
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["X-Auto-Response-Suppress"] == "All"
        assert message.get_content_type() == "multipart/alternative"
    first = rows[0]
    subject = read_header(first.raw, "Subject")
    assert subject == (
        "แจ้งเตือน: โปรดส่งแบบรายงานพื้นที่สีเขียว ภายในวันที่ 30 ก.ย. 2564 (เทศบาลตำบลสามควายเผือก)"
    )
    text = body(first)
    assert "ซึ่งจะครบกำหนดในอีก 7 วัน" in text
    assert "ข้อมูล ณ วันที่ 23 ก.ย. 2564" in text
    assert "ภายในวันที่ 30 กันยายน 2564" in text
    assert "(การแจ้งเตือนครั้งที่ 1)" in text
    assert "2021" not in text
    assert "ซึ่งจะครบกำหนดในอีก 7 วัน" in body(first, "html")
    rejected = body(rows[4])
    assert "ยังไม่ผ่านการตรวจสอบ" in rejected
    assert "ONEP-2564-" in rejected
    with sessions() as session:
        reminders = session.scalars(select(Reminder).order_by(Reminder.lao_code)).all()
        assert [(r.lao_code, r.round_key, r.kind) for r in reminders] == [
            (code, "before-7", "reminder") for code in MISSING
        ]


def test_a_rerun_in_the_same_round_is_a_noop(sessions: SessionFactory) -> None:
    run(sessions, bkk(THU_23, 9))
    planned, counts = run(sessions, bkk(THU_23, 16, 29, 59))
    assert counts.mails == 0
    assert counts.reminders == 0
    assert planned.already == len(MISSING)
    assert count(sessions, OutboxMail) == 6
    # the next day is still the same round
    assert run(sessions, bkk(date(2021, 9, 24), 10))[1].mails == 0


def test_outside_the_window_nothing_is_queued(sessions: SessionFactory) -> None:
    for moment in (bkk(THU_23, 8, 59, 59), bkk(THU_23, 16, 30), bkk(date(2021, 9, 25), 10)):
        planned, counts = run(sessions, moment)
        assert not planned.allowed
        assert counts.mails == 0
    assert count(sessions, OutboxMail) == 0
    assert run(sessions, bkk(THU_23, 9))[1].mails == 6


def test_a_round_missed_in_the_evening_goes_out_next_morning(sessions: SessionFactory) -> None:
    assert run(sessions, bkk(THU_23, 17))[1].mails == 0
    planned, counts = run(sessions, bkk(date(2021, 9, 24), 9))
    assert key_of(planned.round) == "before-7"
    assert counts.mails == 6


def test_one_reminder_not_two_when_a_later_round_is_due(sessions: SessionFactory) -> None:
    # nothing ran on Thursday 23 or Friday 24; on Monday 27 "before-3" is due: only it goes
    planned, _ = run(sessions, bkk(MON_27, 9))
    assert key_of(planned.round) == "before-3"
    with sessions() as session:
        keys = set(session.scalars(select(Reminder.round_key)))
    assert keys == {"before-3"}
    assert count(sessions, OutboxMail) == 6


def test_submitted_laos_are_not_reminded(sessions: SessionFactory) -> None:
    run(sessions, bkk(THU_23, 9))
    with sessions() as session, session.begin():
        submit(session, "6730102", "accepted", bkk(date(2021, 9, 24), 11))
        submit(session, "6730103", "needs_review", bkk(date(2021, 9, 24), 12))
        submit(session, "6730106", "accepted", bkk(date(2021, 9, 24), 13))  # replaces the rejected
    planned, _ = run(sessions, bkk(MON_27, 9))
    assert [r.lao.code for r in planned.reminders] == ["5730101", "6740101"]


def waiting_without_lao(
    session: Session, senders: list[str], at: datetime, *, reviewed: bool = False
) -> Submission:
    """A form waiting in review with no LAO assigned (content too weak to say whose), sent by
    ``senders`` (outermost first, as *identify* stores them)."""
    digest = hashlib.sha256(f"{senders}{at.isoformat()}".encode()).hexdigest()
    message = Message(sha256=digest, size=1, received_at=at, stored_at=at, state="processed",
                      attempts=1, from_address=senders[0])  # fmt: skip
    session.add(message)
    session.flush()
    submission = Submission(
        message_id=message.id, slot=f"file:{digest[:32]}", lao_code=None, form_version="2564.1",
        status="rejected" if reviewed else "needs_review", fields={}, received_at=at,
        identification={"certain": False, "candidates": [], "senders": senders},
        created_at=at, updated_at=at, reviewed_at=at if reviewed else None,
    )  # fmt: skip
    session.add(submission)
    session.flush()
    return submission


def test_a_form_waiting_without_an_lao_counts_for_its_senders_lao(
    sessions: SessionFactory,
) -> None:
    """Issue 11: an LAO whose form waits in review without an LAO assigned, sent from an address
    registered to it (directly, or inside a สถจ.'s forward), is "reported, pending review" and
    is not chased; an unknown address, an address two LAOs share, or a form a reviewer already
    decided does not count."""
    with sessions() as session, session.begin():
        session.add(LaoAddress(address="shared@nakhonpathom.go.th", lao_code="6740101",
                               source="registry", created_at=bkk(THU_23)))  # fmt: skip
        session.add(LaoAddress(address="shared@nakhonpathom.go.th", lao_code="6730102",
                               source="registry", created_at=bkk(THU_23)))  # fmt: skip
        at = bkk(date(2021, 9, 21))
        waiting_without_lao(session, ["Saraban@SamKhwaiPhueak.go.th"], at)  # 5730101, one LAO
        waiting_without_lao(session, ["p73@dla.go.th", "abt.takong@gmail.com"], at)  # 6730103
        waiting_without_lao(session, ["shared@nakhonpathom.go.th"], at)  # two LAOs: no one
        waiting_without_lao(session, ["someone@gmail.com"], at)  # unknown
        waiting_without_lao(session, ["saraban_06730106@dla.go.th"], at, reviewed=True)
    with sessions() as session:
        # 2730101 accepted, 6730105 waiting with its LAO; 5730101 and 6730103 by their senders
        assert status(session)["laos"]["submitted"] == 4
    planned, _ = run(sessions, bkk(THU_23, 9))
    assert [r.lao.code for r in planned.reminders] == ["6730102", "6730106", "6740101"]


def test_minimum_interval_is_exact(sessions: SessionFactory) -> None:
    run(sessions, bkk(MON_27, 15))  # "before-3", late in the day
    planned, counts = run(sessions, bkk(WED_29, 14, 59, 59))  # "before-1": 47:59:59 later
    assert counts.mails == 0
    assert {s.reason for s in planned.skipped} == {"too_soon", "no_address"}
    planned, counts = run(sessions, bkk(WED_29, 15))  # exactly 2 days later
    assert counts.reminders == len(MISSING)
    assert key_of(planned.round) == "before-1"


def test_never_more_than_reminder_max(sessions: SessionFactory) -> None:
    campaign = replace(CAMPAIGN, reminder_max=2)
    run(sessions, bkk(THU_23, 9), campaign)
    run(sessions, bkk(MON_27, 9), campaign)
    planned, counts = run(sessions, bkk(WED_29, 9), campaign)
    assert counts.mails == 0
    assert sorted(s.code for s in planned.skipped if s.reason == "max_reached") == MISSING
    with sessions() as session:
        per_lao = dict(
            session.execute(
                select(Reminder.lao_code, func.count(Reminder.id)).group_by(Reminder.lao_code)
            ).all()
        )
    assert per_lao == dict.fromkeys(MISSING, 2)
    # reminder_no counts up in the text
    assert "(การแจ้งเตือนครั้งที่ 2)" in body(outbox(sessions)[-1])


def test_failing_addresses_are_skipped_and_the_others_used(sessions: SessionFactory) -> None:
    with sessions() as session, session.begin():
        for row in session.scalars(
            select(LaoAddress).where(
                LaoAddress.address.in_(["saraban_05730101@dla.go.th", "abt.takong@gmail.com"])
            )
        ):
            row.failing_since = bkk(THU_23, 9, 5)
    planned, _ = run(sessions, bkk(MON_27, 9))
    by_lao = {r.lao.code: r.addresses for r in planned.reminders}
    assert by_lao["5730101"] == ("saraban@samkhwaiphueak.go.th",)
    assert "6730103" not in by_lao
    skipped = {s.code: s.reason for s in planned.skipped}
    assert skipped == {"6730103": "all_failing", "6730104": "no_address"}
    lines = planned.lines()
    assert any(
        line.startswith("skip: 6730103") and "every address is failing" in line for line in lines
    )


def test_digest_to_the_provincial_office_after_deadline_plus_escalate_days(
    sessions: SessionFactory,
) -> None:
    planned, counts = run(sessions, bkk(date(2021, 10, 6), 16))  # deadline + 6
    assert planned.digest_round is None
    assert counts.digests == 0
    planned, counts = run(sessions, bkk(THU_7, 9))  # deadline + 7
    assert counts.digests == 1
    digest = next(r for r in outbox(sessions) if r.kind == "digest")
    assert (digest.to_address, digest.lao_code) == ("p73@dla.go.th", "P73")
    assert digest.dedupe_key == "digest:P73:digest-0:p73@dla.go.th"
    assert parsed(digest)["Auto-Submitted"] == "auto-generated"
    assert read_header(digest.raw, "Subject") == (
        "รายชื่อ อปท. ในจังหวัดนครปฐม ที่ยังไม่ส่งแบบรายงานพื้นที่สีเขียว 5 แห่ง (ข้อมูล ณ 7 ต.ค. 2564)"
    )
    text = body(digest)
    assert text.startswith("เรียน ท้องถิ่นจังหวัดนครปฐม")
    assert "ส่งแบบรายงานแล้ว 2 แห่ง จากทั้งหมด 7 แห่ง ยังไม่ส่ง 5 แห่ง" in text
    assert "เลยกำหนดมา 7 วัน" in text
    for code, name in (
        ("5730101", "เทศบาลตำบลสามควายเผือก"),
        ("6730102", "องค์การบริหารส่วนตำบลบางแขม"),
        ("6730103", "องค์การบริหารส่วนตำบลตาก้อง"),
        ("6730104", "องค์การบริหารส่วนตำบลทัพหลวง"),
        ("6730106", "องค์การบริหารส่วนตำบลดอนยายหอม"),
    ):
        assert f"{code}  {name}" in text
        assert code in body(digest, "html")
        assert name in body(digest, "html")
    assert "2730101" not in text
    assert "6730105" not in text
    assert "6740101" not in text
    assert "6730104  องค์การบริหารส่วนตำบลทัพหลวง  (อำเภอเมืองนครปฐม)  * อีเมลที่ สผ. มีส่งไม่ถึง" in text
    # a province without a สถจ. is reported, not mailed
    assert [(s.code, s.reason) for s in planned.skipped if s.reason == "no_office"] == [
        ("-", "no_office")
    ]
    # once a week: not again in the same week, again the next week
    assert run(sessions, bkk(date(2021, 10, 13), 16))[1].digests == 0
    assert run(sessions, bkk(THU_14, 9))[1].digests == 1


def test_a_digest_due_on_saturday_goes_out_on_monday(sessions: SessionFactory) -> None:
    campaign = replace(CAMPAIGN, escalate_after_days=9)  # Saturday 9 Oct
    assert run(sessions, bkk(date(2021, 10, 9), 10), campaign)[1].digests == 0
    planned, counts = run(sessions, bkk(date(2021, 10, 11), 9), campaign)
    assert key_of(planned.digest_round) == "digest-0"
    assert counts.digests == 1


def test_reminders_after_the_deadline_use_the_after_template(sessions: SessionFactory) -> None:
    run(sessions, bkk(FRI_1, 9))
    row = outbox(sessions)[0]
    assert read_header(row.raw, "Subject") == (
        "ติดตาม: สผ. ยังไม่ได้รับแบบรายงานพื้นที่สีเขียวของเทศบาลตำบลสามควายเผือก (ครบกำหนด 30 ก.ย. 2564)"
    )
    assert "เลยกำหนดมา 1 วัน" in body(row)


def test_queueing_in_chunks_commits_the_same_mails(sessions: SessionFactory) -> None:
    with sessions() as session:
        planned = plan(session, CAMPAIGN, bkk(THU_7, 9))
    assert [len(p.reminders) + len(p.digests) for p in planned.chunks(2)] == [2, 2, 2]
    told: list[tuple[str, int, int | None]] = []
    counts = queue_in_chunks(
        sessions,
        planned,
        Renderer(),
        SMTP,
        bkk(THU_7, 9),
        size=2,
        progress=lambda *step: told.append(step),
    )
    assert told == [("queue", 2, 6), ("queue", 4, 6), ("queue", 6, 6)]  # `remind` on a terminal
    assert (counts.reminders, counts.digests, counts.mails) == (5, 1, 7)
    assert counts.skipped == len(planned.skipped)
    assert queue_in_chunks(sessions, planned, Renderer(), SMTP, bkk(THU_7, 9)).mails == 0
    assert count(sessions, Reminder) == 6


def test_the_loop_guard_also_holds_reminders(sessions: SessionFactory) -> None:
    smtp = replace(SMTP, auto_mail_per_address_per_day=0)
    _, counts = run(sessions, bkk(THU_23, 9), smtp=smtp)
    assert counts.mails == counts.suppressed == 6
    assert {r.status for r in outbox(sessions)} == {"suppressed"}


# --- the command and the service ----------------------------------------------------------


def services_for(sessions: SessionFactory, tmp_path: Path, now: datetime) -> Services:
    return Services(
        config=Config(smtp=SMTP),
        sessions=sessions,
        blobs=BlobStore(tmp_path / "store"),
        renderer=Renderer(),
        clock=lambda: now,
    )


def test_dry_run_prints_who_would_get_what_and_changes_nothing(
    sessions: SessionFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    remind_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["remind", "--dry-run", "--now", "2021-10-07T09:00"])
    assert args.now == bkk(THU_7, 9)
    before = (count(sessions, OutboxMail), count(sessions, Reminder))
    assert remind_cli.handle(args, services_for(sessions, tmp_path, bkk(THU_23))) == 0
    assert (count(sessions, OutboxMail), count(sessions, Reminder)) == before == (0, 0)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "reminder after-7: 5730101 เทศบาลตำบลสามควายเผือก (นครปฐม) -> saraban_05730101@dla.go.th"
        " | แจ้งเตือนครั้งที่ 1 / reminder 1"
    )
    assert sum(line.startswith("reminder after-7:") for line in lines) == 6
    assert any(
        line.startswith("digest digest-0: P73 ") and "-> p73@dla.go.th" in line for line in lines
    )
    assert any(line.startswith("skip: 6730104") for line in lines)
    assert "6 reminders" not in lines[-1]
    assert "7 mails" in lines[-1]


def test_remind_command_queues_and_reports(
    sessions: SessionFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    remind_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["remind"])
    assert remind_cli.handle(args, services_for(sessions, tmp_path, bkk(THU_23, 10))) == 0
    out = capsys.readouterr().out
    assert "queued 6 mails" in out
    assert count(sessions, OutboxMail) == 6


@pytest.mark.parametrize("value", ["yesterday", "2021-13-01T09:00"])
def test_bad_now_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    remind_cli.register(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["remind", "--now", value])
    assert exit_info.value.code == 2
    assert "--now: expected ISO 8601" in capsys.readouterr().err


def test_now_with_an_offset_is_kept() -> None:
    assert remind_cli.parse_now("2021-09-23T02:00:00Z") == bkk(THU_23, 9)


def test_the_service_runs_remind_inside_the_window(
    sessions: SessionFactory, tmp_path: Path
) -> None:
    trigger = remind_trigger(CAMPAIGN)
    # in the window's hours (16:35 is harmless: the plan itself says 16:30 is outside)
    assert trigger.get_next_fire_time(None, bkk(date(2021, 9, 24), 16, 31)) == bkk(
        date(2021, 9, 24), 16, 35
    )
    assert trigger.get_next_fire_time(None, bkk(date(2021, 9, 24), 16, 56)) == bkk(MON_27, 9)
    assert trigger.get_next_fire_time(None, bkk(MON_27, 9, 1)) == bkk(MON_27, 9, 5)
    scheduler = build_scheduler(services_for(sessions, tmp_path, bkk(THU_23, 9)))
    job = scheduler.get_job("remind")
    assert job is not None
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 300)
    from app.service import remind_job

    remind_job(services_for(sessions, tmp_path, bkk(THU_23, 9)))
    assert count(sessions, OutboxMail) == 6
    remind_job(services_for(sessions, tmp_path, bkk(THU_23, 9, 5)))
    assert count(sessions, OutboxMail) == 6
