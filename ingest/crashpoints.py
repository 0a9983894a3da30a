"""Named places in the flow where a test can kill the process (``ONEP_INBOX_CRASH_AT=stage``).

Used by the crash tests: the process dies with SIGKILL at the named point, and the test then
counts what was stored, marked and queued. A no-op unless the variable names this point.
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("ONEP_INBOX_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
