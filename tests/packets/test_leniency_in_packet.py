"""The day packet says, per merchant and item, what the flexible-enforcement lists allow, so the
phone shows it before the officer decides; a list adopted after the packet was kept is in the
next download."""

from datetime import timedelta

from tests.cases.conftest import adopt_lists
from tests.support.app import login_as
from tests.support.records import add_inspection, make_catalogue


def _visit(client, day):
    return client.get("/api/v1/me/day", params={"date": day.isoformat()}).json()["route"]["visits"][
        0
    ]


def test_the_packet_shows_first_violation_before_the_officer_decides(
    client, today_route, sync_engine
):
    login_as(client, "insp-a")
    assert _visit(client, today_route.day)["leniency"] == {}  # no list adopted yet
    adopt_lists(sync_engine, ("T-signage",), kinds=("no_penalty",), correction="on_site")
    lenient = _visit(client, today_route.day)["leniency"]
    assert set(lenient) == {"T-signage"}
    signage = lenient["T-signage"]
    assert signage["eligible"] is True and signage["first_violation"] is True
    assert signage["kind"] == "no_penalty" and signage["correction"] == "on_site"
    assert signage["document_no"] == "湖综执〔2026〕3号"
    assert "首次违法" in signage["hint"] and "当场改正" in signage["hint"]


def test_an_earlier_violation_within_the_look_back_shows_as_not_first(
    client, today_route, sync_engine
):
    adopt_lists(sync_engine, ("T-signage",), kinds=("no_penalty",))
    catalogue = make_catalogue(sync_engine)
    earlier = today_route.day - timedelta(days=400)
    add_inspection(sync_engine, catalogue, today_route.merchant_id, earlier, {"signage": True})
    login_as(client, "insp-a")
    signage = _visit(client, today_route.day)["leniency"]["T-signage"]
    assert signage["eligible"] is False and signage["last_violation"] == earlier.isoformat()
    assert "不属首次违法" in signage["hint"]
