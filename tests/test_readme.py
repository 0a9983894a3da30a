"""The README's "Pointing it at the real mailbox" block, run as written.

The block's lines run in one ``bash`` script, in a folder that stands for a fresh checkout
(``config.example.toml`` copied in), against the real edges: Dovecot over implicit TLS, an SMTP
server (aiosmtpd), PostgreSQL. Three things are supplied from outside, as an operator would:
``$EDITOR`` is a small program that sets the keys the comment names, the ``...`` of the
password exports is the test server's password, and ``users add`` gets its password on
standard input (no terminal: a new session). Two lines are not run here: the venv line (the
test's own venv, installed by ``make`` with ``pip install -e``, or the one
``ONEP_INBOX_README_VENV`` names, made by that very line, is linked in its place; the line itself
must be the editable install) and ``run`` (the service, tested in ``test_cli``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from samples.registry import sample_rows
from tests.support import lao_form, lao_mail

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Pointing it at the real mailbox"
EDITOR = """
import re, sys
from pathlib import Path
path = Path(sys.argv[1])
wanted = {wanted!r}
lines = path.read_text(encoding="utf-8").splitlines()
section, out, done = None, [], set()
for line in lines:
    header = re.match(r"^\\[(\\w+)\\]", line)
    if header:
        for (sec, key), value in wanted.items():
            if sec == section and (sec, key) not in done:
                out.append(f"{{key}} = {{value}}"); done.add((sec, key))
        section = header.group(1)
    found = re.match(r"^#?\\s*(\\w+)\\s*=", line)
    if found and (section, found.group(1)) in wanted and (section, found.group(1)) not in done:
        out.append(f"{{found.group(1)}} = {{wanted[(section, found.group(1))]}}")
        done.add((section, found.group(1)))
        continue
    out.append(line)
path.write_text("\\n".join(out) + "\\n", encoding="utf-8")
"""


def readme_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()


def test_the_block_installs_editable_with_postgres() -> None:
    first = readme_block()[0]
    assert "pip install -e '.[postgres]'" in first  # a plain install would shadow the checkout


def test_pointing_it_at_the_real_mailbox_works_as_written(
    tmp_path: Path, dovecot_inbox: Any, smtp_server: Any, postgres_url: str
) -> None:
    lines = readme_block()
    venv_line, run_line = lines[0], lines[-1]
    assert venv_line.startswith("python3 -m venv .venv")
    assert run_line.startswith(".venv/bin/onep-inbox run")
    script = lines[1:-1]

    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy(ROOT / "config.example.toml", checkout)
    venv = os.environ.get("ONEP_INBOX_README_VENV") or Path(sys.executable).parent.parent
    (checkout / ".venv").symlink_to(venv)
    mailbox = dovecot_inbox.mailbox_config(security="ssl")
    smtp = smtp_server.config()
    wanted = {
        ("database", "url"): f'"{postgres_url}"',
        ("mailbox", "host"): f'"{mailbox.host}"',
        ("mailbox", "port"): str(mailbox.port),
        ("mailbox", "security"): '"ssl"',
        ("mailbox", "username"): f'"{mailbox.username}"',
        ("mailbox", "ca_file"): f'"{mailbox.ca_file}"',
        ("smtp", "host"): f'"{smtp.host}"',
        ("smtp", "port"): str(smtp.port),
        ("smtp", "security"): '"none"',
    }
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR.format(wanted=wanted), encoding="utf-8")

    phayao = [row for row in sample_rows() if row.province == "พะเยา"][:12]
    lao = next(row for row in phayao if row.lao_type == "sao")
    book = Workbook()
    sheet = book.active
    sheet.append(["ลำดับ", "รหัส อปท.", "ชื่อ อปท.", "ประเภท", "อำเภอ", "จังหวัด", "อีเมล"])
    for number, row in enumerate(phayao, start=1):
        sheet.append(
            [number, int(row.lao_code) if row.lao_code.isdigit() else row.lao_code, row.name,
             row.lao_type, row.district, row.province, ";".join(row.emails)]
        )  # fmt: skip
    book.save(checkout / "laos.xlsx")
    when = datetime(2021, 9, 28, 3, 0, tzinfo=UTC)
    dovecot_inbox.append([lao_mail(lao.emails[0], when=when, attachment=lao_form(lao))])

    body = "\n".join(
        re.sub(r"(PASSWORD)=\.\.\.", rf"\1={mailbox.password}", line) for line in script
    )
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", body],
        cwd=checkout,
        env={
            "PATH": "/usr/bin:/bin",
            "EDITOR": f"{sys.executable} {editor}",
            "HOME": str(tmp_path),
        },
        input="a-long-enough-password\na-long-enough-password\n",
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,  # no terminal: users add reads the password from stdin
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "user wanida (admin) created; signs as นางสาววนิดา ใจดี" in result.stdout
    assert "dry run: nothing was changed" in result.stdout
    assert "added 12" in result.stdout
    assert "fetched 1 (new 1)" in result.stdout
    assert "sent 1" in result.stdout
    assert [m.rcpt_tos for m in smtp_server.messages] == [(lao.emails[0],)]

    status = subprocess.run(
        [str(checkout / ".venv/bin/onep-inbox"), "status", "--json"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(status.stdout)
    assert report["laos"]["submitted"] == 1
