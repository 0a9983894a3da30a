"""LAO names: short and full forms, districts and provinces, normalised for comparison.

Pure; used by *identify* (:mod:`ingest.identify`), *record* (the submission slot) and the
registry import (``laos.name_key``). "อบต.แม่ใส", "อบต. แม่ใส", "อ.บ.ต.แม่ใส" and
"องค์การบริหารส่วนตำบลแม่ใส" compare equal; the type is part of the name, so เทศบาลตำบลแม่ใส and
องค์การบริหารส่วนตำบลแม่ใส never do. :func:`key` is stored in the database (``laos.name_key``):
its output for a registry's clean full names must not change, or stored keys go stale.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.enums import REPORTING_TYPES

# Longest first, so "เทศบาลตำบล" wins over a shorter overlapping prefix.
PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("องค์การบริหารส่วนจังหวัด", "อบจ.", "pao"),
    ("องค์การบริหารส่วนตำบล", "อบต.", "sao"),
    ("เทศบาลนคร", "ทน.", "city_municipality"),
    ("เทศบาลเมือง", "ทม.", "town_municipality"),
    ("เทศบาลตำบล", "ทต.", "subdistrict_municipality"),
)
MUNICIPALITIES = frozenset({"city_municipality", "town_municipality", "subdistrict_municipality"})
LAO_TYPES: tuple[str, ...] = tuple(REPORTING_TYPES)
FULL_PREFIX = {lao_type: full for full, _short, lao_type in PREFIXES}
SHORT_PREFIX = {lao_type: short for _full, short, lao_type in PREFIXES}
BANGKOK = "กรุงเทพมหานคร"
TYPE_NAMES: dict[str, str] = {
    **FULL_PREFIX,
    "bangkok": "กรุงเทพมหานคร",
    "pattaya": "เมืองพัทยา",
    "provincial_office": "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด",
}
"""Each ``lao_type`` in Thai, for people (reports, lists)."""

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACE = re.compile(r"\s+")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Short forms with or without dots between the letters: อบต. / อ.บ.ต. / อบต. The two-letter
# ones need their final dot or a space after them: tambons are named ทมอ and ทมนางาม.
_SHORT_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^อ\.?บ\.?จ\.?"), "pao"),
    (re.compile(r"^อ\.?บ\.?ต\.?"), "sao"),
    (re.compile(r"^ท\.?น(?:\.|\s+)"), "city_municipality"),
    (re.compile(r"^ท\.?ม(?:\.|\s+)"), "town_municipality"),
    (re.compile(r"^ท\.?ต(?:\.|\s+)"), "subdistrict_municipality"),
)
_BANGKOK_NAMES = ("กรุงเทพมหานคร", "กทม.", "กทม", "กรุงเทพฯ", "กรุงเทพ")
_PROVINCE_PREFIXES = ("จังหวัด", "จ.")
_DISTRICT_PREFIXES = ("กิ่งอำเภอ", "กิ่งอ.", "อำเภอ", "อ.", "เขต")
_SUBDISTRICT_PREFIXES = ("ตำบล", "ต.", "แขวง")
# Where a location written after the name starts: "อบต.แม่ใส อ.แม่สรวย จ.เชียงราย".
_LOCATION = re.compile(r"(กิ่งอำเภอ|อำเภอ|อ\.|จังหวัด|จ\.)")


@dataclass(frozen=True, slots=True)
class LaoRecord:
    """One row of the registry as *identify* and the staff pages see it."""

    code: str
    name: str
    lao_type: str
    province: str
    district: str | None


def clean(text: str) -> str:
    """NFC, no zero-width characters, sara am composed, a doubled sara e read as sara ae."""
    text = unicodedata.normalize("NFC", _ZERO_WIDTH.sub("", text))
    return text.replace("\u0e4d\u0e32", "\u0e33").replace("เเ", "แ")


def compact(text: str) -> str:
    """:func:`clean` without any white space."""
    return _SPACE.sub("", clean(text))


def split_name(name: str) -> tuple[str | None, str]:
    """(lao_type or None, the place name) from a full or short LAO name."""
    text = compact(name)
    if text in ("กรุงเทพมหานคร", "กทม."):
        return "bangkok", "กรุงเทพมหานคร"
    if text.startswith("เมืองพัทยา"):
        return "pattaya", "พัทยา"
    for full, short, lao_type in PREFIXES:
        for prefix in (full, short, short.rstrip(".")):
            if text.startswith(prefix):
                return lao_type, text[len(prefix) :].lstrip(".")
    return None, text


def key(name: str) -> str:
    """A comparison key: type and place name, spacing and short forms removed.

    Stored as ``laos.name_key``; keep its output for clean registry names stable.
    """
    lao_type, place = split_name(name)
    return f"{lao_type or '?'}:{place}"


def key_for(lao_type: str, place: str) -> str:
    """The :func:`key` of the LAO of ``lao_type`` named after ``place``."""
    if lao_type == "bangkok":
        return "bangkok:กรุงเทพมหานคร"
    if lao_type == "pattaya":
        return "pattaya:พัทยา"
    return f"{lao_type}:{place}"


def province_key(province: str) -> str:
    text = compact(province)
    for prefix in ("จังหวัด", "จ."):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


@dataclass(frozen=True, slots=True)
class NameParts:
    """What a name written on a form says: the types it allows, the place, a location."""

    types: frozenset[str] | None
    """None: the name carries no type; several: "เทศบาล" without its level."""
    place: str
    district: str | None = None
    province: str | None = None


def parse_name(name: str) -> NameParts:
    """Read a name as people write it on a form.

    "อบต.แม่ใส", "อ.บ.ต. แม่ใส", "องค์การบริหารส่วนตำบล ต.แม่ใส อ.แม่สรวย จ.เชียงราย",
    "เทศบาลแม่ใส" (a municipality of unknown level), "แม่ใส" (no type).
    """
    spaced = clean(name).strip()
    text = _SPACE.sub("", spaced)
    if text in _BANGKOK_NAMES:
        return NameParts(frozenset({"bangkok"}), BANGKOK)
    if text.startswith("เมืองพัทยา"):
        return _with_location(frozenset({"pattaya"}), "พัทยา", text[len("เมืองพัทยา") :])
    types: frozenset[str] | None = None
    rest = text
    for full, _short, lao_type in PREFIXES:
        if rest.startswith(full):
            types, rest = frozenset({lao_type}), rest[len(full) :]
            break
    else:
        for pattern, lao_type in _SHORT_FORMS:
            match = pattern.match(spaced)
            if match:
                types, rest = frozenset({lao_type}), _SPACE.sub("", spaced[match.end() :])
                break
        else:
            if rest.startswith("เทศบาล"):
                types, rest = MUNICIPALITIES, rest[len("เทศบาล") :]
    rest = rest.lstrip(".")
    for prefix in _SUBDISTRICT_PREFIXES:
        if rest.startswith(prefix) and len(rest) > len(prefix):
            rest = rest[len(prefix) :]
            break
    match = _LOCATION.search(rest, 1)
    if match is None:
        return NameParts(types, rest)
    return _with_location(types, rest[: match.start()], rest[match.start() :])


def _with_location(types: frozenset[str] | None, place: str, location: str) -> NameParts:
    district = province = None
    for match in re.finditer(
        r"(กิ่งอำเภอ|อำเภอ|อ\.|จังหวัด|จ\.)([^.]*?)(?=กิ่งอำเภอ|อำเภอ|อ\.|จังหวัด|จ\.|$)", location
    ):
        value = match[2].strip()
        if not value:
            continue
        if match[1] in ("จังหวัด", "จ."):
            province = value
        else:
            district = value
    return NameParts(types, place, district, province)


def parse_type(text: str) -> frozenset[str] | None:
    """A type as written in a form's type cell: "sao", "อบต.", "เทศบาลตำบล", "เทศบาล"."""
    word = compact(text).replace(".", "").lower()
    if not word:
        return None
    if word in LAO_TYPES:
        return frozenset({word})
    parts = parse_name(text)
    if parts.types is not None and not parts.place.replace(".", ""):
        return parts.types
    if word in ("เมืองพัทยา", "พัทยา"):
        return frozenset({"pattaya"})
    return parts.types


