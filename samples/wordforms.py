"""Filled Word (.docx) report forms with known truth, in several layouts (SYNTHETIC data).

Place in the flow: none; it produces inputs for tests and ``bench.parse_accuracy``, like
``samples.forms`` does for spreadsheets (whose value formatting it reuses, so the truth is
still not computed by the code under test). The extractor never imports this module.

A form starts as the blocks of the shipped Word template (``parsers.template``): paragraphs and
tables of cells. A layout edits the blocks the way LAOs edit the Word form, then
:func:`write_docx` writes them as WordprocessingML. Cell and paragraph texts may carry tokens for
what is not plain text: ``{sym:FONT:CODE}`` a symbol-font glyph (Wingdings check boxes),
``{box:1}`` a legacy check-box field, ``{cc:1}`` a check-box content control, ``{ins:text}`` and
``{del:text}`` tracked changes, ``{br}`` a line break; "\\n" in a cell starts a new paragraph.

:data:`WORD_HELD_OUT_LAYOUTS` are run only to measure the extractor, never to tune it.
"""

from __future__ import annotations

import copy
import functools
import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from xml.sax.saxutils import escape

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from parsers.schema import FormSchema, load_schema
from parsers.template import FILL_LINE, build_docx_template
from samples.forms import (
    _LAO_TYPE_SHORT,
    _REWORDED,
    ITEMS,
    Style,
    _more_projects,
    _num_text,
    _place,
    _rai_ngan_wa,
    _retotal,
)

WORD_DEV_LAYOUTS: tuple[str, ...] = (
    "word_template",
    "word_values_below",
    "word_rows_inserted",
    "word_reworded",
    "word_thai_digits",
    "word_rai_ngan_wa",
    "word_symbol_ticks",
    "word_inline_colon",
    "word_tracked_changes",
    "word_checkbox_fields",
    "word_one_table",
    "word_line_breaks",
    # Held-out set 1: run once (92.8 % of fields exact: a projects table split over two pages,
    # its header repeated, read as a project), one fix, so now development.
    "word_paired_columns",
    "word_split_projects",
    "word_boxes_and_units",
    "word_signature_table",
)
WORD_HELD_OUT_LAYOUTS: tuple[str, ...] = (
    "word_tabbed_signoff",
    "word_bilingual",
    "word_numbered_headings",
    "word_dashes_for_blanks",
)
WORD_LAYOUTS: tuple[str, ...] = WORD_DEV_LAYOUTS + WORD_HELD_OUT_LAYOUTS

_TEXT_DATES = ("short", "long", "slash", "short_2digit")


# ============================================================================ the block model


@dataclass
class WCell:
    text: str = ""
    span: int = 1
    vmerge: str | None = None  # "restart" | "continue"
    bold: bool = False


@dataclass
class Para:
    text: str
    bold: bool = False


@dataclass
class Table:
    rows: list[list[WCell]]
    header_rows: int = 0  # rows repeated on each page (w:tblHeader)
    borders: bool = True


Block = Para | Table


@dataclass
class WordForm:
    blocks: list[Block]
    style: Style
    truth: dict[str, Any]
    schema: FormSchema
    split_runs: bool = False
    header: str | None = None  # text of the page header (python-docx's header part)

    def table_row(self, label: str) -> tuple[Table, int]:
        """The first table row whose first cell says ``label``."""
        for block in self.blocks:
            if isinstance(block, Table):
                for number, row in enumerate(block.rows):
                    if row and row[0].text == label:
                        return block, number
        raise KeyError(label)

    def table_of(self, label: str) -> Table:
        return self.table_row(label)[0]

    def para(self, text: str, start: int = 0) -> int:
        """Index of the first paragraph block saying ``text`` (or starting with it + " ")."""
        for index in range(start, len(self.blocks)):
            block = self.blocks[index]
            if isinstance(block, Para) and (
                block.text == text or block.text.startswith(text + " ")
            ):
                return index
        raise KeyError(text)


