"""OCR text put right where what it should say is a closed list.

Place in the flow: ``parsers.ocr.lines`` calls these on each segment's text as it makes the
lines of a scanned page. Tesseract drops and confuses Thai characters and marks; where the
text is one of a closed list it can be put right, and only there (values are left as read,
so that a doubtful reading goes to review):

- :func:`snapped`: a form label misread by a character or two, or by its marks
  ("พื้นที่สีเขียวที่เพิ่ขึ้น", "ลงชือ"), becomes the label (of any form version in ``parsers/forms``);
- :func:`month_fixed`: a Thai month name or abbreviation misread by a character ("จันวาคม",
  "กุย.");
- :data:`NIKHAHIT_AS_HAN_AKAT`: sara am read as mai han-akat ("นั้า" for "น้ำ");
- :func:`undusted`: dirt on the paper read as punctuation at a value's ends.

(Prose fields are mended against a word list later, in ``parsers.thaispell``.)
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from parsers.labels import NUMBERING, bare_key, label_key, schema_labels
from parsers.ocr.engine import MARKS
from parsers.pagetext import Segment
from parsers.schema import available_versions, load_schema


def snapped(segment: Segment) -> Segment:
    """``segment`` with its text replaced by the form label it misreads, if it is one with a
    character or two wrong ("พื้นที่สีเขียวที่เพิ่ขึ้น" for "พื้นที่สีเขียวที่เพิ่มขึ้น": Tesseract drops
    and confuses Thai characters): a label is only found where its words are. Labels of every
    form version count; numbering and parenthesised notes of the cell are kept."""
    text = segment.text
    vocabulary = _vocabulary(short=True)
    for key, keep in ((label_key(text), ""), (bare_key(text), " ".join(_NOTES.findall(text)))):
        if key in vocabulary:
            return segment
        label = _skeletons().get(_skeleton(key)) if len(_skeleton(key)) >= _SKELETON_MIN else None
        if label is not None:  # the same letters, marks lost or misread: "ลงชือ", "วันทิ"
            return _relabelled(segment, label, keep)
        if len(key) < _SNAP_MIN:
            continue
        allowed = max(1, len(key) // _SNAP_PER)
        found = process.extractOne(
            key, _vocabulary().keys(), scorer=Levenshtein.distance, score_cutoff=allowed
        )
        # else: letters lost, and the marks around them reordered by normalising
        near = found[0] if found is not None else _near_skeleton(key)
        if near is not None:
            return _relabelled(segment, _vocabulary()[near], keep)
    return segment


def _relabelled(segment: Segment, label: str, keep: str) -> Segment:
    """``segment`` reading ``label``, with its own numbering before and ``keep`` after."""
    numbering = NUMBERING.match(segment.text)
    fixed = (numbering.group(0) if numbering else "") + label + (f" {keep}" if keep else "")
    return dataclasses.replace(segment, text=fixed)


def _near_skeleton(key: str) -> str | None:
    """The label key whose letters (marks left out) are a letter or two from ``key``'s, and
    whose whole key is not far either: "พื้นที่สีเขียวที่เพิ่ึ้น" (ม and ข lost; normalising put
    the vowel ึ before the tone mark ่, two edits more) for "พื้นที่สีเขียวที่เพิ่มขึ้น"."""
    skeleton = _skeleton(key)
    allowed = max(1, len(skeleton) // _SKELETON_PER)
    found = process.extractOne(skeleton, _long_skeletons().keys(), scorer=Levenshtein.distance,
                               score_cutoff=allowed)  # fmt: skip
    if found is None:
        return None
    label = _long_skeletons()[found[0]]
    return label if Levenshtein.distance(key, label) <= len(key) // _SNAP_MARKS_PER else None


def _skeleton(key: str) -> str:
    return "".join(char for char in key if char not in MARKS)


@functools.lru_cache(maxsize=1)
def _skeletons() -> dict[str, str]:
    """Label texts by their letters without marks, where only one label has those letters."""
    return _by_unique_skeleton(_vocabulary(short=True).items())


@functools.lru_cache(maxsize=1)
def _long_skeletons() -> dict[str, str]:
    """Label keys (of _SNAP_MIN characters or more) by their letters without marks, where
    only one label has those letters."""
    return _by_unique_skeleton((key, key) for key in _vocabulary())


def _by_unique_skeleton(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """(key, what to give) pairs by the key's skeleton, the skeletons of one thing only."""
    found: dict[str, set[str]] = {}
    for key, given in pairs:
        found.setdefault(_skeleton(key), set()).add(given)
    return {skeleton: next(iter(given)) for skeleton, given in found.items() if len(given) == 1}


