"""``run``: the long-running service. APScheduler 3.x drives the jobs; each job is one call
into the same functions the one-shot commands use (poll_once, drain, the reminders' plan and
queue).

The remind job runs every few minutes inside ``campaign.send_window`` (Asia/Bangkok; Monday to
Friday when ``working_days_only``); the plan itself decides what is due, so a run at the window's
edge or a late start queues exactly what ``remind`` would, and a second run in the same round
queues nothing. Bounces need no job: the pipeline reads them as they arrive.

Jobs are coalesced, never overlap (``max_instances=1``) and have an explicit misfire grace
time (APScheduler's default of 1 s silently skips a job that starts late). APScheduler 3 cannot
share a job store between processes, so each ``run`` process schedules its own jobs; one
``run`` per mailbox for now (roadmap: an advisory lock for several). SIGTERM and SIGINT stop the
scheduler after the running job finishes.

Where the IMAP server has IDLE, a watcher thread waits in IDLE on its own connection and wakes
the poll job as soon as the server reports new mail; the interval poll stays as the fallback.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.exc import SQLAlchemyError

from app.wiring import make_sender, make_source
from core.config import CampaignConfig
from core.errors import MailboxError, OnepInboxError
from ingest.pipeline import poll_once
from ingest.services import Services
from outbound.outbox import drain

log = logging.getLogger("onep_inbox.service")


class PollJob:
    """``poll_once`` on a schedule, backing off while the mailbox fails: after N failures in a
    row the next N-1 ... runs are skipped, doubling the wait up to :data:`MAX_BACKOFF` (the
    failure, and ``status``'s fault line, are recorded by ``poll_once`` in ``polls``)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.failures = 0
        self.not_before: datetime | None = None

    def __call__(self) -> None:
        services = self.services
        now = services.clock()
        if self.not_before is not None and now < self.not_before:
            return
        try:
            summary = poll_once(services, make_source(services.config))
        except (MailboxError, SQLAlchemyError) as exc:
            self.failures += 1
            wait = min(
                timedelta(seconds=services.config.mailbox.poll_interval_seconds)
                * 2 ** (self.failures - 1),
                MAX_BACKOFF,
            )
            self.not_before = now + wait
            temporary = not isinstance(exc, MailboxError) or exc.temporary
            log.error(
                "poll failed (%s; next try after %s): %s",
                "will retry" if temporary else "check the config",
                wait,
                exc,
            )
            return
        self.failures, self.not_before = 0, None
        log.info("poll: %s", summary.line())


MAX_BACKOFF = timedelta(minutes=15)


def poll_job(services: Services) -> None:
    """One poll (no back-off state: :class:`PollJob` keeps it for the service)."""
    PollJob(services)()


def send_job(services: Services) -> None:
    try:
        summary = drain(
            services.sessions,
            make_sender(services.config),
            config=services.config.smtp,
            clock=services.clock,
        )
    except OnepInboxError as exc:
        log.error("send failed: %s", exc)
        return
    if summary.sent or summary.failed or summary.retry_later:
        log.info("send: %s", summary.line())


REMIND_EVERY_MINUTES = 5
MONITOR_EVERY_MINUTES = 5


def monitor_job(services: Services) -> None:
    """Mail staff about a fault that has lasted (``[monitor]``, :mod:`outbound.alerts`)."""
    from outbound.alerts import queue_alerts
    from storage.health import beat

    now = services.clock()
    with services.sessions() as session, session.begin():
        queued = queue_alerts(session, services.config, now)
        beat(session, "monitor", now)
    if queued:
        log.warning("monitor: %d alert mails queued to staff", queued)


def remind_job(services: Services) -> None:
    from outbound.reminder_mail import queue_in_chunks
    from outbound.reminders import plan

    now = services.clock()
    with services.sessions() as session:
        planned = plan(session, services.config.campaign, now)
    if not planned.allowed or planned.stopped is not None:
        return
    counts = queue_in_chunks(
        services.sessions, planned, services.renderer, services.config.smtp, now
    )
    if counts.mails:
        log.info("remind: %s", counts.line())


def remind_trigger(campaign: CampaignConfig) -> CronTrigger:
    """Every few minutes in the hours of the send window, on the allowed days (Bangkok)."""
    start, end = campaign.send_window
    last_hour = end.hour if end.minute or end.second else end.hour - 1
    return CronTrigger(
        day_of_week="mon-fri" if campaign.working_days_only else "*",
        hour=f"{start.hour}-{max(start.hour, last_hour)}",
        minute=f"*/{REMIND_EVERY_MINUTES}",
        timezone="Asia/Bangkok",
    )


def build_scheduler(services: Services) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="Asia/Bangkok")
    mailbox, smtp = services.config.mailbox, services.config.smtp
    common = {"coalesce": True, "max_instances": 1}
    scheduler.add_job(
        PollJob(services),
        "interval",
        id="poll",
        seconds=mailbox.poll_interval_seconds,
        next_run_time=datetime.now().astimezone(),
        misfire_grace_time=mailbox.poll_interval_seconds,
        **common,
    )
    scheduler.add_job(
        send_job,
        "interval",
        args=[services],
        id="send",
        seconds=smtp.send_interval_seconds,
        next_run_time=datetime.now().astimezone(),
        misfire_grace_time=smtp.send_interval_seconds,
        **common,
    )
    scheduler.add_job(
        monitor_job,
        "interval",
        args=[services],
        id="monitor",
        minutes=MONITOR_EVERY_MINUTES,
        misfire_grace_time=MONITOR_EVERY_MINUTES * 60,
        **common,
    )
    scheduler.add_job(
        remind_job,
        remind_trigger(services.config.campaign),
        args=[services],
        id="remind",
        misfire_grace_time=REMIND_EVERY_MINUTES * 60,
        **common,
    )
    return scheduler


def _idle_watcher(services: Services, scheduler: BlockingScheduler, stop: threading.Event) -> None:
    from ingest.imap import ImapSource

    while not stop.is_set():
        try:
            with ImapSource(services.config.mailbox) as source:
                if not source.supports_idle():
                    log.info(
                        "IMAP server has no IDLE; polling every %ss",
                        services.config.mailbox.poll_interval_seconds,
                    )
                    return
                while not stop.is_set():
                    if source.idle_wait(60):
                        scheduler.modify_job("poll", next_run_time=datetime.now().astimezone())
        except MailboxError as exc:
            log.warning("IDLE watcher: %s; retrying in 30 s", exc)
            stop.wait(30)


def run_service(services: Services) -> int:
    scheduler = build_scheduler(services)
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the running job", signum)
        stop.set()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    config = services.config.mailbox
    if config.kind == "imap" and config.idle:
        threading.Thread(
            target=_idle_watcher, args=(services, scheduler, stop), name="imap-idle", daemon=True
        ).start()
    log.info("onep-inbox running; SIGTERM to stop")
    scheduler.start()
    return 0
