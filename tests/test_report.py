"""Reports for people: the xlsx workbook, the CSV beside it, on SQLite and PostgreSQL.

Forms go through the real pipeline (a Maildir, poll, process), then ``export``: the columns
follow the form on both backends (PostgreSQL's JSONB does not keep key order), the workbook
has Thai headers over the machine keys, numbers and Buddhist-era dates, a frozen header and
filters, a province summary and the missing LAOs; it opens in openpyxl and in LibreOffice;
text a sender chose that looks like a formula stays text.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli import main
from ingest.services import Services
from parsers.schema import load_schema
from samples.registry import sample_rows
from staff.export import form_columns, write_csv
from staff.workbook import SHEETS, build_report, write_xlsx
from storage.queries import export_record, export_rows
from storage.registry import RegistryRow
from tests.support import deliver, embedded_services, lao_form, lao_mail

NOW = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)
EVIL_NAME = '=HYPERLINK("http://evil.example/x","คลิกเพื่อดู").xlsx'
EVIL_PROBLEM = "+66 น้ำท่วมขัง ต้นไม้ตาย"


@pytest.fixture(scope="module")
def registry() -> list[RegistryRow]:
    return [row for row in sample_rows() if row.province in ("พะเยา", "น่าน")]


@pytest.fixture
def services(tmp_path: Path, db_url: str, registry: list[RegistryRow]) -> Iterator[Services]:
    services = embedded_services(tmp_path, db_url, registry, NOW)
    laos = [row for row in registry if row.lao_type == "sao" and row.province == "พะเยา"]
    deliver(
        services,
        lao_mail(laos[0].emails[0], when=NOW - timedelta(days=3), attachment=lao_form(laos[0])),
    )
    deliver(
        services,
        lao_mail(
            laos[1].emails[0],
            when=NOW - timedelta(days=2),
            attachment=lao_form(laos[1], seed=2, problems=EVIL_PROBLEM),
            filename=EVIL_NAME,
            tag="evil",
        ),
    )
    with services:
        yield services


def _records(services: Services) -> list[dict[str, object]]:
    with services.sessions() as session:
        return [export_record(row) for row in export_rows(session, everything=False)]


def test_columns_follow_the_form_on_either_backend(services: Services) -> None:
    out = io.StringIO()
    write_csv(_records(services), out, None, "2564.1")
    header = next(csv.reader(io.StringIO(out.getvalue())))
    expected = [c.key for c in form_columns(load_schema("2564.1"))]
    fields = [key for key in header if key.startswith("fields.")]
    assert fields == [key for key in expected if key in fields]
    order = [
        "fields.lao_name",
        "fields.population",
        "fields.green_public_sites",
        "fields.green_other_area_m2",
        "fields.green_total_area_m2",
        "fields.has_local_plan",
        "fields.budget_total_baht",
        "fields.problems",
        "fields.report_date",
    ]
    assert [header.index(key) for key in order] == sorted(header.index(key) for key in order)
    assert header[:3] == ["submission_id", "message_id", "attachment"]
    assert header[-1] == "problems"


def test_csv_cells_that_look_like_formulas_get_a_quote(services: Services) -> None:
    out = io.StringIO()
    write_csv(_records(services), out, None, "2564.1")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    evil = next(row for row in rows if row["attachment"].startswith("'"))
    assert evil["attachment"] == "'" + EVIL_NAME
    assert evil["fields.problems"] == "'" + EVIL_PROBLEM
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def test_the_workbook_for_people(services: Services, tmp_path: Path) -> None:
    with services.sessions() as session:
        report = build_report(session, everything=False, form_version="2564.1")
    path = tmp_path / "report.xlsx"
    with path.open("wb") as out:
        write_xlsx(report, out)
    book = load_workbook(path)
    assert book.sheetnames == list(SHEETS)
    sheet = book[SHEETS[0]]
    thai = [cell.value for cell in sheet[1]]
    keys = [cell.value for cell in sheet[2]]
    assert thai[:2] == ["เลขที่รับ", "Message-ID ของอีเมล"]
    assert "จำนวนประชากร (ทะเบียนราษฎร์) (คน)" in thai or "จำนวนประชากร (ทะเบียนราษฎร์)" in thai
    assert keys[thai.index("เลขที่รับ")] == "submission_id"
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:{sheet.cell(2, len(keys)).column_letter}4"
    rows = {sheet.cell(r, 1).value: r for r in (3, 4)}
    for receipt, row in rows.items():
        assert str(receipt).startswith("ONEP-2564-")
        cell = sheet.cell(row, keys.index("received_at") + 1)
        assert isinstance(cell.value, datetime)  # a real date, Bangkok time
        assert "107041E" in cell.number_format  # shown in the Buddhist era
        population = sheet.cell(row, keys.index("fields.population") + 1)
        assert isinstance(population.value, int)
        assert population.number_format == "#,##0"
        report_date = sheet.cell(row, keys.index("fields.report_date") + 1)
        assert isinstance(report_date.value, datetime)
        assert sheet.cell(row, keys.index("status") + 1).value in ("รับแล้ว", "รอตรวจสอบ")
        assert sheet.cell(row, keys.index("fields.has_local_plan") + 1).value in ("มี", "ไม่มี")
    evil = next(
        sheet.cell(r, keys.index("attachment") + 1)
        for r in (3, 4)
        if str(sheet.cell(r, keys.index("attachment") + 1).value).startswith("=")
    )
    assert evil.value == EVIL_NAME
    assert evil.data_type == "s"  # text, not a formula

    provinces = book[SHEETS[2]]
    assert [c.value for c in provinces[2]][:5] == [
        "province",
        "laos",
        "reported",
        "in_review",
        "missing",
    ]
    body = [[c.value for c in row] for row in provinces.iter_rows(min_row=3)]
    assert [row[0] for row in body] == ["น่าน", "พะเยา", "ทั้งประเทศ"]
    nan, phayao, country = body
    laos = [row for row in sample_rows() if row.province in ("พะเยา", "น่าน")]
    assert country[1] == sum(row.lao_type != "provincial_office" for row in laos)
    assert (phayao[2] + phayao[3], phayao[4]) == (2, phayao[1] - 2)  # both forms: พะเยา
    assert (nan[2], nan[3], nan[4]) == (0, 0, nan[1])

    missing = book[SHEETS[3]]
    codes = [row[0].value for row in missing.iter_rows(min_row=3)]
    assert len(codes) == len(report.missing) == country[4]
    first = [c.value for c in missing[3]]
    assert str(first[6]).startswith("saraban_0")  # where reminders go


def test_the_workbook_opens_in_libreoffice(
    services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
    config = tmp_path / "config.toml"
    cfg = services.config
    config.write_text(
        f'[database]\nurl = "{cfg.database.url}"\n[storage]\ndir = "{cfg.storage.dir}"\n'
        f'[mailbox]\nkind = "maildir"\npath = "{cfg.mailbox.path}"\n'
        f'[smtp]\nkind = "directory"\ndirectory = "{cfg.smtp.directory}"\n',
        encoding="utf-8",
    )
    path = tmp_path / "report.xlsx"
    code = main(["--config", str(config), "export", "--format", "xlsx", "--output", str(path)])
    assert code == 0
    assert "provinces" in capsys.readouterr().err
    out = tmp_path / "lo"
    # every sheet, cells as shown (formats applied), UTF-8 (76), comma-separated
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sheets = {p.name.removeprefix("report-").removesuffix(".csv"): p for p in out.glob("*.csv")}
    assert set(sheets) == set(SHEETS)
    submissions = list(csv.reader(io.StringIO(sheets[SHEETS[0]].read_text(encoding="utf-8"))))
    assert submissions[0][0] == "เลขที่รับ"
    assert submissions[1][0] == "submission_id"
    attachment = submissions[0].index("ไฟล์แนบ")
    assert EVIL_NAME in [row[attachment] for row in submissions[2:]]  # shown, not evaluated
    received = submissions[0].index("วันเวลาที่ได้รับ")
    assert all("2564" in row[received] for row in submissions[2:])  # Buddhist era
    provinces = list(csv.reader(io.StringIO(sheets[SHEETS[2]].read_text(encoding="utf-8"))))
    assert provinces[0][0] == "จังหวัด"
    assert [row[0] for row in provinces[2:]] == ["น่าน", "พะเยา", "ทั้งประเทศ"]
