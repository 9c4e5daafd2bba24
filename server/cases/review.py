"""From investigation to decision: the holding unit proposes a decision to legal review
(提交法制审核); legal reviewers approve it, level by level (three distinct reviewers for a major
case), or return it with their reasons; the holding unit then decides (决定) what was approved,
and the decision takes its own action code.

A street's unit may neither propose nor decide a measure one of the case's matters reserves to
the district (级别管辖): it transfers the case instead (server/cases/transfer.py).
"""

import uuid

from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.auth.access import may_review_case
from server.cases.leniency import applied_entries, describe
from server.cases.models import CaseDecision, CaseItem, CaseReview, EnforcementCase
from server.cases.rules import (
    DECISION_PREFIXES,
    REVIEW_LEVELS,
    STEPS,
    is_major,
    measures_of,
    needs_amount,
)
from server.cases.schemas import DecideBody, ReviewBody, SubmitBody
from server.cases.service import (
    CaseRefused,
    add_step,
    case_to_act_on,
    enter,
    holder,
    out_of_order,
    stage_name,
)
from server.catalog.measures import MEASURES, measure_name
from server.catalog.models import CheckItem, Matter
from server.core.clock import local_today, utcnow
from server.core.codes import action_code
from server.core.i18n import t
from server.core.principal import Principal
from server.leniency.models import DecisionLeniency
from server.policy.rules import DEFAULT_POLICY, Policy

__all__ = ["approvals", "decide", "levels_needed", "review", "submit"]


def _cents(amount: float | None) -> int | None:
    if amount is None:
        return None
    cents = round(amount * 100)
    if abs(amount * 100 - cents) > 1e-6:
        raise CaseRefused(t("case.error.amount_cents", amount=amount), field="amount")
    return cents


def _proposal(body: SubmitBody) -> dict:
    """The decision a body states, checked: known measures, none for 不予处罚, some for a
    penalty, and an amount exactly when a fine or confiscation is among them."""
    unknown = [m for m in body.measures if m not in MEASURES]
    if unknown:
        known = "、".join(f"{m}（{measure_name(m)}）" for m in MEASURES)
        raise CaseRefused(
            t("case.error.unknown_measure", value="、".join(unknown), known=known),
            field="measures",
        )
    cents = _cents(body.amount)
    measures = [m for m in MEASURES if m in body.measures]
    if body.kind == "no_penalty" and (measures or cents):
        raise CaseRefused(t("case.error.no_penalty_measures"), field="measures")
    if body.kind != "no_penalty" and not measures:
        raise CaseRefused(t("case.error.measures_required"), field="measures")
    if needs_amount(measures) and not cents:
        raise CaseRefused(t("case.error.amount_required"), field="amount")
    if cents and not needs_amount(measures):
        raise CaseRefused(t("case.error.amount_without_fine"), field="amount")
    return {"kind": body.kind, "measures": measures, "amount_cents": cents}


def levels_needed(proposal: dict | None) -> int:
    """How many distinct legal reviewers must approve the proposal."""
    if not proposal:
        return REVIEW_LEVELS["ordinary"]
    major = is_major(proposal["measures"], proposal["amount_cents"])
    return REVIEW_LEVELS["major" if major else "ordinary"]


def _jurisdiction(session: Session, case: EnforcementCase, proposal: dict) -> None:
    """级别管辖: a street's unit may take no measure a matter of the case reserves to the
    district (a fine above the threshold counting as 较大数额罚没); 422 naming both."""
    unit = holder(session, case)
    if unit is None or not unit.street_level:
        return
    taken = measures_of(proposal["measures"], proposal["amount_cents"])
    matters = session.exec(
        select(Matter)
        .join(CheckItem, col(CheckItem.matter_id) == Matter.id)
        .join(CaseItem, col(CaseItem.check_item_id) == CheckItem.id)
        .where(CaseItem.case_id == case.id)
        .order_by(col(Matter.code))
    ).unique()
    for matter in matters:
        for measure in taken:
            if measure in (matter.reserved_measures or []):
                raise CaseRefused(
                    t(
                        "case.error.reserved",
                        unit=unit.name,
                        matter=matter.name,
                        code=matter.code,
                        measure=measure_name(measure),
                    ),
                    422,
                    matter=matter.code,
                    measure=measure,
                )


