"""Rendering the Thai texts we send, from Jinja2 templates in ``outbound/templates``.

One template per situation; ``<name>.txt.j2`` is the plain-text body, its first line
``Subject: ...`` the subject. Filters: ``thai_date``, ``thai_datetime``, ``number``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

from outbound.thaidate import thai_date, thai_datetime


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str


def _number(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


class Renderer:
    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[Any] = []
        if override_dir is not None:
            loaders.append(FileSystemLoader(str(override_dir)))
        loaders.append(PackageLoader("outbound", "templates"))
        self._env = Environment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701 - plain-text mail, not HTML
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters.update(thai_date=thai_date, thai_datetime=thai_datetime, number=_number)

    def render(self, name: str, context: Mapping[str, Any]) -> Rendered:
        text = self._env.get_template(f"{name}.txt.j2").render(**context)
        first, _, body = text.partition("\n")
        if not first.startswith("Subject:"):
            raise ValueError(f"template {name}: first line must be 'Subject: ...'")
        return Rendered(subject=first.removeprefix("Subject:").strip(), text=body.lstrip("\n"))
