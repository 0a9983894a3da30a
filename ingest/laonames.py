"""LAO names: short and full forms, normalised for comparison.

Pure. "อบต.แม่ใส", "อบต. แม่ใส" and "องค์การบริหารส่วนตำบลแม่ใส" compare equal; the type is part of
the name, so เทศบาลตำบลแม่ใส and องค์การบริหารส่วนตำบลแม่ใส never do.
"""

from __future__ import annotations

import re
import unicodedata

# Longest first, so "เทศบาลตำบล" wins over a shorter overlapping prefix.
PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("องค์การบริหารส่วนจังหวัด", "อบจ.", "pao"),
    ("องค์การบริหารส่วนตำบล", "อบต.", "sao"),
    ("เทศบาลนคร", "ทน.", "city_municipality"),
    ("เทศบาลเมือง", "ทม.", "town_municipality"),
    ("เทศบาลตำบล", "ทต.", "subdistrict_municipality"),
)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", _ZERO_WIDTH.sub("", text))
    return text.replace("\u0e4d\u0e32", "\u0e33").replace("เเ", "แ")


def split_name(name: str) -> tuple[str | None, str]:
    """(lao_type or None, the place name) from a full or short LAO name."""
    text = re.sub(r"\s+", "", clean(name))
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
    """A comparison key: type and place name, spacing and short forms removed."""
    lao_type, place = split_name(name)
    return f"{lao_type or '?'}:{place}"


def province_key(province: str) -> str:
    text = re.sub(r"\s+", "", clean(province))
    for prefix in ("จังหวัด", "จ."):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text
