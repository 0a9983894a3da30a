"""The registry as the *identify* stage sees it (:class:`ingest.evidence.RegistryView`), on SQL.

Every lookup is indexed: ``laos.code`` (primary key), ``lao_addresses.address``,
``laos.name_key``, ``laos.province``. Fuzzy matching needs one province's rows (at most about
1,100); they are loaded once per view, and a view lives for one session (one message, or one
benchmark run), so nothing stale outlives a transaction. The 77 province names come from the
registry's own validation list (:func:`storage.registry.province_names`), not from a query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.laonames import LaoRecord
from storage.models import Lao, LaoAddress
from storage.registry import province_names

_COLUMNS = (Lao.code, Lao.name, Lao.lao_type, Lao.province, Lao.district)
if TYPE_CHECKING:
    from sqlalchemy import Select

    _Query = Select[str, str, str, str, str | None]


def _records(session: Session, query: _Query) -> list[LaoRecord]:
    return [
        LaoRecord(code=code, name=name, lao_type=lao_type, province=province, district=district)
        for code, name, lao_type, province, district in session.execute(query)
    ]


class SqlRegistryView:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._provinces: dict[str, list[LaoRecord]] = {}
        self._province_names: list[str] | None = None

    def by_code(self, code: str) -> LaoRecord | None:
        found = _records(self._session, select(*_COLUMNS).where(Lao.code == code))
        return found[0] if found else None

    def by_address(self, address: str) -> Sequence[LaoRecord]:
        return _records(
            self._session,
            select(*_COLUMNS)
            .join(LaoAddress, LaoAddress.lao_code == Lao.code)
            .where(LaoAddress.address == address.strip().lower())
            .order_by(Lao.code),
        )

    def by_name(self, name_key: str, province_key: str | None) -> Sequence[LaoRecord]:
        query = select(*_COLUMNS).where(Lao.name_key == name_key)
        if province_key:
            query = query.where(Lao.province == province_key)
        return _records(self._session, query.order_by(Lao.code))

    def by_name_keys(self, name_keys: Sequence[str]) -> Sequence[LaoRecord]:
        if not name_keys:
            return []
        query = select(*_COLUMNS).where(Lao.name_key.in_(list(name_keys))).order_by(Lao.code)
        return _records(self._session, query)

    def in_province(self, province: str) -> Sequence[LaoRecord]:
        rows = self._provinces.get(province)
        if rows is None:
            query = select(*_COLUMNS).where(Lao.province == province).order_by(Lao.code)
            rows = self._provinces[province] = _records(self._session, query)
        return rows

    def provinces(self) -> Sequence[str]:
        if self._province_names is None:
            self._province_names = sorted(province_names())
        return self._province_names
