"""core.thai: normalisation, digits, numbers, dates, areas, ticks, LAO types, provinces, codecs."""

from __future__ import annotations

import codecs
import datetime as dt
import unicodedata

import geothai
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import dates, thai

THAI_TEXT = st.lists(
    st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B)
    | st.sampled_from([" ", "\u200b", "\u0e4d\u0e32", "เเ", " า"]),
    max_size=30,
).map("".join)
MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
                "พ.ย.", "ธ.ค.")  # fmt: skip
MONTHS_LONG = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
               "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")  # fmt: skip


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ส านัก", "สำนัก"),  # PDF artifact: ำ lost, a space left
        ("น้ า", "น้ำ"),
        ("\u0e19\u0e49\u0e4d\u0e32", "น้ำ"),  # ํา with the tone mark between
        ("ก\u0e4d\u0e32", "กำ"),  # U+0E4D U+0E32 -> U+0E33
        ("เเม่", "แม่"),
        ("จัง\u200bหวัด\ufeff", "จังหวัด"),
        ("ก\u0e48\u0e35", "กี่"),  # tone mark typed before the upper vowel
        ("นำ\u0e49", "น้ำ"),  # ำ typed before the tone mark
        ("ab c", "ab c"),
    ],
)
def test_normalize_repairs(raw: str, expected: str) -> None:
    assert thai.normalize(raw) == expected


def test_normalize_keeps_sara_am_composed() -> None:
    """NFKC would split ำ into ํ + า; normalize must not."""
    assert unicodedata.normalize("NFKC", "ำ") != "ำ"
    assert thai.normalize("น้ำ") == "น้ำ"
    assert "\u0e4d" not in thai.normalize("กำแพงแสน")


@given(THAI_TEXT)
def test_normalize_is_idempotent_and_never_leaves_split_am(text: str) -> None:
    once = thai.normalize(text)
    assert thai.normalize(once) == once
    assert "\u0e4d\u0e32" not in once
    assert unicodedata.is_normalized("NFC", once)


def test_legacy_font_private_use_marks_are_mapped() -> None:
    assert thai.normalize("ก\uf70a") == "ก\u0e48"


# --------------------------------------------------------------------------- digits and numbers


@given(st.integers(min_value=0, max_value=10**12))
def test_thai_digits_round_trip(number: int) -> None:
    written = thai.arabic_digits_to_thai(f"{number:,}")
    assert thai.thai_digits_to_arabic(written) == f"{number:,}"
    assert thai.parse_number(written) == (float(number), True)


@given(st.text(alphabet="0123456789.,- abcกขค", max_size=20))
def test_digit_conversion_round_trip_on_any_text(text: str) -> None:
    assert thai.thai_digits_to_arabic(thai.arabic_digits_to_thai(text)) == text


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_numbers_with_thousands_separators_and_units(value: object) -> None:
    number = float(value)  # type: ignore[arg-type]
    assert thai.parse_number(f"{number:,.2f} บาท") == (round(number, 2), True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5,230 คน", (5230.0, True)),
        ("๕,๒๓๐", (5230.0, True)),
        ("1,407.52", (1407.52, True)),
        ("ประมาณ 5,000", (5000.0, False)),
        ("3 - 5", None),
        ("ไม่ทราบ", None),
    ],
)
def test_parse_number(text: str, expected: tuple[float, bool] | None) -> None:
    assert thai.parse_number(text) == expected


def test_phone_digits() -> None:
    assert thai.parse_phone_digits("0 5361 2345 ต่อ 12") == "053612345"
    assert thai.parse_phone_digits("๐๘๑-๒๓๔-๕๖๗๘") == "0812345678"


# --------------------------------------------------------------------------- areas

RAI = st.integers(min_value=0, max_value=100_000)
NGAN = st.integers(min_value=0, max_value=3)
WA = st.integers(min_value=0, max_value=99)


