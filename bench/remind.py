"""Reminder benchmark: a reminder round for the synthetic registry (7,850 LAOs, about half of
them missing), queued, then sent to a local aiosmtpd server at an unlimited rate.

Prints the seconds to plan and to queue the round (render + outbox rows, one transaction), the
seconds a second run takes (a no-op), and the messages per second ``send`` delivers over one
SMTP connection. Figures, never assertions.

    python -m bench.remind              # the whole synthetic registry
    python -m bench.remind --db postgresql+psycopg://postgres@127.0.0.1/bench
    python -m bench.remind --submitted 0.035   # 7,577 reminders, as in issue 15
    python -m bench.remind --tiny       # CI: ~300 LAOs, a few seconds
"""

from __future__ import annotations

import argparse
import hashlib
import random
import socket
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import insert, select

from core.config import CampaignConfig, SmtpConfig
from core.dates import BANGKOK
from outbound.outbox import drain
from outbound.reminder_mail import queue
from outbound.reminders import plan
from outbound.render import Renderer
from outbound.smtp import SmtpSender
from samples.registry import sample_rows
from storage.db import make_engine, make_session_factory, migrate
from storage.models import Message, Submission
from storage.registry import RegistryRow, import_rows

NOW = datetime(2021, 9, 23, 9, 0, tzinfo=BANGKOK)  # the "before-7" round, inside the window


class _Counter:
    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.messages += 1
        self.bytes += len(envelope.original_content or b"")
        return "250 2.0.0 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _registry(tiny: bool) -> list[RegistryRow]:
    rows = sample_rows()
    if not tiny:
        return rows
    provinces = sorted({r.province for r in rows if r.lao_type == "provincial_office"})[:3]
    return [r for r in rows if r.province in provinces]


def _half_submitted(session: Any, rows: list[RegistryRow], seed: int, share: float = 0.5) -> int:
    """An accepted submission for about ``share`` of the LAOs (bulk insert, as after a busy
    week)."""
    rng = random.Random(seed)
    laos = [r for r in rows if r.lao_type != "provincial_office"]
    chosen = [r for r in laos if rng.random() < share]
    at = NOW - timedelta(days=2)
    session.execute(
        insert(Message),
        [
            {
                "sha256": hashlib.sha256(r.lao_code.encode()).hexdigest(),
                "size": 1,
                "received_at": at,
                "stored_at": at,
                "state": "processed",
                "attempts": 1,
            }
            for r in chosen
        ],
    )
    ids = dict(session.execute(select(Message.sha256, Message.id)).all())
    session.execute(
        insert(Submission),
        [
            {
                "receipt_no": f"ONEP-2564-{index:06d}",
                "message_id": ids[hashlib.sha256(r.lao_code.encode()).hexdigest()],
                "slot": r.lao_code,
                "lao_code": r.lao_code,
                "form_version": "2564.1",
                "status": "accepted",
                "fields": {},
                "provenance": {},
                "problems": [],
                "identification": {},
                "received_at": at,
                "reading_no": 1,
                "created_at": at,
                "updated_at": at,
            }
            for index, r in enumerate(chosen, start=1)
        ],
    )
    return len(chosen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--db", help="database URL (default: SQLite in the temp folder)")
    parser.add_argument(
        "--submitted",
        type=float,
        default=0.5,
        metavar="SHARE",
        help="share of the LAOs that already sent an accepted form (default 0.5; 0.035 is the"
        " issue's 7,577 reminders of the first round)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="onep-bench-remind-") as tmp:
        engine = make_engine(args.db or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        migrate(engine)
        sessions = make_session_factory(engine)
        rows = _registry(args.tiny)
        laos = sum(1 for r in rows if r.lao_type != "provincial_office")
        with sessions() as session, session.begin():
            import_rows(session, rows, now=NOW, synthetic=True)
            submitted = _half_submitted(session, rows, seed=2564, share=args.submitted)
        print(f"registry: {laos} LAOs, {submitted} with an accepted submission")

        campaign = CampaignConfig()
        renderer = Renderer()
        started = time.perf_counter()
        with sessions() as session:
            planned = plan(session, campaign, NOW)
        planned_s = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        with sessions() as session, session.begin():
            planned = plan(session, campaign, NOW)
            counts = queue(session, planned, renderer, SmtpConfig(), NOW)
        queued_s = time.perf_counter() - started
        cpu = time.process_time() - cpu
        print(
            f"plan (dry run): {planned_s:.2f} s; plan + queue + commit: {queued_s:.2f} s for "
            f"{counts.mails} mails to {counts.reminders} LAOs "
            f"({counts.mails / queued_s:.0f} mails/s; CPU {cpu:.2f} s); skipped {counts.skipped}"
        )
        started = time.perf_counter()
        with sessions() as session, session.begin():
            again = queue(session, plan(session, campaign, NOW), renderer, SmtpConfig(), NOW)
        print(
            f"second run in the same round: {again.mails} mails, {time.perf_counter() - started:.2f} s"
        )

        handler = _Counter()
        port = _free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10.0)
        controller.start()
        try:
            config = SmtpConfig(
                host="127.0.0.1",
                port=port,
                security="none",
                rate_per_minute=0,
                max_per_minute=0,
                max_per_day=0,
                timeout_seconds=30,
            )
            started = time.perf_counter()
            summary = drain(sessions, SmtpSender(config), config=config, clock=lambda: NOW)
            sent_s = time.perf_counter() - started
        finally:
            controller.stop()
        engine.dispose()
        print(
            f"send: {summary.sent} sent ({handler.messages} received, "
            f"{handler.bytes / 1e6:.1f} MB) in {sent_s:.2f} s = "
            f"{summary.sent / sent_s:.0f} messages/s over one SMTP connection"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