def strip_prefix(text: str, prefixes: tuple[str, ...]) -> str:
    value = compact(text)
    for prefix in prefixes:
        if value.startswith(prefix) and len(value) > len(prefix):
            return value[len(prefix) :].lstrip(".")
    return value


def province_text(text: str) -> str:
    """A province as written ("จ.นครปฐม", "จังหวัด นครปฐม", "กทม.") -> "นครปฐม" (not checked)."""
    value = strip_prefix(text, _PROVINCE_PREFIXES)
    return BANGKOK if value in _BANGKOK_NAMES else value


def district_text(text: str, province: str | None = None) -> str:
    """A district as written -> its name: "อ.เมือง" with the province -> "เมืองนครปฐม"."""
    value = strip_prefix(text, _DISTRICT_PREFIXES)
    if value in ("เมือง", "เมืองฯ") and province:
        return "เมือง" + province
    return value


def code_text(text: str) -> str:
    """An LAO code as written: Thai digits, spaces and dashes allowed -> "6500115"."""
    return re.sub(r"[\s\-.]", "", clean(text).translate(_THAI_DIGITS)).upper()


def short_name(name: str) -> str:
    """ "องค์การบริหารส่วนตำบลแม่ใส" -> "อบต.แม่ใส" (names without a known prefix unchanged)."""
    lao_type, place = split_name(name)
    if lao_type in SHORT_PREFIX:
        return SHORT_PREFIX[lao_type] + place
    return compact(name)
