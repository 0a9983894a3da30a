"""The LAO registry: the synthetic sample, the CSV (parse, write, errors) and the upsert.

``_import_roundtrip(engine)`` is backend-neutral; it runs here on SQLite and is meant to be
called with a PostgreSQL engine too once the shared postgres fixture exists.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import geothai
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from samples import registry as sample
from storage.db import make_engine, make_session_factory, migrate
from storage.models import Lao, LaoAddress
from storage.registry import (
    HEADER,
    LAO_TYPES,
    RegistryError,
    RegistryRow,
    code_problem,
    import_rows,
    parse_csv,
    write_csv,
)

T1 = datetime(2021, 8, 23, 9, 0, tzinfo=UTC)
T2 = datetime(2021, 8, 24, 9, 0, tzinfo=UTC)
T3 = datetime(2021, 8, 25, 9, 0, tzinfo=UTC)
HEADER_LINE = ",".join(HEADER)


@pytest.fixture(scope="module")
def rows() -> list[RegistryRow]:
    return sample.sample_rows()


def _csv_bytes(rows: list[RegistryRow], *, encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    write_csv(rows, out)
    return out.getvalue().encode(encoding)


# --- the synthetic sample -------------------------------------------------------------------


def test_sample_counts_follow_the_recipe(rows: list[RegistryRow]) -> None:
    provinces = [p for p in geothai.provinces() if p.code != sample.BANGKOK]
    subdistricts = [
        s
        for p in provinces
        for d in geothai.districts(p.code)
        for s in geothai.subdistricts(d.code)
    ]
    tambons = len(subdistricts) - len(provinces) - 1  # minus the seats and ต.นาเกลือ (Pattaya)
    both = round(tambons * sample.BOTH_SHARE)
    municipalities = round((tambons + both) * sample.MUNICIPALITY_SHARE)

    counts = Counter(row.lao_type for row in rows)
    assert counts == {
        "pao": 76,
        "provincial_office": 76,
        "bangkok": 1,
        "pattaya": 1,
        "city_municipality": len(sample.CITY_SEATS),
        "town_municipality": 76 - len(sample.CITY_SEATS),
        "subdistrict_municipality": municipalities,
        "sao": tambons + both - municipalities,
    }
    assert set(counts) == set(LAO_TYPES)
    assert len(rows) == 154 + 76 + tambons + both
    assert 7_900 <= len(rows) <= 7_960  # 7,930 with GeoThai/data 2026.10.23
    assert 0.28 <= municipalities / (tambons + both) <= 0.32


def test_sample_is_deterministic(rows: list[RegistryRow]) -> None:
    assert sample.sample_rows() == rows


def test_sample_codes_names_and_addresses(rows: list[RegistryRow]) -> None:
    assert len({row.lao_code for row in rows}) == len(rows)
    prefixes = {
        "pao": "องค์การบริหารส่วนจังหวัด",
        "city_municipality": "เทศบาลนคร",
        "town_municipality": "เทศบาลเมือง",
        "subdistrict_municipality": "เทศบาลตำบล",
        "sao": "องค์การบริหารส่วนตำบล",
        "provincial_office": "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด",
    }
    provinces = {p.name_th: p.code for p in geothai.provinces()}
    for row in rows:
        assert code_problem(row.lao_code, row.lao_type) is None, row
        assert row.province in provinces, row
        if row.lao_type in prefixes:
            assert row.name.startswith(prefixes[row.lao_type]), row
        if row.lao_type == "provincial_office":
            assert row.lao_code == f"P{provinces[row.province]}"
            assert row.emails == (f"p{provinces[row.province]}@dla.go.th",)
            assert row.district is None
            assert row.subdistrict is None
        else:
            assert row.emails == (f"saraban_0{row.lao_code}@dla.go.th",)
        if row.lao_type == "pao":
            assert row.lao_code == f"2{provinces[row.province]}0101"
        if row.lao_type in ("subdistrict_municipality", "sao"):
            assert row.lao_code[1:3] == provinces[row.province]
            assert row.name.endswith(row.subdistrict or "?")
    by_code = {row.lao_code: row for row in rows}
    assert by_code["1000000"].name == "กรุงเทพมหานคร"
    assert by_code["1000000"].lao_type == "bangkok"
    assert by_code["3200401"].name == "เมืองพัทยา"
    assert by_code["3200401"].province == "ชลบุรี"
    assert by_code["2730101"].name == "องค์การบริหารส่วนจังหวัดนครปฐม"


def test_sample_covers_every_subdistrict_and_shares_tambon_names(
    rows: list[RegistryRow],
) -> None:
    types_at: dict[tuple[str, str | None, str | None], set[str]] = defaultdict(set)
    for row in rows:
        types_at[(row.province, row.district, row.subdistrict)].add(row.lao_type)
    for province in geothai.provinces():
        if province.code == sample.BANGKOK:
            continue
        for district in geothai.districts(province.code):
            for tambon in geothai.subdistricts(district.code):
                assert types_at[(province.name_th, district.name_th, tambon.name_th)], tambon
    shared = [
        place for place, types in types_at.items() if {"subdistrict_municipality", "sao"} <= types
    ]
    assert len(shared) == round(
        (
            sum(1 for row in rows if row.lao_type in ("subdistrict_municipality", "sao"))
            - len(shared)
        )
        * sample.BOTH_SHARE
    )
    names = {row.name for row in rows}
    shared_tambon = shared[0][2]
    assert f"เทศบาลตำบล{shared_tambon}" in names
    assert f"องค์การบริหารส่วนตำบล{shared_tambon}" in names


def test_sample_is_marked_synthetic() -> None:
    assert sample.SYNTHETIC is True
    assert "SYNTHETIC" in sample.SAMPLE_FILE_NAME
    assert "CC BY 4.0" in sample.ATTRIBUTION
    assert "GeoThai" in sample.ATTRIBUTION


# --- the CSV ---------------------------------------------------------------------------------


def test_sample_round_trips_through_the_csv(rows: list[RegistryRow]) -> None:
    assert parse_csv(_csv_bytes(rows)) == rows
    assert parse_csv(_csv_bytes(rows, encoding="utf-8-sig")) == rows


def test_parse_normalises_what_people_type() -> None:
    data = (
        f"{HEADER_LINE}\r\n"
        "๖๗๓๐๒๐๑, องค์การบริหารส่วนตำบลทุ่งกระพังโหม ,sao,จ.นครปฐม,อ.กำแพงแสน,ต.ทุ่งกระพังโหม,"
        '" Saraban_06730201@DLA.go.th ; abt.tkp@Gmail.com;"\r\n'
        "\r\n"
        "p52,สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดลำปาง,provincial_office,"
        "\u0e25\u0e4d\u0e32\u0e1b\u0e32\u0e07,,,\r\n"
    ).encode()
    assert parse_csv(data) == [
        RegistryRow(
            lao_code="6730201",
            name="องค์การบริหารส่วนตำบลทุ่งกระพังโหม",
            lao_type="sao",
            province="นครปฐม",
            district="กำแพงแสน",
            subdistrict="ทุ่งกระพังโหม",
            emails=("saraban_06730201@dla.go.th", "abt.tkp@gmail.com"),
        ),
        RegistryRow(
            lao_code="P52",
            name="สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดลำปาง",
            lao_type="provincial_office",
            province="ลำปาง",
        ),
    ]


def test_parse_reports_every_bad_row_by_line() -> None:
    good = "6730201,องค์การบริหารส่วนตำบลทุ่งกระพังโหม,sao,นครปฐม,กำแพงแสน,ทุ่งกระพังโหม,a@b.go.th"
    lines = [
        HEADER_LINE,  # 1
        good,  # 2
        '5730201,"เทศบาลตำบล\nสองบรรทัด",subdistrict_municipality,นครปฐม,,,',  # 3-4, fine
        "673020,อบต.สั้น,sao,นครปฐม,,,",  # 5 code too short
        "7730201,อบต.เจ็ด,sao,นครปฐม,,,",  # 6 bad type digit
        "6990201,อบต.เก้าเก้า,sao,นครปฐม,,,",  # 7 no province 99
        "P73,สถจ.ที่เป็นอบต.,sao,นครปฐม,,,",  # 8 P code on an LAO
        "6730202,อบต.ไม่รู้ประเภท,village,นครปฐม,,,",  # 9 lao_type
        "6730203,,sao,นครปฐม,,,",  # 10 empty name
        "6730204,อบต.ไม่มีจังหวัด,sao,,,,",  # 11 empty province
        "6730205,อบต.ต่างแดน,sao,เวียงจันทน์,,,",  # 12 unknown province
        "6730206,อบต.อีเมลเสีย,sao,นครปฐม,,,a@b.go.th;not-an-address",  # 13 email
        "6730207,อบต.จุลภาค,sao,นครปฐม,,,a@b.go.th, c@d.go.th",  # 14 comma: 8 columns
        "6730201,อบต.ซ้ำ,sao,นครปฐม,,,",  # 15 duplicate of line 2
        "P999,สถจ.,provincial_office,นครปฐม,,,",  # 16 office code
        "6730208,,village,,,,x",  # 17 four problems on one line
    ]
    with pytest.raises(RegistryError) as caught:
        parse_csv("\n".join(lines).encode())
    by_line = Counter(line for line, _reason in caught.value.errors)
    assert by_line == {**dict.fromkeys(range(5, 17), 1), 17: 4}
    reasons = dict(caught.value.errors)
    assert "T PP DD NN" in reasons[5]
    assert "village" in reasons[9]
    assert "เวียงจันทน์" in reasons[12]
    assert "not-an-address" in reasons[13]
    assert "8" in reasons[14]
    assert "line 2" in reasons[15]
    assert "บรรทัด 2" in reasons[15]
    assert "บรรทัด/line 17" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"", 1),
        (b"code,name\n1,x\n", 1),
        (b"lao_code,name,lao_type,district,subdistrict,emails\n", 1),
        # 0xDB and 0xFC are neither UTF-8 nor windows-874
        (f"{HEADER_LINE}\n6730201,\xdb\xfc,sao,นครปฐม,,,\n".encode("latin-1", "replace"), 2),
    ],
    ids=["empty", "wrong-header", "missing-province", "neither-utf8-nor-cp874"],
)
def test_parse_rejects_a_bad_file(data: bytes, line: int) -> None:
    with pytest.raises(RegistryError) as caught:
        parse_csv(data)
    assert [error_line for error_line, _ in caught.value.errors] == [line]


def test_header_alone_is_an_empty_registry() -> None:
    assert parse_csv(f"\ufeff{HEADER_LINE}\n".encode()) == []


# --- the import ------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    assert request.param == "sqlite"
    engine = make_engine("sqlite:///" + str(tmp_path / "t.sqlite3"))
    yield engine
    engine.dispose()


def test_import_roundtrip(engine: Engine) -> None:
    _import_roundtrip(engine)


def _import_roundtrip(engine: Engine) -> None:
    """The whole upsert story on one (empty) database; backend-neutral."""
    migrate(engine)
    sessions = make_session_factory(engine)
    rows = sample.sample_rows()

    with sessions() as session:
        first = import_rows(session, rows, now=T1, synthetic=True)
        session.commit()
    assert (first.inserted, first.updated, first.unchanged) == (len(rows), 0, 0)
    assert first.addresses_added == len(rows)

    learned_for, renamed, moved = rows[100], rows[200], rows[300]
    with sessions() as session:
        session.add(
            LaoAddress(
                address="nayok.abt@gmail.com",
                lao_code=learned_for.lao_code,
                source="learned",
                created_at=T1,
                created_by="reviewer",
            )
        )
        session.commit()

    with sessions() as session:
        again = import_rows(session, rows, now=T2, synthetic=True)
        session.commit()
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(rows))
    assert (again.addresses_added, again.addresses_removed) == (0, 0)

    new_row = RegistryRow("6730299", "องค์การบริหารส่วนตำบลใหม่", "sao", "นครปฐม", "กำแพงแสน")
    changed = list(rows)
    changed[200] = replace(renamed, name=renamed.name + "ใหม่", district="ที่อื่น")
    changed[300] = replace(moved, emails=("new.mailbox@example.go.th",))
    with sessions() as session:
        third = import_rows(session, [*changed, new_row], now=T3, synthetic=True)
        session.commit()
    assert (third.inserted, third.updated, third.unchanged) == (1, 2, len(rows) - 2)
    assert (third.addresses_added, third.addresses_removed) == (1, 1)

    with sessions() as session:
        lao = session.get_one(Lao, renamed.lao_code)
        assert (lao.name, lao.district, lao.updated_at) == (renamed.name + "ใหม่", "ที่อื่น", T3)
        assert lao.synthetic is True
        assert session.get_one(Lao, rows[0].lao_code).updated_at == T1
        assert session.get_one(Lao, new_row.lao_code).subdistrict is None
        assert _addresses(session, moved.lao_code) == {("new.mailbox@example.go.th", "registry")}
        assert _addresses(session, learned_for.lao_code) == {
            (learned_for.emails[0], "registry"),
            ("nayok.abt@gmail.com", "learned"),
        }
        total = session.scalar(select(func.count()).select_from(Lao))
        assert total == len(rows) + 1

    # A registry that no longer lists an address removes it, but never a learned one.
    with sessions() as session:
        fourth = import_rows(session, [replace(learned_for, emails=())], now=T3, synthetic=False)
        session.commit()
        assert (fourth.updated, fourth.addresses_removed) == (1, 1)
        assert _addresses(session, learned_for.lao_code) == {("nayok.abt@gmail.com", "learned")}
        assert session.get_one(Lao, learned_for.lao_code).synthetic is False

    # A bad file changes nothing: parse_csv raises before anything is imported.
    bad = _csv_bytes([replace(rows[0], name="ชื่อใหม่"), replace(rows[1], province="ไม่มี")])
    with sessions() as session, pytest.raises(RegistryError):
        import_rows(session, parse_csv(bad), now=T3)
    with sessions() as session:
        assert session.get_one(Lao, rows[0].lao_code).name == rows[0].name


def _addresses(session: Session, code: str) -> set[tuple[str, str]]:
    query = select(LaoAddress.address, LaoAddress.source).where(LaoAddress.lao_code == code)
    return {(address, source) for address, source in session.execute(query)}


def test_import_refuses_duplicate_codes_and_naive_times(engine: Engine) -> None:
    migrate(engine)
    row = RegistryRow("6730201", "อบต.หนึ่ง", "sao", "นครปฐม")
    with make_session_factory(engine)() as session:
        with pytest.raises(ValueError, match="6730201"):
            import_rows(session, [row, row], now=T1)
        with pytest.raises(ValueError, match="timezone"):
            import_rows(session, [row], now=datetime(2021, 8, 23))
