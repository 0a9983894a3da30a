"""Generated forms as text PDFs, scans and photos, with their truth (SYNTHETIC data).

Place in the flow: none; it produces inputs for tests and benchmarks, like
``samples.forms`` (whose filled workbooks and Word documents it starts from). The
extractor never imports this module.

- :func:`text_pdfs`: filled forms printed to PDF by LibreOffice headless, as an LAO office does
  ("Export as PDF" from Calc or Writer): the workbook made printable first (columns fitted to
  their text, long text wrapped, one page wide, landscape), Thai set in TH Sarabun New (on Debian
  fonts-thai-tlwg's Laksaman stands in for it). Real shaped Thai, as real PDFs carry it.
- :func:`scan_images` / :func:`scan_sample`: those PDFs rendered at 300 dpi and degraded like a
  scanner or a phone would: a slight rotation (±1.5°), noise, blur, uneven light; saved as PNG,
  JPEG or an image-only PDF.
- :func:`activity_photo`, :func:`logo`, :func:`cover_letter_pdf`: attachments that are not forms;
  :data:`THAI_MARK_WORDS` / :func:`thai_words_xlsx`: words whose marks PDF extraction scrambles.
- :func:`text_pdf_generator`, :func:`scan_generator`: the ``(truth, layout, rng) -> bytes`` form
  ``samples.corpus`` takes (one LibreOffice start per form: slow; ``bench.parse_pdf``
  prints in bulk with :func:`text_pdfs`).

Needs LibreOffice (``soffice``) for the PDFs: :func:`soffice` says whether it is installed.
Everything is deterministic for a seed (LibreOffice output aside: same text, same places).
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import docx.shared
import openpyxl
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from samples.forms import DEV_LAYOUTS, HELD_OUT_LAYOUTS, fill_xlsx, random_truth
from samples.wordforms import WORD_HELD_OUT_LAYOUTS, fill_docx

FONT = "TH Sarabun New"
SCAN_DPI = 300
_THAI_MARKS = frozenset(chr(c) for c in (0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F)))
_LAO_TYPES = {
    "sao": ("องค์การบริหารส่วนตำบล", "อบต."),
    "subdistrict_municipality": ("เทศบาลตำบล", "ทต."),
    "town_municipality": ("เทศบาลเมือง", "ทม."),
}


@dataclass(frozen=True)
class Sample:
    """One generated attachment: what it is, the truth it carries (None: not a form), bytes."""

    kind: str  # text_pdf | word_pdf | scan_png | scan_jpeg | scan_pdf | photo_jpeg
    layout: str
    truth: dict[str, Any] | None
    data: bytes
    held_out: bool = False


# ============================================================================ LibreOffice


def soffice() -> str | None:
    """The LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(
    documents: Sequence[tuple[str, bytes]], *, timeout: float = 300, password: str | None = None
) -> list[bytes]:
    """PDFs of ``documents`` ((file name with its extension, bytes)), in one LibreOffice run.
    With ``password`` the PDFs are encrypted (all documents must then be of one kind)."""
    target = "pdf"
    if password is not None:
        export = _PDF_FILTERS[Path(documents[0][0]).suffix.lower()]
        options = {
            "EncryptFile": {"type": "boolean", "value": "true"},
            "DocumentOpenPassword": {"type": "string", "value": password},
        }
        target = f"pdf:{export}:{json.dumps(options)}"
    return convert_documents(documents, target, "pdf", timeout=timeout)


FONTS_CONF = Path(__file__).parent / "data" / "fonts.conf"
"""The fonts LibreOffice may use for the samples (``FONTCONFIG_FILE``): the same PDFs whatever
other font packages the machine has."""