@functools.lru_cache(maxsize=4)
def _template_blocks(version: str) -> tuple[Block, ...]:
    document = docx.Document(io.BytesIO(build_docx_template(load_schema(version))))
    blocks: list[Block] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            blocks.append(Para(paragraph.text, bold=any(run.bold for run in paragraph.runs)))
        elif child.tag == qn("w:tbl"):
            table = DocxTable(child, document)
            rows = [[WCell(cell.text) for cell in row.cells] for row in table.rows]
            blocks.append(Table(rows, header_rows=0))
    return tuple(blocks)


# ============================================================================ values as text


def _text(value: object) -> str:
    """A value as an LAO types it in Word (numbers with thousands separators)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "มี" if value else "ไม่มี"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _value(form: WordForm, key: str) -> str:
    return _text(_place(form.truth, key, form.style))


# ============================================================================ filling


def _fill(form: WordForm) -> None:
    """Values in the template's table cells; Part 4 answers under their labels; Part 5 signed."""
    truth, style, schema = form.truth, form.style, form.schema
    for spec in schema.fields:
        if spec.part == 1:
            table, row = form.table_row(spec.label)
            table.rows[row][1].text = _value(form, spec.key)
    green = schema.green_table
    for row_spec in green.rows:
        table, row = form.table_row(row_spec.labels[0])
        sites = truth.get(green.sites_field(row_spec.type))
        area = truth.get(green.area_field(row_spec.type))
        if sites is not None:
            table.rows[row][1].text = _text(_num_text(sites, style))
        if area is not None:
            table.rows[row][2].text = _text(_num_text(area, style, "ตร.ม."))
    table, row = form.table_row(schema.field("green_total_area_m2").label)
    table.rows[row][2].text = _text(_num_text(truth["green_total_area_m2"], style, "ตร.ม."))
    table, row = form.table_row(schema.field("green_per_capita_m2").label)
    table.rows[row][2].text = _text(_num_text(truth["green_per_capita_m2"], style))
    for item in ITEMS:
        spec = schema.field(f"has_{item}")
        table, row = form.table_row(spec.label)
        answer = truth[spec.key]
        table.rows[row][1 if answer else 2].text = style.tick_mark
        if style.untick_mark:
            table.rows[row][2 if answer else 1].text = style.untick_mark
    _fill_projects(form)
    for key in ("problems", "suggestions"):
        index = form.para(schema.field(key).label)
        lines = [Para(line) for line in truth[key].split("\n")]
        form.blocks[index + 1 : index + 2] = lines
    _sign(form)


def _fill_projects(form: WordForm) -> None:
    truth, style, schema = form.truth, form.style, form.schema
    table = form.table_of(schema.projects.ordinal[0])
    total = next(
        n for n, row in enumerate(table.rows) if row[0].text == schema.projects.total_row[0]
    )
    projects = truth["projects"]
    width = len(table.rows[0])
    for extra in range(len(projects) - (total - 1)):
        table.rows.insert(
            total + extra, [WCell(str(total + extra))] + [WCell() for _ in range(width - 1)]
        )
    keys = [column.key for column in schema.projects.columns]
    for index, project in enumerate(projects):
        cells = table.rows[1 + index]
        for col, key in enumerate(keys, start=1):
            value = project[key]
            if value is not None and key in ("budget_baht", "trees_planted", "added_area_m2"):
                value = _num_text(value, style)
            cells[col].text = _text(value)
    if style.write_totals:
        last = table.rows[-1]
        last[3].text = _text(_num_text(truth["budget_total_baht"], style))
        last[5].text = _text(_num_text(truth["trees_planted_total"], style))


def _sign(form: WordForm) -> None:
    """Part 5 paragraphs: "ลงชื่อ ....." with "(name)" under it, or the name after the label."""
    schema, style = form.schema, form.style
    name_spec = schema.field("reporter_name")
    index = form.para(name_spec.label)
    name = form.truth["reporter_name"]
    if style.reporter_parens:
        form.blocks[index : index + 1] = [Para(f"{name_spec.label} {FILL_LINE}"), Para(f"({name})")]
    else:
        form.blocks[index] = Para(f"{name_spec.label} {name}")
    for key in ("reporter_position", "report_date"):
        spec = schema.field(key)
        where = form.para(spec.label, start=index)
        form.blocks[where] = Para(f"{spec.label} {_value(form, key)}")


# ============================================================================ layouts (development)


