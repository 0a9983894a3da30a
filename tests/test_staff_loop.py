"""Staff commands that close the loop, on the command line as staff use it.

A real SMTP server (aiosmtpd) takes the mail; forms come in through a Maildir. ``review show``
names each doubtful field with its cell and confidence and lists the attachments with the
command that saves them; ``review answer`` greets and signs once, as the account;
``addresses`` lists and clears failing addresses; ``outbox`` lists and retries failed mail; the
acknowledgement of a resubmission names the receipt it replaces; the demo's folder is ignored.
"""

from __future__ import annotations

import email
import io
import json
import mailbox
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.cli import main
from samples.registry import sample_rows
from staff.review_show import doubtful_fields
from storage.models import AuditEntry, LaoAddress, OutboxMail, Submission
from storage.registry import RegistryRow, write_csv
from tests.support import lao_form, lao_mail

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)
Onep = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def laos() -> list[RegistryRow]:
    return [row for row in sample_rows() if row.province == "พะเยา"]


@pytest.fixture
def onep(
    tmp_path: Path, smtp_server: Any, laos: list[RegistryRow], capsys: pytest.CaptureFixture[str]
) -> Onep:
    """The CLI on a fresh installation: SQLite, a Maildir, aiosmtpd, the พะเยา registry."""
    smtp = smtp_server.config()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite3"}"\n'
        f'[storage]\ndir = "{tmp_path / "store"}"\n'
        f'[mailbox]\nkind = "maildir"\npath = "{tmp_path / "maildir"}"\n'
        f'[smtp]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\n'
        f'security = "none"\nmax_attempts = 1\n',
        encoding="utf-8",
    )
    registry = tmp_path / "laos.csv"
    with registry.open("w", encoding="utf-8", newline="") as out:
        write_csv(laos, out)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--config", str(config), *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init")[0] == 0
    assert run("registry", "import", str(registry))[0] == 0
    run.config = config  # type: ignore[attr-defined]
    run.tmp = tmp_path  # type: ignore[attr-defined]
    return run


def deliver(onep: Onep, raw: bytes) -> None:
    box = mailbox.Maildir(str(onep.tmp / "maildir"), create=True)  # type: ignore[attr-defined]
    box.add(raw)
    box.close()
    code, _out, err = onep("poll", "--once")
    assert code == 0, err


def sessions(onep: Onep) -> Any:
    from sqlalchemy.orm import sessionmaker

    from storage.db import open_database

    engine = open_database(f"sqlite:///{onep.tmp / 'db.sqlite3'}")  # type: ignore[attr-defined]
    return sessionmaker(engine, expire_on_commit=False)


def with_text_in(form: bytes, value: object, text: str) -> bytes:
    """``form`` with the cell that holds ``value`` holding ``text`` instead (as a person would
    type it)."""
    book = load_workbook(io.BytesIO(form))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value == value]
    assert cells, value
    cells[0].value = text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_review_show_names_doubtful_fields_and_saves_attachments(
    onep: Onep, laos: list[RegistryRow], tmp_path: Path
) -> None:
    lao = next(row for row in laos if row.lao_type == "sao")
    form = lao_form(lao, seed=3, green_total_area_m2=999_999.0)  # not the sum of its rows
    deliver(onep, lao_mail(lao.emails[0], when=NOW, attachment=form, filename="รายงาน.xlsx"))
    code, out, _ = onep("review", "list", "--json")
    [item] = json.loads(out)
    code, shown, _ = onep("review", "show", item["ref"])
    assert code == 0
    assert "29 ก.ย. 2564 เวลา 10:00 น." in shown  # Bangkok time, Buddhist era
    lines = shown.splitlines()
    [doubt] = [line for line in lines if "(green_total_area_m2)" in line]
    assert "รวมพื้นที่สีเขียวทั้งหมด" in doubt  # the form's own words for it
    assert "= 999999.0" in doubt
    assert re.search(r"from \S+![A-Z]+[0-9]+ \(read '999,?999", doubt), doubt  # sheet!cell
    assert "confidence" in doubt
    problem = lines[lines.index(doubt) + 1]
    assert problem.strip().startswith("!")
    assert "ไม่ตรง" in problem
    saves = [line.strip() for line in shown.splitlines() if "onep-inbox review save" in line]
    assert saves[0] == (f"onep-inbox review save {item['ref']} 1 --output {item['ref']}-1.xlsx")
    target = tmp_path / "saved.xlsx"
    assert onep("review", "save", item["ref"], "1", "--output", str(target))[0] == 0
    assert target.read_bytes() == form
    code, _, err = onep("review", "save", item["ref"], "1", "--output", str(target))
    assert code == 1
    assert "not overwritten" in err
    assert onep("review", "save", item["ref"], "0", "--output", str(tmp_path))[0] == 0
    raw = (tmp_path / f"{item['ref']}.eml").read_bytes()
    parsed = email.message_from_bytes(raw, policy=SMTP)
    assert [part.get_filename() for part in parsed.iter_attachments()] == ["รายงาน.xlsx"]