def convert_documents(
    documents: Sequence[tuple[str, bytes]],
    target: str,
    extension: str,
    *,
    timeout: float = 300,
    fonts_conf: Path | None = FONTS_CONF,
) -> list[bytes]:
    """``documents`` ((file name with its extension, bytes)) converted by ``soffice
    --convert-to target`` in one LibreOffice run with a private profile (so that it never meets
    a desktop LibreOffice or another run) and the fonts of ``fonts_conf`` (None: the machine's);
    the results are the files ending ``.extension``."""
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice is not installed: apt-get install libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory(prefix="onep-soffice-") as tmp:
        folder = Path(tmp)
        paths = []
        for index, (name, data) in enumerate(documents):
            path = folder / f"{index:04d}-{name}"
            path.write_bytes(data)
            paths.append(path)
        out = folder / "out"
        command = [
            binary,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            *map(str, paths),
        ]
        environment = dict(os.environ)
        if fonts_conf is not None:
            environment["FONTCONFIG_FILE"] = str(fonts_conf)
        subprocess.run(command, check=True, capture_output=True, timeout=timeout, env=environment)
        return [(out / f"{path.stem}.{extension}").read_bytes() for path in paths]


_PDF_FILTERS = {".xlsx": "calc_pdf_Export", ".docx": "writer_pdf_Export"}


# ============================================================================ printable workbooks


def _text_width(text: str) -> float:
    """Width of ``text`` in Excel column units (TH Sarabun New 14 pt): marks take no room."""
    return 1.2 * sum(1 for char in text if char not in _THAI_MARKS)


def printable_xlsx(
    data: bytes, *, landscape: bool = True, font: str = FONT, size: float = 14, scale: float = 1.0
) -> bytes:
    """The workbook as an officer prints it: columns fitted to their text (at most 40 units for
    the labels' column, 22 for the others), text wrapped and rows tall enough, one page wide;
    set in ``font`` at ``size`` points (``scale``: its width against TH Sarabun New 14 pt)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        spans = {
            (r.min_row, r.min_col): (r.max_col - r.min_col + 1) for r in sheet.merged_cells.ranges
        }
        covered = {
            (row, col)
            for r in sheet.merged_cells.ranges
            for row in range(r.min_row, r.max_row + 1)
            for col in range(r.min_col, r.max_col + 1)
            if (row, col) != (r.min_row, r.min_col)
        }
        widths: dict[int, float] = {}
        text: dict[int, float] = {}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None or (cell.row, cell.column) in spans:
                    continue
                shown_lines = _shown(cell.value).split("\n")
                need = scale * max(_text_width(line) for line in shown_lines) + 1.5
                widths[cell.column] = max(widths.get(cell.column, 6.0), need)
                text[cell.column] = text.get(cell.column, 0.0) + need
        label_column = max(text, key=lambda col: text[col], default=1)  # the labels' column
        for col, width in widths.items():
            cap = 40.0 if col == label_column else 22.0
            sheet.column_dimensions[get_column_letter(col)].width = min(width, cap)
        for row in sheet.iter_rows():
            lines = 1
            for cell in row:
                if cell.value is None or (cell.row, cell.column) in covered:
                    continue
                span = spans.get((cell.row, cell.column), 1)
                width = sum(
                    sheet.column_dimensions[get_column_letter(c)].width or 8.43
                    for c in range(cell.column, cell.column + span)
                )
                shown = _shown(cell.value).split("\n")
                count = sum(
                    max(1, math.ceil(scale * _text_width(p) / max(width - 1.5, 1))) for p in shown
                )
                lines = max(lines, count)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cell.font = Font(name=font, size=size, bold=bool(cell.font and cell.font.b))
            sheet.row_dimensions[row[0].row].height = 22 * size / 14 * lines + 2
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


# ============================================================================ forms


def sample_truth(rng: random.Random) -> dict[str, Any]:
    """The truth of one LAO's form (as ``samples.forms.sample_forms`` makes them)."""
    lao_type = rng.choice(tuple(_LAO_TYPES))
    full, short = _LAO_TYPES[lao_type]
    return random_truth(
        rng,
        lao_name=rng.choice((full, short)) + rng.choice(("แม่ใส", "กำแพงแสน", "หนองบัว", "บ้านใหม่")),
        lao_type=lao_type,
        province=rng.choice(("เชียงใหม่", "นครปฐม", "ขอนแก่น", "สงขลา")),
        district=rng.choice(("เมือง", "กำแพงแสน", "สันทราย", "หาดใหญ่")),
        lao_code=None
        if rng.random() < 0.3
        else f"{rng.randint(2, 6)}{rng.randint(100000, 999999)}",
    )


