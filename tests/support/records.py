"""Factories for the records that set a merchant's colour: inspections with findings, orders,
cases, verified complaints, overrides and re-rating requests."""

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from server.cases.models import EnforcementCase
from server.catalog.models import CheckItem, EnforcementDomain, Matter
from server.colour.models import ColourOverride, ReratingRequest
from server.complaints.models import Complaint
from server.inspections.models import Finding, Inspection
from server.org.models import Department
from server.org.service import ensure_district
from server.policy.rules import DEFAULT_POLICY, ItemOutcome, Policy, score_findings
from server.rectifications.models import RectificationOrder

__all__ = [
    "ITEMS",
    "Catalogue",
    "add_case",
    "add_complaint",
    "add_inspection",
    "add_order",
    "add_override",
    "add_rerating",
    "make_catalogue",
]

_seq = itertools.count(1)
# name: (is_key, on the no-penalty list)
ITEMS = {
    "licence": (True, False),
    "exits": (True, False),
    "extinguisher": (True, False),
    "hygiene": (False, False),
    "signage": (False, True),
    "price_tags": (False, True),
    "waste": (False, True),
    "records": (False, False),
}


@dataclass(frozen=True)
class Catalogue:
    items: dict[str, uuid.UUID]

    def is_key(self, name: str) -> bool:
        return ITEMS[name][0]


def make_catalogue(engine: Engine) -> Catalogue:
    """A small catalogue: key items, general items, some on the no-penalty list (idempotent)."""
    with Session(engine) as session:
        ensure_district(session)
        existing = {i.code: i.id for i in session.exec(select(CheckItem))}
        if all(f"T-{name}" in existing for name in ITEMS):
            return Catalogue({n: existing[f"T-{n}"] for n in ITEMS})
        dept = session.exec(select(Department)).first()
        domain = EnforcementDomain(code="TEST", name="测试领域")
        session.add(domain)
        session.flush()
        matter = Matter(
            code="T-001",
            name="测试事项",
            domain_id=domain.id,
            department_id=dept.id,
            legal_basis="《测试条例》第一条",
        )
        session.add(matter)
        session.flush()
        rows = {
            name: CheckItem(
                code=f"T-{name}",
                matter_id=matter.id,
                title=f"测试检查项 {name}",
                is_key=key,
                no_penalty_eligible=np,
            )
            for name, (key, np) in ITEMS.items()
        }
        session.add_all(rows.values())
        session.commit()
        return Catalogue({name: row.id for name, row in rows.items()})


def add_inspection(
    engine: Engine,
    catalogue: Catalogue,
    merchant_id: uuid.UUID,
    day: date,
    failures: dict[str, bool] | None = None,
    *,
    result: str | None = None,
    published: bool = True,
    summary: str = "",
    policy: Policy = DEFAULT_POLICY,
) -> uuid.UUID:
    """An inspection: `failures` maps failed item names to whether they were put right on site;
    every other item passes. The result defaults to rectify when something stays unfixed."""
    failures = failures or {}
    outcomes = [
        ItemOutcome(
            catalogue.is_key(name),
            "fail" if name in failures else "pass",
            failures.get(name, False),
        )
        for name in ITEMS
    ]
    assessment = score_findings(outcomes, policy)
    if result is None:
        result = "rectify" if any(not fixed for fixed in failures.values()) else "pass"
    n = next(_seq)
    finished = datetime.combine(day, time(3), UTC)
    inspection_id = uuid.uuid4()
    with Session(engine) as session:
        session.add(
            Inspection(
                id=inspection_id,
                merchant_id=merchant_id,
                visit_date=day,
                started_at=finished - timedelta(minutes=40),
                finished_at=finished,
                result=result,
                score=assessment.score,
                key_failed=assessment.key_failed,
                summary=summary or f"综合查一次：检查{len(ITEMS)}项，不符合{len(failures)}项",
                action_code=f"XZ{day:%Y%m%d}{n:05d}",
                published_at=finished + timedelta(hours=2) if published else None,
            )
        )
        session.flush()
        session.add_all(
            Finding(
                inspection_id=inspection_id,
                check_item_id=catalogue.items[name],
                outcome=outcome.outcome,
                corrected_on_site=outcome.corrected_on_site,
            )
            for name, outcome in zip(ITEMS, outcomes, strict=True)
        )
        session.commit()
    return inspection_id


def _add(engine: Engine, row: object) -> uuid.UUID:
    with Session(engine) as session:
        session.add(row)
        session.commit()
        return row.id  # type: ignore[attr-defined]


def add_order(
    engine: Engine,
    merchant_id: uuid.UUID,
    issued_on: date,
    deadline: date,
    verified_on: date | None = None,
    *,
    inspection_id: uuid.UUID | None = None,
    requirement: str = "整改消防通道堆放杂物问题",
) -> uuid.UUID:
    return _add(
        engine,
        RectificationOrder(
            merchant_id=merchant_id,
            inspection_id=inspection_id,
            issued_on=issued_on,
            deadline=deadline,
            requirement=requirement,
            status="verified" if verified_on else "open",
            verified_on=verified_on,
        ),
    )


def add_case(engine: Engine, merchant_id: uuid.UUID, opened_on: date, status: str = "open"):
    return _add(
        engine,
        EnforcementCase(
            merchant_id=merchant_id,
            case_no=f"AJ{opened_on:%Y%m%d}{next(_seq):05d}",
            opened_on=opened_on,
            status=status,
        ),
    )


def add_complaint(
    engine: Engine, merchant_id: uuid.UUID, verified_on: date | None, status: str = "verified"
) -> uuid.UUID:
    return _add(
        engine,
        Complaint(
            tracking_no=f"TS-TEST-{next(_seq):06d}",
            merchant_id=merchant_id,
            text="测试投诉",
            status=status,
            verified_on=verified_on,
        ),
    )


def add_override(
    engine: Engine,
    merchant_id: uuid.UUID,
    colour: str,
    starts_on: date,
    ends_on: date,
    reason: str = "测试调整",
) -> uuid.UUID:
    return _add(
        engine,
        ColourOverride(
            merchant_id=merchant_id,
            colour=colour,
            reason=reason,
            starts_on=starts_on,
            ends_on=ends_on,
        ),
    )


def add_rerating(engine: Engine, merchant_id: uuid.UUID, requested_on: date) -> uuid.UUID:
    return _add(engine, ReratingRequest(merchant_id=merchant_id, requested_on=requested_on))
