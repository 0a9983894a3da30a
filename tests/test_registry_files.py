"""``registry import`` with files as people really have them.

The files here are written by hand the way DLA's list and Thai Excel save them: a windows-874
CSV (the bytes Thai Excel writes for "CSV"), an .xlsx made with openpyxl with a title above the
header, Thai column names in DLA's order, types as Thai names and abbreviations, codes typed as
numbers; never by the code that reads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.cli import main
from core.errors import RegistryError
from storage.registry import read_registry

# As DLA lists them: running number, code, name (sometimes without its type), type, district,
# province, e-mail. Codes: T PP DD NN with PP = 56 (พะเยา), 20 (ชลบุรี).
DLA_ROWS = [
    ("1", "6560115", "องค์การบริหารส่วนตำบลแม่ใส", "องค์การบริหารส่วนตำบล", "เมืองพะเยา", "พะเยา",
     "saraban_06560115@dla.go.th"),
    ("2", "5560102", "บ้านต๋อม", "ท.ต.", "อ.เมืองพะเยา", "จ.พะเยา", ""),
    ("3", "4560101", "เทศบาลเมืองพะเยา", "ทม.", "เมืองพะเยา", "พะเยา",
     "saraban_04560101@dla.go.th; phayao.city@gmail.com"),
    ("4", "2560101", "อบจ.พะเยา", "อบจ.", "", "พะเยา", ""),
    ("5", "", "กรุงเทพมหานคร", "กรุงเทพมหานคร", "", "กรุงเทพมหานคร", ""),
    ("6", "3200401", "เมืองพัทยา", "เมืองพัทยา", "บางละมุง", "ชลบุรี", ""),
    ("7", "P56", "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดพะเยา", "สถจ.", "", "พะเยา",
     "p56@dla.go.th"),
]  # fmt: skip
DLA_HEADER = ("ลำดับ", "รหัส อปท.", "ชื่อ อปท.", "ประเภท", "อำเภอ", "จังหวัด", "อีเมล")


def windows_874_csv(rows: list[tuple[str, ...]], header: tuple[str, ...] = DLA_HEADER) -> bytes:
    """What Thai Excel's "Save as CSV" writes: cp874 bytes, CRLF, no BOM."""
    lines = [",".join(header)] + [",".join(row) for row in rows]
    data = ("\r\n".join(lines) + "\r\n").encode("cp874")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8: the reader has to know windows-874
    return data


@pytest.fixture
def onep(tmp_path: Path, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "init"]) == 0

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--config", str(cfg), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def laos_total(onep) -> int:  # type: ignore[no-untyped-def]
    code, out, _ = onep("status", "--json")
    assert code == 0
    return int(json.loads(out)["laos"]["total"])


def test_a_windows_874_csv_from_thai_excel(tmp_path: Path, onep) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "laos.csv"
    path.write_bytes(windows_874_csv(DLA_ROWS))
    found = read_registry(path.read_bytes(), path.name)
    assert found.encoding == "windows-874"
    assert found.ignored_columns == ("ลำดับ",)
    assert found.absent_columns == ("subdistrict",)
    by_code = {row.lao_code: row for row in found.rows}
    assert by_code["6560115"].lao_type == "sao"
    assert by_code["5560102"].name == "เทศบาลตำบลบ้านต๋อม"  # the type column names it
    assert (by_code["5560102"].district, by_code["5560102"].province) == ("เมืองพะเยา", "พะเยา")
    assert by_code["4560101"].emails == ("saraban_04560101@dla.go.th", "phayao.city@gmail.com")
    assert by_code["2560101"].name == "องค์การบริหารส่วนจังหวัดพะเยา"
    assert by_code["1000000"].lao_type == "bangkok"  # DLA gives Bangkok no code
    assert by_code["3200401"].lao_type == "pattaya"
    assert by_code["P56"].lao_type == "provincial_office"

    code, out, _ = onep("registry", "import", str(path))
    assert code == 0
    assert "7 rows" in out
    assert "windows-874" in out
    assert "added 7" in out
    assert laos_total(onep) == 6  # the provincial office is not an LAO


