"""Mail to ONEP staff when the service is in trouble (``[monitor]``): polling has failed for
longer than ``poll_failing_minutes``, or no mail has arrived for ``quiet_hours`` while the
campaign runs (from its first reminder round to its end). ``run`` checks every few minutes
(:func:`queue_alerts`); ``status`` shows the same faults.

One alert per episode and staff address: the dedupe key names when the trouble began (the first
failed poll after the last good one, the last mail received), so a fault that lasts a week is
reported once, and a new one again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import Config
from core.dates import thai_datetime
from outbound.outbox import Draft, enqueue
from outbound.schedule import reminder_rounds
from storage.models import Message, Poll


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    """``poll-failing:<since>`` or ``quiet:<since>``: one alert per episode."""
    subject: str
    text: str


def due_alerts(session: Session, config: Config, now: datetime) -> list[Alert]:
    monitor, alerts = config.monitor, []
    if monitor.poll_failing_minutes:
        last_ok = session.scalar(select(func.max(Poll.started_at)).where(Poll.ok.is_(True)))
        failing = select(Poll).where(Poll.ok.is_(False)).order_by(Poll.started_at.desc())
        if last_ok is not None:
            failing = failing.where(Poll.started_at > last_ok)
        polls = list(session.scalars(failing.limit(1000)))
        if polls:
            since, latest = polls[-1].started_at, polls[0]
            if now - since >= timedelta(minutes=monitor.poll_failing_minutes):
                alerts.append(
                    Alert(
                        f"poll-failing:{since.isoformat()}",
                        "onep-inbox: ดึงอีเมลไม่สำเร็จ / polling the mailbox is failing",
                        f"ระบบดึงอีเมลจากกล่อง {config.mailbox.username} ไม่สำเร็จ"
                        f" ตั้งแต่ {thai_datetime(since)} ({len(polls)} ครั้ง)\n"
                        f"Polling has failed since {since.isoformat()} ({len(polls)} times).\n"
                        f"Last error: {latest.error}\n"
                        "Check the mail server and `onep-inbox status`. Nothing is lost: mail "
                        "waits on the server and is fetched when polling works again.\n",
                    )
                )
    campaign = config.campaign
    rounds = reminder_rounds(campaign)
    start = rounds[0].due if rounds else None
    last_day = (
        datetime.combine(campaign.last_day() + timedelta(days=1), start.timetz()) if start else None
    )
    if (
        monitor.quiet_hours
        and start is not None
        and last_day is not None
        and start <= now < last_day
    ):
        last_mail = session.scalar(select(func.max(Message.received_at)))
        since = max(last_mail, start) if last_mail is not None else start
        if now - since >= timedelta(hours=monitor.quiet_hours):
            alerts.append(
                Alert(
                    f"quiet:{since.isoformat()}",
                    "onep-inbox: ไม่มีอีเมลเข้ามานานผิดปกติ / no mail has arrived",
                    f"ไม่มีอีเมลเข้ามาในกล่อง {config.mailbox.username} ตั้งแต่ {thai_datetime(since)}"
                    f" (เกิน {monitor.quiet_hours} ชั่วโมง) ระหว่างช่วงรับแบบรายงาน\n"
                    f"No mail has arrived since {since.isoformat()} (over {monitor.quiet_hours}"
                    " hours) during the campaign. Check that mail reaches the mailbox and that"
                    " polling works (`onep-inbox status`).\n",
                )
            )
    return alerts


def queue_alerts(session: Session, config: Config, now: datetime) -> int:
    """Queue the due alerts to ``monitor.staff_addresses``; returns the mails queued. The caller
    commits; ``send`` delivers them."""
    queued = 0
    for alert in due_alerts(session, config, now) if config.monitor.staff_addresses else []:
        for address in config.monitor.staff_addresses:
            row = enqueue(
                session,
                Draft(
                    kind="alert",
                    dedupe_key=f"alert:{alert.key}:{address}",
                    to_address=address,
                    subject=alert.subject,
                    text=alert.text,
                    auto_submitted="auto-generated",
                ),
                config=config.smtp,
                now=now,
            )
            queued += row is not None
    return queued
