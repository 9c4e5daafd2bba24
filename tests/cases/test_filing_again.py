"""A filing sent again under its id (the phone's outbox retrying) answers the case it filed and
never files a second; an id already holding another inspection's case is refused by name."""

import uuid
from dataclasses import dataclass

from sqlmodel import Session, func, select

from server.cases.models import CaseStep, EnforcementCase
from server.core.clock import local_today
from server.inspections.models import InspectionOfficer
from tests.support.records import add_inspection, make_catalogue


@dataclass(frozen=True)
class Other:
    inspection_id: uuid.UUID


def another_inspection(engine, world) -> Other:
    """A second inspection of the same merchant by the same team."""
    inspection_id = add_inspection(
        engine, make_catalogue(engine), world.merchant_id, local_today(), {"licence": False}
    )
    with Session(engine) as session:
        for name in ("insp-a", "insp-b"):
            session.add(InspectionOfficer(inspection_id=inspection_id, user_id=world.users[name]))
        session.commit()
    return Other(inspection_id)


def _filing(world, case_id: str, items=("T-licence",)) -> dict:
    return {
        "id": case_id,
        "inspection_id": str(world.inspection_id),
        "items": list(items),
        "summary": "未公示许可证",
    }


def test_the_same_filing_twice_files_one_case(user, world, sync_engine):
    case_id = str(uuid.uuid4())
    first = user("insp-a").post("/api/v1/cases", json=_filing(world, case_id))
    assert first.status_code == 201, first.text
    assert first.json()["id"] == case_id and first.json()["action_code"].startswith("AJ")
    again = user("insp-a").post("/api/v1/cases", json=_filing(world, case_id))
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    # The colleague's phone sending the same filing gets the same answer too.
    colleague = user("insp-b").post("/api/v1/cases", json=_filing(world, case_id))
    assert colleague.status_code == 200 and colleague.json()["id"] == case_id
    with Session(sync_engine) as session:
        assert session.exec(select(func.count()).select_from(EnforcementCase)).one() == 1
        assert session.exec(select(func.count()).select_from(CaseStep)).one() == 1
    # A new filing of the same items under a new id is the refusal it always was.
    twice = user("insp-a").post("/api/v1/cases", json=_filing(world, str(uuid.uuid4())))
    assert twice.status_code == 409 and first.json()["action_code"] in twice.json()["detail"]


def test_an_id_holding_another_inspections_case_is_refused(user, world, sync_engine):
    case_id = str(uuid.uuid4())
    assert user("insp-a").post("/api/v1/cases", json=_filing(world, case_id)).status_code == 201
    other = another_inspection(sync_engine, world)
    refused = user("insp-a").post("/api/v1/cases", json=_filing(other, case_id))
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "id" and case_id in refused.json()["detail"]
    # Someone who may not read the case learns nothing of it, and files nothing.
    outsider = user("insp-qb").post("/api/v1/cases", json=_filing(world, case_id))
    assert outsider.status_code in (404, 409) and "未公示许可证" not in outsider.text


def test_an_id_that_is_not_a_uuid_is_named(user, world):
    refused = user("insp-a").post("/api/v1/cases", json=_filing(world, "case-1"))
    assert refused.status_code == 400 and "id" in refused.json()["detail"]
