"""柔性执法: the lists' workbook, first-violation eligibility from the merchant's history, the
decision checked against the list in force, and the statistics per street."""

from datetime import date, timedelta

from openpyxl import Workbook
from sqlmodel import Session, select

from server.audit.service import Actor
from server.cases.models import CaseDecision
from server.catalog.models import CheckItem
from server.leniency.eligibility import assess
from server.leniency.exporter import export_leniency, write_leniency_template
from server.leniency.importer import import_leniency
from server.leniency.models import DecisionLeniency, LeniencyEntry, LeniencyList
from server.policy.rules import Policy
from tests.cases.conftest import adopt_lists, file_case
from tests.support.clock import at
from tests.support.records import add_inspection, make_catalogue

TODAY = at("2026-06-02T10:00").date()
ACTOR = Actor("test")
LISTS = ["清单编码", "清单类型", "清单名称", "文件名", "文号", "生效日期", "截止日期"]
ENTRIES = ["清单编码", "序号", "检查项", "违法行为", "首次违法", "改正要求", "危害后果轻微"]


def _book(path, lists, entries, english=False):
    book = Workbook()
    sheet = book.active
    sheet.title = "lists" if english else "清单"
    sheet.append(
        ["code", "kind", "name", "document", "document_no", "from", "to"] if english else LISTS
    )
    for row in lists:
        sheet.append(row)
    sheet = book.create_sheet("entries" if english else "条目")
    sheet.append(
        ["list", "no", "items", "conduct", "first_violation", "correction", "minor_harm"]
        if english
        else ENTRIES
    )
    for row in entries:
        sheet.append(row)
    book.save(path)
    return path


GOOD_LIST = [
    "BY-2026",
    "不予处罚",
    "轻微违法行为不予处罚清单",
    "关于印发清单的通知",
    "某综执〔2026〕1号",
    "2026-01-01",
    "",
]
GOOD_ENTRY = ["BY-2026", "1", "T-licence；T-signage", "未公示许可证", "是", "当场改正", "是"]


def test_the_workbook_imports_names_each_bad_line_and_changes_nothing_twice(sync_engine, tmp_path):
    make_catalogue(sync_engine)
    path = _book(
        tmp_path / "lists.xlsx",
        [
            GOOD_LIST,
            [
                "JQ-2026",
                "减轻处罚",
                "减轻处罚清单",
                "关于印发清单的通知",
                "",
                "2026-01-01",
                "2027-12-31",
            ],
            ["XX-1", "从重处罚", "错误类型", "文件", "", "2026-01-01", ""],
            ["XX-2", "减轻处罚", "倒置", "文件", "", "2026-06-01", "2026-01-01"],
            ["XX-3", "减轻处罚", "无文件", "", "", "2026-01-01", ""],
        ],
        [
            GOOD_ENTRY,
            ["JQ-2026", "1", "T-hygiene", "", "否", "", "否"],
            ["NOPE", "1", "T-licence", "", "是", "", "否"],
            ["BY-2026", "2", "T-nothing", "", "是", "", "否"],
            ["BY-2026", "3", "T-licence", "", "也许", "", "否"],
            ["BY-2026", "4", "T-licence", "", "是", "随便改", "否"],
            ["BY-2026", "1", "T-licence", "", "是", "", "否"],
        ],
    )
    with Session(sync_engine) as session:
        report = import_leniency(session, path, actor=ACTOR)
        session.commit()
    assert report.sheets["清单"].added == 2 and report.sheets["条目"].added == 2
    reasons = {(r.sheet, r.line): r.reason for r in report.rejected}
    assert "从重处罚" in reasons[("清单", 4)]
    assert "早于" in reasons[("清单", 5)]
    assert "文件名为空" in reasons[("清单", 6)]
    assert "NOPE" in reasons[("条目", 4)]
    assert "T-nothing" in reasons[("条目", 5)]
    assert "也许" in reasons[("条目", 6)] and "首次违法" in reasons[("条目", 6)]
    assert "随便改" in reasons[("条目", 7)]
    assert "第2行" in reasons[("条目", 8)]  # the same list and number again
    with Session(sync_engine) as session:
        again = import_leniency(session, path, actor=ACTOR)
        session.commit()
        entry = session.exec(select(LeniencyEntry).where(LeniencyEntry.no == "1")).all()
    assert again.sheets["清单"].unchanged == 2 and again.sheets["条目"].unchanged == 2
    assert again.sheets["清单"].added == again.sheets["条目"].updated == 0
    by = next(e for e in entry if e.correction == "on_site")
    assert by.first_violation and by.minor_harm


