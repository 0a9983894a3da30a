"""Thai digits on a scan read by their shapes (``parsers.thaidigits``): figures drawn in the
Thai fonts of the machine, blurred and JPEG-compressed like a scan, read back exactly; letters
are no figure; a face left out of the outlines still reads (the honest case: a form set in a
font the machine does not have). Needs Thai fonts (fonts-thai-tlwg), which the OCR path needs
anyway; the tests skip, saying so, where there are none (CI installs them: no skip there)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from parsers import thaidigits

FACES = thaidigits.thai_fonts()
pytestmark = pytest.mark.skipif(not FACES, reason="no Thai font: apt-get install fonts-thai-tlwg")


def face(name: str) -> str:
    return next(path for path in FACES if path.endswith(f"/{name}.ttf"))


def scanned(text: str, font: str, *, rule: bool = False) -> Image.Image:
    """``text`` set at 14 pt on a 300-dpi page, blurred and JPEG-compressed, cropped to it."""
    image = Image.new("L", (60 + 40 * len(text), 120), 255)
    draw = ImageDraw.Draw(image)
    draw.text((30, 20), text, font=ImageFont.truetype(font, 58), fill=0)
    if rule:  # a table's ruled line just left of the figure
        draw.line((18, 0, 18, 119), fill=0, width=2)
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return Image.open(buffer).convert("L")


FIGURES = ["๒๙๕.๒๖", "๗๕,๗๖๓", "๒๕๖๔", "๓๑", "๘,๕๙๒.๙๔", "๑๔,๙๘๔", "๙", "๔๖๐,๑๗๘"]


@pytest.mark.parametrize("name", ["Laksaman", "Norasi", "Garuda", "Loma", "Kinnari"])
def test_figures_in_each_face_read_back(name: str) -> None:
    for figure in FIGURES:
        reading = thaidigits.read_figure(scanned(figure, face(name)))
        assert reading is not None, figure
        assert reading[0] == figure


def test_thai_letters_are_no_figure() -> None:
    for text in ("ปลูก", "มี.ค.", "ทม.", "อบต.กำแพงแสน", "พ.ศ."):
        assert thaidigits.read_figure(scanned(text, face("Laksaman"))) is None, text


def test_a_ruled_line_beside_a_figure_is_not_read() -> None:
    reading = thaidigits.read_figure(scanned("๒๕๖๔", face("Laksaman"), rule=True))
    assert reading is not None
    assert reading[0] == "๒๕๖๔"


def test_only_the_pieces_reaching_into_the_span_are_read() -> None:
    image = scanned("๑๒ ๓๔", face("Laksaman"))
    ink = image.point(lambda value: 255 if value < 128 else 0)
    left = ink.crop((0, 0, image.width // 2, image.height)).getbbox()
    assert left is not None
    reading = thaidigits.read_figure(image, (left[0], left[2]))
    assert reading is not None
    assert reading[0] == "๑๒"


@pytest.fixture
def without_laksaman(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The outlines without Laksaman (TH Sarabun's face), as on a machine that lacks it."""
    others = [path for path in thaidigits.thai_fonts() if "Laksaman" not in path]
    monkeypatch.setattr(thaidigits, "thai_fonts", lambda: others)
    thaidigits.outlines.cache_clear()
    yield
    thaidigits.outlines.cache_clear()


def test_a_face_left_out_of_the_outlines_is_still_read(without_laksaman: None) -> None:
    """Each digit in Laksaman, read with the other faces' outlines only: most are right (the
    benchmark's figure: bench.thai_digits), and what is doubted is not counted as sure."""
    right = 0
    for digit in thaidigits.DIGITS:
        reading = thaidigits.read_figure(scanned(digit * 3, face("Laksaman")))
        right += reading is not None and reading[0] == digit * 3
    assert right >= 8
