"""What planning reads from the database, as plain values the pure steps can work on."""

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from server.catalog.models import CheckItem, Matter, MatterEmpowerment, ScenarioItem
from server.merchants.models import Merchant, MerchantScenario
from server.org.models import Department, User
from server.planning.models import OfficerLeave, OpeningHours, Recusal

__all__ = [
    "Catalogue",
    "DepartmentInfo",
    "ItemInfo",
    "MerchantInfo",
    "Officer",
    "available_officers",
    "chunks",
    "load_catalogue",
    "load_merchants",
    "opening_windows",
    "recusals",
]

CHUNK = 2000  # ids per IN list: far below SQLite's and PostgreSQL's parameter limits


def chunks(ids: Sequence[uuid.UUID], size: int = CHUNK) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


@dataclass(frozen=True)
class DepartmentInfo:
    id: uuid.UUID
    code: str
    name: str


@dataclass(frozen=True)
class ItemInfo:
    id: uuid.UUID
    code: str
    department_id: uuid.UUID
    matter_id: uuid.UUID


@dataclass
class Catalogue:
    """Departments, the items each scenario carries, and which matters streets may act on."""

    departments: dict[uuid.UUID, DepartmentInfo]
    scenario_items: dict[uuid.UUID, list[ItemInfo]]
    empowered: set[tuple[uuid.UUID, uuid.UUID | None]]  # (matter, street or None: every one)
    _grouped: dict[tuple[uuid.UUID, ...], dict[uuid.UUID, list[ItemInfo]]] = field(
        default_factory=dict, repr=False
    )

    def items_by_department(
        self, scenario_ids: tuple[uuid.UUID, ...]
    ) -> dict[uuid.UUID, list[ItemInfo]]:
        """The merchant's items (each once) grouped by department, in item-code order."""
        # Thousands of merchants share a handful of scenario sets: work each set out once.
        if scenario_ids not in self._grouped:
            self._grouped[scenario_ids] = self._group(scenario_ids)
        return self._grouped[scenario_ids]

    def _group(self, scenario_ids: tuple[uuid.UUID, ...]) -> dict[uuid.UUID, list[ItemInfo]]:
        seen: dict[uuid.UUID, ItemInfo] = {}
        for scenario_id in scenario_ids:
            for item in self.scenario_items.get(scenario_id, ()):
                seen[item.id] = item
        grouped: dict[uuid.UUID, list[ItemInfo]] = defaultdict(list)
        for item in sorted(seen.values(), key=lambda i: i.code):
            grouped[item.department_id].append(item)
        return dict(grouped)

    def empowered_to(self, item: ItemInfo, street_id: uuid.UUID) -> bool:
        """Whether the street's team may check the item on the catalogue's day (赋权): its
        matter is empowered to every street or to this one. Any other item, of whichever
        department, needs an officer of the matter's own department on the visit."""
        grants = self.empowered
        return (item.matter_id, None) in grants or (item.matter_id, street_id) in grants


def load_catalogue(session: Session, day: date) -> Catalogue:
    """The catalogue as it applies on `day`: empowerment (赋权) in force that day only."""
    departments = {
        d.id: DepartmentInfo(d.id, d.code, d.name) for d in session.exec(select(Department))
    }
    rows = session.exec(
        select(
            ScenarioItem.scenario_id,
            CheckItem.id,
            CheckItem.code,
            Matter.department_id,
            Matter.id,
        )
        .join(CheckItem, col(CheckItem.id) == ScenarioItem.check_item_id)
        .join(Matter, col(Matter.id) == CheckItem.matter_id)
    )
    scenario_items: dict[uuid.UUID, list[ItemInfo]] = defaultdict(list)
    for scenario_id, item_id, code, department_id, matter_id in rows:
        scenario_items[scenario_id].append(ItemInfo(item_id, code, department_id, matter_id))
    empowered = {
        (grant.matter_id, grant.street_id)
        for grant in session.exec(select(MatterEmpowerment))
        if grant.covers(day)
    }
    return Catalogue(departments, dict(scenario_items), empowered)


