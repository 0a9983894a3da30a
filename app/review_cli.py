"""``onep-inbox review ...``: the review queue on the command line.

Only argument parsing and printing; the logic is :mod:`staff.review`. Wired into
:mod:`app.cli` by :func:`register` (the sub-commands) and :func:`run` (the handler). Every
action runs in one transaction: the decision, its audit entry and its mail commit together.

    review list [--kind K] [--state open|resolved|all] [--json]
    review show ID [--json]
    review save ID N --output PATH
    review assign ID --to NAME --by NAME
    review accept ID [--lao CODE] --by NAME
    review reject ID --reason TEXT --by NAME
    review answer ID (--text TEXT | --text-file F) --by NAME

ID: a receipt number (ONEP-2564-000123), a submission id (123 or S123), or for a question its
message id (M45) or Message-ID. What ``show`` adds to the stored item (doubtful fields, numbered
attachments, Bangkok times) is :mod:`staff.review_show`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.dates import thai_datetime
from core.enums import ReviewKind
from core.errors import ReviewError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ingest.services import Services
    from staff import review

# The staff and storage modules are imported inside the actions: building the parser (every
# command does, `--help` too) must stay light.


ID_HELP = (
    "the item: a receipt number (ONEP-2564-000011), a submission number (12 or S12), or for a"
    " question M and its message number (M20) or its Message-ID, as `review list` shows them"
)
BY_HELP = (
    "your name for the audit log (a `users add` login); mail to the LAO is signed with that"
    " account's display name and position ([staff] signature_name for a name without one)"
)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``review`` and its sub-commands to the CLI's sub-parsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "review",
        help="what waits for a person: list, show, save, assign, accept, reject, answer",
        description="The review queue: unknown senders, uncertain LAOs, unreadable forms, forms"
        " with problems, and questions (mail from a person without a form). Every action takes"
        " --by NAME for the audit log; accept, reject and answer queue mail to the sender.",
    )
    commands = parser.add_subparsers(dest="review_command", required=True, metavar="ACTION")

    listing = commands.add_parser("list", help="items waiting (oldest first)")
    listing.add_argument("--kind", choices=tuple(ReviewKind), help="only items of this kind")
    listing.add_argument(
        "--state",
        choices=("open", "resolved", "all"),
        default="open",
        help="open (default): still waiting; resolved: decided; all: both",
    )
    listing.add_argument("--json", action="store_true", help="one JSON array")

    show = commands.add_parser(
        "show",
        help="one item: doubtful fields with their cells, attachments, candidates, history",
    )
    show.add_argument("id", metavar="ID", help=ID_HELP)
    show.add_argument("--json", action="store_true", help="one JSON object")

    save = commands.add_parser(
        "save", help="save an attachment of an item (as `review show` numbers them) to a file"
    )
    save.add_argument("id", metavar="ID", help=ID_HELP)
    save.add_argument(
        "number", type=int, metavar="N", help="the attachment's number in `review show`; 0: the"
        " whole message as received (.eml)"
    )  # fmt: skip
    save.add_argument(
        "--output",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help="the file to write, or a folder to write it in (default: here) under a name of"
        " ours such as ONEP-2564-000011-1.xlsx; never overwrites",
    )

    assign = commands.add_parser("assign", help="give an item to a reviewer")
    assign.add_argument("id", metavar="ID", help=ID_HELP)
    assign.add_argument("--to", required=True, metavar="NAME", help="the reviewer's login")
    assign.add_argument("--by", required=True, metavar="NAME", help=BY_HELP)

    accept = commands.add_parser(
        "accept",
        help="accept a submission (with --lao: as that LAO, learning the sender); mails the LAO",
    )
    accept.add_argument("id", metavar="ID", help=ID_HELP)
    accept.add_argument(
        "--lao",
        metavar="CODE",
        help="the LAO it belongs to (7-digit code; required when none was identified);"
        " the sender's address is then learned for it",
    )
    accept.add_argument("--by", required=True, metavar="NAME", help=BY_HELP)

    reject = commands.add_parser(
        "reject",
        help="reject a submission and mail what to fix (a question: close it without mail)",
    )
    reject.add_argument("id", metavar="ID", help=ID_HELP)
    reject.add_argument(
        "--reason", required=True, metavar="TEXT", help="what to fix, in Thai (goes to the LAO)"
    )
    reject.add_argument("--by", required=True, metavar="NAME", help=BY_HELP)

    answer = commands.add_parser(
        "answer",
        help="answer a question by email, signed by you (see --by)",
        description="Queue an answer to the sender of a question (`send` delivers it). Write"
        " the body only: the greeting (เรียน ...) and the closing and signature are added,"
        " unless the text already begins with เรียน or already closes with ขอแสดงความนับถือ.",
    )
    answer.add_argument("id", metavar="ID", help=ID_HELP)
    text = answer.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", metavar="TEXT", help="the answer, in Thai")
    text.add_argument(
        "--text-file", type=Path, metavar="F", help="the answer from a UTF-8 text file"
    )
    answer.add_argument("--by", required=True, metavar="NAME", help=BY_HELP)
    return parser


def run(args: argparse.Namespace, make_services: Callable[[argparse.Namespace], Services]) -> int:
    """The CLI's handler: build the services, :func:`handle`, close them."""
    with make_services(args) as services:
        return handle(args, services)


