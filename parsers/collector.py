"""What the extractor has read so far, one sheet at a time: values with where they came from and
how sure, and the problems met. Filled by ``parsers.extract`` (fields, Part 2, Part 3) and
``parsers.projects`` (the projects table).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from parsers.cells import Cell
from parsers.messages import problem
from parsers.pagetext import read_by_ocr, reading_confidence
from parsers.results import Problem, Provenance
from parsers.values import Failure, Parsed

_ROW_INDEX = re.compile(r"\[\d+\]")  # "projects[2].name" -> "projects.name"


@dataclass
class Collector:
    """Values as they are read, one sheet at a time."""

    fields: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    labels_seen: set[str] = field(default_factory=set)  # field keys whose label was found
    # how a value OCR read is mended, by field key ("projects.name" for a projects column):
    # prose (Thai marks), emails ("/" for "7")
    ocr_mends: dict[str, Callable[[str], str]] = field(default_factory=dict)

    def put(self, key: str, value: object, cells: tuple[Cell, ...], raw: str, score: float) -> None:
        """A value read from ``cells`` beside a label found with ``score``: its confidence is
        the lesser of that score and how sure the reader was of the cells' text (OCR), so that
        a value read doubtfully sends the submission to review however sure its label is."""
        self.fields[key] = value
        source = cells[0].source if len(cells) == 1 else ", ".join(cell.source for cell in cells)
        confidence = min(score, reading_confidence(cells))
        self.provenance[key] = Provenance(source, raw, round(confidence, 3))

    def fail(self, code: str, key: str, raw: str, label: str) -> None:
        self.problems.append(problem(code, key, raw, label))

    def record(self, key: str, result: Parsed | Failure, cells: tuple[Cell, ...], raw: str,
               score: float, label: str) -> None:  # fmt: skip
        if isinstance(result, Parsed):
            value = self.mended(key, result.value, cells)
            self.put(key, value, cells, raw, score * result.confidence)
        else:
            self.fail(result.code, key, raw, label)

    def mended(self, key: str, value: object, cells: tuple[Cell, ...]) -> object:
        """``value`` of ``key`` ("projects[2].name" too) with what a scan's OCR misread in it
        mended, when ``cells`` were read by OCR and the field has a mend."""
        mend = self.ocr_mends.get(_ROW_INDEX.sub("", key))
        if mend is not None and isinstance(value, str) and read_by_ocr(cells):
            return mend(value)
        return value
