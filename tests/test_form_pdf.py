"""Reading PDF forms with a text layer: LibreOffice output (real shaped Thai), provenance, Thai
mark order, cells that wrap, columns, running headers, cells regrouped by the form's labels,
cover letters, damaged and password-protected files, page limits.

The PDFs are printed by LibreOffice headless from the generated forms
(``samples.scans``), all in one LibreOffice run per module.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Any

import pytest

import parsers.pdf
from parsers import FormReading, NotAForm, ReadLimits, Unreadable, load_schema, read_attachment
from parsers.cells import Cell, Document, Sheet
from parsers.extract import extract
from parsers.labels import index_for
from parsers.pagetext import BREAK_MARK, WRAP_MARK, Line, Segment, TextCell
from parsers.readers import ReadContext
from parsers.relining import relined
from parsers.textlayout import layout_cells
from parsers.values import Parsed, Source, ValueSpec, clean_text, read_value
from samples import scans
from samples.forms import DEV_LAYOUTS

pytestmark = pytest.mark.skipif(
    scans.soffice() is None,
    reason="LibreOffice not installed: apt-get install libreoffice-calc-nogui "
    "libreoffice-writer-nogui fonts-thai-tlwg",
)

SEED = 11
# Word layouts whose PDFs need the table reading: legacy check boxes drawn as squares, struck
# text of tracked changes inside table cells, more project rows (a row cut by a page break).
WORD_LAYOUTS_PRINTED = ("word_checkbox_fields", "word_tracked_changes", "word_rows_inserted")


@dataclasses.dataclass(frozen=True)
class Printed:
    forms: list[scans.Sample]
    word_form: scans.Sample
    word_forms: list[scans.Sample]  # WORD_LAYOUTS_PRINTED
    letter: bytes
    words: bytes  # THAI_MARK_WORDS in TH Sarabun New (Laksaman)
    words_loma: bytes  # ... and in Loma


@pytest.fixture(scope="module")
def printed() -> Printed:
    sources = scans.form_documents(len(DEV_LAYOUTS), seed=SEED, layouts=DEV_LAYOUTS)
    word = scans.form_documents(1, seed=SEED, layouts=(), word_layouts=("word_template",))
    word += scans.form_documents(
        len(WORD_LAYOUTS_PRINTED), seed=SEED, layouts=(), word_layouts=WORD_LAYOUTS_PRINTED
    )
    documents = [(source.name, source.document) for source in sources + word]
    documents += [
        ("letter.docx", scans.cover_letter_docx("องค์การบริหารส่วนตำบลแม่ใส")),
        ("words.xlsx", scans.thai_words_xlsx()),
        ("loma.xlsx", scans.thai_words_xlsx(font="Loma")),
    ]
    pdfs = scans.convert_to_pdf(documents)
    count, printed_count = len(sources), len(sources) + len(word)
    samples = scans.printed(sources + word, pdfs[:printed_count])
    return Printed(
        samples[:count], samples[count], samples[count + 1 : printed_count], *pdfs[printed_count:]
    )


def read_form(data: bytes) -> FormReading:
    result = read_attachment(data, filename="form.pdf")
    assert isinstance(result, FormReading), result
    return result


def differences(truth: dict[str, Any], fields: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    keys = sorted(set(truth) | set(fields))
    return [
        (key, truth.get(key, "<absent>"), fields.get(key, "<absent>"))
        for key in keys
        if truth.get(key, "<absent>") != fields.get(key, "<absent>")
    ]


# --------------------------------------------------------------------------- forms


def test_pdf_reader_is_registered() -> None:
    from parsers.readers import reader_for

    assert reader_for("pdf") is parsers.pdf.read_pdf


def test_text_pdfs_read_back_the_truth(printed: Printed) -> None:
    """Every development layout printed to PDF: at least 99 % of the fields exact, the
    template itself all of them."""
    fields = wrong = 0
    misses: dict[str, list[tuple[str, Any, Any]]] = {}
    for sample in printed.forms:
        assert sample.truth is not None
        reading = read_form(sample.data)
        found = differences(sample.truth, dict(reading.fields))
        fields += len(set(sample.truth) | set(reading.fields))
        wrong += len(found)
        if found:
            misses[sample.layout] = found
    assert "template_beside" not in misses, misses
    assert 1 - wrong / fields >= 0.99, misses


def test_text_pdf_provenance_is_page_and_box(printed: Printed) -> None:
    reading = read_form(printed.forms[0].data)
    where = reading.provenance["lao_name"]
    assert re.fullmatch(r"p\d+ \(\d+,\d+\)-\(\d+,\d+\)", where.source), where
    assert where.confidence == 1.0
    assert reading.format == "pdf"


def test_word_pdf_is_read(printed: Printed) -> None:
    """A form printed from Word (Writer leaves spaces between Thai words out; table borders
    delimit the cells): nearly every field read. Known misses: a project name wrapped in its
    cell exactly at a space between Thai words loses the space (the PDF does not tell)."""
    sample = printed.word_form
    assert sample.truth is not None
    reading = read_form(sample.data)
    found = differences(sample.truth, dict(reading.fields))
    assert len(found) <= 0.05 * len(sample.truth), found
    assert reading.fields["contact_name"] == sample.truth["contact_name"]


@pytest.mark.parametrize("index", range(len(WORD_LAYOUTS_PRINTED)))
def test_word_pdf_tables(printed: Printed, index: int) -> None:
    """Check boxes drawn as squares (crossed: ticked), cells whose text starts below struck-out
    text, the species column of every project row, rows cut by a page break: all read."""
    sample = printed.word_forms[index]
    assert sample.truth is not None
    reading = read_form(sample.data)
    found = differences(sample.truth, dict(reading.fields))
    assert not [key for key, _, _ in found if key != "projects"], found
    projects = reading.fields["projects"]
    assert len(projects) == len(sample.truth["projects"])
    for want, got in zip(sample.truth["projects"], projects, strict=True):
        unsure = ("name",) if " " in (want["name"] or "") else ()  # a wrap may hide the space
        assert {k: v for k, v in got.items() if k not in unsure} == {
            k: v for k, v in want.items() if k not in unsure
        }


# --------------------------------------------------------------------------- cells that wrap


def _framed(text: str, x0: float, top: float, frame: tuple[float, float, float, float]) -> Segment:
    width = 6.0 * len(text)
    return Segment(text, (x0, top, x0 + width, top + 12), 11.0, frame=frame, head=width)


def test_a_table_row_cut_by_a_page_break_is_one_row() -> None:
    """A row's cells carried on at the top of the next page (same columns, the texts above had
    filled their cells) join the row; the next row, with its number, does not."""
    number, name = (84.0, 600.0, 146.0, 707.0), (146.0, 600.0, 208.0, 707.0)
    name_2 = (146.0, 72.0, 208.0, 110.0)
    lines = [
        Line(1, [_framed("1", 90, 605, number), _framed("ปรับปรุงภู", 152, 605, name)]),
        Line(2, [_framed("มิทัศน์", 152, 75, name_2)]),
        Line(2, [_framed("2", 90, 115, (84.0, 110.0, 146.0, 140.0)),
                 _framed("ปลูกป่า", 152, 115, (146.0, 110.0, 208.0, 140.0))]),
    ]  # fmt: skip
    cells = layout_cells(lines, sheet="pdf")
    assert [(cell.row, cell.text) for cell in cells] == [
        (0, "1"),
        (0, f"ปรับปรุงภู{BREAK_MARK}มิทัศน์"),  # ran to its box's end: the value reader decides
        (1, "2"),
        (1, "ปลูกป่า"),
    ]


def test_a_cell_starting_below_its_row_is_on_the_row() -> None:
    """Text that starts lower in its cell (struck-out text of a tracked change above it) is on
    its row's line, beside the label, not on a row of its own."""
    row = (84.0, 160.0, 170.0, 230.0), (170.0, 160.0, 260.0, 230.0)
    lines = [
        Line(1, [_framed("ชื่อองค์กร", 90, 165, row[0])]),
        Line(1, [_framed("อบต.แม่ใส", 176, 203, row[1])]),
    ]
    cells = layout_cells(lines, sheet="pdf")
    assert [(cell.row, cell.text) for cell in cells] == [(0, "ชื่อองค์กร"), (0, "อบต.แม่ใส")]


