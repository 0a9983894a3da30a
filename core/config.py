"""Configuration: one TOML file, validated once at start-up into one frozen object.

Every key, its default and its meaning is documented in ``config.example.toml``; the contract for
the keys is ``shared/spec/interface.md``. A bad value raises :class:`ConfigError` naming the key
(``smtp.port: expected an integer, got 'abc'``). Secrets come from the file or from an
environment variable the file names (``password_env``); they are resolved here, not later.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from datetime import datetime as datetime_type
from pathlib import Path
from typing import Any, Literal, cast

from core.errors import ConfigError

Security = Literal["ssl", "starttls", "none"]
_SECURITY = ("ssl", "starttls", "none")


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    url: str = "sqlite:///var/onep-inbox.sqlite3"


@dataclass(frozen=True, slots=True)
class StorageConfig:
    dir: Path = Path("var/store")


@dataclass(frozen=True, slots=True)
class OAuth2Config:
    """XOAUTH2 for IMAP: the access token is read fresh at every login."""

    token_file: Path | None = None
    token_command: str | None = None


@dataclass(frozen=True, slots=True)
class MailboxConfig:
    kind: Literal["imap", "maildir"] = "imap"
    host: str = "127.0.0.1"
    port: int = 993
    security: Security = "ssl"
    username: str = "onep.uem@onep.go.th"
    password: str | None = field(default=None, repr=False)
    auth: Literal["password", "xoauth2"] = "password"
    oauth2: OAuth2Config = OAuth2Config()
    folder: str = "INBOX"
    path: Path = Path("var/maildir")
    mark_keyword: str = "$OnepIngested"
    move_to: str | None = None
    fetch_batch: int = 200
    timeout_seconds: float = 60.0
    tls_verify: bool = True
    ca_file: Path | None = None
    poll_interval_seconds: int = 60
    idle: bool = True
    authserv_id: str = ""
    """Whose ``Authentication-Results`` to believe: our receiving server's authserv-id
    (RFC 8601); empty: the topmost such header, which our server added last."""


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    kind: Literal["smtp", "directory"] = "smtp"
    host: str = "127.0.0.1"
    port: int = 587
    security: Security = "starttls"
    username: str = ""
    password: str | None = field(default=None, repr=False)
    from_address: str = "onep.uem@onep.go.th"
    from_name: str = "สำนักงานนโยบายและแผนทรัพยากรธรรมชาติและสิ่งแวดล้อม (สผ.)"
    directory: Path = Path("var/outbox")
    auto_mail_per_address_per_day: int = 20
    timeout_seconds: float = 60.0
    tls_verify: bool = True
    ca_file: Path | None = None
    max_attempts: int = 8
    retry_base_seconds: int = 60
    rate_per_minute: int = 0
    send_interval_seconds: int = 60
    templates_dir: Path | None = None
    """Operator overrides: a ``<name>.txt.j2`` (and ``<name>.html.j2``) here wins over ours."""
    verp: bool = False
    """Per-message envelope sender ``local+outbox-<row>@domain``, so a bounce names its row."""
    max_per_minute: int = 30
    """At most this many mails accepted by the server in any 60 s, counted in the database
    across every process that sends (0: no cap)."""
    max_per_day: int = 10_000
    """At most this many a Bangkok day (0: no cap); what is over waits for the next day."""
    id_secret: str = field(default="", repr=False)
    """The key of the token in our Message-IDs (HMAC): a bounce counts only when it cites an id
    whose token is right. From ``id_secret``, ``id_secret_env``, else a file the wiring keeps
    beside the store (``<storage.dir>/id-secret``)."""


@dataclass(frozen=True, slots=True)
class CampaignConfig:
    form_version: str = "2564.1"
    deadline: date = date(2021, 9, 30)
    reminder_days_before: tuple[int, ...] = (7, 3, 1)
    reminder_days_after: tuple[int, ...] = (1, 7, 14)
    reminder_max: int = 5
    reminder_min_interval_days: int = 2
    send_window: tuple[time, time] = (time(9, 0), time(16, 30))
    working_days_only: bool = True
    escalate_after_days: int = 7
    receipt_prefix: str = "ONEP-2564"
    end: date | None = None
    """After this day no reminder, digest or escalation goes out (acknowledgements still do);
    None: :data:`DEFAULT_END_AFTER` after the deadline (:meth:`last_day`)."""
    paused: bool = False
    """No reminders or digests while true."""

    def last_day(self) -> date:
        """The campaign's last day of reminders and digests (``end``, by default deadline + 60)."""
        return self.end if self.end is not None else self.deadline + DEFAULT_END_AFTER


