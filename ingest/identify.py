"""Stage *identify*: which LAO sent this form?

Place in the flow: after *parse* (the form's fields are known), before *validate* and *record*.
Pure logic over a :class:`~ingest.evidence.RegistryView` (SQL in :mod:`storage.lookups`, in
memory in the tests); the evidence is read by :mod:`ingest.evidence`.

Evidence, from every source the message offers:

- the sender addresses, outermost first, then the senders of forwarded messages: an address the
  registry gives an LAO, or one a reviewer confirmed (learned). A provincial office (สถจ.) is no
  LAO: its mail is "forwarded on behalf of", its province constrains the LAO, and the original
  sender inside the forward counts instead;
- the LAO code on the form (codes go stale when an LAO changes type, so a code that names
  another LAO of the same district is a warning, not a veto, unless that LAO could be meant by
  the name too; a code whose province and district digits point elsewhere is a conflict);
- the name on the form, full or short ("อบต.แม่ใส"), with its type (the type cell and the name's
  prefix), district and province, compared Thai-normalised and fuzzily (typos);
- the LAO named in the subject or body: corroboration, and a conflict when the text names
  another candidate but not the one the form points to.

Every candidate LAO gets what agrees and what conflicts. The decision is automatic only when one
candidate meets a strong rule with nothing against it and no other candidate is as plausible:

R1 address  a registered/learned address of the LAO, and the form's name (if any) is its name
R2 code     the form's code is the LAO's, its name is the LAO's name (typos allowed), type agrees
R3 name     exact place name, type, province, and district (or the name is unique in the province)
R4 typo     a close name, type, province and district agree, and the subject or body names it

The type is never guessed: a เทศบาลตำบล and an อบต. of one tambon share the place name, so a
form whose type is unknown is decided only by a sender address, and one whose type cell
contradicts its name always by a person. Otherwise the submission waits for a person, with the candidates and the
reason. A report credited to the wrong LAO is the worst error this system can make.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core import laonames
from core.laonames import LaoRecord
from ingest.evidence import (
    OFFICE,
    Claims,
    MailText,
    RegistryView,
    Senders,
    close_names,
    place_of,
    read_claims,
    read_senders,
    similarity,
)

MAX_CANDIDATES = 8
CANDIDATE_MIN_SCORE = 60.0
"""Place-name similarity (0-100) for an LAO to be listed as a candidate at all."""
_CODE = re.compile(r"[1-6][0-9]{6}")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One LAO the evidence could mean, with what agrees and what conflicts."""

    code: str
    name: str
    province: str
    district: str | None
    lao_type: str
    score: float
    agrees: tuple[str, ...]
    conflicts: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "province": self.province,
            "district": self.district,
            "lao_type": self.lao_type,
            "score": round(self.score, 1),
            "agrees": list(self.agrees),
            "conflicts": list(self.conflicts),
        }


@dataclass(frozen=True, slots=True)
class Identification:
    lao_code: str | None
    certain: bool
    method: str
    reason: str
    candidates: tuple[str, ...] = field(default=())
    details: tuple[Candidate, ...] = field(default=())
    sender_known: bool = False
    """A sender address is registered or learned (for an LAO or a provincial office)."""
    learnable_address: str | None = None
    """The address a reviewer's decision would teach: the first sender that is not a สถจ."""
    senders: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "lao_code": self.lao_code,
            "certain": self.certain,
            "method": self.method,
            "reason": self.reason,
            "candidates": list(self.candidates),
            "candidate_details": [c.as_json() for c in self.details],
            "sender_known": self.sender_known,
            "learnable_address": self.learnable_address,
            "senders": list(self.senders),
        }


# --- assessing candidates ---------------------------------------------------------------------


@dataclass(slots=True)
class _Assessment:
    lao: LaoRecord
    place: str
    score: float = 0.0
    exact: bool = False
    close: bool = False
    type_ok: bool | None = None
    province_ok: bool | None = None
    district_ok: bool | None = None
    code_ok: bool | None = None
    address_ok: bool | None = None
    office_ok: bool | None = None
    mentioned: bool = False
    agrees: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def located(self) -> bool:
        return self.province_ok is True and self.district_ok is not False

    def hard_conflicts(self) -> list[str]:
        return [c for c in self.conflicts if c != "code"]


