"""Start-up benchmark: how long ``onep-inbox --help`` and ``status`` take, start to exit.

Each command runs as a fresh process (the way an operator types it) several times; the figures
are the best and the median wall time, and the median CPU time (user + system) of the process,
which is what a busy machine cannot inflate. ``status`` reads a freshly initialised SQLite
database. Figures, never assertions (tests/test_startup.py checks what is imported instead).

    python -m bench.startup           # 15 runs of each
    python -m bench.startup --tiny    # CI: 3 runs of each
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import toml_config


def _command() -> list[str]:
    script = shutil.which("onep-inbox", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "app.cli"]


def _time(args: list[str], runs: int) -> tuple[list[float], list[float]]:
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        before = os.times()
        started = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - started)
        after = os.times()
        cpus.append(
            after.children_user
            - before.children_user
            + after.children_system
            - before.children_system
        )
    return walls, cpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tiny", action="store_true", help="3 runs of each (CI)")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    runs = 3 if args.tiny else args.runs
    command = _command()
    with tempfile.TemporaryDirectory(prefix="onep-bench-startup-") as tmp:
        root = Path(tmp)
        config = toml_config(
            root / "config.toml",
            {
                "database": {"url": f"sqlite:///{root / 'db.sqlite3'}"},
                "storage": {"dir": root / "store"},
                "mailbox": {"kind": "maildir", "path": root / "maildir"},
                "smtp": {"kind": "directory", "directory": root / "outbox"},
            },
        )
        subprocess.run([*command, "--config", str(config), "init"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        print(f"{os.cpu_count()} cores; {runs} runs each; wall: best / median; CPU: median")
        for name, extra in (("--help", ["--help"]), ("status", ["status"])):
            walls, cpus = _time([*command, "--config", str(config), *extra], runs)
            print(
                f"onep-inbox {name:<7} wall {min(walls):.3f} / {statistics.median(walls):.3f} s;"
                f" CPU {statistics.median(cpus):.3f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
