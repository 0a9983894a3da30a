"""Ingest benchmark: N sample messages with form attachments in a private Dovecot, then
``onep-inbox poll --once`` (fetch, store, mark, parse, identify, record, queue acks), timed.

Prints messages/s, the poll's peak RSS, and the I/O floor: the same messages fetched raw over
IMAP with no processing, and the ratio between the two.

    python -m bench.ingest              # 2,000 messages
    python -m bench.ingest --n 10000
    python -m bench.ingest --db postgresql+psycopg://postgres@127.0.0.1/bench
    python -m bench.ingest --tiny       # CI: 20 messages, so the benchmark does not rot
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.common import run_child, toml_config


def floor(config_path: Path) -> None:
    """Child process: list + fetch every message with the product's IMAP source, nothing else."""
    from core import config as config_module
    from ingest.imap import ImapSource

    cfg = config_module.load(config_path)
    total = 0
    with ImapSource(cfg.mailbox) as source:
        listing = source.list()
        for fetched in source.fetch(listing.items):
            total += len(fetched.raw)
    print(f"{len(listing.items)} {total}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--db", help="database URL (default: SQLite in the temp folder)")
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        floor(args.floor)
        return 0
    n = 20 if args.tiny else args.n

    from samples import mailbox as sample_mailbox
    from samples.registry import sample_rows
    from tests.servers.dovecot import running_dovecot

    with tempfile.TemporaryDirectory(prefix="onep-bench-") as tmp:
        root = Path(tmp)
        (root / "dovecot").mkdir()
        started = time.perf_counter()
        registry = sample_rows()
        mails = sample_mailbox.generate(registry, n, seed=n)
        size = sum(len(m.raw) for m in mails)
        print(
            f"generated {n} messages ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )
        with running_dovecot(root / "dovecot") as dovecot:
            started = time.perf_counter()
            dovecot.append([m.raw for m in mails], internal_dates=[m.internal_date for m in mails])
            print(f"appended into Dovecot in {time.perf_counter() - started:.1f} s")
            mailbox = dovecot.mailbox_config(security="none", fetch_batch=200)
            db = args.db or f"sqlite:///{root / 'bench.sqlite3'}"
            config = toml_config(
                root / "config.toml",
                {
                    "database": {"url": db},
                    "storage": {"dir": root / "store"},
                    "mailbox": {
                        "kind": "imap",
                        "host": mailbox.host,
                        "port": mailbox.port,
                        "security": "none",
                        "username": mailbox.username,
                        "password": mailbox.password or "",
                        "fetch_batch": 200,
                    },
                    "smtp": {"kind": "directory", "directory": root / "outbox"},
                },
            )
            cli = [sys.executable, "-m", "app.cli", "--config", str(config)]
            run_child([*cli, "init"])
            (root / "laos.csv").parent.mkdir(exist_ok=True)
            run_child([*cli, "registry", "sample", "--output", str(root / "laos.csv")])
            run_child([*cli, "registry", "import", str(root / "laos.csv"), "--synthetic"])

            io_floor = run_child([sys.executable, "-m", "bench.ingest", "--floor", str(config)])
            poll = run_child([*cli, "poll", "--once"])
            print(f"poll --once: {poll.stdout.strip()}")
            rate = n / poll.seconds
            floor_rate = n / io_floor.seconds
            print()
            print(
                "| messages | poll --once | msg/s | peak RSS | I/O floor (fetch only) | floor msg/s | ratio |"
            )
            print("|---|---|---|---|---|---|---|")
            print(
                f"| {n} | {poll.seconds:.1f} s | {rate:.0f} | {poll.peak_rss_mb:.0f} MB | "
                f"{io_floor.seconds:.1f} s | {floor_rate:.0f} | {poll.seconds / io_floor.seconds:.1f}x |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
