"""Deadline-day benchmark (issue 15): N messages of report forms in a Maildir, the way the last
days look (70 % .xlsx, 15 % text PDF, 5 % .docx, 10 % scans), through ``poll --once``, and the
same Maildir through the naive peer (``../shared/bench/peer_naive.py``, in a venv of its own)
in the same run.

Prints, with the number of cores: the seconds until every digital form (all but the scans) was
recorded and acknowledged, the whole poll's time and rate, the peak memory of the poll's whole
process tree (the poll and its reading workers, sampled), and the peer's time and rate on the
same mailbox (it reads the .xlsx only and acknowledges nothing). Figures, never assertions.

Every message is from a registered LAO's address and carries a form of that LAO; a few hundred
distinct forms per format are made (LibreOffice prints the PDFs and the pages that are scanned)
and each message's file is made unique (a zip comment, a PDF comment), so that no file is a
duplicate of another.

    python -m bench.deadline                    # 10,000 messages
    python -m bench.deadline --n 2000 --scans 0 # digital forms only
    python -m bench.deadline --workers 1        # read in the poll's own process
    python -m bench.deadline --tiny             # CI: 12 messages, no peer venv to build
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.common import toml_config

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT.parent / "shared" / "bench" / "peer_naive.py"
PEER_VENV = ROOT / "bench" / "out" / "peer-venv"
KINDS = ("xlsx", "pdf", "docx", "scan")
TYPES = {
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application", "pdf", "pdf"),
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "scan": ("application", "pdf", "pdf"),
}
DISTINCT = {"xlsx": 300, "pdf": 40, "docx": 40, "scan": 4}
"""Distinct forms made per format (each message's copy is then made unique)."""


@dataclass(frozen=True)
class Mix:
    xlsx: float
    pdf: float
    docx: float
    scan: float

    def kinds(self, n: int, rng: random.Random) -> list[str]:
        shares = {"xlsx": self.xlsx, "pdf": self.pdf, "docx": self.docx, "scan": self.scan}
        total = sum(shares.values())
        counts = {kind: int(n * share / total) for kind, share in shares.items()}
        counts["xlsx"] += n - sum(counts.values())
        out = [kind for kind, count in counts.items() for _ in range(count)]
        rng.shuffle(out)
        return out


# --- the mailbox -----------------------------------------------------------------------------


def _documents(kind: str, rows: list[Any], rng: random.Random) -> list[tuple[Any, bytes]]:
    """(registry row, file) for ``len(rows)`` forms of ``kind``."""
    from samples import forms, wordforms

    def truth(row: Any) -> dict[str, Any]:
        return forms.registry_truth(rng, row)

    if kind == "xlsx":
        return [(r, forms.fill_xlsx(truth(r), layout="template_beside", rng=rng)) for r in rows]
    if kind == "docx":
        return [(r, wordforms.fill_docx(truth(r), layout="word_template", rng=rng)) for r in rows]
    from samples.scans import convert_to_pdf, image_pdf, printable_xlsx, scan_images

    sheets = [
        (
            f"form{i}.xlsx",
            printable_xlsx(forms.fill_xlsx(truth(r), layout="template_beside", rng=rng)),
        )
        for i, r in enumerate(rows)
    ]
    pdfs = convert_to_pdf(sheets)
    if kind == "pdf":
        return list(zip(rows, pdfs, strict=True))
    return [(r, image_pdf(scan_images(pdf, rng))) for r, pdf in zip(rows, pdfs, strict=True)]


def _unique(kind: str, data: bytes, number: int) -> bytes:
    """The same document with bytes of its own: a zip comment, or a comment after a PDF's end."""
    if kind in ("xlsx", "docx"):
        buffer = io.BytesIO(data)
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.comment = f"bench copy {number}".encode()
        return buffer.getvalue()
    return data + f"\n% bench copy {number}\n".encode()


def _mail(row: Any, kind: str, data: bytes, number: int, when: datetime) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"งานธุรการ {row.name} <{row.emails[0]}>"
    msg["To"] = "onep.uem@onep.go.th"
    msg["Subject"] = f"ส่งแบบรายงานพื้นที่สีเขียว {row.name}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<bench-{kind}-{number}@{row.emails[0].split('@')[1]}>"
    msg.set_content(f"เรียน สผ.\n\nขอส่งแบบรายงานของ{row.name} ตามที่แนบมา\n")
    maintype, subtype, suffix = TYPES[kind]
    msg.add_attachment(data, maintype, subtype, filename=f"แบบรายงาน.{suffix}")
    return msg.as_bytes()


def build_maildir(folder: Path, n: int, mix: Mix, seed: int) -> dict[str, int]:
    """Write ``n`` messages into the Maildir ``folder``; how many of each kind."""
    import mailbox

    from samples.registry import sample_rows
    from samples.scans import soffice

    rng = random.Random(seed)
    laos = [r for r in sample_rows() if r.lao_type != "provincial_office" and r.emails]
    kinds = mix.kinds(n, rng)
    if soffice() is None and any(k in ("pdf", "scan") for k in kinds):
        print("LibreOffice is missing: the PDF and scan shares are sent as .xlsx instead")
        kinds = [k if k in ("xlsx", "docx") else "xlsx" for k in kinds]
    wanted = {kind: min(kinds.count(kind), DISTINCT[kind]) for kind in KINDS}
    made: dict[str, list[tuple[Any, bytes]]] = {}
    for kind, count in wanted.items():
        if count:
            started = time.perf_counter()
            made[kind] = _documents(kind, rng.sample(laos, count), rng)
            print(f"  {count} distinct {kind} forms in {time.perf_counter() - started:.1f} s")
    box = mailbox.Maildir(str(folder), create=True)
    start = datetime(2021, 9, 30, 1, 0, tzinfo=UTC)
    for number, kind in enumerate(kinds):
        row, data = made[kind][number % len(made[kind])]
        when = start + timedelta(seconds=number * 3)
        box.add(_mail(row, kind, _unique(kind, data, number), number, when))
    return {kind: kinds.count(kind) for kind in KINDS}


# --- running and measuring ---------------------------------------------------------------------


def _tree_rss_kib(pid: int) -> int:
    """The resident memory of ``pid`` and all its descendants, in KiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm", encoding="ascii") as handle:
                pages = int(handle.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, ()))
    return total


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_tree_mb: float
    stdout: str
    started: datetime


def run_sampled(args: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a child; its wall time and the peak RSS of its process tree (sampled every 50 ms)."""
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kib(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        sys.stderr.write(out + err)
        raise SystemExit(f"benchmark child failed ({proc.returncode}): {' '.join(args)}")
    return Run(seconds, peak / 1024, out, started_at)


def _digital_done(db: Path, started: datetime) -> tuple[float | None, int]:
    """Seconds from the poll's start until the last digital form's acknowledgement was queued,
    and how many digital-form messages were acknowledged."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT MAX(o.queued_at), COUNT(DISTINCT m.id) FROM outbox o"
            " JOIN messages m ON o.cause_message_id = m.id"
            " WHERE m.header_message_id NOT LIKE '<bench-scan-%'"
        ).fetchone()
    if rows[0] is None:
        return None, 0
    last = datetime.fromisoformat(str(rows[0]))
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return (last - started).total_seconds(), int(rows[1])


def _peer_python(tiny: bool) -> Path | None:
    """The peer's own venv (openpyxl and SQLAlchemy only), made once in bench/out/."""
    python = PEER_VENV / "bin" / "python"
    if python.exists():
        return python
    if tiny:
        return None  # CI does not build it
    print("making the peer's venv (openpyxl, sqlalchemy) in bench/out/peer-venv ...")
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "openpyxl", "sqlalchemy"], check=True
    )
    return python


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000, help="messages (default 10,000)")
    parser.add_argument("--scans", type=float, default=0.10, help="share of scans (default 0.10)")
    parser.add_argument("--workers", type=int, default=0, help="processing.workers (0: per core)")
    parser.add_argument("--no-peer", action="store_true", help="skip the naive peer")
    parser.add_argument("--tiny", action="store_true", help="CI: 12 messages")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    n = 12 if args.tiny else args.n
    digital = 1.0 - args.scans
    mix = Mix(xlsx=0.70 / 0.90 * digital, pdf=0.15 / 0.90 * digital, docx=0.05 / 0.90 * digital,
              scan=args.scans)  # fmt: skip
    print(f"{os.cpu_count()} cores; {n} messages; processing.workers = {args.workers}")
    with tempfile.TemporaryDirectory(prefix="onep-bench-deadline-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        counts = build_maildir(root / "maildir", n, mix, args.seed)
        print(f"mailbox: {counts} in {time.perf_counter() - started:.1f} s")
        db = root / "bench.sqlite3"
        config = toml_config(
            root / "config.toml",
            {
                "database": {"url": f"sqlite:///{db}"},
                "storage": {"dir": root / "store"},
                "mailbox": {"kind": "maildir", "path": root / "maildir"},
                "smtp": {"kind": "directory", "directory": root / "outbox"},
                "processing": {"workers": args.workers},
            },
        )
        cli = [sys.executable, "-m", "app.cli", "--config", str(config)]
        subprocess.run([*cli, "init"], check=True, stdout=subprocess.DEVNULL)
        registry = root / "laos.csv"
        subprocess.run([*cli, "registry", "sample", "--output", str(registry)], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run([*cli, "registry", "import", str(registry), "--synthetic"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip

        peer: Run | None = None
        python = None if args.no_peer or not PEER.exists() else _peer_python(args.tiny)
        if python is not None:  # first: our poll marks the mail (the peer does not care)
            peer = run_sampled([str(python), str(PEER), str(root / "maildir"), str(registry),
                                str(root / "peer.sqlite3")])  # fmt: skip
        poll = run_sampled([*cli, "poll", "--once"])
        digital_s, acknowledged = _digital_done(db, poll.started)
        print(f"poll --once: {poll.stdout.strip()}")
        print()
        print("| what | messages | seconds | msg/s | peak RSS (tree) |")
        print("|---|---|---|---|---|")
        forms = n - counts["scan"]
        if digital_s is not None:
            print(f"| digital forms acknowledged | {acknowledged} of {forms} | {digital_s:.1f} |"
                  f" {acknowledged / max(digital_s, 1e-9):.1f} | |")  # fmt: skip
        print(f"| poll --once, all | {n} | {poll.seconds:.1f} | {n / poll.seconds:.1f} |"
              f" {poll.peak_tree_mb:.0f} MB |")  # fmt: skip
        if peer is not None:
            print(f"| naive peer (xlsx only, no answers) | {n} | {peer.seconds:.1f} |"
                  f" {n / peer.seconds:.1f} | {peer.peak_tree_mb:.0f} MB |")  # fmt: skip
            print(f"\nrate ratio, poll --once / peer: {peer.seconds / poll.seconds:.2f}x")
        elif not args.no_peer:
            print(f"\npeer not run ({PEER} missing, or no peer venv under --tiny)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
