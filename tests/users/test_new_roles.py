"""Legal reviewers (法制审核) and oversight officers (执法监督) sign in to the console and see its
home page (legal reviewers: with the cases awaiting their review, tests/cases) and nothing
else: no colours, no merchants, no plans, no complaints, no evidence, no audit trail, no
users."""

import pytest

from tests.support.app import console_login
from tests.support.factories import make_merchants, make_user

CONSOLE_PAGES = (
    "/console/plan",
    "/console/merchants",
    "/console/codes/",
    "/console/complaints",
    "/console/evidence/",
    "/console/evidence/dock",
    "/console/users",
)
API_REFUSED = (
    ("/api/v1/merchants", 403),
    ("/api/v1/complaints", 403),
    ("/api/v1/audit", 403),
    ("/api/v1/plans/2026-11-27?street=hubin", 403),
    ("/api/v1/leave?date=2026-11-27", 403),
)


@pytest.mark.parametrize("role", ["legal", "oversight"])
def test_the_new_roles_sign_in_and_see_nothing_yet(client, sync_engine, role):
    make_user(sync_engine, "someone", role=role, street=None)
    merchant = make_merchants(sync_engine, 1)[0]
    signed_in = console_login(client, "someone")
    assert signed_in.status_code in (302, 303) and signed_in.headers["location"] == "/console/"
    home = client.get("/console/")
    assert home.status_code == 200
    opened = "待法制审核的案件" if role == "legal" else "目前还没有向该角色开放的页面"
    assert opened in home.text
    assert "各街道三色码分布" not in home.text and 'href="/console/plan"' not in home.text
    for page in CONSOLE_PAGES:
        answer = client.get(page, follow_redirects=False)
        assert answer.headers.get("location") == "/console/login", page
    for url, status in (*API_REFUSED, (f"/api/v1/merchants/{merchant.id}", 403)):
        assert client.get(url).status_code == status, url
    assert client.get("/api/v1/auth/me").json()["role"] == role
