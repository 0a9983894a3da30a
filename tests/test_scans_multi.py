"""A form over several files, phone photos, and a scan that is plainly the form but reads badly.

Forms printed in Arundina (``samples.scans``: a face the digit reader never uses), sent as a
page a file in shuffled order (PNG, JPEG without a resolution, one-page scanned PDF), or
photographed by phone (perspective, desk, shadow, uneven light). Real LibreOffice and
Tesseract; the pipeline test runs the whole service on SQLite. About two minutes on 2 cores.
"""

from __future__ import annotations

import dataclasses
import io
import random
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.wiring import build_services
from bench.parse_accuracy import Tally, score
from core import config as config_module
from core.enums import AttachmentRole, SubmissionStatus
from parsers import (
    FormReading,
    NotAForm,
    OcrBudget,
    Unreadable,
    check,
    load_schema,
    read_attachment,
    read_attachments,
    reading_of,
    sniff,
)
from parsers.cells import Cell, Document
from parsers.ocr.engine import Tesseract, Word, tesseract_languages
from parsers.ocr.photo import A4_RATIO, straightened
from samples import scans
from storage.db import migrate_url
from storage.models import Attachment, OutboxMail, ReviewItem, Submission
from storage.registry import RegistryRow, import_rows
from tests.support import deliver

