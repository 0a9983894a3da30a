"""Message-IDs in header values and text (RFC 5322 msg-id, ``<left@right>``).

Incoming mail names other mail by Message-ID in In-Reply-To, References and, in delivery
reports, in quoted headers; all of them are read here.
"""

from __future__ import annotations

import re

_LOOSE = re.compile(r"<[^<>\s]+>")
_STRICT = re.compile(r"<[^<>\s]+@[^<>\s]+>")


def message_ids(value: object, *, strict: bool = False) -> tuple[str, ...]:
    """The ``<...>`` ids in a header value, in order. ``strict`` wants an ``@`` in each (for
    ids picked out of free text, where angle brackets can mean anything)."""
    return tuple((_STRICT if strict else _LOOSE).findall(str(value or "")))
