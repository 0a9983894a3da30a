"""Receipt numbers (``ONEP-2564-000123``): how they are made, found in text and recognised.

A receipt number is the campaign's prefix and the submission's id in six digits or more. The
acknowledgement puts it in the subject in brackets; a reply that quotes it links back to the
submission (*link*), and staff name review items by it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_PATTERN = r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-[0-9]{6,}"
_IN_TEXT = re.compile(rf"(?<![\w-])({_PATTERN})(?![\w-])")
_WHOLE = re.compile(_PATTERN)


def receipt_number(prefix: str, submission_id: int) -> str:
    return f"{prefix}-{submission_id:06d}"


def receipts_in(text: str) -> list[str]:
    """The receipt numbers written in ``text``, in order, each once."""
    return list(dict.fromkeys(match.group(1) for match in _IN_TEXT.finditer(text)))


def is_receipt(text: str) -> bool:
    return _WHOLE.fullmatch(text.strip()) is not None


def receipt_tags(numbers: Iterable[str | None]) -> str:
    """``[ONEP-2564-000123] [ONEP-2564-000124]``: each receipt number in its own brackets."""
    return " ".join(f"[{number}]" for number in numbers if number)