def handle(args: argparse.Namespace, services: Services) -> int:
    """Run one ``review`` action; 0 done, 1 refused (the reason on stderr)."""
    try:
        with services.sessions() as session, session.begin():
            return _ACTIONS[args.review_command](args, services, session)
    except ReviewError as exc:
        print(f"onep-inbox: {exc}", file=sys.stderr)
        return 1


def _mailer(services: Services) -> review.Mailer:
    from staff import review

    return review.Mailer(
        renderer=services.renderer, smtp=services.config.smtp, staff=services.config.staff
    )


def _list(args: argparse.Namespace, _services: Services, session: Session) -> int:
    from storage import reviews

    items = [
        reviews.summary(i) for i in reviews.list_items(session, kind=args.kind, state=args.state)
    ]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=1))
        return 0
    if not items:
        print("ไม่มีรายการรอตรวจสอบ / nothing waits for review")
        return 0
    for item in items:
        who = f" -> {item['assigned_to']}" if item["assigned_to"] else ""
        candidates = ",".join(c for c in item["candidates"] if c)
        received = thai_datetime(datetime.fromisoformat(item["received_at"]))
        print(
            f"{item['ref']:<18} {item['kind']:<15} {item['state']:<8} {received}"
            f"  {item['from'] or '-'}{who}"
        )
        print(f"    {item['reason']}" + (f"  [candidates: {candidates}]" if candidates else ""))
    print(f"{len(items)} item(s)")
    return 0