@given(RAI, NGAN, WA)
def test_rai_ngan_wa_spellings(rai: int, ngan: int, wa: int) -> None:
    expected = float(rai * 1600 + ngan * 400 + wa * 4)
    spellings = [
        f"{rai}-{ngan}-{wa}",
        f"{rai}-{ngan}-{wa} ไร่",
        thai.arabic_digits_to_thai(f"{rai}-{ngan}-{wa}"),
        f"{rai:,} ไร่ {ngan} งาน {wa} ตารางวา",
        f"{rai} ไร่ {ngan} งาน {wa} ตร.วา",
    ]
    for text in spellings:
        assert thai.parse_area(text) == (expected, True), text


@given(st.integers(min_value=0, max_value=10**9))
def test_square_metres_with_units(square_metres: int) -> None:
    for unit in ("ตร.ม.", "ตารางเมตร", "ม.²", "m2", ""):
        assert thai.parse_area(f"{square_metres:,} {unit}") == (float(square_metres), True)


@given(st.integers(min_value=0, max_value=9_000_000))
def test_square_kilometres_and_rai_convert(hundredths: int) -> None:
    km2 = hundredths / 100
    area = thai.parse_area(f"{km2} ตร.กม.")
    assert area is not None
    assert thai.m2_to(area[0], "km2") == km2
    rai = thai.parse_area(f"{km2 * 625} ไร่")
    assert rai is not None
    assert thai.m2_to(rai[0], "km2") == km2


def test_area_default_unit_and_examples() -> None:
    assert thai.parse_area("7,200 ตร.ม.") == (7200.0, True)
    assert thai.parse_area("4-2-0 ไร่") == (7200.0, True)
    assert thai.parse_area("12 ไร่ 2 งาน 50 ตารางวา") == (20200.0, True)
    assert thai.parse_area("๑๒-๒-๕๐") == (20200.0, True)
    assert thai.parse_area("1.5 ตร.กม.") == (1_500_000.0, True)
    assert thai.parse_area("12", "rai") == (19_200.0, True)
    assert thai.parse_area("ไม่มีข้อมูล") is None


def test_unit_words() -> None:
    assert thai.is_unit_text("คน")
    assert thai.is_unit_text("(ตร.ม.)")
    assert not thai.is_unit_text("7,200 ตร.ม.")
    assert thai.area_unit_of("พื้นที่ (ไร่)") == "rai"
    assert thai.area_unit_of("พื้นที่ทั้งหมด (ตร.กม.)") == "km2"


# --------------------------------------------------------------------------- dates

DATES = st.dates(min_value=dt.date(1958, 1, 1), max_value=dt.date(2056, 12, 31))


@given(DATES)
def test_buddhist_era_spellings(day: dt.date) -> None:
    be = day.year + 543
    spellings = [
        f"{day.day} {MONTHS_SHORT[day.month - 1]} {be}",
        f"{day.day} {MONTHS_SHORT[day.month - 1]} {be % 100:02d}",
        f"{day.day} {MONTHS_LONG[day.month - 1]} พ.ศ. {be}",
        f"วันที่ {day.day} เดือน {MONTHS_LONG[day.month - 1]} พ.ศ. {be}",
        f"{day.day:02d}/{day.month:02d}/{be}",
        thai.arabic_digits_to_thai(f"{day.day}/{day.month}/{be % 100:02d}"),
        f"{be}-{day.month:02d}-{day.day:02d}",
        day.isoformat(),
    ]
    for text in spellings:
        assert dates.parse_thai_date(text) == day, text


@given(DATES)
def test_excel_dates_typed_with_a_be_year(day: dt.date) -> None:
    if day.month == 2 and day.day == 29:
        return  # 29 Feb of a Gregorian leap year has no BE-typed twin in a common year
    typed = dt.date(day.year + 543, day.month, day.day)
    assert dates.be_corrected(typed) == day
    assert dates.be_corrected(day) == day
    serial = (day - dt.date(1899, 12, 30)).days
    assert dates.excel_serial_to_date(serial) == day
    assert dates.excel_serial_to_date((typed - dt.date(1899, 12, 30)).days) == day


