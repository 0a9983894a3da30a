"""Fuzzing: raw bytes -> stored message -> extracted fields, for a set time (hypothesis).

Each example is a message built from mutated pieces of real-looking mail (headers, MIME
structure, encodings, a zip, a winmail.dat, a report part) or plain random bytes; it goes through
what ``poll --once`` does to a message: the content hash and the store's header reading
(:func:`ingest.store.received_at`, :func:`ingest.trace.core_digest`), then the pure stages
(:func:`ingest.pipeline.analyse`: classify, extract, parse). A crash is any exception out of
them: it is printed with the bytes (base64) and becomes a regression test in
``tests/test_fuzz_regressions.py``. Figures only: examples run and crashes found.

    python -m bench.fuzz --seconds 300
    python -m bench.fuzz --tiny          # a few seconds, as CI runs it
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import time
import traceback
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.config import Config
from ingest.pipeline import analyse
from ingest.store import received_at
from ingest.trace import core_digest, read_authentication
from ingest.work import Settings

_HEADERS = st.sampled_from(
    [
        b"From: =?utf-8?b?4Liq4Lih4LiK4Liy4Lii?= <saraban@dla.go.th>",
        b"From: MAILER-DAEMON <>",
        b"From: \xe0\xb8\xaa@\xe0\xb8\x97.th",
        b"Reply-To: <>",
        b"Subject: =?tis-620?q?=C3=D2=C2=A7=D2=B9?=",
        b"Subject: Automatic reply: x",
        b"Auto-Submitted: auto-replied",
        b"Return-Path: <>",
        b"Received: from x by y; Wed, 29 Sep 2021 09:00:00 +0700",
        b"Received: garbage; not a date",
        b"Authentication-Results: mx; dmarc=fail header.from=dla.go.th",
        b"Date: Wed, 31 Feb 2021 25:61:00 +9999",
        b"Message-ID: <a@b>",
        b"In-Reply-To: <outbox-1.ack.aaaaaaaaaaaaaaaa@onep.go.th>",
        b"Content-Transfer-Encoding: base64",
        b"Content-Transfer-Encoding: quoted-printable",
        b'Content-Type: multipart/mixed; boundary="b"',
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b",
        b"Content-Type: multipart/report; report-type=disposition-notification; boundary=b",
        b"Content-Type: text/plain; charset=x-unknown",
        b"Content-Type: message/rfc822",
        b"Content-Type: text/calendar; method=REPLY",
    ]
)
_BODIES = st.sampled_from(
    [
        b"",
        b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n",
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; x@y\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n--b--\r\n",
        b"--b\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="a.zip"\r\n\r\nUEsFBgAAAAD//wAA//8AAAAAAAAAAAA=\r\n--b--',
        b"--b\r\nContent-Type: application/ms-tnef\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="winmail.dat"\r\n\r\neJ8+IgEAAgKQBgAIAAAA\r\n--b--',
        b"--b\r\nContent-Type: application/vnd.oasis.opendocument.spreadsheet\r\n"
        b'Content-Disposition: attachment; filename="a.ods"\r\n\r\nPK\x03\x04mimetype\r\n--b--',
        "ข้อความภาษาไทย ONEP-2564-000001 https://drive.google.com/x".encode(),
    ]
)


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=4096))
    headers = draw(st.lists(_HEADERS, max_size=10))
    body = draw(_BODIES)
    raw = b"\r\n".join(headers) + b"\r\n\r\n" + body
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=32)) + raw[cut:]
    return raw


def one(raw: bytes, settings_: Settings) -> None:
    """What poll --once does to the bytes of one message before the database."""
    hashlib.sha256(raw).hexdigest()
    received_at(raw, None, datetime(2021, 9, 29, tzinfo=UTC))
    core_digest(raw)
    read_authentication(raw)
    analyse(raw, settings_)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--tiny", action="store_true", help="about 5 seconds")
    args = parser.parse_args(argv)
    budget = 5.0 if args.tiny else args.seconds
    settings_ = Settings.from_config(Config(), None)
    crashes: dict[str, bytes] = {}
    count = 0
    deadline = time.monotonic() + budget

    @settings(
        max_examples=200,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(messages())
    def run(raw: bytes) -> None:
        nonlocal count
        if time.monotonic() > deadline:
            return
        count += 1
        try:
            one(raw, settings_)
        except Exception:  # noqa: BLE001 - every crash is a finding, printed below
            where = traceback.format_exc().strip().splitlines()[-1]
            crashes.setdefault(where, raw)

    start = time.monotonic()
    while time.monotonic() < deadline:
        run()
    seconds = time.monotonic() - start
    print(f"fuzz: {count} messages in {seconds:.1f} s; distinct crashes: {len(crashes)}")
    for where, raw in crashes.items():
        print(f"  {where}\n    {base64.b64encode(raw).decode()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