@pytest.mark.parametrize(
    ("text", "read"),
    [
        (f"นางสาวพิมพ์ชนก{WRAP_MARK}บุญมา", "นางสาวพิมพ์ชนก บุญมา"),  # wrapped at the space
        (f"(นายสมชาย{WRAP_MARK}ใจดี)", "นายสมชาย ใจดี"),
        (f"นางสาว{WRAP_MARK}ประเสริฐ{WRAP_MARK}วงศ์ไทย", "นางสาวประเสริฐ วงศ์ไทย"),
        (f"นางสาวพิมพ์{WRAP_MARK}ชนก บุญมา", "นางสาวพิมพ์ชนก บุญมา"),  # wrapped in a name
        (f"ปรับปรุงภูมิทัศน์{WRAP_MARK}ริมถนน", "ปรับปรุงภูมิทัศน์ริมถนน"),  # Thai runs together
        (f"นางธนพล{BREAK_MARK}ศรีสุข", "นางธนพล ศรีสุข"),  # ran to the column's end: the space
        (f"ปรับปรุงภู{BREAK_MARK}มิทัศน์", "ปรับปรุงภูมิทัศน์"),  # a word broken for want of room
    ],
)
def test_a_wrap_between_thai_words_in_a_name(text: str, read: str) -> None:
    assert clean_text(text) == read


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("ปลัดองค์การ\nบริหารส่วน\nตำบล", "ปลัดองค์การบริหารส่วนตำบล"),  # Thai runs together
        ("......\n......\n(นายกาญจนา\nมั่นคง)", "นายกาญจนา มั่นคง"),  # a name: its space
        ("อบต.\nแม่ใส", "อบต. แม่ใส"),  # not between two Thai letters: a space
    ],
)
def test_a_one_line_value_broken_between_thai_words_reads_as_a_wrap(text: str, read: str) -> None:
    """A page reader cannot always tell a wrap from a new line in a borderless table; in a
    one-line value (a position, a name) a line break between Thai words is read as a wrap."""
    assert clean_text(text) == read
    assert clean_text(text.replace("\n", " \n"), multiline=True).count("\n") >= 1