ENGINE = Tesseract()
NOW = datetime(2021, 9, 22, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def printed() -> scans.Sample:
    sources = scans.honest_sources(1, seed=4417, layouts=("values_below",))
    return scans.honest_pdfs(sources)[0]


@pytest.fixture(scope="module")
def page_files(printed: scans.Sample) -> list[tuple[str, bytes]]:
    """The form a page a file, each file of another kind, attached last page first."""
    rng = random.Random(11)
    pages = [scans.degrade(p, rng, speck=2 / 3) for p in scans.render_pages(printed.data, 200)]
    assert len(pages) >= 2
    files: list[tuple[str, bytes]] = []
    for index, page in enumerate(pages):
        if index % 3 == 0:
            files.append(("p.png", scans.image_bytes(page, "png", dpi=200)))
        elif index % 3 == 1:
            files.append(("p.jpg", _jpeg(page)))
        else:
            files.append(("p.pdf", scans.image_pdf([page], dpi=200)))
    return files[::-1]


def _jpeg(page: Image.Image) -> bytes:
    buffer = io.BytesIO()
    page.convert("RGB").save(buffer, format="JPEG", quality=85)  # no resolution recorded
    return buffer.getvalue()


def _accuracy(sample: scans.Sample, result: object) -> float:
    tally = Tally()
    score(tally, sample.layout, sample.truth or {}, result)
    return tally.accuracy


@pytest.mark.skipif(
    not {"tha", "eng"} <= tesseract_languages() or scans.soffice() is None,
    reason="tesseract (tha+eng) and LibreOffice needed: scripts/system-deps.sh",
)
class TestWithTools:
    def test_pages_sent_as_files_in_any_order_are_one_reading(
        self, printed: scans.Sample, page_files: list[tuple[str, bytes]]
    ) -> None:
        results = read_attachments([(data, name) for name, data in page_files], ocr=ENGINE,
                                   budget=OcrBudget(20, 900))  # fmt: skip
        readings = [r for r in results if isinstance(r, FormReading)]
        assert len(readings) == 1  # one form, whatever the number of files
        assert isinstance(results[0], FormReading)
        assert all(isinstance(r, NotAForm) and "read together" in r.reason for r in results[1:])
        reading = readings[0]
        assert _accuracy(printed, reading) >= 0.4  # bench.parse_pdf --honest: the averages
        for key in ("lao_name", "province"):
            assert reading.fields.get(key) == (printed.truth or {})[key], key
        assert printed.truth is not None
        # the sign-off is on the last page, attached first: read in the form's order
        assert reading.fields.get("reporter_name") == printed.truth["reporter_name"]
        # no false "total is not the sum" from half a form
        assert "total_mismatch" not in {p.code for p in check(reading)}

    def test_a_phone_photo_of_a_page_is_found_straightened_and_read(
        self, printed: scans.Sample
    ) -> None:
        rng = random.Random(3)
        page = scans.render_pages(printed.data, 200)[0]
        shot = scans.photo(page, rng)
        grey = shot.convert("L")
        found = straightened(grey)
        assert found is not None
        image, dpi = found
        assert abs(max(image.size) / min(image.size) - A4_RATIO) < 0.02
        assert 150 <= dpi <= 400
        buffer = io.BytesIO()
        shot.save(buffer, format="JPEG", quality=80)
        result = read_attachment(buffer.getvalue(), filename="IMG_0001.jpg", ocr=ENGINE)
        assert isinstance(result, FormReading)
        assert printed.truth is not None
        for key in ("lao_name", "province"):
            assert result.fields.get(key) == printed.truth[key], key

    def test_a_form_over_three_files_is_one_submission_and_one_reply(
        self, tmp_path: Path, page_files: list[tuple[str, bytes]]
    ) -> None:
        cfg = config_module.from_mapping(
            {
                "database": {"url": f"sqlite:///{tmp_path / 'db.sqlite'}"},
                "storage": {"dir": str(tmp_path / "store")},
                "mailbox": {"kind": "maildir", "path": str(tmp_path / "maildir")},
                "smtp": {"kind": "directory", "directory": str(tmp_path / "outbox")},
            },
            base_dir=tmp_path,
        )
        migrate_url(cfg.database.url)
        services = build_services(cfg, clock=lambda: NOW)
        try:
            with services.sessions() as session, session.begin():
                import_rows(session, [], now=NOW, synthetic=True)
            msg = EmailMessage(policy=SMTP)
            msg["From"] = "งานธุรการ <saraban@maesai.go.th>"
            msg["To"] = "onep.uem@onep.go.th"
            msg["Subject"] = "ส่งแบบรายงาน (ภาพสแกนทีละหน้า)"
            msg["Date"] = format_datetime(NOW)
            msg["Message-ID"] = "<three-pages@maesai.go.th>"
            msg.set_content("เรียน สผ.\n\nส่งแบบรายงานตามไฟล์แนบ 3 ไฟล์\n")
            types = {
                "png": ("image", "png"),
                "jpg": ("image", "jpeg"),
                "pdf": ("application", "pdf"),
            }
            for index, (name, data) in enumerate(page_files, 1):
                kind = name.rsplit(".", 1)[1]
                msg.add_attachment(data, *types[kind], filename=f"scan{index}.{kind}")
            message = deliver(services, msg.as_bytes())
            with services.sessions() as session:
                submissions = session.scalars(
                    select(Submission).where(Submission.message_id == message.id)
                ).all()
                assert len(submissions) == 1
                replies = session.scalars(
                    select(OutboxMail).where(OutboxMail.cause_message_id == message.id)
                ).all()
                assert len(replies) == 1
                assert replies[0].kind != "no-form"
                roles = list(
                    session.scalars(
                        select(Attachment.role).where(Attachment.message_id == message.id)
                    )
                )
                assert roles.count(AttachmentRole.FORM) == 1
                assert roles.count(AttachmentRole.NOT_FORM) == len(page_files) - 1
        finally:
            services.close()


def _cells(texts: list[str]) -> list[Cell]:
    return [
        Cell(text, None, "ocr", row, 0, f"p1 ocr line {row + 1}") for row, text in enumerate(texts)
    ]


PLAINLY_THE_FORM = [
    "แบบรายงานผลการดำเนินงานตามแนวทางปฏิบัติงานเพื่อขับเคลื่อนการจัดการพื้นที่สีเขียวอย่างยั่งยืน",
    "ประจำปีงบประมาณ พ.ศ. 2564",
    "ส่วนที่ 1 ข้อมูลหน่วยงาน",
    "ส่วนที่ 2 ข้อมูลพื้นที่สีเขียว",
]


def test_a_scan_that_is_plainly_the_form_is_never_no_form() -> None:
    """Its title and part headings read, its values not: a reading a person completes."""
    schema = load_schema("2564.1")
    document = Document.from_cells("image", _cells(PLAINLY_THE_FORM), ["ocr"])
    result = reading_of(document, schema, "jpeg")
    assert isinstance(result, FormReading)
    assert [p.code for p in result.problems] == ["scan_partly_read"]
    assert "เจ้าหน้าที่" in result.problems[0].message_th
    assert check(result) == ()  # no "please fill in X and send again" for what OCR missed


def test_a_scanned_cover_letter_quoting_the_title_is_no_form() -> None:
    schema = load_schema("2564.1")
    letter = [
        "ที่ ชม 71601/123",
        "เรื่อง ส่งแบบรายงานผลการดำเนินงานตามแนวทางปฏิบัติงานเพื่อขับเคลื่อนการจัดการพื้นที่สีเขียวอย่างยั่งยืน",
        "เรียน เลขาธิการสำนักงานนโยบายและแผนทรัพยากรธรรมชาติและสิ่งแวดล้อม",
        "จึงเรียนมาเพื่อโปรดทราบ",
    ]
    result = reading_of(Document.from_cells("image", _cells(letter), ["ocr"]), schema, "jpeg")
    assert isinstance(result, NotAForm)


def test_a_spreadsheet_with_headings_only_is_still_judged_as_before() -> None:
    """The "plainly the form" rule is for scans: a workbook's labels are read exactly."""
    schema = load_schema("2564.1")
    document = Document.from_cells("xlsx", _cells(PLAINLY_THE_FORM), ["ocr"])
    assert isinstance(reading_of(document, schema, "xlsx"), NotAForm)


def test_an_iphone_heic_photo_is_never_no_form() -> None:
    """HEIC needs the optional ``heic`` extra (pillow-heif: its wheels bundle copyleft codecs);
    without it the photo is a problem a person settles, never "no form attached"."""
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)
    assert sniff(heic) == "heic"
    result = read_attachment(heic, filename="IMG_0412.HEIC", ocr=ENGINE)
    assert isinstance(result, Unreadable)
    try:
        import pillow_heif  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        assert result.problem.code == "heic_unsupported"
        assert "HEIC" in result.problem.message_th
    else:
        assert result.problem.code == "corrupt_file"  # these bytes are a header, no picture


