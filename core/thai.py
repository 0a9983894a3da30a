"""Thai text normalisation and typed values: pure functions, no I/O.

Place in the flow: every reader's cell text and every extracted value passes through here
(``parsers.extract`` normalises labels and values with it; ``parsers.values`` turns cell text into
numbers, dates, areas, booleans and LAO types). Nothing here knows about the form's schema.

What it owns:
- :func:`normalize`: NFC (never NFKC: it splits ำ), zero-width characters removed, เเ -> แ,
  ํา -> ำ, tone mark before an upper vowel swapped, legacy-font private-use glyphs mapped, and the
  PDF artifact "ส านัก" -> "สำนัก" (a space before า, which never starts a Thai word).
- digits (๐-๙ -> 0-9), numbers with thousands separators (dates: :mod:`core.dates`),
  areas in m² (ตร.ม., ไร่-งาน-ตร.วา triples, ตร.กม., ...), ticks and yes/no words, the LAO type
  from a name prefix, province names, and the windows-874 codec aliases.
"""

from __future__ import annotations

import codecs
import difflib
import functools
import re
import unicodedata
from collections.abc import Callable

# --------------------------------------------------------------------------- characters

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Legacy Thai fonts (Windows/Mac "Thai PUA") shift marks into U+F700-F71A; map them back.
_PUA = {
    0xF700: "ฐ", 0xF701: "\u0e34", 0xF702: "\u0e35", 0xF703: "\u0e36", 0xF704: "\u0e37",
    0xF705: "\u0e48", 0xF706: "\u0e49", 0xF707: "\u0e4a", 0xF708: "\u0e4b", 0xF709: "\u0e4c",
    0xF70A: "\u0e48", 0xF70B: "\u0e49", 0xF70C: "\u0e4a", 0xF70D: "\u0e4b", 0xF70E: "\u0e4c",
    0xF70F: "ญ", 0xF710: "\u0e31", 0xF711: "\u0e4d", 0xF712: "\u0e47", 0xF713: "\u0e48",
    0xF714: "\u0e49", 0xF715: "\u0e4a", 0xF716: "\u0e4b", 0xF717: "\u0e4c", 0xF718: "\u0e38",
    0xF719: "\u0e39", 0xF71A: "\u0e3a",
}  # fmt: skip
_CLEAN_TABLE: dict[int, str | None] = {**_ZERO_WIDTH, **_PUA, 0x00A0: " ", 0x2007: " ", 0x202F: " "}
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

_TONE = "\u0e48-\u0e4b"
_UPPER_VOWEL = "\u0e31\u0e34-\u0e37\u0e47"
_SARA_AM_SPLIT = re.compile(f"\u0e4d([{_TONE}]?)\u0e32")  # ํ (tone) า -> (tone) ำ
_AM_BEFORE_TONE = re.compile(f"\u0e33([{_TONE}])")  # ำ่ -> ่ำ
_TONE_BEFORE_VOWEL = re.compile(f"([{_TONE}])([{_UPPER_VOWEL}])")
_DOUBLE_MARK = re.compile(f"([{_TONE}\u0e31-\u0e3a\u0e47\u0e4c])\\1+")
_LOST_AM = re.compile(f"([\u0e01-\u0e2e][{_TONE}]?) \u0e32")  # "ส านัก" -> "สำนัก"