def _show(args: argparse.Namespace, _services: Services, session: Session) -> int:
    from staff import review_show

    details = review_show.describe(session, args.id)
    if args.json:
        print(json.dumps(details, ensure_ascii=False, indent=1, default=str))
        return 0
    print(f"{details['ref']}  {details['kind']}  {details['state']}")
    print(f"  จาก (from): {details['from']}  ได้รับ (received): {details['received_at_th']}")
    print(f"  เรื่อง (subject): {details['subject'] or '-'}")
    print(f"  เหตุที่ต้องตรวจ (reason): {details['reason']}")
    submission = details.get("submission")
    if submission is not None:
        print(f"  status: {submission['status']}  LAO: {submission['lao_code'] or '-'}")
        for key, value in submission["identity_fields"].items():
            print(f"  form {key}: {value}")
        print(f"  senders: {', '.join(submission['identification'].get('senders') or [])}")
        for problem in submission["problems"]:
            print(f"  problem: {problem.get('message_th') or problem.get('code')}")
    doubtful = details["doubtful"]
    if doubtful:
        print(f"  ค่าที่ควรตรวจ (doubtful fields, below {review_show.DOUBT_BELOW:.0%}):")
    for field in doubtful:
        confidence = field["confidence"]
        sure = f"{confidence:.0%}" if isinstance(confidence, int | float) else "-"
        print(
            f"    {field['label']} ({field['key']}) = {field['value']!r}"
            f"  from {field['source'] or '-'} (read {field['raw']!r}), confidence {sure}"
        )
        for problem in field["problems"]:
            print(f"      ! {problem}")
    for candidate in details["candidates"]:
        agrees = ",".join(candidate.get("agrees", []))
        conflicts = ",".join(candidate.get("conflicts", []))
        print(
            f"  candidate {candidate.get('code')} {candidate.get('name', '')}"
            f" อ.{candidate.get('district') or '-'} จ.{candidate.get('province', '-')}"
            f"  agrees: {agrees or '-'}  conflicts: {conflicts or '-'}"
        )
    print("  ไฟล์แนบ (attachments):")
    for attachment in details["attachments"]:
        print(
            f"    {attachment['number']}. {attachment['filename'] or '(no name)'}"
            f"  {attachment['role'] or '-'}, {attachment['format'] or '?'},"
            f" {attachment['size']:,} bytes{'  ' + attachment['note'] if attachment['note'] else ''}"
        )
        print(f"       {attachment['save']}")
    print(f"    0. the whole message: {details['save_message']}")
    for entry in details["history"]:
        print(f"  {entry['at_th']} {entry['by']}: {entry['action']} {entry['details']}")
    return 0


def _save(args: argparse.Namespace, services: Services, session: Session) -> int:
    from staff import review_show

    target = review_show.save(session, services.blobs, args.id, args.number, args.output)
    print(f"saved -> {target}")
    return 0


def _assign(args: argparse.Namespace, services: Services, session: Session) -> int:
    from staff import review
    from storage import reviews

    item = review.assign(session, args.id, to=args.to, by=args.by, now=services.clock())
    print(f"{reviews.ref_of(item)} assigned to {item.assigned_to}")
    return 0


def _accept(args: argparse.Namespace, services: Services, session: Session) -> int:
    from staff import review
    from storage import reviews

    item = review.accept(
        session,
        args.id,
        by=args.by,
        now=services.clock(),
        mailer=_mailer(services),
        lao_code=args.lao,
    )
    status = item.submission.status if item.submission is not None else "-"
    print(f"{reviews.ref_of(item)} accepted: {item.resolution_note} (status {status})")
    return 0


def _reject(args: argparse.Namespace, services: Services, session: Session) -> int:
    from staff import review
    from storage import reviews

    item = review.reject(
        session,
        args.id,
        reason=args.reason,
        by=args.by,
        now=services.clock(),
        mailer=_mailer(services),
    )
    print(f"{reviews.ref_of(item)} {item.resolution}")
    return 0


def _answer(args: argparse.Namespace, services: Services, session: Session) -> int:
    from staff import review
    from storage import reviews

    if args.text_file is not None:
        try:
            text = args.text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReviewError(f"อ่านไฟล์ไม่ได้ / cannot read {args.text_file}: {exc}") from exc
    else:
        text = args.text
    item = review.answer(
        session, args.id, text=text, by=args.by, now=services.clock(), mailer=_mailer(services)
    )
    print(f"{reviews.ref_of(item)} answered; the reply is queued (send delivers it)")
    return 0


_ACTIONS: dict[str, Callable[[argparse.Namespace, Services, Session], int]] = {
    "list": _list,
    "show": _show,
    "save": _save,
    "assign": _assign,
    "accept": _accept,
    "reject": _reject,
    "answer": _answer,
}