DEFAULT_END_AFTER = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    """Bounds for hostile input."""

    max_message_bytes: int = 50 * 1024 * 1024
    max_attachment_bytes: int = 30 * 1024 * 1024
    max_attachments: int = 200
    max_nesting: int = 5
    zip_max_members: int = 200
    zip_max_total_bytes: int = 200 * 1024 * 1024
    zip_max_ratio: int = 200
    form_max_unpacked_bytes: int = 200 * 1024 * 1024
    form_max_part_bytes: int = 64 * 1024 * 1024
    form_max_compression_ratio: int = 200
    form_max_parts: int = 2_000
    form_max_sheets: int = 50
    form_max_rows: int = 5_000
    form_max_cols: int = 200
    form_max_cells: int = 100_000


@dataclass(frozen=True, slots=True)
class OcrConfig:
    """What reading scans and photos may cost per message (``parsers.ocr``). Pages beyond the
    budget are not read: the form goes to review saying so (a hostile 50-page scan cannot
    stall ingestion)."""

    max_pages_per_message: int = 12
    """Pages OCR looks at in one message, all its files together (a form is 2-4 pages)."""
    max_seconds_per_message: int = 120
    """OCR time for one message; pages not started by then are not read."""
    page_timeout_seconds: int = 60
    """One Tesseract run on one page; longer is a failure (the page goes to review)."""


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    """What is logged and where (``app.logs``). ``-v`` adds DEBUG for onep-inbox's own modules."""

    level: LogLevel = "INFO"
    file: Path | None = None
    """Append to this file (reopened when logrotate moves it); None: standard error."""
    format: Literal["text", "json"] = "text"
    """``json``: one JSON object a line (at, level, logger, message), for a log collector."""


@dataclass(frozen=True, slots=True)
class StaffConfig:
    """How letters a person sends are signed when the ``--by`` name has no account."""

    signature_name: str = "เจ้าหน้าที่กลุ่มงานพื้นที่สีเขียว"
    signature_position: str = ""
    office: str = "สำนักงานนโยบายและแผนทรัพยากรธรรมชาติและสิ่งแวดล้อม (สผ.)"
    """The line under every staff signature."""


@dataclass(frozen=True, slots=True)
class MonitorConfig:
    """Mail to ONEP staff when the service is in trouble (``run``'s monitor job)."""

    staff_addresses: tuple[str, ...] = ()
    """Who is told; empty: nobody (``status`` still shows the trouble)."""
    poll_failing_minutes: int = 30
    """Tell them when polling has failed for this long (0: never)."""
    quiet_hours: int = 48
    """Tell them when no mail has arrived for this long between the first reminder round and
    the campaign's end (0: never)."""


@dataclass(frozen=True, slots=True)
class ProcessingConfig:
    """How messages are read once stored (``poll``, ``process``, ``run``)."""

    workers: int = 0
    """Processes that read attachments side by side (the pure *analyse* stages); 0: one per
    core. Recording stays in the one process, in the order the messages were fetched. 1 reads
    in the process itself."""
    batch: int = 50
    """Messages recorded per transaction at most (fewer when the next is not read yet); when one
    fails, the others of its batch are recorded again one by one, so it fails alone."""


@dataclass(frozen=True, slots=True)
class WebConfig:
    """The staff dashboard (``onep-inbox serve``)."""

    host: str = "127.0.0.1"
    port: int = 8080
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    """``auto``: the session cookie is Secure when the request came over TLS, directly or (with
    ``trust_forwarded_proto``) through a proxy that says so in X-Forwarded-Proto."""
    trust_forwarded_proto: bool = False
    """Believe X-Forwarded-Proto (only behind a reverse proxy that sets it)."""
    session_hours: int = 12
    """A session ends this long after sign-in."""
    idle_minutes: int = 120
    """... or after this long without a request."""


@dataclass(frozen=True, slots=True)
class Config:
    database: DatabaseConfig = DatabaseConfig()
    storage: StorageConfig = StorageConfig()
    mailbox: MailboxConfig = MailboxConfig()
    smtp: SmtpConfig = SmtpConfig()
    campaign: CampaignConfig = CampaignConfig()
    limits: LimitsConfig = LimitsConfig()
    ocr: OcrConfig = OcrConfig()
    logging: LoggingConfig = LoggingConfig()
    staff: StaffConfig = StaffConfig()
    monitor: MonitorConfig = MonitorConfig()
    processing: ProcessingConfig = ProcessingConfig()
    web: WebConfig = WebConfig()
    base_dir: Path = Path(".")
    """Relative paths in the file are relative to the file's folder."""


