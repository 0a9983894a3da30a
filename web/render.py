"""Templates (Jinja2, autoescaped: mail content is text, never markup) and the filters that
write values for Thai readers: Buddhist-era dates in Bangkok time, numbers with separators,
statuses and kinds in Thai."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.dates import thai_date, thai_datetime
from core.enums import STATUS_NAMES
from core.numbers import format_number

TEMPLATES: Final = Path(__file__).parent / "templates"

KIND_NAMES: Final = {
    "unknown_sender": "ไม่ทราบผู้ส่ง",
    "uncertain_lao": "ไม่แน่ใจว่าเป็นของ อปท. ใด",
    "unreadable": "อ่านไฟล์ไม่ได้",
    "problems": "ข้อมูลมีปัญหา",
    "question": "คำถาม",
}
RESOLUTION_NAMES: Final = {
    "accepted": "รับแล้ว",
    "rejected": "ส่งกลับให้แก้ไข",
    "answered": "ตอบแล้ว",
    "closed": "ปิดโดยไม่ส่งอีเมล",
    "auto_resolved": "ระบบปิดเอง",
}
OUTBOX_NAMES: Final = {
    "pending": "รอส่ง",
    "sent": "ส่งแล้ว",
    "failed": "ส่งไม่สำเร็จ",
    "suppressed": "ระงับ (กันส่งซ้ำ)",
}
ROLE_NAMES: Final = {"viewer": "ผู้ดู", "reviewer": "ผู้ตรวจสอบ", "admin": "ผู้ดูแลระบบ"}


def _date(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, date):  # a datetime too: thai_date puts it in Bangkok time first
        return thai_date(value)
    return str(value)


def _datetime(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return thai_datetime(value)
    return _date(value)


def _number(value: Any) -> str:
    if value is None:
        return "-"
    return format_number(value)


def _value(value: Any) -> str:
    """A value of a form for people: yes/no, numbers, dates, lists."""
    if value is None:
        return "-"
    if value is True:
        return "มี/ใช่"
    if value is False:
        return "ไม่มี/ไม่ใช่"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, list):
        return f"{len(value)} รายการ"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return _date(value)
    return str(value)


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        thai_date=_date,
        thai_datetime=_datetime,
        num=_number,
        value=_value,
        percent=_percent,
        status_th=lambda s: STATUS_NAMES.get(s, "ยังไม่ส่ง") if s else "ยังไม่ส่ง",
        kind_th=lambda k: KIND_NAMES.get(k, k),
        resolution_th=lambda r: RESOLUTION_NAMES.get(r, r or "-"),
        outbox_th=lambda s: OUTBOX_NAMES.get(s, s),
        role_th=lambda r: ROLE_NAMES.get(r, r),
    )
    return env
