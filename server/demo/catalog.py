"""The demo catalogue (一张清单) as the rows of the catalogue workbook the demo imports, and its
scenarios as the merchant generator needs them once imported."""

from collections.abc import Iterator

from sqlmodel import Session, select

from server.catalog.measures import MAJOR_MEASURES, measure_name
from server.catalog.models import CheckItem, Scenario
from server.demo.catalog_data import DOMAINS, MATTERS, PILOT_STREETS, ItemRef, MatterRef
from server.demo.history import DemoItem, DemoScenario
from server.demo.scenario_data import SCENARIOS

__all__ = ["catalogue_sheets", "demo_scenarios"]

Cells = dict[str, object]  # a row by its sheet's column names (server.catalog.sheets)

_DOMAIN_NAMES = dict(DOMAINS)
_LEVELS = {"district": "区级", "street": "街道"}


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _items(matter: MatterRef) -> Iterator[tuple[str, ItemRef]]:
    """A matter's items with their codes, `<matter code>-<nn>`."""
    for n, item in enumerate(matter.items, start=1):
        yield f"{matter.code}-{n:02d}", item


def _matters() -> Iterator[Cells]:
    for ref in MATTERS:
        yield {
            "code": ref.code,
            "name": ref.name,
            "department": ref.department,
            "level": _LEVELS[ref.level],
            "domain": _DOMAIN_NAMES[ref.domain],  # a field is created by its name
            "legal_basis": ref.legal_basis,
            # The major measures stay with the district (级别管辖), written out as a district
            # would, so the workbook shows what the column is for.
            "reserved": "；".join(measure_name(code) for code in MAJOR_MEASURES),
        }


def _check_items() -> Iterator[Cells]:
    for ref in MATTERS:
        for code, item in _items(ref):
            yield {
                "code": code,
                "matter": ref.code,
                "text": item.title,
                "key": _yes(item.is_key),
                "no_penalty": _yes(item.no_penalty),
                "guidance": item.guidance,
            }


def _empowerment() -> Iterator[Cells]:
    """Every street's list (赋权街道清单), and the wider list of the pilot streets."""
    for ref in MATTERS:
        if ref.all_streets:
            yield {"matter": ref.code, "street": "全部"}
        if ref.pilot:
            yield from ({"matter": ref.code, "street": street} for street in PILOT_STREETS)


def _scenarios() -> Iterator[Cells]:
    matters = {ref.code: ref for ref in MATTERS}
    for ref in SCENARIOS:
        codes = [code for m in ref.matters for code, _ in _items(matters[m])]
        yield {
            "code": ref.code,
            "name": ref.name,
            "source": "省级认领",
            "business_types": ref.business_type,
            "items": "；".join(sorted(codes)),
        }


def catalogue_sheets() -> dict[str, list[Cells]]:
    """The workbook's rows by sheet key: matters, items, empowerment, scenarios."""
    return {
        "matters": list(_matters()),
        "items": list(_check_items()),
        "empowerment": list(_empowerment()),
        "scenarios": list(_scenarios()),
    }


def demo_scenarios(session: Session) -> list[DemoScenario]:
    """The imported scenarios, each with its items in the order of its matters, with what the
    generator knows of an item beyond the catalogue (whether it can be put right on site)."""
    item_ids = dict(session.exec(select(CheckItem.code, CheckItem.id)).all())
    scenario_ids = dict(session.exec(select(Scenario.code, Scenario.id)).all())
    bundles = {
        ref.code: [
            DemoItem(item_ids[code], item.is_key, item.fixable, item.no_penalty)
            for code, item in _items(ref)
        ]
        for ref in MATTERS
    }
    return [
        DemoScenario(ref, scenario_ids[ref.code], tuple(i for m in ref.matters for i in bundles[m]))
        for ref in SCENARIOS
    ]
