"""The dashboard through Starlette's TestClient: access (every route of the route table refused
without a session, generated from the table; CSRF on every POST; roles by the policy), the
security headers and cookie flags, mail content escaped, review decisions taken from the page
are the CLI's functions and audited, corrections reach the export, and the overview's SQL
agrees with the Python rule of "current submission" on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from core.enums import REPORTED, LaoType, StaffRole, SubmissionStatus, is_unreadable
from ingest.services import Services
from samples.registry import sample_rows
from storage.dashboard import progress
from storage.models import AuditEntry, Correction, Lao, OutboxMail, ReviewItem, Submission
from storage.queries import current_submission_ids, export_record, export_rows
from storage.registry import RegistryRow
from storage.users import add_user
from tests.support import deliver, embedded_services, lao_form, lao_mail
from web.app import ROUTES, create_app
from web.guard import PUBLIC, SESSION_COOKIE, GuardedRoute

NOW = datetime(2021, 9, 29, 3, 0, tzinfo=UTC)
PASSWORD = "a long enough secret"
WEBMAIL = "kongchang.green77@gmail.com"
HOSTILE_SUBJECT = '<img src="https://tracker.example/x.png"> ขอสอบถาม <b>ด่วน</b>'
HOSTILE_BODY = "<script>alert('x')</script>\nขอสอบถามเรื่องกำหนดส่งครับ\n"


@pytest.fixture(scope="module")
def registry() -> list[RegistryRow]:
    return sample_rows()


def _typo(name: str) -> str:
    return name[:-1] + "ร" + name[-1]


def _populate(services: Services, registry: list[RegistryRow]) -> dict[str, Any]:
    """An accepted report from an LAO's own address, a form from unknown webmail (waits for a
    person), a question with hostile markup; three accounts."""
    own = next(r for r in registry if r.emails and r.lao_type == "sao")
    stranger = next(
        r
        for r in registry
        if r.lao_type == "sao" and r.province != own.province and len(r.name) > 28
    )
    deliver(services, lao_mail(own.emails[0], when=NOW, attachment=lao_form(own), tag="own"))
    deliver(
        services,
        lao_mail(
            WEBMAIL,
            when=NOW,
            attachment=lao_form(stranger, seed=3, lao_name=_typo(stranger.name)),
            tag="web",
        ),
    )
    deliver(
        services,
        lao_mail(
            "asker@example.org", when=NOW, subject=HOSTILE_SUBJECT, body=HOSTILE_BODY, tag="q"
        ),
    )
    with services.sessions() as session, session.begin():
        for name, role in (
            ("viewer1", StaffRole.VIEWER),
            ("reviewer1", StaffRole.REVIEWER),
            ("admin1", StaffRole.ADMIN),
        ):
            add_user(
                session,
                name,
                role=role,
                password=PASSWORD,
                display_name=f"เจ้าหน้าที่ {name}",
                position="นักวิชาการสิ่งแวดล้อม",
                now=NOW,
            )
    return {"own": own, "stranger": stranger}


@pytest.fixture
def site(tmp_path: Path, registry: list[RegistryRow]) -> Iterator[dict[str, Any]]:
    services = embedded_services(tmp_path, f"sqlite:///{tmp_path / 'web.sqlite3'}", registry, NOW)
    try:
        found = _populate(services, registry)
        yield {"services": services, "app": create_app(services), **found}
    finally:
        services.close()


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory, registry: list[RegistryRow]
) -> Iterator[dict[str, Any]]:
    """One site for the tests that change nothing but sessions and the audit log."""
    tmp_path = tmp_path_factory.mktemp("shared")
    services = embedded_services(tmp_path, f"sqlite:///{tmp_path / 'web.sqlite3'}", registry, NOW)
    try:
        found = _populate(services, registry)
        yield {"services": services, "app": create_app(services), **found}
    finally:
        services.close()


def _client(site: dict[str, Any], **options: Any) -> TestClient:
    return TestClient(site["app"], follow_redirects=False, **options)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def login(site: dict[str, Any], name: str, **options: Any) -> TestClient:
    client = _client(site, **options)
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf": token, "username": name, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 303, response.text
    return client


def page_csrf(client: TestClient, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return _csrf(response.text)


def _refs(services: Services) -> dict[str, str]:
    """kind -> the ref of its open item (receipt, or M<id> for a question)."""
    from storage.reviews import ref_of

    with services.sessions() as session:
        return {
            item.kind: ref_of(item)
            for item in session.scalars(select(ReviewItem).where(ReviewItem.state == "open"))
        }


# --- access -----------------------------------------------------------------------------------

SAMPLE_PARAMS = {"province": "กระบี่", "code": "6560115", "ref": "M1", "number": "1", "page": "1",
                 "message_id": "1"}  # fmt: skip


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "1"), path)


def _table() -> list[tuple[str, str]]:
    """(method, path) of every route of the app's table, parameters filled in."""
    out = []
    for route in ROUTES:
        if isinstance(route, Route) and route.path not in PUBLIC:
            for method in sorted(route.methods or {"GET"}):
                out.append((method, _concrete(route.path)))
    return out


