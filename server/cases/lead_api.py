"""The leads API (/api/v1/leads): pass a lead to a street, read it, list the inbox, accept or
return it. Each route calls one function of the cases domain, the same the console calls."""

import uuid
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlmodel import Session

from server.audit.service import actor_of
from server.cases.lead_queries import list_leads, read_lead
from server.cases.lead_schemas import LeadBody, LeadCreated, LeadRead, LeadRow
from server.cases.leads import accept_lead, return_lead, send_lead
from server.cases.schemas import Answer
from server.core.db import DbSession
from server.core.principal import Principal, requires_role
from server.org.models import Street

__all__ = ["LeadController"]

LEAD_ROLES = ("supervisor", "inspector", "legal")


class LeadController(Controller):
    path = "/api/v1/leads"
    tags = ["leads"]
    guards = [requires_role(*LEAD_ROLES)]

    @post("/", status_code=HTTP_201_CREATED, summary="Pass a lead (线索) to a street")
    async def create(
        self, request: Request, db_session: DbSession, data: JSONBody[LeadBody]
    ) -> LeadCreated:
        principal: Principal = request.user
        actor = actor_of(request)

        def run(session: Session) -> LeadCreated:
            lead = send_lead(session, principal, actor, data)
            street = session.get(Street, lead.to_street_id)
            name = street.name if street else ""
            return LeadCreated(lead.id, lead.action_code, lead.status, lead.due_on, name)

        return await db_session.run_sync(run)

    @get("/", summary="Leads the user may read; inbox=1: those awaiting the user's street")
    async def index(
        self,
        request: Request,
        db_session: DbSession,
        inbox: Annotated[bool, QueryParameter()] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 200,
    ) -> list[LeadRow]:
        principal: Principal = request.user
        return await db_session.run_sync(lambda s: list_leads(s, principal, inbox, limit))

    @get("/{lead_id:uuid}", summary="A lead: merchant, items, reasons, answer, what is left")
    async def show(
        self, request: Request, db_session: DbSession, lead_id: FromPath[uuid.UUID]
    ) -> LeadRead:
        principal: Principal = request.user
        return await db_session.run_sync(lambda s: read_lead(s, principal, lead_id))

    @post("/{lead_id:uuid}/accept", status_code=HTTP_200_OK, summary="Accept the lead")
    async def accept(
        self,
        request: Request,
        db_session: DbSession,
        lead_id: FromPath[uuid.UUID],
        data: JSONBody[Answer | None] = None,
    ) -> LeadRead:
        principal: Principal = request.user
        actor, body = actor_of(request), data or Answer()

        def run(session: Session) -> LeadRead:
            accept_lead(session, principal, actor, lead_id, body)
            return read_lead(session, principal, lead_id)

        return await db_session.run_sync(run)

    @post("/{lead_id:uuid}/return", status_code=HTTP_200_OK, summary="Return it with reasons")
    async def send_back(
        self,
        request: Request,
        db_session: DbSession,
        lead_id: FromPath[uuid.UUID],
        data: JSONBody[Answer],
    ) -> LeadRead:
        principal: Principal = request.user
        actor = actor_of(request)

        def run(session: Session) -> LeadRead:
            return_lead(session, principal, actor, lead_id, data)
            return read_lead(session, principal, lead_id)

        return await db_session.run_sync(run)
