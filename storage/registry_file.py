"""Reading a registry file the way people save one: CSV or .xlsx, Thai or English headers.

Where it stands: under :mod:`storage.registry`, which validates the rows this module finds and
imports them. Pure (bytes in, cells out).

* CSV in UTF-8 (with or without a BOM, as Excel's "CSV UTF-8" writes it), windows-874 (what Thai
  Excel's plain "CSV" writes) or UTF-16 ("Unicode Text", tab-separated); the separator is the
  header line's comma, semicolon or tab.
* .xlsx (the first sheet that has a header row); numbers written as numbers are read as text
  (``6560115.0`` -> ``"6560115"``).
* The header row may sit below a title ("ข้อมูล อปท. ...") in the first 20 rows; columns are
  recognised by their English key or a Thai name (:data:`ALIASES`), in any order; columns
  nobody asked for (ลำดับ, โทรศัพท์ ...) are ignored and named (:attr:`Table.ignored`).

Line numbers are the file's (CSV: the physical line where a row starts; xlsx: the row number
Excel shows), so an error points where the operator can look.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from core.errors import RegistryError

KEYS: Final = ("lao_code", "name", "lao_type", "province", "district", "subdistrict", "emails")
REQUIRED: Final = ("lao_code", "name", "lao_type", "province")
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "lao_code": (
        "lao_code", "code", "รหัส", "รหัส อปท.", "รหัสองค์กรปกครองส่วนท้องถิ่น", "รหัสหน่วยงาน",
        "รหัสท้องถิ่น", "รหัส อปท. (7 หลัก)",
    ),
    "name": (
        "name", "lao_name", "ชื่อ", "ชื่อ อปท.", "ชื่อองค์กรปกครองส่วนท้องถิ่น", "อปท.",
        "องค์กรปกครองส่วนท้องถิ่น", "ชื่อหน่วยงาน", "หน่วยงาน",
    ),
    "lao_type": (
        "lao_type", "type", "ประเภท", "ประเภท อปท.", "ประเภทองค์กรปกครองส่วนท้องถิ่น",
        "รูปแบบ", "รูปแบบ อปท.",
    ),
    "province": ("province", "จังหวัด", "ชื่อจังหวัด"),
    "district": ("district", "อำเภอ", "อำเภอ/เขต", "ชื่ออำเภอ", "เขต"),
    "subdistrict": ("subdistrict", "ตำบล", "ตำบล/แขวง", "ชื่อตำบล", "แขวง"),
    "emails": (
        "emails", "email", "e-mail", "อีเมล", "อีเมล์", "ที่อยู่อีเมล", "ไปรษณีย์อิเล็กทรอนิกส์",
        "อีเมลสารบรรณ",
    ),
}  # fmt: skip
HEADER_SEARCH_ROWS: Final = 20
XLSX_MAGIC: Final = b"PK\x03\x04"


def _fold(text: str) -> str:
    """A header cell for comparison: letters, digits and Thai marks only, lower case."""
    text = unicodedata.normalize("NFC", text).replace("\u0e4d\u0e32", "\u0e33").lower()
    return "".join(ch for ch in text if ch.isalnum() or "\u0e00" <= ch <= "\u0e7f")


_BY_ALIAS: Final = {_fold(alias): key for key, names in ALIASES.items() for alias in names}


@dataclass(frozen=True, slots=True)
class Table:
    """The rows under the header: (line number, {key: cell text}) for the columns found."""

    rows: tuple[tuple[int, dict[str, str]], ...]
    columns: tuple[str, ...]
    """The keys found, in the file's order."""
    ignored: tuple[str, ...] = ()
    """Header cells of columns that are not the registry's (shown, not read)."""
    encoding: str = "utf-8"
    """"utf-8", "utf-8-sig", "windows-874", "utf-16" or "xlsx"."""
    bad: tuple[tuple[int, str], ...] = ()
    """Rows that do not fit the header (line, reason): reported with the rows' own errors."""


