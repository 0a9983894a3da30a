"""The OCR engine: Tesseract as a process, and the words it gives.

Place in the flow: every reading of a page image in ``parsers.ocr`` goes through an
:class:`Engine` - the first look at a page (``parsers.ocr.pages``), the full reading at
:data:`OCR_DPI` in :data:`LANGUAGES`, the second look at doubtful words
(``parsers.ocr.rereading``). The engine is passed in, never found through a global: the
application builds one at start-up with :func:`default_engine` and hands it to
``parsers.read_attachment``; tests hand in one that counts its calls or replays its words.

Owns: :class:`Word` (one word of Tesseract's output, with its box, confidence, line and the
spaces before it) and the helpers every later step uses on words (:func:`is_mark`,
:func:`text_height`); the :class:`Engine` protocol and :class:`OcrError`; :class:`Tesseract`
(one single-threaded process per call: TSV for boxes, plain text for the spaces, aligned
word by word); which languages the installed Tesseract has.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

OCR_DPI = 300
LANGUAGES = "tha+eng"
MARKS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a"
                  "\u0e4b\u0e4c\u0e4d\u0e4e")  # fmt: skip
COLUMN_SPACES = 2  # spaces in Tesseract's text (preserve_interword_spaces) between columns


@dataclass(frozen=True)
class Word:
    """One word of Tesseract's TSV output (for Thai often one character cluster)."""

    text: str
    box: tuple[int, int, int, int]  # x0, top, x1, bottom in pixels
    confidence: float  # 0-100
    line: tuple[int, int, int]  # Tesseract's (block, paragraph, line)
    spaces: int = -1  # spaces Tesseract's text output puts before the word (-1: unknown)


def is_mark(word: Word) -> bool:
    """A word of Thai marks only (vowels above or below, tone marks): Tesseract often gives
    them as words of their own; they sit on a letter, not beside it."""
    return all(char in MARKS for char in word.text)


def text_height(bases: Sequence[Word]) -> int:
    """The median height of ``bases`` (words that are not marks): a line's text height."""
    return max(1, sorted(w.box[3] - w.box[1] for w in bases)[len(bases) // 2])


class Engine(Protocol):
    """An OCR engine: a greyscale image at ``dpi`` -> its words. ``psm`` is Tesseract's page
    segmentation mode; ``languages`` its language list ("tha" is enough for a first look)."""

    def __call__(self, image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]: ...


class OcrError(Exception):
    """Tesseract failed on an image (it crashed, timed out, or is misconfigured)."""


@dataclass(frozen=True)
class Tesseract:
    """The Tesseract binary, one single-threaded process per call. It writes TSV (words, boxes,
    confidences) and plain text (which alone knows where Thai words have spaces, and with
    ``preserve_interword_spaces`` how wide a gap is); the two are aligned word by word."""

    binary: str = "tesseract"
    timeout: float = 120.0

    def __call__(self, image: Image.Image, dpi: int, psm: int, languages: str) -> list[Word]:
        buffer = io.BytesIO()
        image.convert("L").save(buffer, format="PPM")  # uncompressed: PNG encoding costs ~1 s
        environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        with tempfile.TemporaryDirectory(prefix="onep-ocr-") as folder:
            base = os.path.join(folder, "page")
            command = [self.binary, "stdin", base, "-l", languages, "--psm", str(psm),
                       "--dpi", str(dpi), "-c", "preserve_interword_spaces=1", "txt", "tsv"]  # fmt: skip
            try:
                done = subprocess.run(command, input=buffer.getvalue(), capture_output=True,
                                      timeout=self.timeout, env=environment, check=False)  # fmt: skip
            except subprocess.TimeoutExpired as exc:
                raise OcrError(f"tesseract timed out after {self.timeout:g} s") from exc
            except OSError as exc:
                raise OcrError(f"tesseract: {exc}") from exc
            if done.returncode != 0:
                raise OcrError(f"tesseract exit {done.returncode}: {done.stderr[-300:]!r}")
            with open(base + ".tsv", encoding="utf-8", errors="replace") as tsv:
                words = parse_tsv(tsv.read())
            with open(base + ".txt", encoding="utf-8", errors="replace") as txt:
                return with_spaces(words, txt.read())


def parse_tsv(text: str) -> list[Word]:
    """Words (level 5 rows with text) of Tesseract's TSV output."""
    words: list[Word] = []
    rows = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in rows:
        if len(row) < 12 or row[0] != "5" or not row[11].strip():
            continue
        try:
            left, top, width, height = (int(row[i]) for i in (6, 7, 8, 9))
            confidence = float(row[10])
            line = (int(row[2]), int(row[3]), int(row[4]))
        except ValueError:
            continue
        words.append(Word(row[11].strip(), (left, top, left + width, top + height),
                          confidence, line))  # fmt: skip
    return words


def with_spaces(words: list[Word], text: str) -> list[Word]:
    """``words`` with the spaces that Tesseract's plain text puts before each (the words in
    the same order, separated by spaces and line breaks); unchanged where the two disagree."""
    out: list[Word] = []
    position = 0
    previous_line: tuple[int, int, int] | None = None
    for index, word in enumerate(words):
        spaces = 0
        while position < len(text) and text[position].isspace():
            spaces = 0 if text[position] == "\n" else spaces + 1
            position += 1
        if not text.startswith(word.text, position):
            return out + words[index:]  # out of step: keep what is known
        position += len(word.text)
        new_line = word.line != previous_line
        previous_line = word.line
        out.append(dataclasses.replace(word, spaces=0 if new_line else spaces))
    return out


@functools.lru_cache(maxsize=4)
def tesseract_languages(binary: str = "tesseract") -> frozenset[str]:
    """The languages the installed Tesseract has (empty when it is not installed)."""
    if shutil.which(binary) is None:
        return frozenset()
    try:
        done = subprocess.run([binary, "--list-langs"], capture_output=True, timeout=30,
                              check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    lines = done.stdout.decode("utf-8", errors="replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def default_engine() -> Engine | None:
    """Tesseract with Thai and English, or None when it is not installed."""
    if {"tha", "eng"} <= tesseract_languages():
        return Tesseract()
    return None
