"""The command line: ``onep-inbox [--config PATH] [-v] COMMAND`` (contract: shared/spec/interface.md).

Exit codes: 0 success; 1 a handled failure (one line on stderr saying what to do); 2 bad usage,
or something the operator must fix first: the configuration, the database (missing, unreachable,
not initialised, password refused) or the mailbox/SMTP credentials. No traceback for any of
these; a traceback means a bug. Output cut short by its reader (``export ... | head``) ends
quietly.

Commands only parse arguments, build the services (:mod:`app.wiring`) and call one function of
a lower floor (the dashboard calls the same ones); no logic lives here. Heavy modules are
imported inside the commands, so that ``--help`` and ``status`` start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import config as config_module
from core.enums import StaffRole
from core.errors import (
    ConfigError,
    DatabaseError,
    MailboxError,
    OnepInboxError,
    SendError,
)

if TYPE_CHECKING:
    from ingest.services import Services

EXIT_FAILED = 1
EXIT_FIX_FIRST = 2

DESCRIPTION = """\
Ingestion service for the onep.uem@onep.go.th report mailbox: fetches every message, reads the
green-space report forms, works out which LAO sent each, answers in Thai, reminds those who have
not reported, and tells ONEP staff where the campaign stands.

Commands, in the order of a campaign: prepare (init, users, registry), take in mail (poll,
process, send, or all of it as a service: run), chase (remind), look after what needs a person
(review, addresses, outbox), report (status, export), or all of that in a browser (serve).
`demo` tries it all on sample data."""
EPILOG = """\
Each command has its own --help. Exit codes: 0 done; 1 a handled failure (one line on standard
error); 2 bad usage, or something to fix first (configuration, database, credentials).
Configuration: config.example.toml documents every key with its default."""


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onep-inbox",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="the configuration file (default: $ONEP_INBOX_CONFIG, then ./config.toml)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log more on standard error (or [logging] file): one line per processed message"
        " with its stage timings, and the scheduler's own messages",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser(
        "init",
        help="create or migrate the database and create the storage folders (safe to run again)",
        description="Create the database (SQLite file or the schema in an existing PostgreSQL"
        " database) or migrate it to this version, and create the storage folders. Every other"
        " command needs it done first; running it again changes nothing.",
    )

    _users_parser(commands)

    from app import registry_cli

    registry_cli.register(commands)

    poll = commands.add_parser(
        "poll",
        help="fetch new mail once, store it, mark it on the server, process it (queues replies)",
        description="Fetch every new message from the mailbox, store it, mark it on the server"
        " (keyword or move; \\Seen is never touched), read its forms and queue the"
        " acknowledgements in the outbox (`send` delivers them). Prints a one-line summary;"
        " shows progress on a terminal.",
    )
    poll.add_argument("--once", action="store_true", required=True, help="one poll, then exit")

    process = commands.add_parser(
        "process",
        help="re-read stored messages (after a parser fix); may queue mail to LAOs",
        description="Re-run the reading of stored messages (never touches the mailbox). A re-read"
        " updates the same submission, keeps the earlier reading, and queues a new mail to the"
        " LAO when, and only when, its outcome changed (`send` delivers it). Without an option:"
        " the messages not processed yet and those that failed.",
    )
    group = process.add_mutually_exclusive_group()
    group.add_argument("--all", action="store_true", help="every stored message, oldest first")
    group.add_argument(
        "--message",
        metavar="ID",
        help="one message: its number (45 or M45, as `review list` shows a question) or its"
        " Message-ID (<abc@host>, with or without the angle brackets)",
    )

    commands.add_parser(
        "send",
        help="deliver what is due in the outbox (acknowledgements, reminders, answers)",
        description="Deliver every mail that is due in the outbox; temporary failures are retried"
        " later, permanent ones recorded (`outbox failed` lists them, `outbox retry` retries).",
    )

    commands.add_parser(
        "run",
        help="the service: poll, send and remind on a schedule until SIGTERM/SIGINT",
        description="The service: polls (IMAP IDLE where the server offers it, else every"
        " mailbox.poll_interval_seconds), sends, and queues reminders inside"
        " campaign.send_window. Logs one line per poll and per send at INFO ([logging]); stops"
        " cleanly on SIGTERM or SIGINT.",
    )

    from app import mail_cli, remind_cli, review_cli

    remind_cli.register(commands)
    review_cli.register(commands)
    mail_cli.register(commands)

    status = commands.add_parser(
        "status",
        help="where the campaign stands: messages, submissions, LAOs, outbox, last poll",
        description="Where the campaign stands. Never creates or changes anything.",
    )
    status.add_argument("--json", action="store_true", help="one JSON object (interface.md)")

    export = commands.add_parser(
        "export",
        help="submissions as JSON lines, CSV or an Excel workbook (xlsx needs --output)",
        description="The submissions: one per LAO, its current one (or every one with --all)."
        " jsonl and csv are for machines (interface.md); xlsx is the report for people: Thai"
        " headers, the submissions, their projects, a summary per province and the LAOs still"
        " missing with their addresses.",
    )
    export.add_argument(
        "--format",
        choices=("jsonl", "csv", "xlsx"),
        required=True,
        help="jsonl: one JSON object a line; csv: flat columns (projects in a second file);"
        " xlsx: the workbook for people (needs --output)",
    )
    export.add_argument(
        "--all",
        action="store_true",
        help="every submission ever recorded, superseded and unidentified ones included",
    )
    export.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="the file to write (default: standard output); required for xlsx",
    )
    export.add_argument(
        "--projects",
        type=Path,
        metavar="PATH",
        help="csv: where to write the projects, one per row (default with --output:"
        " <output>.projects.csv beside it; without --output: not written)",
    )

    serve = commands.add_parser(
        "serve",
        help="the staff dashboard in a browser (sign in at /login)",
        description="The staff dashboard: progress by province, the review queue with each"
        " attachment beside its values, mail that failed, the campaign's reminder plan and"
        " pause switch, the service's health, search and downloads. Sign in at /login with an"
        " account made by `users add`. Listens on web.host:web.port unless given here; put it"
        " behind a TLS reverse proxy (web.trust_forwarded_proto) when it leaves this machine.",
    )
    serve.add_argument("--host", help="address to listen on (default web.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default web.port, 8080)")

    demo = commands.add_parser(
        "demo",
        help="try it without a mailbox: sample registry and mail, one full cycle",
        description="The embedded default on this machine alone: writes DIR/config.toml (SQLite,"
        " a Maildir, a folder of .eml files as outbox), imports the SYNTHETIC sample registry,"
        " generates sample LAO mail, runs one full cycle and prints the status. Safe to run"
        " again.",
    )
    demo.add_argument(
        "--dir", type=Path, default=Path("demo"), help="where the demo lives (default ./demo)"
    )
    demo.add_argument(
        "--messages", type=int, default=50, help="sample emails to generate (default 50)"
    )
    return parser


def _users_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser(
        "users",
        help="staff accounts: who signs in to the dashboard, acts with --by and signs letters",
        description="Staff accounts. The NAME is what --by takes and the audit log records;"
        " letters a person sends (review answer) are signed with the display name and position.",
    )
    users_commands = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    from app import logs

    logs.configure(None, verbose=args.verbose)
    handler = _HANDLERS[args.command]
    try:
        code = handler(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_FAILED
    except UsageError as exc:
        return _fail(exc, EXIT_FIX_FIRST)
    except (ConfigError, DatabaseError) as exc:
        return _fail(exc, EXIT_FIX_FIRST)
    except (MailboxError, SendError) as exc:
        return _fail(exc, EXIT_FAILED if exc.temporary else EXIT_FIX_FIRST)
    except OnepInboxError as exc:
        return _fail(exc, EXIT_FAILED)
    except KeyboardInterrupt:
        return EXIT_FAILED
    except Exception as exc:
        from storage.db import database_error

        translated = database_error(exc, _database_url(args))
        if translated is None:
            raise
        return _fail(translated, EXIT_FIX_FIRST)


def _fail(exc: BaseException, code: int) -> int:
    print(f"onep-inbox: {exc}", file=sys.stderr)
    return code


def _silence_stdout() -> None:
    """The reader of our output went away (``| head``): stop writing, quietly (Python's
    documented way: point stdout at /dev/null so the final flush has nowhere to fail)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _database_url(args: argparse.Namespace) -> str | None:
    try:
        return _config(args).database.url
    except ConfigError:
        return None


