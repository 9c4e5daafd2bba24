"""Orders issued before orders named their check item learn it from their requirement text."""

import uuid
from datetime import timedelta

from alembic import command
from sqlalchemy import insert, select

from server.core.clock import local_today, utcnow
from server.core.db import make_sync_engine
from server.migrate import alembic_config, upgrade
from server.rectifications.models import RectificationOrder
from tests.support.factories import make_merchants
from tests.support.records import add_inspection, make_catalogue

BEFORE = "4cba98aaffab"


def test_the_upgrade_links_each_order_to_the_item_it_was_issued_for(empty_database_url):
    # The records are made with today's tables, then the schema is taken back to before the
    # revision (keeping the rows), so the factories need not know every older schema.
    upgrade(empty_database_url)
    engine = make_sync_engine(empty_database_url)
    catalogue = make_catalogue(engine)
    merchant = make_merchants(engine, 1)[0]
    day = local_today() - timedelta(days=10)
    failed = {"licence": False, "hygiene": False, "signage": True}
    inspection = add_inspection(engine, catalogue, merchant.id, day, failed)
    requirements = {
        "测试检查项 licence：营业执照未悬挂": catalogue.items["licence"],
        "测试检查项 hygiene": catalogue.items["hygiene"],
        "测试检查项 signage": None,  # put right on site: no order was issued for it
        "测试检查项 hygiene 以外": None,
        "对现场检查发现的2项问题限期整改到位": None,  # one order for the whole visit
    }
    table = RectificationOrder.__table__
    ids = {text: uuid.uuid4() for text in requirements}
    with engine.begin() as conn:
        for text, order_id in ids.items():
            conn.execute(
                insert(table).values(
                    id=order_id,
                    merchant_id=merchant.id,
                    inspection_id=inspection,
                    issued_on=day,
                    deadline=day + timedelta(days=7),
                    requirement=text,
                    key_item=False,
                    status="open",
                    created_at=utcnow(),
                )
            )
    engine.dispose()
    command.downgrade(alembic_config(empty_database_url), BEFORE)

    upgrade(empty_database_url)
    engine = make_sync_engine(empty_database_url)
    with engine.connect() as conn:
        linked = dict(conn.execute(select(table.c.id, table.c.check_item_id)).all())
    engine.dispose()
    assert {text: linked[order_id] for text, order_id in ids.items()} == requirements
