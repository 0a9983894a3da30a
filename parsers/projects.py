"""The projects table of Part 3: rows under a header row, until a total row or the next part.

Place in the flow: called by ``parsers.extract`` for each sheet, after the fields' labels were
chosen (a project named like a Part 3 item must not end the table, so only chosen labels and
section headings do). Blank rows are skipped; a row with only its ordinal number is blank; a
row repeating the header (a table split over pages, its header on each page) is skipped.
Totals are read from the total row ("รวม"), or summed from the rows when none is written.
"""

from __future__ import annotations

import dataclasses
import re

from core import thai
from parsers.cells import Cell
from parsers.collector import Collector
from parsers.labels import label_key
from parsers.layout import SheetLayout
from parsers.pagetext import WRAP_MARK, reading_confidence
from parsers.results import Provenance
from parsers.schema import ColumnSpec, FormSchema
from parsers.values import Parsed, Source, ValueSpec, is_blank, read_value


def read_projects(
    layout: SheetLayout, schema: FormSchema, out: Collector, label_cells: set[int]
) -> None:
    """Read the projects table of ``layout``'s sheet into ``out`` (nothing if no header)."""
    header_row = layout.project_header_row
    if header_row is None:
        return
    spec = schema.projects
    headers = _with_notes(layout, header_row, _headers(layout, header_row))
    columns = [(column, headers[column.key]) for column in spec.columns if column.key in headers]
    units = {column.key: thai.area_unit_of(cell.text) for column, cell in columns}
    total_keys = {label_key(text) for text in spec.total_row}
    projects: list[dict[str, object]] = []
    raw: list[dict[str, str]] = []  # each project's cell texts as read
    totals: dict[str, tuple[object, Cell]] = {}
    blank_rows = 0
    out.labels_seen.add(spec.key)
    repeats = _header_repeats(layout, header_row, spec.min_header_columns)
    for row, cells in layout.sheet.rows_between(header_row + 1, layout.sheet.last_row):
        if all(thai.is_unit_text(cell.text) for cell in cells):
            units.update(_unit_row(columns, row, layout))
            continue
        if row in repeats:
            continue  # the header again, where the table goes on over a page break
        first = next((cell for cell in cells if not is_blank(cell.text)), None)
        if first is not None and cell_is_total(first, total_keys):
            totals = _read_totals(layout, columns, row, out)
            break
        if any(_ends_table(layout, cell, label_cells) for cell in cells):
            break
        found = layout.cells_under({column.key: header for column, header in columns}, row)
        cells_found = [cell for cell in found.values() if cell is not None]
        if not any(len(cell.text.strip()) > 1 for cell in cells_found) or (
            max(reading_confidence((cell,)) for cell in cells_found) < _DIRT
        ):
            # nothing, or a lone character or mark (dirt on a scan read as "✓" or "๕"), or
            # only what OCR hardly believed (specks read as "ม ทบ"): no project - a row of the
            # table holds a name, a period or a figure
            blank_rows += 1
            if blank_rows > schema.matching.max_blank_rows:
                break
            continue
        blank_rows = 0
        if projects and _continues(found, columns, raw[-1]):
            _run_on(projects[-1], len(projects) - 1, columns, found, raw[-1], units, out)
            continue
        projects.append(_read_row(len(projects), spec.columns, columns, found, units, out))
        raw.append({key: cell.text for key, cell in found.items() if cell is not None})
    out.fields[spec.key] = projects
    _totals(spec.columns, projects, totals, out)
    _doubt_weak_headers(layout, columns, spec.columns, out)


def _doubt_weak_headers(layout: SheetLayout, columns: list[tuple[ColumnSpec, Cell]],
                        every: tuple[ColumnSpec, ...], out: Collector) -> None:  # fmt: skip
    """A column whose header was told by meaning without certainty (``labels.certainty``)
    lends that doubt to every value read under it, and to its total: a value that could be
    another column's is a doubt (review), as a field's value is under a doubtful label."""
    scores = {
        column.key: max((hit.score for hit in layout.hits_at(cell) if hit.target == ("pcol", column.key)),
                        default=1.0)
        for column, cell in columns
    }  # fmt: skip
    totals = {column.total_key: column.key for column in every if column.total_key}
    for key, where in list(out.provenance.items()):
        column = _COLUMN.match(key)
        name = column.group(1) if column else totals.get(key)
        score = scores.get(name or "", 1.0)
        if score < where.confidence:
            out.provenance[key] = dataclasses.replace(where, confidence=round(score, 3))