def _assess(
    lao: LaoRecord,
    claims: Claims,
    senders: Senders,
    coded: LaoRecord | None,
    text: MailText,
) -> _Assessment:
    item = _Assessment(lao, place_of(lao))
    if claims.place:
        item.score = similarity(claims.place, item.place)
        item.exact = item.score == 100.0
        item.close = close_names(claims.place, item.place)
        (item.agrees if item.close else item.conflicts).append("name")
    if claims.types is not None and not claims.type_conflict:
        item.type_ok = lao.lao_type in claims.types
        (item.agrees if item.type_ok else item.conflicts).append("type")
    elif claims.type_conflict:
        item.conflicts.append("type")
        item.type_ok = False
    if claims.province is not None:
        item.province_ok = lao.province == claims.province
        (item.agrees if item.province_ok else item.conflicts).append("province")
    elif claims.province_unresolved is not None:
        item.conflicts.append("province")
        item.province_ok = False
    if claims.province_conflict:
        item.conflicts.append("province")
    if claims.district is not None and lao.district:
        district = laonames.compact(lao.district)
        item.district_ok = district == claims.district or close_names(district, claims.district)
        (item.agrees if item.district_ok else item.conflicts).append("district")
    if claims.code is not None and coded is not None:
        item.code_ok = coded.code == lao.code
        (item.agrees if item.code_ok else item.conflicts).append("code")
    if claims.code is not None and not item.code_ok and not _same_area(claims.code, lao):
        item.conflicts.append("code_area")
    if senders.laos:
        item.address_ok = lao in senders.laos
        (item.agrees if item.address_ok else item.conflicts).append("address")
    if senders.office is not None:
        item.office_ok = senders.office.province == lao.province
        (item.agrees if item.office_ok else item.conflicts).append("office")
        if claims.province is None and claims.province_unresolved is None:
            item.province_ok = item.office_ok  # a สถจ. forwards its own province's LAOs
    item.mentioned = text.names(lao)
    if item.mentioned:
        item.agrees.append("text")
    return item


def identify(
    registry: RegistryView,
    *,
    sender_addresses: Sequence[str],
    form_fields: Mapping[str, Any] | None,
    texts: Sequence[str] = (),
) -> Identification:
    """Decide the LAO from the senders (outermost first, then forwarded ones), the form, and the
    message's subject and body (``texts``, optional corroboration)."""
    fields = form_fields or {}
    claims = read_claims(registry, fields)
    senders = read_senders(registry, sender_addresses)
    text = MailText.of(texts)
    coded = registry.by_code(claims.code) if claims.code else None
    if coded is not None and coded.lao_type == OFFICE:
        coded = None

    pool: dict[str, LaoRecord] = {r.code: r for r in senders.laos}
    if coded is not None:
        pool.setdefault(coded.code, coded)
    if claims.place:
        for record in _exact_by_name(registry, claims):
            pool.setdefault(record.code, record)
    assessed = [_assess(r, claims, senders, coded, text) for r in pool.values()]
    if claims.place and not any(a.exact and not a.hard_conflicts() for a in assessed):
        for record in _fuzzy_by_name(registry, claims, senders, coded):
            if record.code not in pool:
                pool[record.code] = record
                assessed.append(_assess(record, claims, senders, coded, text))
    assessed.sort(key=lambda a: (-_rank(a), a.lao.code))
    base = Identification(
        lao_code=None,
        certain=False,
        method="none",
        reason="",
        sender_known=senders.known,
        learnable_address=senders.learnable,
        senders=tuple(a.strip().lower() for a in sender_addresses if a.strip()),
    )
    return _decide(base, assessed, claims, senders, coded)


def _exact_by_name(registry: RegistryView, claims: Claims) -> Sequence[LaoRecord]:
    """Every LAO of this place name, of any type: the other types are listed for the reviewer,
    and a subject naming one of them counts against the form's type."""
    keys = sorted({laonames.key_for(t, claims.raw_place) for t in laonames.LAO_TYPES})
    return [r for r in registry.by_name_keys(keys) if r.lao_type != OFFICE]


def _same_area(code: str, lao: LaoRecord) -> bool:
    """Do a written code's province and district digits (T PP DD NN) fit the LAO's code?
    Codes go stale with a change of type, not of place; an อบจ.'s DD is not a district."""
    if not (_CODE.fullmatch(code) and _CODE.fullmatch(lao.code)):
        return True
    if lao.lao_type == "pao":
        return code[1:3] == lao.code[1:3]
    return code[1:5] == lao.code[1:5]


def _fuzzy_by_name(
    registry: RegistryView, claims: Claims, senders: Senders, coded: LaoRecord | None
) -> list[LaoRecord]:
    provinces: list[str] = []
    for province in (
        claims.province,
        senders.office.province if senders.office else None,
        coded.province if coded else None,
        *(r.province for r in senders.laos),
    ):
        if province and province not in provinces:
            provinces.append(province)
    scored: list[tuple[float, str, LaoRecord]] = []
    for province in provinces[:3]:
        for record in registry.in_province(province):
            if record.lao_type == OFFICE:
                continue
            score = similarity(claims.place, place_of(record))
            if score >= CANDIDATE_MIN_SCORE:
                scored.append((score, record.code, record))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [record for _, _, record in scored[:MAX_CANDIDATES]]


