"""柔性执法 in numbers: the 不予处罚 and 减轻处罚 decisions per street (the merchant's) over a
span of days, for the legal office's reports."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case as when
from sqlalchemy import func
from sqlmodel import Session, col, select

from server.cases.models import CaseDecision, EnforcementCase
from server.cases.service import CaseRefused
from server.core.i18n import t
from server.merchants.models import Merchant
from server.org.models import Street

__all__ = ["MAX_SPAN_DAYS", "StreetCount", "leniency_counts"]

MAX_SPAN_DAYS = 3660


@dataclass(frozen=True)
class StreetCount:
    street: str
    name: str
    no_penalty: int
    mitigated: int

    @property
    def total(self) -> int:
        return self.no_penalty + self.mitigated


def leniency_counts(session: Session, start: date, end: date) -> list[StreetCount]:
    """Every street, with its merchants' no-penalty and mitigated decisions made from `start`
    to `end` (both included)."""
    if end < start:
        raise CaseRefused(t("leniency.stats.bad_span", start=start, end=end), field="from")
    if (end - start).days > MAX_SPAN_DAYS:
        raise CaseRefused(t("leniency.stats.too_long", days=MAX_SPAN_DAYS), field="to")
    counted = dict(
        (street_id, (no_penalty, mitigated))
        for street_id, no_penalty, mitigated in session.exec(
            select(
                Merchant.street_id,
                func.sum(when((CaseDecision.kind == "no_penalty", 1), else_=0)),
                func.sum(when((CaseDecision.kind == "mitigated", 1), else_=0)),
            )
            .join(EnforcementCase, col(EnforcementCase.id) == CaseDecision.case_id)
            .join(Merchant, col(Merchant.id) == EnforcementCase.merchant_id)
            .where(col(CaseDecision.kind).in_(("no_penalty", "mitigated")))
            .where(CaseDecision.decided_on >= start, CaseDecision.decided_on <= end)
            .group_by(Merchant.street_id)
        )
    )
    streets = session.exec(select(Street).order_by(col(Street.code)))
    return [
        StreetCount(s.code, s.name, *(int(n or 0) for n in counted.get(s.id, (0, 0))))
        for s in streets
    ]
