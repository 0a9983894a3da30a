"""The LAO registry: its CSV (read and write) and its upsert into ``laos`` / ``lao_addresses``.

Where it stands: beside the message flow, not in it. Staff load the registry
(``onep-inbox registry import FILE.csv``) before mail arrives; *identify LAO* then reads the
tables filled here. The format is the one of ``lao-registry.md``::

    lao_code,name,lao_type,province,district,subdistrict,emails

``parse_csv`` is pure (bytes in, rows out) and all or nothing: it raises ``RegistryError``
listing every bad row by line number (header = line 1), or returns every row.
``import_rows`` upserts by ``lao_code``; it never deletes an LAO, and the caller commits.

Addresses on re-import: an address the registry gives and the table lacks is added
(``source="registry"``); a ``registry`` address that the new row no longer lists is removed;
``learned`` addresses (confirmed by a reviewer) are always kept.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Final, TextIO

import geothai
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from core import laonames
from core.enums import AddressSource, LaoType
from core.errors import RegistryError
from storage.models import Lao, LaoAddress

HEADER: Final = ("lao_code", "name", "lao_type", "province", "district", "subdistrict", "emails")
LAO_TYPES: Final = tuple(LaoType)
BANGKOK_CODE: Final = "1000000"
"""DLA's list gives Bangkok no code; the registry uses this one."""

_LAO_CODE = re.compile(r"[2-6][0-9]{6}")
_OFFICE_CODE = re.compile(r"P[0-9]{2}")
_ATOM = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_EMAIL = re.compile(rf"[a-z0-9!#$%&'*+/=?^_`{{|}}~.-]+@{_ATOM}(?:\.{_ATOM})+")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_PROVINCE_PREFIXES = ("จังหวัด", "จ.")
_DISTRICT_PREFIXES = ("อำเภอ", "อ.")
_SUBDISTRICT_PREFIXES = ("ตำบล", "ต.")
_BANGKOK_ALIASES = ("กทม.", "กทม", "กรุงเทพฯ", "กรุงเทพ")
_DELETE_CHUNK = 500
_LAO_FIELDS: Final = ("name", "lao_type", "province", "district", "subdistrict", "synthetic")


@dataclass(frozen=True)
class RegistryRow:
    """One registry line: an LAO (or a provincial office) and its registry addresses."""

    lao_code: str
    name: str
    lao_type: str
    province: str
    """Thai name of one of the 77 provinces, without "จ."."""
    district: str | None = None
    subdistrict: str | None = None
    emails: tuple[str, ...] = ()
    """Lower-cased, in file order, no duplicates."""


@dataclass(frozen=True)
class ImportSummary:
    """What ``import_rows`` did. ``updated`` counts rows whose fields or addresses changed."""

    inserted: int
    updated: int
    unchanged: int
    addresses_added: int
    addresses_removed: int


@cache
def province_names() -> frozenset[str]:
    """The Thai names of the 77 provinces (geothai)."""
    return frozenset(p.name_th for p in geothai.provinces())


@cache
def _province_codes() -> frozenset[str]:
    return frozenset(p.code for p in geothai.provinces())


def normalize_province(value: str) -> str | None:
    """The canonical Thai province name for ``value`` ("จ.นครปฐม" -> "นครปฐม"), or None."""
    name = _strip_prefix(_clean(value), _PROVINCE_PREFIXES)
    if name in _BANGKOK_ALIASES:
        name = "กรุงเทพมหานคร"
    return name if name in province_names() else None


