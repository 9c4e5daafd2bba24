"""The demo's people: an administrator, supervisors and certified inspectors in every team.

They are planned here as the rows of the organisation workbook's 人员 sheet, which the demo
imports as a district imports its own; `settle_accounts` then gives them what no workbook
carries: the seed's account ids, the demo password, and a couple of accounts switched off.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from server.demo.names_data import mobile_number, person_name
from server.org.district import STREETS, TEAMS
from server.org.models import Team, User

__all__ = ["DemoLogin", "Officer", "Staff", "demo_logins", "plan_staff", "settle_accounts"]

CERT_YEARS = 5  # an enforcement certificate (执法证) is issued for five years
CORE_PER_TEAM = 2  # officers per street team whose certificates cover the whole history window
INSPECTOR = "执法人员"  # the 角色 words of the workbook
STREET_SUPERVISOR = "街道管理员"
DISTRICT_SUPERVISOR = "区级管理员"
ADMIN = "系统管理员"


@dataclass(frozen=True)
class DemoLogin:
    """A demo account to show on the console."""

    username: str
    role: str
    name: str
    where: str


@dataclass
class Officer:
    """A row of the 人员 sheet, with the account id and whether the account is in use, which
    the workbook does not carry."""

    id: uuid.UUID
    username: str
    name: str
    role: str  # a 角色 word
    team: str = ""  # a team's code
    department: str = ""  # a department's code, for an officer in no team
    cert_no: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    phone: str = ""
    active: bool = True

    def cells(self) -> dict[str, object]:
        """The row by the sheet's column names (server.org.sheets.OFFICERS)."""
        return {
            "username": self.username,
            "name": self.name,
            "role": self.role,
            "team": self.team,
            "department": self.department,
            "cert_no": self.cert_no,
            "cert_from": self.valid_from.isoformat() if self.valid_from else "",
            "cert_expires": self.valid_until.isoformat() if self.valid_until else "",
            "phone": self.phone,
        }


@dataclass
class Staff:
    """The demo's officers, with each street team's inspectors (usernames) for drawing visits."""

    officers: list[Officer] = field(default_factory=list)
    street_inspectors: dict[str, list[str]] = field(default_factory=dict)


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


class _Roster:
    """Adds officers, drawing each one's id, name and certificate in the order the demo always
    has, so that a seed still gives the same people."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng, self.certs, self.staff = rng, _CertificateBook(rng, today), Staff()
        self.names: set[str] = set()

    def add(
        self,
        username: str,
        role: str,
        *,
        team: str = "",
        department: str = "",
        name: str = "",
        cert: bool = True,
        issued_days_ago: int | None = None,
    ) -> Officer:
        rng = self.rng
        officer_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        name = name or self._unique_name()
        officer = Officer(officer_id, username, name, role, team, department)
        if cert:
            days = issued_days_ago if issued_days_ago is not None else rng.randint(60, 1700)
            officer.cert_no, officer.valid_from, officer.valid_until = self.certs.issue(
                issued_days_ago=days
            )
        self.staff.officers.append(officer)
        return officer

    def _unique_name(self) -> str:
        while (name := person_name(self.rng)) in self.names:
            pass
        self.names.add(name)
        return name


def plan_staff(seed: int, today: date) -> Staff:
    """The demo's officers for the seed and day; every one but the administrator certified."""
    rng = random.Random(f"onevisit-demo:{seed}:staff")
    roster = _Roster(rng, today)
    add = roster.add
    add("admin", ADMIN, name="系统管理员", cert=False)
    add("supervisor", DISTRICT_SUPERVISOR, department="zhzf", issued_days_ago=900)
    street_teams = {t.street: t.code for t in TEAMS if t.street}
    number = 0
    for ref in STREETS:  # in the reference order, so inspector1 is always in 湖滨
        team = street_teams[ref.code]
        add(f"sup_{ref.code}", STREET_SUPERVISOR, issued_days_ago=rng.randint(800, 1400), team=team)
        members = []
        for n in range(rng.randint(4, 6)):
            number += 1
            # The first officers of a team hold certificates spanning the two-year history, so
            # every past visit can be staffed by two certified officers.
            days = rng.randint(800, 1400) if n < CORE_PER_TEAM else None
            members.append(add(f"inspector{number}", INSPECTOR, issued_days_ago=days, team=team))
        roster.staff.street_inspectors[ref.code] = [m.username for m in members]
    for team in sorted((t for t in TEAMS if not t.street), key=lambda t: t.department):
        for _ in range(rng.randint(2, 4)):
            number += 1
            add(f"inspector{number}", INSPECTOR, team=team.code)
    _age_some_certificates(rng, today, roster.staff)
    phones = random.Random(f"onevisit-demo:{seed}:phones")
    for officer in roster.staff.officers[1:]:  # the administrator's account is nobody's phone
        officer.phone = mobile_number(phones)
    return roster.staff


def _age_some_certificates(rng: random.Random, today: date, staff: Staff) -> None:
    """Make a few certificates expired or expiring soon and a couple of accounts inactive."""
    core = {
        name for members in staff.street_inspectors.values() for name in members[:CORE_PER_TEAM]
    }
    others = [o for o in staff.officers if o.role == INSPECTOR and o.username not in core]
    picked = rng.sample(others, 9)
    for n, officer in enumerate(picked[:7]):
        shift = -rng.randint(10, 200) if n < 3 else rng.randint(5, 45)
        until = today + timedelta(days=shift)
        valid_from = _years_later(until + timedelta(days=1), -CERT_YEARS)
        serial = officer.cert_no[-4:]
        officer.cert_no = f"330102{valid_from.year % 100:02d}{serial}"
        officer.valid_from, officer.valid_until = valid_from, until
    for officer in picked[7:]:
        officer.active = False


def settle_accounts(
    session: Session, staff: Staff, *, password_hash: str, imported: set[str]
) -> dict[str, list[User]]:
    """Give the imported officers what a workbook does not carry, and return each street team's
    inspectors as accounts.

    Every account signs in with the demo password and a couple are switched off. An account the
    import has just added (a username in `imported`) takes the seed's id, so that the recorded
    draws of a day's teams, which rank officers by id, come out the same for the same seed.
    """
    usernames = [o.username for o in staff.officers]
    users = {
        u.username: u for u in session.exec(select(User).where(col(User.username).in_(usernames)))
    }
    for officer in staff.officers:
        user = users[officer.username]
        if officer.username in imported:
            user.id = officer.id
        user.password_hash = password_hash
        user.active = officer.active
        session.add(user)
    session.flush()
    return {
        street: [users[username] for username in members]
        for street, members in staff.street_inspectors.items()
    }


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
