"""Real mail nobody here wrote (``../shared/realworld``, beside the checkout): every case through
the embedded default in this process (a Maildir, SQLite, a directory outbox), then what went
wrong, by flag. Figures, never assertions; ``tests/test_realworld.py`` asserts on a CI-sized
subset (:data:`CI_CASES`) through the same :func:`run_cases`.

    python -m bench.realworld            # the whole corpus (several minutes: OCR, slow PDFs)
    python -m bench.realworld --tiny     # the CI subset

Real ``.eml`` files go in as they are; every other file is wrapped as the attachment of a plain
Thai email (made-up sender and subject, the file's own name). Flags, as
``../shared/realworld/check.py`` names them: LOST, FAILED, AUTO_ANSWERED (a bounce, complaint or
receipt not called automatic, or answered), NOT_READ_ANSWERED_NO_FORM (a file no reader read,
answered "no form"), DOC_UNPACKED_AS_ZIP (an .ods/.odt's own parts read as files),
TNEF_NOT_OPENED (a winmail.dat with files in it, not listed), FALSE_FORM (a submission read
out of a file that is not the form), SLOW (over 10 s).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mailbox
import re
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "realworld"
"""Beside the checkout, in CI too (a copy of shared/ lies beside the clone)."""
SLOW_SECONDS = 10.0
NOW = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)

CI_CASES = (
    # automatic: a read receipt, complaints (ARF), bounces without the usual headers
    "c095", "c105", "c107", "c142", "c145", "c163", "c169", "c171", "c191",
    # a raw UTF-8 address (RFC 6532); people's plain and malformed mail
    "c089", "c001", "c050",
    # files no reader reads: xlsb, Outlook .msg, rtf, pptx
    "c272", "c400", "c408", "c409",
    # OpenDocument, never unpacked as zips
    "c270", "c319", "c392",
    # Outlook TNEF (winmail.dat)
    "c254", "c261", "c264", "c265",
    # workbooks calamine opens that were called damaged: a WORKBOOK stream, a wrong SST count,
    # a minimal package, a BIFF error record
    "c275", "c280", "c289", "c310",
    # a list of 7,451 sub-districts: place names match a form label here and there, never together
    "c423",
)  # fmt: skip
_MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsb": "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
    "xls": "application/vnd.ms-excel",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "pdf": "application/pdf",
    "zip": "application/zip",
    "dat": "application/ms-tnef",
    "msg": "application/vnd.ms-outlook",
    "rtf": "application/rtf",
}
_SENDERS = (
    ("นางสาวพิมพ์ใจ มีสุข", "pimjai.m@mail.example.co.th"),
    ("งานธุรการ อบต.ทดลอง", "thurakan.tambon@example.org"),
)


@dataclass
class Case:
    id: str
    source: str
    path: str
    kind: str
    expect: str
    """``auto`` (a report, a receipt: never answered), ``mail`` or ``file`` (wrapped)."""
    raw: bytes
    attachment: str | None


@dataclass
class Result:
    case: Case
    state: str | None = None
    outcome: str | None = None
    kind: str | None = None
    seconds: float = 0.0
    error: str | None = None
    outbox: list[str] = field(default_factory=list)
    files: list[tuple[str, str | None, str | None, str | None]] = field(default_factory=list)
    """(part path, filename, format, note) of each attachment row."""
    flags: list[str] = field(default_factory=list)


def corpus_available(corpus: Path = CORPUS) -> bool:
    return (corpus / "corpus" / "manifest.json").is_file()


def _expectation(entry: dict[str, Any]) -> str:
    if entry["kind"] == "file":
        return "file"
    path, source = entry["path"], entry["source"]
    if source == "sisimai" and "/not/" not in path:
        return "auto"
    if source == "flanker" and re.search(r"/(bounce|complaints)/|disposition-notification", path):
        return "auto"
    if source == "mikel-mail" and "multipart_report_emails" in path:
        return "auto"
    return "mail"


def _wrap(entry: dict[str, Any], data: bytes, name: str, index: int) -> bytes:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    maintype, subtype = _MIME.get(ext, "application/octet-stream").split("/")
    sender_name, sender = _SENDERS[index % len(_SENDERS)]
    msg = EmailMessage(policy=default_policy)
    msg["From"] = f"{sender_name} <{sender}>"
    msg["To"] = "onep.uem@onep.go.th"
    msg["Subject"] = "ส่งเอกสารตามแนบ"
    when = datetime(2021, 9, 2, 9, 0, tzinfo=timezone(timedelta(hours=7)))
    msg["Date"] = format_datetime(when + timedelta(minutes=11 * index))
    msg["Message-ID"] = f"<bench-{entry['id']}-{entry['sha256'][:10]}@mail.example.co.th>"
    msg.set_content(f"เรียน สผ.\n\nส่งไฟล์ {name} มาตามแนบ\n")
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def load_cases(corpus: Path = CORPUS, only: Sequence[str] | None = None) -> list[Case]:
    entries = json.loads((corpus / "corpus" / "manifest.json").read_text(encoding="utf-8"))
    cases = []
    for index, entry in enumerate(entries):
        if only is not None and entry["id"] not in only:
            continue
        data = (corpus / "corpus" / entry["local"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise SystemExit(f"{entry['local']}: not the bytes the manifest names")
        name = None
        if entry["kind"] == "file":
            note = entry.get("note", "")
            name = (
                note.split("wrap-as:", 1)[1]
                if "wrap-as:" in note
                else entry["path"].rsplit("/", 1)[-1]
            )
        raw = data if entry["kind"] == "eml" else _wrap(entry, data, name or "file", index)
        cases.append(
            Case(
                entry["id"],
                entry["source"],
                entry["path"],
                entry["kind"],
                _expectation(entry),
                raw,
                name,
            )
        )
    return cases


def run_cases(cases: Sequence[Case], workdir: Path) -> list[Result]:
    """Every case through ``poll --once``'s path (store, then one process each, timed)."""
    from app.wiring import build_services
    from core import config as config_module
    from ingest.maildir import MaildirSource
    from ingest.pipeline import process_message
    from ingest.store import store_batch
    from samples.registry import sample_rows
    from storage.db import migrate_url
    from storage.models import Attachment, Message, MessageLocation, OutboxMail
    from storage.registry import import_rows

    cfg = config_module.from_mapping(
        {
            "database": {"url": f"sqlite:///{workdir / 'db.sqlite3'}"},
            "storage": {"dir": str(workdir / "store")},
            "mailbox": {"kind": "maildir", "path": str(workdir / "maildir")},
            "smtp": {"kind": "directory", "directory": str(workdir / "outbox")},
        },
        base_dir=workdir,
    )
    migrate_url(cfg.database.url)
    results = [Result(case) for case in cases]
    with build_services(cfg, clock=lambda: NOW) as services:
        with services.sessions() as session, session.begin():
            import_rows(session, sample_rows(), now=NOW, synthetic=True)
        box = mailbox.Maildir(workdir / "maildir", create=True)
        keys = {box.add(case.raw): result for case, result in zip(cases, results, strict=True)}
        source = MaildirSource(workdir / "maildir")
        # store everything first (poll --once's first half), then process each case, timed
        with source:
            listing = source.list()
            with services.sessions() as session, session.begin():
                store_batch(
                    session,
                    services.blobs,
                    mailbox=source.name,
                    uidvalidity=listing.uidvalidity,
                    fetched=source.fetch(listing.items),
                    now=NOW,
                )
        with services.sessions() as session:
            rows = session.execute(select(MessageLocation.item, MessageLocation.message_id)).all()
        by_key = {item: message_id for item, message_id in rows}
        for key, result in keys.items():
            message_id = by_key.get(key)
            if message_id is None:
                result.flags.append("LOST")
                continue
            start = time.perf_counter()
            process_message(services, message_id)
            result.seconds = time.perf_counter() - start
            with services.sessions() as session:
                message = session.get(Message, message_id)
                assert message is not None
                result.state, result.outcome, result.kind = (
                    message.state,
                    message.outcome,
                    message.kind,
                )
                result.error = message.error
                result.outbox = list(
                    session.scalars(
                        select(OutboxMail.kind).where(OutboxMail.cause_message_id == message_id)
                    )
                )
                result.files = [
                    (a.part_path, a.filename, a.format, a.note)
                    for a in session.scalars(
                        select(Attachment).where(Attachment.message_id == message_id)
                    )
                ]
            result.flags.extend(flags(result))
    return results


