"""Reading the form as .xls and .docx: templates, development layouts, one form in three formats,
what the Word reader makes of Word's constructs, and the corpus the benchmark draws from."""

from __future__ import annotations

import io
import random
import re
import zipfile
from typing import Any

import docx
import pytest
import xlwt  # type: ignore[import-untyped]

from parsers import FormReading, ReadLimits, check, load_schema, read_attachment, sniff
from parsers.docx import read_docx
from parsers.readers import ReadContext
from parsers.template import build_docx_template, template_path
from parsers.xls import read_xls
from samples import corpus
from samples.forms import XLS_DEV_LAYOUTS, XLS_LAYOUTS, fill_xls, fill_xlsx
from samples.wordforms import WORD_DEV_LAYOUTS, WORD_HELD_OUT_LAYOUTS, WORD_LAYOUTS, fill_docx
from tests.test_form_xlsx import differences, make_truth

SCHEMA = load_schema("2564.1")
SEEDS = (1, 2, 3)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def read_form(data: bytes, name: str) -> FormReading:
    result = read_attachment(data, filename=name)
    assert isinstance(result, FormReading), result
    return result


# --------------------------------------------------------------------------- templates and lists


def docx_texts(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    texts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return texts


def test_shipped_docx_template_is_the_generated_one() -> None:
    shipped = template_path("2564.1", ".docx").read_bytes()
    assert docx_texts(shipped) == docx_texts(build_docx_template(SCHEMA))


def test_docx_template_reads_back_as_an_empty_form() -> None:
    reading = read_form(build_docx_template(SCHEMA), "แบบรายงาน.docx")
    assert reading.format == "docx"
    assert reading.labels_found == len(SCHEMA.fields) + len(SCHEMA.green_table.rows)
    assert reading.fields == {"budget_total_baht": 0, "trees_planted_total": 0, "projects": []}
    codes = {(p.code, p.field) for p in (*reading.problems, *check(reading))}
    assert ("missing_required", "lao_name") in codes
    assert ("missing_green_rows", None) in codes


@pytest.mark.parametrize("fmt", sorted(corpus.GENERATORS))
def test_each_format_holds_out_a_fifth_of_its_layouts(fmt: str) -> None:
    dev, held = corpus.DEV_LAYOUTS[fmt], corpus.HELD_OUT_LAYOUTS[fmt]
    assert set(dev).isdisjoint(held)
    assert len(held) * 5 >= len(dev) + len(held)
    assert set(XLS_LAYOUTS) >= set(corpus.DEV_LAYOUTS["xls"])
    assert set(WORD_LAYOUTS) == set(WORD_DEV_LAYOUTS) | set(WORD_HELD_OUT_LAYOUTS)


# --------------------------------------------------------------------------- development layouts


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("layout", XLS_DEV_LAYOUTS)
def test_xls_development_layouts_read_back_the_truth(layout: str, seed: int) -> None:
    truth = make_truth(seed)
    data = fill_xls(truth, layout=layout, rng=random.Random(seed))
    assert sniff(data) == "xls"
    reading = read_form(data, "form.xls")
    assert reading.format == "xls"
    assert differences(truth, dict(reading.fields)) == []
    assert reading.problems == ()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("layout", WORD_DEV_LAYOUTS)
def test_docx_development_layouts_read_back_the_truth(layout: str, seed: int) -> None:
    truth = make_truth(seed)
    data = fill_docx(truth, layout=layout, rng=random.Random(seed))
    assert sniff(data) == "docx"
    reading = read_form(data, "form.docx")
    assert differences(truth, dict(reading.fields)) == []
    assert reading.problems == ()
    assert 0.5 < reading.confidence <= 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_same_form_as_xlsx_xls_and_docx_gives_the_same_fields(seed: int) -> None:
    truth = make_truth(seed)
    xlsx = read_form(fill_xlsx(dict(truth), layout="template_beside", rng=random.Random(seed)), "f")
    xls = read_form(fill_xls(dict(truth), layout="template_beside", rng=random.Random(seed)), "f")
    word = read_form(fill_docx(dict(truth), layout="word_template", rng=random.Random(seed)), "f")
    assert dict(xlsx.fields) == dict(xls.fields) == dict(word.fields) == truth
    # The same workbook as .xls and .xlsx: the same cells, so the same provenance.
    assert {k: v.source for k, v in xls.provenance.items()} == {
        k: v.source for k, v in xlsx.provenance.items()
    }


def test_docx_provenance_names_tables_and_paragraphs() -> None:
    truth = make_truth(5)
    reading = read_form(fill_docx(truth, layout="word_template", rng=random.Random(5)), "f")
    sources = {key: where.source for key, where in reading.provenance.items()}
    assert sources["population"] == "table1!R7C2"
    assert (
        sources["green_public_area_m2"].startswith("table2!R2C3")
        or "green_public_area_m2" not in truth
    )
    assert re.fullmatch(r"p\d+(, p\d+)*", sources["problems"])
    for key, source in sources.items():
        if source != "sum of the projects rows":
            assert re.fullmatch(r"(table\d+!R\d+C\d+|p\d+)(, (table\d+!R\d+C\d+|p\d+))*", source), (
                key
            )


def test_corpus_generates_every_format_deterministically() -> None:
    for fmt in corpus.GENERATORS:
        first = [s.truth for s in corpus.generate(3, fmt=fmt, held_out=False, seed=9)]
        again = [s.truth for s in corpus.generate(3, fmt=fmt, held_out=False, seed=9)]
        assert first == again
    with pytest.raises(ValueError, match="a fifth"):
        corpus.add_format("x", lambda truth, layout, rng: b"", ("a", "b", "c", "d", "e"), ())


# --------------------------------------------------------------------------- the .xls reader


def xls_book(write: Any, *, dates_1904: bool = False) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    book.dates_1904 = dates_1904
    write(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xls_cells_are_typed_and_merged_and_hidden_sheets_skipped() -> None:
    import datetime as dt

    def write(book: Any) -> None:
        sheet = book.add_sheet("แบบรายงาน")
        sheet.write(0, 0, "จังหวัด")
        sheet.write(0, 1, "เชียงใหม่")
        thai = xlwt.easyxf(num_format_str="[$-107041E]d mmm bbbb")
        sheet.write(1, 1, dt.date(2021, 9, 30), thai)
        sheet.write(2, 1, True)
        sheet.write(3, 1, 13.0)
        sheet.write(4, 1, 1.25)
        sheet.write_merge(5, 6, 0, 2, "รวม")
        hidden = book.add_sheet("ซ่อน")
        hidden.write(0, 0, "ไม่ควรอ่าน")
        hidden.visibility = 1

    document = read_xls(xls_book(write), ReadContext())
    assert [sheet.name for sheet in document.sheets] == ["แบบรายงาน"]
    cells = {cell.source: cell for cell in document.sheets[0].cells}
    assert cells["แบบรายงาน!B2"].value == dt.date(2021, 9, 30)
    assert cells["แบบรายงาน!B3"].value is True
    assert (cells["แบบรายงาน!B4"].text, cells["แบบรายงาน!B4"].value) == ("13", 13)
    assert cells["แบบรายงาน!B5"].value == 1.25
    assert (cells["แบบรายงาน!A6"].rows, cells["แบบรายงาน!A6"].cols) == (2, 3)


def test_xls_limits_bound_rows_columns_and_cells() -> None:
    def write(book: Any) -> None:
        sheet = book.add_sheet("s")
        for row in range(50):
            for col in range(20):
                sheet.write(row, col, f"{row}-{col}")

    data = xls_book(write)
    document = read_xls(data, ReadContext(ReadLimits(max_rows=10, max_cols=5)))
    assert max(cell.row for cell in document.sheets[0].cells) == 9
    assert max(cell.col for cell in document.sheets[0].cells) == 4
    assert document.cell_count == 50
    assert read_xls(data, ReadContext(ReadLimits(max_cells=7))).cell_count == 7


# --------------------------------------------------------------------------- the .docx reader


def word_package(body: str, *, extra_ns: str = "") -> bytes:
    """A minimal .docx: content types, package relationships and a document part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/main.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            "//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
            '" Target="word/main.xml"/></Relationships>',
        )
        archive.writestr(
            "word/main.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}" {extra_ns}>'
            f"<w:body>{body}</w:body></w:document>",
        )
    return buffer.getvalue()


def p(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def tc(content: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{content}</w:tc>"


def test_docx_reader_places_paragraphs_and_table_cells() -> None:
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    body = (
        p(r("หัวเรื่อง"))
        + p()  # empty: takes no row
        + "<w:tbl><w:tr><w:trPr><w:gridBefore w:val='1'/></w:trPr>"
        + tc(p(r("ก")), '<w:vMerge w:val="restart"/>')
        + tc(p(r("ข")), '<w:gridSpan w:val="2"/>')
        + tc(p(r("บรรทัด 1")) + p(r("บรรทัด 2")))
        + "</w:tr><w:tr>"
        + tc(p(), "")
        + tc(p(), "<w:vMerge/>")
        + tc("<w:tbl><w:tr>" + tc(p(r("ใน"))) + tc(p(r("ตาราง"))) + "</w:tr></w:tbl>" + p())
        + "</w:tr></w:tbl>"
        + p(r("ลบ"), "<w:del><w:r><w:delText>เก่า</w:delText></w:r></w:del>", "<w:ins>" + r("ใหม่") + "</w:ins>")
        + p(
            f"<mc:AlternateContent {mc}><mc:Choice Requires='wps'><w:r><w:drawing>"
            "<w:txbxContent>" + p(r("ในกล่อง")) + "</w:txbxContent></w:drawing></w:r>"
            "</mc:Choice><mc:Fallback><w:r><w:pict><w:txbxContent>" + p(r("ซ้ำ"))
            + "</w:txbxContent></w:pict></w:r></mc:Fallback></mc:AlternateContent>",
            r("ข้อความ"),
        )
        + p('<w:r><w:sym w:font="Wingdings" w:char="F0FE"/></w:r>', r(" มี "),
            '<w:r><w:rPr><w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/></w:rPr><w:t>\u00a8</w:t></w:r>',
            r(" ไม่มี"))
        + p('<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:default w:val="0"/>'
            '<w:checked/></w:checkBox></w:ffData></w:fldChar></w:r>'
            '<w:r><w:instrText> FORMCHECKBOX </w:instrText></w:r>', r(" ใช่"))
    )  # fmt: skip
    document = read_docx(word_package(body), ReadContext())
    found = [(c.row, c.col, c.rows, c.cols, c.source, c.text) for c in document.sheets[0].cells]
    assert found == [
        (0, 0, 1, 1, "p1", "หัวเรื่อง"),
        (1, 1, 2, 1, "table1!R1C2", "ก"),
        (1, 2, 1, 2, "table1!R1C3", "ข"),
        (1, 4, 1, 1, "table1!R1C5", "บรรทัด 1\nบรรทัด 2"),
        (2, 2, 1, 1, "table1!R2C3", "ใน\tตาราง"),
        (3, 0, 1, 1, "p3", "ลบใหม่"),
        (4, 0, 1, 1, "p4", "ข้อความ"),
        (5, 0, 1, 1, "p5", "ในกล่อง"),
        (6, 0, 1, 1, "p6", "☑ มี ☐ ไม่มี"),
        (7, 0, 1, 1, "p7", "☑ ใช่"),
    ]


def test_docx_reader_respects_row_and_cell_limits() -> None:
    rows = "".join(
        "<w:tr>"
        + tc(p(r(f"แถว {n}")))
        + tc(p(r("x")), '<w:gridSpan w:val="999999999"/>')
        + "</w:tr>"
        for n in range(300)
    )
    document = read_docx(
        word_package(f"<w:tbl>{rows}</w:tbl>"), ReadContext(ReadLimits(max_rows=100, max_cols=20))
    )
    cells = document.sheets[0].cells
    assert max(cell.row for cell in cells) == 99
    assert max(cell.last_col for cell in cells) < 20
    assert (
        read_docx(
            word_package(f"<w:tbl>{rows}</w:tbl>"), ReadContext(ReadLimits(max_cells=11))
        ).cell_count
        == 11
    )


def test_xls_dates_in_the_1904_date_system() -> None:
    import datetime as dt

    def write(book: Any) -> None:
        book.add_sheet("s").write(
            0, 0, dt.date(2021, 9, 30), xlwt.easyxf(num_format_str="d/m/yyyy")
        )

    cell = read_xls(xls_book(write, dates_1904=True), ReadContext()).sheets[0].cells[0]
    assert cell.value == dt.date(2021, 9, 30)


# --------------------------------------------------------------------------- sniffing text formats

SPREADSHEET_NS = b"urn:schemas-microsoft-com:office:spreadsheet"


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"<html><body><table><tr><td>x</td></tr></table></body></html>", "html"),
        (b"\xef\xbb\xbf\r\n  <!DOCTYPE html>\n<html>", "html"),
        (b"<TABLE border=1><TR><TD>\xca\xd8\xc3\xd4\xb9\xb7\xc3\xec</TD></TR></TABLE>", "html"),
        (b'<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head>', "html"),
        (b"<!-- exported by e-LAAS -->\n<table><tr><td>1</td></tr></table>", "html"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">', "html"),
        (b"\xff\xfe" + "<html><table>".encode("utf-16-le"), "html"),
        (b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="'
         + SPREADSHEET_NS + b'" xmlns:ss="' + SPREADSHEET_NS + b'">', "spreadsheetml"),
        (b'\xef\xbb\xbf<?xml version="1.0"?><ss:Workbook xmlns:ss="' + SPREADSHEET_NS + b'">',
         "spreadsheetml"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "unknown"),
        (b"Dear ONEP, <html> is mentioned in this text", "unknown"),
        (b"{\\rtf1 <html>}", "rtf"),
    ],
)  # fmt: skip
def test_sniff_text_formats_by_content(data: bytes, fmt: str) -> None:
    assert sniff(data) == fmt


def test_new_formats_have_readers() -> None:
    from parsers.readers import formats

    assert {"doc", "ods", "odt", "html", "spreadsheetml"} <= set(formats())
    assert "rtf" not in formats()
