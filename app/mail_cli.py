"""``onep-inbox addresses ...`` and ``onep-inbox outbox ...``: mail that does not get through.

    addresses failing [--json]           addresses that bounced (reminders skip them)
    addresses clear ADDRESS --by NAME    use one again (the LAO fixed its mailbox)
    outbox failed [--json]               mail that failed for good (5xx, attempts used up)
    outbox retry (ID ... | --all) --by NAME   queue it again; `send` delivers it

Only argument parsing and printing; the work is :mod:`storage.addresses` and
:mod:`outbound.outbox`, each action one transaction with its audit entry.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core.dates import thai_datetime

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ingest.services import Services

BY_HELP = "your name (a `users add` login) for the audit log"


def register(subparsers: Any) -> None:
    """Add ``addresses`` and ``outbox`` to the CLI's sub-commands."""
    addresses: argparse.ArgumentParser = subparsers.add_parser(
        "addresses",
        help="LAO addresses that bounce: list them, clear one that works again",
        description="An address a bounce marked failing gets no reminders or digests (the LAO's"
        " other addresses do). Clear it once the LAO says its mailbox works again.",
    )
    actions = addresses.add_subparsers(dest="mail_command", required=True, metavar="ACTION")
    failing = actions.add_parser("failing", help="every failing address, oldest first")
    failing.add_argument("--json", action="store_true", help="one JSON array")
    clear = actions.add_parser("clear", help="use a failing address again")
    clear.add_argument("address", metavar="ADDRESS", help="the email address, as listed")
    clear.add_argument("--by", required=True, metavar="NAME", help=BY_HELP)

    outbox: argparse.ArgumentParser = subparsers.add_parser(
        "outbox",
        help="outgoing mail that failed: list it, queue it again",
        description="Mail the SMTP server refused for good (5xx) or that used up"
        " smtp.max_attempts. Fix the cause (address, server), then retry: `send` or `run`"
        " delivers it.",
    )
    actions = outbox.add_subparsers(dest="mail_command", required=True, metavar="ACTION")
    failed = actions.add_parser("failed", help="every failed mail, oldest first")
    failed.add_argument("--json", action="store_true", help="one JSON array")
    retry = actions.add_parser("retry", help="queue failed mail again (due now)")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "ids", nargs="*", type=int, default=[], metavar="ID", help="outbox numbers, as listed"
    )
    which.add_argument("--all", action="store_true", help="every failed mail")
    retry.add_argument("--by", required=True, metavar="NAME", help=BY_HELP)


def handle(args: argparse.Namespace, services: Services) -> int:
    """Run one action in one transaction; 0 done (errors are raised as OnepInboxError)."""
    action = _ACTIONS[(args.command, args.mail_command)]
    with services.sessions() as session, session.begin():
        return action(args, services, session)


def _failing(args: argparse.Namespace, _services: Services, session: Session) -> int:
    from storage.addresses import failing_addresses

    rows = failing_addresses(session)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "address": r.address,
                        "lao_code": r.lao_code,
                        "lao_name": r.lao_name,
                        "province": r.province,
                        "source": r.source,
                        "since": r.since.isoformat(),
                        "reason": r.reason,
                        "other_working_addresses": r.others,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    if not rows:
        print("ไม่มีอีเมลที่ส่งไม่ถึง / no failing addresses")
        return 0
    for r in rows:
        others = f"อีเมลอื่นใช้ได้ {r.others}" if r.others else "ไม่มีอีเมลอื่นที่ใช้ได้ (no other address)"
        print(f"{r.address}  {r.lao_code} {r.lao_name} จ.{r.province}")
        print(f"    ตั้งแต่ {thai_datetime(r.since)}: {r.reason or '-'}; {others}")
    print(f"{len(rows)} failing; clear one with: onep-inbox addresses clear ADDRESS --by NAME")
    return 0


def _clear(args: argparse.Namespace, services: Services, session: Session) -> int:
    from storage.addresses import clear_failing

    entries = clear_failing(session, args.address, by=args.by, now=services.clock())
    codes = ", ".join(entry.lao_code for entry in entries)
    print(f"{args.address.strip().lower()} ใช้ได้อีกครั้ง (LAO {codes}); reminders use it again")
    return 0


def _failed(args: argparse.Namespace, _services: Services, session: Session) -> int:
    from outbound.outbox import failed_mail

    rows = failed_mail(session)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "kind": r.kind,
                        "to": r.to_address,
                        "lao_code": r.lao_code,
                        "subject": r.subject,
                        "queued_at": r.queued_at.isoformat(),
                        "attempts": r.attempts,
                        "error": r.last_error,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    if not rows:
        print("ไม่มีอีเมลที่ส่งไม่สำเร็จ / no failed mail")
        return 0
    for r in rows:
        print(f"{r.id:>7} {r.kind:<16} {r.to_address}  {thai_datetime(r.queued_at)}")
        print(f"        {r.subject}")
        print(f"        {r.attempts} attempt(s): {r.last_error or '-'}")
    print(f"{len(rows)} failed; queue again with: onep-inbox outbox retry ID ... --by NAME")
    return 0


def _retry(args: argparse.Namespace, services: Services, session: Session) -> int:
    from outbound.outbox import retry_failed

    rows = retry_failed(
        session, None if args.all else list(args.ids), by=args.by, now=services.clock()
    )
    print(f"{len(rows)} mail(s) queued again; `onep-inbox send` (or `run`) delivers them")
    return 0


_ACTIONS: dict[tuple[str, str], Callable[[argparse.Namespace, Services, Session], int]] = {
    ("addresses", "failing"): _failing,
    ("addresses", "clear"): _clear,
    ("outbox", "failed"): _failed,
    ("outbox", "retry"): _retry,
}
