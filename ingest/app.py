"""The services' old address (before issue 10 put the wiring in :mod:`app.wiring`).

Kept for scripts written against it (``shared/realworld/check.py`` imports
``ingest.app.build_services``); new code calls :func:`app.wiring.build_services`.
"""

from __future__ import annotations

from ingest.services import open_services as build_services

__all__ = ["build_services"]