def _config(args: argparse.Namespace) -> config_module.Config:
    """The configuration (read once), and the logging it asks for."""
    cached: config_module.Config | None = getattr(args, "_config", None)
    if cached is not None:
        return cached
    path = args.config if args.config is not None else config_module.default_path()
    cfg = config_module.load(path)
    from app import logs

    logs.configure(cfg.logging, verbose=args.verbose)
    args._config = cfg
    return cfg


def _services(args: argparse.Namespace) -> Services:
    from app.wiring import build_services

    return build_services(_config(args))


def _progress() -> tuple[Callable[[str, int, int | None], None], Callable[[], None]]:
    from app.progress import for_stream

    return for_stream(sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    from storage.db import migrate_url, safe_url

    cfg = _config(args)
    migrate_url(cfg.database.url)
    cfg.storage.dir.mkdir(parents=True, exist_ok=True)
    if cfg.mailbox.kind == "maildir":
        for sub in ("cur", "new", "tmp"):
            (cfg.mailbox.path / sub).mkdir(parents=True, exist_ok=True)
    if cfg.smtp.kind == "directory":
        cfg.smtp.directory.mkdir(parents=True, exist_ok=True)
    print(f"database ready: {safe_url(cfg.database.url)}; store: {cfg.storage.dir}")
    return 0


def cmd_poll(args: argparse.Namespace) -> int:
    from app.wiring import make_source
    from ingest.pipeline import poll_once

    progress, done = _progress()
    with _services(args) as services:
        try:
            summary = poll_once(services, make_source(services.config), progress=progress)
        finally:
            done()
        print(summary.line())
        return 0


def cmd_process(args: argparse.Namespace) -> int:
    from ingest.pipeline import process_pending
    from storage.queries import message_ids

    progress, done = _progress()
    with _services(args) as services:
        ids: list[int] | None = None
        if args.all or args.message:
            with services.sessions() as session:
                ids = message_ids(session, args.message)
            if args.message and not ids:
                raise OnepInboxError(f"no stored message with id or Message-ID {args.message!r}")
        try:
            summary = process_pending(services, ids, include_failed=True, progress=progress)
        finally:
            done()
        print(summary.line())
        return EXIT_FAILED if summary.failed else 0


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

    progress, done = _progress()
    with _services(args) as services:
        try:
            return remind_cli.handle(args, services, progress=progress)
        finally:
            done()


def cmd_review(args: argparse.Namespace) -> int:
    from app import review_cli

    return review_cli.run(args, _services)


def cmd_mail(args: argparse.Namespace) -> int:
    from app import mail_cli

    with _services(args) as services:
        return mail_cli.handle(args, services)


def cmd_registry(args: argparse.Namespace) -> int:
    from app import registry_cli

    if args.registry_command == "sample":
        return registry_cli.sample(args)
    progress, done = _progress()
    with _services(args) as services:
        try:
            return registry_cli.handle(args, services, progress=progress)
        finally:
            done()


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
            f"  รออ่าน (waiting to be read, scans included): {report['messages_waiting']}"
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
    if args.format == "xlsx" and args.output is None:
        raise UsageError(
            "export --format xlsx needs --output FILE.xlsx (a workbook cannot go to the terminal)"
        )
    if args.projects is not None and args.format != "csv":
        raise UsageError("--projects is for --format csv (jsonl and xlsx carry the projects)")
    from staff import export

    with _services(args) as services, services.sessions() as session:
        version = services.config.campaign.form_version
        if args.format == "xlsx":
            from staff.workbook import build_report, write_xlsx

            report = build_report(session, everything=args.all, form_version=version)
            with _output(args.output, "wb") as out:
                write_xlsx(report, out)
            print(
                f"{len(report.records)} submissions, {len(report.provinces)} provinces,"
                f" {len(report.missing)} LAOs missing -> {args.output}",
                file=sys.stderr,
            )
            return 0
        from storage.queries import export_record, export_rows

        records = [export_record(row) for row in export_rows(session, everything=args.all)]
    if args.format == "jsonl":
        if args.output is None:
            export.write_jsonl(records, sys.stdout)
        else:
            with _output(args.output, "w", encoding="utf-8") as out:
                export.write_jsonl(records, out)
            print(f"{len(records)} submissions -> {args.output}", file=sys.stderr)
        return 0
    return _export_csv(args, records, version)


def _export_csv(args: argparse.Namespace, records: list[dict[str, Any]], version: str) -> int:
    from staff import export

    projects_path: Path | None = args.projects
    if projects_path is None and args.output is not None:
        projects_path = args.output.with_name(args.output.stem + ".projects.csv")
    projects_file = (
        _output(projects_path, "w", encoding="utf-8-sig", newline="")
        if projects_path is not None
        else None
    )
    try:
        if args.output is None:
            written, projects = export.write_csv(records, sys.stdout, projects_file, version)
            sys.stdout.flush()
        else:
            with _output(args.output, "w", encoding="utf-8-sig", newline="") as out:
                written, projects = export.write_csv(records, out, projects_file, version)
            print(f"{written} submissions -> {args.output}", file=sys.stderr)
    finally:
        if projects_file is not None:
            projects_file.close()
    if projects_path is not None:
        print(f"{projects} projects -> {projects_path}", file=sys.stderr)
    elif sys.stderr.isatty() and any(record["fields"].get("projects") for record in records):
        print("projects not written: add --projects FILE.csv", file=sys.stderr)
    return 0


def _output(path: Path, mode: str, **options: Any) -> Any:
    """``path`` opened for writing, or a usage error naming it (no such folder, no right)."""
    try:
        return path.open(mode, **options)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc


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


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from web.app import create_app

    cfg = _config(args)
    host = args.host or cfg.web.host
    port = args.port if args.port is not None else cfg.web.port
    if not 0 < port < 65536:
        raise UsageError(f"--port: expected 1-65535, got {port}")
    with _services(args) as services:
        print(f"onep-inbox dashboard: http://{host}:{port}/login", file=sys.stderr)
        uvicorn.run(
            create_app(services),
            host=host,
            port=port,
            proxy_headers=False,
            server_header=False,
            log_config=None,
            access_log=False,
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import run_demo

    progress, done = _progress()
    try:
        return run_demo(args.dir, messages=args.messages, progress=progress)
    finally:
        done()


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": cmd_init,
    "users": cmd_users,
    "registry": cmd_registry,
    "poll": cmd_poll,
    "process": cmd_process,
    "send": cmd_send,
    "run": cmd_run,
    "remind": cmd_remind,
    "review": cmd_review,
    "addresses": cmd_mail,
    "outbox": cmd_mail,
    "status": cmd_status,
    "export": cmd_export,
    "serve": cmd_serve,
    "demo": cmd_demo,
}


if __name__ == "__main__":
    sys.exit(main())
