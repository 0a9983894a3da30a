"""The Maildir source: list, fetch, mark (a record of ingested keys, or a move); flags untouched."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from core.errors import MailboxError
from ingest.maildir import MaildirSource

RAW = b"From: a@gmail.com\r\nSubject: hi\r\n\r\nbody\r\n"


def _box(path: Path, count: int) -> list[str]:
    box = mailbox.Maildir(path, create=True)
    return [box.add(RAW + str(i).encode()) for i in range(count)]


def test_list_fetch_mark_with_keyword_file(tmp_path: Path) -> None:
    keys = _box(tmp_path / "md", 3)
    with MaildirSource(tmp_path / "md") as source:
        listing = source.list()
        assert listing.uidvalidity == 0
        assert sorted(listing.items) == sorted(keys)
        fetched = list(source.fetch([*keys[:2], "vanished"]))
        assert [f.item for f in fetched] == keys[:2]
        assert fetched[0].raw.startswith(b"From: a@gmail.com")
        assert fetched[0].internal_date is None
        source.mark(keys[:2])
    assert (tmp_path / "md" / ".onep-ingested").read_text().split() == keys[:2]
    # marking never moves or flags the messages
    box = mailbox.Maildir(tmp_path / "md", create=False)
    assert sorted(box.keys()) == sorted(keys)
    assert all(box.get_message(k).get_flags() == "" for k in keys)


def test_mark_by_moving(tmp_path: Path) -> None:
    keys = _box(tmp_path / "md", 2)
    original = mailbox.Maildir(tmp_path / "md", create=False).get_bytes(keys[0])
    with MaildirSource(tmp_path / "md", move_to="Ingested") as source:
        source.mark([keys[0]])
        assert source.list().items == (keys[1],)
    moved = mailbox.Maildir(tmp_path / "md", create=False).get_folder("Ingested")
    assert [moved.get_bytes(key) for key in moved.iterkeys()] == [original]


def test_not_a_maildir_is_a_clear_permanent_error(tmp_path: Path) -> None:
    with pytest.raises(MailboxError) as caught, MaildirSource(tmp_path / "nope"):
        pass
    assert not caught.value.temporary
    assert "mailbox.path" in str(caught.value)
