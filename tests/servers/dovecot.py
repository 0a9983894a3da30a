"""A private Dovecot for the IMAP tests (pytest plugin, listed in ``tests/conftest.py``).

The real edge of stage 1 (*fetch*): :mod:`ingest.imap` is tested against this server, never
against a fake. The session fixture ``dovecot`` starts one Dovecot with its own configuration,
``base_dir``, ``state_dir`` and log under a pytest tmp dir, listening on 127.0.0.1 only:

* a plain IMAP port that also offers STARTTLS (``port``) and an implicit-TLS port
  (``ssl_port``), with a self-signed certificate made at start-up by the ``openssl`` CLI
  (``ca_file`` is that certificate, so clients can verify it);
* one passwd-file user, ``onep.uem@onep.go.th``, with a known password;
* XOAUTH2/OAUTHBEARER through ``passdb { driver = oauth2 }`` with ``introspection_mode = local``:
  Dovecot itself checks HS256-signed JWTs against a key in a ``file:`` dict, so no token server
  is needed; :meth:`DovecotServer.make_token` signs tokens with the same key (stdlib ``hmac``).

Running as root needs three things Dovecot insists on: login processes run as ``dovenull``
(``default_login_user``), mail processes run as the unprivileged ``dovecot`` user (Dovecot
refuses uid 0 for mail access whatever ``first_valid_uid`` says), and the mail processes
``chroot`` into the mail directory, because pytest's tmp dirs are 0700 root and an unprivileged
process could not reach a Maildir inside them otherwise.

Dovecot delays the next login from an IP after a failed one (anvil auth penalty, up to 15 s).
A last ``static`` passdb that always fails with ``nodelay=yes`` turns that off, so the
wrong-password tests stay fast.

``dovecot_inbox`` (function scope) empties INBOX and removes every other folder before a test.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from core.config import MailboxConfig

USERNAME = "onep.uem@onep.go.th"
PASSWORD = "onep-test-password-2564"
START_TIMEOUT_SECONDS = 15.0
APPEND_CHUNK = 100
_SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
_EX_NOUSER = 68  # doveadm's exit status when the user has no session to kick
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) ([0-9:,]+)\]")


class DovecotServer:
    """Handle on the running private Dovecot, with helpers to set up and inspect mailboxes."""

    def __init__(
        self,
        *,
        root: Path,
        port: int,
        ssl_port: int,
        ca_file: Path,
        jwt_key: bytes,
        doveadm: str,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self.ssl_port = ssl_port
        self.ca_file = ca_file
        self.username = USERNAME
        self.password = PASSWORD
        self.root = root
        self.config_file = root / "dovecot.conf"
        self.log_file = root / "dovecot.log"
        self._jwt_key = jwt_key
        self._doveadm = doveadm

    # --- for the code under test -------------------------------------------------------------

    def mailbox_config(self, **overrides: Any) -> MailboxConfig:
        """A ``MailboxConfig`` for this server: plain port, password login, short timeout.

        ``security="ssl"`` without an explicit ``port`` switches to the implicit-TLS port.
        """
        values: dict[str, Any] = {
            "kind": "imap",
            "host": self.host,
            "port": self.port,
            "security": "none",
            "username": self.username,
            "password": self.password,
            "ca_file": self.ca_file,
            "timeout_seconds": 10.0,
        }
        if overrides.get("security") == "ssl" and "port" not in overrides:
            values["port"] = self.ssl_port
        values.update(overrides)
        return MailboxConfig(**values)

    def make_token(
        self, valid: bool = True, *, subject: str | None = None, key: bytes | None = None
    ) -> str:
        """An HS256 JWT access token for the test user; ``valid=False`` gives an expired one.

        ``key`` signs with another key (a forged token); ``subject`` names another user.
        """
        now = int(time.time())
        claims = {
            "sub": subject or self.username,
            "iss": "onep-test",
            "iat": now - 60 if valid else now - 7200,
            "exp": now + 3600 if valid else now - 3600,
        }
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64url(json.dumps(claims).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = hmac.new(key or self._jwt_key, signing_input, hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64url(signature)}"

    # --- set-up and inspection, through IMAP as the test user --------------------------------

    def client(self) -> IMAPClient:
        """A logged-in IMAPClient on the plain port (use it as a context manager)."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        try:
            client._imap.debug = 0  # see ingest.imap: imapclient's debug=5 is slow
            client.login(self.username, self.password)
        except BaseException:
            client.shutdown()
            raise
        return client

    def append(
        self,
        messages: Sequence[bytes],
        folder: str = "INBOX",
        internal_dates: Sequence[datetime] | None = None,
    ) -> list[int]:
        """Store ``messages`` in ``folder`` (created if missing); returns their UIDs in order."""
        if internal_dates is not None and len(internal_dates) != len(messages):
            raise ValueError("internal_dates must have one date per message")
        uids: list[int] = []
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for start in range(0, len(messages), APPEND_CHUNK):
                chunk = messages[start : start + APPEND_CHUNK]
                dates = internal_dates[start : start + APPEND_CHUNK] if internal_dates else None
                items: list[dict[str, Any]] = [
                    {"msg": raw} if dates is None else {"msg": raw, "date": dates[index]}
                    for index, raw in enumerate(chunk)
                ]
                _typ, data = client.multiappend(folder, items)
                uids.extend(_appended_uids(data, len(chunk)))
        return uids

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        """Every message's stored flags and keywords, by UID.

        Read with EXAMINE, so nothing changes; the session-only ``\\Recent`` is left out.
        """
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            if not uids:
                return {}
            return {
                uid: tuple(flag for flag in data[b"FLAGS"] if flag != b"\\Recent")
                for uid, data in client.fetch(uids, ["FLAGS"]).items()
            }

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return sorted(client.search("ALL"))

    def folders(self) -> list[str]:
        with self.client() as client:
            return sorted(name for _flags, _sep, name in client.list_folders())

    def delete(self, uids: Sequence[int], folder: str = "INBOX") -> None:
        """Expunge these messages (to make UIDs vanish under a running client)."""
        with self.client() as client:
            client.select_folder(folder)
            client.delete_messages(list(uids), silent=True)
            client.uid_expunge(list(uids))

    def clear(self, folder: str = "INBOX") -> None:
        """Delete every message in ``folder``."""
        with self.client() as client:
            client.select_folder(folder)
            uids = client.search("ALL")
            if uids:
                client.delete_messages(uids, silent=True)
                client.expunge()
            client.close_folder()

    def reset(self) -> None:
        """Empty INBOX and delete every other folder."""
        for name in self.folders():
            if name.upper() != "INBOX":
                with self.client() as client:
                    client.delete_folder(name)
        self.clear("INBOX")

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as client:
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def reset_uidvalidity(self, folder: str = "INBOX") -> int:
        """Give ``folder`` a new UIDVALIDITY on the server, keeping its messages; returns it.

        Uses ``doveadm mailbox update --uid-validity``, which rewrites the value Dovecot keeps
        for the folder, exactly what a client sees after a server-side mailbox rebuild.
        """
        old = self.uidvalidity(folder)
        new = old + 1
        self.doveadm("mailbox", "update", "-u", self.username, "--uid-validity", str(new), folder)
        seen = self.uidvalidity(folder)
        if seen != new:
            raise RuntimeError(f"UIDVALIDITY of {folder} is {seen} after setting {new} (was {old})")
        return new

    def kick(self) -> None:
        """Disconnect every IMAP session of the test user (server side; none is not an error)."""
        self.doveadm("kick", self.username, ok_codes=(0, _EX_NOUSER))

    def doveadm(self, *args: str, ok_codes: Sequence[int] = (0,)) -> str:
        result = subprocess.run(
            [self._doveadm, "-c", str(self.config_file), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if result.returncode not in ok_codes:
            raise RuntimeError(
                f"doveadm {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}"
            )
        return result.stdout

    def log_tail(self, lines: int = 30) -> str:
        return _tail(self.log_file, lines)


# --- fixtures -------------------------------------------------------------------------------


class DovecotUnavailableError(RuntimeError):
    """This machine cannot run a private Dovecot (the message says what to install)."""


@contextlib.contextmanager
def running_dovecot(root: Path) -> Iterator[DovecotServer]:
    """Start a private Dovecot under ``root`` (an empty folder); stop it on exit.

    Used by the test fixture and by the benchmarks (``bench/``), which run outside pytest.
    """
    binary = shutil.which("dovecot", path=_SBIN_PATH)
    doveadm = shutil.which("doveadm", path=_SBIN_PATH)
    if binary is None or doveadm is None:
        raise DovecotUnavailableError("dovecot not installed: apt-get install dovecot-imapd")
    openssl = shutil.which("openssl")
    if openssl is None:
        raise DovecotUnavailableError(
            "openssl CLI not installed (needed for the test certificate): apt-get install openssl"
        )
    server = _configure(root, openssl=openssl, doveadm=doveadm)
    stderr_path = root / "dovecot.stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [binary, "-F", "-c", str(server.config_file)],
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_listening(process, server, stderr_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    """One private Dovecot for the whole test session."""
    try:
        with running_dovecot(tmp_path_factory.mktemp("dovecot")) as server:
            yield server
    except DovecotUnavailableError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def dovecot_inbox(dovecot: DovecotServer) -> DovecotServer:
    """The session Dovecot with an empty INBOX and no other folders."""
    dovecot.reset()
    return dovecot


# --- start-up helpers -----------------------------------------------------------------------


def _configure(root: Path, *, openssl: str, doveadm: str) -> DovecotServer:
    for name in ("run", "state"):
        (root / name).mkdir()
    mail_dir = root / "mail"
    mail_user = _mail_user()
    home = mail_dir / USERNAME
    home.mkdir(parents=True)
    for path in (mail_dir, home):
        os.chown(path, mail_user.pw_uid, mail_user.pw_gid)
        path.chmod(0o700)

    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip

    (root / "passwd").write_text(f"{USERNAME}:{{PLAIN}}{PASSWORD}::::::\n", encoding="utf-8")
    jwt_key = secrets.token_bytes(32)
    # file: dict, one key line then one value line. Dovecot looks up
    # shared/<azp or "default">/<alg>/<kid or "default"> and base64-decodes the value.
    (root / "oauth2-keys.dict").write_text(
        f"shared/default/HS256/default\n{base64.b64encode(jwt_key).decode()}\n", encoding="ascii"
    )
    (root / "oauth2.conf.ext").write_text(
        "introspection_mode = local\n"
        f"local_validation_key_dict = file:{root / 'oauth2-keys.dict'}\n"
        "username_attribute = sub\n"
        "issuers = onep-test\n",
        encoding="utf-8",
    )
    port, ssl_port = _free_ports(2)
    server = DovecotServer(
        root=root, port=port, ssl_port=ssl_port, ca_file=cert, jwt_key=jwt_key, doveadm=doveadm
    )
    server.config_file.write_text(
        _CONFIG.format(
            root=root,
            mail_dir=mail_dir,
            mail_user=mail_user.pw_name,
            login_user=_login_user(),
            port=port,
            ssl_port=ssl_port,
            cert=cert,
            key=key,
        ),
        encoding="utf-8",
    )
    return server


_CONFIG = """\
# Private test Dovecot, written by tests/servers/dovecot.py.
instance_name = onep-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes

# Running as root: helpers as root, login as an unprivileged user, mail as another one
# inside a chroot (see the module docstring).
default_internal_user = root
default_internal_group = root
default_login_user = {login_user}
first_valid_uid = 0
first_valid_gid = 0
mail_uid = {mail_user}
mail_gid = {mail_user}
mail_chroot = {mail_dir}
valid_chroot_dirs = {mail_dir}
mail_location = maildir:~/Maildir

ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
auth_verbose = yes

service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}

passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
  mechanisms = plain login
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
# Never lets anyone in; its only effect is nodelay=yes on a failed login, which skips the
# per-IP auth penalty (otherwise each failure delays the next login by up to 15 s).
passdb {{
  driver = static
  args = nopassword=yes nodelay=yes
  result_success = return-fail
}}
userdb {{
  driver = static
  args = home=/%u allow_all_users=yes
}}
"""


def _mail_user() -> pwd.struct_passwd:
    for name in ("dovecot", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("no 'dovecot' or 'nobody' user to run Dovecot's mail processes as")


def _login_user() -> str:
    for name in ("dovenull", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("no 'dovenull' or 'nobody' user to run Dovecot's login processes as")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _wait_until_listening(
    process: subprocess.Popen[bytes], server: DovecotServer, stderr_path: Path
) -> None:
    """Poll both ports until they accept; fail with the log tail if Dovecot exits or stalls."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    waiting = [server.port, server.ssl_port]
    while waiting:
        try:
            with socket.create_connection((server.host, waiting[0]), timeout=1):
                waiting.pop(0)
                continue
        except OSError:
            pass
        try:
            code = process.wait(timeout=0.05)  # paces the polling and notices an early exit
        except subprocess.TimeoutExpired:
            code = None
        if code is not None or time.monotonic() > deadline:
            if code is None:
                process.terminate()
                process.wait(timeout=15)
            what = f"exited with status {code}" if code is not None else "did not listen in time"
            raise RuntimeError(
                f"private Dovecot {what} (port {waiting[0]}, config {server.config_file}).\n"
                f"--- {stderr_path.name} ---\n{_tail(stderr_path, 30)}\n"
                f"--- {server.log_file.name} ---\n{server.log_tail()}"
            )


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no file)"


# --- small pure helpers ---------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _appended_uids(data: Sequence[bytes], count: int) -> list[int]:
    """UIDs from an ``[APPENDUID <validity> <uid-set>]`` response code (RFC 4315)."""
    text = b" ".join(item for item in data if isinstance(item, bytes))
    match = _APPENDUID.search(text)
    if match is None:
        raise RuntimeError(f"server sent no APPENDUID (needs UIDPLUS): {text!r}")
    uids: list[int] = []
    for part in match.group(2).split(b","):
        first, _, last = part.partition(b":")
        uids.extend(range(int(first), int(last or first) + 1))
    if len(uids) != count:
        raise RuntimeError(f"APPENDUID names {len(uids)} UIDs for {count} messages: {text!r}")
    return uids
