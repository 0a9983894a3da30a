"""The mail we send: each template renders for its case, in Thai, with Buddhist-era dates, as
plain text and as an HTML alternative; the operator's folder wins; the pipeline's
acknowledgement carries the receipt number in its subject and both alternatives."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core import config as config_module
from core.dates import thai_date_long
from core.errors import ConfigError
from core.receipts import receipt_tags
from ingest.maildir import MaildirSource
from ingest.pipeline import poll_once
from ingest.services import Services
from outbound.compose import read_header
from outbound.render import Renderer
from samples import mailbox as sample_mailbox
from samples.registry import sample_rows
from storage.models import OutboxMail
from tests.support import embedded_services

RECEIVED = datetime(2021, 9, 28, 3, 15, tzinfo=UTC)  # 28 ก.ย. 2564 เวลา 10:15 น.
TEMPLATES = Path(__file__).parents[1] / "outbound" / "templates"

ACCEPTED = {
    "receipt_no": "ONEP-2564-000123",
    "lao_name": "องค์การบริหารส่วนตำบลบางแขม",
    "lao_code": "6730102",
    "filename": "แบบรายงาน อบต.บางแขม.xlsx",
    "status": "accepted",
    "figures": [
        ("จำนวนประชากร", "5,230 คน"),
        ("พื้นที่สีเขียวรวม", "7,200 ตร.ม."),
        ("วันที่รายงาน", "27 ก.ย. 2564"),
    ],
    "problems": [],
}
WITH_PROBLEMS = {
    **ACCEPTED,
    "receipt_no": "ONEP-2564-000124",
    "status": "needs_review",
    "problems": [
        {
            "code": "total_mismatch",
            "field": "green_total_area_m2",
            "value": "7200",
            "message_th": "พื้นที่สีเขียวรวมไม่เท่ากับผลรวมของพื้นที่แต่ละประเภท",
        },
        {
            "code": "missing",
            "field": "reporter_name",
            "value": None,
            "message_th": "ไม่พบชื่อผู้รายงาน",
        },
    ],
}


def ack_context(
    *submissions: dict[str, Any], duplicates: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "greeting": "ผู้ประสานงาน องค์การบริหารส่วนตำบลบางแขม",
        "reply_address": "onep.uem@onep.go.th",
        "subject": "ส่งแบบรายงานพื้นที่สีเขียว",
        "received_at": RECEIVED,
        "receipt_numbers": [s["receipt_no"] for s in submissions],
        "any_problems": any(s["problems"] for s in submissions),
        "person_reads": False,
        "submissions": list(submissions),
        "duplicates": duplicates or [],
        "filenames": [s["filename"] for s in submissions],
    }


def reminder_context(today: date, **extra: Any) -> dict[str, Any]:
    deadline = date(2021, 9, 30)
    return {
        "lao": {
            "code": "6730102",
            "name": "องค์การบริหารส่วนตำบลบางแขม",
            "province": "นครปฐม",
            "district": "เมืองนครปฐม",
            "lao_type": "sao",
        },
        "deadline": deadline,
        "today": today,
        "days_left": (deadline - today).days,
        "days_overdue": (today - deadline).days,
        "round": "before-3",
        "reminder_no": 2,
        "reminder_max": 5,
        "last_submission": None,
        "reply_address": "onep.uem@onep.go.th",
        **extra,
    }


def check(rendered_text: str, html: str | None) -> None:
    """What every mail must be: Thai, BE years only, tidy text, an HTML alternative."""
    assert "2021" not in rendered_text
    assert "\n\n\n" not in rendered_text
    assert all(line == line.rstrip() for line in rendered_text.splitlines())
    assert rendered_text.endswith("\n")
    assert "ขอแสดงความนับถือ" in rendered_text
    assert "onep.uem@onep.go.th" in rendered_text
    assert html is not None
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="th">' in html
    assert "ขอแสดงความนับถือ" in html
    assert "2021" not in html


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def test_our_templates_have_an_html_alternative() -> None:
    texts = {p.name.removesuffix(".txt.j2") for p in TEMPLATES.glob("[!_]*.txt.j2")}
    htmls = {p.name.removesuffix(".html.j2") for p in TEMPLATES.glob("[!_]*.html.j2")}
    assert htmls <= texts
    assert htmls >= {
        "ack",
        "no_form",
        "unreadable",
        "duplicate",
        "reminder_before",
        "reminder_after",
        "digest",
    }


def test_ack_accepted(renderer: Renderer) -> None:
    out = renderer.render("ack", ack_context(ACCEPTED))
    assert out.subject == "ได้รับแบบรายงานพื้นที่สีเขียวแล้ว [ONEP-2564-000123]"
    check(out.text, out.html)
    assert out.text.startswith("เรียน ผู้ประสานงาน องค์การบริหารส่วนตำบลบางแขม\n")
    for expected in (
        "เมื่อวันที่ 28 ก.ย. 2564 เวลา 10:15 น. เรียบร้อยแล้ว",
        "เลขที่รับ: ONEP-2564-000123",
        "องค์กรปกครองส่วนท้องถิ่น: องค์การบริหารส่วนตำบลบางแขม (รหัส 6730102)",
        "ไฟล์: แบบรายงาน อบต.บางแขม.xlsx",
        "  - จำนวนประชากร: 5,230 คน",
        "  - วันที่รายงาน: 27 ก.ย. 2564",
        "ผลการตรวจสอบเบื้องต้น: ข้อมูลครบถ้วน ท่านไม่ต้องดำเนินการใดเพิ่มเติม",
    ):
        assert expected in out.text
        assert expected.strip(" -:").split(": ")[-1] in (out.html or "")
    assert "แบบรายงานฉบับที่" not in out.text
    assert "พบประเด็นที่ต้องแก้ไข" not in out.text


def test_ack_with_problems_says_what_to_fix_and_how_to_resend(renderer: Renderer) -> None:
    out = renderer.render("ack", ack_context(WITH_PROBLEMS))
    assert out.subject == ("ได้รับแบบรายงานพื้นที่สีเขียวแล้ว โปรดตรวจสอบและแก้ไข [ONEP-2564-000124]")
    check(out.text, out.html)
    assert "พบประเด็นที่ต้องแก้ไข 2 รายการ" in out.text
    assert "  1. พื้นที่สีเขียวรวมไม่เท่ากับผลรวมของพื้นที่แต่ละประเภท (ค่าที่อ่านได้: 7200)" in out.text
    assert "  2. ไม่พบชื่อผู้รายงาน\n" in out.text
    assert "ตอบกลับ (Reply) อีเมลนี้พร้อมแนบไฟล์ทั้งฉบับ โดยไม่ต้องเปลี่ยนหัวเรื่อง" in out.text
    html = out.html or ""
    assert "<li>พื้นที่สีเขียวรวมไม่เท่ากับผลรวมของพื้นที่แต่ละประเภท (ค่าที่อ่านได้: 7200)</li>" in html
    assert "<li>ไม่พบชื่อผู้รายงาน</li>" in html


def test_ack_waiting_for_review_and_several_forms_and_a_duplicate(renderer: Renderer) -> None:
    waiting = {**ACCEPTED, "receipt_no": "ONEP-2564-000125", "status": "needs_review"}
    duplicate = {
        "filename": "เก่า.xlsx",
        "receipt_no": "ONEP-2564-000100",
        "received_at": RECEIVED,
    }
    out = renderer.render("ack", ack_context(ACCEPTED, waiting, duplicates=[duplicate]))
    assert out.subject == ("ได้รับแบบรายงานพื้นที่สีเขียวแล้ว [ONEP-2564-000123] [ONEP-2564-000125]")
    check(out.text, out.html)
    assert "แบบรายงานฉบับที่ 1" in out.text
    assert "แบบรายงานฉบับที่ 2" in out.text
    assert "สถานะ: อยู่ระหว่างการตรวจสอบโดยเจ้าหน้าที่ สผ." in out.text
    assert "ไฟล์ เก่า.xlsx เป็นไฟล์เดียวกับที่ สผ. ได้รับไว้แล้ว (เลขที่รับ ONEP-2564-000100)" in out.text


def test_html_is_escaped_text_is_not(renderer: Renderer) -> None:
    hostile = {**ACCEPTED, "filename": "<script>alert(1)</script>.xlsx"}
    context = ack_context(hostile)
    context["subject"] = 'ส่ง "ด่วน" <b>'
    out = renderer.render("ack", context)
    assert "<script>alert(1)</script>.xlsx" in out.text
    html = out.html or ""
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.xlsx" in html
    assert "<b>" not in html


def test_no_form(renderer: Renderer) -> None:
    out = renderer.render(
        "no_form",
        {
            "greeting": "คุณสมชาย ใจดี",
            "subject": "สอบถามแบบฟอร์ม",
            "received_at": RECEIVED,
            "filenames": ["หนังสือนำส่ง.pdf"],
        },
    )
    assert out.subject == "สผ. ได้รับอีเมลของท่านแล้ว แต่ไม่พบแบบรายงานที่แนบมา"
    check(out.text, out.html)
    assert "ไฟล์ที่ได้รับ: หนังสือนำส่ง.pdf" in out.text
    assert "เจ้าหน้าที่ สผ. จะพิจารณาและติดต่อกลับโดยเร็ว" in out.text


def test_unreadable(renderer: Renderer) -> None:
    sub = {
        **ACCEPTED,
        "status": "needs_review",
        "problems": [{"message_th": "ไฟล์ถูกตั้งรหัสผ่าน", "value": "x.xlsx"}],
    }
    out = renderer.render("unreadable", ack_context(sub))
    assert out.subject == "สผ. ไม่สามารถอ่านไฟล์แบบรายงานที่ส่งมาได้ โปรดส่งใหม่ [ONEP-2564-000123]"
    check(out.text, out.html)
    assert "  - เลขที่รับ ONEP-2564-000123 ไฟล์ แบบรายงาน อบต.บางแขม.xlsx: ไฟล์ถูกตั้งรหัสผ่าน" in out.text
    assert "ไม่ได้ตั้งรหัสผ่าน" in out.text


def test_unreadable_left_to_a_person_does_not_ask_to_send_again(renderer: Renderer) -> None:
    sub = {
        **ACCEPTED,
        "status": "needs_review",
        "problems": [{"message_th": "ภาพสแกนมีหลายหน้าเกินกว่าที่ระบบอ่านได้", "value": "scan.pdf"}],
    }
    out = renderer.render("unreadable", {**ack_context(sub), "person_reads": True})
    assert out.subject == ("สผ. ได้รับไฟล์ที่ส่งมาแล้ว เจ้าหน้าที่จะตรวจสอบไฟล์เอง [ONEP-2564-000123]")
    check(out.text, out.html)
    assert "ท่านไม่ต้องส่งมาใหม่" in out.text
    assert "ท่านไม่ต้องส่งมาใหม่" in out.html
    assert "แนบไฟล์ใหม่" not in out.text
    assert "อ่านไฟล์ที่แนบมาโดยอัตโนมัติไม่ได้" in out.text  # said as what failed, not as a success


def test_duplicate(renderer: Renderer) -> None:
    context = ack_context()
    context["receipt_numbers"] = ["ONEP-2564-000100"]
    context["duplicates"] = [
        {"filename": "form.xlsx", "receipt_no": "ONEP-2564-000100", "received_at": RECEIVED}
    ]
    out = renderer.render("duplicate", context)
    assert out.subject == "ไฟล์แบบรายงานนี้ สผ. ได้รับไว้แล้ว [ONEP-2564-000100]"
    check(out.text, out.html)
    assert (
        "ไฟล์ form.xlsx เป็นไฟล์เดียวกับที่ สผ. ได้รับไว้แล้ว เลขที่รับ ONEP-2564-000100 "
        "เมื่อวันที่ 28 ก.ย. 2564 เวลา 10:15 น." in out.text
    )


@pytest.mark.parametrize(
    ("today", "phrase"),
    [
        (date(2021, 9, 23), "ซึ่งจะครบกำหนดในอีก 7 วัน"),
        (date(2021, 9, 29), "ซึ่งจะครบกำหนดในวันพรุ่งนี้"),
        (date(2021, 9, 30), "ซึ่งครบกำหนดในวันนี้"),
    ],
)
def test_reminder_before_the_deadline(renderer: Renderer, today: date, phrase: str) -> None:
    out = renderer.render("reminder_before", reminder_context(today))
    assert out.subject == (
        "แจ้งเตือน: โปรดส่งแบบรายงานพื้นที่สีเขียว ภายในวันที่ 30 ก.ย. 2564 (องค์การบริหารส่วนตำบลบางแขม)"
    )
    check(out.text, out.html)
    assert out.text.startswith("เรียน ผู้รับผิดชอบการรายงานข้อมูลพื้นที่สีเขียว องค์การบริหารส่วนตำบลบางแขม\n")
    assert f"{phrase}\n\nจึงขอความอนุเคราะห์ส่งแบบรายงาน" in out.text
    assert phrase in (out.html or "")
    assert f"ข้อมูล ณ วันที่ {today.day} ก.ย. 2564" in out.text
    assert "ภายในวันที่ 30 กันยายน 2564 นั้น" in out.text
    assert "(รหัส อปท. 6730102 จังหวัดนครปฐม)" in out.text
    assert "(การแจ้งเตือนครั้งที่ 2)" in out.text


def test_reminder_after_the_deadline_with_a_rejected_submission(renderer: Renderer) -> None:
    last = {"receipt_no": "ONEP-2564-000099", "status": "rejected", "received_at": RECEIVED}
    out = renderer.render(
        "reminder_after", reminder_context(date(2021, 10, 7), last_submission=last)
    )
    assert out.subject == (
        "ติดตาม: สผ. ยังไม่ได้รับแบบรายงานพื้นที่สีเขียวขององค์การบริหารส่วนตำบลบางแขม (ครบกำหนด 30 ก.ย. 2564)"
    )
    check(out.text, out.html)
    assert "บัดนี้ได้ครบกำหนดแล้ว (เลยกำหนดมา 7 วัน)" in out.text
    assert "ข้อมูล ณ วันที่ 7 ต.ค. 2564" in out.text
    assert "(เลขที่รับ ONEP-2564-000099 เมื่อวันที่ 28 ก.ย. 2564) ยังไม่ผ่านการตรวจสอบ" in out.text


def test_digest_lists_the_missing_laos_by_name_and_code(renderer: Renderer) -> None:
    missing = [
        {"code": "6730102", "name": "องค์การบริหารส่วนตำบลบางแขม", "district": "เมืองนครปฐม",
         "lao_type": "sao", "unreachable": False},
        {"code": "6730104", "name": "องค์การบริหารส่วนตำบลทัพหลวง", "district": "เมืองนครปฐม",
         "lao_type": "sao", "unreachable": True},
    ]  # fmt: skip
    out = renderer.render(
        "digest",
        {
            "office": {
                "code": "P73",
                "name": "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดนครปฐม",
                "province": "นครปฐม",
                "district": None,
                "lao_type": "provincial_office",
            },
            "deadline": date(2021, 9, 30),
            "today": date(2021, 10, 7),
            "days_overdue": 7,
            "week_no": 1,
            "total": 110,
            "submitted": 108,
            "missing": missing,
            "reply_address": "onep.uem@onep.go.th",
        },
    )
    assert out.subject == (
        "รายชื่อ อปท. ในจังหวัดนครปฐม ที่ยังไม่ส่งแบบรายงานพื้นที่สีเขียว 2 แห่ง (ข้อมูล ณ 7 ต.ค. 2564)"
    )
    check(out.text, out.html)
    assert out.text.startswith("เรียน ท้องถิ่นจังหวัดนครปฐม\n")
    assert "ส่งแบบรายงานแล้ว 108 แห่ง จากทั้งหมด 110 แห่ง ยังไม่ส่ง 2 แห่ง" in out.text
    assert "   1.  6730102  องค์การบริหารส่วนตำบลบางแขม  (อำเภอเมืองนครปฐม)\n" in out.text
    assert (
        "   2.  6730104  องค์การบริหารส่วนตำบลทัพหลวง  (อำเภอเมืองนครปฐม)  * อีเมลที่ สผ. มีส่งไม่ถึง"
        in out.text
    )
    assert "ขอความกรุณาแจ้งอีเมลที่ใช้งานได้" in out.text
    html = out.html or ""
    assert '<td style="border:1px solid #d0d7de;padding:4px 8px">6730104</td>' in html
    assert "องค์การบริหารส่วนตำบลทัพหลวง" in html


def test_filters() -> None:
    assert thai_date_long(date(2021, 9, 30)) == "30 กันยายน 2564"
    assert thai_date_long(datetime(2021, 9, 30, 20, 0, tzinfo=UTC)) == "1 ตุลาคม 2564"
    assert receipt_tags(["ONEP-2564-000001", None, "ONEP-2564-000002"]) == (
        "[ONEP-2564-000001] [ONEP-2564-000002]"
    )


# --- the operator's folder ----------------------------------------------------------------


def test_the_override_folder_wins(tmp_path: Path) -> None:
    (tmp_path / "no_form.txt.j2").write_text(
        "Subject: ข้อความของผู้ดูแลระบบ\n\nเรียน {{ greeting }}\nข้อความใหม่\n", encoding="utf-8"
    )
    renderer = Renderer(tmp_path)
    context = {"greeting": "ท่าน", "subject": "", "received_at": RECEIVED, "filenames": []}
    out = renderer.render("no_form", context)
    assert out.subject == "ข้อความของผู้ดูแลระบบ"
    assert out.text == "เรียน ท่าน\nข้อความใหม่\n"
    assert out.html is None  # our HTML would hide the operator's wording
    (tmp_path / "no_form.html.j2").write_text("<p>ใหม่ {{ greeting }}</p>", encoding="utf-8")
    assert renderer.render("no_form", context).html == "<p>ใหม่ ท่าน</p>"
    # an HTML override alone replaces only the HTML
    (tmp_path / "duplicate.html.j2").write_text("<p>{{ greeting }}</p>", encoding="utf-8")
    dup = ack_context()
    dup["duplicates"], dup["receipt_numbers"] = [], ["ONEP-2564-000001"]
    out = renderer.render("duplicate", dup)
    assert out.subject.startswith("ไฟล์แบบรายงานนี้ สผ. ได้รับไว้แล้ว")
    assert out.html == "<p>ผู้ประสานงาน องค์การบริหารส่วนตำบลบางแขม</p>"


def test_an_overridden_include_is_used_by_our_templates(tmp_path: Path) -> None:
    (tmp_path / "_signature.txt.j2").write_text(
        "\nขอแสดงความนับถือ\nกลุ่มงานทดสอบ\nอีเมล {{ reply_address }}\n", encoding="utf-8"
    )
    out = Renderer(tmp_path).render("ack", ack_context(ACCEPTED))
    assert out.text.endswith("ขอแสดงความนับถือ\nกลุ่มงานทดสอบ\nอีเมล onep.uem@onep.go.th\n")


def test_a_template_must_start_with_its_subject(tmp_path: Path) -> None:
    (tmp_path / "ack.txt.j2").write_text("เรียน ท่าน\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"first line must be 'Subject: \.\.\.'"):
        Renderer(tmp_path).render("ack", ack_context(ACCEPTED))


def test_templates_dir_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    loaded = config_module.from_mapping({"smtp": {"templates_dir": "mail"}}, base_dir=tmp_path)
    assert loaded.smtp.templates_dir == tmp_path / "mail"
    assert Renderer.from_config(loaded.smtp)._override == tmp_path / "mail"
    assert config_module.from_mapping({}, base_dir=tmp_path).smtp.templates_dir is None
    with pytest.raises(ConfigError, match=r"smtp\.templates_dir: not a folder"):
        config_module.from_mapping({"smtp": {"templates_dir": "nowhere"}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"smtp\.verp"):
        config_module.from_mapping({"smtp": {"verp": "yes"}}, base_dir=tmp_path)


# --- through the pipeline -----------------------------------------------------------------


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    built = embedded_services(
        tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", sample_rows(), RECEIVED
    )
    yield built
    built.close()


def test_the_acknowledgement_carries_receipt_numbers_and_both_alternatives(
    services: Services, tmp_path: Path
) -> None:
    registry = sample_rows()
    mails = [m for m in sample_mailbox.generate(registry, 12, seed=5) if m.scenario == "saraban"]
    sample_mailbox.write_maildir(tmp_path / "maildir", mails[:2])
    poll_once(services, MaildirSource(tmp_path / "maildir"))
    with services.sessions() as session:
        acks = session.scalars(select(OutboxMail).where(OutboxMail.kind == "ack")).all()
        assert len(acks) == 2
        for ack in acks:
            subject = read_header(ack.raw, "Subject") or ""
            assert subject.startswith("ได้รับแบบรายงานพื้นที่สีเขียวแล้ว")
            assert "[ONEP-2564-" in subject
            message = email.message_from_bytes(ack.raw)
            assert message.get_content_type() == "multipart/alternative"
            assert message["Auto-Submitted"] == "auto-replied"
            assert message["In-Reply-To"]
            plain, html = (p.get_payload(decode=True) for p in message.get_payload())  # type: ignore[union-attr]
            assert isinstance(plain, bytes)
            assert isinstance(html, bytes)
            receipt = subject.rsplit("[", 1)[1].rstrip("]")
            assert f"เลขที่รับ: {receipt}" in plain.decode()
            assert receipt in html.decode()
            assert "2564" in plain.decode()
