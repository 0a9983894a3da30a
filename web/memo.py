"""A memo of the dashboard's campaign-wide figures, kept while the data they come from has not
changed (:func:`storage.dashboard.data_version`): the overview is the same for every staff
member, and between two arrivals it need not be counted again. Thread-safe; one value per key."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[Hashable, tuple[Hashable, Any]] = {}

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            found = self._values.get(key)
        if found is not None and found[0] == version:
            value: T = found[1]
            return value
        value = compute()
        with self._lock:
            self._values[key] = (version, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
