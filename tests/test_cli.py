"""The command line as operators use it: the demo, exit codes, export formats, replays."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo run shared by the tests below (it is the README's first command)."""
    directory = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(directory), "--messages", "30"]) == 0
    return directory / "config.toml"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_runs_a_full_cycle(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--config", str(demo), "status", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["messages"] == 30
    assert report["laos"]["total"] > 7800
    assert report["laos"]["submitted"] >= 20
    assert report["outbox"]["sent"] >= 25
    assert report["outbox"]["pending"] == 0
    outbox = demo.parent / "var" / "outbox"
    assert len(list(outbox.glob("*.eml"))) == report["outbox"]["sent"]
    # a second demo is a no-op for the mailbox
    code, out, _ = _run(capsys, "demo", "--dir", str(demo.parent), "--messages", "30")
    assert code == 0
    assert "fetched 0 (new 0)" in out
    assert f"--config {demo} serve" in out
    assert "/login" in out


def test_the_demo_login_signs_in(demo: Path) -> None:
    """The account the demo prints works on the demo's database."""
    from app.demo import DEMO_PASSWORD, DEMO_USER
    from app.wiring import build_services
    from core import config as config_module
    from storage.users import authenticate

    with build_services(config_module.load(demo)) as services, services.sessions() as session:
        user = authenticate(session, DEMO_USER, DEMO_PASSWORD)
        assert user is not None
        assert user.role == "admin"


def test_status_for_people(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--config", str(demo), "status")
    assert code == 0
    assert "อปท. (LAOs)" in out
    assert "last poll" in out


def test_export_jsonl_is_one_current_submission_per_lao(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--config", str(demo), "export", "--format", "jsonl")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    codes = [r["lao_code"] for r in records]
    assert len(codes) == len(set(codes))
    assert None not in codes
    keys = {
        "submission_id",
        "message_id",
        "attachment",
        "lao_code",
        "lao_name",
        "province",
        "status",
        "received_at",
        "form_version",
        "fields",
        "problems",
    }
    for record in records:
        assert keys <= set(record)
        assert record["status"] in ("accepted", "needs_review", "rejected")
        assert record["received_at"].endswith("+07:00")
        assert record["form_version"] == "2564.1"
    accepted = [r for r in records if r["status"] == "accepted"]
    assert accepted
    fields = accepted[0]["fields"]
    assert isinstance(fields["population"], int)
    assert isinstance(fields["green_public_area_m2"], float | int)
    every = _run(capsys, "--config", str(demo), "export", "--format", "jsonl", "--all")[1]
    assert len(every.splitlines()) >= len(records)


def test_export_csv_and_xlsx(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_csv = tmp_path / "subs.csv"
    assert (
        _run(capsys, "--config", str(demo), "export", "--format", "csv", "--output", str(out_csv))[
            0
        ]
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    assert rows
    assert "fields.population" in rows[0]
    assert "lao_code" in rows[0]
    projects = (tmp_path / "subs.projects.csv").read_text(encoding="utf-8-sig")
    assert projects.startswith("submission_id,lao_code,row,name")
    out_xlsx = tmp_path / "subs.xlsx"
    assert (
        _run(
            capsys, "--config", str(demo), "export", "--format", "xlsx", "--output", str(out_xlsx)
        )[0]
        == 0
    )
    book = load_workbook(out_xlsx, read_only=True)
    assert book.sheetnames == [
        "รายงาน (submissions)",
        "โครงการ (projects)",
        "สรุปรายจังหวัด (provinces)",
        "ยังไม่ส่ง (missing)",
    ]
    book.close()
    code, _, err = _run(capsys, "--config", str(demo), "export", "--format", "xlsx")
    assert code == 2
    assert "--output" in err


def test_process_replays_by_message_id(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = json.loads(
        _run(capsys, "--config", str(demo), "export", "--format", "jsonl")[1].splitlines()[0]
    )
    code, out, _ = _run(capsys, "--config", str(demo), "process", "--message", record["message_id"])
    assert code == 0
    assert "processed 1, failed 0" in out
    code, _, err = _run(capsys, "--config", str(demo), "process", "--message", "<nope@x>")
    assert code == 1
    assert "no stored message" in err


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--config", str(tmp_path / "missing.toml"), "status")
    assert code == 2  # the operator must fix something first
    assert "not found" in err
    assert len(err.strip().splitlines()) == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('[smtp]\nport = "x"\n')
    code, _, err = _run(capsys, "--config", str(bad), "status")
    assert code == 2
    assert "smtp.port" in err
    with pytest.raises(SystemExit) as usage:
        main(["frobnicate"])
    assert usage.value.code == 2
    with pytest.raises(SystemExit) as usage:
        main(["poll"])
    assert usage.value.code == 2


def test_registry_import_reports_bad_lines_and_applies_nothing(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "laos.csv"
    bad.write_text(
        "lao_code,name,lao_type,province,district,subdistrict,emails\n"
        "6560115,องค์การบริหารส่วนตำบลแม่ใส,sao,พะเยา,เมืองพะเยา,แม่ใส,a@b.th\n"
        "12,เทศบาลตำบลผิด,subdistrict_municipality,ไม่มีจังหวัดนี้,,,\n",
        encoding="utf-8",
    )
    code, _, err = _run(capsys, "--config", str(demo), "registry", "import", str(bad))
    assert code == 1
    assert "3" in err


def test_run_polls_sends_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """The service under APScheduler: it processes the sample mailbox, delivers the replies,
    and exits 0 on SIGTERM."""
    assert main(["demo", "--dir", str(tmp_path), "--messages", "0"]) == 0
    from samples import mailbox as sample_mailbox
    from samples.registry import sample_rows

    mails = sample_mailbox.generate(sample_rows(), 6, seed=5)
    sample_mailbox.write_maildir(tmp_path / "var" / "maildir", mails)
    config = tmp_path / "config.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('kind = "maildir"', 'kind = "maildir"\npoll_interval_seconds = 1')
    text = text.replace('kind = "directory"', 'kind = "directory"\nsend_interval_seconds = 1')
    config.write_text(text, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    outbox = tmp_path / "var" / "outbox"
    expected = sum(m.scenario not in ("auto_reply", "bounce") for m in mails)
    deadline = time.monotonic() + 60
    try:
        while len(list(outbox.glob("*.eml"))) < expected:
            if proc.poll() is not None or time.monotonic() > deadline:
                _, err = proc.communicate(timeout=5)
                pytest.fail(
                    f"run did not deliver {expected} replies: exit {proc.returncode}\n{err.decode()}"
                )
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err.decode()
    # without -v: one INFO line per poll and per send that had mail; the scheduler stays quiet
    log = err.decode()
    polls = [line for line in log.splitlines() if "onep_inbox.service: poll: fetched" in line]
    assert polls
    assert all(" INFO " in line for line in polls)
    assert any("queued" in line for line in polls)
    assert "onep_inbox.service: send: sent" in log
    assert "apscheduler" not in log
    assert "Running job" not in log
    assert "ingest.pipeline: message" not in log  # per-message lines only with -v
