"""The campaign's calendar: when reminder rounds and weekly digests are due, and when mail may
go out (``[campaign]``: deadline, rounds before and after it, ``send_window``, working days).

Pure: a config and a clock value in, values out. Used by the plan (:mod:`outbound.reminders`) and
the service's trigger (:mod:`app.service`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from core.config import CampaignConfig
from core.dates import BANGKOK
from core.enums import RoundKind


@dataclass(frozen=True, slots=True, order=True)
class Round:
    """One moment of the schedule: a reminder round or a weekly digest."""

    due: datetime
    """From when it is due: 00:00 Asia/Bangkok of ``day``."""
    key: str
    """``before-7``, ``after-1``, ``digest-0`` (week 0 = the first digest)."""
    kind: RoundKind = field(compare=False)
    day: date = field(compare=False)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BANGKOK)


def reminder_rounds(campaign: CampaignConfig) -> list[Round]:
    """The reminder rounds in time order (one per date; "before" wins a shared date)."""
    by_day: dict[date, str] = {}
    for days in sorted(campaign.reminder_days_after):
        by_day[campaign.deadline + timedelta(days=days)] = f"after-{days}"
    for days in sorted(campaign.reminder_days_before):
        by_day[campaign.deadline - timedelta(days=days)] = f"before-{days}"
    return sorted(
        Round(_midnight(day), key, RoundKind.REMINDER, day) for day, key in by_day.items()
    )


def _allowed_day(campaign: CampaignConfig, day: date) -> bool:
    return not campaign.working_days_only or day.weekday() < 5


def in_window(campaign: CampaignConfig, now: datetime) -> bool:
    """Inside ``send_window`` (start <= t < end, Bangkok) on an allowed day."""
    local = now.astimezone(BANGKOK)
    start, end = campaign.send_window
    return _allowed_day(campaign, local.date()) and start <= local.time() < end


def next_allowed(campaign: CampaignConfig, moment: datetime) -> datetime:
    """The first moment at or after ``moment`` when reminders may go out (Bangkok time)."""
    local = moment.astimezone(BANGKOK)
    start, end = campaign.send_window
    day = local.date()
    for _ in range(8):
        if _allowed_day(campaign, day):
            opens = datetime.combine(day, start, tzinfo=BANGKOK)
            closes = datetime.combine(day, end, tzinfo=BANGKOK)
            candidate = max(local, opens)
            if candidate < closes:
                return candidate
        day += timedelta(days=1)
    raise AssertionError("an allowed day comes within a week")  # pragma: no cover


def current_round(campaign: CampaignConfig, now: datetime) -> Round | None:
    """The reminder round in effect at ``now``: the latest one due, or None.

    A "before" round is over once the deadline day has passed.
    """
    due = [r for r in reminder_rounds(campaign) if r.due <= now]
    if not due:
        return None
    latest = due[-1]
    if latest.key.startswith("before-") and now.astimezone(BANGKOK).date() > campaign.deadline:
        return None
    return latest


def current_digest(campaign: CampaignConfig, now: datetime) -> Round | None:
    """The weekly digest in effect at ``now`` (from deadline + escalate_after_days), or None."""
    first = campaign.deadline + timedelta(days=campaign.escalate_after_days)
    today = now.astimezone(BANGKOK).date()
    if today < first:
        return None
    week = (today - first).days // 7
    day = first + timedelta(days=7 * week)
    return Round(_midnight(day), f"digest-{week}", RoundKind.DIGEST, day)