def _layout_word_template(form: WordForm, rng: random.Random) -> None:
    _fill(form)


def _layout_word_values_below(form: WordForm, rng: random.Random) -> None:
    """Part 1 values in a row under each label; Part 5 values in the paragraph under each label."""
    _fill(form)
    schema = form.schema
    table = form.table_of(schema.field("lao_name").label)
    rows: list[list[WCell]] = []
    for label, value, unit in table.rows:
        rows.append([WCell(label.text, span=3, bold=True)])
        rows.append([value, WCell(""), unit])
    table.rows = rows
    start = form.para(schema.sections[4].labels[0])
    for key in ("reporter_name", "reporter_position", "report_date"):
        spec = schema.field(key)
        index = form.para(spec.label, start=start)
        text = form.blocks[index]
        assert isinstance(text, Para)
        written = text.text[len(spec.label) :].strip()
        if written.startswith("."):
            continue  # "ลงชื่อ ....." with "(name)" already under it
        form.blocks[index : index + 1] = [Para(spec.label), Para(written)]


def _layout_word_rows_inserted(form: WordForm, rng: random.Random) -> None:
    """Blank and note rows in the tables, more project rows, blank and note paragraphs."""
    form.truth["projects"] = form.truth["projects"] + _more_projects(
        rng, 7 - len(form.truth["projects"])
    )
    _retotal(form.truth)
    _fill(form)
    for block in form.blocks:
        if isinstance(block, Table) and block is not form.table_of(form.schema.projects.ordinal[0]):
            width = sum(cell.span for cell in block.rows[0])
            for _ in range(2):
                block.rows.insert(rng.randint(1, len(block.rows)), [WCell() for _ in range(width)])
    for section in form.schema.sections:
        index = form.para(section.labels[0])
        form.blocks[index + 1 : index + 1] = [Para(""), Para("(หมายเหตุ: กรอกข้อมูลให้ครบทุกช่อง)")]


def _layout_word_reworded(form: WordForm, rng: random.Random) -> None:
    form.style = replace(form.style, numbers="text", dates="short")
    schema = form.schema
    _fill(form)
    for key, text in _REWORDED.items():
        spec = schema.field(key)
        if spec.part in (1, 2, 3):
            table, row = form.table_row(spec.label)
            table.rows[row][0].text = text
        else:
            index = form.para(spec.label)
            block = form.blocks[index]
            assert isinstance(block, Para)
            block.text = text + block.text[len(spec.label) :]
    for row_spec in schema.green_table.rows:
        table, row = form.table_row(row_spec.labels[0])
        table.rows[row][0].text = rng.choice(row_spec.labels[1:])
    for section in schema.sections:
        block = form.blocks[form.para(section.labels[0])]
        assert isinstance(block, Para)
        block.text = section.labels[1]


def _layout_word_thai_digits(form: WordForm, rng: random.Random) -> None:
    form.style = replace(
        form.style, numbers="thai", dates=rng.choice(("thai_digits", "short_thai"))
    )
    _fill(form)


def _layout_word_rai_ngan_wa(form: WordForm, rng: random.Random) -> None:
    """Part 2 areas in ไร่ | งาน | ตร.วา columns under a merged header; the LAO's area in ไร่."""
    _fill(form)
    schema, truth = form.schema, form.truth
    green = schema.green_table
    table = form.table_of(green.row_header[0])
    head = table.rows[0]
    rows: list[list[WCell]] = [
        [WCell(head[0].text, vmerge="restart", bold=True),
         WCell(head[1].text, vmerge="restart", bold=True), WCell("พื้นที่", span=3, bold=True)],
        [WCell(vmerge="continue"), WCell(vmerge="continue"), WCell("ไร่"), WCell("งาน"),
         WCell("ตร.วา")],
    ]  # fmt: skip
    keys = {row.labels[0]: green.area_field(row.type) for row in green.rows}
    keys[schema.field("green_total_area_m2").label] = "green_total_area_m2"
    for label, sites, area in table.rows[1:]:
        if label.text in keys:
            key = keys[label.text]
            parts = [WCell(str(p)) for p in _rai_ngan_wa(truth[key])] if key in truth else [
                WCell(), WCell(), WCell()]  # fmt: skip
            rows.append([label, sites, *parts])
        else:
            rows.append([label, sites, WCell(area.text, span=3)])
    table.rows = rows
    area_table, row = form.table_row(schema.field("area_km2").label)
    rai = f"{truth['area_km2'] * 625:,.2f}".rstrip("0").rstrip(".")
    area_table.rows[row][1].text = f"{rai} ไร่"
    area_table.rows[row][2].text = ""


