"""The registry as the *identify* stage sees it (:class:`ingest.identify.RegistryView`), on SQL."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.identify import LaoRecord
from storage.models import Lao, LaoAddress


def _record(lao: Lao) -> LaoRecord:
    return LaoRecord(
        code=lao.code,
        name=lao.name,
        lao_type=lao.lao_type,
        province=lao.province,
        district=lao.district,
    )


class SqlRegistryView:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_code(self, code: str) -> LaoRecord | None:
        lao = self._session.get(Lao, code)
        return _record(lao) if lao is not None else None

    def by_address(self, address: str) -> Sequence[LaoRecord]:
        rows = self._session.scalars(
            select(Lao)
            .join(LaoAddress, LaoAddress.lao_code == Lao.code)
            .where(LaoAddress.address == address.lower())
            .order_by(Lao.code)
        )
        return [_record(lao) for lao in rows]

    def by_name(self, name_key: str, province_key: str | None) -> Sequence[LaoRecord]:
        query = select(Lao).where(Lao.name_key == name_key)
        if province_key:
            query = query.where(Lao.province == province_key)
        return [_record(lao) for lao in self._session.scalars(query.order_by(Lao.code))]
