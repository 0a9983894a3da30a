"""The ink under OCR's words: boxes tightened to it, specks, ticks and check boxes.

Place in the flow: ``parsers.ocr`` reads a page with Tesseract, then looks at the ink itself
where Tesseract's words say too little. :func:`tightened` shrinks each word's box to the ink
inside it (Tesseract's boxes of Thai character clusters are loose and often a character off;
column alignment needs where the ink is), drops phantoms (a doubted character with no ink)
and specks (a lone "word" whose ink is a dot). The second look (``parsers.ocr.rereading``)
finds unread ink with :func:`ink_runs`, widens a figure's box to its ink with :func:`grown`,
and asks :func:`tick_or_box` whether ink that reads as nothing is a tick or a check box
(☑ ✔ are not in OCR's alphabet).

Owns: what counts as a speck, a phantom, a tick or a box, and the letters OCR takes a tick
for (:data:`TICKS`, used again when a cell's text is made in ``parsers.ocr.lines``).
"""

from __future__ import annotations

import dataclasses

from PIL import Image

from parsers.ocr.engine import Word, is_mark, text_height


def tightened(page: Image.Image, words: list[Word]) -> list[Word]:
    """``words`` with boxes shrunk to the ink inside them. Tesseract's boxes of Thai character
    clusters are loose and often shifted by a character (the first of a word boxed over the
    blank before it): column alignment needs where the ink is. A word with no ink in its box
    keeps its place in the text with an empty box where its word's ink begins (or, inside a
    word, ends); one that Tesseract itself doubted is a phantom and is dropped."""
    ink = page.point(lambda value: 255 if value < 128 else 0)
    inked: list[Word | None] = []
    for index, word in enumerate(words):
        x0, top, x1, bottom = word.box
        if not is_mark(word):  # a box reaching over the next word's ("2404" over "มะฮอก…")
            after = next((w for w in words[index + 1 :] if not is_mark(w)), None)
            if after is not None and after.line == word.line and x0 < after.box[0] < x1:
                x1 = _ink_break(ink, word.box, after.box[0])
        box = ink.crop((x0, top, x1, bottom)).getbbox() if x1 > x0 and bottom > top else None
        if box is None:
            inked.append(None)
        else:
            inked.append(dataclasses.replace(
                word, box=(x0 + box[0], top + box[1], x0 + box[2], top + box[3])))  # fmt: skip
    bases_of: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        if not is_mark(word):
            bases_of.setdefault(word.line, []).append(word)
    heights = {key: text_height(bases) for key, bases in bases_of.items()}
    out: list[Word] = []
    carried: dict[tuple[int, int, int], int] = {}  # spaces before a dropped phantom
    for index, (word, tight) in enumerate(zip(words, inked, strict=True)):
        spaces = carried.pop(word.line, 0)
        if spaces > word.spaces >= 0:
            word = dataclasses.replace(word, spaces=spaces)
            tight = tight and dataclasses.replace(tight, spaces=spaces)
        after = words[index + 1] if index + 1 < len(words) else None
        alone = (word.spaces != 0 or not out or out[-1].line != word.line) and (
            after is None or after.line != word.line or after.spaces != 0
        )
        if tight is not None and alone and _speck(tight, heights.get(word.line, 0)):
            carried[word.line] = word.spaces
            continue  # dirt on the paper that Tesseract took for letters
        if tight is not None:
            out.append(tight)
            continue
        if word.confidence < _PHANTOM and not is_mark(word):
            carried[word.line] = word.spaces
            continue
        starts_word = word.spaces != 0 or not out or out[-1].line != word.line
        after = next((w for w in inked[index + 1 :] if w is not None and w.line == word.line), None)
        if starts_word and after is not None:
            x = after.box[0]
        elif out and out[-1].line == word.line:
            x = out[-1].box[2]
        else:
            x = word.box[0]
        out.append(dataclasses.replace(word, box=(x, word.box[1], x, word.box[3])))
    return out