# --- reading -------------------------------------------------------------------------------


def default_path() -> Path:
    env = os.environ.get("ONEP_INBOX_CONFIG")
    return Path(env) if env else Path("config.toml")


def load(path: Path) -> Config:
    """Read and validate the TOML file at ``path``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    return from_mapping(data, base_dir=path.resolve().parent)


def from_mapping(data: Mapping[str, Any], *, base_dir: Path) -> Config:
    known = {
        "database",
        "storage",
        "mailbox",
        "smtp",
        "campaign",
        "limits",
        "ocr",
        "logging",
        "staff",
        "monitor",
        "processing",
        "web",
    }
    for key in data:
        if key not in known:
            raise ConfigError(f"{key}: unknown section (known: {', '.join(sorted(known))})")
    reader = _Reader(data, base_dir)
    return Config(
        database=reader.database(),
        storage=reader.storage(),
        mailbox=reader.mailbox(),
        smtp=reader.smtp(),
        campaign=reader.campaign(),
        limits=reader.limits(),
        ocr=reader.ocr(),
        logging=reader.logging(),
        staff=reader.staff(),
        monitor=reader.monitor(),
        processing=reader.processing(),
        web=reader.web(),
        base_dir=base_dir,
    )


class _Reader:
    """Pulls typed values out of the parsed TOML, naming the key on every error."""

    def __init__(self, data: Mapping[str, Any], base_dir: Path) -> None:
        self._data = data
        self._base = base_dir

    def _section(self, name: str, allowed: set[str]) -> dict[str, Any]:
        raw = self._data.get(name, {})
        if not isinstance(raw, dict):
            raise ConfigError(f"{name}: expected a table")
        for key in raw:
            if key not in allowed:
                raise ConfigError(f"{name}.{key}: unknown key")
        return cast(dict[str, Any], raw)

    @staticmethod
    def _get(sec: dict[str, Any], section: str, key: str, kind: type, default: Any) -> Any:
        if key not in sec:
            return default
        value = sec[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if kind is int and isinstance(value, bool):
            raise ConfigError(f"{section}.{key}: expected an integer, got {value!r}")
        if not isinstance(value, kind):
            raise ConfigError(
                f"{section}.{key}: expected {_KIND_NAMES.get(kind, kind.__name__)}, got {value!r}"
            )
        return value

    def _choice(
        self, sec: dict[str, Any], section: str, key: str, choices: tuple[str, ...], default: str
    ) -> str:
        value = self._get(sec, section, key, str, default)
        if value not in choices:
            raise ConfigError(
                f"{section}.{key}: expected one of {', '.join(choices)}, got {value!r}"
            )
        return cast(str, value)

    def _positive(self, sec: dict[str, Any], section: str, key: str, default: int) -> int:
        value = cast(int, self._get(sec, section, key, int, default))
        if value < 0:
            raise ConfigError(f"{section}.{key}: must not be negative, got {value}")
        return value

    def _port(self, sec: dict[str, Any], section: str, default: int) -> int:
        value = cast(int, self._get(sec, section, "port", int, default))
        if not 0 < value < 65536:
            raise ConfigError(f"{section}.port: expected 1-65535, got {value}")
        return value

    def _path(
        self, sec: dict[str, Any], section: str, key: str, default: Path | None
    ) -> Path | None:
        value = self._get(sec, section, key, str, None)
        path = Path(value) if value is not None else default
        if path is None:
            return None
        return path if path.is_absolute() else self._base / path

    def _secret(self, sec: dict[str, Any], section: str, default_env: str) -> str | None:
        if "password" in sec:
            return cast(str, self._get(sec, section, "password", str, None))
        env = cast(str, self._get(sec, section, "password_env", str, default_env))
        return os.environ.get(env) if env else None

    def database(self) -> DatabaseConfig:
        sec = self._section("database", {"url"})
        url = cast(str, self._get(sec, "database", "url", str, DatabaseConfig().url))
        if not url.startswith(("sqlite:", "postgresql")):
            raise ConfigError(
                f"database.url: expected sqlite:/// or postgresql+psycopg://, got {url!r}"
            )
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            relative = url.removeprefix("sqlite:///")
            if relative and relative != ":memory:":
                url = f"sqlite:///{self._base / relative}"
        return DatabaseConfig(url=url)

    def storage(self) -> StorageConfig:
        sec = self._section("storage", {"dir"})
        path = self._path(sec, "storage", "dir", StorageConfig().dir)
        assert path is not None
        return StorageConfig(dir=path)

    def mailbox(self) -> MailboxConfig:
        d = MailboxConfig()
        allowed = {
            "kind",
            "host",
            "port",
            "security",
            "username",
            "password",
            "password_env",
            "auth",
            "oauth2_token_file",
            "oauth2_token_command",
            "folder",
            "path",
            "mark_keyword",
            "move_to",
            "fetch_batch",
            "timeout_seconds",
            "tls_verify",
            "ca_file",
            "poll_interval_seconds",
            "idle",
            "authserv_id",
        }
        sec = self._section("mailbox", allowed)
        s = "mailbox"
        auth = self._choice(sec, s, "auth", ("password", "xoauth2"), d.auth)
        oauth2 = OAuth2Config(
            token_file=self._path(sec, s, "oauth2_token_file", None),
            token_command=self._get(sec, s, "oauth2_token_command", str, None),
        )
        if auth == "xoauth2" and oauth2.token_file is None and oauth2.token_command is None:
            raise ConfigError(
                "mailbox.auth: xoauth2 needs mailbox.oauth2_token_file or mailbox.oauth2_token_command"
            )
        fetch_batch = self._positive(sec, s, "fetch_batch", d.fetch_batch)
        if fetch_batch == 0:
            raise ConfigError("mailbox.fetch_batch: must be at least 1")
        path = self._path(sec, s, "path", d.path)
        assert path is not None
        return MailboxConfig(
            kind=cast(Any, self._choice(sec, s, "kind", ("imap", "maildir"), d.kind)),
            host=self._get(sec, s, "host", str, d.host),
            port=self._port(sec, s, d.port),
            security=cast(Security, self._choice(sec, s, "security", _SECURITY, d.security)),
            username=self._get(sec, s, "username", str, d.username),
            password=self._secret(sec, s, "ONEP_INBOX_IMAP_PASSWORD"),
            auth=cast(Any, auth),
            oauth2=oauth2,
            folder=self._get(sec, s, "folder", str, d.folder),
            path=path,
            mark_keyword=self._get(sec, s, "mark_keyword", str, d.mark_keyword),
            move_to=self._get(sec, s, "move_to", str, None) or None,
            fetch_batch=fetch_batch,
            timeout_seconds=self._get(sec, s, "timeout_seconds", float, d.timeout_seconds),
            tls_verify=self._get(sec, s, "tls_verify", bool, d.tls_verify),
            ca_file=self._path(sec, s, "ca_file", None),
            poll_interval_seconds=self._positive(
                sec, s, "poll_interval_seconds", d.poll_interval_seconds
            ),
            idle=self._get(sec, s, "idle", bool, d.idle),
            authserv_id=self._get(sec, s, "authserv_id", str, d.authserv_id).strip().lower(),
        )

    def smtp(self) -> SmtpConfig:
        d = SmtpConfig()
        allowed = {
            "kind",
            "host",
            "port",
            "security",
            "username",
            "password",
            "password_env",
            "from_address",
            "from_name",
            "directory",
            "auto_mail_per_address_per_day",
            "timeout_seconds",
            "tls_verify",
            "ca_file",
            "max_attempts",
            "retry_base_seconds",
            "rate_per_minute",
            "send_interval_seconds",
            "templates_dir",
            "verp",
            "max_per_minute",
            "max_per_day",
            "id_secret",
            "id_secret_env",
        }
        sec = self._section("smtp", allowed)
        s = "smtp"
        directory = self._path(sec, s, "directory", d.directory)
        assert directory is not None
        from_address = cast(str, self._get(sec, s, "from_address", str, d.from_address))
        if "@" not in from_address:
            raise ConfigError(f"smtp.from_address: not an email address: {from_address!r}")
        templates_dir = self._path(sec, s, "templates_dir", None)
        if templates_dir is not None and not templates_dir.is_dir():
            raise ConfigError(f"smtp.templates_dir: not a folder: {templates_dir}")
        return SmtpConfig(
            kind=cast(Any, self._choice(sec, s, "kind", ("smtp", "directory"), d.kind)),
            host=self._get(sec, s, "host", str, d.host),
            port=self._port(sec, s, d.port),
            security=cast(Security, self._choice(sec, s, "security", _SECURITY, d.security)),
            username=self._get(sec, s, "username", str, d.username),
            password=self._secret(sec, s, "ONEP_INBOX_SMTP_PASSWORD"),
            from_address=from_address,
            from_name=self._get(sec, s, "from_name", str, d.from_name),
            directory=directory,
            auto_mail_per_address_per_day=self._positive(
                sec, s, "auto_mail_per_address_per_day", d.auto_mail_per_address_per_day
            ),
            timeout_seconds=self._get(sec, s, "timeout_seconds", float, d.timeout_seconds),
            tls_verify=self._get(sec, s, "tls_verify", bool, d.tls_verify),
            ca_file=self._path(sec, s, "ca_file", None),
            max_attempts=self._positive(sec, s, "max_attempts", d.max_attempts),
            retry_base_seconds=self._positive(sec, s, "retry_base_seconds", d.retry_base_seconds),
            rate_per_minute=self._positive(sec, s, "rate_per_minute", d.rate_per_minute),
            send_interval_seconds=self._positive(
                sec, s, "send_interval_seconds", d.send_interval_seconds
            ),
            templates_dir=templates_dir,
            verp=self._get(sec, s, "verp", bool, d.verp),
            max_per_minute=self._positive(sec, s, "max_per_minute", d.max_per_minute),
            max_per_day=self._positive(sec, s, "max_per_day", d.max_per_day),
            id_secret=self._id_secret(sec),
        )

    def _id_secret(self, sec: dict[str, Any]) -> str:
        if "id_secret" in sec:
            value = cast(str, self._get(sec, "smtp", "id_secret", str, ""))
        else:
            env = cast(str, self._get(sec, "smtp", "id_secret_env", str, "ONEP_INBOX_ID_SECRET"))
            value = os.environ.get(env, "") if env else ""
        if value and len(value) < 16:
            raise ConfigError("smtp.id_secret: at least 16 characters (a random string)")
        return value

    def campaign(self) -> CampaignConfig:
        d = CampaignConfig()
        allowed = {
            "form_version",
            "deadline",
            "reminder_days_before",
            "reminder_days_after",
            "reminder_max",
            "reminder_min_interval_days",
            "send_window",
            "working_days_only",
            "escalate_after_days",
            "receipt_prefix",
            "end",
            "paused",
        }
        sec = self._section("campaign", allowed)
        s = "campaign"
        deadline = self._date(sec, "deadline", d.deadline)
        assert deadline is not None
        end = self._date(sec, "end", None)
        if end is not None and end < deadline:
            raise ConfigError(f"campaign.end: {end} is before the deadline {deadline}")
        return CampaignConfig(
            form_version=self._get(sec, s, "form_version", str, d.form_version),
            deadline=deadline,
            reminder_days_before=self._days(sec, "reminder_days_before", d.reminder_days_before),
            reminder_days_after=self._days(sec, "reminder_days_after", d.reminder_days_after),
            reminder_max=self._positive(sec, s, "reminder_max", d.reminder_max),
            reminder_min_interval_days=self._positive(
                sec, s, "reminder_min_interval_days", d.reminder_min_interval_days
            ),
            send_window=self._window(sec, d.send_window),
            working_days_only=self._get(sec, s, "working_days_only", bool, d.working_days_only),
            escalate_after_days=self._positive(
                sec, s, "escalate_after_days", d.escalate_after_days
            ),
            receipt_prefix=self._get(sec, s, "receipt_prefix", str, d.receipt_prefix),
            end=end,
            paused=self._get(sec, s, "paused", bool, d.paused),
        )

    @staticmethod
    def _date(sec: dict[str, Any], key: str, default: date | None) -> date | None:
        raw = sec.get(key, default)
        if raw is None or (isinstance(raw, date) and not isinstance(raw, datetime_type)):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError as exc:
                raise ConfigError(f"campaign.{key}: expected YYYY-MM-DD, got {raw!r}") from exc
        raise ConfigError(f"campaign.{key}: expected a date, got {raw!r}")

    def _days(self, sec: dict[str, Any], key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = sec.get(key, list(default))
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
        ):
            raise ConfigError(f"campaign.{key}: expected a list of whole days >= 0, got {value!r}")
        return tuple(sorted(set(cast(list[int], value))))

    def _window(self, sec: dict[str, Any], default: tuple[time, time]) -> tuple[time, time]:
        value = sec.get("send_window")
        if value is None:
            return default
        try:
            start_s, end_s = str(value).split("-")
            start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
        except ValueError as exc:
            raise ConfigError(f"campaign.send_window: expected HH:MM-HH:MM, got {value!r}") from exc
        if not start < end:
            raise ConfigError(f"campaign.send_window: start must be before end, got {value!r}")
        return (start, end)

    def processing(self) -> ProcessingConfig:
        d = ProcessingConfig()
        sec = self._section("processing", {"workers", "batch"})
        batch = self._positive(sec, "processing", "batch", d.batch)
        if batch < 1:
            raise ConfigError(f"processing.batch: at least 1, got {batch}")
        return ProcessingConfig(
            workers=self._positive(sec, "processing", "workers", d.workers), batch=batch
        )

    def monitor(self) -> MonitorConfig:
        d = MonitorConfig()
        sec = self._section("monitor", {"staff_addresses", "poll_failing_minutes", "quiet_hours"})
        s = "monitor"
        staff = sec.get("staff_addresses", [])
        if not isinstance(staff, list) or not all(
            isinstance(a, str) and "@" in a and a.isascii() for a in staff
        ):
            raise ConfigError(
                f"monitor.staff_addresses: expected a list of addresses, got {staff!r}"
            )
        return MonitorConfig(
            staff_addresses=tuple(a.strip().lower() for a in staff),
            poll_failing_minutes=self._positive(
                sec, s, "poll_failing_minutes", d.poll_failing_minutes
            ),
            quiet_hours=self._positive(sec, s, "quiet_hours", d.quiet_hours),
        )

    def web(self) -> WebConfig:
        d = WebConfig()
        keys = set(WebConfig.__dataclass_fields__)
        sec = self._section("web", keys)
        s = "web"
        session_hours = self._positive(sec, s, "session_hours", d.session_hours)
        idle_minutes = self._positive(sec, s, "idle_minutes", d.idle_minutes)
        if not session_hours or not idle_minutes:
            raise ConfigError("web.session_hours and web.idle_minutes: must be at least 1")
        return WebConfig(
            host=cast(str, self._get(sec, s, "host", str, d.host)),
            port=self._port(sec, s, d.port),
            secure_cookies=cast(
                Any,
                self._choice(
                    sec, s, "secure_cookies", ("auto", "always", "never"), d.secure_cookies
                ),
            ),
            trust_forwarded_proto=self._get(
                sec, s, "trust_forwarded_proto", bool, d.trust_forwarded_proto
            ),
            session_hours=session_hours,
            idle_minutes=idle_minutes,
        )

    def limits(self) -> LimitsConfig:
        d = LimitsConfig()
        names = {f for f in LimitsConfig.__dataclass_fields__}
        sec = self._section("limits", names)
        values = {name: self._positive(sec, "limits", name, getattr(d, name)) for name in names}
        return LimitsConfig(**values)

    def ocr(self) -> OcrConfig:
        d = OcrConfig()
        names = {f for f in OcrConfig.__dataclass_fields__}
        sec = self._section("ocr", names)
        values = {name: self._positive(sec, "ocr", name, getattr(d, name)) for name in names}
        for name in ("max_pages_per_message", "page_timeout_seconds"):
            if values[name] == 0:
                raise ConfigError(f"ocr.{name}: must be at least 1")
        return OcrConfig(**values)

    def logging(self) -> LoggingConfig:
        d = LoggingConfig()
        sec = self._section("logging", {"level", "file", "format"})
        level = cast(str, self._get(sec, "logging", "level", str, d.level)).upper()
        if level not in _LEVELS:
            raise ConfigError(f"logging.level: expected one of {', '.join(_LEVELS)}, got {level!r}")
        file = self._get(sec, "logging", "file", str, "")
        return LoggingConfig(
            level=cast(LogLevel, level),
            file=self._path(sec, "logging", "file", None) if file else None,
            format=cast(Any, self._choice(sec, "logging", "format", ("text", "json"), d.format)),
        )

    def staff(self) -> StaffConfig:
        d = StaffConfig()
        keys = {"signature_name", "signature_position", "office"}
        sec = self._section("staff", keys)
        values = {key: self._get(sec, "staff", key, str, getattr(d, key)).strip() for key in keys}
        if not values["signature_name"]:
            raise ConfigError("staff.signature_name: must not be empty")
        return StaffConfig(**values)


_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