def flags(result: Result) -> list[str]:
    case, found = result.case, []
    if result.state == "failed":
        found.append("FAILED")
    elif result.state != "processed":
        found.append("NOT_PROCESSED")
    if result.seconds > SLOW_SECONDS:
        found.append("SLOW")
    if case.expect == "auto" and (result.outcome != "automatic" or result.outbox):
        found.append("AUTO_ANSWERED")
    if case.expect == "file" and result.state == "processed":
        own = [f for f in result.files if f[1] == case.attachment and "!" not in f[0]]
        inside = [f for f in result.files if "!" in f[0]]
        if own and "no reader" in (own[0][3] or "") and result.outcome == "no_form":
            found.append("NOT_READ_ANSWERED_NO_FORM")
        if own and own[0][2] in ("ods", "odt", "odp") and inside:
            found.append("DOC_UNPACKED_AS_ZIP")
        if (case.attachment or "").lower() == "winmail.dat" and not inside:
            found.append("TNEF_NOT_OPENED")
    if result.outcome == "forms":  # nothing in this corpus is the ONEP form
        found.append("FALSE_FORM")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="the CI subset only")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    if not corpus_available(args.corpus):
        print(f"realworld: no corpus at {args.corpus}; nothing to measure")
        return 0
    cases = load_cases(args.corpus, CI_CASES if args.tiny else None)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        results = run_cases(cases, Path(tmp))
        total = time.perf_counter() - start
    outcomes = Counter(r.outcome or r.state or "lost" for r in results)
    flagged = Counter(flag for r in results for flag in r.flags)
    print(f"realworld: {len(results)} cases in {total:.1f} s")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print("flags: " + (", ".join(f"{k} {v}" for k, v in flagged.most_common()) or "none"))
    slowest = sorted(results, key=lambda r: r.seconds, reverse=True)[:5]
    print("slowest: " + ", ".join(f"{r.case.id} {r.seconds:.1f} s" for r in slowest))
    for result in results:
        if result.flags:
            print(f"  {result.case.id} {result.case.source}:{result.case.path} {result.flags}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
