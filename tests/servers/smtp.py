"""A real SMTP server for tests (aiosmtpd), told when to answer 4xx/5xx.

Fixtures (function-scoped; a server starts in a few milliseconds):

``smtp_server``
    plain SMTP on 127.0.0.1, no TLS, no AUTH.
``smtp_tls_server``
    STARTTLS required before anything else, AUTH (PLAIN/LOGIN) required after it; the
    certificate is self-signed for ``127.0.0.1``/``localhost`` and trusted via ``ca_file``.
``smtps_server``
    implicit TLS (what ``security = "ssl"`` talks to); AUTH offered and recorded, not required
    (aiosmtpd only knows TLS came from STARTTLS, so requiring AUTH here would need
    ``auth_require_tls=False``, which warns).

Each is an :class:`SmtpServer`: ``.messages`` (list of :class:`Received`), ``.connections``
(accepted since start), ``.config(**overrides)`` (an ``SmtpConfig`` pointing at it, with
credentials and CA file for the TLS variants), ``.fail_next(code, text, command=, count=)``,
``.refuse_recipient(address, code, text)``, ``.drop_connections()`` (close every client
connection from the server side, like an idle timeout) and ``.reset()``.

Like GNU Mailman's ``testing/mta.py``, failures are injected into the real server instead of
mocking ``smtplib``.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from core.config import Security, SmtpConfig

Command = Literal["MAIL", "RCPT", "DATA"]

USERNAME = "onep.uem@onep.go.th"
PASSWORD = "test-password"


@dataclass(frozen=True, slots=True)
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    """The DATA exactly as the client meant it (dot-unstuffed, CRLF line ends)."""
    login: str | None
    """The AUTH user of the session, if any."""
    tls: bool


@dataclass(slots=True)
class _Failure:
    command: Command
    reply: str
    remaining: int


class SmtpServer:
    """State shared between the test (main thread) and the aiosmtpd loop thread."""

    def __init__(self, *, security: Security, ca_file: Path | None) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.security: Security = security
        self.ca_file = ca_file
        self.messages: list[Received] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._failures: list[_Failure] = []
        self._refusals: dict[str, str] = {}
        self._open: set[SMTP] = set()
        self._controller: _Controller | None = None

    # --- for tests -------------------------------------------------------------------------

    def config(self, **overrides: Any) -> SmtpConfig:
        """An ``SmtpConfig`` for this server (5 s timeout); ``overrides`` replace fields."""
        secure = self.security != "none"
        base = SmtpConfig(
            kind="smtp",
            host=self.host,
            port=self.port,
            security=self.security,
            username=USERNAME if secure else "",
            password=PASSWORD if secure else None,
            ca_file=self.ca_file,
            tls_verify=True,
            timeout_seconds=5.0,
        )
        return replace(base, **overrides)

    def fail_next(
        self,
        code: int,
        text: str = "injected failure",
        *,
        command: Command = "DATA",
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` ``command`` commands with ``code text``."""
        with self._lock:
            self._failures.append(_Failure(command, f"{code} {text}", count))

    def refuse_recipient(
        self, address: str, code: int = 550, text: str = "5.1.1 no such user"
    ) -> None:
        """Answer every ``RCPT TO:<address>`` with ``code text`` until :meth:`reset`."""
        with self._lock:
            self._refusals[address.lower()] = f"{code} {text}"

    def drop_connections(self) -> None:
        """Close every open client connection from the server side and wait until closed."""
        controller = self._require_controller()

        async def close_all() -> None:
            for protocol in list(self._open):
                # Under STARTTLS close the TCP transport beneath TLS; under implicit TLS abort,
                # since a TLS close would wait for the idle client's close_notify.
                transport = protocol._original_transport or protocol.transport
                if transport is None:
                    continue
                if self.security == "ssl" and isinstance(transport, asyncio.Transport):
                    transport.abort()
                else:
                    transport.close()
            for _ in range(10_000):  # loop turns, not time: connection_lost runs soon
                if not self._open:
                    return
                await asyncio.sleep(0)
            raise RuntimeError(f"{len(self._open)} SMTP connections did not close")

        asyncio.run_coroutine_threadsafe(close_all(), controller.loop).result(timeout=10)

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self._failures.clear()
            self._refusals.clear()
            self.connections = 0

    # --- called from the server thread -----------------------------------------------------

    def _take_failure(self, command: Command) -> str | None:
        with self._lock:
            for failure in self._failures:
                if failure.command == command:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
                    return failure.reply
        return None

    def _refusal(self, address: str) -> str | None:
        with self._lock:
            return self._refusals.get(address.lower())

    def _record(self, received: Received) -> None:
        with self._lock:
            self.messages.append(received)

    def _require_controller(self) -> _Controller:
        if self._controller is None:
            raise RuntimeError("SMTP server not started")
        return self._controller


