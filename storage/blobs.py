"""The content-addressed raw store: every received message and attachment, by sha256.

Stage 2 (*store raw*) writes here before anything else looks at a message. Writes are atomic
(a temporary file in the same folder, fsync, ``os.replace``), so a crash leaves either the whole
file or nothing; writing the same bytes twice is a no-op. Files are named only by their hash:
never by a name a sender chose.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from core.errors import StoreError


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Files under ``root/ab/cd/<sha256>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a sha256 hex digest: {digest!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store ``data``; return its sha256. Durable when this returns, unless ``durable`` is
        False: then the file is whole or absent after a crash of this process, but not forced
        to disk (a power cut may lose it). For files derived from a stored message (its
        attachments), which reading the message again writes again: one fsync less each."""
        digest = sha256_hex(data)
        path = self.path_for(digest)
        if path.exists() and path.stat().st_size == len(data):
            return digest
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    if durable:
                        os.fsync(handle.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc}") from exc
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self.path_for(digest).read_bytes()
        except OSError as exc:
            raise StoreError(
                f"raw file {digest} missing from the store {self.root}: {exc}"
            ) from exc

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).exists()
