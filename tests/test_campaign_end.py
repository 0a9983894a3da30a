"""The campaign ends and can pause; mail is never back-dated; sending keeps to its caps.

``remind --dry-run --now 2026-12-08T10:00`` with the 2021 deadline used to plan 7,653 reminders
and weekly digests forever. Now nothing is planned after ``campaign.end`` (default: deadline +
60 days) or while ``campaign.paused``; ``remind --now`` in the past plans for then but dates the
mail now; ``send`` keeps to ``smtp.max_per_minute`` and ``smtp.max_per_day`` across runs (the
count is in the database), against a real SMTP server.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from core import config as config_module
from core.config import CampaignConfig
from outbound.outbox import drain
from outbound.reminder_mail import queue_in_chunks
from outbound.reminders import plan
from outbound.render import Renderer
from outbound.smtp import SmtpSender
from storage.db import SessionFactory
from tests.servers.smtp import SmtpServer
from tests.test_reminders import SMTP, THU_23, bkk, campaign_database, outbox, parsed


@pytest.fixture
def sessions(db_url: str) -> Iterator[SessionFactory]:
    yield from campaign_database(db_url)


def test_the_campaign_ends_sixty_days_after_the_deadline_by_default() -> None:
    campaign = CampaignConfig()
    assert campaign.last_day() == date(2021, 11, 29)
    assert replace(campaign, end=date(2021, 10, 31)).last_day() == date(2021, 10, 31)
    with pytest.raises(config_module.ConfigError, match=r"campaign\.end"):
        config_module.from_mapping({"campaign": {"end": "2021-09-01"}}, base_dir=Path("."))
    loaded = config_module.from_mapping(
        {"campaign": {"end": "2021-12-31", "paused": True}}, base_dir=Path(".")
    )
    assert (loaded.campaign.end, loaded.campaign.paused) == (date(2021, 12, 31), True)


def test_nothing_is_planned_after_the_end_or_while_paused(sessions: SessionFactory) -> None:
    campaign = CampaignConfig()
    with sessions() as session:
        during = plan(session, campaign, bkk(date(2021, 10, 7), 10))  # a digest and a reminder
        last = plan(session, campaign, bkk(date(2021, 11, 29), 10))  # a Monday, the last day
        after = plan(session, campaign, bkk(date(2021, 11, 30), 10))
        years = plan(session, campaign, bkk(date(2026, 12, 8), 10))
        paused = plan(session, replace(campaign, paused=True), bkk(date(2021, 10, 7), 10))
    assert during.reminders
    assert during.digests
    assert during.stopped is None
    assert last.digests
    assert last.stopped is None
    for stopped in (after, years, paused):
        assert (stopped.reminders, stopped.digests) == ((), ())
        assert stopped.stopped is not None
        assert stopped.mail_count == 0
    assert "campaign ended 2021-11-29" in years.summary()
    assert "paused" in paused.summary()


def test_remind_dry_run_years_later_plans_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite3"}"\n'
        f'[storage]\ndir = "{tmp_path / "store"}"\n'
        f'[smtp]\nkind = "directory"\ndirectory = "{tmp_path / "outbox"}"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "init"]) == 0
    assert (
        main(["--config", str(config), "registry", "sample", "--output", str(tmp_path / "r.csv")])
        == 0
    )
    assert main(["--config", str(config), "registry", "import", str(tmp_path / "r.csv")]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "remind", "--dry-run", "--now", "2026-12-08T10:00"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "the campaign ended 2021-11-29" in out[0]
    assert main(["--config", str(config), "remind", "--dry-run", "--now", "2021-10-01T10:00"]) == 0
    planned = capsys.readouterr().out.strip().splitlines()
    assert sum(line.startswith("reminder after-1") for line in planned) > 7000


def test_remind_now_in_the_past_does_not_back_date_mail(sessions: SessionFactory) -> None:
    planned_for = bkk(THU_23, 9)
    real_now = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    with sessions() as session:
        planned = plan(session, CampaignConfig(), planned_for)
    counts = queue_in_chunks(sessions, planned, Renderer(), SMTP, planned_for, dated=real_now)
    assert counts.mails == 6
    for row in outbox(sessions):
        sent_date = email.utils.parsedate_to_datetime(parsed(row)["Date"])
        assert sent_date == real_now
        assert row.queued_at == planned_for  # the schedule's memory is the planned moment


def test_send_keeps_to_the_caps_across_runs(
    sessions: SessionFactory, smtp_server: SmtpServer
) -> None:
    planned_for = bkk(THU_23, 9)
    with sessions() as session:
        planned = plan(session, CampaignConfig(), planned_for)
    queue_in_chunks(sessions, planned, Renderer(), SMTP, planned_for)
    assert len(outbox(sessions)) == 6
    config = smtp_server.config(max_per_minute=2, max_per_day=5)
    clock = [planned_for]

    def send() -> tuple[int, int]:
        summary = drain(sessions, SmtpSender(config), config=config, clock=lambda: clock[0])
        return summary.sent, summary.held

    assert send() == (2, 4)
    assert send() == (0, 4)  # the same minute: nothing more, whichever process asks
    clock[0] += timedelta(seconds=61)
    assert send() == (2, 2)
    clock[0] += timedelta(seconds=61)
    assert send() == (1, 1)  # the fifth of the day
    clock[0] += timedelta(hours=1)
    assert send() == (0, 1)
    clock[0] = bkk(THU_23 + timedelta(days=1), 0, 1)  # the next Bangkok day
    assert send() == (1, 0)
    assert len(smtp_server.messages) == 6
    unlimited = smtp_server.config(max_per_minute=0, max_per_day=0)
    assert (
        drain(sessions, SmtpSender(unlimited), config=unlimited, clock=lambda: clock[0]).held == 0
    )
