"""Cell text (and the reader's typed value) -> a JSON-ready field value, by field type.

Place in the flow: ``parsers.extract`` and ``parsers.tables`` found the cell holding a field's
value; this module reads it according to the schema type (a registry of readers keyed by type
name, matching ``parsers.schema.FIELD_TYPES``). A value that cannot be read gives a
:class:`Failure` with a problem code; the caller turns it into a Problem with a Thai message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from core import dates, thai
from parsers.pagetext import BREAK_MARK, WRAP_MARK


@dataclass(frozen=True)
class Parsed:
    value: object  # str, int, float, bool, or an ISO date string
    confidence: float = 1.0


@dataclass(frozen=True)
class Failure:
    code: str  # a key of parsers.messages


@dataclass(frozen=True)
class Source:
    """What the reader gave for the value, plus unit context from the header, label or next cell."""

    text: str
    value: object = None
    unit: str | None = None  # an area unit found outside the value cell ("rai", "km2", ...)


@dataclass(frozen=True)
class ValueSpec:
    """The part of a field spec a value reader needs."""

    type: str
    unit: str | None = None  # stored unit of an area
    input_unit: str | None = None
    multiline: bool = False
    prose: bool = False  # ordinary words (a position, a project), never a person's name


Result = Parsed | Failure
_Reader = Callable[[Source, ValueSpec], Result]
_READERS: dict[str, _Reader] = {}

_BLANKS = re.compile(r"^[\s\-–—_.…]*$")
_SIGNATURE_LINE = re.compile(r"\.{3,}|_{3,}|…+")
_WRAPPED = re.compile(r"^\(\s*(.+?)\s*\)$", re.S)
# A line break between two Thai characters in a one-line value (a name, a position).
_THAI_BREAK = re.compile(r"(?<=[\u0e01-\u0e5b])[ \t]*\n\s*(?=[\u0e01-\u0e5b])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A person's title written before the name, glued to it: "นางสาวพิมพ์ชนก บุญมา" (longest first).
_TITLE = re.compile(
    r"^\(?\s*(?:นางสาว|นาง|นาย|น\.ส\.|ด\.ช\.|ด\.ญ\.|ดร\.|ว่าที่\s?ร\.?ต\.?(?:หญิง)?|"
    r"ว่าที่ร้อยตรี(?:หญิง)?|จ\.ส\.อ\.|พ\.ต\.[ตทอ]\.|ร\.ต\.[ตทอ]\.|พ\.อ\.[ตทอ]\.)"
)


def is_blank(text: str) -> bool:
    """Nothing written: empty, or only dashes, dots or underscores (a blank line to fill)."""
    return bool(_BLANKS.match(text))


def read_value(source: Source, spec: ValueSpec) -> Result:
    """Read ``source`` as a value of ``spec.type``."""
    return _READERS[spec.type](source, spec)


def _reader(*types: str) -> Callable[[_Reader], _Reader]:
    def add(function: _Reader) -> _Reader:
        for name in types:
            _READERS[name] = function
        return function

    return add


def clean_text(text: str, *, multiline: bool = False, prose: bool = False) -> str:
    """Normalised text without signature dots or wrapping parentheses ("(นายสมชาย ใจดี)").

    A one-line value broken over lines between two Thai words was wrapped there (by its cell
    or by a page reader that could not tell a wrap from a new line): it reads as a wrap does
    (``_name_wrap``: Thai words run together, a name keeps the space before its surname; not
    in ``prose``, whose "นายก..." is a word, not a title before a name)."""
    if not multiline:
        text = _THAI_BREAK.sub(WRAP_MARK, _SIGNATURE_LINE.sub(" ", text).strip())
    text = thai.normalize(text if prose else _name_wrap(text))
    if multiline:
        lines = [line.rstrip() for line in text.strip().splitlines()]
        return "\n".join(lines).strip()
    text = _SIGNATURE_LINE.sub(" ", text)
    text = " ".join(text.split()).strip(" :：")
    wrapped = _WRAPPED.match(text)
    return wrapped[1].strip() if wrapped else text  # "( )": a blank line in parentheses


def _name_wrap(text: str) -> str:
    """A person's name that wrapped between two Thai words (``WRAP_MARK``: a space may have been
    there, the PDF does not tell; ``BREAK_MARK``: the line ran to its column's end, where a
    space the producer did not draw may have been too): a name after a title has one space,
    between the given name and the surname - so where it has none, the wrap was that space
    (the last wrap, when the name wrapped more than once, a ``WRAP_MARK`` before a
    ``BREAK_MARK``; not one right after the title, which is glued to the name). Other text is
    left to ``thai.normalize``, which removes the marks: Thai words run together."""
    if WRAP_MARK not in text and BREAK_MARK not in text:
        return text
    title = _TITLE.match(text)
    if title is None or "\n" in text:
        return text
    name = text[title.end() :].lstrip(WRAP_MARK + BREAK_MARK)
    if " " in name.strip(" )"):
        return text
    for wrap in (WRAP_MARK, BREAK_MARK):
        head, mark, tail = name.rpartition(wrap)
        if mark:
            return text[: title.end()] + head + " " + tail
    return text


@_reader("text")
def _text(source: Source, spec: ValueSpec) -> Result:
    text = clean_text(source.text, multiline=spec.multiline, prose=spec.prose)
    return Parsed(text) if text else Failure("bad_value")


@_reader("int")
def _int(source: Source, spec: ValueSpec) -> Result:
    number = _number(source)
    if number is None:
        return Failure("not_a_number")
    value, clean = number
    if not value.is_integer():
        return Failure("not_integer")
    return Parsed(int(value), 1.0 if clean else 0.8)


@_reader("decimal")
def _decimal(source: Source, spec: ValueSpec) -> Result:
    number = _number(source)
    if number is None:
        return Failure("not_a_number")
    return Parsed(round(number[0], 6), 1.0 if number[1] else 0.8)


def _number(source: Source) -> tuple[float, bool] | None:
    if isinstance(source.value, bool):
        return None
    if isinstance(source.value, int | float):
        return float(source.value), True
    return thai.parse_number(source.text)


@_reader("area")
def _area(source: Source, spec: ValueSpec) -> Result:
    default = source.unit or spec.input_unit or "m2"
    square_metres: float
    if isinstance(source.value, int | float) and not isinstance(source.value, bool):
        square_metres = thai.round_area(float(source.value) * thai.AREA_UNITS_M2[default])
        clean = True
    else:
        area = thai.parse_area(source.text, default)
        if area is None:
            return Failure("bad_area")
        square_metres, clean = area
    stored = spec.unit or "m2"
    value = square_metres if stored == "m2" else thai.m2_to(square_metres, stored)
    return Parsed(value, 1.0 if clean else 0.8)


@_reader("date")
def _date(source: Source, spec: ValueSpec) -> Result:
    value = source.value
    found: dt.date | None
    if isinstance(value, dt.date):
        found = dates.be_corrected(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        found = dates.excel_serial_to_date(float(value))
    else:
        found = dates.parse_thai_date(source.text)
        if found is None:
            serial = _printed_serial(source.text)
            if serial is not None:
                return Parsed(serial.isoformat(), 0.9)
    return Parsed(found.isoformat()) if found else Failure("bad_date")


# An Excel date serial printed as a number (a workbook whose date format was lost, printed to
# PDF or saved as text): five digits, "44286" or "44286.0", of a day in 1980-2059 - the range
# a report date or a census date falls in; longer numbers may be dates typed as ddmmyy(yy).
_PRINTED_SERIAL = re.compile(r"^\s*([0-9]{5})(?:\.0+)?\s*$")
_SERIAL_RANGE = (29_221, 58_440)  # 1980-01-01 .. 2059-12-31


def _printed_serial(text: str) -> dt.date | None:
    """The date of a printed Excel serial (see ``_PRINTED_SERIAL``), else None."""
    match = _PRINTED_SERIAL.match(thai.thai_digits_to_arabic(text))
    if match is None or not _SERIAL_RANGE[0] <= int(match.group(1)) <= _SERIAL_RANGE[1]:
        return None
    return dates.excel_serial_to_date(float(match.group(1)))


@_reader("bool")
def _bool(source: Source, spec: ValueSpec) -> Result:
    if isinstance(source.value, bool):
        return Parsed(source.value)
    if isinstance(source.value, int | float) and source.value in (0, 1):
        return Parsed(bool(source.value))
    found = thai.parse_bool(source.text)
    return Failure("bad_bool") if found is None else Parsed(found)


@_reader("lao_type")
def _lao_type(source: Source, spec: ValueSpec) -> Result:
    found = thai.parse_lao_type(source.text)
    return Failure("bad_lao_type") if found is None else Parsed(found)


@_reader("province")
def _province(source: Source, spec: ValueSpec) -> Result:
    name, known = thai.normalize_province(clean_text(source.text))
    if not name:
        return Failure("bad_value")
    return Parsed(name, 1.0 if known else 0.6)


@_reader("district")
def _district(source: Source, spec: ValueSpec) -> Result:
    name = thai.normalize_district(clean_text(source.text))
    return Parsed(name) if name else Failure("bad_value")


@_reader("phone")
def _phone(source: Source, spec: ValueSpec) -> Result:
    if isinstance(source.value, int | float) and not isinstance(source.value, bool):
        digits = str(int(source.value))  # typed as a number: Excel dropped the leading 0
        return Parsed("0" + digits if len(digits) in (8, 9) else digits, 0.8)
    text = clean_text(source.text).strip(_NOT_IN_PHONE)  # ".0 5361 9972": a speck read as "."
    return Parsed(text) if text else Failure("bad_value")


_NOT_IN_PHONE = ".,;:'\"`"


@_reader("email")
def _email(source: Source, spec: ValueSpec) -> Result:
    text = clean_text(source.text).removeprefix("mailto:")
    found = _EMAIL.search(text)
    if found:
        return Parsed(found[0], 1.0 if found[0] == text else 0.8)
    return Parsed(text, 0.5) if text else Failure("bad_value")


@_reader("lao_code")
def _lao_code(source: Source, spec: ValueSpec) -> Result:
    if isinstance(source.value, int | float) and not isinstance(source.value, bool):
        return Parsed(str(int(source.value)))
    text = thai.thai_digits_to_arabic(clean_text(source.text))
    compact = re.sub(r"[\s\-–.]", "", text)
    return Parsed(compact) if compact.isdigit() else Failure("bad_lao_code")


def phone_digits(value: str) -> str:
    """The digits-only form of a phone number kept as typed."""
    return thai.parse_phone_digits(value)
