"""A day no calendar can count on from, or a console form field that is not what it names, is
refused with the reason (422), never a 500."""

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from server.planning.models import DrawSeed
from tests.support.app import login_as
from tests.support.factories import make_user


@pytest.fixture
def csrf(client: TestClient, sync_engine: Engine) -> dict[str, str]:
    make_user(sync_engine, "sup", role="supervisor", street=None)
    return {"X-CSRF-Token": login_as(client, "sup")}


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_day_out_of_the_calendars_range_is_refused(
    client: TestClient, sync_engine: Engine, csrf: dict[str, str], day: str
):
    for method, url, body in (
        ("POST", f"/api/v1/plans/{day}", {"street": "hubin"}),
        ("POST", f"/api/v1/draws/{day}/seed", None),
        ("GET", f"/api/v1/plans/{day}", None),
        ("POST", "/console/plan/build", None),
    ):
        extra = {"data": {"date": day, "street": "hubin"}} if url.startswith("/console") else {}
        response = client.request(method, url, json=body, headers=csrf, **extra)
        assert response.status_code == 422, (url, response.text)
        assert f"日期“{day}”无效" in response.json()["detail"]
    with Session(sync_engine) as session:  # no seed published for such a day
        assert session.exec(select(func.count()).select_from(DrawSeed)).one() == 0


@pytest.mark.parametrize(
    ("act", "form", "field"),
    [
        ("reorder", {"team": "abc", "order": ""}, "team"),
        ("reorder", {"team": "1", "order": "not-a-visit"}, "order"),
        ("lock", {"team": "", "locked": "1"}, "team"),
        ("move", {"team": "1", "visit": "not-a-visit"}, "visit"),
    ],
)
def test_a_console_form_field_that_is_not_what_it_names_is_refused_with_the_reason(
    client: TestClient, csrf: dict[str, str], act: str, form: dict[str, str], field: str
):
    sent = {"date": "2030-06-03", "street": "hubin", "version": "1", **form}
    response = client.post(f"/console/plan/{act}", data=sent, headers=csrf)
    assert response.status_code == 422, response.text
    assert f"“{field}”的取值" in response.text
