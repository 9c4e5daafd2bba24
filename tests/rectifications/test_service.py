"""Rectification orders from issue to close, told directly: what an order says and its code,
which orders a re-check closes (one naming its item; one covering a whole earlier visit), which
the nightly run marks overdue, when the re-check is due, and what the public and the owner are
shown of them."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.core.clock import utcnow
from server.core.db import make_async_engine, session_factory
from server.core.sql import RawReader
from server.policy.rules import DEFAULT_POLICY, recheck_window
from server.rectifications.models import RectificationOrder, RectificationPhoto
from server.rectifications.queries import merchant_orders, public_open_orders
from server.rectifications.service import (
    FailedItem,
    add_photo,
    issue_order,
    mark_overdue,
    order_taking_photos,
    verify_orders,
)
from tests.support.factories import make_merchants, make_user
from tests.support.records import Catalogue, add_inspection, add_order, make_catalogue

DAY = date(2026, 11, 2)


@pytest.fixture
def catalogue(sync_engine: Engine) -> Catalogue:
    return make_catalogue(sync_engine)


@pytest.fixture
def officer(sync_engine: Engine) -> uuid.UUID:
    return make_user(sync_engine, "insp-a").id


def order(engine: Engine, order_id: uuid.UUID) -> RectificationOrder:
    with Session(engine) as session:
        found = session.get(RectificationOrder, order_id)
        assert found is not None
        return found


def issue(
    engine: Engine,
    catalogue: Catalogue,
    merchant_id: uuid.UUID,
    inspection_id: uuid.UUID,
    name: str,
    by: uuid.UUID,
    *,
    note: str = "",
    day: date = DAY,
) -> uuid.UUID:
    with Session(engine) as session:
        item = FailedItem(catalogue.items[name], f"测试检查项 {name}", catalogue.is_key(name), note)
        issued = issue_order(
            session,
            merchant_id=merchant_id,
            inspection_id=inspection_id,
            item=item,
            day=day,
            deadline=day + timedelta(days=7),
            issued_by=by,
        )
        session.commit()
        return issued.id


def verify(
    engine: Engine,
    merchant_id: uuid.UUID,
    day: date,
    fine: set[uuid.UUID],
    by: uuid.UUID,
    inspection_id: uuid.UUID,
) -> set[uuid.UUID]:
    with Session(engine) as session:
        verified = verify_orders(
            session,
            merchant_id=merchant_id,
            day=day,
            fine=fine,
            by=by,
            inspection_id=inspection_id,
        )
        session.commit()
        return {o.id for o in verified}


def test_an_order_names_its_item_and_the_note_and_gets_its_own_action_code(
    sync_engine: Engine, catalogue: Catalogue, officer: uuid.UUID
):
    (merchant,) = make_merchants(sync_engine, 1)
    visit = add_inspection(sync_engine, catalogue, merchant.id, DAY, {"licence": False})
    noted = order(
        sync_engine,
        issue(sync_engine, catalogue, merchant.id, visit, "licence", officer, note=" 证照过期 "),
    )
    plain = order(sync_engine, issue(sync_engine, catalogue, merchant.id, visit, "waste", officer))
    assert noted.requirement == "测试检查项 licence：证照过期"
    assert plain.requirement == "测试检查项 waste"
    assert (noted.key_item, plain.key_item) == (True, False)
    assert (noted.status, noted.issued_on, noted.deadline) == ("open", DAY, date(2026, 11, 9))
    assert noted.inspection_id == visit and noted.issued_by == officer
    assert re.fullmatch(r"ZG20261102[0-9A-F]{10}", noted.action_code or "")
    assert noted.action_code != plain.action_code


def test_a_recheck_closes_the_orders_whose_items_it_found_fine_and_no_others(
    sync_engine: Engine, catalogue: Catalogue, officer: uuid.UUID
):
    merchant, neighbour = make_merchants(sync_engine, 2)
    first = add_inspection(
        sync_engine, catalogue, merchant.id, DAY, {"licence": False, "hygiene": False}
    )
    licence = issue(sync_engine, catalogue, merchant.id, first, "licence", officer)
    hygiene = issue(sync_engine, catalogue, merchant.id, first, "hygiene", officer)
    later = issue(
        sync_engine, catalogue, merchant.id, first, "licence", officer, day=DAY + timedelta(30)
    )
    theirs = add_inspection(sync_engine, catalogue, neighbour.id, DAY, {"licence": False})
    other = issue(sync_engine, catalogue, neighbour.id, theirs, "licence", officer)
    with Session(sync_engine) as session:  # the deadline passed: verified all the same
        session.get(RectificationOrder, licence).status = "overdue"
        session.commit()

    recheck_day = DAY + timedelta(days=14)
    recheck = add_inspection(sync_engine, catalogue, merchant.id, recheck_day, {"hygiene": False})
    fine = {catalogue.items[n] for n in ("licence", "exits", "waste")}
    assert verify(sync_engine, merchant.id, recheck_day, fine, officer, recheck) == {licence}

    closed = order(sync_engine, licence)
    assert (closed.status, closed.verified_on) == ("verified", recheck_day)
    assert (closed.verified_by, closed.verify_inspection_id) == (officer, recheck)
    for still_open in (hygiene, later, other):  # failed again, issued later, someone else's
        assert order(sync_engine, still_open).status == "open", still_open
    assert verify(sync_engine, merchant.id, recheck_day, set(), officer, recheck) == set()


def test_an_order_for_a_whole_visit_closes_once_every_item_that_visit_left_failed_is_fine(
    sync_engine: Engine, catalogue: Catalogue, officer: uuid.UUID
):
    (merchant,) = make_merchants(sync_engine, 1)
    failed = {"licence": False, "hygiene": False, "signage": True}  # signage put right on site
    visit = add_inspection(sync_engine, catalogue, merchant.id, DAY, failed)
    whole = add_order(sync_engine, merchant.id, DAY, DAY + timedelta(7), inspection_id=visit)
    all_fixed = add_inspection(sync_engine, catalogue, merchant.id, DAY, {"signage": True})
    nothing_left = add_order(
        sync_engine, merchant.id, DAY, DAY + timedelta(7), inspection_id=all_fixed
    )
    no_visit = add_order(sync_engine, merchant.id, DAY, DAY + timedelta(7))
    day = DAY + timedelta(days=10)
    recheck = add_inspection(sync_engine, catalogue, merchant.id, day, {"hygiene": False})
    licence, hygiene = catalogue.items["licence"], catalogue.items["hygiene"]

    assert verify(sync_engine, merchant.id, day, {licence}, officer, recheck) == set()
    # Another department's re-check puts the last item right days later: the licence was seen
    # fine on the first, so the order closes now, not only when one visit sees both.
    later = day + timedelta(days=2)
    second = add_inspection(sync_engine, catalogue, merchant.id, later)
    assert verify(sync_engine, merchant.id, later, {hygiene}, officer, second) == {whole}
    assert order(sync_engine, nothing_left).status == "open"  # it names no failure to check
    assert order(sync_engine, no_visit).status == "open"


def test_the_nightly_run_marks_open_orders_past_their_deadline_overdue(sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    today = date(2026, 11, 20)
    past = add_order(sync_engine, merchant.id, DAY, today - timedelta(days=1))
    due_today = add_order(sync_engine, merchant.id, DAY, today)
    verified = add_order(sync_engine, merchant.id, DAY, DAY + timedelta(3), DAY + timedelta(2))
    with sync_engine.begin() as conn:
        assert mark_overdue(conn, today) == 1
    with sync_engine.begin() as conn:
        assert mark_overdue(conn, today) == 0  # already overdue
    assert order(sync_engine, past).status == "overdue"
    assert order(sync_engine, due_today).status == "open"
    assert order(sync_engine, verified).status == "verified"


def test_the_recheck_is_due_between_the_policys_days_after_the_deadline():
    assert recheck_window(date(2026, 11, 9), DEFAULT_POLICY) == (
        date(2026, 11, 16),
        date(2026, 11, 30),
    )


async def test_the_public_sees_open_orders_of_published_visits_by_their_item_title(
    sync_engine: Engine, database_url: str, catalogue: Catalogue, officer: uuid.UUID
):
    (merchant,) = make_merchants(sync_engine, 1)
    public = add_inspection(sync_engine, catalogue, merchant.id, DAY, {"licence": False})
    hidden = add_inspection(
        sync_engine, catalogue, merchant.id, DAY, {"exits": False}, published=False
    )
    shown = issue(sync_engine, catalogue, merchant.id, public, "licence", officer, note="过期")
    issue(sync_engine, catalogue, merchant.id, hidden, "exits", officer)
    add_order(sync_engine, merchant.id, DAY, DAY + timedelta(3), DAY + timedelta(2))  # verified
    add_order(sync_engine, merchant.id, DAY, DAY + timedelta(9), requirement="清理杂物：后门")
    reader = RawReader(database_url)
    await reader.open()
    try:
        orders = await public_open_orders(reader, merchant.id, utcnow())
    finally:
        await reader.close()
    assert [(o.title, o.deadline, o.status) for o in orders] == [
        ("测试检查项 licence", order(sync_engine, shown).deadline, "open"),
        ("清理杂物", DAY + timedelta(9), "open"),  # no visit behind it: the text before the note
    ]


async def test_the_owner_sees_every_order_with_its_photos_and_sends_photos_for_open_ones(
    sync_engine: Engine, database_url: str
):
    merchant, neighbour = make_merchants(sync_engine, 2)
    old = add_order(sync_engine, merchant.id, DAY, DAY + timedelta(3), DAY + timedelta(2))
    new = add_order(sync_engine, merchant.id, DAY + timedelta(5), DAY + timedelta(12))
    theirs = add_order(sync_engine, neighbour.id, DAY, DAY + timedelta(3))
    now = datetime(2026, 11, 8, 2, tzinfo=UTC)
    engine = make_async_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            assert await order_taking_photos(session, merchant.id, old) is None  # verified
            assert await order_taking_photos(session, merchant.id, theirs) is None
            taking = await order_taking_photos(session, merchant.id, new)
            assert taking is not None
            add_photo(
                session,
                taking,
                photo_id=uuid.uuid4(),
                storage_key=f"rectifications/{new}/1.jpg",
                sha256="0" * 64,
                content_type="image/jpeg",
                size=1000,
                now=now,
            )
            await session.commit()
        async with session_factory(engine)() as session:
            orders = await merchant_orders(session, merchant.id)
    finally:
        await engine.dispose()
    assert [(o.id, o.photos, o.status) for o in orders] == [(new, 1, "open"), (old, 0, "verified")]
    assert orders[0].reported_at == now
    with Session(sync_engine) as session:
        assert [p.order_id for p in session.exec(select(RectificationPhoto))] == [new]
