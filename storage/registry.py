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
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any, Final, TextIO

import geothai
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from core import laonames, thai
from core.enums import AddressSource, LaoType
from core.errors import RegistryError
from core.progress import Progress, silent
from storage.models import Lao, LaoAddress
from storage.registry_file import read_table

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
_WRITE_CHUNK = 500
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

    def line(self) -> str:
        return (
            f"added {self.inserted}, changed {self.updated}, unchanged {self.unchanged};"
            f" addresses added {self.addresses_added}, removed {self.addresses_removed}"
        )


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


@dataclass(frozen=True)
class RegistryFile:
    """What a registry file holds, and how it was read."""

    rows: list[RegistryRow]
    encoding: str
    """"utf-8", "utf-8-sig", "windows-874", "utf-16" or "xlsx"."""
    ignored_columns: tuple[str, ...] = ()
    """Header cells of columns that are not the registry's (not read)."""
    absent_columns: tuple[str, ...] = ()
    """Optional columns the file does not have (district, subdistrict, emails): left empty."""


def read_registry(data: bytes, filename: str = "", *, progress: Progress = silent) -> RegistryFile:
    """Read a registry file (.xlsx or CSV, see :mod:`storage.registry_file`); all or nothing:
    raises ``RegistryError`` listing every bad row by line number."""
    table = read_table(data, filename)
    errors: list[tuple[int, str]] = list(table.bad)
    rows: list[RegistryRow] = []
    first_line: dict[str, int] = {}
    total = len(table.rows)
    for done, (line, cells) in enumerate(table.rows, start=1):
        if done % 200 == 0 or done == total:
            progress("check", done, total)
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
    if errors:
        raise RegistryError(sorted(errors, key=lambda error: error[0]))
    absent = tuple(key for key in HEADER if key not in table.columns)
    return RegistryFile(rows, table.encoding, table.ignored, absent)


def parse_csv(data: bytes) -> list[RegistryRow]:
    """The rows of a registry CSV (UTF-8 with or without BOM, or windows-874); raises
    ``RegistryError`` on any bad row."""
    return read_registry(data, "registry.csv").rows


def _parse_row(cells: dict[str, str]) -> tuple[RegistryRow | None, list[str]]:
    code, name, type_text, province, district, subdistrict, emails = (
        _clean(cells.get(key, "")) for key in HEADER
    )
    code = laonames.code_text(code)
    problems: list[str] = []
    lao_type = parse_type(type_text)
    if lao_type is None:
        problems.append(
            f"ประเภท อปท. ไม่ถูกต้อง {type_text!r} (เช่น อบต., ทต., ทม., ทน., อบจ., กรุงเทพมหานคร,"
            f" เมืองพัทยา, สถจ.) / unknown lao_type {type_text!r}; expected one of"
            f" {', '.join(LAO_TYPES)} or its Thai name or abbreviation"
        )
    else:
        if not code and lao_type == LaoType.BANGKOK:
            code = BANGKOK_CODE
        if (problem := code_problem(code, lao_type)) is not None:
            problems.append(problem)
    if not name:
        problems.append("ไม่มีชื่อ อปท. / name is empty")
    elif lao_type is not None:
        name, problem = full_name(name, lao_type)
        if problem is not None:
            problems.append(problem)
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
    if problems or canonical is None or lao_type is None:
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


_OFFICE_WORDS = frozenset({"สถจ", "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด", "provincialoffice"})


def parse_type(text: str) -> str | None:
    """A type as a registry writes it: the English key ("sao"), the Thai name
    ("องค์การบริหารส่วนตำบล") or abbreviation ("อบต.", "ท.ต."), กรุงเทพมหานคร, เมืองพัทยา,
    or สถจ. for a provincial office. "เทศบาล" alone (which level?) is not a type."""
    word = re.sub(r"[\s._]", "", text).lower()
    if not word:
        return None
    if word in _OFFICE_WORDS or word == LaoType.PROVINCIAL_OFFICE.replace("_", ""):
        return LaoType.PROVINCIAL_OFFICE
    found = thai.parse_lao_type(text)
    return found if found in LAO_TYPES else None


def full_name(name: str, lao_type: str) -> tuple[str, str | None]:
    """(the name with its full Thai prefix, or a problem): "อบต.แม่ใส" and "แม่ใส" of type sao
    -> "องค์การบริหารส่วนตำบลแม่ใส"; a name whose prefix says another type is a problem."""
    prefix = laonames.FULL_PREFIX.get(lao_type)
    if prefix is None:  # Bangkok, Pattaya, provincial offices: as written
        return name, None
    if name.startswith(prefix):
        return name, None
    said, place = laonames.split_name(name)
    if said is None:
        place = laonames.compact(name)
        if lao_type in laonames.MUNICIPALITIES:  # "เทศบาลแม่ใส": the level is the column's
            place = place.removeprefix("เทศบาล")
        return prefix + place, None
    if said != lao_type:
        return name, (
            f"ชื่อ {name!r} เป็นประเภท {said} แต่คอลัมน์ประเภทระบุ {lao_type} / the name says"
            f" {said}, the type column {lao_type}"
        )
    return prefix + place, None


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


