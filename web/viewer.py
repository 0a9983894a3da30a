"""Attachments shown beside the values read from them: PDF pages and images as PNG (rendered
here, never the sender's bytes sent back as a page), spreadsheets and documents as an HTML
table of the cells the form reader saw, each cell a value came from marked. Reading goes
through the parsers' own readers, with their limits (zip bombs, huge sheets)."""

from __future__ import annotations

import io
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image

import parsers  # noqa: F401  (registers the readers)
from parsers.readers import ReadContext, ReadError, reader_for

PAGE_FORMATS: Final = frozenset({"pdf", "pdf_scan"})
"""A PDF with a text layer, and one without (read by OCR)."""
IMAGE_FORMATS: Final = frozenset(
    {"jpeg", "png", "tiff", "gif", "bmp", "webp", "jpeg_scan", "png_scan", "image"}
)
TABLE_FORMATS: Final = frozenset(
    {"xlsx", "xls", "ods", "spreadsheetml", "html", "docx", "odt", "doc"}
)
MAX_PAGES: Final = 30
MAX_TABLE_CELLS: Final = 20_000
PAGE_SCALE: Final = 1.5
MAX_IMAGE_SIDE: Final = 2400
Image.MAX_IMAGE_PIXELS = 60_000_000


def kind(format: str | None) -> str:
    """How a file of ``format`` is shown: pages, image, table, or none (download only)."""
    if format in PAGE_FORMATS:
        return "pages"
    if format in IMAGE_FORMATS:
        return "image"
    if format in TABLE_FORMATS:
        return "table"
    return "none"


def page_count(data: bytes) -> int:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return 0
    try:
        return min(len(document), MAX_PAGES)
    finally:
        document.close()


def pdf_page_png(data: bytes, number: int) -> bytes | None:
    """Page ``number`` (1-based) as PNG, or None when there is no such page."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return None
    try:
        if not 1 <= number <= min(len(document), MAX_PAGES):
            return None
        page = document[number - 1]
        image = page.render(scale=PAGE_SCALE).to_pil()
        page.close()
        return _png(image)
    finally:
        document.close()


def image_png(data: bytes) -> bytes | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            return _png(image.convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class GridCell:
    text: str
    source: str
    marked: bool
    rows: int
    cols: int


@dataclass(frozen=True, slots=True)
class Grid:
    """One sheet (or a document's tables) as rows of cells; None stands for an empty cell,
    and a cell covered by a merged one is left out."""

    name: str
    columns: int
    rows: list[tuple[int, list[GridCell | None]]]


def tables(data: bytes, format: str, marked: Collection[str]) -> list[Grid] | str:
    """The sheets of a spreadsheet or document; a string saying why when it cannot be read."""
    reader = reader_for(format)
    if reader is None:
        return "ไม่มีตัวอ่านสำหรับไฟล์ชนิดนี้"
    try:
        document = reader(data, ReadContext())
    except ReadError as exc:
        return f"อ่านไฟล์ไม่ได้ ({exc.code})"
    grids: list[Grid] = []
    budget = MAX_TABLE_CELLS
    for sheet in document.sheets:
        if not sheet.cells or budget <= 0:
            continue
        budget -= len(sheet.cells)
        width = 1 + max(cell.last_col for cell in sheet.cells)
        first_row = min(cell.row for cell in sheet.cells)
        last_row = max(cell.last_row for cell in sheet.cells)
        width = min(width, 60)
        covered: set[tuple[int, int]] = set()
        starts = {(cell.row, cell.col): cell for cell in sheet.cells}
        rows: list[tuple[int, list[GridCell | None]]] = []
        for number in range(first_row, min(last_row, first_row + 2000) + 1):
            line: list[GridCell | None] = []
            for col in range(width):
                if (number, col) in covered:
                    continue
                cell = starts.get((number, col))
                if cell is None:
                    line.append(None)
                    continue
                cols = min(cell.cols, width - col)
                for r in range(cell.row, cell.row + cell.rows):
                    for c in range(col, col + cols):
                        if (r, c) != (number, col):
                            covered.add((r, c))
                line.append(
                    GridCell(cell.text, cell.source, cell.source in marked, cell.rows, cols)
                )
            rows.append((number + 1, line))
        grids.append(Grid(sheet.name, width, rows))
    return grids