@functools.lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Return ``text`` in the one form the parsers compare and store (NFC, repaired Thai)."""
    if text.isascii():
        return text
    text = text.translate(_CLEAN_TABLE)
    for _ in range(8):  # one repair can expose another ("ําํา่", "่ิิ"); stops when stable
        previous = text
        text = unicodedata.normalize("NFC", text).replace("เเ", "แ")
        if " \u0e32" in text:
            text = _LOST_AM.sub("\\1\u0e33", text)
        if "\u0e4d" in text:
            text = _SARA_AM_SPLIT.sub("\\1\u0e33", text)
        if "\u0e33" in text:
            text = _AM_BEFORE_TONE.sub("\\1\u0e33", text)
        text = _DOUBLE_MARK.sub("\\1", _TONE_BEFORE_VOWEL.sub("\\2\\1", text))
        if text == previous:
            break
    return text


def thai_digits_to_arabic(text: str) -> str:
    """Replace Thai digits ๐-๙ with 0-9 (everything else unchanged)."""
    return text.translate(_THAI_DIGITS)


_ARABIC_TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def arabic_digits_to_thai(text: str) -> str:
    """Replace 0-9 with Thai digits ๐-๙ (for showing numbers the Thai way)."""
    return text.translate(_ARABIC_TO_THAI)


# --------------------------------------------------------------------------- numbers

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER = re.compile(r"[-+\u2212]?(?:\d+(?:\.\d*)?|\.\d+)")
_FILLER = re.compile(r"[\s.,:;=*()\[\]/\\-]+")


def _numeric_text(text: str) -> str:
    text = thai_digits_to_arabic(normalize(text)).strip()
    return _THOUSANDS.sub("", text)


def parse_number(text: str) -> tuple[float, bool] | None:
    """Read one number from ``text``: ``(value, clean)`` or None when there is none.

    ``clean`` is true when nothing but the number, a known unit word and punctuation surrounds
    it; "ประมาณ 5,000" is read as 5000.0 but not clean; two numbers ("3 - 5") give None.
    """
    work = _numeric_text(text)
    found = _NUMBER.findall(work)
    if len(found) != 1:
        return None
    value = float(found[0].replace("\u2212", "-"))
    rest = _UNIT_ANY.sub(" ", _NUMBER.sub(" ", work, count=1))
    return value, not _FILLER.sub("", rest)


def parse_phone_digits(text: str) -> str:
    """The digits of a phone number as typed ("0 5361 2345 ต่อ 12" -> "053612345")."""
    head = re.split(r"ต่อ|ext\.?|#|,|/", thai_digits_to_arabic(text), maxsplit=1)[0]
    return "".join(ch for ch in head if ch.isdigit())


# --------------------------------------------------------------------------- units and areas

#: Square metres in one unit.
AREA_UNITS_M2: dict[str, float] = {
    "m2": 1.0,
    "wa2": 4.0,
    "ngan": 400.0,
    "rai": 1600.0,
    "ha": 10_000.0,
    "km2": 1_000_000.0,
}
_AREA_UNIT_PATTERNS = (
    ("km2", r"ตร\.?\s*กม\.?|ตารางกิโลเมตร|ตร\.?\s*กิโลเมตร|กม\.?\s*[²2]|km\.?\s*[²2]|sq\.?\s*km\.?"),
    ("wa2", r"ตร\.?\s*ว(?:า)?\.?|ตารางวา"),
    ("m2", r"ตร\.?\s*ม\.?|ตารางเมตร|ม\.?\s*[²2]|m\.?\s*[²2]|sq\.?\s*m\.?"),
    ("ngan", r"งาน"),
    ("rai", r"ไร่"),
    ("ha", r"เฮกตาร์|hectares?|\bha\b"),
)
_AREA_UNIT = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _AREA_UNIT_PATTERNS), re.I)
_OTHER_UNITS = r"คน|ราย|แห่ง|บาท|ต้น|ครั้ง|โครงการ|ตร\.?\s*ม\.?\s*/\s*คน|ตร\.?\s*ม\.?\s*ต่อ\s*คน"
_UNIT_ANY = re.compile(f"{_OTHER_UNITS}|{_AREA_UNIT.pattern}", re.I)
_UNIT_ONLY = re.compile(rf"^\(?\s*(?:{_OTHER_UNITS}|{_AREA_UNIT.pattern})\s*\)?$", re.I)
_TRIPLE = re.compile(
    r"^(?P<rai>\d+(?:\.\d+)?)\s*[-–]\s*(?P<ngan>\d+(?:\.\d+)?)\s*[-–]\s*(?P<wa>\d+(?:\.\d+)?)"
    r"\s*(?:ไร่)?$"
)
_AMOUNT_UNIT = re.compile(rf"(\d+(?:\.\d+)?)\s*(?:{_AREA_UNIT.pattern})", re.I)


def is_unit_text(text: str) -> bool:
    """True for a cell holding only a unit word ("คน", "(ตร.ม.)", "ไร่", "บาท")."""
    return bool(_UNIT_ONLY.match(normalize(text).strip()))


def area_unit_of(text: str) -> str | None:
    """The area unit named in ``text`` (a header "พื้นที่ (ไร่)" -> "rai"), or None."""
    match = _AREA_UNIT.search(normalize(text))
    return match.lastgroup if match else None


def parse_area(text: str, default_unit: str = "m2") -> tuple[float, bool] | None:
    """Read an area as square metres: ``(m2, clean)`` or None.

    Accepts "7,200 ตร.ม.", "4-2-0 ไร่", "๑๒-๒-๕๐" (ไร่-งาน-ตร.วา), "12 ไร่ 2 งาน 50 ตารางวา",
    "1.5 ตร.กม.", or a bare number in ``default_unit`` (a key of :data:`AREA_UNITS_M2`).
    """
    work = _numeric_text(text)
    triple = _TRIPLE.match(work)
    if triple:
        rai, ngan, wa = (float(triple[name]) for name in ("rai", "ngan", "wa"))
        return round_area(rai * 1600 + ngan * 400 + wa * 4), True
    total, parts = 0.0, 0
    for match in _AMOUNT_UNIT.finditer(work):
        unit = next(name for name in AREA_UNITS_M2 if match.group(name))
        total += float(match.group(1)) * AREA_UNITS_M2[unit]
        parts += 1
    if parts:
        rest = _FILLER.sub("", _AMOUNT_UNIT.sub("", work))
        return round_area(total), not rest
    number = parse_number(work)
    if number is None:
        return None
    return round_area(number[0] * AREA_UNITS_M2[default_unit]), number[1]


def round_area(value: float) -> float:
    """Areas are kept to the square centimetre; hides float noise from unit conversions."""
    return round(value, 4)


def m2_to(value_m2: float, unit: str) -> float:
    """Convert square metres to ``unit`` (e.g. "km2"), rounded to 6 significant decimals."""
    return round(value_m2 / AREA_UNITS_M2[unit], 6)


# --------------------------------------------------------------------------- ticks and yes/no

_TICKED = frozenset("☑✓✔☒✗✘⊠■●xX/⁄√")
_UNTICKED = frozenset("☐□○◯-–_.")
_TRUE_WORDS = frozenset({"มี", "ใช่", "true", "yes", "y", "1", "ดำเนินการแล้ว", "มีแล้ว"})
_FALSE_WORDS = frozenset({"ไม่มี", "ไม่ใช่", "false", "no", "n", "0", "ยังไม่มี", "ไม่ได้ดำเนินการ"})
_BOXES = "☐□☑✓✔☒✗✘⊠■●√"
_BOX_SPLIT = re.compile(f"([{_BOXES}])")
_BRACKET_TICKED = re.compile(r"[\[(]\s*[xX/✓✔√]\s*[\])]")
_BRACKET_EMPTY = re.compile(r"[\[(]\s*[\])]")
_LEADING_X = re.compile(r"(?:^|(?<=\s))[xX](?=\s*[\u0e01-\u0e4c])")


def parse_tick(text: str) -> bool | None:
    """Is this cell a mark in a tick column? True (☑ ✓ x 1 TRUE), False (☐ or "-"), or None."""
    work = normalize(text).strip()
    if not work:
        return None
    if work in _TICKED or work.lower() in {"true", "1", "yes"}:
        return True
    if all(ch in _UNTICKED for ch in work) or work.lower() in {"false", "0"}:
        return False
    return None


def ticked_choice(text: str) -> str | None:
    """The one option ticked in "☐ มี ☑ ไม่มี", "อบจ. ☐ อบต. ☑" or "[x] อบต." ("ไม่มี", "อบต.")."""
    work = _BRACKET_EMPTY.sub("☐", _BRACKET_TICKED.sub("☑", normalize(text)))
    parts = _BOX_SPLIT.split(_LEADING_X.sub("☑", work))
    boxes, texts = parts[1::2], parts[0::2]
    if not boxes:
        return None
    options = texts[1:] if not texts[0].strip() else texts[:-1]
    ticked = [option.strip() for box, option in zip(boxes, options, strict=True) if box in _TICKED]
    ticked = [option for option in ticked if option]
    return ticked[0] if len(ticked) == 1 else None


def parse_bool(text: str) -> bool | None:
    """Yes/no as written: ticks, มี/ไม่มี, ใช่/ไม่ใช่, TRUE/FALSE, 1/0; None when unclear."""
    work = normalize(text).strip()
    choice = ticked_choice(work) if len(work) > 1 else None
    if choice is not None:
        work = choice
    word = re.sub(r"[\s.()]", "", work).lower()
    if word in _TRUE_WORDS or work in _TICKED:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


# --------------------------------------------------------------------------- LAO types

#: (prefix without spaces or dots, lao_type), longest first so "เทศบาลเมือง" wins over shorter.
_LAO_PREFIXES: tuple[tuple[str, str], ...] = (
    ("องค์การบริหารส่วนจังหวัด", "pao"),
    ("องค์การบริหารส่วนตำบล", "sao"),
    ("เทศบาลนคร", "city_municipality"),
    ("เทศบาลเมือง", "town_municipality"),
    ("เทศบาลตำบล", "subdistrict_municipality"),
    ("กรุงเทพมหานคร", "bangkok"),
    ("เมืองพัทยา", "pattaya"),
)
_LAO_ABBREVIATIONS: dict[str, str] = {
    "อบจ": "pao",
    "ทน": "city_municipality",
    "ทม": "town_municipality",
    "ทต": "subdistrict_municipality",
    "อบต": "sao",
    "กทม": "bangkok",
}
LAO_TYPES: tuple[str, ...] = (
    "pao", "city_municipality", "town_municipality", "subdistrict_municipality", "sao",
    "bangkok", "pattaya",
)  # fmt: skip
_ABBREVIATED = re.compile(r"^(อบจ|อบต|กทม|ทน|ทม|ทต)\s*(?:\.|\s|$)")


def lao_type_from_name(name: str) -> str | None:
    """The LAO type a name's prefix gives: "อบต.แม่ใส" -> "sao", "เทศบาลเมืองน่าน" -> ...

    Never derived from the LAO code (codes are stale for LAOs that changed type).
    """
    work = normalize(name).strip()
    match = _ABBREVIATED.match(work)
    if match:
        return _LAO_ABBREVIATIONS[match[1]]
    compact = re.sub(r"\s+", "", work)
    for prefix, lao_type in _LAO_PREFIXES:
        if compact.startswith(prefix):
            return lao_type
    return None


def parse_lao_type(text: str) -> str | None:
    """A LAO type as written in a "type" cell: "sao", "อบต.", "เทศบาลตำบล", "☑ ทต.", or a name."""
    work = normalize(text).strip()
    choice = ticked_choice(work)
    if choice is not None:
        work = choice
    word = re.sub(r"[\s.]", "", work)
    if word.lower() in LAO_TYPES:
        return word.lower()
    if word in _LAO_ABBREVIATIONS:
        return _LAO_ABBREVIATIONS[word]
    if word in {"เมืองพัทยา", "พัทยา"}:
        return "pattaya"
    return lao_type_from_name(work)


# --------------------------------------------------------------------------- places

#: The 77 provinces (checked against geothai in the tests).
PROVINCES: tuple[str, ...] = (
    "กรุงเทพมหานคร", "กระบี่", "กาญจนบุรี", "กาฬสินธุ์", "กำแพงเพชร", "ขอนแก่น", "จันทบุรี",
    "ฉะเชิงเทรา", "ชลบุรี", "ชัยนาท", "ชัยภูมิ", "ชุมพร", "ตรัง", "ตราด", "ตาก", "นครนายก",
    "นครปฐม", "นครพนม", "นครราชสีมา", "นครศรีธรรมราช", "นครสวรรค์", "นนทบุรี", "นราธิวาส",
    "น่าน", "บึงกาฬ", "บุรีรัมย์", "ปทุมธานี", "ประจวบคีรีขันธ์", "ปราจีนบุรี", "ปัตตานี",
    "พระนครศรีอยุธยา", "พะเยา", "พังงา", "พัทลุง", "พิจิตร", "พิษณุโลก", "ภูเก็ต", "มหาสารคาม",
    "มุกดาหาร", "ยะลา", "ยโสธร", "ระนอง", "ระยอง", "ราชบุรี", "ร้อยเอ็ด", "ลพบุรี", "ลำปาง",
    "ลำพูน", "ศรีสะเกษ", "สกลนคร", "สงขลา", "สตูล", "สมุทรปราการ", "สมุทรสงคราม",
    "สมุทรสาคร", "สระบุรี", "สระแก้ว", "สิงห์บุรี", "สุพรรณบุรี", "สุราษฎร์ธานี", "สุรินทร์",
    "สุโขทัย", "หนองคาย", "หนองบัวลำภู", "อำนาจเจริญ", "อุดรธานี", "อุตรดิตถ์", "อุทัยธานี",
    "อุบลราชธานี", "อ่างทอง", "เชียงราย", "เชียงใหม่", "เพชรบุรี", "เพชรบูรณ์", "เลย", "แพร่",
    "แม่ฮ่องสอน",
)  # fmt: skip
_PROVINCE_SET = frozenset(PROVINCES)
_PROVINCE_ALIASES = {
    "กทม": "กรุงเทพมหานคร",
    "กรุงเทพ": "กรุงเทพมหานคร",
    "กรุงเทพฯ": "กรุงเทพมหานคร",
    "อยุธยา": "พระนครศรีอยุธยา",
    "โคราช": "นครราชสีมา",
}
_PROVINCE_PREFIX = re.compile(r"^(?:จังหวัด|จ\s*\.)\s*")
_DISTRICT_PREFIX = re.compile(r"^(?:อำเภอ|อ\s*\.|เขต|กิ่งอำเภอ|กิ่ง\s*อ\s*\.)\s*")


def normalize_province(text: str) -> tuple[str, bool]:
    """("นครปฐม", True) for "จ.นครปฐม", "จังหวัด นครปฐม", "กทม." or a one-letter typo.

    The second item is False when the name is not one of the 77 provinces (kept as cleaned).
    """
    work = _PROVINCE_PREFIX.sub("", normalize(text).strip())
    compact = re.sub(r"\s+", "", work)
    if compact in _PROVINCE_SET:
        return compact, True
    alias = _PROVINCE_ALIASES.get(compact.rstrip(".")) or _PROVINCE_ALIASES.get(compact)
    if alias:
        return alias, True
    close = difflib.get_close_matches(compact, PROVINCES, n=1, cutoff=0.85)
    if close:
        return close[0], True
    return work, False


def normalize_district(text: str) -> str:
    """A district name without its "อ." / "อำเภอ" / "เขต" prefix."""
    return _DISTRICT_PREFIX.sub("", normalize(text).strip()).strip()


# --------------------------------------------------------------------------- codecs

_CODEC_ALIASES = frozenset({"windows_874", "x_windows_874", "ms874", "windows874"})


def _thai_codec_search(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_").lower() in _CODEC_ALIASES:
        return codecs.lookup("cp874")
    return None


_registered: list[Callable[[str], codecs.CodecInfo | None]] = []


def register_thai_codecs() -> None:
    """Make "windows-874", "x-windows-874" and "ms874" decode as cp874; safe to call again."""
    if not _registered:
        codecs.register(_thai_codec_search)
        _registered.append(_thai_codec_search)
