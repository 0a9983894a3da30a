"""The one label-anchored extractor: Document + FormSchema -> field values with provenance.

Place in the flow: after a reader (xlsx today; xls, docx, PDF, OCR later) made a Document,
``parsers.read_attachment`` calls :func:`extract`; validation follows. Works on positions only,
so every reader's cells go through the same code.

Per sheet (``parsers.layout``): find the labels, choose one label cell per field (a repeated
label such as ตำแหน่ง is resolved by the schema's ``after``, the form part, then the score), read
the value in the label cell after a colon, else beside it (skipping blanks and unit cells), else
below it; Part 2 rows and the tick columns of Part 3 by their table headers; the projects table by
its header row (``parsers.projects``). The sheet with the most labels is the form; another sheet
continues it (a form split over sheets, a cover sheet) unless it repeats many of the same labels
(then it is another LAO's form, which this reading leaves out); a continuation only supplies
fields whose labels the form sheet lacks.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core import thai
from parsers import thaispell
from parsers.cells import Cell, Document
from parsers.collector import Collector
from parsers.labels import Hit, index_for
from parsers.layout import Run, SheetLayout, is_dash
from parsers.pagetext import read_by_ocr
from parsers.projects import read_projects
from parsers.results import Problem, Provenance
from parsers.schema import FieldSpec, FormSchema
from parsers.values import Parsed, Source, ValueSpec, is_blank, phone_digits, read_value

_CHOICE_TYPES = frozenset({"lao_type", "bool"})


@dataclass(frozen=True)
class Extraction:
    """What the extractor read: JSON-ready fields, where each came from, and reading problems."""

    fields: dict[str, Any]
    provenance: dict[str, Provenance]
    problems: tuple[Problem, ...]
    labels_found: int


def extract(document: Document, schema: FormSchema) -> Extraction:
    """Read the form in ``document`` (see the module docstring)."""
    index = index_for(schema)
    layouts = [SheetLayout(sheet, schema, index) for sheet in document.sheets]
    if not layouts:
        return Extraction({}, {}, (), 0)
    ranked = sorted(layouts, key=lambda layout: -layout.labels_found)
    out = _read_sheet(ranked[0], schema)
    found = _targets(ranked[0])
    for other in ranked[1:]:
        theirs = _targets(other)
        if not theirs or len(theirs & found) >= schema.matching.min_labels // 2:
            continue  # nothing of ours, or another LAO's form (one form per reading)
        extra = _read_sheet(other, schema)
        for key in extra.labels_seen - out.labels_seen:
            if key in extra.fields:
                out.fields[key] = extra.fields[key]
            for name, where in extra.provenance.items():
                if name == key or name.startswith(f"{key}["):
                    out.provenance[name] = where
            out.problems.extend(p for p in extra.problems if _belongs(p.field, key))
        out.labels_seen |= extra.labels_seen
        found |= theirs
    _derive(out, schema)
    ordered = {key: out.fields[key] for key in schema.output_keys() if key in out.fields}
    return Extraction(ordered, out.provenance, tuple(out.problems), len(found))


def _belongs(field: str | None, key: str) -> bool:
    return field is not None and (field == key or field.startswith(f"{key}["))


def _targets(layout: SheetLayout) -> set[tuple[str, str]]:
    return set(layout.clustered_targets)


def _ocr_mends(schema: FormSchema) -> dict[str, Callable[[str], str]]:
    """What mends a scan's misreadings of each field: the marks of prose, an email's "/"
    (OCR's reading of a 7 in Latin text; never in an address people use)."""
    mends: dict[str, Callable[[str], str]] = {}
    for spec in schema.fields:
        if spec.prose:
            mends[spec.key] = thaispell.mended
        elif spec.type == "email":
            mends[spec.key] = _email_mended
    for column in schema.projects.columns:
        if column.prose:
            mends[f"{schema.projects.key}.{column.key}"] = thaispell.mended
    return mends


def _email_mended(address: str) -> str:
    return _SLASH_IN_WORD.sub("7", address)


_SLASH_IN_WORD = re.compile(r"(?<=[A-Za-z0-9])/(?=[A-Za-z0-9@])")


def _read_sheet(layout: SheetLayout, schema: FormSchema) -> Collector:
    out = Collector(ocr_mends=_ocr_mends(schema))
    chosen: dict[str, Hit] = {}
    used: set[int] = set()
    deferred: list[FieldSpec] = []
    for spec in schema.fields:
        if spec.after and spec.after not in chosen:
            deferred.append(spec)  # its anchor is not here: let anchored fields choose first
            continue
        _choose_and_read(layout, spec, chosen, used, out)
    for spec in deferred:
        _choose_and_read(layout, spec, chosen, used, out)
    label_cells = {id(hit.cell) for hit in chosen.values()}
    label_cells |= _read_green(layout, schema, out)
    read_projects(layout, schema, out, label_cells)
    return out


# ---------------------------------------------------------------------- choosing a label cell


def _choose_and_read(layout: SheetLayout, spec: FieldSpec, chosen: dict[str, Hit],
                     used: set[int], out: Collector) -> None:  # fmt: skip
    hit = _choose(layout, spec, chosen, used)
    if hit is None:
        return
    chosen[spec.key] = hit
    used.add(id(hit.cell))
    out.labels_seen.add(spec.key)
    _read_field(layout, spec, hit, out)


def _choose(
    layout: SheetLayout, spec: FieldSpec, chosen: dict[str, Hit], used: set[int]
) -> Hit | None:
    hits = [hit for hit in layout.hits_for(("field", spec.key)) if id(hit.cell) not in used]
    if spec.column == "area":
        inside = [hit for hit in hits if layout.in_green_table(hit.cell.row)]
        hits = inside or [h for h in hits if not layout.below_project_header(h.cell.row)]
    if not hits:
        return None
    anchor = chosen.get(spec.after) if spec.after else None
    if anchor is not None:
        start = (anchor.cell.row, anchor.cell.col)
        after = [hit for hit in hits if (hit.cell.row, hit.cell.col) > start
                 and layout.part_at(hit.cell.row) in (None, spec.part)]  # fmt: skip
        if after:  # the nearest after its anchor, value or none (a blank is the form's)
            return min(after, key=lambda hit: (-hit.score, hit.cell.row, hit.cell.col))
    hit = _with_value(
        layout, spec, sorted(hits, key=lambda hit: _preference(layout, spec.part, hit))
    )
    if spec.after and any(
        other.target != hit.target and other.target[0] == "field"
        for other in layout.hits_at(hit.cell)
    ):
        # its anchor is missing and its label is another field's too (ตำแหน่ง of the contact
        # and of the reporter): which one it is, nothing tells - a doubt
        hit = dataclasses.replace(hit, score=min(hit.score, DOUBTFUL))
    return hit


def _with_value(layout: SheetLayout, spec: FieldSpec, ranked: list[Hit]) -> Hit:
    """The first of ``ranked`` (best first) with a value beside or below it, or in it; the
    first when none has: of two cells that say a label, the one with nothing to read is the
    other's echo (a heading's wrapped line "อปท.", an instructions line), never the label.
    Fields read from table columns (ticks, Part 2 areas) are not judged so. A second cell of
    the same rank with another value makes the first :data:`DOUBTFUL`."""
    if len(ranked) == 1 or spec.type == "bool" or spec.column:
        return ranked[0]
    valued = [(hit, _value_text(layout, hit)) for hit in ranked]
    valued = [(hit, text) for hit, text in valued if text is not None]
    if not valued:
        return ranked[0]
    hit, text = valued[0]
    rivals = [other for other, theirs in valued[1:] if theirs != text
              and _rank(layout, spec, other) == _rank(layout, spec, hit)]  # fmt: skip
    if rivals:
        # two cells say this label, each with its own value, and nothing tells which is the
        # form's: a doubt (review), never a guess that passes for sure
        return dataclasses.replace(hit, score=min(hit.score, DOUBTFUL))
    return hit


DOUBTFUL = 0.6  # the score of a label whose value another cell with the same label disputes


def _value_text(layout: SheetLayout, hit: Hit) -> str | None:
    """The value the field would read beside ``hit`` (as ``_read_field`` reads it)."""
    if hit.inline is not None and not hit.tentative:
        return hit.inline.strip()
    cells = layout.value_run(hit.cell).cells
    if cells:
        return cells[0].text.strip()
    return hit.inline.strip() if hit.inline is not None else None


def _rank(layout: SheetLayout, spec: FieldSpec, hit: Hit) -> tuple[bool, bool]:
    """What places a label cell before another whatever their scores: outside the projects
    rows, in the field's part."""
    return _preference(layout, spec.part, hit)[:2]


def _preference(layout: SheetLayout, part: int, hit: Hit) -> tuple[bool, bool, float, int, int]:
    """Sort key: outside the projects rows, in the field's form part, best score, first."""
    found_part = layout.part_at(hit.cell.row)
    return (
        hit.cell.row in layout.project_rows,
        found_part is not None and found_part != part,
        -hit.score,
        hit.cell.row,
        hit.cell.col,
    )


# ---------------------------------------------------------------------- reading a field


def _value_spec(spec: FieldSpec) -> ValueSpec:
    return ValueSpec(spec.type, spec.unit, spec.input_unit, spec.multiline, spec.prose)


def _read_field(layout: SheetLayout, spec: FieldSpec, hit: Hit, out: Collector) -> None:
    label = hit.cell
    vspec = _value_spec(spec)
    label_unit = thai.area_unit_of(label.text) if spec.type == "area" else None
    if hit.inline is not None and not hit.tentative:
        result = read_value(Source(hit.inline, None, label_unit), vspec)
        out.record(spec.key, result, (label,), hit.inline, hit.score, spec.title)
        return
    if spec.type == "bool" and _read_ticks(layout, spec, hit, out):
        return
    if spec.column == "area":
        columns = layout.green_columns(label.row)
        if columns:
            _read_green_area(layout, columns, layout.cells_under(columns, label.row), spec.key,
                             hit.score, spec, out)  # fmt: skip
            return
    run = layout.value_run(label)
    if run.cells:
        _read_run(run, vspec, spec, hit.score, label_unit, layout, out)
    elif hit.inline is not None:
        result = read_value(Source(hit.inline, None, label_unit), vspec)
        if isinstance(result, Parsed):
            out.record(spec.key, result, (label,), hit.inline, hit.score, spec.title)


def _read_run(run: Run, vspec: ValueSpec, spec: FieldSpec, score: float, label_unit: str | None,
              layout: SheetLayout, out: Collector) -> None:  # fmt: skip
    first = run.cells[0]
    unit = run.unit or layout.unit_after(first) or label_unit
    if spec.type in _CHOICE_TYPES and len(run.cells) > 1 and _has_box(run.cells):
        joined = " ".join(cell.text for cell in run.cells)
        result = read_value(Source(joined), vspec)
        if isinstance(result, Parsed):
            out.record(spec.key, result, run.cells, joined, score, spec.title)
            return
    if spec.multiline and run.below:
        cells = (first, *layout.lines_after(first))
        if len(cells) > 1:
            joined = "\n".join(cell.text for cell in cells)
            out.record(spec.key, read_value(Source(joined), vspec), cells, joined, score,
                       spec.title)  # fmt: skip
            return
    if spec.multiline and len(run.cells) > 1 and read_by_ocr(run.cells):
        # a free-text answer on a scan, cut where a word of it happened to start at a column
        # edge of the table above: the rest of the row is the rest of the answer
        words = tuple(cell for cell in run.cells if len(cell.text.strip()) > 1)  # no lone ✓
        joined = " ".join(cell.text for cell in words)
        out.record(spec.key, read_value(Source(joined), vspec), words or run.cells, joined,
                   score, spec.title)  # fmt: skip
        return
    result = read_value(Source(first.text, first.value, unit), vspec)
    out.record(spec.key, result, (first,), first.text, score, spec.title)


def _has_box(cells: tuple[Cell, ...]) -> bool:
    return any(thai.parse_tick(cell.text) is not None or "☐" in cell.text for cell in cells)


def _read_ticks(layout: SheetLayout, spec: FieldSpec, hit: Hit, out: Collector) -> bool:
    """A tick under the มี or ไม่มี column header; False when neither column has a mark."""
    columns = layout.tick_columns(hit.cell.row)
    if columns is None:
        return False
    yes_cell = layout.cell_under(columns[0], hit.cell.row)
    no_cell = layout.cell_under(columns[1], hit.cell.row)
    yes, no = _ticked(yes_cell), _ticked(no_cell)
    if yes and no:
        raw = f"{yes_cell.text if yes_cell else ''} / {no_cell.text if no_cell else ''}"
        out.fail("ambiguous_tick", spec.key, raw, spec.title)
        return True
    cell = yes_cell if yes else no_cell if no else None
    if cell is None:
        return False
    out.put(spec.key, bool(yes), (cell,), cell.text, hit.score)
    return True


def _ticked(cell: Cell | None) -> bool:
    if cell is None:
        return False
    if isinstance(cell.value, bool):
        return cell.value
    if isinstance(cell.value, int):
        return cell.value == 1
    return thai.parse_tick(cell.text) is True


# ---------------------------------------------------------------------- Part 2


def _read_green(layout: SheetLayout, schema: FormSchema, out: Collector) -> set[int]:
    """The type rows of the green-space table; returns the ids of the row label cells used."""
    table = schema.green_table
    used: set[int] = set()
    for row_spec in table.rows:
        hits = [h for h in layout.hits_for(("row", row_spec.type)) if id(h.cell) not in used]
        if not hits:
            continue
        hit = min(hits, key=lambda h: (not layout.in_green_table(h.cell.row), *_preference(
            layout, table.part, h)))  # fmt: skip
        used.add(id(hit.cell))
        sites_key, area_key = table.sites_field(row_spec.type), table.area_field(row_spec.type)
        out.labels_seen |= {sites_key, area_key}
        sites_spec, area_spec = schema.field(sites_key), schema.field(area_key)
        columns = layout.green_columns(hit.cell.row)
        if columns:
            under = layout.cells_under(columns, hit.cell.row)
            for name in ("sites", "area"):  # "-" for zero in a column of figures
                if under.get(name) is None and name in columns:
                    under[name] = layout.cell_under(columns[name], hit.cell.row, dash=True)
            cell = under.get("sites")
            if cell is not None:
                result = read_value(Source(_zero(cell.text), cell.value), _value_spec(sites_spec))
                out.record(sites_key, result, (cell,), cell.text, hit.score, sites_spec.title)
            _read_green_area(layout, columns, under, area_key, hit.score, area_spec, out)
        else:
            _read_green_run(layout, hit, sites_spec, area_spec, out)
    return used


def _read_green_area(layout: SheetLayout, columns: dict[str, Cell], under: dict[str, Cell | None],
                     key: str, score: float, spec: FieldSpec, out: Collector) -> None:  # fmt: skip
    vspec = _value_spec(spec)
    if "rai" in columns and ("ngan" in columns or "wa" in columns):
        parts = [under.get(name) for name in ("rai", "ngan", "wa")]
        present = tuple(cell for cell in parts if cell is not None)
        if present:
            raw = "-".join(cell.text if cell else "0" for cell in parts)
            if len(columns.keys() & {"rai", "ngan", "wa"}) < 3 and _figure_beyond(
                layout, present[-1], columns
            ):
                score = min(score, _UNCLAIMED)  # a ตร.วา column no header named: a doubt
            out.record(key, read_value(Source(raw), vspec), present, raw, score, spec.title)
        return
    header = columns.get("area")
    if header is None:
        return
    cell = under.get("area")
    sites = columns.get("sites")
    if cell is None or (sites is not None and cell.overlaps_cols(sites)):
        return
    unit = layout.unit_after(cell) or thai.area_unit_of(header.text)
    result = read_value(Source(_zero(cell.text), cell.value, unit), vspec)
    out.record(key, result, (cell,), cell.text, score, spec.title)


_UNCLAIMED = 0.6  # an area read from ไร่/งาน columns with a figure beside them no header names


def _figure_beyond(layout: SheetLayout, last: Cell, columns: dict[str, Cell]) -> bool:
    """A figure right of ``last`` in its row, under no column header of the table."""
    heads = [header for header in columns.values() if header.col > last.col]
    limit = min((header.col for header in heads), default=None)
    for cell in layout.sheet.row(last.row):
        if cell.col <= last.col or (limit is not None and cell.col >= limit):
            continue
        if isinstance(cell.value, int | float) or thai.parse_number(cell.text) is not None:
            return True
    return False


def _read_green_run(layout: SheetLayout, hit: Hit, sites_spec: FieldSpec, area_spec: FieldSpec,
                    out: Collector) -> None:  # fmt: skip
    """No table header above: the first number beside the row is the sites, the next the area."""
    run = layout.value_run(hit.cell)
    cells = [cell for cell in run.cells if not is_blank(cell.text)]
    with_unit = [c for c in cells if thai.area_unit_of(c.text) or layout.unit_after(c)]
    area_cell = with_unit[0] if with_unit else (cells[1] if len(cells) > 1 else None)
    sites_cell = next((cell for cell in cells if cell is not area_cell), None)
    if sites_cell is not None:
        result = read_value(Source(sites_cell.text, sites_cell.value), _value_spec(sites_spec))
        out.record(sites_spec.key, result, (sites_cell,), sites_cell.text, hit.score * 0.9,
                   sites_spec.title)  # fmt: skip
    if area_cell is not None:
        unit = layout.unit_after(area_cell) or run.unit
        result = read_value(Source(area_cell.text, area_cell.value, unit), _value_spec(area_spec))
        out.record(area_spec.key, result, (area_cell,), area_cell.text, hit.score * 0.9,
                   area_spec.title)  # fmt: skip


def _zero(text: str) -> str:
    """A lone dash in a column of figures is zero."""
    return "0" if is_dash(text) else text


# ---------------------------------------------------------------------- derived values


def _derive(out: Collector, schema: FormSchema) -> None:
    """A lao_type from its name field's prefix when none was read; phone digits."""
    for spec in schema.fields:
        if spec.derive_from and spec.key not in out.fields and spec.derive_from in out.fields:
            derived = thai.lao_type_from_name(str(out.fields[spec.derive_from]))
            if derived is not None:
                name = out.provenance[spec.derive_from]
                out.fields[spec.key] = derived
                out.provenance[spec.key] = Provenance(name.source, name.raw, name.confidence * 0.9)
                out.problems = [p for p in out.problems if p.field != spec.key]
        if spec.type == "phone" and spec.key in out.fields:
            digits = phone_digits(str(out.fields[spec.key]))
            if digits:
                out.fields[f"{spec.key}_digits"] = digits
                out.provenance[f"{spec.key}_digits"] = out.provenance[spec.key]


# ---------------------------------------------------------------------- plainly the form


def form_like(document: Document, schema: FormSchema) -> bool:
    """Whether ``document`` is plainly the form, whatever values could be read: on one sheet
    (page), its title and a part heading, or two part headings, or a few of its labels (a
    cover letter quotes the title, not the parts). For scans whose values OCR could not read."""
    index = index_for(schema)
    for sheet in document.sheets:
        layout = SheetLayout(sheet, schema, index)
        parts = {target for target in layout.by_target if target[0] == "section"}
        title = ("title", "") in layout.by_target
        if len(parts) >= 2 or (title and parts) or layout.labels_found >= _FORM_LIKE_LABELS:
            return True
    return False


_FORM_LIKE_LABELS = 3  # labels of fields and Part 2 rows: a first look's proof of a form page
