"""The evidence about who sent a form, read and normalised for *identify* (:mod:`ingest.identify`).

What the form claims (:class:`Claims`: name, type, district, province, code), what the sender
addresses say (:class:`Senders`: an LAO's, a provincial office's, or unknown), and the mail's
subject and body (:class:`MailText`, to see an LAO named there); and how names compare
(:func:`similarity`, :func:`close_names`). Pure, over a :class:`RegistryView` (SQL in
:mod:`storage.lookups`, in memory in the tests).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rapidfuzz.distance import Levenshtein

from core import laonames
from core.enums import LaoType
from core.laonames import LaoRecord

OFFICE = LaoType.PROVINCIAL_OFFICE
PROVINCE_MIN_SCORE = 85.0
MAX_TEXT = 5000
_TONE_MARKS = re.compile("[\u0e47-\u0e4c]")
_THAI = re.compile("[\u0e01-\u0e4e]")
_LOCATION_AFTER = ("อ.", "อำเภอ", "จ.", "จังหวัด", "ต.", "ตำบล")


class RegistryView(Protocol):
    """What *identify* needs of the registry. Addresses are compared lower-cased."""

    def by_code(self, code: str) -> LaoRecord | None: ...

    def by_address(self, address: str) -> Sequence[LaoRecord]:
        """LAOs and provincial offices with this registered or learned address."""
        ...

    def by_name(self, name_key: str, province_key: str | None) -> Sequence[LaoRecord]: ...

    def by_name_keys(self, name_keys: Sequence[str]) -> Sequence[LaoRecord]:
        """Every LAO whose :func:`core.laonames.key` is one of ``name_keys``, nationwide."""
        ...

    def in_province(self, province: str) -> Sequence[LaoRecord]:
        """Every row (LAOs and the office) of one province, for fuzzy matching."""
        ...

    def provinces(self) -> Sequence[str]:
        """The canonical province names."""
        ...


@dataclass(frozen=True, slots=True)
class Claims:
    """What the form says about its LAO, normalised."""

    name: str
    place: str
    raw_place: str
    types: frozenset[str] | None
    type_conflict: bool
    province: str | None
    province_unresolved: str | None
    province_conflict: bool
    district: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class Senders:
    laos: tuple[LaoRecord, ...]
    """The LAOs of the first sender address that the registry knows for an LAO."""
    office: LaoRecord | None
    known: bool
    learnable: str | None


def read_claims(registry: RegistryView, fields: Mapping[str, Any]) -> Claims:
    name = field_text(fields.get("lao_name"))
    parts = laonames.parse_name(name) if name else laonames.NameParts(None, "")
    cell = field_text(fields.get("lao_type"))
    cell_types = laonames.parse_type(cell) if cell else None
    types = parts.types
    type_conflict = False
    if cell_types is not None:
        if types is None:
            types = cell_types
        elif types & cell_types:
            types = types & cell_types
        else:
            type_conflict = True
    written_province = field_text(fields.get("province")) or (parts.province or "")
    province, unresolved = resolve_province(registry, written_province)
    province_conflict = False
    if parts.province and field_text(fields.get("province")):
        from_name, _ = resolve_province(registry, parts.province)
        province_conflict = from_name is not None and province is not None and from_name != province
    written_district = field_text(fields.get("district")) or (parts.district or "")
    district = laonames.district_text(written_district, province) if written_district else None
    code = laonames.code_text(field_text(fields.get("lao_code"))) or None
    return Claims(
        name=name,
        place=place_key(parts.place),
        raw_place=parts.place,
        types=types,
        type_conflict=type_conflict,
        province=province,
        province_unresolved=unresolved,
        province_conflict=province_conflict,
        district=district or None,
        code=code,
    )


def field_text(value: Any) -> str:
    if value is None:
        return ""
    return laonames.clean(str(value)).strip()


def resolve_province(registry: RegistryView, written: str) -> tuple[str | None, str | None]:
    """(canonical province, None), or (None, what was written when it matches no province)."""
    if not written:
        return None, None
    text = laonames.province_text(written)
    names = registry.provinces()
    if text in names:
        return text, None
    scored = sorted(((similarity(text, name), name) for name in names), reverse=True)
    unique = len(scored) == 1 or (len(scored) > 1 and scored[1][0] < scored[0][0])
    if scored and scored[0][0] >= PROVINCE_MIN_SCORE and unique:
        return scored[0][1], None
    return None, written


def read_senders(registry: RegistryView, addresses: Sequence[str]) -> Senders:
    office: LaoRecord | None = None
    known = False
    learnable: str | None = None
    for raw in addresses:
        address = raw.strip().lower()
        if not address:
            continue
        records = registry.by_address(address)
        offices = [r for r in records if r.lao_type == OFFICE]
        laos = tuple(r for r in records if r.lao_type != OFFICE)
        if offices:
            known = True
            office = office or offices[0]
            continue
        if learnable is None:
            learnable = address
        if laos:
            return Senders(laos, office, True, learnable)
    return Senders((), office, known, learnable)


def place_key(place: str) -> str:
    return place.replace(".", "")


def place_of(record: LaoRecord) -> str:
    return place_key(laonames.split_name(record.name)[1])


def similarity(left: str, right: str) -> float:
    """0-100: 100 the same, 96 the same but for tone marks, else by edit distance."""
    if left == right:
        return 100.0
    if not left or not right:
        return 0.0
    if _TONE_MARKS.sub("", left) == _TONE_MARKS.sub("", right):
        return 96.0
    distance = Levenshtein.distance(left, right)
    return max(0.0, 100.0 * (1 - distance / max(len(left), len(right))))


def close_names(left: str, right: str) -> bool:
    """A typo apart: tone marks only, or one edit (two in a long name). Short names never."""
    if left == right:
        return True
    if _TONE_MARKS.sub("", left) == _TONE_MARKS.sub("", right):
        return True
    length = min(len(left), len(right))
    distance = Levenshtein.distance(left, right, score_cutoff=2)
    return (distance <= 1 and length >= 4) or (distance <= 2 and length >= 9)


@dataclass(frozen=True, slots=True)
class MailText:
    """The subject and body, without white space, remembering where a word ended."""

    compact: str
    breaks: frozenset[int]

    @staticmethod
    def of(texts: Sequence[str]) -> MailText:
        chars: list[str] = []
        breaks: set[int] = set()
        for text in texts:
            for char in laonames.clean(text[:MAX_TEXT]) + " ":
                if char.isspace():
                    breaks.add(len(chars))
                else:
                    chars.append(char)
        return MailText("".join(chars), frozenset(breaks))

    def names(self, record: LaoRecord) -> bool:
        """The LAO is named, fully or in short, and not as the start of a longer name
        ("อบต.แม่ใส" is not named by "อบต.แม่ใสใหม่")."""
        if not self.compact:
            return False
        full = laonames.compact(record.name)
        short = laonames.short_name(record.name)
        for name in {full, short, short.replace(".", "", 1)}:
            start = self.compact.find(name)
            while start >= 0:
                end = start + len(name)
                if (
                    end in self.breaks
                    or end == len(self.compact)
                    or not _THAI.match(self.compact[end])
                    or self.compact.startswith(_LOCATION_AFTER, end)
                ):
                    return True
                start = self.compact.find(name, start + 1)
        return False
