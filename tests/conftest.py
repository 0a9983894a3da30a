"""Shared test set-up.

Real servers live in ``tests/servers/`` as pytest plugins: a private Dovecot, an aiosmtpd SMTP
server (and a variant answering 4xx/5xx), PostgreSQL. A test that needs one skips with a reason
when the machine lacks it; under ``.ci/run`` (``ONEP_INBOX_FORBID_SKIPS=1``) every skip is a failure.
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.servers.dovecot", "tests.servers.smtp", "tests.servers.postgres"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("ONEP_INBOX_FORBID_SKIPS") == "1"
        and report.skipped
        and not hasattr(report, "wasxfail")
    ):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under ONEP_INBOX_FORBID_SKIPS=1 (CI): {reason}"
