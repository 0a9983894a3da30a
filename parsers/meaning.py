"""Labels compared by meaning: the words they say, not the letters they are spelled with.

Place in the flow: ``parsers.labels`` builds one :class:`Vocabulary` per schema and asks it, for
a cell that no label of the schema matches letter for letter, which label the cell *means*.
Works on label keys (``parsers.labels.label_key``: no spaces, punctuation or numbering).

Three steps, all data from the schema's ``[vocabulary]``:

1. synonyms and abbreviations are written one way (:meth:`Vocabulary.canonical`): อปท. for
   องค์กรปกครองส่วนท้องถิ่น, ตร.ม. for ตารางเมตร, ประชากร for ราษฎร, พื้นที่ for เนื้อที่ ...;
2. the key is split into words (``parsers.thaispell.split_cost``, the Thai word list; a run of
   Latin letters or digits is one word), and words that say nothing about which label it is
   (ของ, ที่, ทั้งหมด, ...: the stop words) are left out;
3. a cell and a label are compared by their words, each word weighing by how few of the
   schema's labels use it (a word every Part 2 row has, พื้นที่สีเขียว, tells little; ประชากร or
   รุกขกร tells much): the weighted Dice similarity of the two word sets, with a bonus when the
   shared words come in the same order. 1.0 is the same words.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from parsers.thaispell import split_cost

_RUNS = re.compile(r"[\u0e00-\u0e7f]+|[a-z]+|[0-9]+(?:\.[0-9]+)?")


class Vocabulary:
    """Synonyms, stop words and word weights of one schema's labels."""

    def __init__(
        self,
        synonyms: Mapping[str, Sequence[str]],
        stop_words: Iterable[str],
        key: Callable[[str], str] = str,
    ) -> None:
        keyed = key
        pairs: list[tuple[str, str]] = []
        for canonical, variants in synonyms.items():
            target = keyed(canonical)
            pairs += [(keyed(variant), target) for variant in variants if keyed(variant)]
            pairs.append((target, target))  # so that a variant inside it is not replaced
        pairs.sort(key=lambda pair: -len(pair[0]))
        self._replace = dict(pairs)
        self._pattern = (
            re.compile("|".join(re.escape(variant) for variant, _ in pairs)) if pairs else None
        )
        self.stop_words = frozenset(keyed(word) for word in stop_words)
        whole = sorted({target for _, target in pairs}, key=len, reverse=True)
        # canonical words are words: never split again ("อปท" is no run of letters to guess at)
        self._whole = re.compile("(" + "|".join(map(re.escape, whole)) + ")") if whole else None
        self.canonical_words = frozenset(target for _, target in pairs)
        self.weights: dict[str, float] = {}
        self._default_weight = 1.0

    def canonical(self, key: str) -> str:
        """``key`` with every synonym or abbreviation written the one way, without the
        examples that follow เช่น ("พื้นที่ธรรมชาติ เช่น ป่า ..." says พื้นที่ธรรมชาติ)."""
        head, _, _ = key.partition("เช่น")
        key = head or key
        if self._pattern is None:
            return key
        return self._pattern.sub(lambda match: self._replace[match.group(0)], key)

    def words(self, key: str) -> tuple[str, ...]:
        """The content words of a (canonical) key, in order."""
        return _words(key, self._whole, self.stop_words)

    def learn_weights(self, labels: Iterable[tuple[object, Iterable[str]]]) -> None:
        """Weigh each word by how few targets' labels use it (inverse document frequency)."""
        users: dict[str, set[object]] = {}
        targets: set[object] = set()
        for target, keys in labels:
            targets.add(target)
            for key in keys:
                for word in self.words(key):
                    users.setdefault(word, set()).add(target)
        count = max(len(targets), 1)
        self.weights = {word: math.log(1 + count / len(who)) for word, who in users.items()}
        # a word no label uses ("ที่ตั้ง", a place name) tells nothing for or against a label:
        # it weighs as little as the commonest word
        self._default_weight = min(self.weights.values(), default=1.0)

    def weight(self, word: str) -> float:
        return self.weights.get(word, self._default_weight)

    def similarity(self, cell: Sequence[str], label: Sequence[str]) -> float:
        """Weighted Dice similarity of two word sequences, ordered shared words counted whole,
        shared words out of order at 0.9."""
        if not cell or not label:
            return 0.0
        shared = set(cell) & set(label)
        if not shared:
            return 0.0
        total = sum(self.weight(w) for w in set(cell)) + sum(self.weight(w) for w in set(label))
        common = 2 * sum(self.weight(w) for w in shared)
        in_cell = [w for w in cell if w in shared]
        in_label = [w for w in label if w in shared]
        ordered = _dedupe(in_cell) == _dedupe(in_label)
        return (common / total) * (1.0 if ordered else 0.9)


def _dedupe(words: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for word in words:
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


@functools.lru_cache(maxsize=16384)
def _words(key: str, whole: re.Pattern[str] | None, stop_words: frozenset[str]) -> tuple[str, ...]:
    found: list[str] = []
    pieces = whole.split(key) if whole is not None else [key]
    for number, piece in enumerate(pieces):
        if number % 2:  # a canonical word
            found.append(piece)
            continue
        for run in _RUNS.findall(piece):
            parts = split_cost(run)[1] if "\u0e00" <= run[0] <= "\u0e7f" else (run,)
            found += [part for part in parts if part not in stop_words]
    # a lone letter is no word: what is left of an abbreviation the word list does not know
    # ("อบจ" read as อ บ จ), never evidence for a label
    return tuple(w for w in found if w not in stop_words and (len(w) > 1 or not _thai(w)))


def _thai(word: str) -> bool:
    return "\u0e00" <= word <= "\u0e7f"