def _ink_break(ink: Image.Image, box: tuple[int, int, int, int], near: int) -> int:
    """Where the ink of the word boxed by ``box`` ends, its box reaching over the next word's
    (said to start at ``near``, which for Thai may be a character early): at the gap in the
    ink nearest to ``near``, else at ``near``."""
    x0, top, x1, bottom = box
    if x1 - x0 < 2 or bottom - top < 2:
        return near
    profile = ink.crop(box).resize((x1 - x0, 1), Image.Resampling.BOX).tobytes()
    gaps: list[tuple[int, int]] = []  # (start, end) of runs of blank columns, x from x0
    start: int | None = None
    for x, value in enumerate(profile):
        if not value and start is None:
            start = x
        elif value and start is not None:
            if start > 0:
                gaps.append((start, x))
            start = None
    minimum = max(2, (bottom - top) // 8)
    wide = [(a, b) for a, b in gaps if b - a >= minimum]
    if not wide:
        return near
    a, _ = min(wide, key=lambda gap: abs(x0 + (gap[0] + gap[1]) / 2 - near))
    return x0 + a


def _speck(word: Word, height: int) -> bool:
    """A word standing alone whose ink is a dot: far smaller than the text around it."""
    if is_mark(word) or not any(char.isalnum() for char in word.text):
        return False
    x0, top, x1, bottom = word.box
    return max(x1 - x0, bottom - top) < _SPECK_SIZE * height


_SPECK_SIZE = 0.35  # of the line's text height: the ink of a letter is never this small
_PHANTOM = 70.0  # Tesseract confidence under which a character with no ink in its box is dropped


def ink_runs(band: Image.Image, height: int) -> list[tuple[int, int]]:
    """x ranges of ink in ``band`` (columns with ink, gaps under a third of ``height`` closed)."""
    profile = band.resize((band.width, 1), Image.Resampling.BOX).tobytes()
    runs: list[tuple[int, int]] = []
    start: int | None = None
    last = -(10**9)
    for x, value in enumerate(profile):
        if value:
            if start is None or x - last > height // 3:
                if start is not None:
                    runs.append((start, last + 1))
                start = x
            last = x
    if start is not None:
        runs.append((start, last + 1))
    return runs


def grown(
    ink: Image.Image, box: tuple[int, int, int, int], height: int
) -> tuple[int, int, int, int]:
    """``box`` widened to the whole of the ink it cuts through (Tesseract's box of a figure
    may end inside its last digit), up to a blank a quarter of the text height wide."""
    x0, top, x1, bottom = box
    reach = height
    left, right = max(0, x0 - reach), min(ink.width, x1 + reach)
    profile = ink.crop((left, top, right, bottom)).resize((right - left, 1), Image.Resampling.BOX)
    columns = profile.tobytes()
    gap = max(2, height // 4)
    end = x1 - left
    blank = 0
    for x in range(end, len(columns)):
        blank = 0 if columns[x] else blank + 1
        if blank >= gap:
            break
        if columns[x]:
            end = x + 1
    start = x0 - left
    blank = 0
    for x in range(start - 1, -1, -1):
        blank = 0 if columns[x] else blank + 1
        if blank >= gap:
            break
        if columns[x]:
            start = x
    return (left + start, top, left + max(end, start + 1), bottom)


TICK_MIN = 4.0  # points: a printed tick or box is taller (ticks measured 4.6-6.7 pt); dirt is not
MARK_CONFIDENCE = 80.0  # a blob taken for a tick: likely, not certain (-> review)


def tick_like(text: str) -> bool:
    """What OCR makes of a tick or a box: a letter like one, or no letter at all."""
    return text in TICKS or not any(char.isalnum() for char in text)


def tick_or_box(blob: Image.Image) -> str | None:
    """ "✓" for a tick, a cross or a ticked box; "☐" for an empty box; None for a smudge or
    specks (ink in pieces: a gap across it)."""
    width, height = blob.size
    total = width * height
    across = blob.resize((width, 1), Image.Resampling.BOX).tobytes()
    down = blob.resize((1, height), Image.Resampling.BOX).tobytes()
    if any(not value for value in across) or any(not value for value in down):
        return None
    dark = blob.histogram()[255]
    if not 0.05 <= dark / total <= 0.7:
        return None  # a filled blot or a few dots
    inner = blob.crop((width // 4, height // 4, width - width // 4, height - height // 4))
    inner_dark = inner.histogram()[255] / max(1, inner.width * inner.height)
    rows = list(blob.resize((1, height), Image.Resampling.BOX).tobytes())
    columns = list(blob.resize((width, 1), Image.Resampling.BOX).tobytes())
    framed = max(rows[0], rows[-1]) > 150 and max(columns[0], columns[-1]) > 150
    if framed and inner_dark < 0.03:
        return "☐"
    return "✓"


# A mark alone in a cell of a form is a tick, whatever letter OCR took it for.
TICKS = dict.fromkeys(("v", "V", "/", "\\", "√", "✔", "J", "y", "Y", "”", "“", '"', "'", "’", "‘"),
                       "✓") | {"x": "X", "×": "X"}  # fmt: skip
