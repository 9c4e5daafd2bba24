"""The demo's people: an administrator, supervisors and certified inspectors in every team."""

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from server.demo.names_data import person_name
from server.org.district import STREETS
from server.org.models import Department, Street, Team, User

__all__ = ["DemoLogin", "Staff", "create_staff", "demo_logins"]

CERT_YEARS = 5  # an enforcement certificate (执法证) is issued for five years
CORE_PER_TEAM = 2  # officers per street team whose certificates cover the whole history window


@dataclass(frozen=True)
class DemoLogin:
    """A demo account to show on the console."""

    username: str
    role: str
    name: str
    where: str


@dataclass
class Staff:
    """The demo users, with each street team's inspectors for drawing visit teams."""

    users: list[User] = field(default_factory=list)
    street_inspectors: dict[str, list[User]] = field(default_factory=dict)


class _CertificateBook:
    """Hands out unique certificate numbers in the 330102 + year + serial style."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.serial = rng.randint(100, 600)

    def issue(self, *, issued_days_ago: int) -> tuple[str, date, date]:
        self.serial += self.rng.randint(1, 7)
        valid_from = self.today - timedelta(days=issued_days_ago)
        valid_until = _years_later(valid_from, CERT_YEARS) - timedelta(days=1)
        return f"330102{valid_from.year % 100:02d}{self.serial:04d}", valid_from, valid_until


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def create_staff(
    session: Session,
    streets: dict[str, Street],
    *,
    rng: random.Random,
    today: date,
    password_hash: str,
) -> Staff:
    """Add the demo users to the session; every one signs in with the same password."""
    departments = {d.code: d for d in session.exec(select(Department))}
    teams = list(session.exec(select(Team).order_by(Team.name)))
    street_team = {t.street_id: t for t in teams if t.street_id is not None}
    specialised = {t.department_id: t for t in teams if t.street_id is None}
    certs = _CertificateBook(rng, today)
    names: set[str] = set()
    staff = Staff()

    def unique_name() -> str:
        while (name := person_name(rng)) in names:
            pass
        names.add(name)
        return name

    def add(
        username: str,
        role: str,
        *,
        name: str | None = None,
        cert: bool = True,
        issued_days_ago: int | None = None,
        **where: object,
    ) -> User:
        user = User(
            id=_uuid(rng),
            username=username,
            name=name or unique_name(),
            role=role,
            password_hash=password_hash,
            **where,
        )
        if cert:
            days = issued_days_ago if issued_days_ago is not None else rng.randint(60, 1700)
            user.cert_no, user.cert_valid_from, user.cert_valid_until = certs.issue(
                issued_days_ago=days
            )
        staff.users.append(user)
        return user

    comprehensive = departments["zhzf"]
    add("admin", "admin", name="系统管理员", cert=False)
    add("supervisor", "supervisor", department_id=comprehensive.id, issued_days_ago=900)
    number = 0
    for ref in STREETS:  # in the reference order, so inspector1 is always in 湖滨
        code, street = ref.code, streets[ref.code]
        team = street_team[street.id]
        where = {"department_id": comprehensive.id, "street_id": street.id, "team_id": team.id}
        add(f"sup_{code}", "supervisor", issued_days_ago=rng.randint(800, 1400), **where)
        members = []
        for n in range(rng.randint(4, 6)):
            number += 1
            # The first officers of a team hold certificates spanning the two-year history, so
            # every past visit can be staffed by two certified officers.
            days = rng.randint(800, 1400) if n < CORE_PER_TEAM else None
            members.append(add(f"inspector{number}", "inspector", issued_days_ago=days, **where))
        staff.street_inspectors[code] = members
    for dept in sorted(departments.values(), key=lambda d: d.code):
        team = specialised.get(dept.id)
        if team is None:
            continue
        for _ in range(rng.randint(2, 4)):
            number += 1
            add(f"inspector{number}", "inspector", department_id=dept.id, team_id=team.id)
    _age_some_certificates(rng, today, staff)
    session.add_all(staff.users)
    session.flush()
    return staff


def _age_some_certificates(rng: random.Random, today: date, staff: Staff) -> None:
    """Make a few certificates expired or expiring soon and a couple of accounts inactive."""
    core = {
        u.username for members in staff.street_inspectors.values() for u in members[:CORE_PER_TEAM]
    }
    others = [u for u in staff.users if u.role == "inspector" and u.username not in core]
    picked = rng.sample(others, 9)
    for n, user in enumerate(picked[:7]):
        shift = -rng.randint(10, 200) if n < 3 else rng.randint(5, 45)
        until = today + timedelta(days=shift)
        valid_from = _years_later(until + timedelta(days=1), -CERT_YEARS)
        serial = (user.cert_no or "")[-4:]
        user.cert_no = f"330102{valid_from.year % 100:02d}{serial}"
        user.cert_valid_from, user.cert_valid_until = valid_from, until
    for user in picked[7:]:
        user.active = False


def demo_logins(session: Session) -> tuple[DemoLogin, ...]:
    """The accounts worth showing: the administrator, supervisors and the first inspectors."""
    wanted = ("admin", "supervisor", "sup_hubin", "inspector1", "inspector2")
    users = {u.username: u for u in session.exec(select(User).where(User.username.in_(wanted)))}
    teams = {t.id: t.name for t in session.exec(select(Team))}
    logins = []
    for username in wanted:
        user = users.get(username)
        if user is None:
            continue
        where = teams.get(user.team_id) if user.team_id else None
        logins.append(DemoLogin(username, user.role, user.name, where or "上城区"))
    return tuple(logins)