def _layout_word_symbol_ticks(form: WordForm, rng: random.Random) -> None:
    """Part 3 ticks and the LAO type as Wingdings check-box symbols, as Insert > Symbol makes."""
    font, ticked, empty = rng.choice(
        (("Wingdings", "F0FE", "F0A8"), ("Wingdings", "F0FC", ""), ("Wingdings 2", "F052", "F0A3"))
    )
    form.style = replace(
        form.style,
        tick_mark=f"{{sym:{font}:{ticked}}}",
        untick_mark=f"{{sym:{font}:{empty}}}" if empty else None,
    )
    _fill(form)
    if empty:
        table, row = form.table_row(form.schema.field("lao_type").label)
        lao_type = form.truth["lao_type"]
        table.rows[row][1].text = " ".join(
            f"{{sym:{font}:{ticked if key == lao_type else empty}}} {short}"
            for key, short in _LAO_TYPE_SHORT.items()
        )


def _layout_word_inline_colon(form: WordForm, rng: random.Random) -> None:
    """Part 1 as paragraphs "label: value unit" instead of a table; Part 5 with colons."""
    form.style = replace(form.style, numbers="text", dates=rng.choice(("short", "slash")))
    _fill(form)
    schema = form.schema
    table = form.table_of(schema.field("lao_name").label)
    lines = []
    for label, value, unit in table.rows:
        text = f"{label.text}: {value.text}"
        if value.text and unit.text and unit.text not in value.text:
            text += f" {unit.text}"
        lines.append(Para(text.rstrip()))
    index = form.blocks.index(table)
    form.blocks[index : index + 1] = lines
    start = form.para(schema.sections[4].labels[0])
    for key in ("reporter_name", "reporter_position", "report_date"):
        spec = schema.field(key)
        index = form.para(spec.label, start=start)
        block = form.blocks[index]
        assert isinstance(block, Para)
        rest = block.text[len(spec.label) :].strip()
        if not rest.startswith("."):
            block.text = f"{spec.label}: {rest}"


def _old_value(text: str, rng: random.Random) -> str:
    """Last year's value in the same cell: digits changed, words kept."""
    changed = re.sub(r"\d", lambda m: str((int(m[0]) + rng.randint(1, 8)) % 10), text)
    return changed if changed != text else text + " (เดิม)"


def _layout_word_tracked_changes(form: WordForm, rng: random.Random) -> None:
    """Last year's form edited with Track Changes on: old values deleted, new ones inserted."""
    _fill(form)
    schema = form.schema
    table = form.table_of(schema.field("lao_name").label)
    for line in table.rows:
        value = line[1]
        if value.text and rng.random() < 0.7:
            value.text = f"{{del:{_old_value(value.text, rng)}}}{{ins:{value.text}}}"
    green = form.table_of(schema.green_table.row_header[0])
    for line in green.rows[1:]:
        for cell in line[1:]:
            if cell.text and rng.random() < 0.5:
                cell.text = f"{{del:{_old_value(cell.text, rng)}}}{{ins:{cell.text}}}"
    for item in ITEMS:
        table, row = form.table_row(schema.field(f"has_{item}").label)
        cells = table.rows[row]
        marked = 1 if cells[1].text == form.style.tick_mark else 2
        if rng.random() < 0.5:
            cells[marked].text = f"{{ins:{cells[marked].text}}}"
            other = cells[3 - marked]
            other.text = f"{{del:{form.style.tick_mark}}}" + (form.style.untick_mark or "")


