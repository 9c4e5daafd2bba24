"""A street's team that found a failed key item, a district department's officer, three legal
reviewers and an outsider; the inspection they file from."""

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.core.clock import local_today
from server.inspections.models import Inspection, InspectionOfficer
from server.org.models import Team, User
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user
from tests.support.records import add_inspection, make_catalogue

# Cases run in June 2026: every deadline they count falls in a year the calendar holds.
JUNE = "2026-06-02T10:00+08:00"  # a Tuesday


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/cases/" in item.nodeid and item.get_closest_marker("clock") is None:
            item.add_marker(pytest.mark.clock(JUNE))


@dataclass(frozen=True)
class World:
    merchant_id: uuid.UUID
    inspection_id: uuid.UUID
    inspection_code: str
    users: dict[str, uuid.UUID]


def _place(engine: Engine, username: str, team_code: str | None) -> uuid.UUID:
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        if team_code:
            team = session.exec(select(Team).where(Team.code == team_code)).one()
            user.team_id, user.street_id, user.department_id = (
                team.id,
                team.street_id,
                team.department_id,
            )
        session.add(user)
        session.commit()
        return user.id


def make_world(engine: Engine) -> World:
    catalogue = make_catalogue(engine)
    merchant = make_merchants(engine, 1, name_prefix="老王面馆")[0]
    users = {}
    for name, role, street, team in (
        ("insp-a", "inspector", "hubin", "hubin-zh"),
        ("insp-b", "inspector", "hubin", "hubin-zh"),
        ("sup-hb", "supervisor", "hubin", None),
        ("sup-qb", "supervisor", "qingbo", None),
        ("insp-qb", "inspector", "qingbo", "qingbo-zh"),
        ("dist-sc", "inspector", None, "scjg-zy"),
        ("dist-sup", "supervisor", None, None),
        ("legal1", "legal", None, None),
        ("legal2", "legal", None, None),
        ("legal3", "legal", None, None),
        ("watch", "oversight", None, None),
    ):
        make_user(engine, name, role=role, street=street)
        users[name] = _place(engine, name, team)
    inspection_id = add_inspection(
        engine, catalogue, merchant.id, local_today(), {"licence": False, "hygiene": False}
    )
    with Session(engine) as session:
        for name in ("insp-a", "insp-b"):
            session.add(InspectionOfficer(inspection_id=inspection_id, user_id=users[name]))
        code = session.get(Inspection, inspection_id).action_code
        session.commit()
    return World(merchant.id, inspection_id, code, users)


@pytest.fixture
def world(sync_engine: Engine) -> World:
    return make_world(sync_engine)


class As:
    """The client signed in as one user at a time, sending the CSRF token with writes."""

    def __init__(self, client) -> None:
        self.client, self.token = client, ""

    def __call__(self, username: str) -> "As":
        self.client.cookies.clear()
        self.token = login_as(self.client, username)
        return self

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, json=None, **kw):
        return self.client.post(path, json=json, headers={"X-CSRF-Token": self.token}, **kw)


@pytest.fixture
def user(client) -> As:
    return As(client)


def file_case(user: As, world: World, items=("T-licence",), who: str = "insp-a") -> dict:
    response = user(who).post(
        "/api/v1/cases",
        json={
            "inspection_id": str(world.inspection_id),
            "items": list(items),
            "summary": "未公示许可证",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def adopt_lists(
    engine: Engine,
    items: tuple[str, ...] = ("T-licence",),
    *,
    first_violation: bool = True,
    correction: str = "none",
    start: str = "2026-01-01",
    end: str | None = None,
    kinds: tuple[str, ...] = ("no_penalty", "mitigated"),
) -> dict[str, uuid.UUID]:
    """A version of each list kind with one entry covering `items`: kind → the entry's id."""
    from datetime import date

    from server.catalog.models import CheckItem
    from server.leniency.models import LeniencyEntry, LeniencyEntryItem, LeniencyList

    entries = {}
    with Session(engine) as session:
        ids = [session.exec(select(CheckItem.id).where(CheckItem.code == c)).one() for c in items]
        for kind in kinds:
            listed = LeniencyList(
                code=f"{kind[:2].upper()}-{start[:4]}-{len(items)}",
                kind=kind,
                name=f"{'不予处罚' if kind == 'no_penalty' else '减轻处罚'}清单",
                document="关于印发轻微违法行为清单的通知",
                document_no="湖综执〔2026〕3号",
                effective_from=date.fromisoformat(start),
                effective_to=date.fromisoformat(end) if end else None,
            )
            session.add(listed)
            session.flush()
            entry = LeniencyEntry(
                list_id=listed.id,
                no="1",
                conduct="未公示许可证",
                first_violation=first_violation,
                correction=correction,
            )
            session.add(entry)
            session.flush()
            session.add_all(LeniencyEntryItem(entry_id=entry.id, check_item_id=i) for i in ids)
            entries[kind] = entry.id
        session.commit()
    return entries
