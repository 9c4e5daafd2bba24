"""Console pages of leads (线索), in the cases' style: the list (/console/leads: the inbox of
the user's street, or every lead within reach, and a form to pass one on) and a lead's page
(/console/leads/{id}: what it asks, its answer, what is left to check, and the forms to accept
or return it). Forms call the same functions as the JSON API; a refusal's reason is shown
beside the form."""

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK
from sqlmodel import Session

from server.audit.service import actor_of
from server.auth.access import CASE_CONSOLE_ROLES, console_principal
from server.auth.pages import SIGN_IN_FIRST, console_page
from server.cases.console import message, page, parse
from server.cases.lead_queries import list_leads, read_lead
from server.cases.lead_schemas import LeadBody
from server.cases.leads import accept_lead, return_lead, send_lead
from server.cases.schemas import Answer
from server.core.db import DbSession
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.principal import Principal

__all__ = ["LeadsConsoleController"]

_ANSWERS = {"accept": accept_lead, "return": return_lead}


class LeadsConsoleController(Controller):
    path = "/console/leads"
    exception_handlers = SIGN_IN_FIRST  # type: ignore[assignment]
    include_in_schema = False

    @get("/", guards=[console_page(CASE_CONSOLE_ROLES)])
    async def index(
        self, request: Request, db_session: DbSession, view: FromQuery[str] = "inbox"
    ) -> Template:
        user: Principal = request.user
        view = view if view in ("inbox", "all") else "inbox"
        rows = await db_session.run_sync(lambda s: list_leads(s, user, view == "inbox"))
        return page("cases/leads.html", user, rows=rows, view=view)

    @get("/{lead_id:uuid}", guards=[console_page(CASE_CONSOLE_ROLES)])
    async def show(
        self, request: Request, db_session: DbSession, lead_id: FromPath[uuid.UUID]
    ) -> Template:
        user: Principal = request.user
        try:
            lead = await db_session.run_sync(lambda s: read_lead(s, user, lead_id))
        except DomainError:
            return page("cases/missing.html", user, status=404)
        return page("cases/lead.html", user, lead=lead)

    @post("/", status_code=HTTP_200_OK)
    async def send(self, request: Request, db_session: DbSession) -> Response[str]:
        user = console_principal(request.scope.get("user"), CASE_CONSOLE_ROLES)
        if user is None:
            return message(t("auth.forbidden"), 403)
        form = await request.form()
        fields = {
            k: str(form.get(k) or "").strip()
            for k in ("merchant_id", "to_street", "reason", "evidence")
        }
        items = str(form.get("items") or "").replace("；", ",").replace(";", ",").replace("，", ",")
        data = {**fields, "items": [c.strip() for c in items.split(",") if c.strip()]}
        actor = actor_of(request)
        try:
            lead = await db_session.run_sync(
                lambda s: send_lead(s, user, actor, parse(data, LeadBody))
            )
        except DomainError as exc:
            return message(exc.detail)
        return Response("", headers={"HX-Redirect": f"/console/leads/{lead.id}"})

    @post("/{lead_id:uuid}/{action:str}", status_code=HTTP_200_OK)
    async def answer(
        self,
        request: Request,
        db_session: DbSession,
        lead_id: FromPath[uuid.UUID],
        action: FromPath[str],
    ) -> Response[str]:
        user = console_principal(request.scope.get("user"), CASE_CONSOLE_ROLES)
        if user is None:
            return message(t("auth.forbidden"), 403)
        if action not in _ANSWERS:
            return message(t("error.not_found"), 404)
        form = await request.form()
        body = parse({"reason": str(form.get("reason") or "").strip()}, Answer)
        actor = actor_of(request)

        def run(session: Session) -> None:
            _ANSWERS[action](session, user, actor, lead_id, body)

        try:
            await db_session.run_sync(run)
        except DomainError as exc:
            return message(exc.detail)
        return Response("", headers={"HX-Redirect": f"/console/leads/{lead_id}"})