def test_the_route_table_is_all_guarded() -> None:
    """Every route but the public ones names its permission (a GuardedRoute)."""
    assert _table(), "no routes found"
    for route in ROUTES:
        if isinstance(route, Mount):
            assert route.path == "/static"
        elif isinstance(route, Route) and route.path not in PUBLIC:
            assert isinstance(route, GuardedRoute), route.path


@pytest.mark.parametrize(("method", "path"), _table())
def test_every_route_refuses_without_a_session(
    shared: dict[str, Any], method: str, path: str
) -> None:
    client = _client(shared)
    for cookies in ({}, {SESSION_COOKIE: "forged-token"}):
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies.set(name, value)
        response = client.request(method, path, data={"csrf": "x"} if method == "POST" else None)
        if method in ("GET", "HEAD"):
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 403, (method, path, response.status_code)
        assert "ภาพรวม" not in response.text


def test_public_routes_and_headers(shared: dict[str, Any]) -> None:
    client = _client(shared)
    assert client.get("/healthz").text == "ok"
    css = client.get("/static/style.css")
    assert css.status_code == 200
    assert "url(" not in css.text  # no fonts or images fetched by the style sheet
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="username"' in page.text
    assert 'name="password"' in page.text
    headers = page.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_no_remote_assets(shared: dict[str, Any]) -> None:
    """Every page's src/href points at this site."""
    client = login(shared, "admin1")
    for path in ("/", "/review", "/campaign", "/health", "/mail", "/audit", "/downloads"):
        html = client.get(path).text
        remote = re.findall(r'(?:src|href)="(?:https?:)?//[^"]*"', html)
        assert not remote, (path, remote)


def test_sign_in_needs_its_csrf_token_and_the_right_password(shared: dict[str, Any]) -> None:
    client = _client(shared)
    client.get("/login")
    refused = client.post("/login", data={"username": "admin1", "password": PASSWORD})
    assert refused.status_code == 403
    token = _csrf(client.get("/login").text)
    wrong = client.post("/login", data={"csrf": token, "username": "admin1", "password": "nope"})
    assert wrong.status_code == 401
    assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    with shared["services"].sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert "web.login_failed" in actions


def test_session_cookie_flags(shared: dict[str, Any]) -> None:
    client = _client(shared)
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf": token, "username": "viewer1", "password": PASSWORD}
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if SESSION_COOKIE in c)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    secure = _client(shared, base_url="https://testserver")
    token = _csrf(secure.get("/login").text)
    response = secure.post(
        "/login", data={"csrf": token, "username": "viewer1", "password": PASSWORD}
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if SESSION_COOKIE in c)
    assert "Secure" in cookie


def test_a_redirect_after_sign_in_stays_on_this_site(shared: dict[str, Any]) -> None:
    client = _client(shared)
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={"csrf": token, "username": "viewer1", "password": PASSWORD,
              "next": "//evil.example/"},
    )  # fmt: skip
    assert response.headers["location"] == "/"


def test_post_without_csrf_is_refused(site: dict[str, Any]) -> None:
    client = login(site, "admin1")
    ref = _refs(site["services"])["question"]
    for data in ({"reason": "spam"}, {"reason": "spam", "csrf": "not-the-token"}):
        response = client.post(f"/review/{ref}/close", data=data)
        assert response.status_code == 403
    with site["services"].sessions() as session:
        states = set(session.scalars(select(ReviewItem.state)))
    assert states == {"open"}


