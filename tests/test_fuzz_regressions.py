"""Every crash ``python -m bench.fuzz`` found, kept: the bytes go through what ``poll --once``
does before the database (the store's header reading, the trace digest, the pure stages)."""

from __future__ import annotations

import base64

import pytest

from bench.fuzz import one
from core.config import Config
from ingest.work import Settings

CRASHES = {
    # a charset name with a NUL in it: codecs.lookup raises ValueError, not LookupError
    "charset-with-nul": (
        "Q29udGVudC1UcmFuc2Zlci1FbmNvZGluZzogcXVvdGVkLXByaW50YWJsZQ0KQ29udGVudC1UcmFuc2Zlci1FbmNv"
        "ZGluZzogcXVvdGVkLXByaW50YWJsZQ0KUmVjZWl2ZWQ6IGdhcmJhZ2U7IG5vdCBhIGRhdGUNCkNvbnRlbnQtVHlw"
        "ZTogdGV4dC9wbGFpbjsgY2hhcnNldD14LXVua25NTQAqb3duDQpDb250ZW50LVR5cGU6IHRleHQvcGxhaW47IGNo"
        "YXJzZXQ9eC11bmtub3duDQoNCi0tYg0KQ29udGVudC1UeXBlOiBtZXNzYWdlL2RlbGl2ZXJ5LXN0YXR1cw0KDQpG"
        "aW5hbC1SZWNpcGllbnQ6IHJmYzgyMjsgeEB5DQpBY3Rpb246IGZhaWxlZA0KU3RhdHVzOiA1LjEuMQ0KLS1iLS0N"
        "Cg=="
    ),
}


@pytest.mark.parametrize("name", sorted(CRASHES))
def test_a_crash_the_fuzzer_found_stays_fixed(name: str) -> None:
    one(base64.b64decode(CRASHES[name]), Settings.from_config(Config(), None))