def _layout_word_checkbox_fields(form: WordForm, rng: random.Random) -> None:
    """Legacy check-box form fields in the มี/ไม่มี columns; the LAO type as content controls."""
    _fill(form)
    schema, truth = form.schema, form.truth
    for item in ITEMS:
        table, row = form.table_row(schema.field(f"has_{item}").label)
        answer = truth[f"has_{item}"]
        table.rows[row][1].text = f"{{box:{int(answer)}}}"
        table.rows[row][2].text = f"{{box:{int(not answer)}}}"
    table, row = form.table_row(schema.field("lao_type").label)
    table.rows[row][1].text = " ".join(
        f"{{cc:{int(key == truth['lao_type'])}}} {short}" for key, short in _LAO_TYPE_SHORT.items()
    )


def _layout_word_one_table(form: WordForm, rng: random.Random) -> None:
    """The whole form in one table, as when a worksheet is pasted into Word."""
    _fill(form)
    width = max(
        sum(cell.span for cell in row)
        for b in form.blocks
        if isinstance(b, Table)
        for row in b.rows
    )
    rows: list[list[WCell]] = []
    for block in form.blocks:
        if isinstance(block, Para):
            if block.text:
                rows.append([WCell(block.text, span=width, bold=block.bold)])
        else:
            rows.extend(block.rows)
    form.blocks = [Table(rows)]


def _layout_word_line_breaks(form: WordForm, rng: random.Random) -> None:
    """Part 4 answers in a table cell beside the label, lines split by line breaks (Shift+Enter);
    the LAO type written out in full; every run split as Word splits them."""
    form.style = replace(form.style, lao_type="full", dates="long")
    form.split_runs = True
    _fill(form)
    schema = form.schema
    for key in ("problems", "suggestions"):
        spec = schema.field(key)
        index = form.para(spec.label)
        lines = form.truth[key].split("\n")
        answer = WCell("{br}".join(lines))
        form.blocks[index : index + 1 + len(lines)] = [
            Table([[WCell(spec.label, bold=True), answer]])
        ]


# ============================================================================ layouts (held out)


def _layout_word_paired_columns(form: WordForm, rng: random.Random) -> None:
    """Two Part 1 fields per table row: label | value | unit | label | value | unit."""
    _fill(form)
    table = form.table_of(form.schema.field("lao_name").label)
    paired: list[list[WCell]] = []
    for index in range(0, len(table.rows), 2):
        row = list(table.rows[index])
        if index + 1 < len(table.rows):
            row += table.rows[index + 1]
        paired.append(row)
    table.rows = paired


def _layout_word_split_projects(form: WordForm, rng: random.Random) -> None:
    """The projects table broken over two pages: two tables, the header repeated in both; Part 2
    with its units in a row under the header; totals written."""
    extra = _more_projects(rng, 6 - len(form.truth["projects"]))
    form.truth["projects"] = form.truth["projects"] + extra
    _retotal(form.truth)
    form.style = replace(form.style, write_totals=True)
    _fill(form)
    schema = form.schema
    projects = form.table_of(schema.projects.ordinal[0])
    cut = 1 + len(projects.rows[1:-1]) // 2
    header = copy.deepcopy(projects.rows[0])
    second = Table([header, *projects.rows[cut:]], header_rows=1)
    projects.rows = projects.rows[:cut]
    projects.header_rows = 1
    index = form.blocks.index(projects)
    form.blocks[index + 1 : index + 1] = [Para(""), second]
    green = form.table_of(schema.green_table.row_header[0])
    green.rows[0][1].text, green.rows[0][2].text = "จำนวน", "พื้นที่"
    green.rows.insert(1, [WCell(""), WCell("(แห่ง)"), WCell("(ตร.ม.)")])


def _layout_word_boxes_and_units(form: WordForm, rng: random.Random) -> None:
    """Numbers with their units, long BE dates, the LAO type ticked among boxes, and Part 3 as
    "☑ มี ☐ ไม่มี" in one column."""
    form.style = replace(form.style, numbers="text", dates="long", lao_type="boxes",
                         province="prefix", district="prefix")  # fmt: skip
    _fill(form)
    schema = form.schema
    items = form.table_of(schema.yes_no.item_header[0])
    items.rows[0] = [items.rows[0][0], WCell("ผลการดำเนินงาน", span=2, bold=True)]
    for item in ITEMS:
        table, row = form.table_row(schema.field(f"has_{item}").label)
        answer = form.truth[f"has_{item}"]
        text = "☑ มี ☐ ไม่มี" if answer else "☐ มี ☑ ไม่มี"
        table.rows[row] = [table.rows[row][0], WCell(text, span=2)]


