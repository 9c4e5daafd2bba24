"""The console's case pages: the list with its filters and deadlines, a case's page, and its
forms calling the same functions as the API."""

import re
from datetime import timedelta

from tests.cases.conftest import file_case
from tests.support.app import console_login


def _console(client, username: str) -> str:
    client.cookies.clear()
    assert console_login(client, username).status_code in (302, 303)
    page = client.get("/console/cases")
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def test_the_list_shows_the_units_cases_with_deadlines_and_marks_the_overdue(
    user, world, client, clock
):
    created = file_case(user, world)
    token = _console(client, "sup-hb")
    page = client.get("/console/cases?view=mine").text
    assert created["action_code"] in page and "left late" not in page
    assert client.get("/console/cases?view=inbox").text.count('data-testid="case-row"') == 0
    clock.advance(timedelta(days=10))
    _console(client, "sup-hb")  # the session of ten days ago has ended
    late = client.get("/console/cases?view=mine&overdue=true").text
    assert created["action_code"] in late and "left late" in late
    assert token
    assert client.get("/console/cases?status=closed").text.count('data-testid="case-row"') == 0


def test_the_case_page_takes_steps_and_shows_refusals_beside_the_form(user, world, client):
    created = file_case(user, world)
    token = _console(client, "sup-hb")
    base = f"/console/cases/{created['id']}"
    page = client.get(base)
    assert page.status_code == 200 and "开始调查" in page.text
    done = client.post(
        f"{base}/step",
        data={"step": "investigate", "note": "调取监控", "documents": "现场照片\n询问笔录"},
        headers={"X-CSRF-Token": token},
    )
    assert done.status_code == 200 and done.headers["HX-Redirect"] == base
    assert "调取监控" in client.get(base).text and "现场照片；询问笔录" in client.get(base).text
    refused = client.post(
        f"{base}/submit",
        data={"kind": "penalty", "measures": "revoke_licence", "note": ""},
        headers={"X-CSRF-Token": token},
    )
    assert (
        refused.status_code == 200
        and "级别管辖" in refused.text
        and "HX-Redirect" not in refused.headers
    )
    bad = client.post(
        f"{base}/transfer",
        data={"to_unit": "nowhere", "reason": "x"},
        headers={"X-CSRF-Token": token},
    )
    assert "nowhere" in bad.text
    sent = client.post(
        f"{base}/submit",
        data={"kind": "penalty", "measures": ["warning", "fine"], "amount": "800"},
        headers={"X-CSRF-Token": token},
    )
    assert sent.headers.get("HX-Redirect") == base, sent.text
    legal_token = _console(client, "legal1")
    inbox = client.get("/console/cases?view=inbox").text
    assert created["action_code"] in inbox
    approved = client.post(
        f"{base}/review", data={"verdict": "approve"}, headers={"X-CSRF-Token": legal_token}
    )
    assert approved.headers.get("HX-Redirect") == base, approved.text


def test_people_the_pages_are_not_for_are_sent_away(user, world, client):
    created = file_case(user, world)
    _console(client, "sup-qb")
    assert client.get(f"/console/cases/{created['id']}").status_code == 404
    client.cookies.clear()
    console_login(client, "watch")
    assert client.get("/console/cases", follow_redirects=False).status_code in (302, 303)


def test_the_inbox_accepts_a_transfer_and_the_case_page_prints_the_visits_papers(
    user, world, client
):
    created = file_case(user, world)
    sent = user("sup-hb").post(
        f"/api/v1/cases/{created['id']}/transfer",
        json={"to_unit": "scjg", "reason": "涉及吊销许可证件，属区级管辖"},
    )
    assert sent.status_code == 200, sent.text
    token = _console(client, "dist-sup")
    inbox = client.get("/console/cases?view=inbox").text
    assert created["action_code"] in inbox and 'data-testid="accept"' in inbox
    assert 'data-testid="accept"' not in client.get("/console/cases?view=all").text
    accepted = client.post(
        f"/console/cases/{created['id']}/accept", headers={"X-CSRF-Token": token}
    )
    assert accepted.headers["HX-Redirect"] == f"/console/cases/{created['id']}"
    page = client.get(f"/console/cases/{created['id']}").text
    assert "市场监管" in page and "调查" in page
    assert f'/api/v1/inspections/{world.inspection_id}/record"' in page
    assert f'/api/v1/inspections/{world.inspection_id}/notice"' in page
    assert client.get("/console/cases?view=inbox").text.count('data-testid="case-row"') == 0
