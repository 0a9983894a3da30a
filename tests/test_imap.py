"""ingest.imap and ingest.oauth2 against a real, private Dovecot (tests/servers/dovecot.py).

Only the token-reading tests and the argument checks run without Dovecot.
"""

from __future__ import annotations

import select
import shlex
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from core.config import MailboxConfig, OAuth2Config
from core.errors import ImapError
from ingest.imap import ImapSource
from ingest.oauth2 import read_access_token
from tests.servers.dovecot import DovecotServer

BANGKOK = timezone(timedelta(hours=7))


def message(number: int) -> bytes:
    return (
        f"From: lao{number}@example.go.th\r\n"
        f"To: onep.uem@onep.go.th\r\n"
        f"Subject: report {number}\r\n"
        f"Message-ID: <report-{number}@example.go.th>\r\n"
        "\r\n"
        f"body {number}\r\n"
    ).encode()


class SpyClient(IMAPClient):  # type: ignore[misc]
    """A real IMAPClient that records FETCH batch sizes and can hide capabilities."""

    hidden: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fetch_sizes: list[int] = []
        self.idle_checks: list[Any] = []

    def fetch(self, messages: Any, data: Any, modifiers: Any = None) -> Any:
        self.fetch_sizes.append(len(messages))
        return super().fetch(messages, data, modifiers)

    def has_capability(self, capability: str) -> bool:
        return capability.upper() not in self.hidden and bool(super().has_capability(capability))

    on_idle: Callable[[], object] | None = None

    def idle(self) -> None:
        super().idle()  # returns once the server has answered "+ idling"
        if self.on_idle is not None:
            self.on_idle()

    def idle_check(self, timeout: float | None = None) -> Any:
        responses = super().idle_check(timeout)
        self.idle_checks.append(responses)
        return responses


class Connector:
    """The injected ``connect``: builds SpyClients and remembers them; can be told to fail."""

    def __init__(self, hidden: frozenset[str] = frozenset()) -> None:
        self.clients: list[SpyClient] = []
        self.hidden = hidden
        self.refuse_after: int | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> SpyClient:
        if self.refuse_after is not None and len(self.clients) >= self.refuse_after:
            raise ConnectionRefusedError(111, "Connection refused")
        client = SpyClient(*args, **kwargs)
        client.hidden = self.hidden
        self.clients.append(client)
        return client


def make_source(
    config: MailboxConfig, connector: Connector | None = None
) -> tuple[ImapSource, Connector, list[float]]:
    connector = connector or Connector()
    sleeps: list[float] = []
    return ImapSource(config, connect=connector, sleep=sleeps.append), connector, sleeps


def wait_until_server_closes(client: IMAPClient) -> None:
    """After ``doveadm kick``: block until the server has closed our socket (or sent BYE)."""
    readable, _, _ = select.select([client.socket()], [], [], 10.0)
    assert readable, "Dovecot did not close the connection within 10 s of doveadm kick"


def expect_imap_error(action: Callable[[], object], *, temporary: bool) -> ImapError:
    with pytest.raises(ImapError) as info:
        action()
    assert info.value.temporary is temporary, str(info.value)
    return info.value


# --- connecting and logging in ---------------------------------------------------------------


@pytest.mark.dovecot
@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_login_and_list(dovecot_inbox: DovecotServer, security: str) -> None:
    dovecot_inbox.append([message(1)])
    source, _, _ = make_source(dovecot_inbox.mailbox_config(security=security))
    with source:
        listing = source.list()
    assert listing.uidvalidity == dovecot_inbox.uidvalidity()
    assert listing.items == tuple(str(uid) for uid in dovecot_inbox.uids())


@pytest.mark.dovecot
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_untrusted_certificate_is_refused(dovecot: DovecotServer, security: str) -> None:
    source, _, sleeps = make_source(dovecot.mailbox_config(security=security, ca_file=None))
    error = expect_imap_error(source.__enter__, temporary=False)
    assert "check mailbox.ca_file / mailbox.tls_verify" in str(error)
    assert sleeps == []


