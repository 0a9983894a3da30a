"""Stage *identify*: which LAO sent this form?

Evidence, strongest first: the LAO code written on the form checked against its name, the
registered (or reviewer-learned) sender address, the name/type/province on the form. A provincial
office (สถจ.) address is not evidence for an LAO: its mail is "forwarded on behalf of", and the
original sender inside a forward counts instead. The decision is automatic only when the evidence
agrees; otherwise the submission waits for a person with the candidates and the reason.

The registry is reached through :class:`RegistryView`, so the logic is tested without a database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ingest import laonames


@dataclass(frozen=True, slots=True)
class LaoRecord:
    code: str
    name: str
    lao_type: str
    province: str
    district: str | None


class RegistryView(Protocol):
    def by_code(self, code: str) -> LaoRecord | None: ...
    def by_address(self, address: str) -> Sequence[LaoRecord]: ...
    def by_name(self, name_key: str, province_key: str | None) -> Sequence[LaoRecord]: ...


@dataclass(frozen=True, slots=True)
class Identification:
    lao_code: str | None
    certain: bool
    method: str
    reason: str
    candidates: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "lao_code": self.lao_code,
            "certain": self.certain,
            "method": self.method,
            "reason": self.reason,
            "candidates": list(self.candidates),
        }


def identify(
    registry: RegistryView,
    *,
    sender_addresses: Sequence[str],
    form_fields: Mapping[str, Any] | None,
) -> Identification:
    """Decide the LAO from the senders (outermost first, then forwarded ones) and the form."""
    fields = form_fields or {}
    form_name = str(fields.get("lao_name") or "").strip()
    form_province = str(fields.get("province") or "").strip()
    form_code = str(fields.get("lao_code") or "").strip()

    by_sender: list[LaoRecord] = []
    via_office = False
    for address in sender_addresses:
        records = [r for r in registry.by_address(address) if r.lao_type != "provincial_office"]
        if any(r.lao_type == "provincial_office" for r in registry.by_address(address)):
            via_office = True
        if records:
            by_sender = records
            break

    by_form: list[LaoRecord] = []
    if form_name:
        by_form = list(
            registry.by_name(
                laonames.key(form_name),
                laonames.province_key(form_province) if form_province else None,
            )
        )
    coded = registry.by_code(form_code) if form_code else None

    # 1. The code on the form names an LAO whose name agrees with the form's name.
    if coded is not None and form_name and laonames.key(coded.name) == laonames.key(form_name):
        if by_sender and coded not in by_sender:
            return _uncertain(
                "code_and_name",
                f"แบบรายงานเป็นของ {coded.name} แต่ผู้ส่งลงทะเบียนเป็นของหน่วยงานอื่น",
                [coded, *by_sender],
            )
        return Identification(
            coded.code, True, "form_code_and_name", "รหัสและชื่อ อปท. ในแบบรายงานตรงกัน"
        )

    # 2. A registered sender address.
    if len(by_sender) == 1:
        lao = by_sender[0]
        if not form_name or laonames.key(form_name) == laonames.key(lao.name):
            return Identification(lao.code, True, "sender_address", "ที่อยู่อีเมลผู้ส่งลงทะเบียนไว้")
        return _uncertain(
            "sender_address",
            f"อีเมลผู้ส่งลงทะเบียนเป็นของ {lao.name} แต่แบบรายงานระบุ {form_name}",
            [lao, *by_form],
        )
    if len(by_sender) > 1:
        matching = [
            r for r in by_sender if form_name and laonames.key(r.name) == laonames.key(form_name)
        ]
        if len(matching) == 1:
            return Identification(
                matching[0].code, True, "sender_address_and_name", "อีเมลและชื่อตรงกัน"
            )
        return _uncertain("sender_address", "อีเมลผู้ส่งใช้ร่วมกันหลายหน่วยงาน", by_sender)

    # 3. Unknown sender: the form's own name, type and province must single out one LAO.
    if len(by_form) == 1 and form_province and (coded is None or coded == by_form[0]):
        lao = by_form[0]
        note = "ส่งต่อโดยสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด; " if via_office else ""
        return Identification(
            lao.code,
            True,
            "form_name_province",
            note + "ชื่อ ประเภท และจังหวัดในแบบรายงานตรงกับทะเบียน อปท. เพียงแห่งเดียว",
        )
    if by_form:
        return _uncertain("form_name", "ชื่อในแบบรายงานตรงกับหลายหน่วยงาน", by_form)
    return Identification(None, False, "none", "ไม่ทราบว่าผู้ส่งเป็น อปท. ใด (อีเมลไม่ได้ลงทะเบียน)")


def _uncertain(method: str, reason: str, candidates: Sequence[LaoRecord]) -> Identification:
    seen: list[str] = []
    for record in candidates:
        if record.code not in seen:
            seen.append(record.code)
    return Identification(None, False, method, reason, tuple(seen))