# The form as the spec (shared/spec/report-form.md) words it: three of its labels on a page.
SPEC_LABELS = ("ชื่อองค์กรปกครองส่วนท้องถิ่น", "จังหวัด", "จำนวนประชากร (ทะเบียนราษฎร์)")
ROWS = (0.2, 0.3, 0.4)  # where each label's ink is, as a share of the page's height


class ThreeLabels:
    """An OCR engine that reads three of the form's labels and nothing else on any page (a
    photo whose values are lost in the shadow): what Tesseract gives is replayed, the page's
    ink is real (bars where the words are), so every later step runs as on a scan."""

    def __call__(self, image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        width, height = image.size
        words = []
        for number, (text, top) in enumerate(zip(SPEC_LABELS, ROWS, strict=True), 1):
            box = (width // 10, round(height * top), width // 2, round(height * (top + 0.02)))
            words.append(Word(text, box, 96.0, (1, 1, number), 0))
        return words


def _inked_page() -> bytes:
    page = Image.new("L", (1240, 1754), 255)
    for top in ROWS:
        y = round(1754 * top)
        page.paste(0, (124, y, 620, y + round(1754 * 0.02)))
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    return buffer.getvalue()


def test_plainly_the_form_with_few_values_is_received_with_the_senders_lao(
    tmp_path: Path,
) -> None:
    cfg = config_module.from_mapping(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'db.sqlite'}"},
            "storage": {"dir": str(tmp_path / "store")},
            "mailbox": {"kind": "maildir", "path": str(tmp_path / "maildir")},
            "smtp": {"kind": "directory", "directory": str(tmp_path / "outbox")},
        },
        base_dir=tmp_path,
    )
    migrate_url(cfg.database.url)
    built = build_services(cfg, clock=lambda: NOW)
    services = dataclasses.replace(built, ocr=ThreeLabels())
    sao = RegistryRow("5571401", "องค์การบริหารส่วนตำบลแม่ใส", "sao", "เชียงราย", "แม่สาย",
                      emails=("saraban@maesai.go.th",))  # fmt: skip
    try:
        with services.sessions() as session, session.begin():
            import_rows(session, [sao], now=NOW, synthetic=True)
        msg = EmailMessage(policy=SMTP)
        msg["From"] = "งานธุรการ <saraban@maesai.go.th>"
        msg["To"] = "onep.uem@onep.go.th"
        msg["Subject"] = "ส่งแบบรายงาน"
        msg["Date"] = format_datetime(NOW)
        msg["Message-ID"] = "<dim-photo@maesai.go.th>"
        msg.set_content("เรียน สผ.\n\nส่งแบบรายงานตามภาพที่แนบ\n")
        msg.add_attachment(_inked_page(), "image", "png", filename="IMG_3001.png")
        message = deliver(services, msg.as_bytes())
        with services.sessions() as session:
            submission = session.scalars(
                select(Submission).where(Submission.message_id == message.id)
            ).one()
            assert submission.status == SubmissionStatus.NEEDS_REVIEW
            assert "scan_partly_read" in {p["code"] for p in submission.problems}
            assert "missing_required" not in {p["code"] for p in submission.problems}
            item = session.scalars(
                select(ReviewItem).where(ReviewItem.submission_id == submission.id)
            ).one()
            # the sender's LAO: identified, or the candidate shown to the reviewer
            candidates = {c.get("code") for c in item.candidates}
            assert submission.lao_code == "5571401" or "5571401" in candidates
            reply = session.scalars(
                select(OutboxMail).where(OutboxMail.cause_message_id == message.id)
            ).one()
            assert reply.kind == "ack"  # received; never "no form attached"
    finally:
        built.close()