_COLUMN = re.compile(r"^projects\[\d+\]\.(\w+)$")


def _continues(
    found: dict[str, Cell | None], columns: list[tuple[ColumnSpec, Cell]], above: dict[str, str]
) -> bool:
    """Is this row the rest of the text of the project above (a long name typed or wrapped
    onto the next line, where the layout did not join it)? Only text, in text columns that
    the project above has filled too, and no figure: a new project has its figures."""
    texts = {key: cell.text for key, cell in found.items() if cell is not None}
    kinds = {column.key: column.type for column, _ in columns}
    return bool(texts) and all(
        kinds.get(key) == "text" and key in above and not _FIGURES.search(text)
        for key, text in texts.items()
    )


_FIGURES = re.compile(r"\d")
_DIRT = 0.4  # OCR confidence under which a row's only text is taken for dirt


def _run_on(
    project: dict[str, object],
    number: int,
    columns: list[tuple[ColumnSpec, Cell]],
    found: dict[str, Cell | None],
    above: dict[str, str],
    units: dict[str, str | None],
    out: Collector,
) -> None:
    """Join this row's texts to the project above, as the next line of each cell."""
    for column, _ in columns:
        cell = found.get(column.key)
        if cell is None:
            continue
        before = above[column.key]
        thai_wrap = _THAI.match(before[-1:]) and _THAI.match(cell.text[:1])
        joined = before + (WRAP_MARK if thai_wrap else " ") + cell.text
        above[column.key] = joined
        merged = dataclasses.replace(cell, text=joined)
        result = read_value(
            Source(cell_text(merged, column), None, units.get(column.key)), _value_spec(column)
        )
        if isinstance(result, Parsed):
            key = f"projects[{number}].{column.key}"
            project[column.key] = out.mended(key, result.value, (cell,))
            sure = min(result.confidence, reading_confidence((cell,)))
            if key in out.provenance:
                sure = min(sure, out.provenance[key].confidence)
            out.provenance[key] = Provenance(
                f"{out.provenance[key].source if key in out.provenance else ''}, {cell.source}",
                joined,
                round(sure, 3),
            )


_THAI = re.compile("[\u0e01-\u0e5b]")


def cell_is_total(cell: Cell, total_keys: set[str]) -> bool:
    key = label_key(cell.text)
    return key in total_keys or (key.startswith("รวม") and len(key) <= 12)


def _headers(layout: SheetLayout, header_row: int) -> dict[str, Cell]:
    headers: dict[str, Cell] = {}
    for hit in sorted(layout.hits, key=lambda h: h.cell.col):
        if hit.target[0] == "pcol" and hit.cell.row == header_row:
            headers.setdefault(hit.target[1], hit.cell)
    return headers


def _with_notes(layout: SheetLayout, header_row: int, headers: dict[str, Cell]) -> dict[str, Cell]:
    """Headers with the unit note that a page or scan set apart from them, in a cell of its
    own right after the header ("พื้นที่ที่เพิ่มขึ้น | (ไร่)"): the note is the header's (its
    unit, and its column: the figures under it)."""
    row = layout.sheet.row(header_row)
    own = {id(cell) for cell in headers.values()}
    out: dict[str, Cell] = {}
    for key, header in headers.items():
        after = next((cell for cell in row if cell.col > header.last_col), None)
        if (
            after is not None
            and id(after) not in own
            and after.col == header.last_col + 1
            and after.text.strip().startswith("(")
            and thai.is_unit_text(after.text)
        ):
            box = None
            if header.box is not None and after.box is not None:
                box = (header.box[0], min(header.box[1], after.box[1]), after.box[2],
                       max(header.box[3], after.box[3]))  # fmt: skip
            header = dataclasses.replace(header, text=f"{header.text} {after.text.strip()}",
                                         cols=after.last_col - header.col + 1, box=box)  # fmt: skip
        out[key] = header
    return out