def test_a_changed_entry_is_updated_and_an_export_imports_back_unchanged(sync_engine, tmp_path):
    make_catalogue(sync_engine)
    first = _book(tmp_path / "a.xlsx", [GOOD_LIST], [GOOD_ENTRY], english=True)
    changed = _book(
        tmp_path / "b.xlsx",
        [[*GOOD_LIST[:6], "2026-12-31"]],
        [["BY-2026", "1", "T-licence", "未公示许可证", "是", "限期改正", "否"]],
    )
    with Session(sync_engine) as session:
        assert import_leniency(session, first, actor=ACTOR).sheets["清单"].added == 1
        report = import_leniency(session, changed, actor=ACTOR)
        session.commit()
        listed = session.exec(select(LeniencyList)).one()
    assert report.sheets["清单"].updated == 1 and report.sheets["条目"].updated == 1
    assert listed.effective_to == date(2026, 12, 31)
    out = tmp_path / "out.xlsx"
    with Session(sync_engine) as session:
        export_leniency(session, out)
        back = import_leniency(session, out, actor=ACTOR)
    assert back.sheets["清单"].unchanged == 1 and back.sheets["条目"].unchanged == 1
    assert not back.rejected
    template = tmp_path / "template.xlsx"
    write_leniency_template(template)
    assert template.stat().st_size > 0


def test_the_data_kind_is_offered_by_the_command_and_the_console(client, sync_engine):
    from server.data_kinds import KINDS
    from tests.support.app import console_login
    from tests.support.factories import make_user

    assert KINDS["leniency"].template and KINDS["leniency"].export
    make_user(sync_engine, "boss", role="admin")
    assert console_login(client, "boss").status_code in (302, 303)
    page = client.get("/console/data/")
    assert "柔性执法清单" in page.text
    template = client.get("/console/data/template/leniency")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def _standing(engine, merchant_id, policy=Policy()):
    with Session(engine) as session:
        item = session.exec(select(CheckItem).where(CheckItem.code == "T-licence")).one()
        return assess(session, [merchant_id], [item.id], TODAY, policy).get((merchant_id, item.id))


def test_first_violation_is_read_from_the_history_within_the_look_back(world, sync_engine):
    adopt_lists(sync_engine, kinds=("no_penalty",))
    catalogue = make_catalogue(sync_engine)
    # The inspection of today is the violation at hand; nothing before it: a first violation.
    standing = _standing(sync_engine, world.merchant_id)
    assert standing.eligible and standing.first_violation
    two_years_ago = TODAY - timedelta(days=730)
    add_inspection(sync_engine, catalogue, world.merchant_id, two_years_ago, {"licence": True})
    barred = _standing(sync_engine, world.merchant_id)
    assert not barred.eligible and barred.last_violation == two_years_ago
    # A district looking back one year only: the violation two years ago no longer counts.
    assert _standing(sync_engine, world.merchant_id, Policy(no_penalty_lookback_years=1)).eligible


def test_the_look_back_is_a_policy_number_with_bounds():
    import pytest

    from server.policy.rules import PolicyError

    for wrong in (0, 11, -1):
        with pytest.raises(PolicyError, match="no_penalty_lookback_years"):
            Policy(no_penalty_lookback_years=wrong)
    assert Policy(no_penalty_lookback_years=10).no_penalty_lookback_years == 10


def test_the_merchant_endpoint_answers_per_item_and_names_bad_input(user, world, sync_engine):
    adopt_lists(sync_engine, kinds=("no_penalty",))
    base = f"/api/v1/merchants/{world.merchant_id}/leniency"
    found = user("insp-a").get(f"{base}?items=T-licence,T-hygiene")
    assert found.status_code == 200, found.text
    rows = {r["code"]: r for r in found.json()["items"]}
    assert rows["T-licence"]["covered"] and rows["T-licence"]["leniency"]["eligible"]
    assert "首次违法" in rows["T-licence"]["leniency"]["hint"]
    assert rows["T-hygiene"] == {**rows["T-hygiene"], "covered": False, "leniency": None}
    catalogue = make_catalogue(sync_engine)
    add_inspection(
        sync_engine, catalogue, world.merchant_id, TODAY - timedelta(days=40), {"licence": False}
    )
    later = user.get(f"{base}?items=T-licence&date={TODAY + timedelta(days=1)}").json()
    assert later["items"][0]["leniency"]["eligible"] is False
    assert "不属首次违法" in later["items"][0]["leniency"]["hint"]
    unknown = user.get(f"{base}?items=T-nope")
    assert unknown.status_code == 422 and "T-nope" in unknown.json()["detail"]
    assert user.get(base).status_code == 422
    assert user.get(f"{base}?items=T-licence&date=someday").status_code == 400
    assert user("insp-qb").get(f"{base}?items=T-licence").status_code == 404  # another street


def _to_review(user, case_id, body):
    base = f"/api/v1/cases/{case_id}"
    user("insp-a").post(f"{base}/steps", json={"step": "investigate"})
    return user.post(f"{base}/submit", json=body)