def _rank(item: _Assessment) -> float:
    return (
        item.score
        + 30 * len(item.agrees)
        - 40 * len(item.hard_conflicts())
        - (10 if item.code_ok is False else 0)
    )


# --- the decision -----------------------------------------------------------------------------


def _decide(
    base: Identification,
    assessed: list[_Assessment],
    claims: Claims,
    senders: Senders,
    coded: LaoRecord | None,
) -> Identification:
    listed = [a for a in assessed if _listable(a, claims)][:MAX_CANDIDATES]
    winners: list[tuple[_Assessment, str]] = []
    for item in assessed:
        rule = _strong_rule(item, claims, assessed, coded)
        if rule is not None:
            winners.append((item, rule))
    if len(winners) == 1:
        winner, rule = winners[0]
        named = [r for r in assessed if r is not winner and r.mentioned]
        if named and not winner.mentioned:
            return _uncertain(
                base,
                "text_conflict",
                f"แบบรายงานตรงกับ {winner.lao.name} แต่หัวเรื่องหรือเนื้อความระบุ {_names(named)}",
                [winner, *named, *listed],
            )
        rivals = [r for r in assessed if r is not winner and _rival(r, winner, claims)]
        if not rivals:
            return _certain(base, winner, rule, senders, listed)
        return _uncertain(
            base,
            "ambiguous",
            f"{winner.lao.name} ตรงตามหลักฐาน แต่ {_names(rivals)} ก็เป็นไปได้",
            [winner, *rivals, *listed],
        )
    if len(winners) > 1:
        return _uncertain(
            base,
            "ambiguous",
            "หลักฐานชี้ได้หลายหน่วยงาน: " + _names([w for w, _ in winners]),
            [w for w, _ in winners] + listed,
        )
    method, reason = _why_not(listed, claims, senders, coded)
    own = [a for a in assessed if a.address_ok]
    if (
        len(senders.laos) == 1
        and own
        and not any(a.exact or a.close or a.code_ok for a in assessed)
    ):
        # the form says too little to name anyone (a weak reading, a name found nowhere), and
        # the sender's address is registered to one LAO: that LAO is the one to show first
        reason = f"{reason}; อีเมลผู้ส่งลงทะเบียนเป็นของ {_names_of(senders.laos)}"
        return _uncertain(base, method, reason, [own[0], *listed])
    return _uncertain(base, method, reason, listed)


def _listable(item: _Assessment, claims: Claims) -> bool:
    if item.address_ok or item.code_ok:
        return True
    if not claims.place:
        return False
    return item.score >= CANDIDATE_MIN_SCORE


def _strong_rule(
    item: _Assessment, claims: Claims, assessed: list[_Assessment], coded: LaoRecord | None
) -> str | None:
    if item.hard_conflicts():
        return None
    if item.code_ok is False and coded is not None and _code_rivals(coded, claims):
        return None
    if item.address_ok and (
        not claims.place or item.exact or (item.close and item.type_ok is True)
    ):
        return "sender_address"
    if item.code_ok and item.close and item.type_ok is True:
        return "form_code_and_name"
    if item.exact and item.type_ok is True and item.province_ok is True:
        if item.district_ok is True:
            return "form_name_place"
        if item.district_ok is None and _unique_in_province(item, assessed):
            return "form_name_place"
    if (
        item.close
        and item.type_ok is True
        and item.province_ok is True
        and item.district_ok is True
        and item.mentioned
    ):
        return "form_name_and_text"
    return None


def _code_rivals(coded: LaoRecord, claims: Claims) -> bool:
    """The code names an LAO that the name could mean as well (the same tambon, another type:
    what a stale code after a change of type looks like), or the code is all the form says."""
    return not claims.place or close_names(claims.place, place_of(coded))


def _unique_in_province(item: _Assessment, assessed: list[_Assessment]) -> bool:
    return not any(
        other is not item
        and other.exact
        and other.lao.lao_type == item.lao.lao_type
        and other.lao.province == item.lao.province
        for other in assessed
    )


def _rival(other: _Assessment, winner: _Assessment, claims: Claims) -> bool:
    """Could ``other`` be meant as well as the winner?"""
    if other.hard_conflicts():
        return False
    if winner.code_ok and other.code_ok is False:
        return False  # the code tells two LAOs of one name apart: what codes are for
    if not claims.place:
        return bool(other.address_ok)
    if winner.exact:
        return other.exact
    return other.close and other.score >= winner.score - 5


