"""From Tesseract's words to cells: the pure stages of ``parsers.ocr`` that make a scanned table
read like a printed one - column gaps OCR wrote as one space (rivers, the edges of columns of
figures), ink-tight boxes, phantoms and specks, labels misread by a character, figures checked
by a second reading. Synthetic words and drawn images: no Tesseract needed.
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from parsers import thaidigits
from parsers.ocr.engine import Word
from parsers.ocr.ink import tightened
from parsers.ocr.lines import _cut_numbers, _text, ocr_pages
from parsers.ocr.mending import snapped, undusted
from parsers.ocr.rereading import _checked, _read_spots, _Spot, second_look, thai_figures
from parsers.pagetext import Segment

H = 30  # text height in pixels (a 300-dpi scan of 14-16 pt Thai)


def line(number: int, *cells: tuple[int, str], gap: int = 1) -> list[Word]:
    """Words of one text line: each cell (x, text) one word per space-separated token, laid
    at 12 px a character; ``gap`` spaces before each cell after the first (1: OCR's usual)."""
    words: list[Word] = []
    top = 100 + number * 60
    for index, (x, text) in enumerate(cells):
        for position, token in enumerate(text.split(" ")):
            spaces = (gap if index else 0) if position == 0 else 1
            width = 12 * len(token)
            words.append(Word(token, (x, top, x + width, top + H), 95.0, (1, 1, number), spaces))
            x += width + 10
    return words


def texts(words: list[Word]) -> list[list[str]]:
    lines = ocr_pages([(1, words)], 300)
    return [[segment.text for segment in found.segments] for found in lines]


# ------------------------------------------------------------------------- column gaps


def test_a_table_row_is_cut_where_the_rows_around_align_on_one_space() -> None:
    """Project name and period, one space apart in OCR's text (``line`` puts one space between
    cells), in rows whose periods all start at x = 400."""
    words = (
        line(0, (100, "1"), (140, "ปลูกป่าชุมชน"), (400, "ไตรมาส 3"), (700, "78917.65"))
        + line(1, (100, "2"), (140, "ปรับปรุงภูมิทัศน์"), (400, "มิถุนายน 2564"), (700, "39787.92"))
        + line(2, (100, "3"), (140, "จัดทำสวนหย่อม"), (400, "ไตรมาส 3"), (700, "32247.46"))
    )
    found = texts(words)
    assert found[0][1:3] == ["ปลูกป่าชุมชน", "ไตรมาส 3"]
    assert found[1][1:3] == ["ปรับปรุงภูมิทัศน์", "มิถุนายน 2564"]


def test_repeated_words_are_no_column() -> None:
    """Part 2 labels share their first words: the space after them lines up by repetition,
    not because a column starts there."""
    words = (
        line(0, (100, "2.1 พื้นที่สีเขียวอรรถประโยชน์ ส่วนบุคคล"), (800, "7"))
        + line(1, (100, "2.2 พื้นที่สีเขียวอรรถประโยชน์ ในสถาบัน"), (800, "2"))
        + line(2, (100, "2.3 พื้นที่สีเขียวอรรถประโยชน์ ในพื้นที่"), (800, "10"))
    )
    for found in texts(words):
        assert found[0].startswith("2.")
        assert found[0].endswith(("บุคคล", "สถาบัน", "ที่"))


def test_a_sentence_is_not_cut_by_a_column_further_down_the_page() -> None:
    words = line(0, (100, "ปัญหา"), (300, "การระบาดของโรค ทำให้จัดกิจกรรมไม่ได้"))
    for number in range(8, 12):  # a table well below, whose column starts where a word does
        words += line(number, (100, str(number)), (300, "ชื่อ"), (500, "ไตรมาส"), (800, "100"))
    assert texts(words)[0] == ["ปัญหา", "การระบาดของโรค ทำให้จัดกิจกรรมไม่ได้"]


def test_a_header_is_cut_where_the_figures_of_a_column_end() -> None:
    """Left-aligned headers over right-aligned figures: each header starts where the figures
    of the column before end, one space after the header before it."""
    header = [
        Word("งบประมาณ", (300, 100, 400, 130), 95.0, (1, 1, 0), 0),
        Word("(บาท)", (410, 100, 470, 130), 95.0, (1, 1, 0), 1),
        Word("พื้นที่เพิ่มขึ้น", (505, 100, 640, 130), 95.0, (1, 1, 0), 1),
    ]
    rows = []
    for number, figure in enumerate(("78917.65", "39787.92", "32247.46"), start=1):
        top = 100 + 60 * number
        rows += [
            Word(figure, (500 - 12 * len(figure), top, 500, top + H), 95.0, (1, 1, number), 0),
            Word("1200", (652, top, 700, top + H), 95.0, (1, 1, number), 3),
        ]
    assert texts(header + rows)[0] == ["งบประมาณ (บาท)", "พื้นที่เพิ่มขึ้น"]


# ------------------------------------------------------------------------- boxes and dirt


def page_with(*boxes: tuple[int, int, int, int]) -> Image.Image:
    page = Image.new("L", (1000, 400), 255)
    draw = ImageDraw.Draw(page)
    for box in boxes:
        draw.rectangle(box, fill=0)
    return page


def test_boxes_shrink_to_their_ink() -> None:
    """Tesseract boxed the first character over the blank before it."""
    page = page_with((120, 100, 140, 130), (142, 100, 160, 130))
    words = [
        Word("พ", (90, 95, 118, 135), 93.0, (1, 1, 1), 1),  # no ink inside: its word starts later
        Word("ื้", (110, 95, 141, 135), 93.0, (1, 1, 1), 0),
        Word("น", (141, 95, 165, 135), 97.0, (1, 1, 1), 0),
    ]
    tight = tightened(page, words)
    assert [w.text for w in tight] == ["พ", "ื้", "น"]
    assert tight[0].box[0] == tight[0].box[2] >= 120  # an empty box where the word's ink begins
    assert tight[2].box == (142, 100, 161, 131)


def test_a_phantom_character_is_dropped_and_its_space_kept() -> None:
    page = page_with((100, 100, 160, 130), (300, 100, 360, 130))
    words = [
        Word("ขึ้น", (100, 100, 160, 130), 95.0, (1, 1, 1), 0),
        Word("ค", (250, 100, 270, 130), 63.0, (1, 1, 1), 1),  # no ink, and doubted: a phantom
        Word("จำนวน", (300, 100, 360, 130), 95.0, (1, 1, 1), 0),
    ]
    tight = tightened(page, words)
    assert [(w.text, w.spaces) for w in tight] == [("ขึ้น", 0), ("จำนวน", 1)]


def test_a_speck_read_as_letters_is_dropped() -> None:
    page = page_with((100, 100, 160, 130), (400, 120, 403, 123))
    words = [
        Word("E-mail", (100, 100, 160, 130), 95.0, (1, 1, 1), 0),
        Word("daa", (395, 110, 410, 130), 88.0, (1, 1, 1), 3),
    ]
    assert [w.text for w in tightened(page, words)] == ["E-mail"]


def test_dust_read_as_punctuation_is_no_cell() -> None:
    words = line(0, (100, "3. พื้นที่สีเขียว"), (400, "."), (800, "11"))
    assert texts(words) == [["3. พื้นที่สีเขียว", "11"]]


# ------------------------------------------------------------------------- misreadings


def segment(text: str) -> Segment:
    return Segment(text, (0.0, 0.0, 100.0, 10.0), 10.0, 0.9)


def test_a_label_misread_by_a_character_is_the_label() -> None:
    assert snapped(segment("พื้นที่สีเขียวที่เพิ่ขึ้น")).text == "พื้นที่สีเขียวที่เพิ่มขึ้น"
    assert snapped(segment("ลงชือ")).text == "ลงชื่อ"  # the same letters, marks lost
    assert snapped(segment("วันทิ")).text == "วันที่"
    assert snapped(segment("2.1 พื้นที่สีเขียวอรรถประโยชน ส่วนบุคคล")).text.startswith("2.1 ")


def test_values_are_not_snapped_to_labels() -> None:
    for text in ("นายสมชาย ใจดี", "ปลูกป่าชุมชนบ้านหนองบัว", "กำแพงแสน", "1,250"):
        assert snapped(segment(text)).text == text


def test_sara_am_misread_as_mai_han_akat() -> None:
    word = Word("นั้า", (0, 0, 30, 30), 90.0, (1, 1, 1))
    assert _text([word]) == "น้ำ"


def test_a_figure_read_twice() -> None:
    first = Word("2600", (0, 0, 40, 30), 66.0, (1, 1, 1), 2)
    again = _checked(first, ("2400", 96.6))
    assert (again.text, again.confidence) == ("2400", 66.0)  # read alone: right, but doubtful
    same = _checked(first, ("2600", 96.6))
    assert (same.text, same.confidence) == ("2600", 96.6)
    longer = _checked(first, ("26001", 96.6))  # a digit more: keep, and doubt
    assert longer.text == "2600"
    assert longer.confidence <= 66.0
    assert _checked(first, None) is first
    assert _checked(first, ("ประดู่", 90.0)) is first


def test_a_label_with_letters_lost_and_its_marks_reordered_is_the_label() -> None:
    # Tesseract's "เพิ่ึ้น" for "เพิ่มขึ้น": ม and ข lost, and normalising puts ึ before ่
    assert snapped(segment("พื้นที่สีเขียวที่เพิ่ึ้น")).text == "พื้นที่สีเขียวที่เพิ่มขึ้น"


def test_dirt_at_the_ends_of_a_value_is_no_punctuation() -> None:
    cases = {
        "กำแพงแสน .": "กำแพงแสน",
        "พะยูง '": "พะยูง",
        ".นางประเสริฐ ทองคำ": "นางประเสริฐ ทองคำ",
        "พะยูง.": "พะยูง",
        "ทต.แม่ใส.": "ทต.แม่ใส",
    }
    for read, meant in cases.items():
        assert undusted(read) == meant
    for kept in ("อบต.", "ก.ย.", "ต.ค. 2563 - ก.ย. 2564", "มี.ค.", "ตร.กม.", "4.88", "-- ไม่มี --"):
        assert undusted(kept) == kept


def test_two_formatted_figures_a_space_apart_are_two_cells() -> None:
    assert texts(line(1, (100, "10.9025 1,277"))) == [["10.9025", "1,277"]]
    assert texts(line(1, (100, "0 5361 9972"))) == [["0 5361 9972"]]  # a telephone number


# ------------------------------------------------------------------------- Thai digits

THAI_FONTS = thaidigits.thai_fonts()
needs_thai_fonts = pytest.mark.skipif(
    not THAI_FONTS, reason="no Thai font: apt-get install fonts-thai-tlwg"
)


def thai_page(*figures: tuple[int, int, str]) -> Image.Image:
    """A page with Thai figures drawn at (x, line number), as a 300-dpi scan sets 14 pt."""
    page = Image.new("L", (1400, 800), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(next(p for p in THAI_FONTS if p.endswith("/Laksaman.ttf")), 58)
    for x, number, text in figures:
        draw.text((x, 100 + number * 120 - 12), text, font=font, fill=0)
    return page


def inked(page: Image.Image, x: int, number: int, text: str, spaces: int) -> Word:
    """A word Tesseract read as ``text`` over the ink drawn at (x, line)."""
    top = 100 + number * 120
    box = page.crop((x - 5, top - 20, x + 400, top + 100)).point(lambda v: 255 if v < 128 else 0)
    bound = box.getbbox()
    assert bound is not None
    return Word(text, (x - 5 + bound[0], top - 20 + bound[1], x - 5 + bound[2], top - 20 + bound[3]),
                90.0, (1, 1, number), spaces)  # fmt: skip


@needs_thai_fonts
def test_thai_figures_are_read_by_their_shapes() -> None:
    page = thai_page((300, 1, "๒๙๕.๒๖"), (300, 3, "๗๕,๗๖๓"), (300, 5, "๒๐๘,๗๘๔"))
    words = [
        inked(page, 300, 1, "๒๕๕.๒๒", 0),  # Tesseract's misreadings of the three figures
        inked(page, 300, 3, "๓๕,เอ๓", 0),
        inked(page, 300, 5, "lod,alee", 0),
    ]
    read = thai_figures(page, words)
    assert [word.text for word in read] == ["๒๙๕.๒๖", "๗๕,๗๖๓", "๒๐๘,๗๘๔"]
    assert all(word.confidence >= 90 for word in read)


@needs_thai_fonts
def test_a_page_without_thai_figures_is_left_to_tesseract() -> None:
    """Dirt read as a lone "๕" or "๐" does not make a page one written in Thai digits."""
    page = thai_page((300, 1, "๕"), (300, 3, "๐"), (300, 5, "๒๐๘"))
    words = [
        inked(page, 300, 1, "๕", 0),
        inked(page, 300, 3, "๐", 0),
        inked(page, 300, 5, "lod", 0),
    ]
    assert thai_figures(page, words) == words


@needs_thai_fonts
def test_a_tick_read_as_a_letter_stays_a_tick() -> None:
    page = thai_page((300, 1, "๒๕๖๔"), (300, 3, "๑๒๓"))
    draw = ImageDraw.Draw(page)
    draw.line((300, 610, 312, 625, 335, 585), fill=0, width=4)  # a tick on line 4
    words = [inked(page, 300, 1, "๒๕๖๔", 0), inked(page, 300, 3, "๑๒๓", 0)]
    words.append(Word("v", (298, 583, 337, 627), 60.0, (1, 1, 4), 0))
    read = thai_figures(page, words)
    assert [word.text for word in read] == ["๒๕๖๔", "๑๒๓", "v"]


def test_two_column_headers_read_as_one_run_are_two_cells() -> None:
    row = line(1, (100, "จำนวนต้นไม้ที่ปลูก (ต้น) ชนิดพันธุ์"))
    assert texts(row) == [["จำนวนต้นไม้ที่ปลูก (ต้น)", "ชนิดพันธุ์"]]
    assert texts(line(1, (100, "ปลูกต้นไม้ ชนิดพันธุ์ไม้ดี"))) == [["ปลูกต้นไม้ ชนิดพันธุ์ไม้ดี"]]


def test_a_number_glued_to_thai_text_is_its_own_cell() -> None:
    glued = [Word("”", (90, 160, 95, 165), 40.0, (1, 1, 1), 0),
             Word("1ท้องถิ่น", (120, 160, 220, 190), 90.0, (1, 1, 1), 1)]  # fmt: skip
    cut = _cut_numbers(glued)
    assert [[word.text for word in piece] for piece in cut] == [["”", "1"], ["ท้องถิ่น"]]
    assert cut[1][0].box[0] == cut[0][1].box[2]  # the box parted in proportion


def test_a_doubted_email_address_is_read_again_in_english() -> None:
    """Tesseract's Thai model spoils Latin letters ("ereen" for "green"): a doubted address
    is read again as English only, and the surer reading is taken, still doubtful."""
    page = Image.new("L", (1200, 400), 255)
    ImageDraw.Draw(page).rectangle((300, 200, 700, 230), fill=0)  # the address's ink
    first = Word("ereen1@dla.go.th", (300, 200, 700, 230), 28.0, (1, 1, 1), 0)
    label = Word("E-mail", (50, 200, 150, 230), 95.0, (1, 1, 1), 0)
    asked: list[str] = []

    def engine(image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        asked.append(languages)
        if languages != "eng":
            return []
        return [Word("green1@dla.go.th", (10, 10, 400, image.height - 10), 91.0, (1, 1, 1), 0)]

    read = second_look(page, [label, first], engine)
    assert "eng" in asked
    address = next(word for word in read if "@" in word.text)
    assert address.text == "green1@dla.go.th"
    assert address.confidence < 80  # which reading is right, a person says


def test_a_doubted_lone_mark_of_a_second_reading_is_a_speck() -> None:
    """Read again as Thai, "LW." comes back "ก . ุ ย ." with the ุ at confidence 11: without
    the speck it is the month, ก.ย."""
    page = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(page).rectangle((100, 80, 160, 110), fill=0)
    spot = _Spot((1, 1, 1), (100, 80, 160, 110), 30, [], languages="tha")

    def engine(image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        y0, y1 = 10, image.height - 10
        parts = [("ก", 91.0), (".", 65.0), ("ุ", 11.0), ("ย", 93.0), (".", 92.0)]
        return [Word(text, (10 + 12 * i, y0, 20 + 12 * i, y1), sure, (1, 1, 1), 0)
                for i, (text, sure) in enumerate(parts)]  # fmt: skip

    assert _read_spots(page, [spot], engine, "tha") == [("ก.ย.", 65.0)]


@needs_thai_fonts
def test_a_run_wider_than_any_figure_keeps_tesseracts_reading() -> None:
    page = thai_page((100, 1, "๑๒๓๔๕๖๗๘๙๐" * 3), (300, 3, "๒๕๖๔"))
    long_run = inked(page, 100, 1, "๑๒๓", 0)
    long_run = Word(long_run.text, (100, long_run.box[1], 1390, long_run.box[3]), 90.0,
                    long_run.line, 0)  # fmt: skip
    words = [long_run, inked(page, 300, 3, "๒๕๒๔", 0)]
    read = thai_figures(page, words)
    assert [word.text for word in read] == ["๑๒๓", "๒๕๖๔"]
