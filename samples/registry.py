"""The SYNTHETIC LAO registry for the demo and the tests (``onep-inbox registry sample``).

No public LAO list can be shipped, so this builds a made-up one from real administrative
divisions (geothai, data CC-BY-4.0: print ``ATTRIBUTION`` wherever the sample is written).
The recipe is the one of ``lao-registry.md``; the output is the same on every run:

- Bangkok: one row, ``bangkok``, code ``1000000`` (its แขวง are not LAOs).
- Each other province: one อบจ. (``2 PP 01 01``), one สถจ. (``P<PP>``), and a municipality at the
  provincial seat's first subdistrict, named after the province (เทศบาลนคร for the seats in
  ``CITY_SEATS``, else เทศบาลเมือง).
- Every other subdistrict: one LAO, เทศบาลตำบล or อบต.; a few tambons get both, so that
  the same tambon name belongs to two types in one district. About 30 % of tambon LAOs are
  เทศบาลตำบล. เมืองพัทยา (``3200401``) takes the place of ต.นาเกลือ, อ.บางละมุง.
- Codes ``T PP DD NN``: NN runs per district and type digit. Address ``saraban_0<code>@dla.go.th``
  (สถจ.: ``p<PP>@dla.go.th``). Nothing here is DLA's real data.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import Final

import geothai

from storage.registry import RegistryRow

SYNTHETIC: Final = True
"""Every row of the sample is made up: import it with ``import_rows(..., synthetic=True)``."""
SAMPLE_FILE_NAME: Final = "lao-registry-SYNTHETIC.csv"
ATTRIBUTION: Final = (
    "SYNTHETIC registry: the LAOs, codes and addresses are made up, not DLA's list. Built from "
    f"GeoThai/data {geothai.DATA_VERSION} via the geothai package (c) Pongsakorn Thipayanate, "
    "https://github.com/GeoThai/data, licensed CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/); source of the divisions: "
    "Department of Provincial Administration (กรมการปกครอง). Changes: LAO rows derived from the "
    "provinces, districts and subdistricts."
)

SEED: Final = 2564
BOTH_SHARE: Final = 0.0726
"""Share of tambons that have both a เทศบาลตำบล and an อบต."""
MUNICIPALITY_SHARE: Final = 0.30
"""Share of tambon LAOs (both included) that are เทศบาลตำบล."""
CITY_SEATS: Final = frozenset(
    {
        "11",
        "12",
        "14",
        "21",
        "30",
        "34",
        "40",
        "41",
        "47",
        "50",
        "52",
        "57",
        "60",
        "65",
        "70",
        "73",
        "74",
        "80",
        "83",
        "84",
        "90",
        "92",
        "95",
    }
)
"""Provinces whose seat is a เทศบาลนคร (roughly the real ones)."""
BANGKOK: Final = "10"
PATTAYA_CODE: Final = "3200401"
PATTAYA_SUBDISTRICT: Final = "200408"
"""ต.นาเกลือ, อ.บางละมุง, ชลบุรี."""

_PREFIX: Final = {
    "pao": "องค์การบริหารส่วนจังหวัด",
    "city_municipality": "เทศบาลนคร",
    "town_municipality": "เทศบาลเมือง",
    "subdistrict_municipality": "เทศบาลตำบล",
    "sao": "องค์การบริหารส่วนตำบล",
    "provincial_office": "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด",
}
_TYPE_DIGIT: Final = {
    "pao": "2",
    "city_municipality": "3",
    "pattaya": "3",
    "town_municipality": "4",
    "subdistrict_municipality": "5",
    "sao": "6",
}


SAMPLE_SHARE: Final = 0.5
"""A file is taken for the sample when at least this share of its rows are sample rows."""


def looks_like_sample(rows: Sequence[RegistryRow]) -> bool:
    """Whether ``rows`` are (mostly) this synthetic sample: the same codes with the same names
    and addresses. ``registry import`` warns when such a file comes without ``--synthetic``."""
    if not rows:
        return False
    sample = {(r.lao_code, r.name, r.emails) for r in sample_rows()}
    same = sum((r.lao_code, r.name, r.emails) in sample for r in rows)
    return same >= SAMPLE_SHARE * len(rows)


def sample_rows() -> list[RegistryRow]:
    """The synthetic registry (~7,930 rows), in province, district, subdistrict order."""
    builder = _Builder()
    tambon_kinds = _tambon_kinds()
    builder.add("bangkok", "กรุงเทพมหานคร", "กรุงเทพมหานคร", code="1000000")
    for province in geothai.provinces():
        if province.code == BANGKOK:
            continue
        name = province.name_th
        builder.add("pao", _PREFIX["pao"] + name, name, district_code=province.code + "01")
        builder.rows.append(
            RegistryRow(
                lao_code=f"P{province.code}",
                name=_PREFIX["provincial_office"] + name,
                lao_type="provincial_office",
                province=name,
                emails=(f"p{province.code}@dla.go.th",),
            )
        )
        for district in geothai.districts(province.code):
            for tambon in geothai.subdistricts(district.code):
                place = {"district": district.name_th, "subdistrict": tambon.name_th}
                for lao_type in tambon_kinds.get(tambon.code, ()):
                    if lao_type in ("city_municipality", "town_municipality"):
                        lao_name = _PREFIX[lao_type] + name
                    else:
                        lao_name = _PREFIX[lao_type] + tambon.name_th
                    builder.add(lao_type, lao_name, name, district_code=district.code, **place)
                if tambon.code == PATTAYA_SUBDISTRICT:
                    builder.add("pattaya", "เมืองพัทยา", name, code=PATTAYA_CODE, **place)
    return builder.rows


def _tambon_kinds() -> dict[str, tuple[str, ...]]:
    """Subdistrict code -> the LAO types it gets (the seat and ต.นาเกลือ handled here too)."""
    kinds: dict[str, tuple[str, ...]] = {}
    tambons: list[str] = []
    for province in geothai.provinces():
        if province.code == BANGKOK:
            continue
        seat_type = "city_municipality" if province.code in CITY_SEATS else "town_municipality"
        for index, district in enumerate(geothai.districts(province.code)):
            for position, tambon in enumerate(geothai.subdistricts(district.code)):
                if index == 0 and position == 0:
                    kinds[tambon.code] = (seat_type,)
                elif tambon.code == PATTAYA_SUBDISTRICT:
                    kinds[tambon.code] = ()
                else:
                    tambons.append(tambon.code)
    rng = random.Random(SEED)
    draw = {code: rng.random() for code in tambons}
    shuffled = sorted(tambons, key=draw.__getitem__)
    both = round(len(tambons) * BOTH_SHARE)
    municipalities = round((len(tambons) + both) * MUNICIPALITY_SHARE)
    for rank, code in enumerate(shuffled):
        if rank < both:
            kinds[code] = ("subdistrict_municipality", "sao")
        elif rank < municipalities:
            kinds[code] = ("subdistrict_municipality",)
        else:
            kinds[code] = ("sao",)
    return kinds


class _Builder:
    """Collects rows and hands out running numbers per (type digit, district)."""

    def __init__(self) -> None:
        self.rows: list[RegistryRow] = []
        self._running: Counter[str] = Counter({PATTAYA_CODE[:5]: int(PATTAYA_CODE[5:])})

    def add(
        self,
        lao_type: str,
        name: str,
        province: str,
        *,
        code: str | None = None,
        district_code: str = "",
        district: str | None = None,
        subdistrict: str | None = None,
    ) -> None:
        if code is None:
            stem = _TYPE_DIGIT[lao_type] + district_code
            self._running[stem] += 1
            code = f"{stem}{self._running[stem]:02d}"
        self.rows.append(
            RegistryRow(
                lao_code=code,
                name=name,
                lao_type=lao_type,
                province=province,
                district=district,
                subdistrict=subdistrict,
                emails=(f"saraban_0{code}@dla.go.th",),
            )
        )
