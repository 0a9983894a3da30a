"""Numbers for people: thousands separators, no trailing zeros (``7,200``, ``1,407.5``)."""

from __future__ import annotations


def format_number(value: object) -> str:
    """An int with separators, a float to at most two decimals, anything else as text."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)
