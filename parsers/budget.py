"""What OCR may cost for one message: pages and seconds, all its files together.

Place in the flow: the *parse* stage makes one :class:`OcrBudget` per message from ``[ocr]`` in
the configuration and hands it to every ``parsers.read_attachment`` call of that message (in
``parsers.readers.ReadContext``); ``parsers.ocr`` spends it page by page. A page the budget
does not cover is not read (not even rendered) and is named in a problem, so that the form goes
to review saying which pages a person must read: a hostile scan of 50 pages costs what the
budget allows, never more. Thread-safe: pages are read in parallel.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

PAGES = "pages"
SECONDS = "seconds"


class OcrBudget:
    """Pages and seconds OCR may still spend for one message (``max_seconds`` counts from the
    first page taken)."""

    def __init__(
        self,
        max_pages: int = 12,
        max_seconds: float = 120.0,
        page_timeout: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_pages = max_pages
        self.max_seconds = max_seconds
        self.page_timeout = page_timeout
        self.pages_taken = 0
        self._clock = clock
        self._started: float | None = None
        self._lock = threading.Lock()

    def take_page(self) -> str | None:
        """Take one page from the budget: None when it may be read, else why not
        (:data:`PAGES` or :data:`SECONDS`)."""
        with self._lock:
            if self._started is None:
                self._started = self._clock()
            if self.pages_taken >= self.max_pages:
                return PAGES
            if self._spent() >= self.max_seconds:
                return SECONDS
            self.pages_taken += 1
            return None

    def over_time(self) -> bool:
        """Whether the message's OCR time is spent (a page taken may not start its next step)."""
        with self._lock:
            return self._started is not None and self._spent() >= self.max_seconds

    def call_timeout(self) -> float:
        """How long one Tesseract run may take now: the page timeout, or the time left when
        that is shorter (at least a second)."""
        with self._lock:
            left = self.max_seconds - (self._spent() if self._started is not None else 0.0)
        return max(1.0, min(self.page_timeout, left))

    def _spent(self) -> float:
        assert self._started is not None
        return self._clock() - self._started

    def describe(self, reason: str) -> str:
        """Why a page was not read, for the reviewer: "over 12 pages per message"."""
        if reason == PAGES:
            return f"over {self.max_pages} pages per message"
        return f"over {self.max_seconds:g} s of OCR per message"