class _Handler:
    """aiosmtpd hooks: answer from the injected failures, else accept and record."""

    def __init__(self, state: SmtpServer) -> None:
        self._state = state

    async def handle_MAIL(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        failure = self._state._take_failure("MAIL")
        if failure is not None:
            return failure
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        failure = self._state._take_failure("RCPT") or self._state._refusal(address)
        if failure is not None:
            return failure
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        failure = self._state._take_failure("DATA")
        if failure is not None:
            return failure
        auth = session.auth_data
        content = envelope.original_content or b""
        self._state._record(
            Received(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                raw=bytes(content),
                login=auth.login.decode() if isinstance(auth, LoginPassword) else None,
                tls=session.ssl is not None or self._state.security == "ssl",
            )
        )
        return "250 2.0.0 OK queued"


def _authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    if not ok:  # handled=False: aiosmtpd answers 535 itself
        return AuthResult(success=False, handled=False)
    return AuthResult(success=True, auth_data=auth_data)


class _TrackedSMTP(SMTP):
    def __init__(self, handler: Any, *, state: SmtpServer, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._state = state

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None:  # not the STARTTLS re-entry
            self._state._open.add(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        try:
            super().connection_lost(error)
        finally:
            self._state._open.discard(self)


class _Controller(Controller):
    """Binds port 0 (the OS picks a free port) and counts connections."""

    def __init__(self, state: SmtpServer, **kwargs: Any) -> None:
        super().__init__(
            _Handler(state),
            hostname=state.host,
            port=0,
            server_hostname="smtp.test.invalid",
            ready_timeout=10.0,
            **kwargs,
        )
        self._state = state

    def factory(self) -> SMTP:
        self._state.connections += 1
        return _TrackedSMTP(self.handler, state=self._state, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        # aiosmtpd 1.4 connects to self.port to finish start-up; with port 0 that must be the
        # port actually bound (aio-libs/aiosmtpd#388).
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class _Certificate:
    cert: Path
    key: Path


def _start(state: SmtpServer, **kwargs: Any) -> Iterator[SmtpServer]:
    controller = _Controller(state, **kwargs)
    controller.start()
    state._controller = controller
    state.port = controller.port
    state.connections = 0  # not the start-up probe
    try:
        yield state
    finally:
        state.drop_connections()
        controller.stop()
        state._controller = None


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory: pytest.TempPathFactory) -> _Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl CLI not found: needed to make a test certificate for STARTTLS")
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return _Certificate(cert=cert, key=key)


def _server_tls(certificate: _Certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert, certificate.key)
    return context


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP on 127.0.0.1: no TLS, no AUTH."""
    yield from _start(SmtpServer(security="none", ca_file=None))


@pytest.fixture
def smtp_tls_server(smtp_certificate: _Certificate) -> Iterator[SmtpServer]:
    """STARTTLS required, then AUTH required (``.config()`` carries the credentials)."""
    state = SmtpServer(security="starttls", ca_file=smtp_certificate.cert)
    yield from _start(
        state,
        tls_context=_server_tls(smtp_certificate),
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=_authenticator,
    )


@pytest.fixture
def smtps_server(smtp_certificate: _Certificate) -> Iterator[SmtpServer]:
    """Implicit TLS (``security = "ssl"``); AUTH offered and recorded, not required."""
    state = SmtpServer(security="ssl", ca_file=smtp_certificate.cert)
    yield from _start(
        state,
        ssl_context=_server_tls(smtp_certificate),
        auth_require_tls=False,
        authenticator=_authenticator,
    )
