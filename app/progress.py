"""Progress on a terminal: one line on standard error, rewritten in place.

``process: 120/2000 (6%)``, at most ten times a second; the line is finished with a newline when
the step changes or the command ends. When standard error is not a terminal (a pipe, a log
file, systemd) nothing is written at all: :func:`for_stream` then hands out
:func:`core.progress.silent`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from core.progress import Progress, silent


class TerminalProgress:
    """A :data:`~core.progress.Progress` that draws on a terminal; :meth:`close` ends the line."""

    def __init__(
        self,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.1,
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._interval = interval
        self._step: str | None = None
        self._last = float("-inf")
        self._width = 0

    def __call__(self, step: str, done: int, total: int | None) -> None:
        now = self._clock()
        finished = total is not None and done >= total
        if step != self._step:
            self._end_line()
            self._step = step
        elif not finished and now - self._last < self._interval:
            return
        self._last = now
        text = (
            f"{step}: {done}/{total} ({done * 100 // max(total, 1)}%)"
            if total
            else f"{step}: {done}"
        )
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()
        self._width = len(text)

    def _end_line(self) -> None:
        if self._step is not None:
            self._stream.write("\n")
            self._stream.flush()
        self._step = None
        self._width = 0

    def close(self) -> None:
        self._end_line()


def for_stream(stream: TextIO) -> tuple[Progress, Callable[[], None]]:
    """(progress, close) for ``stream``: drawn on a terminal, silent otherwise."""
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    if not interactive:
        return silent, lambda: None
    drawn = TerminalProgress(stream)
    return drawn, drawn.close