@dataclass(frozen=True)
class LaoChange:
    """An LAO the import changes: the row, and each field's (before, after)."""

    row: RegistryRow
    fields: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class ImportPlan:
    """What importing some rows would change (:func:`plan_import`); :func:`apply_plan` does it."""

    added: list[RegistryRow]
    changed: list[LaoChange]
    """LAOs whose fields or addresses change (``fields`` empty: addresses only)."""
    unchanged: int
    addresses_added: list[tuple[str, str]]
    """(lao_code, address)."""
    addresses_removed: list[tuple[str, str, int]]
    """(lao_code, address, row id): registry addresses the file no longer lists."""
    synthetic: bool

    def summary(self) -> ImportSummary:
        return ImportSummary(
            inserted=len(self.added),
            updated=len(self.changed),
            unchanged=self.unchanged,
            addresses_added=len(self.addresses_added),
            addresses_removed=len(self.addresses_removed),
        )

    def lines(self, limit: int = 30) -> list[str]:
        """What would change, one line each (at most ``limit`` of each kind, then a count)."""
        out: list[str] = []

        def some(items: Sequence[str], more: str) -> None:
            out.extend(items[:limit])
            if len(items) > limit:
                out.append(f"  ... and {len(items) - limit} more {more}")

        some(
            [f"+ {r.lao_code} {r.name} ({r.lao_type}, {r.province})" for r in self.added],
            "added",
        )
        some(
            [
                f"~ {c.row.lao_code} {c.row.name}: "
                + ("; ".join(f"{k} {old!r} -> {new!r}" for k, (old, new) in c.fields.items())
                   or "addresses")
                for c in self.changed
            ],
            "changed",
        )  # fmt: skip
        some([f"+ {code} address {address}" for code, address in self.addresses_added], "added")
        some(
            [f"- {code} address {address}" for code, address, _ in self.addresses_removed],
            "removed",
        )
        return out


def plan_import(
    session: Session, rows: Sequence[RegistryRow], *, synthetic: bool = False
) -> ImportPlan:
    """What :func:`import_rows` would do with ``rows``; changes nothing.

    An upsert by lao_code: it never deletes an LAO. A ``registry`` address that the row no
    longer lists is removed; ``learned`` addresses (confirmed by a reviewer) are always kept.
    """
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

    plan = ImportPlan([], [], 0, [], [], synthetic)
    unchanged = 0
    for row in rows:
        values = (row.name, row.lao_type, row.province, row.district, row.subdistrict, synthetic)
        have = known.get(row.lao_code, [])
        present = {address for _, address, _ in have}
        added = [(row.lao_code, address) for address in row.emails if address not in present]
        removed = [
            (row.lao_code, address, address_id)
            for address_id, address, source in have
            if source == AddressSource.REGISTRY and address not in row.emails
        ]
        plan.addresses_added.extend(added)
        plan.addresses_removed.extend(removed)
        old = existing.get(row.lao_code)
        if old is None:
            plan.added.append(row)
        elif old != values or added or removed:
            fields = {
                field: (before, after)
                for field, before, after in zip(_LAO_FIELDS, old, values, strict=True)
                if before != after
            }
            plan.changed.append(LaoChange(row, fields))
        else:
            unchanged += 1
    return replace(plan, unchanged=unchanged)


def apply_plan(
    session: Session, plan: ImportPlan, *, now: datetime, progress: Progress = silent
) -> ImportSummary:
    """Do what ``plan`` says; the caller commits (a plan is only valid in the session and
    state it was made in)."""
    if now.tzinfo is None:
        raise ValueError("import_rows needs a timezone-aware `now`")

    def record(row: RegistryRow) -> dict[str, Any]:
        values = (row.name, row.lao_type, row.province, row.district, row.subdistrict)
        out: dict[str, Any] = dict(zip(_LAO_FIELDS, (*values, plan.synthetic), strict=True))
        out.update(code=row.lao_code, updated_at=now, name_key=laonames.key(row.name))
        return out

    total = len(plan.added) + len(plan.changed)
    done = 0
    for start in range(0, len(plan.added), _WRITE_CHUNK):
        added = plan.added[start : start + _WRITE_CHUNK]
        session.execute(insert(Lao), [record(row) for row in added])
        done += len(added)
        progress("write", done, total)
    for start in range(0, len(plan.changed), _WRITE_CHUNK):
        changes = plan.changed[start : start + _WRITE_CHUNK]
        session.execute(update(Lao), [record(change.row) for change in changes])
        done += len(changes)
        progress("write", done, total)
    stale_ids = [address_id for _, _, address_id in plan.addresses_removed]
    for start in range(0, len(stale_ids), _DELETE_CHUNK):
        chunk = stale_ids[start : start + _DELETE_CHUNK]
        session.execute(delete(LaoAddress).where(LaoAddress.id.in_(chunk)))
    if plan.addresses_added:
        session.execute(
            insert(LaoAddress),
            [
                {
                    "address": address,
                    "lao_code": code,
                    "source": AddressSource.REGISTRY,
                    "created_at": now,
                }
                for code, address in plan.addresses_added
            ],
        )
    return plan.summary()


def import_rows(
    session: Session, rows: Sequence[RegistryRow], *, now: datetime, synthetic: bool = False
) -> ImportSummary:
    """Upsert ``rows`` by lao_code and sync their registry addresses; the caller commits.

    ``Lao.synthetic`` is set to ``synthetic`` on every inserted or updated row, so a real
    registry imported over the sample turns the rows it names into real ones.
    """
    if now.tzinfo is None:
        raise ValueError("import_rows needs a timezone-aware `now`")
    return apply_plan(session, plan_import(session, rows, synthetic=synthetic), now=now)