def submit(
    session: Session,
    principal: Principal,
    actor: Actor,
    case_id: uuid.UUID,
    body: SubmitBody,
    policy: Policy = DEFAULT_POLICY,
) -> EnforcementCase:
    """提交法制审核: the proposed decision goes to legal review, a new round of it; a 不予处罚
    or 减轻处罚 proposal names the list entry each item stands on."""
    case = case_to_act_on(session, principal, case_id)
    if case.status not in STEPS["submit"][0]:
        raise out_of_order(case, "submit")
    proposal = _proposal(body)
    _jurisdiction(session, case, proposal)
    entries = applied_entries(session, case, proposal["kind"], local_today(), policy)
    codes = {
        i.code: i.id
        for i in session.exec(select(CheckItem).where(col(CheckItem.id).in_(list(entries))))
    }
    leniency = {code: describe(entries[item_id]) for code, item_id in sorted(codes.items())}
    case.proposal = {**proposal, "levels": levels_needed(proposal), "leniency": leniency}
    case.review_round += 1
    enter(case, "review", local_today())
    session.add(case)
    add_step(
        session, case, "submit", actor, note=body.note, documents=body.documents, detail=proposal
    )
    return case


def approvals(session: Session, case: EnforcementCase) -> list[CaseReview]:
    """The approvals of the case's current round of review, by level."""
    return list(
        session.exec(
            select(CaseReview)
            .where(
                CaseReview.case_id == case.id,
                CaseReview.round == case.review_round,
                CaseReview.verdict == "approve",
            )
            .order_by(col(CaseReview.level))
        )
    )


def review(
    session: Session, principal: Principal, actor: Actor, case_id: uuid.UUID, body: ReviewBody
) -> EnforcementCase:
    """法制审核: approve at the next level (a reviewer once per round), or return the case to
    investigation with the reasons."""
    case = case_to_act_on(session, principal, case_id, by_holder=False)
    if not may_review_case(principal):
        raise CaseRefused(t("case.error.not_reviewer"), 403)
    if case.status != "review":
        raise CaseRefused(t("case.error.not_in_review", stage=stage_name(case.status)), 409)
    done = approvals(session, case)
    needed = levels_needed(case.proposal)
    level = len(done) + 1
    if body.verdict == "approve":
        if len(done) >= needed:
            raise CaseRefused(t("case.error.review_complete", levels=needed), 409)
        if principal.id in {r.reviewer_id for r in done}:
            raise CaseRefused(t("case.error.same_reviewer", level=level), 409)
    elif not body.note.strip():
        raise CaseRefused(t("case.error.return_reason"), field="note")
    session.add(
        CaseReview(
            case_id=case.id,
            round=case.review_round,
            level=level,
            reviewer_id=principal.id,
            verdict=body.verdict,
            note=body.note.strip(),
            at=utcnow(),
        )
    )
    if body.verdict == "return":
        enter(case, "investigating", local_today())
        session.add(case)
    step = "approve" if body.verdict == "approve" else "review_return"
    add_step(session, case, step, actor, note=body.note, detail={"level": level, "of": needed})
    return case


def decide(
    session: Session,
    principal: Principal,
    actor: Actor,
    case_id: uuid.UUID,
    body: DecideBody,
    policy: Policy = DEFAULT_POLICY,
) -> CaseDecision:
    """决定: the decision legal review approved, with its own action code (CF, JQ, BY); a
    不予处罚 or 减轻处罚 decision stands on the list in force today and records its entries."""
    case = case_to_act_on(session, principal, case_id)
    if case.status in ("open", "investigating"):
        raise CaseRefused(t("case.error.no_review", stage=stage_name(case.status)), 422)
    if case.status != "review":
        raise out_of_order(case, "decide")
    proposal = _proposal(body)
    _jurisdiction(session, case, proposal)
    needed, done = levels_needed(proposal), len(approvals(session, case))
    if done < needed:
        raise CaseRefused(t("case.error.review_missing", needed=needed, done=done), 422)
    stated = {k: (case.proposal or {}).get(k) for k in ("kind", "measures", "amount_cents")}
    if proposal != stated:
        raise CaseRefused(t("case.error.differs_from_review"), 422)
    today = local_today()
    entries = applied_entries(session, case, body.kind, today, policy)
    decision = CaseDecision(
        case_id=case.id,
        kind=body.kind,
        measures=measures_of(proposal["measures"], proposal["amount_cents"]),
        amount_cents=proposal["amount_cents"],
        action_code=action_code(DECISION_PREFIXES[body.kind], today),
        decided_on=today,
        decided_by=principal.id,
        holding_team_id=case.holding_team_id,
        holding_department_id=case.holding_department_id,
        note=body.note,
    )
    session.add(decision)
    session.flush()
    session.add_all(
        DecisionLeniency(decision_id=decision.id, check_item_id=item, entry_id=e.entry.entry_id)
        for item, e in entries.items()
    )
    enter(case, "decided", today)
    session.add(case)
    add_step(
        session,
        case,
        "decide",
        actor,
        note=body.note,
        documents=body.documents,
        detail={
            "decision": decision.action_code,
            **proposal,
            "leniency": [describe(e) for e in entries.values()],
        },
    )
    return decision
