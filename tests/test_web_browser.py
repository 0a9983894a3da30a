"""The dashboard in a real browser: Debian's Chromium, headless, driven by Selenium through
``chromium-driver``, against the app served by uvicorn on a local port.

On a database with several provinces, LAOs that have not reported, review items and a scanned
form (an image-only PDF read by Tesseract): sign in, check the overview's numbers against the
database, open the scanned form's review item and see its page, correct a value, accept it,
download the xlsx report and open it with openpyxl. The overview's screenshot is saved to
``docs/overview.png`` (the README shows it). Skips, saying why, where Chromium, its driver,
LibreOffice (to print the form) or Tesseract is missing; ``scripts/system-deps.sh`` installs them.
"""

from __future__ import annotations

import io
import random
import re
import shutil
import socket
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.enums import REPORTED, LaoType, StaffRole, SubmissionStatus
from ingest.services import Services
from samples import forms, scans
from samples.registry import sample_rows
from storage.models import AuditEntry, Correction, Lao, ReviewItem, Submission
from storage.queries import current_submission_ids
from storage.registry import RegistryRow
from storage.reviews import ref_of
from storage.users import add_user
from tests.support import deliver, embedded_services, lao_form, lao_mail

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "overview.png"
NOW = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)
USER, PASSWORD = "wanida", "browser test secret"
WEBMAIL = "scanner.office.77@gmail.com"

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
selenium = pytest.importorskip(
    "selenium", reason="selenium is not installed (pip install -e .[dev])"
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                       reason="needs Debian's chromium and chromium-driver (scripts/system-deps.sh)"),
    pytest.mark.skipif(scans.soffice() is None, reason="needs LibreOffice to print the scanned form"),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Tesseract to read the scan"),
]  # fmt: skip


def _typo(name: str) -> str:
    return name[:-1] + "ร" + name[-1]


def _scan_mail(row: RegistryRow) -> bytes:
    rng = random.Random(14)
    truth = forms.random_truth(
        rng,
        lao_name=_typo(row.name),
        lao_type=row.lao_type,
        province=row.province,
        district=row.district or "",
        lao_code=None,
    )
    pdf = scans.scan_generator(truth, "template_beside", rng)
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"ธุรการ <{WEBMAIL}>"
    msg["To"] = "onep.uem@onep.go.th"
    msg["Subject"] = "ส่งแบบรายงาน (สแกน)"
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = f"<scan.{NOW.timestamp():.0f}@gmail.com>"
    msg["Received"] = f"from mx by mx.onep.go.th; {format_datetime(NOW)}"
    msg.set_content("เรียน สผ.\n\nส่งแบบรายงานที่สแกนมาครับ\n")
    msg.add_attachment(pdf, "application", "pdf", filename="scan.pdf")
    return msg.as_bytes()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    registry = sample_rows()
    tmp_path = tmp_path_factory.mktemp("browser")
    services = embedded_services(tmp_path, f"sqlite:///{tmp_path / 'b.sqlite3'}", registry, NOW)
    reporting: list[RegistryRow] = []
    for row in registry:
        if (
            row.emails
            and row.lao_type == "sao"
            and row.province not in {r.province for r in reporting}
        ):
            reporting.append(row)
        if len(reporting) == 4:
            break
    for index, row in enumerate(reporting):
        deliver(services, lao_mail(row.emails[0], when=NOW, attachment=lao_form(row, seed=index),
                                   tag=f"own{index}"))  # fmt: skip
    taken = {r.province for r in reporting}
    scanned = next(
        r for r in registry if r.province not in taken and r.lao_type == "sao" and len(r.name) > 28
    )
    deliver(services, _scan_mail(scanned))
    deliver(services, lao_mail("asker@example.org", when=NOW, body="ส่งเมื่อไรครับ\n", tag="q"))
    with services.sessions() as session, session.begin():
        add_user(session, USER, role=StaffRole.REVIEWER, password=PASSWORD,
                 display_name="นางสาววนิดา ใจดี", position="นักวิชาการสิ่งแวดล้อม", now=NOW)  # fmt: skip
    try:
        yield {"services": services, "scanned": scanned}
    finally:
        services.close()


