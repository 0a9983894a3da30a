"""Shared set-up for the benchmarks: a private Dovecot, a config file, timing of a child process.

Benchmarks print figures; they never assert on time. ``--tiny`` runs each at a size CI can
afford, so none of them rots.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    peak_rss_mb: float
    stdout: str


def run_child(args: list[str]) -> ChildRun:
    """Run a child process; its wall time and its own peak RSS (see :mod:`bench.measure`)."""
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = os.path.join(tmp, "rss")
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.measure", rss_file, "--", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"benchmark child failed ({proc.returncode}): {' '.join(args)}")
        with open(rss_file, encoding="ascii") as handle:
            peak_kib = int(handle.read())
    return ChildRun(seconds, peak_kib / 1024, proc.stdout)


def toml_config(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, (int, float)):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f"{key} = {json.dumps(str(value), ensure_ascii=False)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
