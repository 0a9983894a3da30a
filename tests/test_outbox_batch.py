"""``enqueue_many`` (a reminder round in a few statements) makes exactly the rows that
``enqueue`` one draft at a time makes: the same dedupe, the same loop guard counted in order
(mail queued earlier in the same batch included), the same Message-IDs and bytes."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import SmtpConfig
from outbound.outbox import Draft, Queued, enqueue, enqueue_many
from storage.db import SessionFactory, make_engine, make_session_factory, migrate
from storage.models import OutboxMail

NOW = datetime(2021, 9, 23, 2, 0, tzinfo=UTC)
SMTP = SmtpConfig(id_secret="s3cret-for-tests", auto_mail_per_address_per_day=2)
COLUMNS = (
    "id",
    "dedupe_key",
    "kind",
    "to_address",
    "lao_code",
    "header_message_id",
    "subject",
    "raw",
    "status",
    "last_error",
    "auto_submitted_kind",
    "queued_at",
    "next_attempt_at",
)


def _drafts(seed: int) -> list[Draft]:
    """Mail to a few addresses, some keys given twice, a person's mail among the automatic."""
    rng = random.Random(seed)
    out: list[Draft] = []
    for n in range(60):
        address = f"saraban{rng.randrange(5)}@tambon{rng.randrange(3)}.go.th"
        key = f"reminder:{rng.randrange(40):04d}:before-7:{address}"
        out.append(
            Draft(
                kind=rng.choice(["reminder", "digest", "answer"]),
                dedupe_key=key,
                to_address=address,
                subject=f"แจ้งเตือน ครั้งที่ {n} อบต.หนองบัว",
                text=f"เรียน นายก อบต.หนองบัว\n\nยังไม่ได้รับแบบรายงาน ({n})\n",
                html=rng.choice([None, f"<p>ยังไม่ได้รับแบบรายงาน ({n})</p>"]),
                auto_submitted=rng.choice(["auto-generated", "auto-generated", None]),
                lao_code=f"{rng.randrange(9999):04d}",
            )
        )
    return out


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[SessionFactory, SessionFactory]]:
    """Two empty databases: one filled one draft at a time, the other in a batch."""
    engines = [make_engine(f"sqlite:///{tmp_path / name}") for name in ("one.db", "many.db")]
    for engine in engines:
        migrate(engine)
    yield make_session_factory(engines[0]), make_session_factory(engines[1])
    for engine in engines:
        engine.dispose()


def _rows(sessions: SessionFactory) -> list[tuple[object, ...]]:
    with sessions() as session:
        return [
            tuple(getattr(row, name) for name in COLUMNS)
            for row in session.scalars(select(OutboxMail).order_by(OutboxMail.id))
        ]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_batch_makes_the_rows_one_by_one_makes(
    two: tuple[SessionFactory, SessionFactory], seed: int
) -> None:
    one, many = two
    drafts = _drafts(seed)
    earlier = Draft(
        kind="ack",
        dedupe_key="ack:earlier",
        to_address=drafts[0].to_address,
        subject="ได้รับแบบรายงานแล้ว",
        text="ขอบคุณ",
    )
    with one() as session, session.begin():
        enqueue(session, earlier, config=SMTP, now=NOW - timedelta(hours=1))
        singles = [enqueue(session, d, config=SMTP, now=NOW) for d in drafts]
        expected_results = [None if row is None else Queued(row.id, row.status) for row in singles]
    # in chunks smaller than the drafts, so that one chunk counts the mail of the one before
    with many() as session, session.begin():
        enqueue(session, earlier, config=SMTP, now=NOW - timedelta(hours=1))
        results = enqueue_many(session, drafts, config=SMTP, now=NOW, chunk=7)
    expected = _rows(one)
    assert _rows(many) == expected
    assert results == expected_results
    statuses = [row[COLUMNS.index("status")] for row in expected]
    assert "suppressed" in statuses  # the loop guard did cap some
    assert len(expected) < len(drafts) + 1  # and some keys came twice


def test_a_key_already_queued_is_left_alone(two: tuple[SessionFactory, SessionFactory]) -> None:
    sessions, _ = two
    drafts = _drafts(3)
    with sessions() as session, session.begin():
        first = enqueue_many(session, drafts, config=SMTP, now=NOW)
    with sessions() as session, session.begin():
        again = enqueue_many(session, drafts, config=SMTP, now=NOW + timedelta(minutes=5))
    assert any(first)
    assert again == [None] * len(drafts)
