"""A follow-up owes the items its visit was left without, not its department's other items.

Market supervision (市场监管) has matters every street may check and matters only its own officers
may. With none of them at work, a visit goes ahead without the latter, and they are owed. The
next day that follow-up must bring back only those items: were it to bring the department's
empowered items too, a street team could take the visit, check them again, and leave what was
owed unchecked, and the merchant would be visited for it every working day.
"""

import uuid

from sqlalchemy import update
from sqlmodel import Session, col, select

from server.merchants.models import Merchant
from server.planning.draws import publish_seed
from tests.planning.conftest import District
from tests.planning.test_partial_visits import (
    NEXT_DAY,
    build,
    not_empowered_items,
    publish_all,
    set_department_officers,
)

COLOUR = {"due:red", "due:yellow", "due:green"}


def test_a_follow_up_brings_back_only_the_items_it_left(district: District):
    set_department_officers(district, "scjg", active=False)
    doc = build(district)
    owed = {f["merchant_id"] for f in doc["follow_ups"] if f["department"] == "scjg"}
    assert owed
    publish_all(district, doc, district.day)
    visited = {v["merchant_id"] for r in doc["routes"] for v in r["visits"]}
    with Session(district.engine) as session:
        # The day's visits were made: nothing but the follow-ups brings them back tomorrow.
        session.exec(
            update(Merchant)
            .where(col(Merchant.id).in_([uuid.UUID(m) for m in visited]))
            .values(next_due=district.day + 180 * NEXT_DAY)
        )
        publish_seed(session, district.day + NEXT_DAY, seed="5eed" * 16)
        street_of = {str(m.id): m.street_id for m in session.exec(select(Merchant))}
        session.commit()

    tomorrow = build(district, district.day + NEXT_DAY)
    left_out = not_empowered_items(district, "scjg")
    routed = [v for r in tomorrow["routes"] for v in r["visits"]]
    # A colour's reason tomorrow can only be a follow-up's (the dates moved on); an open order,
    # a complaint or a draw would bring the department's whole list, as they should.
    followed = [
        v
        for v in [*routed, *tomorrow["unassigned"]]
        if v["merchant_id"] in owed and "scjg" in v["departments"] and set(v["reasons"]) <= COLOUR
    ]
    assert followed
    for visit in followed:
        scjg = {i for i in visit["items"] if i.startswith("SCJG")}
        assert scjg <= left_out[street_of[visit["merchant_id"]]], visit["name"]
        # Still no market supervision officer: what only they may check waits for them.
        assert visit not in routed