@pytest.mark.parametrize(("text", "iso"), [("44286", "2021-03-31"), ("๔๔๔๖๙.0", "2021-09-30")])
def test_a_date_printed_as_an_excel_serial(text: str, iso: str) -> None:
    """A workbook whose date format was lost prints the serial: read as the date it is, a
    little less sure; a year, ddmmyy digits or a serial far from any report date are not."""
    result = read_value(Source(text), ValueSpec("date"))
    assert result == Parsed(iso, 0.9)
    for other in ("2564", "300964", "12345"):
        assert not isinstance(read_value(Source(other), ValueSpec("date")), Parsed)


def test_shared_forced_edge_keeps_a_header_over_its_numbers() -> None:
    """A table with too few rows to show its columns: the header (text, left-aligned) and the
    numbers under it (right-aligned) fall in one band with the column before; the edge each
    line needs is one edge, so the header and its numbers share a column."""

    def line(number: int, *parts: tuple[str, float, float]) -> Line:
        top = 100.0 + 20 * number
        return Line(1, [Segment(t, (x0, top, x1, top + 10), 10.0) for t, x0, x1 in parts])

    lines = [  # two long lines elsewhere on the page, crossing some of the gaps
        line(-2, ("แบบรายงานผลการดำเนินงานตามแนวทางปฏิบัติงาน", 54, 451)),
        line(-1, ("1. งบประมาณไม่เพียงพอ", 90, 413)),
        line(0, ("ระยะเวลา", 354, 394), ("งบประมาณ (บาท)", 408, 482), ("ชนิดพันธุ์", 500, 540)),
        line(1, ("ไตรมาส 3", 354, 392), ("25627.18", 455, 495), ("สัก", 500, 515)),
        line(2, ("ไตรมาส 4", 354, 392), ("6644.85", 460, 495), ("ยาง", 500, 516)),
    ]
    cells = layout_cells(lines, sheet="pdf")
    header = next(cell for cell in cells if cell.text.startswith("งบประมาณ"))
    numbers = [cell for cell in cells if cell.text[0].isdigit() and "." in cell.text[2:]]
    assert {cell.col for cell in numbers} == {header.col}


