"""Logging for the command line and the service, from ``[logging]`` and ``-v``.

What is logged where:

* INFO (the default ``logging.level``): ``run`` says one line per poll (fetched, processed,
  failed, queued), one per send that had mail to deliver, one per reminder round queued;
  warnings and errors always.
* Libraries (the scheduler's "Running job ...", "executed successfully", Alembic's migration
  steps) and the form readers' detail (:mod:`parsers`) are below that: WARNING and up only,
  unless ``-v``.
* ``-v``: DEBUG for onep-inbox's own modules, among them one line per processed message with
  its stage timings (:mod:`ingest.pipeline`), and INFO for libraries (never their DEBUG:
  imaplib's protocol dump would carry every message's bytes).

Lines go to standard error, or with ``logging.file`` to that file (reopened when logrotate moves
it); ``logging.format = "json"`` writes one JSON object a line (``at``, ``level``, ``logger``,
``message``, and ``error`` with the traceback when there is one) for a log collector.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime

from core.config import LoggingConfig

OUR_LOGGERS = ("app", "core", "ingest", "outbound", "staff", "storage", "onep_inbox")
"""Loggers of onep-inbox's own modules: the configured level (``-v``: DEBUG)."""
DETAIL_LOGGERS = ("parsers",)
"""Ours, but detail (how a page of a scan was taken): WARNING and up unless ``-v``."""
SCHEDULER_LOGGERS = ("apscheduler",)
"""The scheduler warns when a run is skipped because the last one still runs, or starts late:
both are how ``run`` is meant to behave (jobs coalesce, never overlap), so only its errors
show unless ``-v``."""
_MARK = "_onep_inbox_handler"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object a line: ``at`` (ISO 8601, UTC), ``level``, ``logger``, ``message``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(config: LoggingConfig | None, *, verbose: bool) -> None:
    """Set up the root logger (replacing what was there); ``config`` None: the defaults,
    standard error (for commands that read no configuration)."""
    config = config if config is not None else LoggingConfig()
    handler: logging.Handler
    if config.file is not None:
        config.file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.WatchedFileHandler(config.file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if config.format == "json" else logging.Formatter(TEXT_FORMAT))
    setattr(handler, _MARK, True)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, _MARK, False):  # ours from an earlier call; others (pytest's) stay
            root.removeHandler(old)
            old.close()
    root.addHandler(handler)
    level = logging.getLevelName(config.level)
    quiet = max(logging.WARNING, level)
    root.setLevel(logging.INFO if verbose else quiet)  # libraries: the scheduler, alembic, ...
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else level)
    for name in DETAIL_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else quiet)
    for name in SCHEDULER_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else max(logging.ERROR, level))
