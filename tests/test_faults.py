"""Faults against real servers: the service keeps running, backs off, shows the fault in
``status``, tells staff when it lasts, and loses nothing.

Covered here: an IMAP server that accepts and never answers (a stall: the timeout fires), the
poll job's back-off and the staff alert; SMTP 421, 451, 550 and a dropped connection through
``send``, with the fault in ``status`` until a run succeeds; SQLite busy (another writer holds
the lock while a poll stores); PostgreSQL dropping every connection (what a restart does to its
clients) between two polls, and a real ``pg_ctl restart`` and outage of a private cluster.
Elsewhere: the IMAP server kicking us mid-fetch and login refused
(``test_imap.py``, ``test_e2e.py``), 4xx/5xx retry rules (``test_send.py``).
"""

from __future__ import annotations

import mailbox
import os
import secrets
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from app.service import PollJob
from app.wiring import build_services
from core import config as config_module
from core.errors import SendError
from ingest.maildir import MaildirSource
from ingest.pipeline import poll_once
from ingest.services import Services
from outbound.alerts import queue_alerts
from outbound.outbox import Draft, drain, enqueue
from outbound.smtp import SmtpSender
from samples import mailbox as sample_mailbox
from samples.registry import sample_rows
from storage.db import migrate_url
from storage.models import Message, OutboxMail, Poll
from storage.queries import status
from storage.registry import import_rows