def test_roles_are_enforced_by_the_policy(shared: dict[str, Any]) -> None:
    refs = _refs(shared["services"])
    viewer = login(shared, "viewer1")
    assert viewer.get("/").status_code == 200
    token = page_csrf(viewer)
    assert viewer.post(f"/review/{refs['question']}/close",
                       data={"csrf": token, "reason": "x"}).status_code == 403  # fmt: skip
    assert viewer.get("/audit").status_code == 403
    assert viewer.post("/campaign/pause", data={"csrf": token, "paused": "1"}).status_code == 403
    reviewer = login(shared, "reviewer1")
    token = page_csrf(reviewer)
    assert reviewer.get("/audit").status_code == 403
    assert reviewer.post("/mail/retry", data={"csrf": token, "all": "1"}).status_code == 403
    admin = login(shared, "admin1")
    assert admin.get("/audit").status_code == 200


def test_sign_out_ends_the_session(shared: dict[str, Any]) -> None:
    client = login(shared, "viewer1")
    token = page_csrf(client)
    kept = client.cookies.get(SESSION_COOKIE)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    client.cookies.set(SESSION_COOKIE, kept or "")
    assert client.get("/").status_code == 303


# --- content ----------------------------------------------------------------------------------


def test_mail_content_is_escaped(shared: dict[str, Any]) -> None:
    client = login(shared, "reviewer1")
    ref = _refs(shared["services"])["question"]
    for path in (f"/review/{ref}", "/review", "/search?q=asker"):
        html = client.get(path).text
        assert "<b>ด่วน</b>" not in html
        assert '<img src="https://tracker' not in html
        assert "<script>alert" not in html
    assert "&lt;b&gt;ด่วน&lt;/b&gt;" in client.get("/review").text


def test_the_overview_shows_the_databases_numbers(shared: dict[str, Any]) -> None:
    client = login(shared, "viewer1")
    html = client.get("/").text
    with shared["services"].sessions() as session:
        _rows, total = progress(session)
        laos = session.scalar(
            select(func.count(Lao.code)).where(Lao.lao_type != LaoType.PROVINCIAL_OFFICE)
        )
    assert total.laos == laos
    for element, value in (
        ("total-laos", total.laos),
        ("total-reported", total.reported),
        ("total-in-review", total.in_review),
        ("total-missing", total.missing),
    ):
        shown = re.search(rf'id="{element}">([^<]+)<', html)
        assert shown is not None
        assert int(shown.group(1).replace(",", "")) == value
    assert total.reported >= 1
    assert html.count("<rect") >= 77  # the tile map
    own = shared["own"]
    province = client.get(f"/province/{own.province}").text
    assert own.name in province
    assert client.get(f"/lao/{own.lao_code}").status_code == 200


def test_the_overview_table_sorts(shared: dict[str, Any]) -> None:
    client = login(shared, "viewer1")
    html = client.get("/?sort=laos&dir=desc").text
    counts = [int(n.replace(",", "")) for n in
              re.findall(r'<tr data-province="[^"]+">\s*<td>.*?</td>\s*<td class="n">([\d,]+)',
                         html, re.S)]  # fmt: skip
    assert counts
    assert counts == sorted(counts, reverse=True)


def _shown(html: str, element: str) -> int:
    found = re.search(rf'id="{element}">([^<]+)<', html)
    assert found is not None, element
    return int(found.group(1).replace(",", ""))


# --- decisions --------------------------------------------------------------------------------


def test_review_from_the_page_is_audited_and_mails_as_the_cli_does(site: dict[str, Any]) -> None:
    services = site["services"]
    refs = _refs(services)
    stranger = site["stranger"]
    item_kind = next(kind for kind in refs if kind != "question")
    ref = refs[item_kind]
    client = login(site, "reviewer1")
    reported_before = _shown(client.get("/").text, "total-reported")
    page = client.get(f"/review/{ref}")
    assert page.status_code == 200
    assert 'class="marked"' in page.text  # the cells values came from, in the sheet
    token = _csrf(page.text)
    corrected = client.post(
        f"/review/{ref}/correct",
        data={"csrf": token, "field": "population", "value": "12,345", "note": "จากหนังสือนำส่ง"},
    )
    assert corrected.status_code == 303
    accepted = client.post(f"/review/{ref}/accept", data={"csrf": token, "lao": stranger.lao_code})
    assert accepted.status_code == 303, accepted.text
    assert _shown(client.get("/").text, "total-reported") == reported_before + 1
    question = refs["question"]
    closed = client.post(f"/review/{question}/close", data={"csrf": token, "reason": "ทดสอบ"})
    assert closed.status_code == 303
    with services.sessions() as session:
        entries = session.execute(
            select(AuditEntry.actor, AuditEntry.action).where(AuditEntry.action.like("review.%"))
        ).all()
        assert set(entries) == {
            ("reviewer1", "review.correct"),
            ("reviewer1", "review.accept"),
            ("reviewer1", "review.close"),
        }
        [fix] = session.scalars(select(Correction)).all()
        assert (fix.field, fix.value, fix.by) == ("population", 12345, "reviewer1")
        sub = session.get(Submission, fix.submission_id)
        assert sub is not None
        assert sub.status == SubmissionStatus.ACCEPTED
        assert sub.fields["population"] == fix.read_value  # the reading stays
        kinds = list(session.scalars(select(OutboxMail.kind)))
        assert "review-accepted" in kinds
        assert not any("question" in k or k == "review-rejected" for k in kinds)
        records = [export_record(row) for row in export_rows(session, everything=False)]
    [record] = [r for r in records if r["lao_code"] == stranger.lao_code]
    assert record["fields"]["population"] == 12345
    admin = login(site, "admin1")
    log = admin.get("/audit").text
    assert "review.correct" in log
    assert "reviewer1" in log