_SKELETON_MIN = 3  # letters: a label's letters without marks that identify it
_SNAP_MIN = 8  # characters of key: shorter texts are too alike to correct
_SNAP_PER = 12  # one wrong character allowed per this many
_SKELETON_PER = 6  # ... per this many letters, marks left out
_SNAP_MARKS_PER = 4  # ... and per this many characters, marks counted
_NOTES = re.compile(r"\([^()]*\)")


@functools.lru_cache(maxsize=2)
def _vocabulary(*, short: bool = False) -> dict[str, str]:
    """Key -> text of every label of every form version (the first text of a key wins);
    ``short``: with the short labels too."""
    found: dict[str, str] = {}
    for version in available_versions():
        for _, texts in schema_labels(load_schema(version)):
            for text in texts:
                plain = NUMBERING.sub("", text, count=1).strip()
                bare = " ".join(_NOTES.sub(" ", plain).split())
                for key, shown in ((label_key(text), plain), (bare_key(text), bare)):
                    if len(key) >= (1 if short else _SNAP_MIN):
                        found.setdefault(key, shown)
    return found


def month_fixed(token: str) -> str:
    """A Thai month name or abbreviation misread by a character ("จันวาคม" for "ธันวาคม",
    "กุย." for "ก.ย."): dates are read from these words, and they are a closed list."""
    if not token or not any("\u0e01" <= char <= "\u0e2e" for char in token) or len(token) > 12:
        return token
    names, abbreviations = _month_words()
    if "." in token:
        letters = _skeleton(token.replace(".", ""))
        return abbreviations.get(letters, token) if len(token) <= 6 else token
    if len(token) >= 5 and token not in names:
        near = [name for name in names if Levenshtein.distance(token, name, score_cutoff=1) <= 1]
        if len(near) == 1:
            return near[0]
    return token


@functools.lru_cache(maxsize=1)
def _month_words() -> tuple[frozenset[str], dict[str, str]]:
    """Thai month names, and abbreviations by their letters without marks ("กย" -> "ก.ย.";
    letters shared by two abbreviations, "มค" of ม.ค. and มี.ค., are left alone)."""
    names = frozenset(name for name in _MONTH_NAMES if len(name) >= 5)
    found: dict[str, set[str]] = {}
    for abbreviation in _MONTH_ABBREVIATIONS:
        found.setdefault(_skeleton(abbreviation.replace(".", "")), set()).add(abbreviation)
    return names, {key: next(iter(v)) for key, v in found.items() if len(v) == 1}


_MONTH_NAMES = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
                "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")  # fmt: skip
_MONTH_ABBREVIATIONS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.",
                        "ต.ค.", "พ.ย.", "ธ.ค.")  # fmt: skip


def undusted(text: str) -> str:
    """``text`` without the dirt at its ends that OCR read as punctuation: a lone mark
    before or after it ("กำแพงแสน .", "พะยูง '"), a dot glued before Thai letters
    (".นางประเสริฐ"), a dot glued after a Thai word of four characters or more ("พะยูง.";
    an abbreviation's dot follows fewer: "อบต.", "ก.ย.")."""
    text = _DUST_ENDS.sub("", text)
    text = _DUST_BEFORE_THAI.sub("", text)
    return _DOT_AFTER_WORD.sub(r"\1", text)


_DUST_ENDS = re.compile(r"^[.,'`‘’]+\s+(?=\S)|(?<=\S)\s+[.,'`‘’]+$")
_DUST_BEFORE_THAI = re.compile(r"^[.,'`‘’]+(?=[\u0e01-\u0e2e\u0e40-\u0e44])")
_DOT_AFTER_WORD = re.compile(r"((?:^|[\s.])[\u0e01-\u0e4e]{4,})\.$")


# Tesseract reads the small circle of sara am (ำ) as mai han-akat: "นั้า" for "น้ำ". Mai han-akat
# is never followed by sara aa in Thai spelling, so the pair is always this misreading.
NIKHAHIT_AS_HAN_AKAT = re.compile("\u0e31([\u0e48-\u0e4b]?)\u0e32")
