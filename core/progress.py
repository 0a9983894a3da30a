"""Progress of a long task, told to whoever shows it.

The long tasks (``poll --once`` over many messages, ``process --all``, ``registry import``,
``remind``, the demo) take a :data:`Progress` and call it as they go: ``progress(step, done,
total)``, ``step`` a short English word ("fetch", "process", "check", "write", "queue"),
``total`` None when unknown. The command line shows it on a terminal (:mod:`app.progress`);
everything else passes :func:`silent`.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int | None], None]


def silent(_step: str, _done: int, _total: int | None) -> None:
    """The progress of a task nobody watches."""