@dataclass(frozen=True)
class Source:
    """A filled form before printing: what it becomes, its truth, the document to print."""

    kind: str  # text_pdf (from a workbook) | word_pdf (from a Word document)
    layout: str
    truth: dict[str, Any]
    name: str  # file name with its extension, for LibreOffice
    document: bytes


def form_documents(
    count: int,
    *,
    seed: int = 0,
    layouts: Sequence[str] = DEV_LAYOUTS,
    word_layouts: Sequence[str] = (),
) -> list[Source]:
    """``count`` filled forms ready to print, cycling through ``layouts`` (workbooks, made
    printable) and then ``word_layouts`` (Word documents, ``samples.wordforms``)."""
    rng = random.Random(seed)
    plan = [("xlsx", name) for name in layouts] + [("docx", name) for name in word_layouts]
    made: list[Source] = []
    for number in range(count):
        kind, layout = plan[number % len(plan)]
        truth = sample_truth(rng)
        if kind == "xlsx":
            data = printable_xlsx(fill_xlsx(truth, layout=layout, rng=rng))
            made.append(Source("text_pdf", layout, truth, f"{layout}.xlsx", data))
        else:
            data = fill_docx(truth, layout=layout, rng=rng)
            made.append(Source("word_pdf", layout, truth, f"{layout}.docx", data))
    return made


def printed(sources: Sequence[Source], pdfs: Sequence[bytes]) -> list[Sample]:
    """``sources`` with their PDFs (from :func:`convert_to_pdf`) as samples."""
    held = set(HELD_OUT_LAYOUTS) | set(WORD_HELD_OUT_LAYOUTS)
    return [
        Sample(source.kind, source.layout, source.truth, pdf, source.layout in held)
        for source, pdf in zip(sources, pdfs, strict=True)
    ]


def text_pdfs(
    count: int,
    *,
    seed: int = 0,
    layouts: Sequence[str] = DEV_LAYOUTS,
    word_layouts: Sequence[str] = (),
) -> list[Sample]:
    """:func:`form_documents` printed to PDF in one LibreOffice run; deterministic."""
    sources = form_documents(count, seed=seed, layouts=layouts, word_layouts=word_layouts)
    return printed(sources, convert_to_pdf([(source.name, source.document) for source in sources]))


def text_pdf_generator(truth: dict[str, Any], layout: str, rng: random.Random) -> bytes:
    """For ``samples.corpus`` (``(truth, layout, rng) -> bytes``): one workbook form
    printed to PDF. One LibreOffice start per form (~1-2 s): prefer :func:`text_pdfs` in bulk."""
    data = printable_xlsx(fill_xlsx(truth, layout=layout, rng=rng))
    return convert_to_pdf([(f"{layout}.xlsx", data)])[0]


def scan_generator(truth: dict[str, Any], layout: str, rng: random.Random) -> bytes:
    """For ``samples.corpus``: one workbook form printed, then scanned (image-only PDF)."""
    pdf = text_pdf_generator(truth, layout, rng)
    return image_pdf(scan_images(pdf, rng))


# ============================================================================ scans