@dataclass(frozen=True)
class MerchantInfo:
    id: uuid.UUID
    uscc: str
    name: str
    address: str
    lat: float
    lng: float
    street_id: uuid.UUID
    colour: str
    scenario_ids: tuple[uuid.UUID, ...]


def load_merchants(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, MerchantInfo]:
    scenarios: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    rows: list = []
    columns = (
        Merchant.id,
        Merchant.uscc,
        Merchant.name,
        Merchant.address,
        Merchant.lat,
        Merchant.lng,
        Merchant.street_id,
        Merchant.colour,
    )
    for part in chunks(sorted(set(ids))):
        rows.extend(session.exec(select(*columns).where(col(Merchant.id).in_(part))))
        for merchant_id, scenario_id in session.exec(
            select(MerchantScenario.merchant_id, MerchantScenario.scenario_id).where(
                col(MerchantScenario.merchant_id).in_(part)
            )
        ):
            scenarios[merchant_id].append(scenario_id)
    return {row[0]: MerchantInfo(*row, tuple(sorted(scenarios.get(row[0], ())))) for row in rows}


@dataclass(frozen=True)
class Officer:
    id: uuid.UUID
    username: str
    name: str
    cert_no: str
    department_id: uuid.UUID | None
    street_id: uuid.UUID | None
    team_id: uuid.UUID | None


def available_officers(
    session: Session, day: date, missing: dict[uuid.UUID | None, Counter[str]] | None = None
) -> list[Officer]:
    """Active inspectors holding a valid certificate on `day` and not on leave; `missing`, if
    given, counts per street those who are not, and why: inactive, no_certificate (none, not
    yet valid, or expired on the day), on_leave."""
    away = set(
        session.exec(
            select(OfficerLeave.user_id).where(
                OfficerLeave.starts_on <= day, OfficerLeave.ends_on >= day
            )
        )
    )
    users = session.exec(select(User).where(User.role == "inspector").order_by(User.id))
    found = []
    for u in users:
        why = _not_available(u, day, away)
        if why is None:
            found.append(
                Officer(
                    id=u.id,
                    username=u.username,
                    name=u.name,
                    cert_no=u.cert_no or "",
                    department_id=u.department_id,
                    street_id=u.street_id,
                    team_id=u.team_id,
                )
            )
        elif missing is not None:
            missing.setdefault(u.street_id, Counter())[why] += 1
    return found


def _not_available(user: User, day: date, away: set[uuid.UUID]) -> str | None:
    if not user.active:
        return "inactive"
    if not user.certified_on(day):
        return "no_certificate"
    return "on_leave" if user.id in away else None


def recusals(
    session: Session, merchant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    found: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for part in chunks(sorted(set(merchant_ids))):
        for merchant_id, user_id in session.exec(
            select(Recusal.merchant_id, Recusal.user_id).where(col(Recusal.merchant_id).in_(part))
        ):
            found[merchant_id].add(user_id)
    return dict(found)


def opening_windows(
    session: Session,
    merchant_ids: Sequence[uuid.UUID],
    weekday: int,
    default: tuple[int, int],
) -> dict[uuid.UUID, list[tuple[int, int]]]:
    """Each merchant's opening periods on `weekday`; merchants without recorded hours get
    `default`, and a merchant with hours on other days only is closed that day."""
    recorded: set[uuid.UUID] = set()
    windows: dict[uuid.UUID, list[tuple[int, int]]] = defaultdict(list)
    for part in chunks(sorted(set(merchant_ids))):
        for row in session.exec(
            select(OpeningHours).where(col(OpeningHours.merchant_id).in_(part))
        ):
            recorded.add(row.merchant_id)
            if row.weekday == weekday:
                windows[row.merchant_id].append((row.opens_minute, row.closes_minute))
    return {
        m: sorted(windows.get(m, [])) if m in recorded else [default] for m in set(merchant_ids)
    }