def test_a_bad_decision_says_why(shared: dict[str, Any]) -> None:
    client = login(shared, "reviewer1")
    ref = next(r for k, r in _refs(shared["services"]).items() if k != "question")
    token = page_csrf(client, f"/review/{ref}")
    response = client.post(f"/review/{ref}/correct",
                           data={"csrf": token, "field": "population", "value": "ไม่ทราบ"})  # fmt: skip
    assert response.status_code == 400
    assert "ไม่ใช่ตัวเลข" in response.text


def test_pause_switch_stops_the_reminder_plan(site: dict[str, Any]) -> None:
    from outbound.reminders import plan

    services = site["services"]
    client = login(site, "admin1")
    token = page_csrf(client, "/campaign")
    assert client.post("/campaign/pause", data={"csrf": token, "paused": "1"}).status_code == 303
    with services.sessions() as session:
        planned = plan(session, services.config.campaign, NOW)
        assert planned.stopped is not None
        actions = list(session.scalars(select(AuditEntry.action)))
    assert "setting.change" in actions
    assert "หยุดชั่วคราว" in client.get("/campaign").text


def test_downloads_are_attachments_with_our_names(shared: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    client = login(shared, "viewer1")
    report = client.get("/downloads/report.xlsx")
    assert report.status_code == 200
    assert report.headers["content-disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(report.content), read_only=True)
    assert len(book.sheetnames) >= 3
    original = client.get("/downloads/message/1/1")
    assert original.status_code == 200
    disposition = original.headers["content-disposition"]
    assert disposition == 'attachment; filename="M1-1.xlsx"'
    assert original.headers["content-type"] == "application/octet-stream"


# --- the overview's SQL against the Python rule -------------------------------------------------


def test_progress_agrees_with_the_current_submission_rule(
    tmp_path: Path, db_url: str, registry: list[RegistryRow]
) -> None:
    """An unreadable resend does not displace a readable report; superseded ones never count;
    totals match a recount from :func:`current_submission_ids`."""
    services = embedded_services(tmp_path, db_url, registry, NOW)
    try:
        _populate(services, registry)
        own = next(r for r in registry if r.emails and r.lao_type == "sao")
        deliver(
            services,
            lao_mail(own.emails[0], when=NOW.replace(hour=5), attachment=b"PK\x03\x04broken",
                     filename="แบบรายงาน.xlsx", tag="broken"),
        )  # fmt: skip
        with services.sessions() as session:
            rows, total = progress(session)
            current = current_submission_ids(session)
            statuses = dict(
                session.execute(
                    select(Submission.id, Submission.status).where(
                        Submission.id.in_(list(current.values()) or [0])
                    )
                ).all()
            )
            problems = dict(session.execute(select(Submission.id, Submission.problems)).all())
            laos = dict(
                session.execute(
                    select(Lao.code, Lao.province).where(Lao.lao_type != LaoType.PROVINCIAL_OFFICE)
                ).all()
            )
        assert any(is_unreadable(p) for p in problems.values())
        expected = {"reported": 0, "in_review": 0}
        for code in laos:
            status = statuses.get(current.get(code, -1))
            if status == SubmissionStatus.ACCEPTED:
                expected["reported"] += 1
            elif status in REPORTED:
                expected["in_review"] += 1
        assert (total.reported, total.in_review) == (expected["reported"], expected["in_review"])
        assert total.laos == len(laos)
        assert sum(r.laos for r in rows) == total.laos
        by_province = {r.province: r for r in rows}
        assert by_province[own.province].reported >= 1
        json.dumps([r.province for r in rows], ensure_ascii=False)
    finally:
        services.close()
