"""Dates for people: Buddhist era, Thai month abbreviations, Bangkok time. Pure."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

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


def thai_date(value: date) -> str:
    """``30 ก.ย. 2564`` (a datetime is first put in Bangkok time)."""
    if isinstance(value, datetime):
        value = value.astimezone(BANGKOK)
    return f"{value.day} {MONTHS_SHORT[value.month - 1]} {value.year + 543}"


def thai_datetime(value: datetime) -> str:
    """``28 ก.ย. 2564 เวลา 10:15 น.`` in Bangkok time."""
    local = value.astimezone(BANGKOK)
    return f"{thai_date(local)} เวลา {local:%H:%M} น."