def test_a_running_page_header_is_left_out_after_its_first_page() -> None:
    """The form's title in Word's page header, on every page at the same height: page
    furniture. It stays where it first is; on a later page it would stand between a label at
    the foot of one page and its value at the top of the next."""

    def at(page: int, text: str, top: float) -> Line:
        return Line(page, [Segment(text, (90, top, 90 + 6 * len(text), top + 10), 11.0)])

    title = "แบบรายงานผลการดำเนินงาน"
    lines = [
        at(1, title, 37),
        at(1, "ส่วนที่ 4 ปัญหา อุปสรรค และข้อเสนอแนะ", 300),
        at(1, "ข้อเสนอแนะ", 700),
        at(2, title, 37.5),
        at(2, "ควรสนับสนุนกล้าไม้", 72),
    ]
    texts = [cell.text for cell in layout_cells(lines, sheet="pdf")]
    assert texts == [title, "ส่วนที่ 4 ปัญหา อุปสรรค และข้อเสนอแนะ", "ข้อเสนอแนะ", "ควรสนับสนุนกล้าไม้"]


def test_text_in_a_ruled_box_is_in_the_column_its_box_starts_in() -> None:
    """A number that starts further right in its box (below struck-out text, after a space)
    than the numbers above it, past an edge another table puts there: same column."""
    box = (265.0, 0.0, 335.0, 0.0)

    def row(number: int, value: str, x0: float) -> Line:
        top = 100.0 + 20 * number
        frame = (box[0], top - 2, box[2], top + 14)
        return Line(
            1,
            [
                Segment(f"แถว {number}", (90, top, 150, top + 10), 11.0),
                Segment(value, (x0, top, x0 + 40, top + 10), 11.0, frame=frame),
            ],
        )

    lines = [row(0, "15,908", 270), row(1, "223,036", 270), row(2, "184,852", 277)]
    lines += [  # another table's column starting at 275
        Line(1, [Segment("ไตรมาส 3", (275, 200 + 20 * i, 315, 210 + 20 * i), 11.0)])
        for i in range(3)
    ]
    cells = layout_cells(lines, sheet="pdf")
    assert len({cell.col for cell in cells if "," in cell.text and cell.row < 3}) == 1


SCHEMA = load_schema("2564.1")


def _cells(rows: list[list[tuple[int, str, tuple[int, ...]]]]) -> Sheet:
    """A page's cells: per row, (column, text, line breaks)."""
    cells = [
        TextCell(text, None, "pdf", row, col, f"p1 r{row}", breaks=breaks)
        for row, found in enumerate(rows)
        for col, text, breaks in found
    ]
    return Sheet("pdf", 0, tuple(cells))


def _rows(sheet: Sheet) -> list[list[str]]:
    return [
        [cell.text for cell in sheet.row(row)]
        for row in range(sheet.last_row + 1)
        if sheet.row(row)
    ]


def test_a_label_line_joined_to_a_value_starts_a_cell_of_its_own() -> None:
    """A page reader joined a label (or a section heading) under a value into the value's
    cell: the form's labels cut it off again, on a row of its own, with the text after it."""
    value = f"ผู้อำนวยการกองสาธารณสุข{WRAP_MARK}โทรศัพท์ / มือถือ"
    answer = "-- ไม่มี --ผู้รายงาน\nลงชื่อ นายสมชาย"
    sheet = _cells([
        [(0, "ตำแหน่ง", ())],
        [(0, value, (len(value) - len("โทรศัพท์ / มือถือ"),))],
        [(0, "0 5361 5866", ())],
        [(0, answer, (11, 21))],
    ])  # fmt: skip
    assert _rows(relined(sheet, index_for(SCHEMA))) == [
        ["ตำแหน่ง"],
        ["ผู้อำนวยการกองสาธารณสุข"],
        ["โทรศัพท์ / มือถือ"],
        ["0 5361 5866"],
        ["-- ไม่มี --"],
        ["ผู้รายงาน"],
        ["ลงชื่อ นายสมชาย"],
    ]


