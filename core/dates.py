"""Dates for people: Buddhist era, Thai month names, Bangkok time. Pure.

Every date a person reads (replies, reminders, ``review show``, the dashboard) is written by
these: ``30 ก.ย. 2564``, ``30 กันยายน 2564``, ``28 ก.ย. 2564 เวลา 10:15 น.``.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.thai import normalize, thai_digits_to_arabic

BANGKOK = ZoneInfo("Asia/Bangkok")
MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)

MONTHS_LONG = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
BE_OFFSET = 543
"""Buddhist era = Common era + 543 (2564 = 2021)."""


def thai_date(value: date) -> str:
    """``30 ก.ย. 2564`` (a datetime is first put in Bangkok time)."""
    if isinstance(value, datetime):
        value = value.astimezone(BANGKOK)
    return f"{value.day} {MONTHS_SHORT[value.month - 1]} {value.year + BE_OFFSET}"


def thai_datetime(value: datetime) -> str:
    """``28 ก.ย. 2564 เวลา 10:15 น.`` in Bangkok time."""
    local = value.astimezone(BANGKOK)
    return f"{thai_date(local)} เวลา {local:%H:%M} น."


def thai_date_long(value: date) -> str:
    """``30 กันยายน 2564`` (a datetime is first put in Bangkok time): for letters."""
    if isinstance(value, datetime):
        value = value.astimezone(BANGKOK)
    return f"{value.day} {MONTHS_LONG[value.month - 1]} {value.year + BE_OFFSET}"


# --- reading dates written the Thai way ---------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("มกราคม", "มค", "jan", "january"),
        ("กุมภาพันธ์", "กพ", "feb", "february"),
        ("มีนาคม", "มีค", "mar", "march"),
        ("เมษายน", "เมย", "apr", "april"),
        ("พฤษภาคม", "พค", "may"),
        ("มิถุนายน", "มิย", "jun", "june"),
        ("กรกฎาคม", "กรกฏาคม", "กค", "jul", "july"),
        ("สิงหาคม", "สค", "aug", "august"),
        ("กันยายน", "กย", "sep", "sept", "september"),
        ("ตุลาคม", "ตค", "oct", "october"),
        ("พฤศจิกายน", "พย", "nov", "november"),
        ("ธันวาคม", "ธค", "dec", "december"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_TEXT_DATE = re.compile(
    r"(?P<day>\d{1,2})\s*(?:เดือน)?\s*(?P<month>[ก-์a-z][ก-์a-z.\s]*?)\s*"
    r"(?:(?P<era>พ\.?\s*ศ\.?|ค\.?\s*ศ\.?)\s*)?(?P<year>\d{2,4})(?!\d)",
    re.I,
)
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(?P<a>\d{1,4})\s*[/.\-]\s*(?P<b>\d{1,2})\s*[/.\-]\s*(?P<c>\d{1,4})(?!\d)"
)


def _full_year(year: int, era: str | None) -> int:
    """Gregorian year from a written one: 2564 -> 2021, 64 -> 2021 (BE), "ค.ศ. 21" -> 2021."""
    is_ce = era is not None and era.replace(" ", "").startswith("ค")
    if year < 100:
        return 2000 + year if is_ce else 2500 + year - BE_OFFSET
    return year - BE_OFFSET if year > 2400 else year


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def be_corrected(value: dt.date) -> dt.date | None:
    """A date typed with a BE year but stored as CE (year 2564 CE) moved back by 543 years."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if value.year <= 2400:
        return value
    return _safe_date(value.year - BE_OFFSET, value.month, value.day)


def excel_serial_to_date(serial: float) -> dt.date | None:
    """Excel's 1900 date system (serial 44469 -> 2021-09-30); BE-year serials corrected."""
    if not 1 <= serial < 2_958_466:
        return None
    return be_corrected(_EXCEL_EPOCH + dt.timedelta(days=int(serial)))


def parse_thai_date(text: str) -> dt.date | None:
    """Read a date written the Thai way; BE years become Gregorian.

    "30 ก.ย. 2564", "30 กันยายน พ.ศ. 2564", "๓๐/๙/๖๔", "30/09/2564", "2564-09-30", "30 Sep 2021".
    Numeric dates are day/month/year unless the first part has four digits.
    """
    work = thai_digits_to_arabic(normalize(text)).lower()
    match = _TEXT_DATE.search(work)
    if match:
        month = _MONTHS.get(re.sub(r"[.\s]", "", match["month"]))
        if month:
            year = _full_year(int(match["year"]), match["era"])
            return _safe_date(year, month, int(match["day"])) if year >= 1000 else None
    match = _NUMERIC_DATE.search(work)
    if not match:
        return None
    first, second, third = (int(match[name]) for name in "abc")
    if len(match["a"]) == 4:
        return _safe_date(_full_year(first, None), second, third)
    if len(match["c"]) in (2, 4):
        return _safe_date(_full_year(third, None), second, first)
    return None
