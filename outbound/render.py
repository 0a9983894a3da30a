"""Rendering the Thai texts we send, from Jinja2 templates in ``outbound/templates``.

Flow: *queue reply* (:mod:`outbound.replies`), the reminders (:mod:`outbound.reminders`) and the
reviewers' decisions choose a template and a context; :meth:`Renderer.render` turns them into a
subject, a plain-text body and, where the template has one, an HTML alternative; the outbox
(:mod:`outbound.outbox`) composes and queues the mail. Pure: no clock, no database.

One template per situation:

* ``<name>.txt.j2`` is the plain-text body; its first line ``Subject: ...`` is the subject.
* ``<name>.html.j2`` (optional) is the HTML alternative of the same text, autoescaped.

Templates in ``smtp.templates_dir`` (operators) win over ours, name by name, includes too.
When the operator's folder holds ``<name>.txt.j2`` but not ``<name>.html.j2``, the mail goes
out as plain text only: mail clients show the HTML part first, and ours would hide the
operator's wording.

Filters: ``thai_date`` (``30 ก.ย. 2564``), ``thai_date_long`` (``30 กันยายน 2564``),
``thai_datetime`` (``28 ก.ย. 2564 เวลา 10:15 น.``), ``number`` (``12,345.5``), ``receipt_tags``
(``[ONEP-2564-000123] [ONEP-2564-000124]``, the form a reply's subject is matched by).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.dates import thai_date, thai_date_long, thai_datetime
from core.numbers import format_number
from core.receipts import receipt_tags

if TYPE_CHECKING:
    from jinja2 import Environment

    from core.config import SmtpConfig

_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+\n")


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str | None = None
    """The HTML alternative, or None when the template has none (plain text only)."""


class Renderer:
    """Renders ``<name>.txt.j2`` (+ ``<name>.html.j2``) from the override folder, else ours."""

    def __init__(self, override_dir: Path | None = None) -> None:
        self._override = override_dir
        self._built: Environment | None = None

    @property
    def _env(self) -> Environment:
        """The Jinja environment, built on first use: a command that renders nothing
        (``status``, ``export``) does not load Jinja."""
        if self._built is None:
            self._built = self._environment()
        return self._built

    def _environment(self) -> Environment:
        from jinja2 import (
            BaseLoader,
            ChoiceLoader,
            Environment,
            FileSystemLoader,
            PackageLoader,
            StrictUndefined,
            select_autoescape,
        )

        loaders: list[BaseLoader] = []
        if self._override is not None:
            loaders.append(FileSystemLoader(str(self._override)))
        loaders.append(PackageLoader("outbound", "templates"))
        env = Environment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=select_autoescape(
                enabled_extensions=("html.j2",), default_for_string=False, default=False
            ),
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(
            thai_date=thai_date,
            thai_date_long=thai_date_long,
            thai_datetime=thai_datetime,
            number=format_number,
            receipt_tags=receipt_tags,
        )
        return env

    @classmethod
    def from_config(cls, smtp: SmtpConfig) -> Renderer:
        """The renderer for ``smtp.templates_dir`` (None: our templates only)."""
        return cls(smtp.templates_dir)

    def render(self, name: str, context: Mapping[str, Any]) -> Rendered:
        text = self._env.get_template(f"{name}.txt.j2").render(**context)
        first, _, body = text.partition("\n")
        if not first.startswith("Subject:"):
            raise ValueError(f"template {name}: first line must be 'Subject: ...'")
        html = None
        if self._has_html(name):
            html = self._env.get_template(f"{name}.html.j2").render(**context)
        return Rendered(subject=first.removeprefix("Subject:").strip(), text=_tidy(body), html=html)

    def _has_html(self, name: str) -> bool:
        override = self._override
        if override is not None and (override / f"{name}.txt.j2").is_file():
            return (override / f"{name}.html.j2").is_file()
        from jinja2 import TemplateNotFound

        try:
            self._env.get_template(f"{name}.html.j2")
        except TemplateNotFound:
            return False
        return True


def _tidy(body: str) -> str:
    """No trailing blanks, at most one empty line in a row, one final line break."""
    body = _TRAILING.sub("\n", body.lstrip("\n"))
    return _BLANK_RUNS.sub("\n\n", body).rstrip("\n") + "\n"