def _layout_word_signature_table(form: WordForm, rng: random.Random) -> None:
    """Part 5 in a borderless table (label | value, the name in parentheses under a dotted
    line); Part 4 answers in a one-cell box under each question."""
    form.style = replace(form.style, reporter_parens=False)
    _fill(form)
    schema, truth = form.schema, form.truth
    for key in ("problems", "suggestions"):
        spec = schema.field(key)
        index = form.para(spec.label)
        lines = truth[key].split("\n")
        form.blocks[index + 1 : index + 1 + len(lines)] = [Table([[WCell("\n".join(lines))]])]
    start = form.para(schema.sections[4].labels[0])
    end = form.para(schema.field("report_date").label, start=start)
    rows = [
        [WCell(schema.field("reporter_name").label), WCell(FILL_LINE)],
        [WCell(""), WCell(f"({truth['reporter_name']})")],
        [WCell(schema.field("reporter_position").label), WCell(truth["reporter_position"])],
        [WCell(schema.field("report_date").label), WCell(_value(form, "report_date"))],
    ]
    form.blocks[start + 1 : end + 1] = [Table(rows, borders=False)]


# ---------------------------------------------------------------------------- held out (set 2)


def _layout_word_tabbed_signoff(form: WordForm, rng: random.Random) -> None:
    """Part 1 in two columns (units typed with the values); Part 5 indented with tabs, signed
    on a dotted line ending in ผู้รายงาน with the name in parentheses under it."""
    form.style = replace(form.style, numbers="text", dates="long")
    _fill(form)
    schema, truth = form.schema, form.truth
    table = form.table_of(schema.field("lao_name").label)
    table.rows = [[label, value] for label, value, _ in table.rows]
    start = form.para(schema.sections[4].labels[0])
    end = form.para(schema.field("report_date").label, start=start)
    form.blocks[start + 1 : end + 1] = [
        Para(f"\t\t\t{schema.field('reporter_name').label} {FILL_LINE} ผู้รายงาน"),
        Para(f"\t\t\t\t({truth['reporter_name']})"),
        Para(f"\t\t\t{schema.field('reporter_position').label}\t{truth['reporter_position']}"),
        Para(f"\t\t\t{schema.field('report_date').label}\t{_value(form, 'report_date')}"),
    ]


_ENGLISH = {
    "lao_name": "LAO name", "lao_type": "Type", "lao_code": "Code", "district": "District",
    "province": "Province", "area_km2": "Area", "population": "Population",
    "population_as_of": "As of", "contact_name": "Contact person", "contact_position": "Position",
    "contact_phone": "Phone", "contact_email": "E-mail",
}  # fmt: skip


def _layout_word_bilingual(form: WordForm, rng: random.Random) -> None:
    """Bilingual Part 1 labels ("จังหวัด / Province"), English dates, Yes/No answers."""
    form.style = replace(form.style, dates="english")
    _fill(form)
    schema, truth = form.schema, form.truth
    for key, english in _ENGLISH.items():
        table, row = form.table_row(schema.field(key).label)
        table.rows[row][0].text = f"{table.rows[row][0].text} / {english}"
    items = form.table_of(schema.yes_no.item_header[0])
    items.rows[0] = [WCell("รายการ / Item", bold=True), WCell("Yes / No", span=2, bold=True)]
    for item in ITEMS:
        table, row = form.table_row(schema.field(f"has_{item}").label)
        answer = "Yes" if truth[f"has_{item}"] else "No"
        table.rows[row] = [table.rows[row][0], WCell(answer, span=2)]


def _layout_word_numbered_headings(form: WordForm, rng: random.Random) -> None:
    """The title in the page header; section headings without "ส่วนที่ N" (Word numbers them);
    the Part 2 types without their item numbers."""
    _fill(form)
    schema = form.schema
    form.header = f"{schema.title} {schema.subtitle}"
    form.blocks = form.blocks[2:]
    for section in schema.sections:
        block = form.blocks[form.para(section.labels[0])]
        assert isinstance(block, Para)
        block.text = section.labels[1]
    for row_spec in schema.green_table.rows:
        table, row = form.table_row(row_spec.labels[0])
        table.rows[row][0].text = re.sub(r"^[0-9.]+\s*", "", row_spec.labels[0])


