"""Reading the formats LAO offices save besides OOXML: Word 97-2003 .doc, OpenDocument .odt and
.ods, HTML tables named .xls, and Excel 2003 XML (SpreadsheetML).

The .doc, .odt, .ods and HTML forms are converted by LibreOffice headless from the generated
forms (``samples.legacy``), one LibreOffice run per format for the whole module; the
SpreadsheetML forms are written from the same workbooks. Hand-built byte fixtures cover what a
converter does not write: a windows-874 page without a charset, ss:Index and merges, encryption
flags, entity bombs and absurd repeats.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import olefile  # type: ignore[import-untyped]
import pytest

from bench.parse_accuracy import Tally, flatten, score
from parsers import FormReading, NotAForm, ReadLimits, Unreadable, read_attachment, sniff
from parsers.doc import read_doc
from parsers.html import decode_html, read_html
from parsers.ocr.engine import Tesseract
from parsers.odf import read_ods, read_odt
from parsers.readers import ReadContext
from parsers.spreadsheetml import read_spreadsheetml
from samples import legacy, scans

needs_soffice = pytest.mark.skipif(
    scans.soffice() is None,
    reason="LibreOffice not installed: apt-get install libreoffice-calc-nogui "
    "libreoffice-writer-nogui",
)
CONVERTED = ("doc", "odt", "ods", "html")
SEED = 31
DEV_COUNT, HELD_COUNT = 5, 2
LOL = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + "]>"
)  # fmt: skip


@pytest.fixture(scope="module")
def converted() -> dict[str, list[scans.Sample]]:
    """Per format: DEV_COUNT development forms, then HELD_COUNT held-out ones."""
    made: dict[str, list[scans.Sample]] = {}
    for fmt in CONVERTED:
        dev = legacy.sources(DEV_COUNT, fmt, seed=SEED)
        held = legacy.sources(HELD_COUNT, fmt, seed=SEED + 1, held_out=True)
        data = legacy.convert([(s.name, s.document) for s in dev + held], fmt)
        made[fmt] = [
            scans.Sample(fmt, s.layout, s.truth, converted, s in held)
            for s, converted in zip(dev + held, data, strict=True)
        ]
    return made


def read_form(data: bytes, name: str = "form.bin") -> FormReading:
    result = read_attachment(data, filename=name)
    assert isinstance(result, FormReading), result
    return result


def accuracy(samples: list[scans.Sample]) -> Tally:
    tally = Tally()
    for sample in samples:
        score(tally, sample.layout, sample.truth or {}, read_attachment(sample.data))
    return tally


# --------------------------------------------------------------------------- accuracy


@needs_soffice
@pytest.mark.parametrize("fmt", CONVERTED)
def test_converted_forms_read_back_the_truth(fmt: str, converted: dict[str, Any]) -> None:
    samples: list[scans.Sample] = converted[fmt]
    assert {sniff(sample.data) for sample in samples} == {fmt}
    tally = accuracy(samples)
    assert tally.not_read == 0
    assert tally.exact / tally.fields >= 0.99, tally.wrong[:10]
    assert read_form(samples[0].data).format == fmt


def test_spreadsheetml_forms_read_back_the_truth() -> None:
    dev = legacy.sources(8, "spreadsheetml", seed=SEED)
    held = legacy.sources(3, "spreadsheetml", seed=SEED + 1, held_out=True)
    samples = [
        scans.Sample("spreadsheetml", s.layout, s.truth, legacy.spreadsheetml(s.document))
        for s in dev + held
    ]
    assert {sniff(sample.data) for sample in samples} == {"spreadsheetml"}
    tally = accuracy(samples)
    assert tally.exact / tally.fields >= 0.99, tally.wrong[:10]


@needs_soffice
def test_same_form_in_every_format_gives_the_same_fields(converted: dict[str, Any]) -> None:
    """The first workbook form as .ods, HTML and SpreadsheetML; the first Word form as .doc
    and .odt: the fields agree with each other (and with the truth)."""
    sheet = legacy.sources(1, "ods", seed=SEED)[0]
    xml = legacy.spreadsheetml(sheet.document)
    readings = [read_form(converted[fmt][0].data).fields for fmt in ("ods", "html")]
    readings.append(read_form(xml).fields)
    assert all(flatten(dict(fields)) == flatten(sheet.truth) for fields in readings)
    word = [read_form(converted[fmt][0].data).fields for fmt in ("doc", "odt")]
    assert dict(word[0]) == dict(word[1]) == converted["doc"][0].truth


@needs_soffice
def test_provenance_names_tables_paragraphs_and_cells(converted: dict[str, Any]) -> None:
    word_source = re.compile(r"(table\d+!R\d+C\d+|p\d+)(, (table\d+!R\d+C\d+|p\d+))*")
    for fmt in ("doc", "odt"):
        reading = read_form(converted[fmt][0].data)
        assert reading.provenance["population"].source == "table1!R7C2"
        for key, where in reading.provenance.items():
            if where.source != "sum of the projects rows":
                assert word_source.fullmatch(where.source), (fmt, key, where.source)
    ods = read_form(converted["ods"][0].data)
    assert re.fullmatch(r"แบบรายงาน!B\d+", ods.provenance["population"].source)
    html = read_form(converted["html"][0].data)
    assert re.fullmatch(r"table1!B\d+", html.provenance["population"].source)


# --------------------------------------------------------------------------- HTML


@needs_soffice
def test_windows_874_page_reads_as_the_utf8_one(converted: dict[str, Any]) -> None:
    sample = converted["html"][0]
    thai = legacy.windows_874(sample.data)
    assert b"charset=windows-874" in thai
    assert thai != sample.data
    assert read_form(thai, "report.xls").fields == read_form(sample.data).fields


def test_html_table_layout_spans_and_values() -> None:
    page = (
        "<html><head><title>รายงาน</title><style>td {color: red}</style></head><body>"
        "<p>ข้อความนอกตาราง</p><table border=1>"
        "<tr><td rowspan=2>จังหวัด</td><td colspan=2>เชียง<b>ใหม่</b></td></tr>"
        "<tr><td>ก</td><td>ข<br>ค</td></tr>"
        "<tr><td>  ประชากร &nbsp; </td><td sdval='31514' sdnum='1054;'>31,514</td>"
        "<td sdval='44469' sdnum='1054;0;D/M/YYYY'>30/9/2021</td></tr>"
        "<tr><td>ตาราง<table><tr><td>ใน</td><td>ตาราง</td></tr></table></td></tr>"
        "</table><table><tr><td>ตารางสอง</td></tr></table></body></html>"
    ).encode("cp874")
    assert sniff(page) == "html"
    document = read_html(page, ReadContext())
    assert [sheet.name for sheet in document.sheets] == ["table1", "table2"]
    found = [(c.source, c.rows, c.cols, c.text, c.value) for c in document.sheets[0].cells]
    assert found == [
        ("table1!A1", 2, 1, "จังหวัด", None),
        ("table1!B1", 1, 2, "เชียงใหม่", None),
        ("table1!B2", 1, 1, "ก", None),
        ("table1!C2", 1, 1, "ข\nค", None),
        ("table1!A3", 1, 1, "ประชากร", None),
        ("table1!B3", 1, 1, "31,514", 31514),
        ("table1!C3", 1, 1, "30/9/2021", dt.date(2021, 9, 30)),
        ("table1!A4", 1, 1, "ตาราง\nใน\tตาราง", None),
    ]


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        (b"", "cp874"),  # no charset, not UTF-8: Thai Windows
        (b'<meta http-equiv="Content-Type" content="text/html; charset=TIS-620">', "cp874"),
        (b'<meta charset="x-windows-874">', "cp874"),
        (b'<meta charset="utf-8">', "utf-8"),
        (b"", "utf-8"),
    ],
)
def test_html_charset_from_meta_bom_or_bytes(head: bytes, codec: str) -> None:
    text = "<html><head>{}</head><body><table><tr><td>องค์การบริหารส่วนตำบลแม่ใส</td></tr></table>"
    data = text.encode(codec).replace(b"{}", head)
    assert "แม่ใส" in decode_html(data)
    assert "แม่ใส" in decode_html(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert "แม่ใส" in decode_html(codecs_bom_utf16(text))


def codecs_bom_utf16(text: str) -> bytes:
    return b"\xff\xfe" + text.encode("utf-16-le")


def test_html_limits_bound_tables_rows_columns_and_cells() -> None:
    row = "<tr>" + "<td>x</td>" * 50 + "<td colspan=99999 rowspan=99999>big</td></tr>"
    page = ("<table>" + row * 300 + "</table>") * 3
    document = read_html(
        page.encode(), ReadContext(ReadLimits(max_rows=100, max_cols=20, max_sheets=2))
    )
    assert len(document.sheets) == 2
    assert max(cell.row for cell in document.sheets[0].cells) == 99
    assert max(cell.last_col for cell in document.sheets[0].cells) < 20
    assert read_html(page.encode(), ReadContext(ReadLimits(max_cells=11))).cell_count == 11


# --------------------------------------------------------------------------- SpreadsheetML

SS = "urn:schemas-microsoft-com:office:spreadsheet"


def workbook(body: str, prolog: str = '<?xml version="1.0"?>\n') -> bytes:
    return (
        f'{prolog}<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="{SS}" '
        f'xmlns:ss="{SS}" xmlns:x="urn:schemas-microsoft-com:office:excel" '
        f'xmlns:html="http://www.w3.org/TR/REC-html40">{body}</Workbook>'
    ).encode()


def test_spreadsheetml_index_merges_and_types() -> None:
    data = workbook(
        '<Worksheet ss:Name="แบบรายงาน"><Table>'
        '<Row><Cell ss:MergeAcross="2" ss:MergeDown="1"><Data ss:Type="String">หัว</Data></Cell>'
        '<Cell><Data ss:Type="Number">13</Data></Cell></Row>'
        '<Row ss:Index="4"><Cell ss:Index="2"><Data ss:Type="DateTime">2021-09-30T00:00:00.000'
        '</Data></Cell><Cell><Data ss:Type="Boolean">1</Data></Cell>'
        '<Cell><ss:Data ss:Type="String"><html:B>ตัว</html:B>หนา</ss:Data></Cell>'
        '<Cell><Data ss:Type="Number">1.25</Data></Cell><Cell/><Cell><Data ss:Type="String">'
        "</Data></Cell></Row></Table></Worksheet>"
        '<Worksheet ss:Name="ซ่อน"><Table><Row><Cell><Data ss:Type="String">ไม่อ่าน</Data></Cell>'
        "</Row></Table><WorksheetOptions xmlns='urn:schemas-microsoft-com:office:excel'>"
        "<Visible>SheetHidden</Visible></WorksheetOptions></Worksheet>",
        prolog="\ufeff<?xml version='1.0' encoding='UTF-8'?>\n",
    )
    assert sniff(data) == "spreadsheetml"
    document = read_spreadsheetml(data, ReadContext())
    assert [sheet.name for sheet in document.sheets] == ["แบบรายงาน"]
    found = [(c.source, c.rows, c.cols, c.text, c.value) for c in document.sheets[0].cells]
    assert found == [
        ("แบบรายงาน!A1", 2, 3, "หัว", None),
        ("แบบรายงาน!D1", 1, 1, "13", 13),
        ("แบบรายงาน!B4", 1, 1, "2021-09-30", dt.date(2021, 9, 30)),
        ("แบบรายงาน!C4", 1, 1, "TRUE", True),
        ("แบบรายงาน!D4", 1, 1, "ตัวหนา", None),
        ("แบบรายงาน!E4", 1, 1, "1.25", 1.25),
    ]


def test_spreadsheetml_limits_and_damage() -> None:
    rows = "".join(
        "<Row>" + '<Cell><Data ss:Type="String">x</Data></Cell>' * 30 + "</Row>" for _ in range(200)
    )
    data = workbook(f'<Worksheet ss:Name="s"><Table>{rows}</Table></Worksheet>' * 3)
    document = read_spreadsheetml(
        data, ReadContext(ReadLimits(max_rows=50, max_cols=10, max_sheets=2))
    )
    assert document.cell_count == 2 * 50 * 10
    assert read_spreadsheetml(data, ReadContext(ReadLimits(max_cells=7))).cell_count == 7
    absurd = workbook(
        '<Worksheet><Table><Row ss:Index="99999999"><Cell/></Row></Table></Worksheet>'
    )
    assert read_attachment(absurd).problem.code == "corrupt_file"  # type: ignore[union-attr]
    assert read_attachment(data[: len(data) // 2]).problem.code == "corrupt_file"  # type: ignore[union-attr]


def test_spreadsheetml_entity_bomb_is_a_corrupt_file() -> None:
    bomb = (LOL + f'<Workbook xmlns="{SS}"><Worksheet><Table><Row><Cell><Data>&lol9;</Data>'
            "</Cell></Row></Table></Worksheet></Workbook>").encode()  # fmt: skip
    assert sniff(bomb) == "spreadsheetml"
    result = read_attachment(bomb, filename="report.xls")
    assert isinstance(result, Unreadable)
    assert result.problem.code == "corrupt_file"


# --------------------------------------------------------------------------- OpenDocument

ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
)


def odf_package(kind: str, content: str, manifest: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", f"application/vnd.oasis.opendocument.{kind}")
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            f'<manifest:file-entry manifest:full-path="content.xml">{manifest}'
            "</manifest:file-entry></manifest:manifest>",
        )
    return buffer.getvalue()


def spreadsheet(tables: str, styles: str = "") -> bytes:
    return odf_package(
        "spreadsheet",
        f"<office:document-content {ODS_NS}><office:automatic-styles>{styles}"
        f"</office:automatic-styles><office:body><office:spreadsheet>{tables}"
        "</office:spreadsheet></office:body></office:document-content>",
    )


def test_ods_repeats_spans_types_and_hidden_sheets() -> None:
    data = spreadsheet(
        '<table:table table:name="แบบ"><table:table-row table:number-rows-repeated="2">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-spanned="2" '
        'table:number-rows-spanned="2" office:value-type="string"><text:p>ชื่อ<text:s text:c="2"/>'
        "อปท.</text:p><text:p>บรรทัด<text:line-break/>สอง</text:p></table:table-cell>"
        "<table:covered-table-cell/>"
        '<table:table-cell office:value-type="float" office:value="13"><text:p>13.00</text:p>'
        '</table:table-cell><table:table-cell office:value-type="date" '
        'office:date-value="2021-09-30"><text:p>30/09/64</text:p></table:table-cell>'
        '<table:table-cell office:value-type="boolean" office:boolean-value="true"/>'
        '<table:table-cell table:number-columns-repeated="3" office:value-type="string">'
        "<text:p>ซ้ำ</text:p></table:table-cell></table:table-row></table:table>"
        '<table:table table:name="ซ่อน" table:style-name="ta2"><table:table-row><table:table-cell '
        'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
        "</table:table>",
        '<style:style style:name="ta2" style:family="table"><style:table-properties '
        'table:display="false"/></style:style>',
    )
    assert sniff(data) == "ods"
    document = read_ods(data, ReadContext())
    assert [sheet.name for sheet in document.sheets] == ["แบบ"]
    found = [(c.source, c.rows, c.cols, c.text, c.value) for c in document.sheets[0].cells]
    assert found == [
        ("แบบ!A3", 2, 2, "ชื่อ  อปท.\nบรรทัด\nสอง", None),
        ("แบบ!C3", 1, 1, "13", 13),
        ("แบบ!D3", 1, 1, "2021-09-30", dt.date(2021, 9, 30)),
        ("แบบ!E3", 1, 1, "TRUE", True),
        ("แบบ!F3", 1, 1, "ซ้ำ", None),
        ("แบบ!G3", 1, 1, "ซ้ำ", None),
        ("แบบ!H3", 1, 1, "ซ้ำ", None),
    ]


def test_ods_absurd_repeats_stay_within_the_limits() -> None:
    cell = (
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell>"
    )
    data = spreadsheet(
        f'<table:table table:name="s"><table:table-row table:number-rows-repeated="1048576">'
        f"{cell}</table:table-row></table:table>" * 60
    )
    limits = ReadLimits(max_rows=100, max_cols=50, max_cells=3000, max_sheets=5)
    document = read_ods(data, ReadContext(limits))
    assert document.cell_count == 3000
    assert max(c.col for s in document.sheets for c in s.cells) == 49
    assert len(document.sheets) <= 5
    assert read_ods(data, ReadContext()).cell_count == ReadLimits().max_cells


def test_odt_paragraphs_tables_and_what_is_not_on_the_page() -> None:
    content = (
        f"<office:document-content {ODS_NS}><office:body><office:text>"
        "<text:tracked-changes><text:changed-region><text:deletion><text:p>ลบแล้ว</text:p>"
        "</text:deletion></text:changed-region></text:tracked-changes>"
        "<text:h>หัวเรื่อง</text:h><text:p/><text:list><text:list-item><text:p>ข้อ 1"
        "<text:note><text:note-body><text:p>เชิงอรรถ</text:p></text:note-body></text:note>"
        "</text:p></text:list-item></text:list>"
        "<table:table><table:table-header-rows><table:table-row><table:table-cell "
        'table:number-columns-spanned="2"><text:p>หัวตาราง</text:p></table:table-cell>'
        "<table:covered-table-cell/></table:table-row></table:table-header-rows>"
        '<table:table-row><table:table-cell table:number-rows-spanned="2"><text:p>ก</text:p>'
        "</table:table-cell><table:table-cell><text:p>ข</text:p><text:p>ค</text:p>"
        "</table:table-cell></table:table-row><table:table-row><table:covered-table-cell/>"
        "<table:table-cell><text:p>ง<text:tab/>จ</text:p></table:table-cell></table:table-row>"
        "</table:table><text:p>ท้าย</text:p></office:text></office:body></office:document-content>"
    )
    data = odf_package("text", content)
    assert sniff(data) == "odt"
    found = [
        (c.row, c.col, c.rows, c.cols, c.source, c.text)
        for c in read_odt(data, ReadContext()).sheets[0].cells
    ]
    assert found == [
        (0, 0, 1, 1, "p1", "หัวเรื่อง"),
        (1, 0, 1, 1, "p3", "ข้อ 1"),
        (2, 0, 1, 2, "table1!R1C1", "หัวตาราง"),
        (3, 0, 2, 1, "table1!R2C1", "ก"),
        (3, 1, 1, 1, "table1!R2C2", "ข\nค"),
        (4, 1, 1, 1, "table1!R3C2", "ง\tจ"),
        (5, 0, 1, 1, "p4", "ท้าย"),
    ]  # fmt: skip


@pytest.mark.parametrize("kind", ["spreadsheet", "text"])
def test_odf_entity_bomb_and_encryption(kind: str) -> None:
    bomb = LOL.replace("lolz", "office:document-content") + (
        f"<office:document-content {ODS_NS}><office:body><office:{kind}>"
        f"<text:p>&lol9;</text:p></office:{kind}></office:body></office:document-content>"
    )
    unreadable = read_attachment(odf_package(kind, bomb), filename="form.ods")
    assert isinstance(unreadable, Unreadable)
    assert unreadable.problem.code == "corrupt_file"
    secret = odf_package(
        kind, "\x8f\x02binary", '<manifest:encryption-data manifest:checksum="x"/>'
    )
    locked = read_attachment(secret, filename="form.odt")
    assert isinstance(locked, Unreadable)
    assert locked.problem.code == "password_protected"


# --------------------------------------------------------------------------- Word 97-2003


@pytest.fixture(scope="module")
def word_doc(converted: dict[str, Any]) -> bytes:
    data: bytes = converted["doc"][0].data
    return data


def with_stream(data: bytes, name: str, change: Any, tmp_path: Path) -> bytes:
    """``data`` (an OLE2 file) with stream ``name`` changed in place (same size)."""
    path = tmp_path / "changed.doc"
    path.write_bytes(data)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream(name).read())
        change(stream)
        ole.write_stream(name, bytes(stream))
    return path.read_bytes()


@needs_soffice
def test_encrypted_doc_says_so(word_doc: bytes, tmp_path: Path) -> None:
    """SYNTHETIC: the FIB's fEncrypted bit set in place (LibreOffice's command line cannot
    save a password); a real encrypted .doc sets the same bit, and its text is ciphertext."""

    def encrypt(fib: bytearray) -> None:
        (flags,) = struct.unpack_from("<H", fib, 0x0A)
        struct.pack_into("<H", fib, 0x0A, flags | 0x0100)

    result = read_attachment(
        with_stream(word_doc, "WordDocument", encrypt, tmp_path), filename="f.doc"
    )
    assert isinstance(result, Unreadable)
    assert result.problem.code == "password_protected"
    assert "ไฟล์มีรหัสผ่าน" in result.problem.message_th


@needs_soffice
def test_damaged_doc_is_unreadable_never_a_crash(word_doc: bytes, tmp_path: Path) -> None:
    for cut in (600, 3000, len(word_doc) // 2):
        result = read_attachment(word_doc[:cut], filename="form.doc")
        assert isinstance(result, Unreadable), (cut, result)
        assert result.problem.code == "corrupt_file"

    def no_magic(fib: bytearray) -> None:
        fib[0:2] = b"\x00\x00"

    def piece_table_elsewhere(fib: bytearray) -> None:
        (csw,) = struct.unpack_from("<H", fib, 32)
        (cslw,) = struct.unpack_from("<H", fib, 34 + csw * 2)
        base = 34 + csw * 2 + 2 + cslw * 4 + 2
        struct.pack_into("<I", fib, base + 33 * 8, 0x7FFFFFF0)

    for change in (no_magic, piece_table_elsewhere):
        result = read_attachment(with_stream(word_doc, "WordDocument", change, tmp_path))
        assert isinstance(result, Unreadable)
        assert result.problem.code == "corrupt_file"
    rng = random.Random(5)
    for _ in range(40):
        damaged = bytearray(word_doc)
        for _ in range(rng.choice((1, 8, 64))):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        result = read_attachment(bytes(damaged), filename="form.doc")
        assert isinstance(result, FormReading | NotAForm | Unreadable)


@needs_soffice
def test_doc_limits_bound_rows_and_cells(word_doc: bytes) -> None:
    full = read_doc(word_doc, ReadContext())
    assert full.cell_count > 100
    assert read_doc(word_doc, ReadContext(ReadLimits(max_cells=9))).cell_count == 9
    short = read_doc(word_doc, ReadContext(ReadLimits(max_rows=12, max_cols=1)))
    assert max(cell.row for cell in short.sheets[0].cells) <= 11
    assert max(cell.last_col for cell in short.sheets[0].cells) == 0


@needs_soffice
@pytest.mark.parametrize("fmt", CONVERTED)
def test_damaged_converted_files_never_raise(fmt: str, converted: dict[str, Any]) -> None:
    data: bytes = converted[fmt][0].data
    rng = random.Random(fmt)
    for _ in range(25):
        damaged = bytearray(data)
        for _ in range(rng.choice((1, 8, 64))):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        result = read_attachment(bytes(damaged), filename=f"form.{fmt}")
        assert isinstance(result, FormReading | NotAForm | Unreadable)


def test_formats_still_without_a_reader_say_so() -> None:
    result = read_attachment(b"{\\rtf1 x}", filename="form.doc")
    assert isinstance(result, NotAForm)
    assert result.reason.startswith("no reader for rtf yet")
    # GIF and TIFF go to OCR (parsers.ocr); a damaged one is a damaged file (Tesseract is
    # never run on it)
    damaged = read_attachment(b"GIF89a" + bytes(20), filename="form.gif", ocr=Tesseract())
    assert isinstance(damaged, Unreadable)
    assert damaged.problem.code == "corrupt_file"
