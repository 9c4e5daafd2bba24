"""The audit trail cannot be rewritten, not even by the app's own database user."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from server.audit.models import AuditEvent
from server.audit.service import record


def _one_event(engine) -> AuditEvent:
    with Session(engine) as session:
        record(
            session,
            action="merchant.update",
            entity="merchant",
            entity_id="x1",
            actor="tester",
            ip="10.0.0.1",
            detail={"field": "name"},
        )
        session.commit()
        return session.exec(select(AuditEvent)).one()


def test_events_keep_who_what_which_when_where(sync_engine):
    event = _one_event(sync_engine)
    assert (event.actor, event.action, event.entity, event.entity_id, event.ip) == (
        "tester",
        "merchant.update",
        "merchant",
        "x1",
        "10.0.0.1",
    )
    assert event.at is not None and event.detail == {"field": "name"}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'someone else'",
        "DELETE FROM audit_event",
    ],
)
def test_updates_and_deletes_are_refused_by_the_database(sync_engine, statement):
    _one_event(sync_engine)
    with pytest.raises(DBAPIError, match="append-only"), sync_engine.begin() as conn:
        conn.execute(text(statement))
    with Session(sync_engine) as session:
        assert session.exec(select(AuditEvent)).one().actor == "tester"