def code_problem(code: str, lao_type: str) -> str | None:
    """Why ``code`` is not a valid registry code (format only: codes go stale), or None."""
    if lao_type == LaoType.PROVINCIAL_OFFICE or code.startswith("P"):
        if lao_type != LaoType.PROVINCIAL_OFFICE:
            return f"รหัส P.. ใช้กับ สถจ. เท่านั้น / code {code!r} is for provincial_office only"
        if not _OFFICE_CODE.fullmatch(code) or code[1:] not in _province_codes():
            return (
                f"รหัส สถจ. ต้องเป็น P ตามด้วยรหัสจังหวัด 2 หลัก เช่น P34 / provincial office code"
                f" {code!r} must be P and a 2-digit province geocode, e.g. P34"
            )
        return None
    if code == BANGKOK_CODE:
        return None
    if not _LAO_CODE.fullmatch(code) or code[1:3] not in _province_codes():
        return (
            f"รหัส อปท. ต้องเป็นตัวเลข 7 หลัก T PP DD NN (T = 2-6, PP = รหัสจังหวัด) / lao_code"
            f" {code!r} must be 7 digits T PP DD NN (type digit 2-6, PP a province geocode)"
        )
    return None


def parse_csv(data: bytes) -> list[RegistryRow]:
    """Read a registry CSV (UTF-8, a BOM tolerated). Raises ``RegistryError`` on any bad row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RegistryError([(line, "ไฟล์ไม่ได้เข้ารหัส UTF-8 / the file is not UTF-8 text")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[tuple[int, str]] = []
    rows: list[RegistryRow] = []
    first_line: dict[str, int] = {}
    try:
        header = next(reader, None)
        if header is None or tuple(_clean(cell) for cell in header) != HEADER:
            expected = ",".join(HEADER)
            raise RegistryError([(1, f"หัวตารางต้องเป็น / the header must be exactly: {expected}")])
        end = reader.line_num
        for cells in reader:
            line, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            row, problems = _parse_row(cells)
            errors.extend((line, problem) for problem in problems)
            if row is None:
                continue
            if row.lao_code in first_line:
                errors.append(
                    (
                        line,
                        f"รหัส {row.lao_code} ซ้ำกับบรรทัด {first_line[row.lao_code]} / duplicate"
                        f" lao_code {row.lao_code}, first on line {first_line[row.lao_code]}",
                    )
                )
                continue
            first_line[row.lao_code] = line
            rows.append(row)
    except csv.Error as exc:
        errors.append((reader.line_num, f"อ่าน CSV ไม่ได้ / unreadable CSV: {exc}"))
    if errors:
        raise RegistryError(errors)
    return rows


def _parse_row(cells: list[str]) -> tuple[RegistryRow | None, list[str]]:
    if len(cells) != len(HEADER):
        return None, [
            f"ต้องมี {len(HEADER)} คอลัมน์ แต่พบ {len(cells)} / expected {len(HEADER)} columns,"
            f" found {len(cells)}"
        ]
    code, name, lao_type, province, district, subdistrict, emails = map(_clean, cells)
    code = code.translate(_THAI_DIGITS).upper()
    problems: list[str] = []
    if lao_type not in LAO_TYPES:
        problems.append(
            f"ประเภท อปท. ไม่ถูกต้อง {lao_type!r} / unknown lao_type {lao_type!r};"
            f" expected one of {', '.join(LAO_TYPES)}"
        )
    elif (problem := code_problem(code, lao_type)) is not None:
        problems.append(problem)
    if not name:
        problems.append("ไม่มีชื่อ อปท. / name is empty")
    canonical = normalize_province(province)
    if not province:
        problems.append("ไม่มีชื่อจังหวัด / province is empty")
    elif canonical is None:
        problems.append(f"ไม่รู้จักจังหวัด {province!r} / {province!r} is not one of the 77 provinces")
    addresses, bad = _split_emails(emails)
    problems.extend(
        f"อีเมลไม่ถูกต้อง {item!r} (คั่นหลายที่อยู่ด้วย ;) / invalid email {item!r}"
        " (separate addresses with ;)"
        for item in bad
    )
    if problems or canonical is None:
        return None, problems
    row = RegistryRow(
        lao_code=code,
        name=name,
        lao_type=lao_type,
        province=canonical,
        district=_strip_prefix(district, _DISTRICT_PREFIXES) or None,
        subdistrict=_strip_prefix(subdistrict, _SUBDISTRICT_PREFIXES) or None,
        emails=addresses,
    )
    return row, []


def _split_emails(cell: str) -> tuple[tuple[str, ...], list[str]]:
    good: dict[str, None] = {}
    bad: list[str] = []
    for item in cell.split(";"):
        address = item.strip().lower()
        if not address:
            continue
        if _EMAIL.fullmatch(address) and len(address) <= 320:
            good[address] = None
        else:
            bad.append(item.strip())
    return tuple(good), bad


def _clean(value: str) -> str:
    value = unicodedata.normalize("NFC", value).translate(_INVISIBLE)
    return value.replace("\u0e4d\u0e32", "\u0e33").strip()


def _strip_prefix(value: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if value.startswith(prefix):
            return value.removeprefix(prefix).strip()
    return value


def write_csv(rows: Iterable[RegistryRow], out: TextIO) -> None:
    """Write ``rows`` in the registry format (open ``out`` with ``newline=""``; "utf-8-sig"
    makes Excel read the Thai correctly, and ``parse_csv`` accepts it)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            (
                row.lao_code,
                row.name,
                row.lao_type,
                row.province,
                row.district or "",
                row.subdistrict or "",
                ";".join(row.emails),
            )
        )


