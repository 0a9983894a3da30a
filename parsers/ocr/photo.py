"""The page in a phone photo: found, and straightened out of its perspective.

Place in the flow: ``parsers.ocr.read_image`` asks :func:`straightened` about every image before
the first look. A phone photo of a form shows the page lying on a desk, in perspective (the
phone held a little off square), not filling the frame; Tesseract wants the page alone, square,
at a known resolution. The page is the largest bright region around the middle of the photo
once the ink is closed over (a grey closing); its corners are the region's extreme points
along the two diagonals; when the region is close to that quadrilateral, the quadrilateral is
mapped onto a rectangle of A4's proportions, portrait or landscape as the page lies, at the
photo's own resolution (its longer side is A4's 11.69 in). A scan (paper to the edges) or an
image with no such page is left as it is. Uneven light and the shadow of the phone are divided
out later, with the rest of the page's preparation (``parsers.ocr.pages.prepare``).

Pure: Pillow and numpy; about 50 ms for a 12-megapixel photo.
"""

from __future__ import annotations

import numpy
from PIL import Image, ImageDraw, ImageFilter

A4_LONG_INCHES = 11.69
A4_RATIO = 297 / 210
_WORK_SIDE = 400  # pixels: the longer side of the small copy the page is looked for in
_MIN_SHARE, _MAX_SHARE = 0.2, 0.95  # of the photo: a page smaller is no page, larger is a scan
_FILLED = 0.9  # of the quadrilateral the region must fill (a page, not a blob)
_RATIO_SLACK = 0.25  # A4's proportions, give or take (perspective foreshortens)


def straightened(image: Image.Image) -> tuple[Image.Image, int] | None:
    """The page of the photo ``image`` (greyscale) straightened, with its resolution; None
    when ``image`` is not a photo of a page lying on something darker."""
    scale = _WORK_SIDE / max(image.size)
    if scale >= 1:
        return None  # too small to be a photo worth straightening
    small = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        Image.Resampling.BOX,
    )
    closed = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.MinFilter(5))
    threshold = _page_threshold(closed)
    mask = closed.point(lambda value: 255 if value >= threshold else 0)
    seed = _bright_seed(mask)
    if seed is None:
        return None
    ImageDraw.floodfill(mask, seed, 128)
    region = numpy.asarray(mask) == 128
    share = float(region.mean())
    if not _MIN_SHARE <= share <= _MAX_SHARE:
        return None
    ys, xs = numpy.nonzero(region)
    total, difference = xs + ys, xs - ys
    corners = [
        (xs[total.argmin()], ys[total.argmin()]),  # top left
        (xs[difference.argmax()], ys[difference.argmax()]),  # top right
        (xs[total.argmax()], ys[total.argmax()]),  # bottom right
        (xs[difference.argmin()], ys[difference.argmin()]),  # bottom left
    ]
    quad = [(float(x) + 0.5, float(y) + 0.5) for x, y in corners]
    if _area(quad) <= 0 or region.sum() < _FILLED * _area(quad):
        return None
    full = [(x / scale, y / scale) for x, y in quad]
    width = (_length(full[0], full[1]) + _length(full[3], full[2])) / 2
    height = (_length(full[0], full[3]) + _length(full[1], full[2])) / 2
    ratio = max(width, height) / max(1.0, min(width, height))
    if abs(ratio - A4_RATIO) > _RATIO_SLACK:
        return None
    long_side = max(width, height)
    short_side = long_side / A4_RATIO
    size = (
        (round(long_side), round(short_side))
        if width >= height
        else (round(short_side), round(long_side))
    )
    target = [
        (0.0, 0.0),
        (float(size[0]), 0.0),
        (float(size[0]), float(size[1])),
        (0.0, float(size[1])),
    ]
    coefficients = perspective(target, full)
    page = image.transform(size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC,
                           fillcolor=255)  # fmt: skip
    return page, max(72, round(long_side / A4_LONG_INCHES))


def perspective(
    target: list[tuple[float, float]], source: list[tuple[float, float]]
) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE coefficients: the map taking each point of the output (``target``)
    to its point in the input (``source``)."""
    rows: list[list[float]] = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    values = numpy.array([c for point in source for c in point], dtype=float)
    return tuple(float(c) for c in numpy.linalg.solve(numpy.array(rows, dtype=float), values))


def _page_threshold(image: Image.Image) -> int:
    """The grey level between the desk and the page, kept low enough that the page in the
    shadow of the phone is still page: a third of the way from the desk's mean (under Otsu's
    split) to the paper's (above it)."""
    split = _otsu(image)
    histogram = numpy.array(image.histogram()[:256], dtype=float)
    levels = numpy.arange(256)
    low, high = histogram[:split], histogram[split:]
    if low.sum() == 0 or high.sum() == 0:
        return split
    desk = float((low * levels[:split]).sum() / low.sum())
    paper = float((high * levels[split:]).sum() / high.sum())
    return round(desk + _SHADOWED * (paper - desk))


_SHADOWED = 0.35


def _otsu(image: Image.Image) -> int:
    """The grey level that best splits ``image``'s histogram in two (Otsu's method)."""
    histogram = numpy.array(image.histogram()[:256], dtype=float)
    total = histogram.sum()
    levels = numpy.arange(256)
    weight = numpy.cumsum(histogram)
    mean = numpy.cumsum(histogram * levels)
    between = (mean[-1] * weight / total - mean) ** 2 / numpy.maximum(
        weight * (total - weight) / total, 1e-9
    )
    return int(between.argmax()) + 1


def _bright_seed(mask: Image.Image) -> tuple[int, int] | None:
    """A bright pixel near the middle of ``mask`` (the page lies under the phone's centre)."""
    width, height = mask.size
    pixels = mask.load()
    assert pixels is not None
    for step in range(0, min(width, height) // 4, 2):
        for dx, dy in ((0, 0), (step, 0), (-step, 0), (0, step), (0, -step)):
            x, y = width // 2 + dx, height // 2 + dy
            if pixels[x, y] == 255:
                return x, y
    return None


def _area(quad: list[tuple[float, float]]) -> float:
    """The area of a quadrilateral given corner by corner (shoelace)."""
    return (
        abs(
            sum(
                x0 * y1 - x1 * y0
                for (x0, y0), (x1, y1) in zip(quad, quad[1:] + quad[:1], strict=True)
            )
        )
        / 2
    )


def _length(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(numpy.hypot(a[0] - b[0], a[1] - b[1]))