def test_doubtful_means_less_sure_than_acceptance_or_named_by_a_problem() -> None:
    submission = Submission(
        form_version="2564.1",
        fields={"population": 5230, "area_km2": 12.5, "lao_name": "อบต.แม่ใส"},
        provenance={
            "population": {"source": "แบบรายงาน!C11", "raw": "5,23O", "confidence": 0.61},
            "area_km2": {"source": "p1 ocr line 9", "raw": "12.5", "confidence": 0.95},
            "lao_name": {"source": "แบบรายงาน!C5", "raw": "อบต.แม่ใส", "confidence": 1.0},
        },
        problems=[{"code": "out_of_range", "field": "area_km2", "message_th": "พื้นที่น้อยผิดปกติ"}],
    )
    fields = doubtful_fields(submission)
    assert [f["key"] for f in fields] == ["population", "area_km2"]
    assert fields[0]["label"] == "จำนวนประชากร (ทะเบียนราษฎร์)"
    assert (fields[0]["source"], fields[0]["confidence"]) == ("แบบรายงาน!C11", 0.61)
    assert fields[1]["problems"] == ["พื้นที่น้อยผิดปกติ"]


def _question(onep: Onep, lao: RegistryRow, tag: str) -> str:
    deliver(
        onep,
        lao_mail(
            lao.emails[0],
            when=NOW,
            subject="สอบถามการส่งแบบรายงาน",
            body="ขอสอบถามว่าส่งเป็นไฟล์ PDF ได้หรือไม่\n",
            tag=tag,
        ),
    )
    _code, out, _ = onep("review", "list", "--kind", "question", "--json")
    return str(json.loads(out)[-1]["ref"])


def _answer_text(smtp_server: Any) -> str:
    message = email.message_from_bytes(smtp_server.messages[-1].raw, policy=SMTP)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def test_review_answer_greets_and_signs_once_as_the_account(
    onep: Onep, laos: list[RegistryRow], smtp_server: Any
) -> None:
    lao = laos[5]
    ref = _question(onep, lao, "q1")
    code, _, err = onep(
        "users", "add", "wanida", "--role", "reviewer", "--no-password",
        "--display-name", "นางสาววนิดา ใจดี", "--position", "นักวิชาการสิ่งแวดล้อมชำนาญการ",
    )  # fmt: skip
    assert code == 0, err
    text = "เรียน คุณสมชาย\n\nส่งเป็น PDF ได้ครับ แต่ไฟล์ Excel จะตรวจได้เร็วกว่า"
    assert onep("review", "answer", ref, "--text", text, "--by", "wanida")[0] == 0
    assert onep("send")[0] == 0
    body = _answer_text(smtp_server)
    assert body.count("เรียน") == 1  # the staff member's own greeting, not a second one
    assert body.count("ขอแสดงความนับถือ") == 1
    assert "นางสาววนิดา ใจดี\nนักวิชาการสิ่งแวดล้อมชำนาญการ" in body
    assert "wanida" not in body  # the login never signs a letter

    ref = _question(onep, laos[6], "q2")
    text = "ส่งเป็น PDF ได้ครับ\n\nขอแสดงความนับถือ\nสมศักดิ์"
    assert onep("review", "answer", ref, "--text", text, "--by", "somsak")[0] == 0
    assert onep("send")[0] == 0
    body = _answer_text(smtp_server)
    assert body.startswith("เรียน นายสมชาย ใจดี")  # ours, since the text does not greet
    assert body.count("ขอแสดงความนับถือ") == 1  # the text closes by itself
    assert "somsak" not in body

    ref = _question(onep, laos[7], "q3")
    assert onep("review", "answer", ref, "--text", "ได้ครับ", "--by", "somsak")[0] == 0
    assert onep("send")[0] == 0
    body = _answer_text(smtp_server)
    assert "ขอแสดงความนับถือ\n\nเจ้าหน้าที่กลุ่มงานพื้นที่สีเขียว" in body  # [staff] default


