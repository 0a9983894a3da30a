"""Write outgoing messages as ``.eml`` files instead of sending them (demo and dry runs).

Flow: same place as :mod:`outbound.smtp` (``smtp.kind = "directory"``): the outbox runner hands
each :class:`~outbound.sender.OutgoingMail` to :meth:`DirectorySender.send`, which writes
``<directory>/<message-id>.eml`` atomically (temporary file, fsync, ``os.replace``). The file
name comes only from the sanitised Message-ID, so sending the same outbox row again overwrites
the same file instead of adding a second one. Envelope recipients are not written; the headers
say who the message is for.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

from core.config import SmtpConfig
from core.errors import SendError
from outbound.sender import OutgoingMail

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")
_MAX_STEM = 150


class DirectorySender:
    """A :class:`~outbound.sender.MailSender` that drops each message into a folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def from_config(cls, config: SmtpConfig) -> DirectorySender:
        return cls(config.directory)

    def __enter__(self) -> Self:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SendError(f"cannot create {self.directory}: {exc}", temporary=True) from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def path_for(self, message_id: str) -> Path:
        """``<directory>/<safe name>.eml`` for ``message_id``; always inside ``directory``."""
        return self.directory / f"{safe_name(message_id)}.eml"

    def send(self, mail: OutgoingMail) -> None:
        """Write ``mail.raw`` to :meth:`path_for`; any ``OSError`` becomes a temporary
        :class:`SendError` (a full or read-only disk is not the message's fault)."""
        target = self.path_for(mail.message_id)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, mail.raw)
        except OSError as exc:
            raise SendError(f"cannot write {target}: {exc}", temporary=True) from exc


def safe_name(message_id: str) -> str:
    """A file name stem from a Message-ID (``<outbox-1.ack@x.th>`` -> ``outbox-1.ack@x.th``).

    Only ``A-Z a-z 0-9 . _ @ + = -`` survive; anything else becomes ``_``. When that changed
    the id (or it is too long, or starts with a dot), a short hash of the exact id is appended
    so that two different ids never share a file.
    """
    stem = message_id.strip()
    if stem.startswith("<") and stem.endswith(">"):
        stem = stem[1:-1]
    safe = _UNSAFE.sub("_", stem)
    if safe == stem and stem and not stem.startswith(".") and len(stem) <= _MAX_STEM:
        return safe
    digest = hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{safe.lstrip('.')[:_MAX_STEM]}~{digest}"


def _write_atomically(target: Path, data: bytes) -> None:
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed, not deleted
        dir=target.parent, prefix=".tmp-", suffix=".eml.part", delete=False
    )
    tmp = Path(handle.name)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible on every platform; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
