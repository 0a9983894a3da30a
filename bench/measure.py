"""Run a command and report its own peak RSS: ``python -m bench.measure OUT -- CMD ...``.

Linux carries a process's memory high-water mark across fork and exec, so a child started
straight from a big benchmark process reports at least the parent's size. This wrapper is small;
it forks and execs the command itself and writes the command's ``ru_maxrss`` (KiB) to OUT.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    out, separator, *command = sys.argv[1:]
    if separator != "--" or not command:
        raise SystemExit("usage: python -m bench.measure OUT -- CMD ...")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - replaced by exec
        os.execvp(command[0], command)  # noqa: S606 - the benchmark command, not user input
    _, status, usage = os.wait4(pid, 0)
    with open(out, "w", encoding="ascii") as handle:
        handle.write(str(usage.ru_maxrss))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