def test_failing_addresses_listed_and_cleared(onep: Onep, laos: list[RegistryRow]) -> None:
    lao = laos[3]
    address = lao.emails[0]
    with sessions(onep)() as session, session.begin():
        entry = session.scalars(select(LaoAddress).where(LaoAddress.address == address)).one()
        entry.failing_since = NOW - timedelta(days=2)
        entry.failing_reason = "5.1.1 mailbox unavailable"
    code, out, _ = onep("addresses", "failing")
    assert code == 0
    assert address in out
    assert lao.lao_code in out
    assert lao.name in out
    assert "27 ก.ย. 2564" in out
    assert "5.1.1" in out
    assert "no other address" in out
    listed = json.loads(onep("addresses", "failing", "--json")[1])
    assert [(a["address"], a["other_working_addresses"]) for a in listed] == [(address, 0)]

    code, out, _ = onep("addresses", "clear", address.upper(), "--by", "wanida")
    assert code == 0
    assert "no failing addresses" in onep("addresses", "failing")[1]
    with sessions(onep)() as session:
        entry = session.scalars(select(LaoAddress).where(LaoAddress.address == address)).one()
        assert (entry.failing_since, entry.failing_reason) == (None, None)
        audit = session.scalars(select(AuditEntry)).one()
        assert (audit.actor, audit.action, audit.target) == (
            "wanida",
            "address.clear",
            f"address:{address}",
        )
        assert audit.details["reason"] == "5.1.1 mailbox unavailable"
    code, _, err = onep("addresses", "clear", address, "--by", "wanida")
    assert code == 1
    assert "not failing" in err


def test_failed_outbox_mail_is_retried(
    onep: Onep, laos: list[RegistryRow], smtp_server: Any
) -> None:
    lao = laos[8]
    smtp_server.refuse_recipient(lao.emails[0], 550, "5.1.1 no such user")
    deliver(onep, lao_mail(lao.emails[0], when=NOW, attachment=lao_form(lao, seed=8)))
    code, out, _ = onep("send")
    assert "failed 1" in out
    code, out, _ = onep("outbox", "failed")
    assert lao.emails[0] in out
    assert "550" in out
    [failed] = json.loads(onep("outbox", "failed", "--json")[1])
    smtp_server.reset()
    code, out, err = onep("outbox", "retry", str(failed["id"]), "--by", "wanida")
    assert code == 0, err
    assert "1 mail(s) queued again" in out
    code, out, _ = onep("send")
    assert "sent 1" in out
    assert smtp_server.messages[-1].rcpt_tos == (lao.emails[0],)
    code, _, err = onep("outbox", "retry", str(failed["id"]), "--by", "wanida")
    assert code == 1
    assert "not failed" in err
    with sessions(onep)() as session:
        row = session.get(OutboxMail, failed["id"])
        assert row is not None
        assert row.status == "sent"


def test_a_resubmission_names_the_receipt_it_replaces(
    onep: Onep, laos: list[RegistryRow], smtp_server: Any
) -> None:
    lao = next(row for row in laos if row.lao_type == "subdistrict_municipality")
    deliver(onep, lao_mail(lao.emails[0], when=NOW, attachment=lao_form(lao, seed=4), tag="a"))
    first = json.loads(onep("export", "--format", "jsonl")[1].splitlines()[0])
    assert first["status"] == "accepted"
    later = NOW + timedelta(days=1)
    deliver(onep, lao_mail(lao.emails[0], when=later, attachment=lao_form(lao, seed=5), tag="b"))
    assert onep("send")[0] == 0
    ack = _answer_text(smtp_server)
    assert f"ส่งมาแทนฉบับเลขที่รับ {first['submission_id']} ซึ่งไม่ใช้แล้ว" in ack
    everything = [
        json.loads(line) for line in onep("export", "--format", "jsonl", "--all")[1].splitlines()
    ]
    assert {r["submission_id"]: r["status"] for r in everything}[first["submission_id"]] == (
        "superseded"
    )


def test_a_corrected_form_names_the_rejected_one(
    onep: Onep, laos: list[RegistryRow], smtp_server: Any
) -> None:
    lao = [row for row in laos if row.lao_type == "sao"][1]
    broken = with_text_in(lao_form(lao, seed=6, population=23456), 23456, "ไม่ทราบ")
    deliver(onep, lao_mail(lao.emails[0], when=NOW, attachment=broken, tag="c"))
    [item] = json.loads(onep("review", "list", "--json")[1])
    reason = "กรุณากรอกจำนวนประชากรเป็นตัวเลข"
    assert onep("review", "reject", item["ref"], "--reason", reason, "--by", "wanida")[0] == 0
    later = NOW + timedelta(days=2)
    fixed = lao_form(lao, seed=6, population=23456)
    deliver(onep, lao_mail(lao.emails[0], when=later, attachment=fixed, tag="d"))
    assert onep("send")[0] == 0
    ack = _answer_text(smtp_server)
    assert f"ส่งมาแทนฉบับเลขที่รับ {item['ref']}" in ack, ack


def test_the_demo_folder_is_ignored_by_git() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "demo/config.toml", "demo/var/onep-inbox.sqlite3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, "the demo's folder would show in git status: add /demo/"
    assert result.stdout.split() == ["demo/config.toml", "demo/var/onep-inbox.sqlite3"]