def _header_repeats(layout: SheetLayout, header_row: int, minimum: int) -> set[int]:
    """Rows below the header that hold its column headers again (a header repeated on each
    page of a table split over pages)."""
    found: dict[int, set[str]] = {}
    for hit in layout.hits:
        if hit.target[0] == "pcol" and hit.cell.row > header_row:
            found.setdefault(hit.cell.row, set()).add(hit.target[1])
    return {row for row, names in found.items() if len(names) >= minimum}


def _unit_row(
    columns: list[tuple[ColumnSpec, Cell]], row: int, layout: SheetLayout
) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for column, header in columns:
        cell = layout.cell_under(header, row)
        if cell is not None and thai.area_unit_of(cell.text):
            found[column.key] = thai.area_unit_of(cell.text)
    return found


def _ends_table(layout: SheetLayout, cell: Cell, label_cells: set[int]) -> bool:
    if id(cell) in label_cells:
        return True
    return layout.is_stopper(cell) and any(
        hit.cell is cell and hit.target[0] in ("section", "title") for hit in layout.hits
    )


def _value_spec(column: ColumnSpec) -> ValueSpec:
    return ValueSpec(column.type, column.unit, column.input_unit, prose=column.prose)


def _read_row(
    number: int,
    every_column: tuple[ColumnSpec, ...],
    columns: list[tuple[ColumnSpec, Cell]],
    found: dict[str, Cell | None],
    units: dict[str, str | None],
    out: Collector,
) -> dict[str, object]:
    project: dict[str, object] = {column.key: None for column in every_column}
    for column, _ in columns:
        cell = found[column.key]
        key = f"projects[{number}].{column.key}"
        if cell is None:
            continue
        source = Source(cell_text(cell, column), cell.value, units.get(column.key))
        result = read_value(source, _value_spec(column))
        if isinstance(result, Parsed):
            project[column.key] = out.mended(key, result.value, (cell,))
            sure = min(result.confidence, reading_confidence((cell,)))  # OCR's doubt: review
            out.provenance[key] = Provenance(cell.source, cell.text, round(sure, 3))
        else:
            out.fail(result.code, key, cell.text, column.headers[0])
    return project


def cell_text(cell: Cell, column: ColumnSpec) -> str:
    """The text of a project cell as its column reads it: in a column that lists names
    (``list = true`` in the schema), a line break, or a wrap between two Thai words where the
    PDF does not show whether a space was there (``pagetext.WRAP_MARK``), is the space
    between two names; other columns leave both to ``parsers.values`` (Thai words run
    together)."""
    if not column.list:
        return cell.text
    return cell.text.replace(WRAP_MARK, " ").replace("\n", " ")


def _read_totals(
    layout: SheetLayout, columns: list[tuple[ColumnSpec, Cell]], row: int, out: Collector
) -> dict[str, tuple[object, Cell]]:
    totals: dict[str, tuple[object, Cell]] = {}
    for column, header in columns:
        if not column.total_key:
            continue
        cell = layout.cell_under(header, row)
        if cell is None:
            continue
        result = read_value(Source(cell.text, cell.value), _value_spec(column))
        if isinstance(result, Parsed):
            totals[column.total_key] = (result.value, cell)
        else:
            out.fail(result.code, column.total_key, cell.text, column.headers[0])
    return totals


def _totals(
    columns: tuple[ColumnSpec, ...],
    projects: list[dict[str, object]],
    written: dict[str, tuple[object, Cell]],
    out: Collector,
) -> None:
    """Totals as written in the total row, else the sums of the rows."""
    for column in columns:
        if not column.total_key:
            continue
        out.labels_seen.add(column.total_key)
        if column.total_key in written:
            value, cell = written[column.total_key]
            out.put(column.total_key, value, (cell,), cell.text, 1.0)
            continue
        numbers = [p[column.key] for p in projects]
        total: int | float
        if column.type == "int":
            total = sum(n for n in numbers if isinstance(n, int) and not isinstance(n, bool))
        else:
            total = round(sum(float(n) for n in numbers if isinstance(n, int | float)), 2)
        out.fields[column.total_key] = total
        rows = [
            provenance.confidence
            for key, provenance in out.provenance.items()
            if key.startswith("projects[") and key.endswith(f"].{column.key}")
        ]
        out.provenance[column.total_key] = Provenance(
            "sum of the projects rows", "", min(rows, default=1.0)
        )