def test_lines_of_a_note_beside_a_value_stay_together() -> None:
    """A label word on a line of a cell with text to its left (a note beside its row's value)
    is that note's; a cell that is a label as a whole is never cut."""
    note = f"ข้อมูลจากสำนักทะเบียน{WRAP_MARK}อำเภอ"
    label = "1. พื้นที่สีเขียวสาธารณะ (สวนสาธารณะ สวน\nหย่อม สวนสุขภาพ สนามเด็กเล่น)"
    sheet = _cells([
        [(0, "อำเภอ", ()), (1, "กำแพงแสน", ()), (2, note, (len(note) - 5,))],
        [(0, label, (label.index("\n") + 1,)), (1, "4", ())],
    ])  # fmt: skip
    assert relined(sheet, index_for(SCHEMA)) is sheet


def test_a_label_wrapped_onto_the_next_row_is_one_cell() -> None:
    """A label wrapped in a column whose width the page does not show (two rows, one above
    the other): one label, on the row of the values beside it; a name in parentheses over
    ตำแหน่ง is no label (the whole key must match, not the text outside parentheses)."""
    sheet = _cells([
        [(1, "2.3 พื้นที่สีเขียวอรรถประโยชน์ ในพื้นที่", ()), (2, "5", ()), (3, "114356", ())],
        [(1, "สาธารณูปการ", ())],
        [(1, "2.4 พื้นที่สีเขียวอรรถประโยชน์ ในพื้นที่", ())],
        [(1, "สาธารณูปการ", ()), (2, "7", ())],
        [(1, "(นายธนพล ทองคำ)", ())],
        [(1, "ตำแหน่ง", ())],
    ])  # fmt: skip
    assert _rows(relined(sheet, index_for(SCHEMA))) == [
        ["2.3 พื้นที่สีเขียวอรรถประโยชน์ ในพื้นที่\nสาธารณูปการ", "5", "114356"],
        ["2.4 พื้นที่สีเขียวอรรถประโยชน์ ในพื้นที่\nสาธารณูปการ", "7"],
        ["(นายธนพล ทองคำ)"],
        ["ตำแหน่ง"],
    ]


def test_the_name_under_a_signature_line_typed_in_the_label_cell() -> None:
    """ "ลงชื่อ ........ ผู้รายงาน" in one cell, the name in parentheses centred under the
    line (another column): the reporter's name."""
    sheet = _cells([
        [(0, "ส่วนที่ 5 ผู้รายงาน", ())],
        [(1, "ลงชื่อ ............................ ผู้รายงาน", ())],
        [(2, "(นางประเสริฐ ทองคำ)", ())],
        [(1, "ตำแหน่ง", ()), (2, "ปลัดเทศบาล", ())],
    ])  # fmt: skip
    fields = extract(Document("pdf", (sheet,)), SCHEMA).fields
    assert fields["reporter_name"] == "นางประเสริฐ ทองคำ"
    assert fields["reporter_position"] == "ปลัดเทศบาล"


# --------------------------------------------------------------------------- Thai text


def _cell_texts(data: bytes) -> list[str]:
    document = parsers.pdf.read_pdf(data, ReadContext())
    return [cell.text for sheet in document.sheets for cell in sheet.cells]


@pytest.mark.parametrize("font", ["words", "words_loma"])
def test_thai_marks_come_out_in_order(printed: Printed, font: str) -> None:
    """Real shaped output: tone marks over upper vowels, shifted marks, sara am, in both fonts."""
    texts = _cell_texts(getattr(printed, font))
    expected = [unicodedata.normalize("NFC", word) for word in scans.THAI_MARK_WORDS]
    assert [unicodedata.normalize("NFC", text) for text in texts] == expected


def test_truth_strings_with_marks_read_exactly(printed: Printed) -> None:
    """Names, positions and project names of the forms, as the text layer gives them."""
    sample = printed.forms[0]
    assert sample.truth is not None
    texts = set(_cell_texts(sample.data))
    assert sample.truth["contact_position"] in texts
    assert sample.truth["contact_name"] in texts
    for project in sample.truth["projects"]:
        assert project["species"] in texts


# --------------------------------------------------------------------------- not forms, bad files


