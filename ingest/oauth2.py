"""OAuth2 access tokens for IMAP XOAUTH2 (stage 1, *fetch*: the login of :mod:`ingest.imap`).

This project never runs an OAuth2 flow itself. Something else keeps a current access token
(a cron job, a sidecar, the operator's own tool) and we read it fresh at every login, from
``mailbox.oauth2_token_file`` or from the standard output of ``mailbox.oauth2_token_command``.
A token is a secret: it never goes into a message, a log line or an exception.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable

from core.config import OAuth2Config
from core.errors import ImapError

TOKEN_COMMAND_TIMEOUT_SECONDS = 30.0
_STDERR_LIMIT = 500

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def read_access_token(
    cfg: OAuth2Config,
    *,
    timeout_seconds: float = TOKEN_COMMAND_TIMEOUT_SECONDS,
    run: Runner = subprocess.run,
) -> str:
    """The current access token, surrounding whitespace stripped.

    Raises :class:`ImapError` naming the key to check: ``temporary=False`` when the file or
    command is wrong (missing, failing, empty output), ``temporary=True`` when the command
    timed out.
    """
    if cfg.token_file is not None:
        token = _from_file(cfg)
        source = "mailbox.oauth2_token_file"
    elif cfg.token_command:
        token = _from_command(cfg.token_command, timeout_seconds, run)
        source = "mailbox.oauth2_token_command"
    else:
        raise ImapError(
            "XOAUTH2 login needs an access token: set mailbox.oauth2_token_file or "
            "mailbox.oauth2_token_command",
            temporary=False,
        )
    if not token:
        raise ImapError(f"the OAuth2 access token is empty: check {source}", temporary=False)
    return token


def _from_file(cfg: OAuth2Config) -> str:
    assert cfg.token_file is not None
    try:
        return cfg.token_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ImapError(
            f"cannot read the OAuth2 access token from {cfg.token_file}: {reason}: "
            "check mailbox.oauth2_token_file",
            temporary=False,
        ) from exc
    except UnicodeDecodeError as exc:
        raise ImapError(
            f"the OAuth2 access token file {cfg.token_file} is not UTF-8 text: "
            "check mailbox.oauth2_token_file",
            temporary=False,
        ) from exc


def _from_command(command: str, timeout_seconds: float, run: Runner) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ImapError(
            f"mailbox.oauth2_token_command cannot be parsed: {exc}", temporary=False
        ) from exc
    if not argv:
        raise ImapError("mailbox.oauth2_token_command is empty", temporary=False)
    try:
        result = run(argv, capture_output=True, text=True, timeout=timeout_seconds, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ImapError(
            f"the OAuth2 token command {argv[0]!r} did not finish in {timeout_seconds:g} s: "
            "check mailbox.oauth2_token_command",
            temporary=True,
        ) from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ImapError(
            f"cannot run the OAuth2 token command {argv[0]!r}: {reason}: "
            "check mailbox.oauth2_token_command",
            temporary=False,
        ) from exc
    if result.returncode != 0:
        stderr = (result.stderr or "").strip()[:_STDERR_LIMIT] or "(no output on stderr)"
        raise ImapError(
            f"the OAuth2 token command {argv[0]!r} exited with status {result.returncode}: "
            f"{stderr}: check mailbox.oauth2_token_command",
            temporary=False,
        )
    return (result.stdout or "").strip()