@pytest.mark.dovecot
def test_tls_verify_off_accepts_self_signed(dovecot: DovecotServer) -> None:
    source, _, _ = make_source(
        dovecot.mailbox_config(security="ssl", ca_file=None, tls_verify=False)
    )
    with source:
        source.list()


@pytest.mark.dovecot
def test_tls_against_plain_port_names_the_setting(dovecot: DovecotServer) -> None:
    config = dovecot.mailbox_config(security="ssl", port=dovecot.port)
    error = expect_imap_error(make_source(config)[0].__enter__, temporary=False)
    assert "check mailbox.security (ssl) matches mailbox.port" in str(error)


@pytest.mark.dovecot
def test_wrong_password_is_permanent(dovecot: DovecotServer) -> None:
    source, _, sleeps = make_source(dovecot.mailbox_config(password="not-the-password"))
    error = expect_imap_error(source.__enter__, temporary=False)
    assert str(error).startswith(
        f"IMAP login failed for onep.uem@onep.go.th at 127.0.0.1:{dovecot.port}: "
        "check mailbox.username / password_env"
    )
    assert "not-the-password" not in str(error)
    assert sleeps == []


@pytest.mark.dovecot
def test_missing_password_names_the_variable(dovecot: DovecotServer) -> None:
    source, _, _ = make_source(dovecot.mailbox_config(password=None))
    error = expect_imap_error(source.__enter__, temporary=False)
    assert "ONEP_INBOX_IMAP_PASSWORD" in str(error)


@pytest.mark.dovecot
def test_unreachable_server_is_temporary(dovecot: DovecotServer) -> None:
    port = _closed_port()
    source, _, sleeps = make_source(dovecot.mailbox_config(port=port))
    error = expect_imap_error(source.__enter__, temporary=True)
    assert f"cannot reach IMAP server 127.0.0.1:{port}" in str(error)
    assert sleeps == []  # entering fails fast; the caller's schedule retries


@pytest.mark.dovecot
def test_missing_folder_is_permanent(dovecot_inbox: DovecotServer) -> None:
    source, _, _ = make_source(dovecot_inbox.mailbox_config(folder="NoSuchFolder"))
    error = expect_imap_error(source.__enter__, temporary=False)
    assert "'NoSuchFolder'" in str(error)
    assert "check mailbox.folder" in str(error)


def test_name_has_no_password() -> None:
    config = MailboxConfig(host="imap.onep.go.th", port=993, password="secret", folder="INBOX")
    source = ImapSource(config)
    assert source.name == "imap://onep.uem%40onep.go.th@imap.onep.go.th:993/INBOX"
    assert "secret" not in source.name


# --- XOAUTH2 ---------------------------------------------------------------------------------


def oauth2_config(dovecot: DovecotServer, **oauth2: Any) -> MailboxConfig:
    return dovecot.mailbox_config(
        security="ssl", auth="xoauth2", password=None, oauth2=OAuth2Config(**oauth2)
    )


