"""One sheet's labels and their geometry: where values, table columns and table rows are.

Place in the flow: ``parsers.extract`` builds a :class:`SheetLayout` per sheet (or page) from the
label hits of ``parsers.labels``; ``parsers.extract`` and ``parsers.projects`` then ask it for
the cells beside or below a label, the column under a table header, and which cells end a search
(other labels: "stoppers"). Knows positions, not value types. The cells of a page reader
are first regrouped by the labels their lines hold (``parsers.relining``): geometry alone
cannot always tell a wrapped line from a new one.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from core.thai import area_unit_of, is_unit_text
from parsers.cells import Cell, Sheet
from parsers.labels import (
    FUZZY_KINDS,
    Hit,
    LabelIndex,
    Target,
    find_hits,
    fuzzy_hits,
    header_hits,
    is_label_like,
    label_key,
    meaning_hits,
)
from parsers.pagetext import TextCell
from parsers.relining import relined
from parsers.schema import FormSchema
from parsers.values import is_blank

_STOPPER_KINDS = frozenset({"field", "row", "section", "title", "rowhead", "itemhead"})
_GREEN_COLUMNS = frozenset({"sites", "area", "rai", "ngan", "wa"})
_MAX_RUN = 8
_MAX_LINES = 40
_FILL_IN_LINE = re.compile(r"\.{3,}|_{3,}|…")
# Headers of a remarks column: what stands under one is a note on its row, never its value.
_REMARKS = frozenset(
    label_key(text)
    for text in ("หมายเหตุ", "หมายเหตุ/คำอธิบาย", "คำอธิบาย", "คำชี้แจง", "Remarks", "Remark",
                 "Note", "Notes")
)  # fmt: skip
_IN_PARENTHESES = re.compile(r"^\s*\(.+\)\s*$", re.S)


@dataclass(frozen=True)
class Run:
    """The value cells found for a label, and an area unit seen in a unit cell after them."""

    cells: tuple[Cell, ...]
    unit: str | None = None
    below: bool = False  # found under the label rather than beside it


class SheetLayout:
    """Label hits of one sheet and the lookups built on them."""

    def __init__(self, sheet: Sheet, schema: FormSchema, index: LabelIndex) -> None:
        sheet = relined(sheet, index)
        self.sheet = sheet
        self.schema = schema
        hits = find_hits(index, sheet)
        hits += header_hits(index, sheet, hits)
        self.green_header_rows = _header_rows(hits, _GREEN_COLUMNS, "gcol", minimum=2)
        self.tick_rows = _tick_rows(hits)
        self.project_header_row = _project_header(hits, schema.projects.min_header_columns)
        self.project_rows = self._project_region_rows(hits)
        matching = schema.matching
        headers = self._table_header_cells(hits)
        # a cell that may be a reworded heading names no field for sure ("4. ปัญหา/ข้อเสนอแนะ"
        # starts with ปัญหา): its fields are still looked for by meaning elsewhere
        maybe_headings = {id(h.cell) for h in hits if h.target[0] == "section" and h.score < 1.0}
        missing = _missing_targets(
            schema,
            [h for h in hits if id(h.cell) not in headers and id(h.cell) not in maybe_headings],
            self.project_rows,
        )
        if missing:
            alone = {id(cell) for cell in sheet.cells
                     if not any(other is not cell and not is_blank(other.text)
                                for other in sheet.row(cell.row))}  # fmt: skip
            # a heading stands alone on its row: a cell with a value beside it that matched a
            # heading without its parentheses ("ข้อมูลพื้นที่สีเขียว (ฐานข้อมูล)" | ✓) is free
            headings = _exact_headings(hits)
            taken = {id(hit.cell) for hit in hits
                     if hit.target[0] != "section" or hit.score >= 1.0
                     or (id(hit.cell) in alone and self._heading(hit, headings))}  # fmt: skip
            # the cell right after a label (nothing between) is its value, never a label read
            # by meaning ("ประเภทของหน่วยงาน | องค์การบริหารส่วนจังหวัด" is no จังหวัด)
            labelled = {id(hit.cell) for hit in hits
                        if hit.target[0] in FUZZY_KINDS and hit.inline is None}  # fmt: skip
            values: set[int] = set()
            for row_cells in (sheet.row(number) for number in {c.row for c in sheet.cells}):
                shown = [cell for cell in row_cells if not is_blank(cell.text)]
                values |= {id(right) for left, right in itertools.pairwise(shown)
                           if id(left) in labelled}  # fmt: skip
            candidates = [
                cell
                for cell in sheet.cells
                if id(cell) not in taken
                and id(cell) not in values
                and cell.row not in self.project_rows
                and is_label_like(cell)
            ]

            def part_of(cell: Cell) -> int | None:
                """The part a cell stands in, when its heading and the next part's are both
                written as the form writes them (else a reworded heading may lie between)."""
                above = [number for row, number in headings if row <= cell.row]
                below = [number for row, number in headings if row > cell.row]
                if above and below and below[0] == above[-1] + 1:
                    return above[-1]
                return None

            by_meaning = self._in_their_part(
                meaning_hits(index, candidates, missing, alone, part_of), hits
            )
            hits += by_meaning
            missing -= {hit.target for hit in by_meaning}
            taken |= {id(hit.cell) for hit in by_meaning}
            hits += fuzzy_hits(
                index,
                (cell for cell in candidates if id(cell) not in taken),
                missing,
                matching.fuzzy_threshold,
                matching.fuzzy_penalty,
            )
            hits += self._rows_by_place(hits, index)
        exact = _exact_headings(hits)
        hits = [hit for hit in hits if hit.target[0] != "section" or hit.score >= 1.0
                or self._heading(hit, exact)]  # fmt: skip
        # a reworded heading that stands is its cell's only meaning; one that does not leaves
        # the label it starts with ("ผู้รายงานข้อมูล ลงชื่อ" under "ส่วนที่ 5 ผู้รายงาน")
        reworded = {id(hit.cell) for hit in hits if hit.target[0] == "section" and hit.score < 1.0}
        hits = [hit for hit in hits if id(hit.cell) not in reworded or hit.target[0] == "section"]
        headers = self._table_header_cells(hits)
        hits = [hit for hit in hits if id(hit.cell) not in headers or hit.target[0] != "field"
                or schema.field(hit.target[1]).column]  # fmt: skip
        hits = _below_the_title(hits, schema.matching.min_labels)
        self.hits = hits = _scaled_by_reading(hits, sheet)
        self.by_target: dict[Target, list[Hit]] = {}
        for hit in hits:
            self.by_target.setdefault(hit.target, []).append(hit)
        self._stoppers = {id(hit.cell) for hit in hits if self._is_stopper(hit)}
        sections = sorted(
            (hit.cell.row, int(hit.target[1])) for hit in hits if hit.target[0] == "section"
        )
        self._section_rows = [row for row, _ in sections]
        self._section_parts = [part for _, part in sections]
        self._remarks = self._remarks_columns()
        self._green_columns: dict[int, dict[str, Cell]] = {}

    def _rows_by_place(self, hits: list[Hit], index: LabelIndex) -> list[Hit]:
        """Part 2 rows no label named, told by their place: the type rows come in the spec's
        order, so a row of figures that stands alone between the rows of the types before and
        after a missing type (or the header, or the total row) is that type's row, when its
        words mean that type better than any other missing one ("พื้นที่สีเขียวในหน่วยงาน/
        สถานศึกษา/วัด" between 2.1 and 2.3 is 2.2). Sure only then; a row with no such words
        is left unread (a doubt the total then shows)."""
        if not self.green_header_rows:
            return []
        order = [("row", row.type) for row in self.schema.green_table.rows]
        found: dict[Target, Hit] = {}
        for hit in hits:
            if hit.target in order and (
                hit.target not in found or hit.score > found[hit.target].score
            ):
                found[hit.target] = hit
        missing = [target for target in order if target not in found]
        if not missing or not found:
            return []
        header = min(self.green_header_rows)
        totals = [hit.cell.row for hit in hits if hit.target == ("field", "green_total_area_m2")
                  and hit.cell.row > header]  # fmt: skip
        end = min(totals) if totals else None
        column = min(hit.cell.col for hit in found.values())
        taken = {id(hit.cell) for hit in hits}
        words = {target: w for target, w in index.meanings if target in missing}
        added: list[Hit] = []
        for position, target in enumerate(order):
            if target in found:
                continue
            before = [found[t].cell.row for t in order[:position] if t in found]
            after = [found[t].cell.row for t in order[position + 1 :] if t in found]
            low = before[-1] if before else header
            high = after[0] if after else end
            if high is None:
                continue
            if (before and order[position - 1] not in found) or (
                after and position + 1 < len(order) and order[position + 1] not in found
            ):
                continue  # two missing side by side: their order alone does not tell them
            candidates = [
                cell for number, cells in self.sheet.rows_between(low + 1, high - 1)
                for cell in cells
                if cell.col == column and id(cell) not in taken and is_label_like(cell)
                and _figures_right(self.sheet, cell)
            ]  # fmt: skip
            if len(candidates) != 1:
                continue
            cell = candidates[0]
            cell_words = index.vocabulary.words(index.canon(label_key(cell.text)))
            scores = {t: index.vocabulary.similarity(cell_words, w) for t, w in words.items()}
            if not scores or max(scores, key=lambda t: scores[t]) != target or scores[target] <= 0:
                continue
            added.append(Hit(cell, target, 0.9))
        return added

    def _table_header_cells(self, hits: list[Hit]) -> set[int]:
        """Cells that head a column of Part 2 or of the projects table ("ขนาดพื้นที่" over the
        areas): never a field's label, whatever field's words they share."""
        return {
            id(hit.cell)
            for hit in hits
            if (hit.target[0] == "gcol" and hit.cell.row in self.green_header_rows)
            or (hit.target[0] in ("pcol", "ordinal") and hit.cell.row == self.project_header_row)
        }

    def _in_their_part(self, found: list[Hit], hits: list[Hit]) -> list[Hit]:
        """Labels read by meaning that stand in their own form part (under its heading, when
        the sheet has headings), the best one per target: a sentence of a Part 4 answer that
        speaks of รุกขกร is not Part 3's label."""
        known = sorted((hit.cell.row, int(hit.target[1])) for hit in hits
                       if hit.target[0] == "section" and hit.score >= 1.0)  # fmt: skip
        sections = [
            hit for hit in found if hit.target[0] == "section" and self._heading(hit, known)
        ]
        headings = sorted([*known, *((hit.cell.row, int(hit.target[1])) for hit in sections)])
        best: dict[Target, Hit] = {}
        for hit in found:
            if hit.target[0] == "section":
                continue
            part = self._target_part(hit.target)
            above = [number for row, number in headings if row <= hit.cell.row]
            below = [number for row, number in headings if row > hit.cell.row]
            if part and ((above and above[-1] > part) or (below and below[0] <= part)):
                continue  # under a later part's heading, or above its own part's
            if hit.target not in best or hit.score > best[hit.target].score:
                best[hit.target] = hit
        return sections + [hit for hit in found if best.get(hit.target) is hit]

    def _heading(self, hit: Hit, known: list[tuple[int, int]]) -> bool:
        """A part's heading reworded stands alone on its row, after the headings of earlier
        parts and before those of later ones (a Part 3 item that speaks of ข้อมูลพื้นที่สีเขียว
        is no Part 2 heading), and its part has no heading written as the form writes it."""
        if any(cell is not hit.cell and not is_blank(cell.text)
               for cell in self.sheet.row(hit.cell.row)):  # fmt: skip
            return False
        part = int(hit.target[1])
        if any(number == part for _, number in known):
            return False
        return all((row < hit.cell.row) == (number < part) for row, number in known
                   if number != part)  # fmt: skip

    def _target_part(self, target: Target) -> int:
        if target[0] == "row":
            return self.schema.green_table.part
        if target[0] == "field" and self.schema.has_field(target[1]):
            return self.schema.field(target[1]).part
        return 0

    # ------------------------------------------------------------------ what the sheet holds

    @property
    def labels_found(self) -> int:
        """Distinct fields and Part 2 rows whose labels stand together on this sheet."""
        return len(self.clustered_targets)

    @cached_property
    def clustered_targets(self) -> frozenset[Target]:
        """The fields and Part 2 rows whose labels lie in the densest run of
        ``matching.label_span_rows`` rows. A form's labels stand together (rows inserted and
        blank rows between projects stretch it, not to hundreds of rows); a list of thousands of
        place names matches one label here and another a thousand rows on, and is no form."""
        span = self.schema.matching.label_span_rows
        placed = sorted(
            (hit.cell.row, target)
            for target, hits in self.by_target.items()
            if target[0] in FUZZY_KINDS
            for hit in hits
        )
        best: frozenset[Target] = frozenset()
        counts: dict[Target, int] = {}
        start = 0
        for row, target in placed:
            counts[target] = counts.get(target, 0) + 1
            while placed[start][0] < row - span:
                gone = placed[start][1]
                counts[gone] -= 1
                if not counts[gone]:
                    del counts[gone]
                start += 1
            if len(counts) > len(best):
                best = frozenset(counts)
        return best

    def part_at(self, row: int) -> int | None:
        """The form part whose section heading is nearest above ``row`` (None: no heading)."""
        position = bisect.bisect_right(self._section_rows, row)
        return self._section_parts[position - 1] if position else None

    def hits_for(self, target: Target) -> list[Hit]:
        return self.by_target.get(target, [])

    def hits_at(self, cell: Cell) -> list[Hit]:
        """The label hits of ``cell`` (one cell may say the labels of several fields)."""
        return [hit for hit in self.hits if hit.cell is cell]

    def is_stopper(self, cell: Cell) -> bool:
        return id(cell) in self._stoppers

    def _is_stopper(self, hit: Hit) -> bool:
        kind, row = hit.target[0], hit.cell.row
        if kind in _STOPPER_KINDS:
            return True
        if kind == "gcol":
            return row in self.green_header_rows
        if kind in ("yes", "no"):
            return row in self.tick_rows
        if kind in ("pcol", "ordinal"):
            return row == self.project_header_row
        return False

    def _project_region_rows(self, hits: list[Hit]) -> set[int]:
        """Rows under the projects header to its total row (included) or the next section.

        Project names must not pass for reworded labels, nor be chosen as a field's label.
        """
        header = self.project_header_row
        if header is None:
            return set()
        sections = {id(hit.cell) for hit in hits if hit.target[0] == "section"}
        totals = {label_key(text) for text in self.schema.projects.total_row}
        rows: set[int] = set()
        for number, cells in self.sheet.rows_between(header + 1, self.sheet.last_row):
            if any(id(cell) in sections for cell in cells):
                break
            rows.add(number)
            if any(label_key(cell.text) in totals for cell in cells):
                break  # the total row belongs to the table
        return rows

    def _remarks_columns(self) -> list[tuple[int, int, int, int]]:
        """(first row, last row, first col, last col) under each remarks column header.

        A header is a cell saying หมายเหตุ (or the like) with other text to its left in its row;
        its column holds notes from the next row down to the next section heading.
        """
        regions: list[tuple[int, int, int, int]] = []
        for cell in self.sheet.cells:
            if label_key(cell.text) not in _REMARKS:
                continue
            if not any(other.col < cell.col for other in self.sheet.row(cell.row)):
                continue
            later = bisect.bisect_right(self._section_rows, cell.row)
            end = (
                self._section_rows[later] - 1
                if later < len(self._section_rows)
                else self.sheet.last_row
            )
            regions.append((cell.row + 1, end, cell.col, cell.last_col))
        return regions

    def in_remarks(self, cell: Cell) -> bool:
        """True when ``cell`` stands in a remarks column (see :meth:`_remarks_columns`)."""
        return any(
            first <= cell.row <= last and cell.col <= right and cell.last_col >= left
            for first, last, left, right in self._remarks
        )

    # ------------------------------------------------------------------ values beside or below

    def value_run(self, label: Cell) -> Run:
        """Value cells right of ``label`` (up to the next label), else the first one below.

        A signature block is read too: a fill-in line beside the label ("ลงชื่อ | ......")
        with the name in parentheses under the line ("(นายสมชาย ใจดี)").
        """
        cells: list[Cell] = []
        lines: list[Cell] = []
        unit: str | None = None
        for cell in self.sheet.right_of(label):
            if self.is_stopper(cell) or len(cells) >= _MAX_RUN or self.in_remarks(cell):
                break
            if is_blank(cell.text):
                if _FILL_IN_LINE.search(cell.text):
                    lines.append(cell)
                continue
            if is_unit_text(cell.text):
                unit = unit or area_unit_of(cell.text)
                continue
            cells.append(cell)
        if cells:
            return Run(tuple(cells), unit)
        for line in lines:
            for cell in self.sheet.below(line, 2):
                if self.is_stopper(cell):
                    break
                if _IN_PARENTHESES.match(cell.text):
                    return Run((cell,))
        if _FILL_IN_LINE.search(label.text):
            name = self._name_under_line(label)
            if name is not None:
                return Run((name,))
        for cell in self.sheet.below(label, self.schema.matching.below_rows):
            if self.is_stopper(cell):
                break
            if is_blank(cell.text) or is_unit_text(cell.text) or self.in_remarks(cell):
                continue
            return Run((cell,), self.unit_after(cell), below=True)
        alone = self._alone_below(label)
        return Run((alone,), self.unit_after(alone), below=True) if alone else Run(())

    def _alone_below(self, label: Cell) -> Cell | None:
        """On a page: the one cell of the next row, right of where ``label`` starts, with
        nothing else on its row - a value printed below its label but set to the right of a
        wide cell (a date, a number: right-aligned), so in no column of the label's."""
        if label.box is None:
            return None
        for _, cells in self.sheet.rows_between(label.last_row + 1, label.last_row + 1):
            filled = [cell for cell in cells if not is_blank(cell.text)]
            if len(filled) == 1 and filled[0].box is not None and filled[0].col >= label.col:
                cell = filled[0]
                if not self.is_stopper(cell) and not self.in_remarks(cell):
                    return cell
        return None

    def _name_under_line(self, label: Cell) -> Cell | None:
        """The name in parentheses under a signature line typed in the label's own cell
        ("ลงชื่อ ............ ผู้รายงาน", then "(นายสมชาย ใจดี)" centred under the line): in the
        next two rows, under the label or right of where it starts, before any other label."""
        for _, cells in self.sheet.rows_between(label.last_row + 1, label.last_row + 2):
            for cell in cells:
                if cell.last_col < label.col:
                    continue
                if self.is_stopper(cell):
                    return None
                if _IN_PARENTHESES.match(cell.text):
                    return cell
        return None

    def lines_after(self, first: Cell) -> tuple[Cell, ...]:
        """More lines of a free-text answer found under its label: the cells starting in
        ``first``'s column in the rows right after it (a Word answer of several paragraphs),
        up to a blank row, a label or another column's cell."""
        lines: list[Cell] = []
        row = first.last_row
        for number, cells in self.sheet.rows_between(row + 1, row + _MAX_LINES):
            if number != row + 1 or len(cells) != 1:
                break
            cell = cells[0]
            if cell.col != first.col or self.is_stopper(cell) or is_blank(cell.text):
                break
            lines.append(cell)
            row = cell.last_row
        return tuple(lines)

    def unit_after(self, cell: Cell) -> str | None:
        """The area unit of a unit cell just right of ``cell`` ("7,200" | "ตร.ม.")."""
        for other in self.sheet.right_of(cell):
            return area_unit_of(other.text) if is_unit_text(other.text) else None
        return None

    def cell_under(self, header: Cell, row: int, *, dash: bool = False) -> Cell | None:
        """The first non-blank cell of ``row`` within ``header``'s columns (with ``dash``, a
        lone dash too: "-" for zero in a column of figures)."""
        for cell in self.sheet.in_columns(row, header.col, header.last_col):
            if not is_blank(cell.text) or (dash and is_dash(cell.text)):
                return cell
        return None

    def cells_under(self, headers: Mapping[str, Cell], row: int) -> dict[str, Cell | None]:
        """The cell of ``row`` under each of a table's column ``headers`` (by key).

        On a page (a PDF, a scan) a column's header and its figures may land in different grid
        columns: a header written from the left edge of a wide column, its figures set to the
        right edge, with no other text in between to tie the two. So a cell of the row under
        no cell of the header rows (a stray) belongs to the header whose column it lies in on
        the page - from the header's left edge (less half a line: OCR's boxes of text aligned
        in one column start a few points apart) to where the next cell of the header rows
        starts - if that column has nothing yet in this row; of two strays in one column, the
        one with more text (the other is a scan's dirt or a ruled line read as "1"). Cells
        without boxes (a workbook's) are never strays: their grid is the file's own."""
        found = {key: self.cell_under(header, row) for key, header in headers.items()}
        if all(cell is not None for cell in found.values()):
            return found
        if not any(cell.box for cell in self.sheet.row(row)):
            return found  # a workbook's row: no strays
        header_rows = sorted({header.row for header in headers.values()})
        heads = sorted((cell for number in header_rows for cell in self.sheet.row(number)
                        if cell.box), key=_left)  # fmt: skip
        spans: list[tuple[str, float, float]] = []  # the empty columns' page spans
        for key, header in sorted(headers.items(), key=lambda item: _left(item[1])):
            if found[key] is None and header.box is not None:
                after = next((h for h in heads if _left(h) > header.box[2]), None)
                slack = (header.box[3] - header.box[1]) / 2
                right = _left(after) if after is not None else float("inf")
                spans.append((key, header.box[0] - slack, right))
        taken = {id(cell) for cell in found.values() if cell is not None}
        strays: dict[str, list[Cell]] = {}
        for cell in self.sheet.row(row):
            if cell.box is None or id(cell) in taken or is_blank(cell.text):
                continue
            if any(next(self.sheet.in_columns(number, cell.col, cell.last_col), None)
                   for number in header_rows):  # fmt: skip
                continue  # under a header (of the schema's or not): not a stray
            owner = next((k for k, left, right in spans
                          if left <= cell.box[0] and cell.box[2] <= right), None)  # fmt: skip
            if owner is not None:
                strays.setdefault(owner, []).append(cell)
        for key, cells in strays.items():
            found[key] = max(cells, key=lambda cell: len(cell.text.strip()))
        return found

    # ------------------------------------------------------------------ table headers

    def green_columns(self, row: int) -> dict[str, Cell]:
        """Part 2 column headers ("sites", "area", "rai", ...) in the header block above ``row``."""
        if row not in self._green_columns:
            self._green_columns[row] = self._find_green_columns(row)
        return self._green_columns[row]

    def _find_green_columns(self, row: int) -> dict[str, Cell]:
        above = [number for number in self.green_header_rows if number < row]
        if not above:
            return {}
        if self.project_header_row is not None and max(above) < self.project_header_row < row:
            return {}
        block = [max(above)]
        while block[-1] - 1 in self.green_header_rows:
            block.append(block[-1] - 1)
        columns: dict[str, Cell] = {}
        for number in block:  # nearest row first
            for hit in self.hits:
                if hit.target[0] == "gcol" and hit.cell.row == number:
                    columns.setdefault(hit.target[1], hit.cell)
        return columns

    def tick_columns(self, row: int) -> tuple[Cell, Cell] | None:
        """The (มี, ไม่มี) header cells of the nearest tick-column header row above ``row``."""
        above = [number for number in self.tick_rows if number < row]
        if not above:
            return None
        nearest = max(above)
        yes = next(h.cell for h in self.hits if h.target == ("yes", "") and h.cell.row == nearest)
        no = next(h.cell for h in self.hits if h.target == ("no", "") and h.cell.row == nearest)
        return yes, no

    def in_green_table(self, row: int) -> bool:
        return bool(self.green_columns(row))

    def below_project_header(self, row: int) -> bool:
        header = self.project_header_row
        return header is not None and header < row


_DASH = re.compile(r"^\s*[-–—]\s*$")
_FIGURE = re.compile(r"^\s*[-–—]?\s*[0-9๐-๙][0-9๐-๙,.\s-]*\s*(?:ไร่|งาน|ตร\.?\s*วา|ตารางวา)?\s*$")


def _figures_right(sheet: Sheet, label: Cell) -> bool:
    """A figure (or a dash for zero) stands right of ``label`` in its row."""
    return any(
        cell.col > label.col
        and (isinstance(cell.value, int | float) or bool(_FIGURE.match(cell.text))
             or is_dash(cell.text))
        for cell in sheet.row(label.row)
    )  # fmt: skip


def is_dash(text: str) -> bool:
    """A lone dash: how a table of figures writes zero."""
    return bool(_DASH.match(text))


def _exact_headings(hits: list[Hit]) -> list[tuple[int, int]]:
    return sorted((hit.cell.row, int(hit.target[1])) for hit in hits
                  if hit.target[0] == "section" and hit.score >= 1.0)  # fmt: skip


def _scaled_by_reading(hits: list[Hit], sheet: Sheet) -> list[Hit]:
    """Labels of fields and Part 2 rows on lines read with little confidence (OCR cells,
    ``parsers.pagetext.TextCell``) score that much less, and so do the values read with them:
    they go to review. All hits of one target are scaled alike (by the least sure of their
    lines), so that how sure OCR was never decides which of two labels is the field's."""
    if not any(isinstance(cell, TextCell) for cell in sheet.cells[:1]):
        return hits  # a workbook's cells: read surely
    sure: dict[int, float] = {}
    for hit in hits:
        if hit.cell.row not in sure:
            sure[hit.cell.row] = min(
                (cell.confidence for cell in sheet.row(hit.cell.row) if isinstance(cell, TextCell)),
                default=1.0,
            )
    factor: dict[Target, float] = {}
    for hit in hits:
        if hit.target[0] in FUZZY_KINDS:
            factor[hit.target] = min(factor.get(hit.target, 1.0), sure[hit.cell.row])
    return [
        dataclasses.replace(hit, score=round(hit.score * factor[hit.target], 3))
        if factor.get(hit.target, 1.0) < 1.0
        else hit
        for hit in hits
    ]


def _below_the_title(hits: list[Hit], minimum: int) -> list[Hit]:
    """Nothing of a form stands above its title: when the form's title is found under labels
    (the pages of a PDF whose instructions page, with its example figures, comes first) and
    a form's worth of labels follows it, the labels above the title are not the form's."""
    titles = [hit.cell.row for hit in hits if hit.target[0] == "title" and hit.score >= 1.0]
    if not titles:
        return hits
    top = min(titles)
    below = {hit.target for hit in hits if hit.target[0] in FUZZY_KINDS and hit.cell.row > top}
    if len(below) < minimum or not any(
        hit.target[0] in FUZZY_KINDS and hit.cell.row < top for hit in hits
    ):
        return hits
    return [hit for hit in hits if hit.cell.row >= top]


def _header_rows(hits: Iterable[Hit], kinds: frozenset[str], kind: str, minimum: int) -> set[int]:
    """Rows holding ``minimum`` distinct column headers of one table and no row label."""
    found: dict[int, set[str]] = {}
    labelled: set[int] = set()
    heads = {id(hit.cell) for hit in hits if hit.target[0] in (kind, "rowhead")}
    for hit in hits:
        if hit.target[0] == kind and hit.target[1] in kinds:
            found.setdefault(hit.cell.row, set()).add(hit.target[1])
        elif hit.target[0] in ("field", "row") and id(hit.cell) not in heads:
            labelled.add(hit.cell.row)  # (a column header sharing a field's words is a header)
    return {row for row, names in found.items() if len(names) >= minimum and row not in labelled}


def _tick_rows(hits: Iterable[Hit]) -> set[int]:
    """Rows with both a มี and a ไม่มี header (a single มี is a value, not a header)."""
    yes = {hit.cell.row for hit in hits if hit.target == ("yes", "")}
    no = {hit.cell.row for hit in hits if hit.target == ("no", "")}
    return yes & no


def _project_header(hits: list[Hit], minimum: int) -> int | None:
    found: dict[int, set[str]] = {}
    for hit in hits:
        if hit.target[0] == "pcol":
            found.setdefault(hit.cell.row, set()).add(hit.target[1])
    rows = [row for row, names in found.items() if len(names) >= minimum]
    return min(rows) if rows else None


def _missing_targets(schema: FormSchema, hits: list[Hit], project_rows: set[int]) -> set[Target]:
    """Fields and Part 2 rows with no label outside the projects table ("รวม" there is not ours)."""
    present = {hit.target for hit in hits if hit.cell.row not in project_rows}
    wanted: set[Target] = {("field", spec.key) for spec in schema.fields}
    wanted |= {("row", row.type) for row in schema.green_table.rows}
    return wanted - present


def _left(cell: Cell) -> float:
    return cell.box[0] if cell.box else 0.0
