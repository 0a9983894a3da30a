"""``send``: the outbox drained into a real SMTP server that answers 2xx, 4xx and 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.config import SmtpConfig
from outbound.outbox import Draft, drain, enqueue
from outbound.smtp import SmtpSender
from storage.db import SessionFactory, make_engine, make_session_factory, migrate
from storage.models import OutboxMail

T0 = datetime(2021, 9, 28, 3, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sessions(db_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(db_url)
    migrate(engine)
    yield make_session_factory(engine)
    engine.dispose()


def _queue(
    sessions: SessionFactory, config: SmtpConfig, *addresses: str, now: datetime = T0
) -> None:
    with sessions() as session, session.begin():
        for index, address in enumerate(addresses):
            enqueue(
                session,
                Draft(
                    kind="ack",
                    dedupe_key=f"test:{address}:{now.isoformat()}:{index}",
                    to_address=address,
                    subject="ได้รับแบบรายงานแล้ว [ONEP-2564-000001]",
                    text="เรียน อบต.แม่ใส",
                ),
                config=config,
                now=now,
            )


def _rows(sessions: SessionFactory) -> list[OutboxMail]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_delivers_reusing_one_connection(sessions: SessionFactory, smtp_server: Any) -> None:
    config = smtp_server.config()
    _queue(sessions, config, "a@dla.go.th", "b@dla.go.th", "c@gmail.com")
    summary = drain(sessions, SmtpSender(config), config=config, clock=Clock(T0))
    assert (summary.sent, summary.retry_later, summary.failed) == (3, 0, 0)
    assert [m.rcpt_tos for m in smtp_server.messages] == [
        ("a@dla.go.th",),
        ("b@dla.go.th",),
        ("c@gmail.com",),
    ]
    assert smtp_server.connections == 1
    assert all(r.status == "sent" and r.sent_at == T0 for r in _rows(sessions))
    # nothing is sent twice
    assert drain(sessions, SmtpSender(config), config=config, clock=Clock(T0)).sent == 0
    assert len(smtp_server.messages) == 3


def test_temporary_failure_is_retried_with_backoff_permanent_is_recorded(
    sessions: SessionFactory, smtp_server: Any
) -> None:
    config = smtp_server.config()
    _queue(sessions, config, "busy@dla.go.th", "gone@dla.go.th")
    smtp_server.fail_next(451, "4.3.0 try again later", count=1)
    smtp_server.refuse_recipient("gone@dla.go.th", 550, "5.1.1 no such user")
    clock = Clock(T0)
    first = drain(sessions, SmtpSender(config), config=config, clock=clock)
    assert (first.sent, first.retry_later, first.failed) == (0, 1, 1)
    busy, gone = _rows(sessions)
    assert busy.status == "pending"
    assert "451" in (busy.last_error or "")
    assert busy.next_attempt_at == T0 + timedelta(seconds=config.retry_base_seconds)
    assert gone.status == "failed"
    assert "550" in (gone.last_error or "")

    # not due yet: nothing happens
    assert drain(sessions, SmtpSender(config), config=config, clock=clock).sent == 0
    clock.now = T0 + timedelta(seconds=config.retry_base_seconds)
    second = drain(sessions, SmtpSender(config), config=config, clock=clock)
    assert second.sent == 1
    assert [m.rcpt_tos for m in smtp_server.messages] == [("busy@dla.go.th",)]


def test_gives_up_after_max_attempts(sessions: SessionFactory, smtp_server: Any) -> None:
    config = smtp_server.config(max_attempts=2, retry_base_seconds=10)
    _queue(sessions, config, "busy@dla.go.th")
    smtp_server.fail_next(421, "4.7.0 slow down", count=5)
    clock = Clock(T0)
    drain(sessions, SmtpSender(config), config=config, clock=clock)
    clock.now += timedelta(seconds=10)
    final = drain(sessions, SmtpSender(config), config=config, clock=clock)
    assert final.failed == 1
    (row,) = _rows(sessions)
    assert (row.status, row.attempts) == ("failed", 2)


def test_loop_guard_caps_automatic_mail_per_address_per_day(
    sessions: SessionFactory, tmp_path: Path
) -> None:
    config = SmtpConfig(kind="directory", directory=tmp_path, auto_mail_per_address_per_day=2)
    _queue(sessions, config, *["same@gmail.com"] * 3)
    # a new Bangkok day (00:00 +07:00 = 17:00 UTC) starts a new count
    _queue(sessions, config, "same@gmail.com", now=datetime(2021, 9, 28, 17, 0, tzinfo=UTC))
    statuses = [r.status for r in _rows(sessions)]
    assert statuses == ["pending", "pending", "suppressed", "pending"]


def test_unreachable_server_is_temporary(sessions: SessionFactory) -> None:
    config = SmtpConfig(host="127.0.0.1", port=9, security="none", timeout_seconds=2)
    _queue(sessions, config, "a@dla.go.th")
    from core.errors import SendError

    with pytest.raises(SendError) as caught:
        drain(sessions, SmtpSender(config), config=config, clock=Clock(T0))
    assert caught.value.temporary
    assert _rows(sessions)[0].status == "pending"