def test_dates_that_are_not() -> None:
    assert dates.parse_thai_date("31 ก.พ. 2564") is None
    assert dates.parse_thai_date("ไม่ระบุ") is None
    assert dates.thai_date(dt.date(2021, 9, 30)) == "30 ก.ย. 2564"


# --------------------------------------------------------------------------- ticks and booleans


@pytest.mark.parametrize("text", ["☑", "✓", "✔", "x", "X", "มี", "ใช่", "TRUE", "1", "[x] มี [ ] ไม่มี"])
def test_true_answers(text: str) -> None:
    assert thai.parse_bool(text) is True


@pytest.mark.parametrize("text", ["ไม่มี", "ไม่ใช่", "FALSE", "false", "0", "☐ มี ☑ ไม่มี", "มี ☐ ไม่มี ☑"])
def test_false_answers(text: str) -> None:
    assert thai.parse_bool(text) is False


def test_ticks_in_columns() -> None:
    assert thai.parse_tick("✓") is True
    assert thai.parse_tick("☐") is False
    assert thai.parse_tick("-") is False
    assert thai.parse_tick("หมายเหตุ") is None


# --------------------------------------------------------------------------- LAO types, places

PREFIXES = [
    ("อบจ.เชียงใหม่", "pao"),
    ("องค์การบริหารส่วนจังหวัดเชียงใหม่", "pao"),
    ("ทน.นครปฐม", "city_municipality"),
    ("เทศบาลนครนครปฐม", "city_municipality"),
    ("ทม.น่าน", "town_municipality"),
    ("เทศบาลเมืองน่าน", "town_municipality"),
    ("ทต.กำแพงแสน", "subdistrict_municipality"),
    ("เทศบาลตำบลกำแพงแสน", "subdistrict_municipality"),
    ("อบต.แม่ใส", "sao"),
    ("องค์การบริหารส่วนตำบลแม่ใส", "sao"),
    ("อบต. แม่ใส", "sao"),
    ("กรุงเทพมหานคร", "bangkok"),
    ("เมืองพัทยา", "pattaya"),
]


@pytest.mark.parametrize(("name", "lao_type"), PREFIXES)
def test_lao_type_from_name_prefix(name: str, lao_type: str) -> None:
    assert thai.lao_type_from_name(name) == lao_type
    assert thai.parse_lao_type(name) == lao_type


def test_lao_type_cells() -> None:
    assert thai.lao_type_from_name("แม่ใส") is None
    assert thai.lao_type_from_name("ทนงศักดิ์") is None
    assert thai.parse_lao_type("sao") == "sao"
    assert thai.parse_lao_type("☐ อบจ. ☐ ทน. ☑ อบต.") == "sao"
    assert thai.parse_lao_type("ทต.") == "subdistrict_municipality"


def test_provinces_match_geothai() -> None:
    assert sorted(thai.PROVINCES) == sorted(p.name_th for p in geothai.provinces())


@pytest.mark.parametrize("province", thai.PROVINCES)
def test_province_spellings(province: str) -> None:
    for text in (province, f"จ.{province}", f"จ. {province}", f"จังหวัด{province}"):
        assert thai.normalize_province(text) == (province, True)


def test_province_aliases_and_unknown() -> None:
    assert thai.normalize_province("กทม.") == ("กรุงเทพมหานคร", True)
    assert thai.normalize_province("เชียงไหม่") == ("เชียงใหม่", True)
    assert thai.normalize_province("แอตแลนติส") == ("แอตแลนติส", False)
    assert thai.normalize_district("อ.เมืองเชียงใหม่") == "เมืองเชียงใหม่"
    assert thai.normalize_district("อำเภอ สันทราย") == "สันทราย"


# --------------------------------------------------------------------------- codecs


def test_windows_874_aliases() -> None:
    thai.register_thai_codecs()
    thai.register_thai_codecs()  # idempotent
    encoded = "ทดสอบภาษาไทย".encode("cp874")
    for name in ("windows-874", "x-windows-874", "ms874", "WINDOWS-874"):
        assert encoded.decode(name) == "ทดสอบภาษาไทย"
        assert codecs.lookup(name).name == "cp874"