def test_an_xlsx_with_a_title_and_thai_types(tmp_path: Path, onep) -> None:  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    sheet.title = "อปท. จ.พะเยา"
    sheet.append(["ข้อมูลองค์กรปกครองส่วนท้องถิ่น จังหวัดพะเยา (ณ กันยายน 2564)"])
    sheet.merge_cells("A1:G1")
    sheet.append([])
    sheet.append(["ที่", "จังหวัด", "อำเภอ", "ตำบล", "ชื่อองค์กรปกครองส่วนท้องถิ่น",
                  "ประเภท อปท.", "รหัสองค์กรปกครองส่วนท้องถิ่น", "อีเมล์"])  # fmt: skip
    sheet.append([1, "พะเยา", "ดอกคำใต้", "ดอนศรีชุม", "ดอนศรีชุม", "องค์การบริหารส่วนตำบล",
                  6560401, "saraban_06560401@dla.go.th"])  # fmt: skip
    sheet.append([2, "พะเยา", "ดอกคำใต้", "ดอกคำใต้", "เทศบาลเมืองดอกคำใต้", "เทศบาลเมือง",
                  4560401, None])  # fmt: skip
    sheet.append([3, "พะเยา", "จุน", "ห้วยข้าวก่ำ", "ห้วยข้าวก่ำ", "อ.บ.ต.", 6560501.0, ""])
    path = tmp_path / "dla-phayao.xlsx"
    book.save(path)

    code, out, _ = onep("registry", "import", str(path), "--dry-run")
    assert code == 0
    assert "+ 6560401 องค์การบริหารส่วนตำบลดอนศรีชุม (sao, พะเยา)" in out
    assert "+ 6560501 address" not in out
    assert "+ 6560401 address saraban_06560401@dla.go.th" in out
    assert "columns not read: ที่" in out
    assert "dry run: nothing was changed" in out
    assert laos_total(onep) == 0

    code, out, _ = onep("registry", "import", str(path))
    assert code == 0
    assert "read as xlsx" in out
    assert "added 3" in out
    assert laos_total(onep) == 3

    # the next edition of the list: one renamed, one address gone; dry run names each change
    sheet["E5"] = "เทศบาลเมืองดอกคำใต้ใหม่"
    sheet["H4"] = None
    book.save(path)
    code, out, _ = onep("registry", "import", str(path), "--dry-run")
    assert code == 0
    assert (
        "~ 4560401 เทศบาลเมืองดอกคำใต้ใหม่: name 'เทศบาลเมืองดอกคำใต้' -> 'เทศบาลเมืองดอกคำใต้ใหม่'" in out
    )
    assert "- 6560401 address saraban_06560401@dla.go.th" in out
    assert "added 0, changed 2, unchanged 1; addresses added 0, removed 1" in out


def test_bad_rows_by_line_in_thai_and_english_and_nothing_imported(
    tmp_path: Path,
    onep,  # type: ignore[no-untyped-def]
) -> None:
    rows = [
        *DLA_ROWS[:2],
        ("3", "6560199", "อบต.แม่ต๋ำ", "ทต.", "เมืองพะเยา", "พะเยา", ""),  # line 4: name says อบต.
        ("4", "6560198", "บ้านร่องห้า", "เทศบาล", "เมืองพะเยา", "พะเยา", ""),  # line 5: which level?
        ("5", "6560197", "บ้านใหม่", "อบต.", "", "เชียงตุง", ""),  # line 6: no such province
        *DLA_ROWS[3:],
    ]
    path = tmp_path / "laos.csv"
    path.write_bytes(windows_874_csv(rows))
    code, _, err = onep("registry", "import", str(path))
    assert code == 1
    assert "nothing was imported" in err
    assert "ไม่ได้นำเข้าข้อมูลใด ๆ" in err
    by_line = {
        int(line.split("line ")[1].split(":")[0]): line
        for line in err.splitlines()
        if "บรรทัด/line" in line
    }
    assert sorted(by_line) == [4, 5, 6]
    assert "sao" in by_line[4]
    assert "ประเภท" in by_line[4]
    assert "เทศบาล" in by_line[5]
    assert "unknown lao_type" in by_line[5]
    assert "เชียงตุง" in by_line[6]
    assert "not one of the 77 provinces" in by_line[6]
    assert laos_total(onep) == 0


def test_a_file_in_neither_encoding_is_refused(tmp_path: Path) -> None:
    data = windows_874_csv(DLA_ROWS[:1]) + b"2,6560116,\xdb\xdc,sao,,\xd1\xa7,\r\n"
    with pytest.raises(RegistryError) as caught:
        read_registry(data, "laos.csv")
    assert [line for line, _ in caught.value.errors] == [3]
    assert "windows-874" in caught.value.errors[0][1]


def test_utf8_with_bom_and_english_keys_in_another_order(tmp_path: Path) -> None:
    text = (
        "\ufeffprovince;lao_type;lao_code;name;emails\r\n"
        "พะเยา;sao;6560115;แม่ใส;saraban_06560115@dla.go.th\r\n"
    )
    found = read_registry(text.encode("utf-8"), "laos.csv")
    assert found.encoding == "utf-8-sig"
    [row] = found.rows
    assert (row.lao_code, row.name, row.province) == ("6560115", "องค์การบริหารส่วนตำบลแม่ใส", "พะเยา")


def test_the_sample_without_synthetic_warns(tmp_path: Path, onep) -> None:  # type: ignore[no-untyped-def]
    sample = tmp_path / "sample.csv"
    assert onep("registry", "sample", "--output", str(sample))[0] == 0
    code, out, err = onep("registry", "import", str(sample), "--dry-run")
    assert code == 0
    assert "7930 rows" in out
    assert "SYNTHETIC" in err
    assert "--synthetic" in err
    code, out, err = onep("registry", "import", str(sample), "--synthetic", "--dry-run")
    assert code == 0
    assert "added 7930" in out
    assert err == ""
    real = tmp_path / "laos.csv"
    real.write_bytes(windows_874_csv(DLA_ROWS))
    code, _out, err = onep("registry", "import", str(real), "--dry-run")
    assert (code, err) == (0, "")