@pytest.fixture(scope="module")
def server(world: dict[str, Any]) -> Iterator[str]:
    """The app on a local port; the socket listens before the thread starts (no waiting)."""
    import uvicorn

    from web.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(world["services"]), log_config=None, access_log=False, lifespan="off"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,2200",
        "--lang=th-TH",
    ):
        options.add_argument(argument)  # fmt: skip
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def _number(text: str) -> int:
    return int(text.strip().replace(",", ""))


def _expected(services: Services) -> dict[str, int]:
    """The overview's numbers recounted from the database by the Python rule."""
    with services.sessions() as session:
        current = current_submission_ids(session)
        laos = set(
            session.scalars(select(Lao.code).where(Lao.lao_type != LaoType.PROVINCIAL_OFFICE))
        )
        statuses = dict(
            session.execute(
                select(Submission.lao_code, Submission.status).where(
                    Submission.id.in_(list(current.values()) or [0])
                )
            ).all()
        )
    reported = sum(1 for c in laos if statuses.get(c) == SubmissionStatus.ACCEPTED)
    waiting = sum(1 for c in laos if statuses.get(c) in REPORTED) - reported
    return {"laos": len(laos), "reported": reported, "in-review": waiting,
            "missing": len(laos) - reported - waiting}  # fmt: skip


def test_a_reviewer_runs_the_campaign_from_the_browser(
    world: dict[str, Any], server: str, browser: Any
) -> None:
    from openpyxl import load_workbook
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    services: Services = world["services"]
    browser.get(f"{server}/")
    assert "/login" in browser.current_url
    browser.find_element(By.NAME, "username").send_keys(USER)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    assert browser.find_element(By.ID, "total-laos").is_displayed()

    expected = _expected(services)
    for name, value in expected.items():
        assert _number(browser.find_element(By.ID, f"total-{name}").text) == value, name
    assert expected["reported"] >= 4
    assert expected["missing"] > 7000
    SCREENSHOT.parent.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))

    with services.sessions() as session:
        item = next(
            i
            for i in session.scalars(select(ReviewItem).where(ReviewItem.state == "open"))
            if i.submission is not None
            and i.submission.attachment is not None
            and i.submission.attachment.format in ("pdf", "pdf_scan")
        )
        ref, submission_id = ref_of(item), item.submission_id
    browser.get(f"{server}/review")
    browser.find_element(By.LINK_TEXT, ref).click()
    page = browser.find_element(By.CSS_SELECTOR, "img.page")
    assert (
        browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", page)
        > 500
    )

    form = browser.find_element(By.ID, "form-correct")
    Select(form.find_element(By.NAME, "field")).select_by_value("population")
    form.find_element(By.NAME, "value").send_keys("4321")
    form.find_element(By.TAG_NAME, "button").click()
    assert "บันทึกการแก้ไขค่าแล้ว" in browser.find_element(By.CLASS_NAME, "done").text
    row = browser.find_element(By.ID, "field-population")
    assert row.find_element(By.CSS_SELECTOR, "td.corrected").text == "4,321"

    accept = browser.find_element(By.ID, "form-accept")
    lao_input = accept.find_element(By.NAME, "lao")
    lao_input.clear()
    lao_input.send_keys(world["scanned"].lao_code)
    accept.find_element(By.TAG_NAME, "button").click()
    assert "รับรายงานแล้ว" in browser.find_element(By.CLASS_NAME, "done").text

    browser.get(f"{server}/downloads")
    link = browser.find_element(By.ID, "report-xlsx").get_attribute("href")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    request = urllib.request.Request(link, headers={"Cookie": cookie})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own server
        assert response.headers["content-disposition"].startswith("attachment;")
        book = load_workbook(io.BytesIO(response.read()), read_only=True)
    lines = [list(values) for values in book[book.sheetnames[0]].iter_rows(values_only=True)]
    header = next(line for line in lines if "รหัส อปท." in line)
    code_at = header.index("รหัส อปท.")
    [scanned_row] = [line for line in lines if line[code_at] == world["scanned"].lao_code]
    assert 4321 in scanned_row  # the export carries the correction

    with services.sessions() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        assert submission.status == SubmissionStatus.ACCEPTED
        assert submission.lao_code == world["scanned"].lao_code
        [fix] = session.scalars(select(Correction)).all()
        assert (fix.value, fix.by) == (4321, USER)
        actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.actor == USER)))
    assert {"web.login", "review.correct", "review.accept", "web.download"} <= actions
    assert re.match(rb"\x89PNG", SCREENSHOT.read_bytes()[:4])