def test_a_lenient_decision_without_a_covering_entry_is_refused_naming_the_item(user, world):
    case_id = file_case(user, world)["id"]
    refused = _to_review(user, case_id, {"kind": "no_penalty"})
    assert refused.status_code == 422
    assert refused.json()["item"] == "T-licence" and "T-licence" in refused.json()["detail"]
    mitigated = user.post(
        f"/api/v1/cases/{case_id}/submit", json={"kind": "mitigated", "measures": ["warning"]}
    )
    assert mitigated.status_code == 422 and "减轻处罚" in mitigated.json()["detail"]


def test_a_repeat_violation_is_refused_and_a_first_one_is_decided_with_its_entry(
    user, world, sync_engine
):
    entries = adopt_lists(sync_engine)
    catalogue = make_catalogue(sync_engine)
    earlier = add_inspection(
        sync_engine, catalogue, world.merchant_id, TODAY - timedelta(days=300), {"licence": False}
    )
    case_id = file_case(user, world)["id"]
    refused = _to_review(user, case_id, {"kind": "no_penalty"})
    assert refused.status_code == 422 and "首次违法" in refused.json()["detail"]
    with Session(sync_engine) as session:
        from server.inspections.models import Inspection

        code = session.get(Inspection, earlier).action_code
    assert code in refused.json()["detail"]
    with Session(sync_engine) as session:  # the earlier visit is taken back out of the history
        from sqlalchemy import delete

        from server.inspections.models import Finding

        session.exec(delete(Finding).where(Finding.inspection_id == earlier))
        session.commit()
    submitted = user.post(f"/api/v1/cases/{case_id}/submit", json={"kind": "no_penalty"})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["proposal"]["leniency"]["T-licence"]["no"] == "1"
    user("legal1").post(f"/api/v1/cases/{case_id}/reviews", json={"verdict": "approve"})
    decided = user("insp-a").post(f"/api/v1/cases/{case_id}/decision", json={"kind": "no_penalty"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["decision"]["action_code"].startswith("BY")
    with Session(sync_engine) as session:
        decision = session.exec(select(CaseDecision)).one()
        applied = session.exec(select(DecisionLeniency)).one()
    assert applied.decision_id == decision.id and applied.entry_id == entries["no_penalty"]


def test_the_decision_day_decides_which_list_is_in_force(user, world, sync_engine):
    adopt_lists(sync_engine, kinds=("no_penalty",))
    case_id = file_case(user, world)["id"]
    assert _to_review(user, case_id, {"kind": "no_penalty"}).status_code == 200
    user("legal1").post(f"/api/v1/cases/{case_id}/reviews", json={"verdict": "approve"})
    with Session(sync_engine) as session:  # the list ended yesterday, after the review
        listed = session.exec(select(LeniencyList)).one()
        listed.effective_to = TODAY - timedelta(days=1)
        session.add(listed)
        session.commit()
    refused = user("insp-a").post(f"/api/v1/cases/{case_id}/decision", json={"kind": "no_penalty"})
    assert refused.status_code == 422 and TODAY.isoformat() in refused.json()["detail"]


def test_an_entry_asking_correction_on_site_refuses_what_was_not_corrected(
    user, world, sync_engine
):
    adopt_lists(sync_engine, kinds=("no_penalty",), correction="on_site")
    case_id = file_case(user, world)["id"]
    refused = _to_review(user, case_id, {"kind": "no_penalty"})
    assert refused.status_code == 422 and "当场改正" in refused.json()["detail"]


def test_statistics_count_lenient_decisions_per_street_over_the_span(user, world, sync_engine):
    adopt_lists(sync_engine)
    case_id = file_case(user, world)["id"]
    assert _to_review(user, case_id, {"kind": "no_penalty"}).status_code == 200
    user("legal1").post(f"/api/v1/cases/{case_id}/reviews", json={"verdict": "approve"})
    assert (
        user("insp-a")
        .post(f"/api/v1/cases/{case_id}/decision", json={"kind": "no_penalty"})
        .status_code
        == 200
    )
    span = f"from={TODAY - timedelta(days=30)}&to={TODAY}"
    rows = {r["street"]: r for r in user("sup-hb").get(f"/api/v1/cases/leniency?{span}").json()}
    assert rows["hubin"]["no_penalty"] == 1 and rows["hubin"]["total"] == 1
    assert rows["qingbo"]["total"] == 0
    before = user.get(f"/api/v1/cases/leniency?from=2026-01-01&to={TODAY - timedelta(days=1)}")
    assert all(r["total"] == 0 for r in before.json())
    reversed_span = user.get(f"/api/v1/cases/leniency?from={TODAY}&to=2026-01-01")
    assert reversed_span.status_code == 422 and "晚于" in reversed_span.json()["detail"]
    assert user.get("/api/v1/cases/leniency?from=2026-01-01").status_code == 400
    page = user.get(f"/console/cases/leniency?{span}")
    assert page.status_code == 200 and 'data-street="hubin"><td class="left">' in page.text
