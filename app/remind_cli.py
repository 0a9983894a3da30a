"""``onep-inbox remind [--dry-run] [--now ISO-8601]``: queue the reminders and digests due now.

Wired into :mod:`app.cli` by :func:`register` (the sub-command and its options) and
:func:`handle` (the work, on the services the CLI built). The schedule is
:mod:`outbound.reminders`; ``send`` delivers what this queues. ``--dry-run`` prints one line per
mail that would be queued (and the LAOs skipped, and why) and changes nothing.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.dates import BANGKOK
from core.progress import Progress, silent

if TYPE_CHECKING:
    from ingest.services import Services


def parse_now(value: str) -> datetime:
    """ISO 8601 (``2021-09-29T09:00``, ``2021-09-29T02:00:00Z``); no offset means Bangkok."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected ISO 8601 such as 2021-09-29T09:00+07:00, got {value!r}"
        ) from exc
    return parsed.replace(tzinfo=BANGKOK) if parsed.tzinfo is None else parsed


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``remind`` to the CLI's sub-commands (``parser.add_subparsers(...)``)."""
    remind: argparse.ArgumentParser = subparsers.add_parser(
        "remind",
        help="queue the reminders (and, after the deadline, the provincial digests) due now",
        description=(
            "Queue the reminders and provincial digests due at that moment (default: now); "
            "`send` delivers them. Inside [campaign] send_window only, on working days when "
            "working_days_only; a re-run in the same round queues nothing."
        ),
    )
    remind.add_argument(
        "--dry-run",
        action="store_true",
        help="print who would get what, one line per mail, and change nothing",
    )
    remind.add_argument(
        "--now",
        type=parse_now,
        metavar="ISO-8601",
        help="the moment to plan for (default: now); without an offset, Asia/Bangkok",
    )
    return remind


def handle(args: argparse.Namespace, services: Services, *, progress: Progress = silent) -> int:
    """Run ``remind``; prints lines on stdout, returns the exit code."""
    from outbound.reminder_mail import queue_in_chunks
    from outbound.reminders import plan

    clock = services.clock()
    now = args.now if args.now is not None else clock
    with services.sessions() as session:
        planned = plan(session, services.config.campaign, now)
    if args.dry_run:
        for line in planned.lines():
            print(line)
        return 0
    counts = queue_in_chunks(
        services.sessions,
        planned,
        services.renderer,
        services.config.smtp,
        now,
        progress=progress,
        dated=clock,  # --now in the past plans for then; the mail is dated now
    )
    for line in planned.lines():
        if line.startswith("skip:"):
            print(line)
    print(planned.summary())
    print(counts.line())
    return 0
