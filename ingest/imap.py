"""IMAP mailbox source (stage 1, *fetch*): one folder of one IMAP mailbox, through imapclient.

The one module that talks IMAP. A run goes ``list()`` (UIDVALIDITY + every UID), the store picks
what it has not seen, ``fetch()`` hands over raw bytes (``BODY.PEEK[]``: ``\\Seen`` is never read
or set), the store commits, and only then ``mark()`` sets the ingested keyword or moves the
messages away. Library errors are translated here into :class:`~core.errors.ImapError`, whose
``temporary`` says whether trying again later can help, and whose message says what to check.

A connection that drops (socket error, timeout, ``BYE``/EOF) during an operation is re-opened
with exponential backoff (1, 2, 4 s by default; ``sleep`` is injected) and the operation is
retried; ``fetch`` resumes at the batch that was interrupted. If the folder's UIDVALIDITY changed
across a reconnect, UIDs from the last ``list()`` mean other messages now: that is an error, not
a retry.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from types import TracebackType
from typing import Any, Self, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from core.config import MailboxConfig
from core.errors import ConfigError, ImapError
from core.tls import client_context
from ingest.oauth2 import read_access_token
from ingest.source import FetchedMessage, Listing

log = logging.getLogger(__name__)

RETRIES = 3
BACKOFF_SECONDS = 1.0
MARK_BATCH = 1000
IDLE_RENEW_SECONDS = 28 * 60
"""RFC 2177: servers may drop an IDLE after 30 minutes; re-issue it before that."""

_FETCH_ITEMS = [b"BODY.PEEK[]", b"INTERNALDATE"]
_DROPPED = (OSError, EOFError, imaplib.IMAP4.abort)
"""The connection is gone (socket errors and timeouts, BYE, EOF): reconnecting may help."""
_TEMPORARY_CODES = ("[UNAVAILABLE]", "[INUSE]", "[LIMIT]", "[SERVERBUG]")
"""Response codes (RFC 5530) that say the server is busy, not that the request is wrong."""

Connect = Callable[..., IMAPClient]
TokenReader = Callable[..., str]
T = TypeVar("T")


def quiet_imaplib(client: IMAPClient) -> None:
    """Undo imapclient's ``client._imap.debug = 5``.

    imapclient 4.1 raises imaplib's debug level so that imaplib logs through it; imaplib then
    builds a ``repr()`` of every response, 45 KB message bodies included, even with logging off:
    a FETCH of 10,000 messages takes 3.7-4.2 s instead of 0.72 s (shared/measurements.md).
    ``_imap`` is private, so ``tests/test_imap.py::test_imaplib_debug_is_off`` fails if a later
    imapclient drops the attribute or sets the level again after we have.
    """
    client._imap.debug = 0


class ImapSource:
    """One folder of one IMAP mailbox (a :class:`~ingest.source.MailboxSource`).

    ``connect`` builds the client (``IMAPClient`` by default, same arguments); ``sleep`` waits
    between reconnect attempts; ``read_token`` gets the XOAUTH2 access token; ``clock`` times
    :meth:`idle_wait`. All are injected so tests can watch them.
    """

    def __init__(
        self,
        config: MailboxConfig,
        *,
        connect: Connect | None = None,
        sleep: Callable[[float], None] = time.sleep,
        read_token: TokenReader = read_access_token,
        clock: Callable[[], float] = time.monotonic,
        retries: int = RETRIES,
        backoff_seconds: float = BACKOFF_SECONDS,
    ) -> None:
        self._config = config
        self._connect: Connect = connect if connect is not None else IMAPClient
        self._sleep = sleep
        self._read_token = read_token
        self._clock = clock
        self._retries = retries
        self._backoff = backoff_seconds
        self._client: IMAPClient | None = None
        self._selected_uidvalidity: int | None = None
        self._listed_uidvalidity: int | None = None
        self._target_ready = False

    @property
    def name(self) -> str:
        cfg = self._config
        user = urllib.parse.quote(cfg.username, safe="")
        return f"imap://{user}@{cfg.host}:{cfg.port}/{urllib.parse.quote(cfg.folder, safe='')}"

    def __enter__(self) -> Self:
        self._run("connect", _nothing, retries=0)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Log out (or just close the socket if the connection is already broken)."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (*_DROPPED, imaplib.IMAP4.error):
            _shutdown(client)

    # --- the MailboxSource operations -------------------------------------------------------

    def list(self) -> Listing:
        listing = self._run("list", self._list)
        self._listed_uidvalidity = listing.uidvalidity
        return listing

    def fetch(self, items: Sequence[str]) -> Iterator[FetchedMessage]:
        uids = _uids(items)
        batch = self._config.fetch_batch
        for start in range(0, len(uids), batch):
            yield from self._run("fetch", partial(self._fetch, uids=uids[start : start + batch]))

    def mark(self, items: Sequence[str]) -> None:
        uids = _uids(items)
        target = self._config.move_to
        if not target:
            _check_keyword(self._config.mark_keyword)
        for start in range(0, len(uids), MARK_BATCH):
            chunk = uids[start : start + MARK_BATCH]
            if target:
                self._run("move", partial(self._move, uids=chunk, target=target))
            else:
                self._run("mark", partial(self._add_keyword, uids=chunk))

    # --- waiting for new mail ---------------------------------------------------------------

    def supports_idle(self) -> bool:
        return bool(self._run("capability", lambda client: client.has_capability("IDLE")))

    def idle_wait(self, timeout_seconds: float) -> bool:
        """Wait in IDLE until the server reports new mail (True) or the timeout passes (False)."""
        deadline = self._clock() + timeout_seconds
        return self._run("idle", partial(self._idle, deadline=deadline))

    # --- operations on a connected client ---------------------------------------------------

    def _list(self, client: IMAPClient) -> Listing:
        uidvalidity = self._select(client)
        uids = client.search("ALL")  # no CHARSET: Exchange answers BADCHARSET to one
        return Listing(uidvalidity, tuple(str(uid) for uid in sorted(uids)))

    def _fetch(self, client: IMAPClient, uids: Sequence[int]) -> Sequence[FetchedMessage]:
        self._check_uidvalidity()
        response = client.fetch(uids, _FETCH_ITEMS)
        messages: list[FetchedMessage] = []
        for uid in uids:
            data = response.get(uid)
            if data is None or data.get(b"BODY[]") is None:
                continue  # expunged since list(): not an error
            raw = bytes(data[b"BODY[]"])
            messages.append(FetchedMessage(str(uid), raw, _aware(data.get(b"INTERNALDATE"))))
        return messages

    def _add_keyword(self, client: IMAPClient, uids: Sequence[int]) -> None:
        self._check_uidvalidity()
        client.add_flags(uids, [self._config.mark_keyword], silent=True)

    def _move(self, client: IMAPClient, uids: Sequence[int], target: str) -> None:
        """MOVE, or COPY + ``\\Deleted`` + UID EXPUNGE (only these UIDs) without MOVE.

        A retry after a drop between COPY and EXPUNGE copies again: the target folder may then
        hold a duplicate, the source folder never loses a message.
        """
        self._check_uidvalidity()
        if not self._target_ready:
            if not client.folder_exists(target):
                try:
                    client.create_folder(target)
                except imaplib.IMAP4.error:
                    if not client.folder_exists(target):  # someone else may have created it
                        raise
            self._target_ready = True
        if client.has_capability("MOVE"):
            client.move(uids, target)
        elif client.has_capability("UIDPLUS"):
            client.copy(uids, target)
            client.add_flags(uids, [b"\\Deleted"], silent=True)
            client.uid_expunge(uids)
        else:
            raise ImapError(
                f"IMAP server {self._where()} has neither MOVE nor UIDPLUS, so messages cannot "
                "be moved safely: unset mailbox.move_to to mark with mailbox.mark_keyword",
                temporary=False,
            )

    def _idle(self, client: IMAPClient, deadline: float) -> bool:
        # Mail that arrived since our last command is reported by the next command, not by
        # IDLE (Dovecot only notifies about changes made while it idles): ask first.
        _text, responses = client.noop()
        if _has_exists(responses):
            return True
        while (remaining := deadline - self._clock()) > 0:
            client.idle()
            responses = client.idle_check(timeout=min(remaining, IDLE_RENEW_SECONDS))
            _text, more = client.idle_done()
            if _has_exists(responses) or _has_exists(more):
                return True
        return False

    # --- connection, retry and error translation --------------------------------------------

    def _run(
        self, action: str, operation: Callable[[IMAPClient], T], retries: int | None = None
    ) -> T:
        """Run ``operation`` on a live connection, reconnecting with backoff if it drops."""
        attempts = (self._retries if retries is None else retries) + 1
        for attempt in range(attempts):
            connecting = self._client is None
            try:
                if self._client is None:
                    self._client = self._open()
                return operation(self._client)
            except ImapError:
                raise
            except ssl.SSLCertVerificationError as exc:
                self._discard()
                raise self._certificate_error(exc) from exc
            except _DROPPED as exc:
                self._discard()
                error = self._network_error(action, exc, connecting=connecting)
                if attempt + 1 == attempts:
                    raise error from exc
                delay = self._backoff * 2**attempt
                log.warning(
                    "%s; reconnecting in %g s (%d/%d)", error, delay, attempt + 1, attempts - 1
                )
                self._sleep(delay)
            except imaplib.IMAP4.error as exc:
                raise self._command_error(action, exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _open(self) -> IMAPClient:
        cfg = self._config
        context = self._ssl_context() if cfg.security != "none" else None
        try:
            client = self._connect(
                cfg.host,
                port=cfg.port,
                ssl=cfg.security == "ssl",
                ssl_context=context,
                timeout=cfg.timeout_seconds,
            )
        except ssl.SSLError as exc:
            if isinstance(exc, ssl.SSLCertVerificationError):
                raise
            raise self._tls_error(exc) from exc
        try:
            quiet_imaplib(client)
            client.normalise_times = False  # INTERNALDATE as a tz-aware datetime
            if cfg.security == "starttls":
                self._starttls(client, context)
            self._login(client)
            self._select(client)
        except BaseException:
            _shutdown(client)
            raise
        self._target_ready = False
        return client

    def _starttls(self, client: IMAPClient, context: ssl.SSLContext | None) -> None:
        try:
            client.starttls(context)
        except ssl.SSLCertVerificationError:
            raise
        except ssl.SSLError as exc:
            raise self._tls_error(exc) from exc
        except imaplib.IMAP4.error as exc:
            if isinstance(exc, imaplib.IMAP4.abort):
                raise
            raise ImapError(
                f"IMAP server {self._where()} refused STARTTLS ({_text(exc)}): "
                "check mailbox.security and mailbox.port",
                temporary=False,
            ) from exc

    def _login(self, client: IMAPClient) -> None:
        cfg = self._config
        try:
            if cfg.auth == "xoauth2":
                token = self._read_token(cfg.oauth2, timeout_seconds=cfg.timeout_seconds)
                client.oauth2_login(cfg.username, token)
            elif cfg.password is None:
                raise ImapError(
                    f"no IMAP password for {cfg.username}: set the variable named by "
                    "mailbox.password_env (default ONEP_INBOX_IMAP_PASSWORD)",
                    temporary=False,
                )
            else:
                client.login(cfg.username, cfg.password)
        except LoginError as exc:
            hint = (
                "check the token from mailbox.oauth2_token_file / oauth2_token_command "
                "(expired? issued for this user?)"
                if cfg.auth == "xoauth2"
                else "check mailbox.username / password_env"
            )
            raise ImapError(
                f"IMAP login failed for {cfg.username} at {cfg.host}:{cfg.port}: {hint} "
                f"(server said: {_text(exc)})",
                temporary=False,
            ) from exc

    def _select(self, client: IMAPClient) -> int:
        folder = self._config.folder
        try:
            info = client.select_folder(folder)
        except imaplib.IMAP4.error as exc:
            if isinstance(exc, imaplib.IMAP4.abort):
                raise
            raise ImapError(
                f"IMAP folder {folder!r} cannot be opened for {self._where()} ({_text(exc)}): "
                "check mailbox.folder",
                temporary=False,
            ) from exc
        self._selected_uidvalidity = int(info[b"UIDVALIDITY"])
        return self._selected_uidvalidity

    def _check_uidvalidity(self) -> None:
        listed, selected = self._listed_uidvalidity, self._selected_uidvalidity
        if listed is not None and selected != listed:
            raise ImapError(
                f"UIDVALIDITY of IMAP folder {self._config.folder!r} changed from {listed} to "
                f"{selected} after a reconnect: the UIDs listed before name other messages now; "
                "the next run lists the folder again",
                temporary=True,
            )

    def _ssl_context(self) -> ssl.SSLContext:
        cfg = self._config
        try:
            return client_context(verify=cfg.tls_verify, ca_file=cfg.ca_file, key="mailbox")
        except ConfigError as exc:
            raise ImapError(str(exc), temporary=False) from exc

    def _discard(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _shutdown(client)

    def _where(self) -> str:
        return f"{self._config.username} at {self._config.host}:{self._config.port}"

    def _network_error(self, action: str, exc: BaseException, *, connecting: bool) -> ImapError:
        cfg = self._config
        reason = _text(exc) or type(exc).__name__
        if isinstance(exc, TimeoutError):
            reason = f"no answer in {cfg.timeout_seconds:g} s (mailbox.timeout_seconds)"
        if connecting:
            message = (
                f"cannot reach IMAP server {cfg.host}:{cfg.port} ({reason}): "
                "check mailbox.host / mailbox.port / mailbox.security and the network"
            )
        else:
            message = (
                f"IMAP connection to {cfg.host}:{cfg.port} lost during {action} ({reason}): "
                "the server or the network dropped it; it is retried"
            )
        return ImapError(message, temporary=True)

    def _certificate_error(self, exc: ssl.SSLCertVerificationError) -> ImapError:
        cfg = self._config
        return ImapError(
            f"IMAP server {cfg.host}:{cfg.port} sent a certificate that cannot be verified "
            f"({exc.verify_message or exc}): check mailbox.ca_file / mailbox.tls_verify",
            temporary=False,
        )

    def _tls_error(self, exc: ssl.SSLError) -> ImapError:
        cfg = self._config
        return ImapError(
            f"TLS with IMAP server {cfg.host}:{cfg.port} failed ({exc.reason or exc}): "
            f"check mailbox.security ({cfg.security}) matches mailbox.port",
            temporary=False,
        )

    def _command_error(self, action: str, exc: imaplib.IMAP4.error) -> ImapError:
        text = _text(exc)
        temporary = any(code in text for code in _TEMPORARY_CODES)
        return ImapError(
            f"IMAP {action} in folder {self._config.folder!r} failed for {self._where()}: {text}",
            temporary=temporary,
        )


# --- small helpers ------------------------------------------------------------------------------


def _nothing(client: IMAPClient) -> None:
    return None


def _shutdown(client: IMAPClient) -> None:
    with contextlib.suppress(*_DROPPED, imaplib.IMAP4.error):
        client.shutdown()


def _uids(items: Sequence[str]) -> list[int]:
    uids: dict[int, None] = {}
    for item in items:
        if not (item.isascii() and item.isdigit()) or int(item) == 0:
            raise ValueError(f"not an IMAP UID: {item!r}")
        uids[int(item)] = None
    return list(uids)


def _check_keyword(keyword: str) -> None:
    if not keyword or keyword.startswith("\\"):
        raise ImapError(
            f"mailbox.mark_keyword must be a keyword such as $OnepIngested, not {keyword!r} "
            "(system flags like \\Seen belong to the people reading the mailbox)",
            temporary=False,
        )


def _aware(value: Any) -> datetime | None:
    """INTERNALDATE as a datetime with a stdlib fixed-offset timezone (None if unknown)."""
    if not isinstance(value, datetime):
        return None
    offset = value.utcoffset()
    if offset is None:
        return None  # INTERNALDATE always carries a zone; a naive one means we cannot know
    zone = UTC if offset == timedelta(0) else timezone(offset)
    return value.replace(tzinfo=zone)


def _has_exists(responses: Any) -> bool:
    return any(
        isinstance(response, tuple) and len(response) >= 2 and response[1] == b"EXISTS"
        for response in responses or ()
    )


def _text(exc: BaseException) -> str:
    """The server's words from an imaplib/imapclient error, without a bytes repr around them."""
    parts = []
    for arg in exc.args:
        if isinstance(arg, bytes):
            parts.append(arg.decode("utf-8", "replace"))
        else:
            text = str(arg)
            if len(text) >= 3 and text[0] == "b" and text[1] in "'\"" and text[-1] == text[1]:
                text = text[2:-1]
            parts.append(text)
    return " ".join(parts).strip()