def _layout_word_dashes_for_blanks(form: WordForm, rng: random.Random) -> None:
    """What was not given written as "-": optional Part 1 values, unticked boxes, empty cells of
    the projects table and of Part 2 rows the LAO has no figures for."""
    truth = form.truth
    truth.pop("contact_position", None)
    form.style = replace(form.style, untick_mark="-")
    _fill(form)
    schema = form.schema
    table = form.table_of(schema.field("lao_name").label)
    for row in table.rows:
        if not row[1].text:
            row[1].text = rng.choice(("-", "–", "-"))
    green = form.table_of(schema.green_table.row_header[0])
    for row in green.rows[1:]:
        for cell in row[1:]:
            if not cell.text:
                cell.text = "-"
    projects = form.table_of(schema.projects.ordinal[0])
    for row in projects.rows[1:-1]:
        for cell in row[1:]:
            if not cell.text:
                cell.text = "-"


_LAYOUTS: dict[str, Callable[[WordForm, random.Random], None]] = {
    name: globals()[f"_layout_{name}"] for name in WORD_LAYOUTS
}


# ============================================================================ writing


def fill_docx(
    truth: dict[str, Any], *, layout: str, rng: random.Random, version: str = "2564.1"
) -> bytes:
    """The Word template filled with ``truth`` in ``layout`` (one of :data:`WORD_LAYOUTS`).

    Like ``fill_xlsx``, a layout that changes what the form can say edits ``truth`` in place.
    """
    schema = load_schema(version)
    style = Style(
        numbers=rng.choice(("native", "native", "text")),
        dates=rng.choice(_TEXT_DATES),
        tick_mark=rng.choice(("✓", "✔", "☑", "/", "X")),
        province=rng.choice(("plain", "plain", "prefix")),
        reporter_parens=rng.random() < 0.5,
        write_totals=rng.random() < 0.5,
    )
    form = WordForm(copy.deepcopy(list(_template_blocks(version))), style, truth, schema)
    form.split_runs = rng.random() < 0.3
    _LAYOUTS[layout](form, rng)
    return write_docx(form.blocks, split_runs=form.split_runs, rng=rng, header=form.header)


_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'
)
_TOKEN = re.compile(r"\{(sym|box|cc|ins|del):([^}]*)\}|\{br\}")
_COLUMN = 1800  # twips: a table column's width
_TEXT_WIDTH = 8640  # twips between the margins of python-docx's default page (Letter, 1.25 in)
_DATE = 'w:author="อบต." w:date="2021-09-20T10:00:00Z"'


