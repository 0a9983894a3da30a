"""The command line: ``onep-inbox [--config PATH] COMMAND`` (contract: shared/spec/interface.md).

Exit codes: 0 success, 1 a handled failure (one line on stderr saying what to do), 2 bad usage.
Commands only parse arguments, build the services (:mod:`app.wiring`) and call one function of
the pipeline, outbox or storage layer; no logic lives here.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from core import config as config_module
from core.enums import StaffRole
from core.errors import OnepInboxError

if TYPE_CHECKING:
    from ingest.services import Services


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onep-inbox",
        description="Ingestion service for the onep.uem@onep.go.th report mailbox.",
    )
    parser.add_argument(
        "--config", type=Path, help="config file (default: $ONEP_INBOX_CONFIG, then ./config.toml)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("init", help="create or migrate the database, create the storage folders")

    poll = commands.add_parser("poll", help="fetch new mail, store, mark, process")
    poll.add_argument("--once", action="store_true", required=True, help="one poll, then exit")

    process = commands.add_parser("process", help="(re)run parsing on stored messages")
    group = process.add_mutually_exclusive_group()
    group.add_argument("--all", action="store_true", help="every stored message")
    group.add_argument("--message", metavar="ID", help="internal id or Message-ID")

    commands.add_parser("send", help="deliver what is due in the outbox")

    from app import remind_cli

    remind_cli.register(commands)

    status = commands.add_parser("status", help="where the campaign stands")
    status.add_argument("--json", action="store_true")

    export = commands.add_parser("export", help="submissions as jsonl, csv or xlsx")
    export.add_argument("--format", choices=("jsonl", "csv", "xlsx"), required=True)
    export.add_argument("--all", action="store_true", help="every submission ever recorded")
    export.add_argument("--output", type=Path, help="file to write (default: stdout; not for xlsx)")

    registry = commands.add_parser("registry", help="the LAO registry")
    registry_commands = registry.add_subparsers(dest="registry_command", required=True)
    reg_import = registry_commands.add_parser("import", help="load a registry CSV (all or nothing)")
    reg_import.add_argument("file", type=Path)
    reg_import.add_argument("--synthetic", action="store_true", help="mark the rows as synthetic")
    reg_sample = registry_commands.add_parser("sample", help="write the SYNTHETIC sample registry")
    reg_sample.add_argument("--output", type=Path, required=True)

    commands.add_parser("run", help="the service: poll, send, remind on a schedule until SIGTERM")

    users = commands.add_parser("users", help="staff accounts (dashboard sign-in, --by names)")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    users_add = users_commands.add_parser(
        "add", help="create a staff account; the password is prompted (or read from stdin)"
    )
    users_add.add_argument("name", help="login name, also the name given to --by (one word)")
    users_add.add_argument(
        "--role",
        choices=[role.value for role in StaffRole],
        required=True,
        help="viewer: look only; reviewer: also decide review items; admin: everything",
    )
    users_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    users_add.add_argument(
        "--no-password", action="store_true", help="no dashboard sign-in (CLI --by name only)"
    )
    users_add.add_argument(
        "--display-name", help="the name that signs letters, e.g. 'นางสาววนิดา ใจดี' (default: NAME)"
    )
    users_add.add_argument(
        "--position", default="", help="the position under the signature, e.g. 'นักวิชาการสิ่งแวดล้อม'"
    )

    from app import review_cli

    review_cli.register(commands)

    demo = commands.add_parser("demo", help="sample registry + sample mailbox + one full cycle")
    demo.add_argument(
        "--dir", type=Path, default=Path("demo"), help="where the demo lives (default ./demo)"
    )
    demo.add_argument("--messages", type=int, default=50, help="sample emails to generate")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler = _HANDLERS[args.command]
    try:
        return handler(args)
    except UsageError as exc:
        print(f"onep-inbox: {exc}", file=sys.stderr)
        return 2
    except OnepInboxError as exc:
        print(f"onep-inbox: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 1


def _config(args: argparse.Namespace) -> config_module.Config:
    path = args.config if args.config is not None else config_module.default_path()
    return config_module.load(path)


def _services(args: argparse.Namespace) -> Services:
    from app.wiring import build_services

    return build_services(_config(args))


def cmd_init(args: argparse.Namespace) -> int:
    from storage.db import migrate_url

    cfg = _config(args)
    migrate_url(cfg.database.url)
    cfg.storage.dir.mkdir(parents=True, exist_ok=True)
    if cfg.mailbox.kind == "maildir":
        for sub in ("cur", "new", "tmp"):
            (cfg.mailbox.path / sub).mkdir(parents=True, exist_ok=True)
    if cfg.smtp.kind == "directory":
        cfg.smtp.directory.mkdir(parents=True, exist_ok=True)
    print(f"database ready: {_safe_url(cfg.database.url)}; store: {cfg.storage.dir}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_poll(args: argparse.Namespace) -> int:
    from app.wiring import make_source
    from ingest.pipeline import poll_once

    with _services(args) as services:
        summary = poll_once(services, make_source(services.config))
        print(summary.line())
        return 0


def cmd_process(args: argparse.Namespace) -> int:
    from ingest.pipeline import process_pending
    from storage.models import Message

    with _services(args) as services:
        ids: list[int] | None = None
        if args.all:
            with services.sessions() as session:
                ids = list(
                    session.scalars(select(Message.id).order_by(Message.received_at, Message.id))
                )
        elif args.message:
            with services.sessions() as session:
                conditions = [Message.header_message_id == args.message]
                conditions.append(Message.header_message_id == f"<{args.message.strip('<>')}>")
                if args.message.isdigit():
                    conditions.append(Message.id == int(args.message))
                ids = list(
                    session.scalars(
                        select(Message.id)
                        .where(or_(*conditions))
                        .order_by(Message.received_at, Message.id)
                    )
                )
            if not ids:
                raise OnepInboxError(f"no stored message with id or Message-ID {args.message!r}")
        summary = process_pending(services, ids, include_failed=True)
        print(summary.line())
        return 1 if summary.failed else 0


def cmd_send(args: argparse.Namespace) -> int:
    from app.wiring import make_sender
    from outbound.outbox import drain

    with _services(args) as services:
        summary = drain(
            services.sessions,
            make_sender(services.config),
            config=services.config.smtp,
            clock=services.clock,
        )
        print(summary.line())
        return 0


def cmd_remind(args: argparse.Namespace) -> int:
    from app import remind_cli

    with _services(args) as services:
        return remind_cli.handle(args, services)


def cmd_review(args: argparse.Namespace) -> int:
    from app import review_cli

    return review_cli.run(args, _services)


def cmd_status(args: argparse.Namespace) -> int:
    from storage.queries import status

    with _services(args) as services:
        with services.sessions() as session:
            report = status(session)
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
            return 0
        subs, laos, outbox = report["submissions"], report["laos"], report["outbox"]
        poll = report["last_poll"]
        print(
            f"ข้อความที่ได้รับ (messages): {report['messages']}  ประมวลผลไม่สำเร็จ (failed): {report['messages_failed']}"
        )
        print(
            "รายงาน (submissions): " + ", ".join(f"{name} {count}" for name, count in subs.items())
        )
        print(
            f"อปท. (LAOs): ทั้งหมด {laos['total']}, ส่งแล้ว {laos['submitted']}, ยังไม่ส่ง {laos['missing']}"
        )
        print(
            f"outbox: pending {outbox['pending']}, sent {outbox['sent']}, failed {outbox['failed']}"
        )
        if poll:
            print(
                f"last poll: {poll['at']} ok={poll['ok']} fetched={poll['fetched']}"
                + (f" error: {poll['error']}" if poll["error"] else "")
            )
        else:
            print("last poll: never")
        print(f"last successful poll: {report['last_ok_poll'] or 'never'}")
        if report["poll_failing_since"]:
            print(f"FAULT: polling has failed since {report['poll_failing_since']}")
        send = report["send"]
        print(
            f"last send run ok: {send['last_ok_at'] or 'never'}; "
            f"last mail sent: {report['last_sent_at'] or 'never'}"
        )
        if send["failing_since"]:
            print(f"FAULT: sending has failed since {send['failing_since']}: {send['last_error']}")
        return 0


def cmd_export(args: argparse.Namespace) -> int:
    from staff import export
    from storage.queries import export_record, export_rows

    with _services(args) as services:
        with services.sessions() as session:
            records = [export_record(row) for row in export_rows(session, everything=args.all)]
        if args.format == "xlsx":
            if args.output is None:
                raise UsageError("export --format xlsx needs --output FILE.xlsx")
            args.output.write_bytes(export.xlsx_bytes(records))
        elif args.format == "jsonl":
            if args.output is None:
                export.write_jsonl(records, sys.stdout)
            else:
                with args.output.open("w", encoding="utf-8") as out:
                    export.write_jsonl(records, out)
        elif args.output is None:
            export.write_csv(records, sys.stdout, None)
        else:
            projects_path = args.output.with_name(args.output.stem + ".projects.csv")
            with (
                args.output.open("w", encoding="utf-8-sig", newline="") as out,
                projects_path.open("w", encoding="utf-8-sig", newline="") as projects_out,
            ):
                export.write_csv(records, out, projects_out)
        if args.output is not None:
            print(f"{len(records)} submissions -> {args.output}", file=sys.stderr)
        return 0


def cmd_registry(args: argparse.Namespace) -> int:
    from storage import registry

    if args.registry_command == "sample":
        from samples.registry import ATTRIBUTION, sample_rows

        rows = sample_rows()
        with args.output.open("w", encoding="utf-8", newline="") as out:
            registry.write_csv(rows, out)
        print(f"{len(rows)} SYNTHETIC rows -> {args.output}\n{ATTRIBUTION}")
        return 0
    with _services(args) as services:
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            raise OnepInboxError(f"cannot read {args.file}: {exc}") from exc
        rows = registry.parse_csv(data)
        with services.sessions() as session, session.begin():
            summary = registry.import_rows(
                session, rows, now=services.clock(), synthetic=args.synthetic
            )
        print(f"{len(rows)} rows: {summary}")
        return 0


def cmd_users(args: argparse.Namespace) -> int:
    from storage.users import add_user

    password: str | None = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not args.no_password:
        import getpass

        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise OnepInboxError("รหัสผ่านไม่ตรงกัน / the passwords differ; nothing created")
    with _services(args) as services, services.sessions() as session, session.begin():
        user = add_user(
            session,
            args.name,
            role=StaffRole(args.role),
            password=password,
            display_name=args.display_name,
            position=args.position,
            now=services.clock(),
        )
        print(f"user {user.name} ({user.role}) created; signs as {user.display_name}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from app.service import run_service

    with _services(args) as services:
        return run_service(services)


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import run_demo

    return run_demo(args.dir, messages=args.messages)


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": cmd_init,
    "poll": cmd_poll,
    "process": cmd_process,
    "send": cmd_send,
    "remind": cmd_remind,
    "review": cmd_review,
    "status": cmd_status,
    "export": cmd_export,
    "registry": cmd_registry,
    "run": cmd_run,
    "users": cmd_users,
    "demo": cmd_demo,
}


if __name__ == "__main__":
    sys.exit(main())
