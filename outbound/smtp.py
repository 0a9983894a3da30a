"""Hand composed messages to a real SMTP server: the one module that talks SMTP.

Flow: the outbox runner takes due rows, builds :class:`~outbound.sender.OutgoingMail` with
:func:`outbound.compose.compose`, and calls :meth:`SmtpSender.send` for each inside one
``with SmtpSender(config):`` block. Entering opens one connection (TLS, login) that every
``send`` reuses; leaving says QUIT.

Errors are translated here into :class:`~core.errors.SendError`:

* 4xx replies, refused/reset/timed-out connections, TLS handshakes cut short: ``temporary=True``;
* 5xx replies, a server without STARTTLS when ``security = "starttls"``, an unverifiable
  certificate, no usable AUTH mechanism: ``temporary=False``.

Errors raised while *entering* concern the transport (address, TLS, credentials), not a
message: the caller should stop the batch, not mark rows failed.

Recipients: if the server refuses every recipient, ``send`` raises (temporary if any refusal
was 4xx, since trying later may reach that recipient; otherwise permanent). If it refuses only
some, the message *was* sent to the others, so ``send`` returns normally (sending again would
duplicate it for them); each refused address is logged at WARNING and appended to
:attr:`SmtpSender.refused` for the caller to record.

Rate limit: ``rate_per_minute > 0`` spaces attempts at least ``60 / rate`` seconds apart (no
bursts), using the injected ``clock`` and ``sleep``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from core.config import SmtpConfig
from core.errors import ConfigError, SendError
from core.tls import client_context
from outbound.sender import OutgoingMail

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefusedRecipient:
    """One recipient the server refused while accepting the message for the others."""

    message_id: str
    address: str
    code: int
    text: str


class SmtpSender:
    """A :class:`~outbound.sender.MailSender` over one reused SMTP connection."""

    def __init__(
        self,
        config: SmtpConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        local_hostname: str | None = None,
    ) -> None:
        self._config = config
        self._clock = clock
        self._sleep = sleep
        self._local_hostname = local_hostname
        self._interval = 60.0 / config.rate_per_minute if config.rate_per_minute > 0 else 0.0
        self._next_slot = float("-inf")
        self._smtp: smtplib.SMTP | None = None
        self._entered = False
        self.refused: list[RefusedRecipient] = []
        """Recipients refused while the message went to others, oldest first."""

    @property
    def _where(self) -> str:
        return f"SMTP {self._config.host}:{self._config.port}"

    # --- MailSender ------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self._entered = True
        try:
            self._smtp = self._connect()
        except BaseException:
            self._entered = False
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered = False
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def send(self, mail: OutgoingMail) -> None:
        """Deliver ``mail`` or raise :class:`SendError`; see the module docstring."""
        if not self._entered:
            raise RuntimeError("SmtpSender.send() needs an open connection: use 'with sender:'")
        self._wait_turn()
        for attempt in (1, 2):
            reused = self._smtp is not None
            smtp = self._smtp if self._smtp is not None else self._connect()
            self._smtp = smtp
            try:
                refused = smtp.sendmail(mail.envelope_from, list(mail.recipients), mail.raw)
            except smtplib.SMTPServerDisconnected as exc:
                self._discard()
                # The server closed an idle connection between sends: reconnect once. Not after
                # a timeout, where the server may have taken the message.
                if reused and attempt == 1 and not isinstance(exc.__context__, TimeoutError):
                    log.info("%s closed the connection; reconnecting", self._where)
                    continue
                raise SendError(
                    f"{self._where}: connection lost while sending {mail.message_id}: {exc}",
                    temporary=True,
                ) from exc
            except smtplib.SMTPRecipientsRefused as exc:
                self._discard_if_closed(smtp)
                raise self._all_refused(exc, mail) from exc
            except (smtplib.SMTPException, OSError) as exc:
                self._discard_if_closed(smtp)
                raise self._translate(exc, f"sending {mail.message_id}") from exc
            except UnicodeEncodeError as exc:
                # smtplib writes commands as ASCII; we do not speak SMTPUTF8. The transaction
                # may be half-open, so start the next message on a fresh connection.
                self._discard()
                raise SendError(
                    f"{self._where}: {mail.message_id}: envelope address is not ASCII: {exc}",
                    temporary=False,
                ) from exc
            self._record_refused(mail, refused)
            return

    # --- connection ------------------------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        config = self._config
        if config.username and config.security == "none":
            raise SendError(
                f"{self._where}: smtp.username is set but smtp.security is 'none'; refusing to "
                "send the password unencrypted (use 'starttls' or 'ssl')",
                temporary=False,
            )
        if not (config.username.isascii() and (config.password or "").isascii()):
            # smtplib encodes AUTH responses as ASCII (CPython #73936) and would raise
            # UnicodeEncodeError half-way through the login.
            raise SendError(
                "smtp.username/smtp.password: non-ASCII characters cannot be sent by smtplib's "
                "AUTH; use an ASCII password",
                temporary=False,
            )
        try:
            smtp = self._open()
            try:
                if config.security == "starttls":
                    smtp.ehlo()
                    if not smtp.has_extn("starttls"):
                        raise SendError(
                            f"{self._where} does not offer STARTTLS and smtp.security is "
                            "'starttls'; not sending in clear text",
                            temporary=False,
                        )
                    smtp.starttls(context=self._tls_context())
                    smtp.ehlo()
                if config.username:
                    smtp.login(config.username, config.password or "")
            except BaseException:
                smtp.close()
                raise
        except (smtplib.SMTPException, OSError) as exc:
            raise self._translate(exc, "connecting") from exc
        return smtp

    def _open(self) -> smtplib.SMTP:
        config = self._config
        if config.security == "ssl":
            return smtplib.SMTP_SSL(
                config.host,
                config.port,
                local_hostname=self._local_hostname,
                timeout=config.timeout_seconds,
                context=self._tls_context(),
            )
        return smtplib.SMTP(
            config.host,
            config.port,
            local_hostname=self._local_hostname,
            timeout=config.timeout_seconds,
        )

    def _tls_context(self) -> ssl.SSLContext:
        config = self._config
        try:
            return client_context(verify=config.tls_verify, ca_file=config.ca_file, key="smtp")
        except ConfigError as exc:  # as before: a CA file that cannot be loaded is retried
            raise SendError(str(exc), temporary=True) from exc

    def _discard(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _discard_if_closed(self, smtp: smtplib.SMTP) -> None:
        # smtplib closes the socket itself after a 421 reply; connect afresh next time.
        if smtp.sock is None:
            self._discard()

    def _wait_turn(self) -> None:
        if not self._interval:
            return
        now = self._clock()
        if self._next_slot > now:
            self._sleep(self._next_slot - now)
            now = self._next_slot
        self._next_slot = now + self._interval

    # --- errors ----------------------------------------------------------------------------

    def _translate(self, exc: smtplib.SMTPException | OSError, action: str) -> SendError:
        if isinstance(exc, smtplib.SMTPResponseException):
            code = exc.smtp_code
            return SendError(
                f"{self._where}: {action}: {code} {_text(exc.smtp_error)}",
                temporary=not 500 <= code < 600,
                code=code,
            )
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return SendError(f"{self._where}: {action}: {exc}", temporary=True)
        if isinstance(exc, ssl.SSLCertVerificationError):
            return SendError(
                f"{self._where}: {action}: certificate not trusted ({exc.verify_message}); "
                "check smtp.ca_file or smtp.tls_verify",
                temporary=False,
            )
        if isinstance(exc, OSError):
            return SendError(f"{self._where}: {action}: {exc}", temporary=True)
        # SMTPNotSupportedError, "No suitable authentication method found", ...
        return SendError(f"{self._where}: {action}: {exc}", temporary=False)

    def _all_refused(self, exc: smtplib.SMTPRecipientsRefused, mail: OutgoingMail) -> SendError:
        answers = sorted(exc.recipients.items())
        codes = [code for _, (code, _) in answers]
        temporary = [code for code in codes if not 500 <= code < 600]
        code = temporary[0] if temporary else codes[0] if codes else None
        detail = "; ".join(f"{address}: {c} {_text(text)}" for address, (c, text) in answers)
        return SendError(
            f"{self._where}: every recipient of {mail.message_id} refused: {detail}",
            temporary=bool(temporary),
            code=code,
        )

    def _record_refused(self, mail: OutgoingMail, refused: dict[str, tuple[int, bytes]]) -> None:
        for address, (code, text) in sorted(refused.items()):
            entry = RefusedRecipient(mail.message_id, address, code, _text(text))
            log.warning(
                "%s: %s sent, but %s refused: %d %s",
                self._where,
                mail.message_id,
                address,
                code,
                entry.text,
            )
            self.refused.append(entry)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