def write_docx(
    blocks: list[Block], *, split_runs: bool = False, rng: random.Random, header: str | None = None
) -> bytes:
    """``blocks`` as a .docx package (python-docx's default package, our body)."""
    document = docx.Document()
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    body = document.element.body
    section = body.sectPr
    for child in list(body.iterchildren()):
        if child is not section:
            body.remove(child)
    writer = _Xml(split_runs, rng)
    for block in blocks:
        xml = (
            writer.paragraph(block.text, block.bold)
            if isinstance(block, Para)
            else writer.table(block)
        )
        section.addprevious(parse_xml(xml))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class _Xml:
    """WordprocessingML for paragraphs, tables and the tokens of the module docstring."""

    def __init__(self, split_runs: bool, rng: random.Random) -> None:
        self.split_runs = split_runs
        self.rng = rng
        self.ids = 0

    def paragraph(self, text: str, bold: bool = False, *, ns: bool = True) -> str:
        head = f"<w:p {_NS}>" if ns else "<w:p>"
        return f"{head}{self.runs(text.replace(chr(10), '{br}'), bold)}</w:p>"

    def table(self, table: Table) -> str:
        width = max(sum(cell.span for cell in row) for row in table.rows)
        # Columns as typed in Word: 1.25 in, narrower when the table would not fit between the
        # margins (Word and Writer cut off what runs past the page: the text would be lost).
        column = min(_COLUMN, _TEXT_WIDTH // width)
        borders = "" if table.borders else (
            "<w:tblBorders>" + "".join(
                f'<w:{side} w:val="nil"/>' for side in ("top", "left", "bottom", "right",
                                                        "insideH", "insideV")
            ) + "</w:tblBorders>"
        )  # fmt: skip
        parts = [
            f'<w:tbl {_NS}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
            f"{borders}</w:tblPr><w:tblGrid>"
            + "".join(f'<w:gridCol w:w="{column}"/>' for _ in range(width))
            + "</w:tblGrid>"
        ]
        for number, row in enumerate(table.rows):
            header = "<w:trPr><w:tblHeader/></w:trPr>" if number < table.header_rows else ""
            parts.append(f"<w:tr>{header}")
            for cell in row:
                properties = f'<w:tcW w:w="{column * cell.span}" w:type="dxa"/>'
                if cell.span > 1:
                    properties += f'<w:gridSpan w:val="{cell.span}"/>'
                if cell.vmerge == "restart":
                    properties += '<w:vMerge w:val="restart"/>'
                elif cell.vmerge == "continue":
                    properties += "<w:vMerge/>"
                paragraphs = "".join(
                    self.paragraph(line, cell.bold, ns=False) for line in cell.text.split("\n")
                )
                parts.append(f"<w:tc><w:tcPr>{properties}</w:tcPr>{paragraphs}</w:tc>")
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        return "".join(parts)

    def runs(self, text: str, bold: bool) -> str:
        out: list[str] = []
        position = 0
        for match in _TOKEN.finditer(text):
            out.append(self.plain(text[position : match.start()], bold))
            out.append(self.token(match[1], match[2], bold))
            position = match.end()
        out.append(self.plain(text[position:], bold))
        return "".join(out)

    def plain(self, text: str, bold: bool) -> str:
        if not text:
            return ""
        pieces = [text]
        if self.split_runs and len(text) > 3:
            cuts = sorted(self.rng.sample(range(1, len(text)), min(2, len(text) - 1)))
            pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        out = []
        for index, piece in enumerate(pieces):
            if index:
                out.append('<w:proofErr w:type="spellStart"/>')
            out.append(self.run(f'<w:t xml:space="preserve">{escape(piece)}</w:t>', bold))
        return "".join(out)

    def run(self, content: str, bold: bool, font: str | None = None) -> str:
        properties = "<w:b/>" if bold else ""
        if font:
            properties = f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}"/>' + properties
        rpr = f"<w:rPr>{properties}</w:rPr>" if properties else ""
        return f"<w:r>{rpr}{content}</w:r>"

    def token(self, kind: str | None, value: str | None, bold: bool) -> str:
        self.ids += 1
        if kind is None:  # {br}
            return "<w:r><w:br/></w:r>"
        value = value or ""
        if kind == "sym":
            font, _, char = value.partition(":")
            return self.run(f'<w:sym w:font="{font}" w:char="{char}"/>', bold)
        if kind == "box":
            state = "<w:checked/>" if value == "1" else ""
            return (
                '<w:r><w:fldChar w:fldCharType="begin"><w:ffData>'
                f'<w:name w:val="Check{self.ids}"/><w:enabled/><w:calcOnExit w:val="0"/>'
                f'<w:checkBox><w:sizeAuto/><w:default w:val="0"/>{state}</w:checkBox>'
                "</w:ffData></w:fldChar></w:r>"
                '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            )
        if kind == "cc":
            glyph = "☒" if value == "1" else "☐"
            return (
                f'<w:sdt><w:sdtPr><w:id w:val="{self.ids}"/><w14:checkbox>'
                f'<w14:checked w14:val="{value}"/>'
                '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
                '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/>'
                "</w14:checkbox></w:sdtPr><w:sdtContent>"
                + self.run(f"<w:t>{glyph}</w:t>", bold, font="MS Gothic")
                + "</w:sdtContent></w:sdt>"
            )
        if kind == "ins":
            return f'<w:ins w:id="{self.ids}" {_DATE}>{self.plain(value, bold)}</w:ins>'
        deleted = f'<w:delText xml:space="preserve">{escape(value)}</w:delText>'
        return f'<w:del w:id="{self.ids}" {_DATE}>{self.run(deleted, bold)}</w:del>'
