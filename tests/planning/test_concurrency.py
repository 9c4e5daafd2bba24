"""Two supervisors planning the same street and day at once: one wins, the other gets a
conflict and sees the winner's plan; nothing is ever half-written."""

import msgspec
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from server.audit.service import Actor
from server.planning.build import solve
from server.planning.models import JointVisit, Plan, Route
from server.planning.read import plan_document
from server.planning.service import (
    PlanConflict,
    build_plan,
    lost_race,
    planning_policy,
    prepare_build,
    store_build,
)
from tests.planning.conftest import DAY, FAST, TODAY


def test_the_second_writer_of_the_same_base_loses_and_nothing_of_it_remains(district):
    engine = district.engine
    with Session(engine) as session:
        build_plan(session, DAY, settings=FAST, street="hubin", today=TODAY)
        session.commit()
    one, two = Session(engine), Session(engine)
    try:
        requests = [
            prepare_build(
                s,
                DAY,
                street="hubin",
                base_version=1,
                settings=FAST,
                policy=planning_policy(),
                today=TODAY,
            )
            for s in (one, two)
        ]
        solutions = [solve([w.problem for w in r.prepared.streets], FAST) for r in requests]
        store_build(one, requests[0], solutions[0], FAST, Actor("sup_a"))
        one.commit()
        with pytest.raises(PlanConflict), lost_race(None, DAY):
            store_build(two, requests[1], solutions[1], FAST, Actor("sup_b"))
            two.flush()
        two.rollback()
        winner = msgspec.to_builtins(plan_document(two, DAY))
        assert [s["version"] for s in winner["streets"]] == [2]
    finally:
        one.close()
        two.close()
    with Session(engine) as session:
        plans = session.exec(select(Plan)).all()
        assert sorted(p.version for p in plans) == [1, 2]
        for plan in plans:
            routes = session.exec(
                select(func.count()).select_from(Route).where(Route.plan_id == plan.id)
            ).one()
            visits = session.exec(
                select(func.count()).select_from(JointVisit).where(JointVisit.plan_id == plan.id)
            ).one()
            assert routes and visits
