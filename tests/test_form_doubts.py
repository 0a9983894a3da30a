"""A value that could belong to two labels is a doubt, never a guess (issue 11), and the
small rules that keep edited forms from being read wrong without one.

Each test writes a small workbook by hand (openpyxl), with wordings of its own: the rule under
test, not the generators' vocabulary.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import openpyxl

from ingest.record import ACCEPT_CONFIDENCE
from parsers import FormReading, read_attachment

PART1 = [
    ("ส่วนที่ 1 ข้อมูลหน่วยงาน", None),
    ("ชื่อองค์กรปกครองส่วนท้องถิ่น", "องค์การบริหารส่วนตำบลบ้านไร่"),
    ("อำเภอ", "ดอนเจดีย์"),
    ("จังหวัด", "สุพรรณบุรี"),
    ("จำนวนประชากร (ทะเบียนราษฎร์)", 5120),
    ("ส่วนที่ 2 ข้อมูลพื้นที่สีเขียว", None),
]
ROWS = [
    "1. พื้นที่สีเขียวสาธารณะ (สวนสาธารณะ สวนหย่อม สวนสุขภาพ สนามเด็กเล่น)",
    "2.1 พื้นที่สีเขียวอรรถประโยชน์ ส่วนบุคคล",
    "2.2 พื้นที่สีเขียวอรรถประโยชน์ ในสถาบัน (สถานที่ราชการ โรงเรียน ศาสนสถาน)",
    "2.3 พื้นที่สีเขียวอรรถประโยชน์ ในพื้นที่สาธารณูปการ",
    "3. พื้นที่สีเขียวริ้วยาวตามแนวถนน ทางรถไฟ แม่น้ำ คลอง",
    "4. พื้นที่สีเขียวธรรมชาติ",
    "5. พื้นที่สีเขียวเพื่อเศรษฐกิจและการเกษตร",
    "6. พื้นที่สีเขียวอื่น ๆ",
]


def workbook(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(number, col, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def form(part1: Sequence[tuple[str, object]], table: Sequence[Sequence[object]]) -> FormReading:
    rows: list[list[object]] = [[label, value] for label, value in part1]
    rows += [list(row) for row in table]
    reading = read_attachment(workbook(rows), filename="form.xlsx")
    assert isinstance(reading, FormReading), reading
    return reading


def green_table(head: Sequence[object], areas: Sequence[Sequence[object]]) -> list[list[object]]:
    return [list(head)] + [[label, 1, *area] for label, area in zip(ROWS, areas, strict=True)]


def plain_table() -> list[list[object]]:
    return green_table(["ประเภทพื้นที่สีเขียว", "จำนวน (แห่ง)", "พื้นที่ (ตร.ม.)"],
                       [[100 * (n + 1)] for n in range(8)])  # fmt: skip


def test_two_cells_saying_one_label_with_two_values_are_a_doubt() -> None:
    part1 = [*PART1[:2], ("ชื่อองค์กรปกครองส่วนท้องถิ่น", "เทศบาลตำบลบ้านไร่"), *PART1[2:]]
    table = green_table(["ประเภทพื้นที่สีเขียว", "จำนวน (แห่ง)", "พื้นที่ (ตร.ม.)"],
                        [[100 * (n + 1)] for n in range(8)])  # fmt: skip
    reading = form(part1, table)
    assert reading.provenance["lao_name"].confidence < ACCEPT_CONFIDENCE


def test_one_label_with_one_value_is_sure() -> None:
    table = green_table(["ประเภทพื้นที่สีเขียว", "จำนวน (แห่ง)", "พื้นที่ (ตร.ม.)"],
                        [[100 * (n + 1)] for n in range(8)])  # fmt: skip
    reading = form(PART1, table)
    assert reading.fields["lao_name"] == "องค์การบริหารส่วนตำบลบ้านไร่"
    assert reading.provenance["lao_name"].confidence >= ACCEPT_CONFIDENCE


def test_a_unit_alone_heads_its_column_and_the_wa_are_kept() -> None:
    """ไร่ | งาน | ตร.ว. headers: the third, spelled as no label spells it, is the ตารางวา."""
    table = green_table(["ประเภทพื้นที่สีเขียว", "จำนวน (แห่ง)", "ไร่", "งาน", "ตร.ว."],
                        [[2, 1, 25]] * 8)  # fmt: skip
    reading = form(PART1, table)
    assert reading.fields["green_natural_area_m2"] == 2 * 1600 + 400 + 25 * 4


def test_a_part2_row_no_label_names_is_told_by_its_place() -> None:
    """The 2.2 row reworded in words the schema does not list ("หน่วยงาน/สถานศึกษา"), between
    the rows of 2.1 and 2.3: its figures are 2.2's."""
    labels = list(ROWS)
    labels[2] = "สีเขียวของหน่วยงานรัฐ/สถานศึกษา"
    table: list[list[object]] = [["ประเภทพื้นที่สีเขียว", "จำนวน (แห่ง)", "พื้นที่ (ตร.ม.)"]]
    table += [[label, n + 1, 1000 * (n + 1)] for n, label in enumerate(labels)]
    reading = form(PART1, table)
    assert reading.fields["green_utility_institution_sites"] == 3
    assert reading.fields["green_utility_institution_area_m2"] == 3000.0


def test_a_labels_words_after_it_never_begin_its_value() -> None:
    part1 = [*PART1[:-1], ("ผู้ประสานงานของ อปท. นางสาวอรอุมา ทองคำ", None), PART1[-1]]
    reading = form(part1, plain_table())
    assert reading.fields["contact_name"] == "นางสาวอรอุมา ทองคำ"


def test_a_trailing_period_stays_with_the_value() -> None:
    signoff: list[list[object]] = [["ส่วนที่ 5 ผู้รายงาน"], ["ลงชื่อ", "นายทองดี มีสุข"],
                                   ["ตำแหน่ง ปลัด อบต."]]  # fmt: skip
    reading = form(PART1, plain_table() + signoff)
    assert reading.fields["reporter_position"] == "ปลัด อบต."
