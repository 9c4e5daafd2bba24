"""Who may not go where: officers' leave and recorded conflicts of interest (回避), recorded
(audited) for the officers and merchants within the supervisor's reach (server.auth.access).
Planning reads both (server.planning.gather)."""

from sqlmodel import Session, select

from server.audit.service import Actor, record
from server.auth.access import may_manage_officer, may_record_recusal
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.principal import Principal
from server.merchants.models import Merchant
from server.org.models import User
from server.planning.models import OfficerLeave, Recusal
from server.planning.queries import OutOfReach, leave_read
from server.planning.schemas import LeaveBody, LeaveRead, RecusalBody, RecusalRead
from server.planning.service import PlanRefused

__all__ = ["record_leave", "record_recusal"]


def record_leave(
    session: Session, principal: Principal, body: LeaveBody, actor: Actor
) -> tuple[LeaveRead, bool]:
    """Record an officer's leave; the same leave again is answered (False), not doubled, and
    the same days with another reason are refused (409)."""
    if body.ends_on < body.starts_on:
        raise PlanRefused("plan.leave_span")
    # Locked (on PostgreSQL) so that the same leave sent twice at once is stored once.
    user = session.exec(select(User).where(User.id == body.user_id).with_for_update()).first()
    if user is None or not may_manage_officer(principal, user):
        raise OutOfReach()
    same = session.exec(
        select(OfficerLeave).where(
            OfficerLeave.user_id == user.id,
            OfficerLeave.starts_on == body.starts_on,
            OfficerLeave.ends_on == body.ends_on,
        )
    ).first()
    if same is not None:
        if same.reason != body.reason:
            detail = t(
                "plan.leave_recorded",
                name=user.name,
                start=same.starts_on.isoformat(),
                end=same.ends_on.isoformat(),
                reason=same.reason or "—",
            )
            raise DomainError(detail, 409)
        return leave_read(same, user), False
    row = OfficerLeave(
        user_id=user.id, starts_on=body.starts_on, ends_on=body.ends_on, reason=body.reason
    )
    session.add(row)
    record(
        session,
        action="leave.add",
        entity="officer_leave",
        entity_id=row.id,
        actor=actor.name,
        actor_id=actor.id,
        detail={
            "user": user.username,
            "from": body.starts_on.isoformat(),
            "to": body.ends_on.isoformat(),
        },
    )
    session.flush()
    return leave_read(row, user), True


def record_recusal(
    session: Session, principal: Principal, body: RecusalBody, actor: Actor
) -> RecusalRead:
    """Record that the officer never inspects the merchant; a second record of the same pair
    is a 409 (unique)."""
    user = session.get(User, body.user_id)
    merchant = session.get(Merchant, body.merchant_id)
    if (
        user is None
        or merchant is None
        or not may_record_recusal(principal, user, merchant.street_id)
    ):
        raise OutOfReach()
    row = Recusal(user_id=body.user_id, merchant_id=body.merchant_id, reason=body.reason)
    session.add(row)
    record(
        session,
        action="recusal.add",
        entity="recusal",
        entity_id=row.id,
        actor=actor.name,
        actor_id=actor.id,
        detail={"user_id": str(body.user_id), "merchant_id": str(body.merchant_id)},
    )
    session.flush()
    return RecusalRead(row.id, row.user_id, row.merchant_id, row.reason)