def import_rows(
    session: Session, rows: Sequence[RegistryRow], *, now: datetime, synthetic: bool = False
) -> ImportSummary:
    """Upsert ``rows`` by lao_code and sync their registry addresses; the caller commits.

    ``Lao.synthetic`` is set to ``synthetic`` on every inserted or updated row, so a real
    registry imported over the sample turns the rows it names into real ones.
    """
    if now.tzinfo is None:
        raise ValueError("import_rows needs a timezone-aware `now`")
    dupes = sorted(code for code, n in Counter(row.lao_code for row in rows).items() if n > 1)
    if dupes:
        raise ValueError(f"duplicate lao_code given to import_rows: {', '.join(dupes)}")

    columns = [getattr(Lao, field) for field in _LAO_FIELDS]
    existing = {
        code: tuple(values) for code, *values in session.execute(select(Lao.code, *columns))
    }
    known: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for address_id, address, code, source in session.execute(
        select(LaoAddress.id, LaoAddress.address, LaoAddress.lao_code, LaoAddress.source)
    ):
        known[code].append((address_id, address.lower(), source))

    new_laos: list[dict[str, Any]] = []
    changed_laos: list[dict[str, Any]] = []
    new_addresses: list[dict[str, Any]] = []
    stale_ids: list[int] = []
    for row in rows:
        values = (row.name, row.lao_type, row.province, row.district, row.subdistrict, synthetic)
        have = known.get(row.lao_code, [])
        present = {address for _, address, _ in have}
        added = [address for address in row.emails if address not in present]
        removed = [
            address_id
            for address_id, address, source in have
            if source == AddressSource.REGISTRY and address not in row.emails
        ]
        new_addresses.extend(
            {
                "address": address,
                "lao_code": row.lao_code,
                "source": AddressSource.REGISTRY,
                "created_at": now,
            }
            for address in added
        )
        stale_ids.extend(removed)
        old = existing.get(row.lao_code)
        if old is not None and old == values and not added and not removed:
            continue
        record: dict[str, Any] = dict(zip(_LAO_FIELDS, values, strict=True))
        record.update(code=row.lao_code, updated_at=now, name_key=laonames.key(row.name))
        (new_laos if old is None else changed_laos).append(record)

    if new_laos:
        session.execute(insert(Lao), new_laos)
    if changed_laos:
        session.execute(update(Lao), changed_laos)
    for start in range(0, len(stale_ids), _DELETE_CHUNK):
        chunk = stale_ids[start : start + _DELETE_CHUNK]
        session.execute(delete(LaoAddress).where(LaoAddress.id.in_(chunk)))
    if new_addresses:
        session.execute(insert(LaoAddress), new_addresses)
    return ImportSummary(
        inserted=len(new_laos),
        updated=len(changed_laos),
        unchanged=len(rows) - len(new_laos) - len(changed_laos),
        addresses_added=len(new_addresses),
        addresses_removed=len(stale_ids),
    )
