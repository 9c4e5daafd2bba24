"""The cases API (/api/v1/cases): file a case from an inspection, read it, take its steps,
review it, decide it, transfer it and answer a transfer. Each route calls one function of the
cases domain, the same the console's forms call; refusals are CaseRefused (a 4xx with the
reason)."""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from server.audit.service import Actor, actor_of
from server.cases.filing import file_case
from server.cases.leniency_stats import leniency_counts
from server.cases.models import CASE_STATUSES
from server.cases.queries import CaseFilter, list_cases, read_case
from server.cases.review import decide, review, submit
from server.cases.schemas import (
    Answer,
    CaseCreated,
    CaseListRow,
    CaseRead,
    DecideBody,
    FileCaseBody,
    ReviewBody,
    StepBody,
    StreetCountRead,
    SubmitBody,
    TransferBody,
)
from server.cases.service import CaseRefused, holder, take_step
from server.cases.transfer import accept_transfer, return_transfer, transfer_case
from server.core.db import DbSession
from server.core.i18n import t
from server.core.principal import Principal, requires_role

__all__ = ["CaseController"]

CASE_ROLES = ("supervisor", "inspector", "legal")
Act = Callable[[Session, Principal, Actor], object]


async def _act(request: Request, db_session: DbSession, case_id: uuid.UUID, act: Act) -> CaseRead:
    """Do `act` as the signed-in user, then answer the case as it now stands."""
    principal: Principal = request.user
    actor = actor_of(request)

    def run(session: Session) -> CaseRead | None:
        act(session, principal, actor)
        return read_case(session, principal, case_id)

    found = await db_session.run_sync(run)
    if found is None:
        raise NotFoundException(detail=t("case.error.not_found"))
    return found


def _status(value: str | None) -> str | None:
    if value and value not in CASE_STATUSES:
        raise CaseRefused(
            t("case.error.bad_status", value=value, known="、".join(CASE_STATUSES)),
            422,
            field="status",
        )
    return value or None


class CaseController(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]
    guards = [requires_role(*CASE_ROLES)]

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="File a case (立案) from an inspection (idempotent by a client-made id)",
    )
    async def create(
        self, request: Request, db_session: DbSession, data: JSONBody[FileCaseBody]
    ) -> Response[CaseCreated]:
        principal: Principal = request.user
        actor = actor_of(request)

        def run(session: Session) -> Response[CaseCreated]:
            filed = file_case(session, principal, actor, data)
            case, unit = filed.case, holder(session, filed.case)
            name = unit.name if unit else ""
            created = CaseCreated(case.id, case.case_no, case.status, case.due_on, name)
            return Response(created, status_code=HTTP_201_CREATED if filed.created else HTTP_200_OK)

        try:
            return await db_session.run_sync(run)
        except IntegrityError:
            # The same filing arrived twice at once: the loser answers what the winner filed.
            await db_session.rollback()
            return await db_session.run_sync(run)

    @get("/", summary="Cases the user may read: inbox, their unit's, by status, overdue")
    async def index(
        self,
        request: Request,
        db_session: DbSession,
        inbox: Annotated[bool, QueryParameter()] = False,
        mine: Annotated[bool, QueryParameter()] = False,
        status: Annotated[str | None, QueryParameter(max_length=16)] = None,
        overdue: Annotated[bool, QueryParameter()] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 200,
    ) -> list[CaseListRow]:
        wanted = CaseFilter(inbox, mine, _status(status), overdue, limit)
        principal: Principal = request.user
        return await db_session.run_sync(lambda s: list_cases(s, principal, wanted))

    @get("/leniency", summary="No-penalty and mitigated decisions per street over a span")
    async def leniency(
        self,
        db_session: DbSession,
        start: Annotated[date, QueryParameter(name="from")],
        end: Annotated[date, QueryParameter(name="to")],
    ) -> list[StreetCountRead]:
        rows = await db_session.run_sync(lambda s: leniency_counts(s, start, end))
        return [StreetCountRead(r.street, r.name, r.no_penalty, r.mitigated, r.total) for r in rows]

    @get("/{case_id:uuid}", summary="A case: items, history, reviews, decision, transfers")
    async def show(
        self, request: Request, db_session: DbSession, case_id: FromPath[uuid.UUID]
    ) -> CaseRead:
        principal: Principal = request.user
        found = await db_session.run_sync(lambda s: read_case(s, principal, case_id))
        if found is None:
            raise NotFoundException(detail=t("case.error.not_found"))
        return found

    @post("/{case_id:uuid}/steps", status_code=HTTP_200_OK, summary="Investigate, serve, close")
    async def step(
        self,
        request: Request,
        db_session: DbSession,
        case_id: FromPath[uuid.UUID],
        data: JSONBody[StepBody],
    ) -> CaseRead:
        return await _act(
            request, db_session, case_id, lambda s, p, a: take_step(s, p, a, case_id, data)
        )

    @post(
        "/{case_id:uuid}/submit",
        status_code=HTTP_200_OK,
        summary="Propose a decision to legal review",
    )
    async def submit(
        self,
        request: Request,
        db_session: DbSession,
        case_id: FromPath[uuid.UUID],
        data: JSONBody[SubmitBody],
    ) -> CaseRead:
        return await _act(
            request,
            db_session,
            case_id,
            lambda s, p, a: submit(s, p, a, case_id, data, request.app.state.policy),
        )

    @post(
        "/{case_id:uuid}/reviews",
        status_code=HTTP_200_OK,
        summary="Legal review: approve or return",
    )
    async def review(
        self,
        request: Request,
        db_session: DbSession,
        case_id: FromPath[uuid.UUID],
        data: JSONBody[ReviewBody],
    ) -> CaseRead:
        return await _act(
            request, db_session, case_id, lambda s, p, a: review(s, p, a, case_id, data)
        )

    @post(
        "/{case_id:uuid}/decision", status_code=HTTP_200_OK, summary="Decide what review approved"
    )
    async def decision(
        self,
        request: Request,
        db_session: DbSession,
        case_id: FromPath[uuid.UUID],
        data: JSONBody[DecideBody],
    ) -> CaseRead:
        return await _act(
            request,
            db_session,
            case_id,
            lambda s, p, a: decide(s, p, a, case_id, data, request.app.state.policy),
        )

    @post("/{case_id:uuid}/transfer", status_code=HTTP_200_OK, summary="Transfer (移送) to a unit")
    async def transfer(
        self,
        request: Request,
        db_session: DbSession,
        case_id: FromPath[uuid.UUID],
        data: JSONBody[TransferBody],
    ) -> CaseRead:
        return await _act(
            request, db_session, case_id, lambda s, p, a: transfer_case(s, p, a, case_id, data)
        )

    @post("/{case_id:uuid}/accept", status_code=HTTP_200_OK, summary="Accept the transfer awaiting")
    async def accept(
        self,
        request: Request,
        db_session: DbSession,
        case_id: FromPath[uuid.UUID],
        data: JSONBody[Answer | None] = None,
    ) -> CaseRead:
        body = data or Answer()
        return await _act(
            request, db_session, case_id, lambda s, p, a: accept_transfer(s, p, a, case_id, body)
        )

    @post(
        "/{case_id:uuid}/return",
        status_code=HTTP_200_OK,
        summary="Return the transfer with reasons",
    )
    async def send_back(
        self,
        request: Request,
        db_session: DbSession,
        case_id: FromPath[uuid.UUID],
        data: JSONBody[Answer],
    ) -> CaseRead:
        return await _act(
            request, db_session, case_id, lambda s, p, a: return_transfer(s, p, a, case_id, data)
        )