def test_cover_letter_is_not_a_form(printed: Printed) -> None:
    assert "สิ่งที่ส่งมาด้วย" in "".join(_cell_texts(printed.letter))  # a real text layer
    result = read_attachment(printed.letter, filename="หนังสือนำส่ง.pdf")
    assert isinstance(result, NotAForm), result
    assert "label" in result.reason


def test_damaged_pdf_is_unreadable() -> None:
    result = read_attachment(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF broken")
    assert isinstance(result, Unreadable)
    assert result.problem.code == "corrupt_file"


def test_password_protected_pdf_says_so() -> None:
    [data] = scans.convert_to_pdf(
        [("letter.docx", scans.cover_letter_docx("อบต.แม่ใส"))], password="secret"
    )
    result = read_attachment(data, filename="form.pdf")
    assert isinstance(result, Unreadable)
    assert result.problem.code == "password_protected"


def test_pages_beyond_the_limit_are_not_read(printed: Printed) -> None:
    data = printed.forms[0].data
    whole = parsers.pdf.read_pdf(data, ReadContext())
    first = parsers.pdf.read_pdf(data, ReadContext(ReadLimits(max_sheets=1)))
    pages = {
        cell.page for sheet in whole.sheets for cell in sheet.cells if isinstance(cell, TextCell)
    }
    assert len(pages) > 1
    assert {cell.source[:3] for sheet in first.sheets for cell in sheet.cells} == {"p1 "}
    capped = parsers.pdf.read_pdf(data, ReadContext(ReadLimits(max_cells=10)))
    assert capped.cell_count == 10


def test_a_page_without_text_goes_to_ocr(printed: Printed) -> None:
    """A scanned page (an image, no text layer) is handed to the OCR engine given."""
    seen: list[int] = []

    def engine(image: Any, dpi: int, psm: int, languages: str) -> list[Any]:
        seen.append(dpi)
        return []

    scan = scans.image_pdf(scans.render_pages(printed.forms[0].data, 100)[:1], dpi=100)
    document = parsers.pdf.read_pdf(scan, ReadContext(ocr=engine))
    assert document.format == "pdf_scan"
    assert seen  # the first look ran (and found nothing: no full OCR)


def boxed(row: int, col: int, text: str, x0: float, x1: float, *, pitch: float = 20.0) -> Cell:
    """A cell of a page at (row, col), its box from x0 to x1, a line every ``pitch`` points."""
    return Cell(text, None, "pdf", row, col, f"p1 line {row}",
                box=(x0, row * pitch, x1, row * pitch + pitch * 0.6))  # fmt: skip


def ocr_cell(row: int, col: int, text: str) -> TextCell:
    """A cell a scan's OCR read (surely enough)."""
    return TextCell(text, None, "pdf", row, col, f"p1 ocr line {row}", ocr=True, confidence=0.9)


def _projects_page(stray_header: str | None) -> Document:
    """A page's projects table whose area figures stand right of their header's grid column
    (the header written from the left edge of a wide column, the figures at its right edge)."""
    header = [
        boxed(0, 0, "ลำดับ", 50, 80),
        boxed(0, 1, "ชื่อโครงการ/กิจกรรม", 100, 200),
        boxed(0, 2, "ระยะเวลา", 220, 280),
        boxed(0, 3, "งบประมาณ (บาท)", 300, 380),
        boxed(0, 4, "พื้นที่สีเขียวที่เพิ่มขึ้น (ตร.ม.)", 400, 500),
        boxed(0, 6, "จำนวนต้นไม้ที่ปลูก (ต้น)", 560, 640),
        boxed(0, 7, "ชนิดพันธุ์", 660, 720),
    ]
    if stray_header is not None:
        header.append(boxed(0, 5, stray_header, 515, 545))
    row = [
        boxed(1, 0, "1", 60, 66),
        boxed(1, 1, "ปลูกป่าชุมชนบ้านหนองบัว", 100, 190),
        boxed(1, 2, "ไตรมาส 3", 220, 260),
        boxed(1, 3, "12000", 350, 380),
        boxed(1, 5, "15008", 520, 550),
        boxed(1, 6, "2667", 610, 640),
        boxed(1, 7, "พะยูง", 660, 690),
    ]
    return Document.from_cells("pdf", header + row, ["pdf"])


def test_figures_right_of_their_headers_grid_column_are_that_column() -> None:
    projects = extract(_projects_page(None), load_schema("2564.1")).fields["projects"]
    assert isinstance(projects, list)
    assert projects[0]["added_area_m2"] == 15008.0
    assert projects[0]["trees_planted"] == 2667


def test_a_column_with_a_header_of_its_own_is_not_another_columns() -> None:
    projects = extract(_projects_page("หมายเหตุ"), load_schema("2564.1")).fields["projects"]
    assert isinstance(projects, list)
    assert projects[0]["added_area_m2"] is None


def test_prose_read_by_ocr_is_mended_and_names_are_not() -> None:
    """Marks OCR lost are mended in the form's free text (problems, positions, project names),
    never in names: "มันคง" may be a surname, "ทีปลูก" is no Thai."""

    cells = [
        ocr_cell(0, 0, "ผู้ประสานงาน ชื่อ-สกุล"),
        ocr_cell(0, 1, "นายสมชาย มันคง"),
        ocr_cell(1, 0, "ปัญหา อุปสรรค"),
        ocr_cell(1, 1, "ต้นไม้ทีปลูกตายบางส่วน"),
    ]
    fields = extract(Document.from_cells("pdf_scan", cells, ["pdf"]), load_schema("2564.1")).fields
    assert fields["problems"] == "ต้นไม้ที่ปลูกตายบางส่วน"
    assert fields["contact_name"] == "นายสมชาย มันคง"
    typed = [dataclasses.replace(cell, ocr=False) for cell in cells]  # a text layer's: as typed
    fields = extract(Document.from_cells("pdf", typed, ["pdf"]), load_schema("2564.1")).fields
    assert fields["problems"] == "ต้นไม้ทีปลูกตายบางส่วน"


def test_site_counts_right_of_their_headers_grid_column_are_counted() -> None:
    """Part 2 on a scan: "จำนวน (แห่ง)" written from its column's left edge, the counts set
    to its right edge, a grid column apart."""
    cells = [
        boxed(0, 0, "ประเภทพื้นที่สีเขียว", 50, 120),
        boxed(0, 2, "จำนวน (แห่ง)", 230, 280),
        boxed(0, 4, "พื้นที่ (ตร.ม.)", 330, 380),
        boxed(1, 0, "1. พื้นที่สีเขียวสาธารณะ", 50, 200),
        boxed(1, 3, "23", 290, 300),
        boxed(1, 4, "13708", 350, 380),
        boxed(2, 0, "4. พื้นที่สีเขียวธรรมชาติ", 50, 200),
        boxed(2, 3, "7", 295, 300),
        boxed(2, 4, "4088", 355, 380),
    ]
    fields = extract(Document.from_cells("pdf", cells, ["pdf"]), load_schema("2564.1")).fields
    assert (fields["green_public_sites"], fields["green_public_area_m2"]) == (23, 13708.0)
    assert (fields["green_natural_sites"], fields["green_natural_area_m2"]) == (7, 4088.0)


def test_a_row_of_doubted_specks_in_the_projects_table_is_no_project() -> None:
    """Specks OCR read as "ม ทบ" with little confidence, alone on a row of the projects table,
    must not become a project (every project after it would shift by one)."""
    page = _projects_page(None)
    rows = {cell.row for cell in page.sheets[0].cells}
    specks = TextCell("ม ทบ", None, "pdf", max(rows) + 1, 1, "p1 ocr line 9", ocr=True,
                      confidence=0.32, box=(100.0, 200.0, 120.0, 204.0))  # fmt: skip
    second = [
        TextCell(
            text,
            None,
            "pdf",
            max(rows) + 2,
            col,
            "p1 ocr line 10",
            ocr=True,
            confidence=0.9,
            box=(x0, 220.0, x0 + 30, 232.0),
        )
        for col, text, x0 in ((1, "ปลูกต้นไม้เฉลิมพระเกียรติ", 100.0), (3, "5000", 350.0))
    ]
    cells = [*page.sheets[0].cells, specks, *second]
    projects = extract(Document.from_cells("pdf", cells, ["pdf"]), load_schema("2564.1"))
    names = [project["name"] for project in projects.fields["projects"]]
    assert names == ["ปลูกป่าชุมชนบ้านหนองบัว", "ปลูกต้นไม้เฉลิมพระเกียรติ"]


def test_of_two_strays_in_a_column_the_one_with_text_is_its_cell() -> None:
    """A ruled line read as "1" just left of a project's name: both are strays of the name
    column; the name is the name."""
    cells = [
        boxed(0, 1, "ชื่อโครงการ/กิจกรรม", 100, 200),
        boxed(0, 4, "ระยะเวลา", 220, 280),
        boxed(0, 5, "งบประมาณ (บาท)", 300, 380),
        boxed(1, 2, "1", 96, 98),
        boxed(1, 3, "ปลูกป่าชุมชนบ้านหนองบัว", 99, 190),
        boxed(1, 4, "ไตรมาส 3", 220, 260),
        boxed(1, 5, "12000", 350, 380),
    ]
    projects = extract(Document.from_cells("pdf", cells, ["pdf"]), load_schema("2564.1"))
    assert projects.fields["projects"][0]["name"] == "ปลูกป่าชุมชนบ้านหนองบัว"


def test_ocr_misreadings_of_emails_and_phones_are_mended() -> None:
    cells = [
        ocr_cell(0, 0, "E-mail"),
        ocr_cell(0, 1, "green33/@gmail.com"),
        ocr_cell(1, 0, "โทรศัพท์ / มือถือ"),
        ocr_cell(1, 1, ".0 5361 9972"),
    ]
    fields = extract(Document.from_cells("pdf_scan", cells, ["pdf"]), load_schema("2564.1")).fields
    assert fields["contact_email"] == "green337@gmail.com"
    assert fields["contact_phone"] == "0 5361 9972"


def test_a_value_printed_below_its_label_but_right_aligned_is_read() -> None:
    """Values below labels, a date set at the right of its wide cell: on the page it stands
    in no column of its label's, alone on the next row."""
    cells = [
        boxed(0, 1, "ส่วนที่ 5 ผู้รายงาน", 54, 120, pitch=15.0),
        boxed(1, 1, "ลงชื่อ", 54, 73, pitch=15.0),
        boxed(2, 1, "นางพิมพ์ชนก บุญมา", 54, 130, pitch=15.0),
        boxed(3, 1, "ตำแหน่ง", 54, 84, pitch=15.0),
        boxed(4, 1, "ปลัดองค์การบริหารส่วนตำบล", 54, 160, pitch=15.0),
        boxed(5, 1, "วันที่", 54, 69, pitch=15.0),
        boxed(6, 2, "10/9/2021", 196, 236, pitch=15.0),
    ]
    fields = extract(Document.from_cells("pdf", cells, ["pdf"]), load_schema("2564.1")).fields
    assert fields["report_date"] == "2021-09-10"
    assert fields["reporter_position"] == "ปลัดองค์การบริหารส่วนตำบล"


def test_a_unit_note_set_apart_from_its_header_is_the_headers() -> None:
    """ "พื้นที่ที่เพิ่มขึ้น | (ไร่)": the note in a cell of its own on the scan is the header's
    unit, and the figures under the note are the header's column."""
    cells = [
        boxed(0, 1, "ชื่อโครงการ/กิจกรรม", 100, 200),
        boxed(0, 3, "งบประมาณ (บาท)", 300, 380),
        boxed(0, 4, "พื้นที่ที่เพิ่มขึ้น", 400, 450),
        boxed(0, 5, "(ไร่)", 455, 470),
        boxed(0, 6, "จำนวนต้นไม้ที่ปลูก (ต้น)", 500, 560),
        boxed(1, 1, "ปลูกป่าชุมชนบ้านหนองบัว", 100, 190),
        boxed(1, 3, "12000", 350, 380),
        boxed(1, 5, "5.305", 460, 480),
        boxed(1, 6, "478", 540, 560),
    ]
    projects = extract(Document.from_cells("pdf", cells, ["pdf"]), load_schema("2564.1"))
    project = projects.fields["projects"][0]
    assert (project["added_area_m2"], project["trees_planted"]) == (8488.0, 478)
