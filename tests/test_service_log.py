"""A service that says what it does: log lines by level, ``-v``, the ``[logging]`` section, and
progress on a terminal (a pty) but not in a pipe. The real console script, in a subprocess."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.progress import TerminalProgress, for_stream
from samples import mailbox as sample_mailbox
from samples.registry import sample_rows

SCRIPT = Path(sys.executable).with_name("onep-inbox")


@pytest.fixture(scope="module")
def demo_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo with an empty mailbox; each test fills it and polls."""
    directory = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(directory), "--messages", "0"]) == 0
    return directory / "config.toml"


def fill(config: Path, count: int, seed: int) -> None:
    mails = sample_mailbox.generate(sample_rows(), count, seed=seed)
    sample_mailbox.write_maildir(config.parent / "var" / "maildir", mails)


def onep(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=300, check=False
    )


def on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run with standard error on a pseudo-terminal: (exit code, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [str(SCRIPT), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    proc.stdout.close()
    return proc.wait(timeout=60), out, seen.decode(errors="replace")


def test_verbose_adds_a_line_per_message_with_stage_timings(demo_config: Path) -> None:
    fill(demo_config, 2, seed=11)
    quiet = onep("--config", str(demo_config), "poll", "--once")
    assert quiet.returncode == 0, quiet.stderr
    assert "processed 2" in quiet.stdout
    assert "queued" in quiet.stdout
    assert "ingest.pipeline" not in quiet.stderr
    assert "alembic" not in quiet.stderr  # libraries' chatter stays below INFO

    verbose = onep("--config", str(demo_config), "-v", "process", "--all")
    assert verbose.returncode == 0, verbose.stderr
    lines = [line for line in verbose.stderr.splitlines() if "ingest.pipeline: message" in line]
    assert len(lines) == 2
    for line in lines:
        assert " DEBUG " in line
        assert " ms (" in line
        for stage in ("classify", "extract", "parse", "identify", "record", "commit"):
            assert f"{stage} " in line
    assert "imapclient" not in verbose.stderr


def test_json_lines_to_a_file(demo_config: Path, tmp_path: Path) -> None:
    config = demo_config.with_name("json-logging.toml")  # beside it: the same relative paths
    text = demo_config.read_text(encoding="utf-8")
    config.write_text(
        text
        + f'\n[logging]\nlevel = "INFO"\nfile = "{tmp_path}/log/onep.jsonl"\nformat = "json"\n',
        encoding="utf-8",
    )
    fill(demo_config, 2, seed=12)
    result = onep("--config", str(config), "-v", "poll", "--once")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # everything went to the file
    entries = [
        json.loads(line)
        for line in (tmp_path / "log" / "onep.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert entries
    assert {"at", "level", "logger", "message"} <= set(entries[0])
    assert any(e["logger"] == "ingest.pipeline" and e["level"] == "DEBUG" for e in entries)
    assert all(e["at"].endswith("+00:00") for e in entries)


def test_progress_on_a_terminal_and_not_in_a_pipe(demo_config: Path, tmp_path: Path) -> None:
    fill(demo_config, 3, seed=13)
    code, out, terminal = on_a_terminal("--config", str(demo_config), "poll", "--once")
    assert code == 0
    assert "fetched 3" in out
    assert "\rfetch: 3/3 (100%)" in terminal
    assert "\rprocess: 3/3 (100%)" in terminal
    code, out, terminal = on_a_terminal("--config", str(demo_config), "process", "--all")
    assert code == 0
    assert "processed" in out
    assert "\rprocess: " in terminal
    assert "(100%)" in terminal
    piped = onep("--config", str(demo_config), "process", "--all")
    assert piped.returncode == 0
    assert "process:" not in piped.stderr
    assert "\r" not in piped.stderr

    registry = tmp_path / "laos.csv"
    registry.write_text(
        "lao_code,name,lao_type,province\n6560115,แม่ใส,อบต.,พะเยา\n", encoding="utf-8"
    )
    code, out, terminal = on_a_terminal(
        "--config", str(demo_config), "registry", "import", str(registry)
    )
    assert code == 0, terminal
    assert "\rcheck: 1/1 (100%)" in terminal
    assert "\rwrite: 1/1 (100%)" in terminal


def test_terminal_progress_draws_at_most_ten_times_a_second() -> None:
    ticks = iter([0.0, 0.01, 0.02, 0.5, 0.51, 0.52])
    out = io.StringIO()
    progress = TerminalProgress(out, clock=lambda: next(ticks))
    for done in range(1, 6):
        progress("process", done, 5)
    progress("send", 1, None)
    progress.close()
    drawn = out.getvalue()
    assert drawn.count("\rprocess: ") == 3  # the first, the one 0.5 s later, the last (100%)
    assert "\rprocess: 5/5 (100%)" in drawn
    assert "\nsend: 1" in drawn.replace("\r", "")
    assert drawn.endswith("\n")
    silent, close = for_stream(io.StringIO())  # not a terminal: nothing at all
    silent("process", 1, 2)
    close()
