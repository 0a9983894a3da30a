"""Thai words mended where OCR lost, added or changed a mark.

Place in the flow: ``parsers.ocr`` passes the text of every scanned segment that is not one of
the form's labels (those are snapped to the label) through :func:`mended`. Tesseract's Thai
model drops tone marks and vowels written above a letter, most often when two are stacked
("ต้นรวงผึ่ง" for "ต้นรวงผึ้ง", "เจ้าหน้าทีท้องถิน" for "เจ้าหน้าที่ท้องถิ่น"), and now and then adds
one ("ม่ะฮอกกานี"). Text with a mark wrong is often still made of words, only less likely ones:
so each run of Thai letters is split into words the most likely way (a unigram model:
each word costs -log of its frequency in the Thai National Corpus; a letter no word explains
costs more than any word), and one or two marks are inserted, deleted or changed where that
makes the run much more likely - by more than a mark edit costs. Only marks come and go
(and sara am and sara aa, which OCR takes one for the other): letters are as OCR read them,
a tone mark taken for another costs twice a mark lost (a word becoming a much more common
word, ไม้ "wood" into ไม่ "not", is the unigram model's error, not OCR's), and text that is
already likely is left alone.

The word list (``data/thai_words.tsv.gz``: PyThaiNLP's ``words_th`` with the Thai National
Corpus frequencies of ``tnc_freq``, both CC0) is loaded once (about 0.1 s). Pure functions.
"""

from __future__ import annotations

import functools
import gzip
import math
import re
from importlib import resources

_ABOVE = "ัิีึื็"  # vowels (and mai taikhu) written above a letter
_BELOW = "ุู"
_TONES = "่้๊๋"
_MARKS = _ABOVE + _BELOW + _TONES + "์"
_CONSONANT = re.compile("[\u0e01-\u0e2e]")
_RUN = re.compile("[\u0e01-\u0e4e]{3,}")
_SWAPS = {"ำ": "า", "า": "ำ"}  # sara am and sara aa: OCR takes one for the other
_UNKNOWN = 22.0  # cost of a letter no word explains (the rarest word costs about 18)
_EDIT = 3.5  # cost of one mark lost, added or taken for another: what mending must gain
_TONE_SWAP = 7.0  # cost of one tone mark read as another
_MAX_EDITS = 2  # edits of a run at most, or one per _EDITS_PER characters of a longer one
_EDITS_PER = 8
_SHORT = 3  # characters: a word this short is a likely place of a lost mark (ที for ที่)
_RARE = 12.0  # cost over which a word is rare enough to be a misreading (ผึ่ง: 12.3)


def mended(text: str) -> str:
    """``text`` with the marks of its Thai runs mended where that makes them much likelier.
    A run before a full stop is an abbreviation ("อบต.", "ตร.ม."): left as it is."""
    return _RUN.sub(
        lambda match: (
            match.group(0) if text.startswith(".", match.end()) else mended_run(match.group(0))
        ),
        text,
    )


def mended_run(run: str) -> str:
    """One run of Thai characters (no spaces), mended (see the module docstring)."""
    best, cost, spent = run, split_cost(run)[0], 0.0
    for _ in range(max(_MAX_EDITS, len(run) // _EDITS_PER)):
        found: tuple[float, float, str] | None = None
        for candidate, edit in _edits(best).items():
            candidate_cost = split_cost(candidate)[0] + spent + edit
            if candidate_cost < cost and (found is None or candidate_cost < found[0]):
                found = (candidate_cost, spent + edit, candidate)
        if found is None:
            break
        cost, spent, best = found
    return best


@functools.lru_cache(maxsize=4096)
def split_cost(run: str) -> tuple[float, tuple[str, ...]]:
    """The cost of the likeliest split of ``run`` into words, and the words (a letter no word
    explains stands alone)."""
    words, longest = lexicon()
    size = len(run)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(math.inf, 0)] * size
    for end in range(1, size + 1):
        cost, start = best[end - 1][0] + _UNKNOWN, end - 1
        for begin in range(max(0, end - longest), end):
            word_cost = words.get(run[begin:end])
            if word_cost is not None and best[begin][0] + word_cost < cost:
                cost, start = best[begin][0] + word_cost, begin
        best[end] = (cost, start)
    parts: list[str] = []
    end = size
    while end > 0:
        start = best[end][1]
        parts.append(run[start:end])
        end = start
    return best[size][0], tuple(reversed(parts))


def _edits(run: str) -> dict[str, float]:
    """``run`` with one mark inserted, deleted or changed, in or next to its suspect words
    (letters no word explains, short words, rare words), and what each edit costs."""
    words, _ = lexicon()
    spots: set[int] = set()
    at = 0
    for part in split_cost(run)[1]:
        cost = words.get(part)
        if cost is None or len(part) <= _SHORT or cost > _RARE:
            spots.update(range(max(0, at - 1), min(len(run), at + len(part) + 1)))
        at += len(part)
    found: dict[str, float] = {}
    for index in sorted(spots):
        char, before, rest = run[index], run[:index], run[index + 1 :]
        if char in _MARKS:
            found.setdefault(before + rest, _EDIT)
        if char in _TONES:  # mai ek for mai tho and the like: rarer than a mark lost
            found.update((before + tone + rest, _TONE_SWAP) for tone in _TONES if tone != char)
        if char in _SWAPS:
            found.setdefault(before + _SWAPS[char] + rest, _EDIT)
        after = rest[:1]
        if _CONSONANT.match(char) and after not in _ABOVE + _BELOW:
            for mark in _ABOVE + _BELOW:
                found.setdefault(before + char + mark + rest, _EDIT)
        if (_CONSONANT.match(char) or char in _ABOVE + _BELOW) and after not in _TONES + "์":
            for mark in _TONES + "์":
                found.setdefault(before + char + mark + rest, _EDIT)
    found.pop(run, None)
    return found


@functools.lru_cache(maxsize=1)
def lexicon() -> tuple[dict[str, float], int]:
    """Word -> cost (-log of its relative frequency, a word of the list never seen in the
    corpus as if seen half a time), and the longest word's length."""
    data = resources.files("parsers").joinpath("data/thai_words.tsv.gz").read_bytes()
    counts: dict[str, int] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        word, _, count = line.partition("\t")
        counts[word] = int(count)
    total = sum(counts.values())
    words = {word: math.log(total / max(count, 0.5)) for word, count in counts.items()}
    return words, max(map(len, words))