def render_pages(pdf: bytes, dpi: int = SCAN_DPI) -> list[Image.Image]:
    """The pages of ``pdf`` as greyscale images at ``dpi``."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            for index in range(len(document))
        ]
    finally:
        document.close()


def degrade(
    page: Image.Image,
    rng: random.Random,
    *,
    max_angle: float = 1.5,
    noise: int = 12,
    blur: float = 0.5,
    light: float = 0.0,
    speck: float = 1.0,
) -> Image.Image:
    """A page as a scanner (or phone) gives it back: rotated by up to ``max_angle`` degrees,
    with noise of amplitude ``noise`` grey levels, a Gaussian blur of ``blur`` pixels, specks,
    and (``light`` > 0) light fading across the page by up to that share; ``speck`` scales the
    specks (dirt has a size on paper: at 150 dpi it is half as many pixels as at 300)."""
    angle = rng.uniform(0.4, max_angle) * rng.choice((-1, 1)) if max_angle else 0.0
    image = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        image = ImageChops.add(image, _noise(image.size, noise, rng), scale=1.0, offset=-128)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(20, 60)):
        x, y = rng.randrange(image.width), rng.randrange(image.height)
        radius = rng.uniform(0.8, 2.5) * speck
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=rng.randint(0, 90))
    if light:
        shade = Image.linear_gradient("L")
        if rng.random() < 0.5:
            shade = shade.transpose(Image.Transpose.ROTATE_90)
        shade = shade.resize(image.size).point(lambda v: 255 - int(v * light))
        image = ImageChops.multiply(image, shade)
    return image


def _noise(size: tuple[int, int], amplitude: int, rng: random.Random) -> Image.Image:
    """Deterministic noise centred on 128 (a random tile repeated at random offsets)."""
    tile_size = 256
    tile = Image.frombytes("L", (tile_size, tile_size), rng.randbytes(tile_size * tile_size))
    tile = tile.point(lambda v: 128 + (v - 128) * amplitude // 128)
    field = Image.new("L", size, 128)
    for top in range(0, size[1], tile_size):
        for left in range(0, size[0], tile_size):
            turn = rng.choice((None, Image.Transpose.ROTATE_90, Image.Transpose.FLIP_LEFT_RIGHT))
            field.paste(tile.transpose(turn) if turn else tile, (left, top))
    return field


def scan_images(pdf: bytes, rng: random.Random, *, dpi: int = SCAN_DPI) -> list[Image.Image]:
    """Every page of ``pdf`` scanned (see :func:`degrade`)."""
    return [degrade(page, rng) for page in render_pages(pdf, dpi)]


def image_bytes(image: Image.Image, kind: str, *, dpi: int = SCAN_DPI, quality: int = 80) -> bytes:
    """``image`` as "png" or "jpeg" bytes, recording its resolution."""
    buffer = io.BytesIO()
    if kind == "png":
        image.save(buffer, format="PNG", dpi=(dpi, dpi))
    else:
        image.convert("RGB").save(buffer, format="JPEG", quality=quality, dpi=(dpi, dpi))
    return buffer.getvalue()


def image_pdf(images: Sequence[Image.Image], *, dpi: int = SCAN_DPI) -> bytes:
    """An image-only PDF (a scanner's output): one page per image, no text layer."""
    buffer = io.BytesIO()
    first, *rest = [image.convert("L") for image in images]
    first.save(buffer, format="PDF", resolution=dpi, save_all=True, append_images=rest)
    return buffer.getvalue()


def scan_sample(sample: Sample, kind: str, rng: random.Random) -> Sample:
    """``sample`` (a text PDF) scanned: kind "scan_png", "scan_jpeg" or "scan_pdf" (all pages),
    or "photo_jpeg" (the first page photographed: lower resolution, uneven light)."""
    if kind == "photo_jpeg":
        page = render_pages(sample.data, 200)[0]
        photo = degrade(page, rng, max_angle=2.0, noise=30, blur=0.9, light=0.35)
        return Sample(kind, sample.layout, sample.truth, image_bytes(photo, "jpeg", dpi=200,
                      quality=70), sample.held_out)  # fmt: skip
    images = scan_images(sample.data, rng)
    if kind == "scan_pdf":
        data = image_pdf(images)
    elif kind in ("scan_png", "scan_jpeg"):
        data = image_bytes(images[0], kind.removeprefix("scan_"))
    else:
        raise ValueError(f"unknown scan kind {kind!r}")
    return Sample(kind, sample.layout, sample.truth, data, sample.held_out)


# ============================================================================ not forms


def activity_photo(seed: int = 0, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A photo-like JPEG (sky, ground, trees, people-sized blobs; smooth shading, noise): what
    LAOs attach to show a tree-planting day. Not a form."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.35, 0.55))
    for y in range(height):
        if y < horizon:
            shade = (90 + y * 80 // horizon, 140 + y * 60 // horizon, 220)
        else:
            shade = (70 + rng.randint(-8, 8), 110 + (y - horizon) * 60 // height, 50)
        draw.line((0, y, width, y), fill=shade)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(horizon - 80, height)
        radius = rng.randint(20, 120)
        green = (rng.randint(20, 70), rng.randint(90, 170), rng.randint(20, 70))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius // 2), fill=green)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(horizon, height - 100)
        colour = (rng.randint(120, 255), rng.randint(60, 200), rng.randint(40, 180))
        draw.rectangle((x, y, x + rng.randint(25, 45), y + rng.randint(80, 140)), fill=colour)
        draw.ellipse((x + 5, y - 30, x + 35, y), fill=(200, 160, 120))
    image = image.filter(ImageFilter.GaussianBlur(2))
    noise = _noise(size, 20, rng).convert("RGB")
    image = ImageChops.add(image, noise, scale=1.0, offset=-128)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def logo(seed: int = 0, size: int = 400) -> bytes:
    """A round office logo as PNG (a seal with a few letters). Not a form."""
    rng = random.Random(seed)
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    colour = (rng.randint(0, 80), rng.randint(80, 160), rng.randint(0, 80), 255)
    draw.ellipse((8, 8, size - 8, size - 8), outline=colour, width=size // 20)
    draw.ellipse((size // 4, size // 4, 3 * size // 4, 3 * size // 4), fill=colour)
    draw.text((size // 2 - 30, size - size // 6), "ONEP LAO", fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# Words whose marks PDF text extraction tends to scramble: tone marks over upper vowels, tall
# consonants with shifted marks, sara am after a tone mark, marks under descending consonants.
THAI_MARK_WORDS = (
    "เกี๋ยว", "ผู้ใหญ่", "น้ำ", "กำลัง", "ปั้น", "ฝ้าย", "ที่นี่", "สำนัก", "ญี่ปุ่น", "ฟ้อน",
    "ป่าไม้", "ฎีกา", "ฐานข้อมูล", "กิ๊ก", "ตุ๊กตา", "อ้ำอึ้ง", "พิพิธภัณฑ์", "ปู่ย่า", "ฟื้นฟู",
    "ขี้เหล็ก", "ศรีสะเกษ", "ปัตตานี", "ฝั่งธนบุรี", "บึงกาฬ", "น้ำพุ", "ฤดูฝน", "ฦๅ",
)  # fmt: skip


def thai_words_xlsx(words: Sequence[str] = THAI_MARK_WORDS, *, font: str = FONT) -> bytes:
    """A workbook with one word a row in column A (set in ``font``), to print and read back."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row, word in enumerate(words, start=1):
        cell = sheet.cell(row=row, column=1, value=word)
        cell.font = Font(name=font, size=16)
    sheet.column_dimensions["A"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cover_letter_docx(lao_name: str, *, seed: int = 0) -> bytes:
    """A cover letter (หนังสือนำส่ง) as a Word document, for LibreOffice to print; not a form."""
    rng = random.Random(seed)
    number = f"ที่ มท {rng.randint(1000, 9999)}.{rng.randint(1, 9)}/{rng.randint(100, 999)}"
    paragraphs = [
        number,
        lao_name,
        f"{rng.randint(1, 28)} กันยายน 2564",
        "เรื่อง ส่งแบบรายงานผลการดำเนินงานด้านพื้นที่สีเขียว",
        "เรียน เลขาธิการสำนักงานนโยบายและแผนทรัพยากรธรรมชาติและสิ่งแวดล้อม",
        "สิ่งที่ส่งมาด้วย แบบรายงานผลการดำเนินงาน จำนวน 1 ชุด",
        (
            f"ตามที่สำนักงานนโยบายและแผนทรัพยากรธรรมชาติและสิ่งแวดล้อมได้ขอให้{lao_name}"
            "รายงานผลการดำเนินงานตามแนวทางปฏิบัติงานเพื่อขับเคลื่อนการจัดการพื้นที่สีเขียว"
            "อย่างยั่งยืน ประจำปีงบประมาณ พ.ศ. 2564 นั้น"
        ),
        f"{lao_name}ได้ดำเนินการเรียบร้อยแล้ว จึงขอส่งแบบรายงานดังกล่าวมาพร้อมหนังสือนี้",
        "จึงเรียนมาเพื่อโปรดทราบ",
        "ขอแสดงความนับถือ",
        "(นายสมชาย ใจดี)",
        "ปลัดองค์การบริหารส่วนตำบล",
    ]
    document = docx.Document()
    for text in paragraphs:
        run = document.add_paragraph().add_run(text)
        run.font.name = FONT
        run.font.size = docx.shared.Pt(16)
        run.font.complex_script = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def cover_letter_pdf(lao_name: str = "องค์การบริหารส่วนตำบลแม่ใส", *, seed: int = 0) -> bytes:
    """:func:`cover_letter_docx` printed to PDF by LibreOffice Writer."""
    return convert_to_pdf([("letter.docx", cover_letter_docx(lao_name, seed=seed))])[0]


# ============================================================================ honest scans

HONEST_FONTS_CONF = Path(__file__).parent / "data" / "fonts-honest.conf"
"""Arundina and DejaVu only: faces the Thai digit reader (``parsers.thaidigits``, which draws
its outlines from fonts-thai-tlwg) has never seen."""
HONEST_FACES = (("Arundina Sans", 12.0, 1.3), ("Arundina Serif", 12.0, 1.3))
"""(face, points, width against TH Sarabun New 14 pt): what the honest forms are printed in."""
SCAN_DPIS = (100, 150, 200, 300)


@dataclass(frozen=True)
class Scan:
    """One form as an LAO sends it scanned or photographed: ``files`` ((file name, bytes), the
    attachments of one message, in the order they are attached), ``pages`` of the form."""

    kind: str  # scan_100 | scan_150 | scan_200 | scan_300 | photo | multi_file
    layout: str
    truth: dict[str, Any]
    files: tuple[tuple[str, bytes], ...]
    pages: int
    held_out: bool


def honest_sources(
    count: int, *, seed: int, layouts: Sequence[str], held_out: bool = False
) -> list[tuple[Source, bool]]:
    """``count`` filled workbook forms to print in Arundina, portrait A4 (as a form is printed
    to be signed), cycling through ``layouts``."""
    rng = random.Random(seed)
    made: list[tuple[Source, bool]] = []
    for number in range(count):
        layout = layouts[number % len(layouts)]
        truth = sample_truth(rng)
        face, size, scale = HONEST_FACES[number % len(HONEST_FACES)]
        data = printable_xlsx(fill_xlsx(truth, layout=layout, rng=rng), landscape=True,
                              font=face, size=size, scale=scale)  # fmt: skip
        made.append((Source("text_pdf", layout, truth, f"{layout}.xlsx", data), held_out))
    return made


def honest_pdfs(sources: Sequence[tuple[Source, bool]]) -> list[Sample]:
    """``sources`` printed to PDF in one LibreOffice run with only the honest fonts."""
    pdfs = convert_documents([(source.name, source.document) for source, _ in sources], "pdf",
                             "pdf", fonts_conf=HONEST_FONTS_CONF)  # fmt: skip
    return [
        Sample("text_pdf", source.layout, source.truth, pdf, held)
        for (source, held), pdf in zip(sources, pdfs, strict=True)
    ]


def turned(page: Image.Image, rng: random.Random, share: float) -> Image.Image:
    """``page`` put on the scanner the wrong way round (90, 180 or 270 degrees) with
    probability ``share``."""
    if rng.random() >= share:
        return page
    return page.rotate(rng.choice((90, 180, 270)), expand=True, fillcolor=255)


def scanned(sample: Sample, dpi: int, rng: random.Random, *, turn_share: float = 0.15) -> Scan:
    """``sample`` scanned at ``dpi`` as an office scanner emails it: one image-only PDF, every
    page slightly rotated, noisy, a few pages put in the wrong way round."""
    pages = [
        turned(degrade(page, rng, blur=0.4, noise=10, speck=dpi / SCAN_DPI), rng, turn_share)
        for page in render_pages(sample.data, dpi)
    ]
    files = (("scan.pdf", image_pdf(pages, dpi=dpi)),)
    return Scan(
        f"scan_{dpi}", sample.layout, sample.truth or {}, files, len(pages), sample.held_out
    )


def multi_file(sample: Sample, rng: random.Random) -> Scan:
    """``sample`` scanned one page a file (PNG, JPEG or a one-page PDF, at 150-300 dpi, no
    resolution recorded in a JPEG), attached in any order."""
    files: list[tuple[str, bytes]] = []
    dpi = rng.choice((150, 200, 300))
    pages = render_pages(sample.data, dpi)
    for number, page in enumerate(pages, 1):
        page = degrade(page, rng, blur=0.4, noise=10, speck=dpi / SCAN_DPI)
        kind = rng.choice(("png", "jpeg", "pdf"))
        if kind == "pdf":
            files.append((f"page{number}.pdf", image_pdf([page], dpi=dpi)))
        else:
            files.append((f"page{number}.{'jpg' if kind == 'jpeg' else 'png'}",
                          _unrecorded(page, kind) if kind == "jpeg" else image_bytes(page, kind, dpi=dpi)))  # fmt: skip
    rng.shuffle(files)
    return Scan("multi_file", sample.layout, sample.truth or {}, tuple(files), len(pages),
                sample.held_out)  # fmt: skip


def _unrecorded(image: Image.Image, kind: str, quality: int = 85) -> bytes:
    """``image`` as bytes with no resolution recorded (what phones and many apps write)."""
    buffer = io.BytesIO()
    if kind == "png":
        image.save(buffer, format="PNG")
    else:
        image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def photographed(sample: Sample, rng: random.Random) -> Scan:
    """``sample`` photographed by phone, a JPEG per page attached in order: see :func:`photo`."""
    pages = render_pages(sample.data, 200)
    files = tuple((f"IMG_{4100 + number}.jpg", _unrecorded(photo(page, rng), "jpeg",
                   quality=rng.randint(70, 88))) for number, page in enumerate(pages, 1))  # fmt: skip
    return Scan("photo", sample.layout, sample.truth or {}, files, len(pages), sample.held_out)


def photo(page: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of a printed ``page`` lying on a desk: the page in perspective (the
    phone held a little off square), not filling the frame, the desk around it, light falling
    off across the page, the soft shadow of the phone and the hand, warm paper, sensor noise
    and a little blur; 12 or 6 megapixels, as a phone or its mail app sends it."""
    width, height = rng.choice(((3024, 4032), (2268, 3024)))
    if page.width > page.height and rng.random() < 0.5:
        width, height = height, width  # the phone turned for a landscape page
    desk = tuple(rng.randint(60, 140) for _ in range(3))
    canvas = Image.new("RGB", (width, height), desk)
    grain = _noise((width, height), 40, rng).convert("RGB")
    canvas = ImageChops.add(canvas, grain, scale=1.0, offset=-128)
    # the page's corners in the photo: a rectangle of 80-90 % of the frame, each corner moved
    fill = rng.uniform(0.8, 0.9) * min(width / page.width, height / page.height)
    page_width, page_height = page.width * fill, page.height * fill
    left, top = (width - page_width) / 2, (height - page_height) / 2
    jitter = 0.045 * width
    corners = [
        (left + rng.uniform(-jitter, jitter), top + rng.uniform(-jitter, jitter)),
        (left + page_width + rng.uniform(-jitter, jitter), top + rng.uniform(-jitter, jitter)),
        (left + page_width + rng.uniform(-jitter, jitter),
         top + page_height + rng.uniform(-jitter, jitter)),
        (left + rng.uniform(-jitter, jitter), top + page_height + rng.uniform(-jitter, jitter)),
    ]  # fmt: skip
    source = [(0, 0), (page.width, 0), (page.width, page.height), (0, page.height)]
    coefficients = _perspective(corners, source)
    paper = Image.merge("RGB", [page.point(lambda v, k=k: int(v * k)) for k in (1.0, 0.97, 0.9)])
    warped = paper.transform((width, height), Image.Transform.PERSPECTIVE, coefficients,
                             Image.Resampling.BICUBIC)  # fmt: skip
    mask = Image.new("L", page.size, 255).transform((width, height), Image.Transform.PERSPECTIVE,
                                                    coefficients, Image.Resampling.BILINEAR)  # fmt: skip
    canvas.paste(warped, (0, 0), mask)
    # light: falling off across the frame, and a soft shadow
    shade = Image.linear_gradient("L").resize((width, height))
    shade = shade.rotate(rng.choice((0, 90, 180, 270)))
    fall = rng.uniform(0.25, 0.45)
    shade = shade.point(lambda v: 255 - int(v * fall))
    shadow = Image.new("L", (width, height), 255)
    x0, y0 = rng.uniform(-0.3, 0.4) * width, rng.uniform(0.4, 0.9) * height
    ImageDraw.Draw(shadow).ellipse(
        (x0, y0, x0 + rng.uniform(0.5, 0.9) * width, y0 + rng.uniform(0.4, 0.7) * height),
        fill=255 - rng.randint(50, 90),
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(width / 25))
    light = ImageChops.multiply(shade, shadow).convert("RGB")
    canvas = ImageChops.multiply(canvas, light)
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1)))
    return ImageChops.add(canvas, _noise((width, height), 14, rng).convert("RGB"), scale=1.0,
                          offset=-128)  # fmt: skip


def _perspective(
    target: Sequence[tuple[float, float]], source: Sequence[tuple[float, float]]
) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE coefficients mapping points of the output (``target``) to points
    of the input (``source``)."""
    import numpy

    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    matrix = numpy.array(rows, dtype=float)
    values = numpy.array([c for point in source for c in point], dtype=float)
    return tuple(float(c) for c in numpy.linalg.solve(matrix, values))


def honest_scans(
    count: int, *, seed: int, layouts: Sequence[str], held_out: bool = False,
    kinds: Sequence[str] = ("scan_100", "scan_150", "scan_200", "scan_300", "photo", "multi_file"),
) -> list[Scan]:  # fmt: skip
    """``count`` honest forms, each sent as every one of ``kinds`` (one LibreOffice run)."""
    samples = honest_pdfs(honest_sources(count, seed=seed, layouts=layouts, held_out=held_out))
    rng = random.Random(seed + 1)
    made: list[Scan] = []
    for sample in samples:
        for kind in kinds:
            if kind.startswith("scan_"):
                made.append(scanned(sample, int(kind.removeprefix("scan_")), rng))
            elif kind == "photo":
                made.append(photographed(sample, rng))
            elif kind == "multi_file":
                made.append(multi_file(sample, rng))
            else:
                raise ValueError(f"unknown scan kind {kind!r}")
    return made
