"""What OCR may cost per message (``[ocr]``, issue 12), and OCR failures of every kind.

A hostile 50-page image PDF is read only as far as the budget allows: the pages beyond are not
even rendered, and the file goes to review naming them. Tesseract that crashes, hangs past the
page timeout, or is not installed is a recorded problem and a review item, never a silent empty
document and never "no form attached". Real Tesseract where it reads; the failing engines are
real processes too (a binary that exits non-zero, one that sleeps past its timeout).
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import stat
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from sqlalchemy import select

from app.wiring import build_services
from core import config as config_module
from core.config import ConfigError
from core.enums import ReviewState, SubmissionStatus
from parsers import NotAForm, OcrBudget, Unreadable, read_attachment
from parsers.budget import PAGES, SECONDS
from parsers.ocr.engine import Tesseract, Word, tesseract_languages
from storage.db import migrate_url
from storage.models import OutboxMail, ReviewItem, Submission
from storage.registry import import_rows
from tests.support import deliver

NEEDS_TESSERACT = pytest.mark.skipif(
    not {"tha", "eng"} <= tesseract_languages(),
    reason="tesseract not installed: apt-get install tesseract-ocr tesseract-ocr-tha",
)
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WORDS = ("meeting", "minutes", "budget", "annex", "table", "river", "village", "school")


def text_page(number: int, dpi: int = 150) -> Image.Image:
    """An A4 page of typed English lines at ``dpi``: paper with ink, so OCR looks at it."""
    size = (round(8.27 * dpi), round(11.69 * dpi))
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(DEJAVU, dpi // 6)
    for row in range(24):
        words = " ".join(WORDS[(row * 3 + k + number) % len(WORDS)] for k in range(6))
        draw.text((dpi, dpi + row * dpi // 3), f"{number}.{row} {words}", font=font, fill=0)
    return page


def image_pdf(pages: Sequence[Image.Image], dpi: int = 150) -> bytes:
    buffer = io.BytesIO()
    first, *rest = pages
    first.save(buffer, format="PDF", resolution=dpi, save_all=True, append_images=rest)
    return buffer.getvalue()


class Counting:
    """Tesseract, counting its calls."""

    def __init__(self) -> None:
        self.engine = Tesseract()
        self.calls = 0

    def __call__(self, image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        self.calls += 1
        return self.engine(image, dpi, psm, languages)


@pytest.fixture(scope="module")
def fifty_pages() -> bytes:
    page = text_page(1)
    return image_pdf([page] * 50)  # the same page 50 times: small, and as costly to read


def test_budget_counts_pages_and_seconds() -> None:
    now = [100.0]
    budget = OcrBudget(max_pages=2, max_seconds=10, page_timeout=60, clock=lambda: now[0])
    assert budget.take_page() is None
    assert budget.call_timeout() == 10  # the time left is shorter than the page timeout
    now[0] += 4
    assert budget.take_page() is None
    assert budget.take_page() == PAGES
    assert not budget.over_time()
    now[0] += 6
    assert budget.over_time()
    assert OcrBudget(max_pages=5, max_seconds=0).take_page() == SECONDS


@NEEDS_TESSERACT
def test_fifty_page_scan_reads_only_the_budgeted_pages(fifty_pages: bytes) -> None:
    engine = Counting()
    budget = OcrBudget(max_pages=3, max_seconds=300, page_timeout=60)
    result = read_attachment(fifty_pages, filename="scan.pdf", ocr=engine, budget=budget)
    assert isinstance(result, Unreadable)  # not recognisably the form, and not all read
    assert result.problem.code == "ocr_budget"
    assert result.problem.value == "pages 4-50 not read: over 3 pages per message"
    assert "4-50" in result.problem.message_th
    assert budget.pages_taken == 3
    # a first look per page taken, turned at most twice more: never a call for pages 4-50
    assert 3 <= engine.calls <= 9


@NEEDS_TESSERACT
def test_the_budget_is_shared_by_the_files_of_a_message(fifty_pages: bytes) -> None:
    budget = OcrBudget(max_pages=3, max_seconds=300, page_timeout=60)
    page = io.BytesIO()
    text_page(2).save(page, format="PNG", dpi=(150, 150))
    first = read_attachment(page.getvalue(), filename="p.png", ocr=Tesseract(), budget=budget)
    assert isinstance(first, NotAForm)  # a page of English prose: looked at, not the form
    second = read_attachment(fifty_pages, filename="scan.pdf", ocr=Tesseract(), budget=budget)
    assert isinstance(second, Unreadable)
    assert second.problem.value == "pages 3-50 not read: over 3 pages per message"


def test_no_time_left_reads_no_page(fifty_pages: bytes) -> None:
    engine = Counting()
    budget = OcrBudget(max_pages=50, max_seconds=0)
    result = read_attachment(fifty_pages, filename="scan.pdf", ocr=engine, budget=budget)
    assert isinstance(result, Unreadable)
    assert result.problem.code == "ocr_budget"
    assert result.problem.value == "pages 1-50 not read: over 0 s of OCR per message"
    assert engine.calls == 0


def _failing_binary(tmp_path: Path, body: str) -> str:
    path = tmp_path / "tesseract"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def _page_png() -> bytes:
    buffer = io.BytesIO()
    text_page(3).save(buffer, format="PNG", dpi=(150, 150))
    return buffer.getvalue()


def test_tesseract_crashing_is_a_problem_not_an_empty_document(tmp_path: Path) -> None:
    engine = Tesseract(binary=_failing_binary(tmp_path, "echo 'Segmentation fault' >&2; exit 139"))
    result = read_attachment(_page_png(), filename="page.png", ocr=engine)
    assert isinstance(result, Unreadable)
    assert result.problem.code == "ocr_failed"
    assert "exit 139" in (result.problem.value or "")
    assert "หน้า 1" in result.problem.message_th


def test_tesseract_hanging_past_the_page_timeout_is_a_problem(tmp_path: Path) -> None:
    engine = Tesseract(binary=_failing_binary(tmp_path, "sleep 30"))
    budget = OcrBudget(max_pages=5, max_seconds=120, page_timeout=1)
    result = read_attachment(_page_png(), filename="page.png", ocr=engine, budget=budget)
    assert isinstance(result, Unreadable)
    assert result.problem.code == "ocr_failed"
    assert "timed out" in (result.problem.value or "")


def test_no_ocr_engine_leaves_a_page_image_to_a_person() -> None:
    result = read_attachment(_page_png(), filename="page.png", ocr=None)
    assert isinstance(result, Unreadable)
    assert result.problem.code == "ocr_unavailable"
    scanned = read_attachment(image_pdf([text_page(4)]), filename="scan.pdf", ocr=None)
    assert isinstance(scanned, Unreadable)
    assert scanned.problem.code == "ocr_unavailable"
    photo = Image.new("RGB", (1600, 1200), (40, 120, 60))  # no paper: not a document
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG")
    assert isinstance(read_attachment(buffer.getvalue(), ocr=None), NotAForm)


def test_ocr_section_of_the_configuration(tmp_path: Path) -> None:
    cfg = config_module.from_mapping(
        {"ocr": {"max_pages_per_message": 4, "max_seconds_per_message": 30}}, base_dir=tmp_path
    )
    assert (cfg.ocr.max_pages_per_message, cfg.ocr.max_seconds_per_message) == (4, 30)
    assert cfg.ocr.page_timeout_seconds == 60
    with pytest.raises(ConfigError, match=r"ocr\.max_pages_per_message"):
        config_module.from_mapping({"ocr": {"max_pages_per_message": 0}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"ocr\.pages"):
        config_module.from_mapping({"ocr": {"pages": 3}}, base_dir=tmp_path)


NOW = datetime(2021, 9, 20, 3, 0, tzinfo=UTC)


def _mail(attachment: bytes, filename: str, subtype: tuple[str, str]) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "นายสมชาย ใจดี <saraban@maesai.go.th>"
    msg["To"] = "onep.uem@onep.go.th"
    msg["Subject"] = "ส่งแบบรายงานผลการดำเนินงานฯ (สแกน)"
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = f"<scan.{os.getpid()}.{len(attachment)}@maesai.go.th>"
    msg.set_content("เรียน สผ.\n\nขอส่งแบบรายงานที่สแกนตามที่แนบมา\n")
    msg.add_attachment(attachment, *subtype, filename=filename)
    return msg.as_bytes()


@NEEDS_TESSERACT
def test_a_message_over_the_budget_goes_to_review_with_the_reason(
    tmp_path: Path, fifty_pages: bytes
) -> None:
    cfg = config_module.from_mapping(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'db.sqlite'}"},
            "storage": {"dir": str(tmp_path / "store")},
            "mailbox": {"kind": "maildir", "path": str(tmp_path / "maildir")},
            "smtp": {"kind": "directory", "directory": str(tmp_path / "outbox")},
            "ocr": {"max_pages_per_message": 2},
        },
        base_dir=tmp_path,
    )
    migrate_url(cfg.database.url)
    services = build_services(cfg, clock=lambda: NOW)
    try:
        with services.sessions() as session, session.begin():
            import_rows(session, [], now=NOW, synthetic=True)
        message = deliver(services, _mail(fifty_pages, "scan.pdf", ("application", "pdf")))
        with services.sessions() as session:
            submission = session.scalars(
                select(Submission).where(Submission.message_id == message.id)
            ).one()
            assert submission.status == SubmissionStatus.NEEDS_REVIEW
            codes = {p["code"] for p in submission.problems}
            assert "ocr_budget" in codes or "unreadable" in codes
            assert any("3-50" in str(p.get("message_th")) for p in submission.problems)
            item = session.scalars(
                select(ReviewItem).where(ReviewItem.submission_id == submission.id)
            ).one()
            assert item.state == ReviewState.OPEN
            replies = session.scalars(
                select(OutboxMail).where(OutboxMail.cause_message_id == message.id)
            ).all()
            assert replies
            assert all(r.kind != "no-form" for r in replies)
            # a person reads what OCR was not allowed to: the LAO is never asked to send again
            assert all("โปรดส่งใหม่" not in r.subject for r in replies), [r.subject for r in replies]
            for reply in replies:
                body = email.message_from_bytes(reply.raw, policy=email.policy.default)
                text = body.get_body(preferencelist=("plain",))
                assert text is not None
                assert "ไม่ต้องส่งมาใหม่" in text.get_content(), reply.kind
    finally:
        services.close()


@NEEDS_TESSERACT
def test_a_page_image_where_no_text_can_be_read_goes_to_a_person() -> None:
    """Paper with ink, but blurred past reading (a shaken phone): perhaps the form, so a
    problem and review, never "no form attached"."""
    buffer = io.BytesIO()
    text_page(5).filter(ImageFilter.GaussianBlur(3)).save(buffer, format="PNG")
    result = read_attachment(buffer.getvalue(), filename="IMG_2201.png", ocr=Tesseract())
    assert isinstance(result, Unreadable)
    assert result.problem.code == "scan_illegible"
