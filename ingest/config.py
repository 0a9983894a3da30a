"""The configuration's old address (before issue 10 put it in :mod:`core.config`).

Kept for scripts written against it (``shared/realworld/check.py`` imports ``ingest.config``);
new code imports :mod:`core.config`.
"""

from __future__ import annotations

from core.config import Config, default_path, from_mapping, load
from core.errors import ConfigError

__all__ = ["Config", "ConfigError", "default_path", "from_mapping", "load"]