def _certain(
    base: Identification,
    winner: _Assessment,
    rule: str,
    senders: Senders,
    listed: list[_Assessment],
) -> Identification:
    notes = [_RULE_REASON[rule]]
    if senders.office is not None:
        notes.insert(0, "ส่งต่อโดย " + senders.office.name)
    if winner.code_ok is False:
        notes.append("รหัส อปท. ในแบบรายงานไม่ตรงกับทะเบียน")
    if not winner.exact and winner.close and rule != "sender_address":
        notes.append("ชื่อในแบบรายงานสะกดต่างจากทะเบียนเล็กน้อย")
    details = _details([winner, *listed])
    return Identification(
        lao_code=winner.lao.code,
        certain=True,
        method=rule,
        reason="; ".join(notes),
        candidates=(),
        details=details,
        sender_known=base.sender_known,
        learnable_address=base.learnable_address,
        senders=base.senders,
    )


_RULE_REASON = {
    "sender_address": "ที่อยู่อีเมลผู้ส่งลงทะเบียนไว้ และชื่อในแบบรายงานตรงกัน",
    "form_code_and_name": "รหัสและชื่อ อปท. ในแบบรายงานตรงกัน",
    "form_name_place": "ชื่อ ประเภท อำเภอ และจังหวัดในแบบรายงานตรงกับทะเบียน อปท. เพียงแห่งเดียว",
    "form_name_and_text": "ชื่อในแบบรายงานใกล้เคียง และชื่อในหัวเรื่องหรือเนื้อความตรงกับทะเบียน",
}


def _why_not(
    listed: list[_Assessment], claims: Claims, senders: Senders, coded: LaoRecord | None
) -> tuple[str, str]:
    if not claims.place and not claims.code:
        if senders.office is not None:
            return "office", "ส่งโดย สถจ. แต่ไม่ทราบว่าเป็นแบบรายงานของ อปท. ใด"
        return "none", "ไม่ทราบว่าผู้ส่งเป็น อปท. ใด (อีเมลไม่ได้ลงทะเบียน และไม่พบชื่อ อปท.)"
    if claims.type_conflict:
        return "type_conflict", "ประเภท อปท. ที่กรอกไม่ตรงกับคำนำหน้าชื่อ"
    if claims.province_unresolved is not None:
        return "province_unknown", f"ไม่รู้จักจังหวัด “{claims.province_unresolved}”"
    if senders.laos and not any(a.address_ok and (a.close or not claims.place) for a in listed):
        return (
            "address_conflict",
            f"อีเมลผู้ส่งลงทะเบียนเป็นของ {_names_of(senders.laos)} แต่แบบรายงานระบุ {claims.name}",
        )
    if not listed:
        return "no_match", f"ไม่พบ “{claims.name or claims.code}” ในทะเบียน อปท."
    top = listed[0]
    if claims.types is None:
        return "type_unknown", "แบบรายงานไม่ระบุประเภท อปท. (เทศบาลตำบลหรือ อบต.) จึงเลือกเองไม่ได้"
    if top.close and not top.exact:
        return "name_typo", f"ชื่อ “{claims.name}” ใกล้เคียงกับ {top.lao.name} แต่ไม่ตรงทุกตัวอักษร"
    if top.exact and top.district_ok is None and top.province_ok is not False:
        return "ambiguous", "ชื่อนี้มีหลายแห่ง และแบบรายงานไม่ระบุอำเภอหรือจังหวัด"
    if top.code_ok is False and coded is not None:
        return "code_conflict", f"รหัส อปท. ในแบบรายงานเป็นของ {coded.name} แต่ชื่อไม่ตรงกัน"
    return "weak", "หลักฐานไม่พอหรือขัดกัน (" + ", ".join(top.conflicts or ["-"]) + ")"


def _uncertain(
    base: Identification, method: str, reason: str, items: Sequence[_Assessment]
) -> Identification:
    details = _details(items)
    return Identification(
        lao_code=None,
        certain=False,
        method=method,
        reason=reason,
        candidates=tuple(c.code for c in details),
        details=details,
        sender_known=base.sender_known,
        learnable_address=base.learnable_address,
        senders=base.senders,
    )


def _details(items: Sequence[_Assessment]) -> tuple[Candidate, ...]:
    seen: dict[str, Candidate] = {}
    for item in items:
        if item.lao.code in seen or len(seen) >= MAX_CANDIDATES:
            continue
        seen[item.lao.code] = Candidate(
            code=item.lao.code,
            name=item.lao.name,
            province=item.lao.province,
            district=item.lao.district,
            lao_type=item.lao.lao_type,
            score=item.score,
            agrees=tuple(item.agrees),
            conflicts=tuple(item.conflicts),
        )
    return tuple(seen.values())


def _names(items: Sequence[_Assessment]) -> str:
    return _names_of([i.lao for i in items])


def _names_of(records: Sequence[LaoRecord]) -> str:
    return ", ".join(f"{r.name} ({r.code})" for r in records[:4])