def read_table(data: bytes, filename: str = "") -> Table:
    """The registry table in ``data`` (.xlsx when it is one, whatever its name; else CSV)."""
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return _table(_xlsx_rows(data), "xlsx")
    text, encoding = decode(data)
    return _table(_csv_rows(text), encoding)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV file: UTF-8 (BOM or not), UTF-16 with a BOM, or windows-874."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise _undecodable(data, exc) from exc
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data.decode("utf-8-sig"), "utf-8-sig"
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp874"), "windows-874"
        except UnicodeDecodeError as exc:
            raise _undecodable(data, exc) from utf8_error


def _undecodable(data: bytes, exc: UnicodeDecodeError) -> RegistryError:
    line = data[: exc.start].count(b"\n") + 1
    return RegistryError(
        [
            (
                line,
                "อ่านข้อความในไฟล์ไม่ได้ ต้องเป็น UTF-8 หรือ windows-874 (TIS-620) / the file is"
                " neither UTF-8 nor windows-874 text: save it again as CSV or .xlsx",
            )
        ]
    )


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    end = 0
    try:
        for cells in reader:
            line, end = end + 1, reader.line_num
            yield line, cells
    except csv.Error as exc:
        raise RegistryError([(reader.line_num, f"อ่าน CSV ไม่ได้ / unreadable CSV: {exc}")]) from exc


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RegistryError(
            [(1, f"เปิดไฟล์ .xlsx ไม่ได้ / cannot open the .xlsx file: {exc}")]
        ) from exc
    try:
        sheets = list(book.worksheets)
        for sheet in sheets:
            rows = [
                (number, [_cell_text(value) for value in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
            if _header_index(rows) is not None or sheet is sheets[-1]:
                yield from rows
                return
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _header_index(rows: Sequence[tuple[int, list[str]]]) -> int | None:
    for index, (_line, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {_BY_ALIAS.get(_fold(cell)) for cell in cells}
        if all(key in found for key in REQUIRED):
            return index
    return None


def _table(source: Iterator[tuple[int, list[str]]], encoding: str) -> Table:
    rows = list(source)
    index = _header_index(rows)
    if index is None:
        expected = ", ".join(REQUIRED)
        raise RegistryError(
            [
                (
                    rows[0][0] if rows else 1,
                    "ไม่พบหัวตาราง ต้องมีคอลัมน์ รหัส อปท., ชื่อ อปท., ประเภท และจังหวัด"
                    f" / no header row found: it needs at least the columns {expected}"
                    f" (or their Thai names); the full set is {','.join(KEYS)}",
                )
            ]
        )
    header_line, header = rows[index]
    while header and not header[-1].strip():
        header = header[:-1]
    positions: dict[str, int] = {}
    ignored: list[str] = []
    errors: list[tuple[int, str]] = []
    for position, cell in enumerate(header):
        key = _BY_ALIAS.get(_fold(cell))
        if key is None:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if key in positions:
            errors.append(
                (
                    header_line,
                    f"คอลัมน์ {key} ซ้ำกัน ({header[positions[key]]!r} และ {cell!r}) / two columns"
                    f" mean {key}: {header[positions[key]]!r} and {cell!r}",
                )
            )
            continue
        positions[key] = position
    if errors:
        raise RegistryError(errors)
    strict = encoding != "xlsx"
    body: list[tuple[int, dict[str, str]]] = []
    for line, cells in rows[index + 1 :]:
        if not any(cell.strip() for cell in cells):
            continue
        extra = [cell for cell in cells[len(header) :] if cell.strip()]
        if extra or (strict and len(cells) < len(header)):
            errors.append(
                (
                    line,
                    f"ต้องมี {len(header)} คอลัมน์ตามหัวตาราง แต่พบ {len(cells)} (มีเครื่องหมายจุลภาคเกินหรือขาด?)"
                    f" / expected {len(header)} columns as in the header, found {len(cells)}",
                )
            )
            continue
        padded = cells + [""] * (len(header) - len(cells))
        body.append((line, {key: padded[position] for key, position in positions.items()}))
    columns = tuple(sorted(positions, key=positions.__getitem__))
    return Table(tuple(body), columns, tuple(ignored), encoding, tuple(errors))
