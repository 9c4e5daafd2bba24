"""Load the demo district: its organisation and catalogue through the importers a district uses,
then merchants and their past inspections."""

import math
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, insert
from sqlmodel import Session, SQLModel, select

from server.audit.service import record
from server.auth.passwords import hash_password
from server.core.clock import local_today
from server.core.import_report import ImportReport
from server.core.settings import Settings
from server.demo.catalog import demo_scenarios
from server.demo.history import Batch
from server.demo.shops import ShopGenerator
from server.demo.staff import DemoLogin, Staff, demo_logins, plan_staff, settle_accounts
from server.demo.workbooks import Bbox, import_district
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from server.org.models import Street, User
from server.policy.rules import COLOURS, DEFAULT_POLICY, Policy

__all__ = [
    "DEFAULT_MERCHANTS",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DemoLogin",
    "DemoSummary",
    "load_demo",
]

DEMO_PASSWORD = "demo"
DEFAULT_MERCHANTS = 3000
DEFAULT_SEED = 20261127
BATCH_SIZE = 500

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    """What the demo database holds, and whether this call loaded it."""

    loaded: bool  # False when the demo was already there and nothing changed
    merchants: int
    inspections: int
    users: int
    colours: dict[str, int]
    logins: tuple[DemoLogin, ...]
    password: str = DEMO_PASSWORD
    imports: tuple[ImportReport, ...] = ()  # the organisation's and the catalogue's, when loaded


def load_demo(
    engine: Engine,
    *,
    merchants: int = DEFAULT_MERCHANTS,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    bbox: Bbox = Settings().district_bbox,
    policy: Policy = DEFAULT_POLICY,
    on_progress: ProgressCallback | None = None,
    workbooks: Path | None = None,
) -> DemoSummary:
    """Load the demo district in one transaction; a second call changes nothing.

    The same seed and day give the same merchants, people and history. The organisation and
    the catalogue are written as workbooks (into `workbooks`, kept, or a temporary folder) and
    imported as a district imports its own.
    """
    today = today or local_today()
    report = on_progress or (lambda _done, _total: None)
    batches = math.ceil(merchants / BATCH_SIZE)
    total = batches + 2
    with Session(engine) as session:
        if _already_loaded(session):
            report(total, total)
            return _summary(session, loaded=False)
        staff = plan_staff(seed, today)
        reports, inspectors = _district(session, staff, bbox=bbox, workbooks=workbooks)
        report(1, total)
        shops = ShopGenerator(
            seed=seed,
            today=today,
            bbox=bbox,
            policy=policy,
            streets={s.code: s for s in session.exec(select(Street))},
            scenarios=demo_scenarios(session),
            inspectors=inspectors,
            taken_usccs=set(session.exec(select(Merchant.uscc))),
        )
        inspections = 0
        for n in range(batches):
            batch = shops.batch(min(BATCH_SIZE, merchants - n * BATCH_SIZE))
            _insert(session, batch)
            inspections += len(batch.inspections)
            report(2 + n, total)
        record(
            session,
            action="demo.load",
            entity="demo",
            detail={
                "seed": seed,
                "today": today.isoformat(),
                "merchants": merchants,
                "inspections": inspections,
                "users": len(staff.officers),
                "colours": dict(shops.colours),
            },
        )
        session.commit()
        report(total, total)
        return _summary(session, loaded=True, imports=reports)


def _district(
    session: Session, staff: Staff, *, bbox: Bbox, workbooks: Path | None
) -> tuple[tuple[ImportReport, ...], dict[str, list[User]]]:
    """The organisation and catalogue through the importers, then the accounts settled; the
    import reports and each street team's inspectors."""
    new = {o.username for o in staff.officers} - set(session.exec(select(User.username)))
    with _folder(workbooks) as folder:
        reports = import_district(session, staff, folder, bbox=bbox)
    inspectors = settle_accounts(
        session,
        staff,
        password_hash=hash_password(DEMO_PASSWORD),  # hashed once: Argon2 is slow on purpose
        imported=new,
    )
    return reports, inspectors


@contextmanager
def _folder(kept: Path | None) -> Iterator[Path]:
    """`kept`, made if missing, or a temporary folder removed afterwards."""
    if kept is not None:
        kept.mkdir(parents=True, exist_ok=True)
        yield kept
        return
    with tempfile.TemporaryDirectory(prefix="onevisit-demo-") as temporary:
        yield Path(temporary)


def _already_loaded(session: Session) -> bool:
    return session.exec(select(User.id).where(User.username == "admin")).first() is not None


def _insert(session: Session, batch: Batch) -> None:
    """Bulk-insert a batch through the session's connection (one executemany per table)."""
    connection = session.connection()
    tables = SQLModel.metadata.tables
    for table, rows in (
        ("merchant", batch.merchants),
        ("merchant_scenario", batch.merchant_scenarios),
        ("inspection", batch.inspections),
        ("inspection_officer", batch.inspection_officers),
        ("finding", batch.findings),
        ("rectification_order", batch.orders),
        ("enforcement_case", batch.cases),
        ("colour_event", batch.colour_events),
        ("colour_state", batch.colour_states),
    ):
        if rows:
            connection.execute(insert(tables[table]), rows)


def _summary(
    session: Session, *, loaded: bool, imports: tuple[ImportReport, ...] = ()
) -> DemoSummary:
    by_colour = select(Merchant.colour, func.count()).group_by(Merchant.colour)
    colours = dict(session.exec(by_colour).all())
    return DemoSummary(
        loaded=loaded,
        merchants=session.exec(select(func.count()).select_from(Merchant)).one(),
        inspections=session.exec(select(func.count()).select_from(Inspection)).one(),
        users=session.exec(select(func.count()).select_from(User)).one(),
        colours={colour: colours.get(colour, 0) for colour in COLOURS},
        logins=demo_logins(session),
        imports=imports,
    )
