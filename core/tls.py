"""The one TLS client context for the mailbox (IMAP) and the outgoing server (SMTP).

Verification is on unless the config turns it off (``tls_verify = false``, for a test server
with a self-signed certificate); ``ca_file`` adds a private CA. A CA file that cannot be loaded
raises :class:`~core.errors.ConfigError` naming the key, so both protocols report it alike.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from core.errors import ConfigError


def client_context(*, verify: bool, ca_file: Path | None, key: str) -> ssl.SSLContext:
    """A client context; ``key`` names the config section for the error (``mailbox``)."""
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load the CA certificates in {ca_file}: {exc}: check {key}.ca_file"
        ) from exc
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