@pytest.mark.dovecot
def test_xoauth2_with_token_file(dovecot_inbox: DovecotServer, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(dovecot_inbox.make_token() + "\n", encoding="utf-8")
    source, _, _ = make_source(oauth2_config(dovecot_inbox, token_file=token_file))
    with source:
        assert source.list().items == ()


@pytest.mark.dovecot
def test_xoauth2_with_token_command(dovecot_inbox: DovecotServer) -> None:
    command = shlex.join([sys.executable, "-c", f"print({dovecot_inbox.make_token()!r})"])
    source, _, _ = make_source(oauth2_config(dovecot_inbox, token_command=command))
    with source:
        assert source.list().items == ()


@pytest.mark.dovecot
@pytest.mark.parametrize("kind", ["expired", "forged", "other user"])
def test_xoauth2_bad_token_is_refused(dovecot: DovecotServer, tmp_path: Path, kind: str) -> None:
    token = {
        "expired": lambda: dovecot.make_token(valid=False),
        "forged": lambda: dovecot.make_token(key=b"not the server's key" * 2),
        "other user": lambda: dovecot.make_token(subject="someone.else@onep.go.th"),
    }[kind]()
    token_file = tmp_path / "token"
    token_file.write_text(token, encoding="utf-8")
    source, _, sleeps = make_source(oauth2_config(dovecot, token_file=token_file))
    error = expect_imap_error(source.__enter__, temporary=False)
    assert "IMAP login failed for onep.uem@onep.go.th" in str(error)
    assert "oauth2_token_file" in str(error)
    assert token not in str(error)
    assert sleeps == []


@pytest.mark.dovecot
def test_xoauth2_token_is_read_again_at_each_login(
    dovecot_inbox: DovecotServer, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(dovecot_inbox.make_token(), encoding="utf-8")
    config = oauth2_config(dovecot_inbox, token_file=token_file)
    with make_source(config)[0] as source:
        source.list()
    token_file.write_text(dovecot_inbox.make_token(valid=False), encoding="utf-8")
    expect_imap_error(make_source(config)[0].__enter__, temporary=False)


def test_token_file_is_stripped(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("  abc.def.ghi \n", encoding="utf-8")
    assert read_access_token(OAuth2Config(token_file=token_file)) == "abc.def.ghi"


def test_missing_token_file_is_permanent(tmp_path: Path) -> None:
    config = OAuth2Config(token_file=tmp_path / "absent")
    error = expect_imap_error(lambda: read_access_token(config), temporary=False)
    assert "check mailbox.oauth2_token_file" in str(error)


def test_failing_token_command_reports_stderr() -> None:
    script = "import sys; sys.stderr.write('refresh token revoked'); sys.exit(3)"
    config = OAuth2Config(token_command=shlex.join([sys.executable, "-c", script]))
    error = expect_imap_error(lambda: read_access_token(config), temporary=False)
    assert "exited with status 3" in str(error)
    assert "refresh token revoked" in str(error)
    assert "check mailbox.oauth2_token_command" in str(error)


def test_empty_token_command_output_is_permanent() -> None:
    config = OAuth2Config(token_command=shlex.join([sys.executable, "-c", "print()"]))
    error = expect_imap_error(lambda: read_access_token(config), temporary=False)
    assert "empty" in str(error)


def test_slow_token_command_is_temporary() -> None:
    config = OAuth2Config(
        token_command=shlex.join([sys.executable, "-c", "import time; time.sleep(30)"])
    )
    expect_imap_error(lambda: read_access_token(config, timeout_seconds=0.5), temporary=True)


# --- list, fetch, mark -----------------------------------------------------------------------


@pytest.mark.dovecot
def test_list_fetch_mark_with_keyword(dovecot_inbox: DovecotServer) -> None:
    raws = [message(number) for number in range(3)]
    uids = dovecot_inbox.append(raws)
    source, _, _ = make_source(dovecot_inbox.mailbox_config())
    with source:
        listing = source.list()
        assert listing.items == tuple(str(uid) for uid in uids)
        fetched = list(source.fetch(listing.items))
        assert [(item.item, item.raw) for item in fetched] == list(
            zip(listing.items, raws, strict=True)
        )
        assert dovecot_inbox.flags() == {uid: () for uid in uids}  # BODY.PEEK: still unseen
        source.mark(listing.items[:2])
    assert dovecot_inbox.flags() == {
        uids[0]: (b"$OnepIngested",),
        uids[1]: (b"$OnepIngested",),
        uids[2]: (),
    }


@pytest.mark.dovecot
def test_marking_keeps_flags_people_set(dovecot_inbox: DovecotServer) -> None:
    (uid,) = dovecot_inbox.append([message(1)])
    with dovecot_inbox.client() as client:
        client.select_folder("INBOX")
        client.add_flags([uid], [b"\\Seen", b"\\Flagged"])
    with make_source(dovecot_inbox.mailbox_config())[0] as source:
        source.mark([str(uid)])
    assert set(dovecot_inbox.flags()[uid]) == {b"\\Seen", b"\\Flagged", b"$OnepIngested"}


def test_system_flag_as_keyword_is_refused() -> None:
    source = ImapSource(MailboxConfig(mark_keyword="\\Seen"))
    error = expect_imap_error(lambda: source.mark(["1"]), temporary=False)
    assert "mailbox.mark_keyword" in str(error)


def test_items_must_be_uids() -> None:
    source = ImapSource(MailboxConfig())
    with pytest.raises(ValueError, match="not an IMAP UID"):
        source.mark(["1", "cur/1700000000.M1P1.host:2,"])


@pytest.mark.dovecot
@pytest.mark.parametrize("hidden", [frozenset(), frozenset({"MOVE"})], ids=["MOVE", "COPY"])
def test_move_to_folder(dovecot_inbox: DovecotServer, hidden: frozenset[str]) -> None:
    raws = [message(number) for number in range(4)]
    uids = dovecot_inbox.append(raws)
    config = dovecot_inbox.mailbox_config(move_to="Ingested")
    source, _, _ = make_source(config, Connector(hidden=hidden))
    with source:
        source.mark([str(uid) for uid in uids[:3]])
    assert dovecot_inbox.uids() == [uids[3]]
    assert "Ingested" in dovecot_inbox.folders()
    moved = dovecot_inbox.flags("Ingested")
    assert len(moved) == 3
    assert all(b"\\Seen" not in flags and b"\\Deleted" not in flags for flags in moved.values())
    assert dovecot_inbox.flags() == {uids[3]: ()}


@pytest.mark.dovecot
def test_fetch_in_batches(dovecot_inbox: DovecotServer) -> None:
    uids = dovecot_inbox.append([message(number) for number in range(10)])
    source, connector, _ = make_source(dovecot_inbox.mailbox_config(fetch_batch=3))
    with source:
        fetched = [item.item for item in source.fetch(source.list().items)]
    assert fetched == [str(uid) for uid in uids]
    assert connector.clients[0].fetch_sizes == [3, 3, 3, 1]


@pytest.mark.dovecot
def test_internal_dates_are_kept_and_tz_aware(dovecot_inbox: DovecotServer) -> None:
    dates = [
        datetime(2021, 9, 1, 10, 30, tzinfo=BANGKOK),
        datetime(2021, 9, 30, 23, 59, 59, tzinfo=BANGKOK),
        datetime(2021, 10, 1, 0, 0, 1, tzinfo=UTC),
    ]
    dovecot_inbox.append([message(number) for number in range(3)], internal_dates=dates)
    with make_source(dovecot_inbox.mailbox_config())[0] as source:
        fetched = list(source.fetch(source.list().items))
    for item, expected in zip(fetched, dates, strict=True):
        assert item.internal_date is not None
        assert item.internal_date.tzinfo is not None
        assert item.internal_date == expected


@pytest.mark.dovecot
def test_vanished_uid_is_skipped(dovecot_inbox: DovecotServer) -> None:
    uids = dovecot_inbox.append([message(number) for number in range(3)])
    with make_source(dovecot_inbox.mailbox_config())[0] as source:
        listing = source.list()
        dovecot_inbox.delete([uids[1]])
        fetched = [item.item for item in source.fetch(listing.items)]
    assert fetched == [str(uids[0]), str(uids[2])]


# --- reconnecting ----------------------------------------------------------------------------


@pytest.mark.dovecot
def test_fetch_resumes_after_server_kicks_us(dovecot_inbox: DovecotServer) -> None:
    uids = dovecot_inbox.append([message(number) for number in range(10)])
    source, connector, sleeps = make_source(dovecot_inbox.mailbox_config(fetch_batch=3))
    with source:
        messages = source.fetch(source.list().items)
        first = [next(messages).item for _ in range(3)]
        dovecot_inbox.kick()
        wait_until_server_closes(connector.clients[0])
        rest = [item.item for item in messages]
        source.mark(first + rest)
    assert first + rest == [str(uid) for uid in uids]
    assert sleeps == [1.0]
    assert len(connector.clients) == 2
    assert connector.clients[1].fetch_sizes == [3, 3, 1]
    assert all(flags == (b"$OnepIngested",) for flags in dovecot_inbox.flags().values())


@pytest.mark.dovecot
def test_gives_up_after_three_reconnects(dovecot_inbox: DovecotServer) -> None:
    source, connector, sleeps = make_source(dovecot_inbox.mailbox_config())
    with source:
        connector.refuse_after = 1
        dovecot_inbox.kick()
        wait_until_server_closes(connector.clients[0])
        error = expect_imap_error(source.list, temporary=True)
    assert "cannot reach IMAP server" in str(error)
    assert sleeps == [1.0, 2.0, 4.0]


@pytest.mark.dovecot
def test_uidvalidity_change_across_reconnect_is_an_error(dovecot_inbox: DovecotServer) -> None:
    dovecot_inbox.append([message(1)])
    source, connector, _ = make_source(dovecot_inbox.mailbox_config())
    with source:
        listing = source.list()
        dovecot_inbox.reset_uidvalidity()
        dovecot_inbox.kick()
        wait_until_server_closes(connector.clients[0])
        error = expect_imap_error(lambda: list(source.fetch(listing.items)), temporary=True)
        assert "UIDVALIDITY" in str(error)
        assert source.list().uidvalidity != listing.uidvalidity


@pytest.mark.dovecot
def test_reset_uidvalidity_changes_the_number(dovecot_inbox: DovecotServer) -> None:
    uids = dovecot_inbox.append([message(number) for number in range(2)])
    before = dovecot_inbox.uidvalidity()
    after = dovecot_inbox.reset_uidvalidity()
    assert after != before
    with make_source(dovecot_inbox.mailbox_config())[0] as source:
        listing = source.list()
    assert listing.uidvalidity == after
    assert listing.items == tuple(str(uid) for uid in uids)


# --- the imaplib debug guard -----------------------------------------------------------------


@pytest.mark.dovecot
def test_imaplib_debug_is_off(dovecot_inbox: DovecotServer) -> None:
    """Fails if imapclient stops having ``_imap.debug`` or sets it again after we turned it off.

    See ingest.imap.quiet_imaplib: at imapclient 4.1's level 5, imaplib repr()s every response
    and a large FETCH gets about five times slower.
    """
    dovecot_inbox.append([message(1)])
    source, connector, _ = make_source(dovecot_inbox.mailbox_config(security="starttls"))
    with source:
        client = connector.clients[0]
        assert hasattr(client, "_imap")
        assert hasattr(client._imap, "debug")
        assert client._imap.debug == 0
        list(source.fetch(source.list().items))
        source.mark(source.list().items)
        assert client._imap.debug == 0


# --- IDLE ------------------------------------------------------------------------------------


@pytest.mark.dovecot
def test_idle_wakes_up_for_mail_arriving_while_idling(dovecot_inbox: DovecotServer) -> None:
    source, connector, _ = make_source(dovecot_inbox.mailbox_config())
    with source:
        assert source.supports_idle()
        assert source.list().items == ()
        client = connector.clients[0]
        client.on_idle = lambda: dovecot_inbox.append([message(1)])
        assert source.idle_wait(10.0) is True
        assert client.idle_checks, "IDLE itself should have reported the message"
        assert (1, b"EXISTS") in client.idle_checks[0]
        client.on_idle = None
        assert source.idle_wait(0.2) is False
        assert len(source.list().items) == 1


@pytest.mark.dovecot
def test_idle_reports_mail_that_came_before_it_started(dovecot_inbox: DovecotServer) -> None:
    source, connector, _ = make_source(dovecot_inbox.mailbox_config())
    with source:
        source.list()
        dovecot_inbox.append([message(1)])
        assert source.idle_wait(10.0) is True
        assert connector.clients[0].idle_checks == []  # the NOOP before IDLE saw it


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
