"""Mailbox source for a local Maildir (the demo, and operators who receive mail by other means).

Keys are Maildir keys; there is no UIDVALIDITY (reported as 0). ``received_at`` comes from the
topmost Received header, else the Date header (decided in :mod:`ingest.store`), so the source
reports no internal date. Marking sets the Maildir flag-free equivalent of our keyword: the key is
recorded in a ``.onep-ingested`` list in the folder, or the message file is moved, bytes
untouched, to a Maildir++ sub-folder when ``move_to`` is configured. Flags such as ``S`` (seen) are never touched.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from core.errors import MailboxError
from ingest.source import FetchedMessage, Listing


class MaildirSource:
    def __init__(self, path: Path, *, move_to: str | None = None) -> None:
        self._path = path
        self._move_to = move_to
        self._box: mailbox.Maildir | None = None

    @property
    def name(self) -> str:
        return f"maildir:{self._path.resolve()}"

    def __enter__(self) -> Self:
        if not (self._path / "cur").is_dir() and not (self._path / "new").is_dir():
            raise MailboxError(
                f"{self._path} is not a Maildir (no cur/ or new/ folder): check mailbox.path",
                temporary=False,
            )
        self._box = mailbox.Maildir(self._path, factory=None, create=False)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._box = None

    def _mailbox(self) -> mailbox.Maildir:
        if self._box is None:
            raise RuntimeError("MaildirSource used outside its `with` block")
        return self._box

    def _move_file(self, key: str, target: Path) -> None:
        """Move the message file itself (the mailbox module would rewrite its line endings)."""
        for sub in ("new", "cur"):
            for path in (self._path / sub).iterdir():
                if path.name == key or path.name.startswith(key + ":"):
                    os.replace(path, target / sub / path.name)
                    return

    def list(self) -> Listing:
        box = self._mailbox()
        return Listing(uidvalidity=0, items=tuple(sorted(box.iterkeys())))

    def fetch(self, items: Sequence[str]) -> Iterator[FetchedMessage]:
        box = self._mailbox()
        for key in items:
            try:
                raw = box.get_bytes(key)
            except KeyError:
                continue
            yield FetchedMessage(item=key, raw=raw, internal_date=None)

    def mark(self, items: Sequence[str]) -> None:
        box = self._mailbox()
        if self._move_to:
            if self._move_to not in box.list_folders():
                box.add_folder(self._move_to)
            target = self._path / f".{self._move_to}"
            for key in items:
                self._move_file(key, target)
            return
        marks = self._path / ".onep-ingested"
        with marks.open("a", encoding="utf-8") as handle:
            for key in items:
                handle.write(key + "\n")
