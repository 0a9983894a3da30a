"""Page cells regrouped by the form's labels their lines hold.

Place in the flow: the first thing ``parsers.layout.SheetLayout`` does with a sheet. A page
reader joins lines into one cell by their geometry (``parsers.continuations``), which cannot
always tell a wrapped line from a new one; the form's labels (``parsers.labels``) can. So a
line of a joined cell that is a label alone starts a cell of its own, and two cells one above
the other that together make one label are one (see :func:`relined`). Sheets of readers that
do not read pages are left as they are.

Owns: which lines of a page cell stand for a label alone, and which stacked cells are one
wrapped label.
"""

from __future__ import annotations

import dataclasses

from parsers.cells import Cell, Sheet
from parsers.labels import LabelIndex, is_label_like, whole_label
from parsers.pagetext import JOINTS, TextCell

# Labels that a printed line stands for alone: a line of a joined cell that is one of these
# starts a cell of its own. (Not Part 2 row labels: their short variants - "ธรรมชาติ",
# "สวนสาธารณะ" - are words of a project's name too.)
_LINE_LABELS = frozenset({"field", "section", "title"})
_WRAPPED_LABELS = frozenset({"field", "row", "section", "title"})


def relined(sheet: Sheet, index: LabelIndex) -> Sheet:
    """``sheet`` with the lines of its page cells (``TextCell``) regrouped by the labels they
    hold. A page reader joins lines into one cell by their geometry (``parsers.continuations``),
    which cannot always tell a wrapped line from a new one; the form's labels can:

    - a cell whose printed lines together make a label, but not each alone, stays one cell;
    - a line of a joined cell that is a label alone (a label under a value, a section heading
      under a free-text answer) starts a cell of its own, on a row of its own, and so does
      the text after it;
    - two cells one above the other in one column that together make a label (a label wrapped
      in a column whose width the page does not show) are one cell, on the row of the
      values beside it.
    Sheets of other readers are returned as they are."""
    if not any(isinstance(cell, TextCell) for cell in sheet.cells):
        return sheet
    cells = _wrapped_labels_joined(sheet, index)
    rows: dict[int, list[Cell]] = {}
    for cell in cells:
        rows.setdefault(cell.row, []).append(cell)
    out: list[Cell] = []
    shift = 0
    for row in sorted(rows):
        added = 0
        for place, cell in enumerate(sorted(rows[row], key=lambda c: c.col)):
            # a label starts its row: lines of a cell with text to its left (a note beside a
            # value) are that cell's, whatever they say
            parts = (
                _label_lines(cell, index) if place == 0 and isinstance(cell, TextCell) else [cell]
            )
            for offset, part in enumerate(parts):
                moved = row + shift + offset
                out.append(part if part.row == moved else dataclasses.replace(part, row=moved))
            added = max(added, len(parts) - 1)
        shift += added
    if len(out) == len(sheet.cells) and all(
        new is old for new, old in zip(out, sheet.cells, strict=True)
    ):
        return sheet
    return Sheet(sheet.name, sheet.index, tuple(out))


def _label_lines(cell: TextCell, index: LabelIndex) -> list[Cell]:
    """``cell`` cut before and after each of its lines that is a label alone (see
    :func:`relined`); ``[cell]`` when none is, or when the whole text is a label."""
    if not cell.breaks or whole_label(index, cell.text, _WRAPPED_LABELS):
        return [cell]
    lines = cell.lines()
    starts = (0, *cell.breaks)
    cuts = {0}
    for number, line in enumerate(lines):
        if is_label_like(dataclasses.replace(cell, text=line)) and whole_label(
            index, line, _LINE_LABELS
        ):
            cuts |= {number, number + 1}
    cuts = {cut for cut in cuts if cut < len(lines)}
    if len(cuts) == 1:
        return [cell]
    ordered = sorted(cuts)
    parts: list[Cell] = []
    for first, last in zip(ordered, (*ordered[1:], len(lines)), strict=True):
        begin = starts[first]
        end = starts[last] if last < len(lines) else len(cell.text)
        raw = cell.text[begin:end]
        text = raw.strip(JOINTS)
        lead = len(raw) - len(raw.lstrip(JOINTS))
        breaks = tuple(b - begin - lead for b in cell.breaks if begin < b < end)
        if text:
            parts.append(dataclasses.replace(cell, text=text, breaks=breaks))
    return parts or [cell]


def _wrapped_labels_joined(sheet: Sheet, index: LabelIndex) -> list[Cell]:
    """The sheet's cells with each label wrapped onto the next row of its column joined (see
    :func:`relined`): on the row of the values beside it (the upper row, or the lower one when
    only that has other cells - a row's cells aligned on its last line)."""
    cells = list(sheet.cells)
    gone: set[int] = set()
    joined: dict[int, Cell] = {}
    for cell in sheet.cells:
        if id(cell) in gone or not isinstance(cell, TextCell) or not is_label_like(cell):
            continue
        below = next((c for c in sheet.row(cell.row + 1) if c.col == cell.col), None)
        if not isinstance(below, TextCell) or not is_label_like(below):
            continue
        if whole_label(index, cell.text, _WRAPPED_LABELS):
            continue
        text = f"{cell.text}\n{below.text}"
        if not whole_label(index, text, _WRAPPED_LABELS, bare=False):
            continue  # (the whole key: "(นายสมชาย ใจดี)" over "ตำแหน่ง" is no label)
        alone = len(sheet.row(cell.row)) == 1 and len(sheet.row(below.row)) > 1
        joined[id(cell)] = dataclasses.replace(
            cell,
            text=text,
            row=below.row if alone else cell.row,
            breaks=(
                *cell.breaks,
                len(cell.text) + 1,
                *(len(cell.text) + 1 + b for b in below.breaks),
            ),
        )
        gone.add(id(below))
    return [joined.get(id(cell), cell) for cell in cells if id(cell) not in gone]