T0 = datetime(2021, 9, 29, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _services(tmp_path: Path, db_url: str, clock: Clock, **sections: dict[str, Any]) -> Services:
    mapping: dict[str, Any] = {
        "database": {"url": db_url},
        "storage": {"dir": str(tmp_path / "store")},
        "mailbox": {"kind": "maildir", "path": str(tmp_path / "maildir")},
        "smtp": {"kind": "directory", "directory": str(tmp_path / "outbox")},
    }
    for name, values in sections.items():
        mapping[name] = {**mapping.get(name, {}), **values}
    config = config_module.from_mapping(mapping, base_dir=tmp_path)
    migrate_url(config.database.url)
    services = build_services(config, clock=clock)
    with services.sessions() as session, session.begin():
        import_rows(session, sample_rows(), now=T0, synthetic=True)
    return services


@pytest.fixture
def stalled_port() -> Iterator[int]:
    """A TCP port that accepts connections (the kernel's backlog) and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


def test_a_stalled_imap_server_times_out_backs_off_shows_and_alerts(
    tmp_path: Path, stalled_port: int
) -> None:
    clock = Clock(T0)
    services = _services(
        tmp_path,
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        clock,
        mailbox={
            "kind": "imap",
            "port": stalled_port,
            "security": "none",
            "password": "x",
            "timeout_seconds": 0.5,
            "poll_interval_seconds": 60,
        },
        monitor={"staff_addresses": ["it@onep.go.th", "wanida@onep.go.th"], "quiet_hours": 0},
    )
    job = PollJob(services)
    try:
        job()  # fails, does not raise: the service keeps running
        with services.sessions() as session:
            (poll,) = session.scalars(select(Poll))
            assert poll.ok is False
            assert "0.5 s" in (poll.error or "")
            report = status(session)
        assert report["poll_failing_since"] is not None
        assert report["last_ok_poll"] is None
        clock.now += timedelta(seconds=30)
        job()  # backing off: not even tried
        clock.now += timedelta(seconds=31)
        job()  # the second try, then a two-minute wait
        assert job.failures == 2
        clock.now += timedelta(minutes=1)
        job()
        with services.sessions() as session:
            assert session.scalar(select(func.count(Poll.id))) == 2
        for _ in range(3):
            clock.now += timedelta(minutes=15)
            job()
        assert job.failures == 5
        with services.sessions() as session, session.begin():
            assert queue_alerts(session, services.config, clock.now) == 2
        with services.sessions() as session, session.begin():
            assert queue_alerts(session, services.config, clock.now) == 0  # one per episode
            alerts = list(session.scalars(select(OutboxMail).where(OutboxMail.kind == "alert")))
        assert sorted(a.to_address for a in alerts) == ["it@onep.go.th", "wanida@onep.go.th"]
        assert "polling" in alerts[0].subject
    finally:
        services.close()


def test_no_mail_for_too_long_during_the_campaign_tells_staff(tmp_path: Path) -> None:
    clock = Clock(datetime(2021, 9, 20, 3, 0, tzinfo=UTC))  # before the first round: quiet is fine
    services = _services(
        tmp_path,
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        clock,
        monitor={"staff_addresses": ["it@onep.go.th"], "quiet_hours": 24},
    )
    try:
        with services.sessions() as session, session.begin():
            assert queue_alerts(session, services.config, clock.now) == 0
        clock.now = datetime(2021, 9, 25, 3, 0, tzinfo=UTC)  # 2 days into the first round
        with services.sessions() as session, session.begin():
            assert queue_alerts(session, services.config, clock.now) == 1
        clock.now = datetime(2021, 12, 25, 3, 0, tzinfo=UTC)  # after campaign.end
        with services.sessions() as session, session.begin():
            assert queue_alerts(session, services.config, clock.now) == 0
    finally:
        services.close()


def _queue(services: Services, config: Any, *addresses: str) -> None:
    with services.sessions() as session, session.begin():
        for index, address in enumerate(addresses):
            enqueue(
                session,
                Draft(
                    kind="ack", dedupe_key=f"t:{index}", to_address=address, subject="s", text="t"
                ),
                config=config,
                now=T0,
            )


@pytest.mark.parametrize(
    ("code", "kind"), [(421, "retry"), (451, "retry"), (550, "failed"), (None, "retry")]
)
def test_smtp_faults_are_retried_or_recorded_and_shown(
    tmp_path: Path, smtp_server: Any, code: int | None, kind: str
) -> None:
    clock = Clock(T0)
    services = _services(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", clock)
    config = smtp_server.config(retry_base_seconds=60)
    try:
        _queue(services, config, "saraban_06730102@dla.go.th")
        if code is None:
            smtp_server.fail_next(421, "closing", command="MAIL")
            smtp_server.drop_connections()
        else:
            smtp_server.fail_next(code, f"{code} injected", command="DATA")
        first = drain(services.sessions, SmtpSender(config), config=config, clock=clock)
        assert (first.sent, first.retry_later, first.failed) == (
            (0, 1, 0) if kind == "retry" else (0, 0, 1)
        )
        with services.sessions() as session:
            report = status(session)
        if kind == "retry":
            assert report["send"]["failing_since"] is not None
            clock.now += timedelta(seconds=60)
            again = drain(services.sessions, SmtpSender(config), config=config, clock=clock)
            assert again.sent == 1
            with services.sessions() as session:
                report = status(session)
            assert report["send"]["failing_since"] is None
            assert report["last_sent_at"] is not None
        with services.sessions() as session:
            (row,) = session.scalars(select(OutboxMail))
        assert row.status == ("sent" if kind == "retry" else "failed")
    finally:
        services.close()


def test_an_unreachable_smtp_server_is_a_fault_in_status(tmp_path: Path, stalled_port: int) -> None:
    clock = Clock(T0)
    services = _services(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", clock)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    config = replace(
        services.config.smtp, kind="smtp", host="127.0.0.1", port=port, security="none"
    )
    try:
        _queue(services, config, "saraban_06730102@dla.go.th")
        with pytest.raises(SendError) as raised:
            drain(services.sessions, SmtpSender(config), config=config, clock=clock)
        assert raised.value.temporary
        with services.sessions() as session:
            report = status(session)
            assert session.scalar(select(OutboxMail.status)) == "pending"  # nothing lost
        assert "cannot reach" in report["send"]["last_error"]
    finally:
        services.close()


def test_sqlite_busy_waits_for_the_other_writer(tmp_path: Path) -> None:
    clock = Clock(T0)
    database = tmp_path / "db.sqlite3"
    services = _services(tmp_path, f"sqlite:///{database}", clock)
    mails = sample_mailbox.generate(sample_rows(), 6, seed=7)
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    for mail in mails:
        box.add(mail.raw)
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    release.start()
    try:
        summary = poll_once(services, MaildirSource(tmp_path / "maildir"))
        assert (summary.new_messages, summary.processed.failed) == (6, 0)
    finally:
        release.join()
        other.close()
        services.close()


@pytest.mark.postgres
def test_postgres_dropping_every_connection_loses_nothing(
    tmp_path: Path, postgres_url: str
) -> None:
    clock = Clock(T0)
    services = _services(tmp_path, postgres_url, clock)
    mails = sample_mailbox.generate(sample_rows(), 8, seed=8)
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    try:
        for mail in mails[:4]:
            box.add(mail.raw)
        assert poll_once(services, MaildirSource(tmp_path / "maildir")).new_messages == 4
        assert services.engine is not None
        with services.engine.connect() as connection:  # a restart, as the clients see it
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        for mail in mails[4:]:
            box.add(mail.raw)
        again = poll_once(services, MaildirSource(tmp_path / "maildir"))
        assert (again.new_messages, again.processed.failed) == (4, 0)
        with services.sessions() as session:
            assert session.scalar(select(func.count(Message.id))) == 8
    finally:
        services.close()


@pytest.fixture
def restartable_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """A private PostgreSQL cluster of this test's own, with a way to stop and start it (the
    machine's shared server cannot be restarted under the other tests)."""
    from tests.servers.postgres import _pg_binary, _private_cluster, _stop

    base = Path(f"/tmp/onep-pgrs-{secrets.token_hex(4)}")
    url, data = _private_cluster(base)
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    port = make_url(url).port

    def pg_ctl(action: str) -> None:
        options = ["-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1"]
        subprocess.run(
            [
                *as_postgres,
                _pg_binary("pg_ctl") or "pg_ctl",
                "-D",
                str(data),
                "-l",
                str(base / "log"),
                "-w",
                "-t",
                "60",
                "-m",
                "fast",
                *(options if action != "stop" else []),
                action,
            ],
            check=True,
            capture_output=True,
        )

    try:
        yield url, pg_ctl
    finally:
        _stop(base, data)


@pytest.mark.postgres
def test_a_real_postgres_restart_and_outage_lose_nothing(
    tmp_path: Path, restartable_postgres: tuple[str, Any]
) -> None:
    """The server really restarted (``pg_ctl restart``) between polls, then stopped during one:
    the poll job fails without raising and backs off, the messages stay in the mailbox, and once
    the server is back every message is stored exactly once."""
    url, pg_ctl = restartable_postgres
    clock = Clock(T0)
    services = _services(tmp_path, url, clock, mailbox={"poll_interval_seconds": 60})
    mails = sample_mailbox.generate(sample_rows(), 9, seed=9)
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    job = PollJob(services)
    try:
        for mail in mails[:3]:
            box.add(mail.raw)
        assert poll_once(services, MaildirSource(tmp_path / "maildir")).new_messages == 3
        pg_ctl("restart")
        for mail in mails[3:6]:
            box.add(mail.raw)
        again = poll_once(services, MaildirSource(tmp_path / "maildir"))
        assert (again.new_messages, again.processed.failed) == (3, 0)
        pg_ctl("stop")
        for mail in mails[6:]:
            box.add(mail.raw)
        job()  # the database is down: recorded in the log, no exception, a back-off
        assert job.failures == 1
        assert job.not_before is not None
        pg_ctl("start")
        clock.now = job.not_before
        job()
        assert job.failures == 0
        with services.sessions() as session:
            assert session.scalar(select(func.count(Message.id))) == 9
            assert session.scalar(select(func.count(func.distinct(Message.sha256)))) == 9
            report = status(session)
        assert report["poll_failing_since"] is None
    finally:
        services.close()
