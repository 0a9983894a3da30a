"""Finding the schema's labels among a document's cells.

Place in the flow: ``parsers.extract`` asks :func:`find_hits` which cells are labels (of fields,
Part 2 rows and columns, the projects table, sections), then reads values next to them.

A label matches a cell when their *keys* are equal: NFC-normalised Thai (``core.thai``),
lower case, leading numbering ("1.", "2.1", "ส่วนที่ 1") dropped, spaces and punctuation dropped.
Tried in order, each cell stopping at the first that matches:
1. the whole key (score 1.0);
2. "label: value" in one cell (the part before the colon matches; the rest is an inline value);
3. the key without text in parentheses (0.95): "รหัส อปท. (7 หลัก)" is the label, annotated;
4. a label followed by a separator and more text ("จำนวนประชากร 5,230 คน"), or by a fill-in line
   ("ลงชื่อ ........ (นายสมชาย ใจดี)"): the rest is a *tentative* value, used only when nothing
   stands beside or below the label;
5. for labels still missing, a reworded cell: character-bigram Dice similarity >= the schema's
   ``fuzzy_threshold``, or a cell key that begins with a label key making a third of it
   (similarity 0.85); the score is the similarity x ``fuzzy_penalty``.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import string
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from core.thai import area_unit_of, is_unit_text, normalize, thai_digits_to_arabic
from parsers.cells import Cell, Sheet
from parsers.meaning import Vocabulary
from parsers.schema import FormSchema

# A target is what a label stands for: (kind, name).
#   field/<key>, row/<green type>, gcol/<sites|area|rai|ngan|wa>, pcol/<column key>,
#   ordinal, total, yes, no, section/<part>, title, rowhead, itemhead
Target = tuple[str, str]

FUZZY_KINDS = frozenset({"field", "row"})
_PREFIX_KINDS = frozenset({"field", "row", "pcol", "section", "title"})
_MIN_PREFIX = 3

_DROP = frozenset(string.whitespace + string.punctuation + "ฯ“”‘’–—…•·：（）［］「」\u3000")
_DROP_TABLE = dict.fromkeys(map(ord, _DROP))
NUMBERING = re.compile(r"^\s*(?:(?:ส่วนที่|ตอนที่|ข้อที่|ข้อ)\s*)?[(\[]?\d+(?:\.\d+)*\s*[)\].:]?\s*(?=\D)")
_PARENTHESES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_FILL_IN_LINE = re.compile(r"\.{3,}|_{3,}|…")


def _strip_numbering(text: str) -> str:
    return NUMBERING.sub("", thai_digits_to_arabic(normalize(text)), count=1)


@functools.lru_cache(maxsize=8192)
def label_key(text: str) -> str:
    """The comparison key of a label or cell text (see the module docstring)."""
    return _strip_numbering(text).translate(_DROP_TABLE).lower()


@functools.lru_cache(maxsize=8192)
def bare_key(text: str) -> str:
    """:func:`label_key` of the text without its parenthesised parts."""
    return label_key(_PARENTHESES.sub(" ", normalize(text)))


def bigrams(key: str) -> frozenset[str]:
    return frozenset(key[i : i + 2] for i in range(len(key) - 1)) if len(key) > 1 else frozenset()


@dataclass(frozen=True)
class Hit:
    """A cell recognised as the label of ``target``; ``inline`` is a value found in the cell."""

    cell: Cell
    target: Target
    score: float
    inline: str | None = None
    tentative: bool = False  # inline found by prefix: used only when no value is beside/below


@dataclass(frozen=True)
class _Label:
    target: Target
    key: str
    score: float


class LabelIndex:
    """Every label of a schema by key, built once per schema."""

    def __init__(self, schema: FormSchema) -> None:
        self.exact: dict[str, list[_Label]] = {}
        self.prefix: dict[str, list[_Label]] = {}
        self.fuzzy: list[tuple[Target, str, frozenset[str]]] = []
        self.total_keys = frozenset(label_key(text) for text in schema.projects.total_row)
        vocabulary = schema.vocabulary
        self.vocabulary = Vocabulary(vocabulary.synonyms, vocabulary.stop_words, key=label_key)
        self.canonical: dict[str, list[_Label]] = {}
        self.meanings: list[tuple[Target, tuple[str, ...]]] = []
        every = list(schema_labels(schema))
        for target, labels in every:
            for text in labels:
                self._add(target, text)
        self.vocabulary.learn_weights(
            (target, [self.canon(label_key(text)) for text in labels]) for target, labels in every
        )
        self.labelled = [(target, words) for target, words in self.meanings
                         if target[0] in FUZZY_KINDS]  # fmt: skip
        # the form part each field, Part 2 row and table column belongs to (for certainty)
        self.parts: dict[Target, int] = {("field", spec.key): spec.part for spec in schema.fields}
        table = schema.green_table
        self.parts |= {("row", row.type): table.part for row in table.rows}
        self.parts |= {("gcol", name): table.part for name in table.columns}
        self.parts |= {("pcol", col.key): schema.projects.part for col in schema.projects.columns}
        # rivals: labels that could stand where a label stands (a field's or a row's label
        # in its column of labels; a column's header among the headers of its table)
        self.rivals = [(target, words) for target, words in self.meanings
                       if target in self.parts]  # fmt: skip

    def canon(self, key: str) -> str:
        """A key with its synonyms and abbreviations written one way (``parsers.meaning``)."""
        return self.vocabulary.canonical(key)

    def _add(self, target: Target, text: str) -> None:
        key, bare = label_key(text), bare_key(text)
        for variant, score in ((key, 1.0), (bare, 0.95)):
            if not variant:
                continue
            entries = self.exact.setdefault(variant, [])
            if not any(entry.target == target for entry in entries):
                entries.append(_Label(target, variant, score))
            if target[0] in _PREFIX_KINDS and len(variant) >= _MIN_PREFIX:
                self.prefix.setdefault(variant[:2], []).append(_Label(target, variant, score))
            if target[0] in FUZZY_KINDS and len(variant) >= 4:
                self.fuzzy.append((target, variant, bigrams(variant)))
            canonical = self.canon(variant)
            entries = self.canonical.setdefault(canonical, [])
            if not any(entry.target == target for entry in entries):
                entries.append(_Label(target, canonical, score))
            words = self.vocabulary.words(canonical)
            if words and (target, words) not in self.meanings:
                self.meanings.append((target, words))


def schema_labels(schema: FormSchema) -> Iterable[tuple[Target, Sequence[str]]]:
    """Every label text of ``schema`` with the target it stands for (OCR corrects its
    readings against these too: ``parsers.ocr.mending.snapped``)."""
    yield ("title", ""), schema.title_labels
    for section in schema.sections:
        yield ("section", str(section.part)), section.labels
    for spec in schema.fields:
        yield ("field", spec.key), spec.labels
    table = schema.green_table
    yield ("rowhead", ""), table.row_header
    for row in table.rows:
        yield ("row", row.type), row.labels
    for name, labels in table.columns.items():
        yield ("gcol", name), labels
    yield ("yes", ""), schema.yes_no.yes
    yield ("no", ""), schema.yes_no.no
    yield ("itemhead", ""), schema.yes_no.item_header
    yield ("title", "projects"), schema.projects.title
    yield ("ordinal", ""), schema.projects.ordinal
    yield ("total", ""), schema.projects.total_row
    for column in schema.projects.columns:
        yield ("pcol", column.key), column.headers


_INDEXES: weakref.WeakKeyDictionary[FormSchema, LabelIndex] = weakref.WeakKeyDictionary()


def index_for(schema: FormSchema) -> LabelIndex:
    """The (cached) label index of ``schema``."""
    index = _INDEXES.get(schema)
    if index is None:
        index = _INDEXES[schema] = LabelIndex(schema)
    return index


def is_label_like(cell: Cell) -> bool:
    """Text that could be a label: a string with at least two letters (Thai marks count)."""
    if cell.value is not None:
        return False
    letters = 0
    for char in cell.text:
        if char.isalpha() or "\u0e31" <= char <= "\u0e4e":
            letters += 1
            if letters >= 2:
                return True
    return False


def match_cell(index: LabelIndex, cell: Cell) -> list[Hit]:
    """Exact, inline, parenthesis-free and prefix matches of one cell (steps 1-4 above)."""
    key = label_key(cell.text)
    found = index.exact.get(key) or index.canonical.get(index.canon(key))
    if found:
        return [Hit(cell, entry.target, entry.score) for entry in found]
    text = normalize(cell.text)
    for colon in (":", "："):
        if colon in text:
            left, _, right = text.partition(colon)
            found = (
                index.exact.get(label_key(left))
                or index.exact.get(bare_key(left))
                or index.canonical.get(index.canon(label_key(left)))
                or index.canonical.get(index.canon(bare_key(left)))
            )
            if found and right.strip():
                return [Hit(cell, entry.target, entry.score, right.strip()) for entry in found]
            if right.strip() and label_key(left):
                # "ที่ตั้ง อำเภอ : เมืองแพร่": a label reworded, then its value after the colon
                meant = _best_meaning(index, index.labelled, label_key(left))
                if meant is not None and meant[0] >= _INLINE_MEANING:
                    return [Hit(cell, meant[1], round(meant[0], 3), right.strip())]
    bare = bare_key(cell.text)
    found = (
        (index.exact.get(bare) or index.canonical.get(index.canon(bare))) if bare != key else None
    )
    if found and not _FILL_IN_LINE.search(text):
        return [Hit(cell, entry.target, min(entry.score, 0.95)) for entry in found]
    return _prefix_hits(index, cell, text, key)


def _prefix_hits(index: LabelIndex, cell: Cell, text: str, key: str) -> list[Hit]:
    best: list[_Label] = []
    for entry in index.prefix.get(key[:2], ()):
        if len(entry.key) < len(key) and key.startswith(entry.key):
            if best and len(entry.key) < len(best[0].key):
                continue
            if best and len(entry.key) > len(best[0].key):
                best = []
            best.append(entry)
    if not best:
        return []
    remainder = _after_key(_strip_numbering(text), len(best[0].key))
    if remainder is None:
        return []
    # leading marks go ("จังหวัด: สงขลา"), a trailing period stays ("ตำแหน่ง ปลัด อบต.")
    inline = remainder.lstrip(" \t\n:：-–.").rstrip() or None
    if inline is not None and inline.startswith("/"):
        inline = None  # "จังหวัด / Province": a second label, not a value
    while inline is not None and _label_word_first(index, inline):
        inline = inline.split(maxsplit=1)[1]
    if inline is not None and inline.startswith("("):
        # "ชื่อหน่วยงาน (อปท.) ทน.นาบัว": the parenthesised words annotate the label
        close = inline.find(")")
        if close > 0:
            inline = inline[close + 1 :].lstrip(" \t\n:：-–.").rstrip() or None
    return [Hit(cell, entry.target, 0.95, inline, tentative=True) for entry in best]


def _label_word_first(index: LabelIndex, text: str) -> bool:
    """Does ``text`` begin with a word of labels (a stop word such as ของ, or a word the
    vocabulary writes one way, such as อปท.) followed by more? Such words end a label, they
    never begin its value ("ผู้ประสานงานของ อปท. ว่าที่ร้อยตรี...")."""
    parts = text.split(maxsplit=1)
    if len(parts) < 2:
        return False
    word = label_key(parts[0])
    vocabulary = index.vocabulary
    return word in vocabulary.stop_words or index.canon(word) in vocabulary.canonical_words


def _after_key(text: str, key_length: int) -> str | None:
    """The text after the first ``key_length`` key characters, if a separator follows them."""
    kept = 0
    for position, char in enumerate(text):
        if char in _DROP:
            continue
        kept += 1
        if kept == key_length:
            rest = text[position + 1 :]
            return rest if rest and rest[0] in _DROP else None
    return None


_STARTS_WITH = 0.85  # a reworded label that begins with a known one ("จำนวนประชากรในเขต...")


def _starts_with(key: str, label: str) -> bool:
    return len(label) >= 6 and key.startswith(label) and 3 * len(label) >= len(key)


def fuzzy_hits(
    index: LabelIndex, cells: Iterable[Cell], missing: set[Target], threshold: float, penalty: float
) -> list[Hit]:
    """Reworded labels: each cell's best target among ``missing`` (step 5), on the cell's key
    with and without its parenthesised parts."""
    labels = _Fuzzy([entry for entry in index.fuzzy if entry[0] in missing])
    if not labels.entries:
        return []
    hits: list[Hit] = []
    for cell in cells:
        best: tuple[float, Target] | None = None
        for key in {label_key(cell.text), bare_key(cell.text)}:
            if not 4 <= len(key) <= 120:
                continue
            found = _best_similar(key, labels, threshold)
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        if best is not None:
            score = best[0] * penalty
            if all(best[0] - _similar(key, best[1], index) >= SURE_MARGIN
                   for key in {label_key(cell.text), bare_key(cell.text)}):  # fmt: skip
                score = max(score, SURE_SCORE)  # no label of its part comes near: no doubt
            hits.append(Hit(cell, best[1], round(score, 3)))
    return hits


def _similar(key: str, target: Target, index: LabelIndex) -> float:
    """The best bigram similarity of ``key`` to a label of another target of ``target``'s
    form part (a rival)."""
    part = index.parts.get(target)
    grams = bigrams(key)
    best = 0.0
    for other, _, label_grams in index.fuzzy:
        if other == target or index.parts.get(other) != part or not grams or not label_grams:
            continue
        best = max(best, 2 * len(grams & label_grams) / (len(grams) + len(label_grams)))
    return best


class _Fuzzy:
    """Labels for :func:`_best_similar`, indexed so that a cell is compared only with those
    that can reach the threshold: by bigram count (Dice similarity is at most
    2 min(a, b) / (a + b)) and by their first two characters (a label the cell starts with)."""

    def __init__(self, entries: list[tuple[Target, str, frozenset[str]]]) -> None:
        self.entries = entries
        self.order = sorted(range(len(entries)), key=lambda i: len(entries[i][2]))
        self.sizes = [len(entries[i][2]) for i in self.order]
        self.by_start: dict[str, list[int]] = {}
        for position, (_, label, _) in enumerate(entries):
            if len(label) >= 6:
                self.by_start.setdefault(label[:2], []).append(position)

    def near(self, key: str, size: int, threshold: float) -> list[int]:
        """Positions (in order) of the labels worth comparing with ``key``."""
        low = threshold * size / (2 - threshold) - 1
        high = size * (2 - threshold) / threshold + 1
        found = set(self.by_start.get(key[:2], ()))
        first = bisect.bisect_left(self.sizes, low)
        last = bisect.bisect_right(self.sizes, high)
        found.update(self.order[first:last])
        return sorted(found)


def _best_similar(key: str, labels: _Fuzzy, threshold: float) -> tuple[float, Target] | None:
    grams = bigrams(key)
    size = len(grams)
    best: tuple[float, Target] | None = None
    for position in labels.near(key, size, threshold):
        target, label, label_grams = labels.entries[position]
        score = _STARTS_WITH if _starts_with(key, label) else 0.0
        total = size + len(label_grams)
        if 2 * min(size, len(label_grams)) >= threshold * total and not grams.isdisjoint(
            label_grams
        ):
            score = max(score, 2 * len(grams & label_grams) / total)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, target)
    return best


MEANING_THRESHOLD = 0.6  # weighted word similarity for a reworded label at all
_MEANING_MARGIN = 0.1  # a cell meaning two labels about as well is neither (a doubt)
_INLINE_MEANING = 0.8  # a label read by meaning with its value typed after it, in one cell
# A label read by meaning is *sure* (its value needs no reviewer) when no other label of the
# same form part comes near it: every rival's similarity is at least this much lower. Its
# score is then SURE_SCORE, above the acceptance threshold; otherwise its similarity, which
# sends its value to review. Rivals are found labels too, not only the missing ones: a cell
# that means ตำแหน่ง or วันที่ of two parts about as well is a doubt wherever it stands.
SURE_MARGIN = 0.2
SURE_SCORE = 0.9


def certainty(index: LabelIndex, key: str, target: Target, score: float) -> float:
    """The score of a label read by meaning: :data:`SURE_SCORE` when no rival of its part
    comes within :data:`SURE_MARGIN` of ``score``, else ``score``."""
    part = index.parts.get(target)
    if part is None or score >= SURE_SCORE:
        return score
    words = index.vocabulary.words(index.canon(key))
    rival = max(
        (
            index.vocabulary.similarity(words, label)
            for other, label in index.rivals
            if other != target
            and index.parts[other] == part
            and (other[0] in FUZZY_KINDS) == (target[0] in FUZZY_KINDS)
        ),
        default=0.0,
    )
    return SURE_SCORE if score - rival >= SURE_MARGIN else score


def meaning_hits(
    index: LabelIndex,
    cells: Iterable[Cell],
    missing: set[Target],
    alone: set[int] | None = None,
    part_of: Callable[[Cell], int | None] | None = None,
) -> list[Hit]:
    """Reworded labels by meaning (``parsers.meaning``): each cell's best target among
    ``missing``, scored by the similarity of their words; a cell that means two targets about
    as well is left out (a doubt, never a guess). A cell whose words do not match as a whole
    may be a label with its value typed after it ("จังหวัดที่ตั้ง สงขลา"): the longest start
    of it, up to a space, that means a label well is the label, the rest a tentative value.
    A part's heading stands alone on its row: a cell not in ``alone`` (ids; None: all are)
    is never compared with the headings ("ข้อมูล ณ" | a date is no heading). A cell under a
    part's heading (``part_of``) is compared with that part's labels only ("เจ้าหน้าที่ที่
    ติดต่อได้" in Part 1 is no รุกขกร of Part 3). A label read so scores by :func:`certainty`."""
    labels = [(target, words) for target, words in index.meanings if target in missing]
    if not labels:
        return []
    # a section heading reworded is a heading: never a field's label
    with_headings = labels + [(t, words) for t, words in index.meanings if t[0] == "section"]
    hits: list[Hit] = []
    for cell in cells:
        entries = with_headings if alone is None or id(cell) in alone else labels
        part = part_of(cell) if part_of is not None else None
        if part is not None:  # under a part's heading: that part's labels (and headings)
            entries = [entry for entry in entries if index.parts.get(entry[0], part) == part]
        text = normalize(cell.text)
        keys = (bare_key(text), label_key(text))
        found = [(_best_meaning(index, entries, key), key) for key in keys]
        best, key = max(((f, k) for f, k in found if f is not None),
                        key=lambda item: item[0][0], default=(None, ""))  # fmt: skip
        inline = _inline_meaning(index, entries, text)
        if inline is not None and (best is None or inline[0] > best[0]):
            hits.append(inline_hit(cell, *inline))
        elif best is not None:
            score = certainty(index, key, best[1], best[0])
            hits.append(Hit(cell, best[1], round(score, 3)))
    return _leftmost(hits)


def _leftmost(hits: list[Hit]) -> list[Hit]:
    """Of two cells of one row meaning the same label, the left one is the label: the other
    is its value starting with the label's abbreviation ("จังหวัดที่ตั้ง" | "จ.สงขลา")."""
    first: dict[tuple[Target, int], Hit] = {}
    for hit in hits:
        place = (hit.target, hit.cell.row)
        if place not in first or hit.cell.col < first[place].cell.col:
            first[place] = hit
    return [hit for hit in hits if first[(hit.target, hit.cell.row)] is hit]


def inline_hit(cell: Cell, score: float, target: Target, value: str) -> Hit:
    return Hit(cell, target, round(score, 3), value, tentative=True)


def _best_meaning(
    index: LabelIndex, entries: list[tuple[Target, tuple[str, ...]]], key: str
) -> tuple[float, Target] | None:
    if not 2 <= len(key) <= 120:
        return None
    words = index.vocabulary.words(index.canon(key))
    if not words:
        return None
    scores: dict[Target, float] = {}
    for target, label in entries:
        score = index.vocabulary.similarity(words, label)
        if score > scores.get(target, 0.0):
            scores[target] = score
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < MEANING_THRESHOLD:
        return None
    if len(ranked) > 1 and ranked[1][1] > ranked[0][1] - _MEANING_MARGIN:
        return None  # two labels it could be: a doubt
    return ranked[0][1], ranked[0][0]


def _inline_meaning(
    index: LabelIndex, entries: list[tuple[Target, tuple[str, ...]]], text: str
) -> tuple[float, Target, str] | None:
    parts = text.split()
    best: tuple[float, Target, str] | None = None
    for cut in range(1, len(parts)):  # the best-meaning start; of equals, the shortest
        left, right = " ".join(parts[:cut]), " ".join(parts[cut:]).strip(" :：-")
        if not right or right.startswith("("):
            continue  # "(ตร.กม.) 40.71": the parenthesised words annotate the label
        found = _best_meaning(index, entries, label_key(left))
        if (
            found is not None
            and found[0] >= _INLINE_MEANING
            and (best is None or found[0] > best[0])
        ):
            best = found[0], found[1], right
    while best is not None and _label_word_first(index, best[2]):
        best = best[0], best[1], best[2].split(maxsplit=1)[1]  # the label's words, not the value's
    return best


_TABLES = {"pcol": ("pcol", "ordinal"), "gcol": ("gcol", "rowhead")}  # a table's header kinds
_HEADER_MEANING = 0.5


def header_hits(index: LabelIndex, sheet: Sheet, hits: list[Hit]) -> list[Hit]:
    """Table column headers reworded (``parsers.meaning``): in a row that already holds a
    header of a table (projects: a column or the ordinal; Part 2: a column or the row
    header), the other cells that mean one of that table's columns not yet in the row; and
    the yes/no columns of Part 3 told by negation, whatever their words ("ดำเนินการ" |
    "ไม่ได้ดำเนินการ"): two cells side by side, the second the first with ไม่ (ไม่ได้) before it."""
    found: list[Hit] = []
    # a cell a field's label matched may still head a column ("เนื้อที่ทั้งหมด" over areas)
    taken = {id(hit.cell) for hit in hits if hit.target[0] not in FUZZY_KINDS}
    by_row: dict[int, list[Hit]] = {}
    for hit in hits:
        by_row.setdefault(hit.cell.row, []).append(hit)
    for row, row_hits in by_row.items():
        cells = [c for c in sheet.row(row) if id(c) not in taken and is_label_like(c)]
        for kinds in _TABLES.values():
            present = {hit.target for hit in row_hits if hit.target[0] in kinds}
            if not present:
                continue
            entries = [
                (target, words)
                for target, words in index.meanings
                if target[0] in kinds and target not in present
            ]
            # the surest header first, then the others without its column: "ชนิดต้นไม้ที่ปลูก"
            # means species or trees about as well until "ต้นไม้ (ต้น)" has taken the trees
            waiting = [cell for cell in cells if id(cell) not in taken]
            while waiting and entries:
                scored = []
                for cell in waiting:
                    best = _best_meaning(index, entries, bare_key(cell.text))
                    best = best or _best_meaning(index, entries, label_key(cell.text))
                    if best is not None and best[0] >= _HEADER_MEANING:
                        scored.append((best, cell))
                if not scored:
                    break
                (score, target), cell = max(scored, key=lambda item: item[0][0])
                score = max(certainty(index, key, target, score)  # "(ต้น)" tells trees
                            for key in (bare_key(cell.text), label_key(cell.text)))  # fmt: skip
                found.append(Hit(cell, target, round(score, 3)))
                entries = [entry for entry in entries if entry[0] != target]
                taken.add(id(cell))
                waiting = [other for other in waiting if other is not cell]
    found += _unit_headers(sheet, by_row, taken)
    found += _negated_pairs(sheet, by_row, taken)
    return found


_UNIT_COLUMNS = {"rai": "rai", "ngan": "ngan", "wa2": "wa"}


def _unit_headers(sheet: Sheet, by_row: dict[int, list[Hit]], taken: set[int]) -> list[Hit]:
    """In a Part 2 header row that heads ไร่ or งาน, a cell saying only an area unit heads that
    unit's column, however it is spelled ("ตร.ว.", "ตร.วา.", "(ตารางวา)")."""
    found: list[Hit] = []
    for row, row_hits in by_row.items():
        present = {hit.target for hit in row_hits if hit.target[0] == "gcol"}
        if not present & {("gcol", "rai"), ("gcol", "ngan")}:
            continue
        for cell in sheet.row(row):
            if id(cell) in taken or not is_unit_text(cell.text):
                continue
            name = _UNIT_COLUMNS.get(area_unit_of(cell.text) or "")
            if name is not None and ("gcol", name) not in present:
                found.append(Hit(cell, ("gcol", name), 1.0))
                present.add(("gcol", name))
                taken.add(id(cell))
    return found


def _negated_pairs(sheet: Sheet, by_row: dict[int, list[Hit]], taken: set[int]) -> list[Hit]:
    found: list[Hit] = []
    for row, cells in ((number, list(sheet.row(number))) for number in sorted(
            {cell.row for cell in sheet.cells})):  # fmt: skip
        if {"yes", "no"} <= {hit.target[0] for hit in by_row.get(row, ())}:
            continue
        for left, right in itertools.pairwise(cells):
            yes, no = label_key(left.text), label_key(right.text)
            if 0 < len(yes) <= 20 and no in (f"ไม่{yes}", f"ไม่ได้{yes}"):
                found.append(Hit(left, ("yes", ""), 1.0))
                found.append(Hit(right, ("no", ""), 1.0))
    return found


def whole_label(index: LabelIndex, text: str, kinds: frozenset[str], *, bare: bool = True) -> bool:
    """True when ``text`` is, whole, a label of one of ``kinds`` (nothing after it; with or
    without its parenthesised part when ``bare``): a line of text that stands for a label."""
    key = label_key(text)
    found = index.exact.get(key)
    if not found and bare and not _FILL_IN_LINE.search(text):
        without = bare_key(text)
        found = index.exact.get(without) if without != key else None
    return any(entry.target[0] in kinds for entry in found or ())


_HEADING = re.compile(r"^\s*(?:ส่วนที่|ตอนที่)\s*([0-9๐-๙]+)\b")


def find_hits(index: LabelIndex, sheet: Sheet) -> list[Hit]:
    """Exact, inline and prefix label hits of every label-like cell of ``sheet``. A heading
    ("ส่วนที่ 4 ...", "ตอนที่ ๒ ...", or a cell whose words mean a part's heading better than
    the label it starts with) is its part's heading, never a field's label."""
    parts = {target[1] for target, _ in schema_sections(index)}
    hits: list[Hit] = []
    for cell in sheet.cells:
        if not is_label_like(cell) and not _abbreviation(index, cell):
            continue
        heading = _HEADING.match(normalize(cell.text))
        part = thai_digits_to_arabic(heading.group(1)) if heading else None
        if part in parts:
            hits.append(Hit(cell, ("section", str(part)), 1.0))
            continue
        found = match_cell(index, cell)
        if found and all(hit.tentative or hit.score < 1.0 for hit in found):
            section = _best_meaning(index, schema_sections(index), label_key(cell.text))
            if section is not None and section[0] > max(hit.score for hit in found) * 0.8:
                # a heading - unless the layout finds it is none (``parsers.layout``): then
                # the label it starts with stands
                found = [Hit(cell, section[1], round(section[0], 3)), *found]
        if found and all(hit.tentative and hit.target[0] in FUZZY_KINDS for hit in found):
            # a label's words then more: "อปท. ประเภท" starts with อปท. but means ประเภท อปท.
            meant = _best_meaning(index, index.labelled, label_key(cell.text))
            if (
                meant is not None
                and meant[0] >= _INLINE_MEANING
                and all(hit.target != meant[1] for hit in found)
            ):
                score = certainty(index, label_key(cell.text), meant[1], meant[0])
                found = [Hit(cell, meant[1], round(score, 3))]
        hits.extend(found)
    return hits


def _abbreviation(index: LabelIndex, cell: Cell) -> bool:
    """A one-letter abbreviation that is, whole, a field's label: "จ.", "อ." (never a bare
    letter: a tick "X" or a column letter)."""
    text = cell.text.strip()
    return (
        cell.value is None
        and text.endswith(".")
        and any(entry.target[0] == "field" for entry in index.exact.get(label_key(text), ()))
    )


def schema_sections(index: LabelIndex) -> list[tuple[Target, tuple[str, ...]]]:
    """The words of every part heading's labels (for telling a heading from a label)."""
    return [(target, words) for target, words in index.meanings if target[0] == "section"]
