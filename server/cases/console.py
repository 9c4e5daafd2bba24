"""Console pages of cases: the list (/console/cases: the user's unit's cases, the inbox of
transfers or, for legal reviewers, of cases awaiting review; by stage; deadlines, the overdue
marked) and a case's page (/console/cases/{id}: its history, reviews, decision, transfers and
the forms of what may be done next).

Each form posts here, is parsed into the API's own request type and calls the same function of
the cases domain as the JSON API; a refusal's reason is shown beside the form, else the page
reloads.
"""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK
from markupsafe import escape
from sqlmodel import Session

from server.audit.service import Actor, actor_of
from server.auth.access import CASE_CONSOLE_ROLES, console_principal
from server.auth.pages import SIGN_IN_FIRST, console_page
from server.cases.leniency_stats import leniency_counts
from server.cases.models import CASE_STATUSES
from server.cases.queries import CaseFilter, list_cases, read_case
from server.cases.review import decide, review, submit
from server.cases.rules import DECISION_KINDS, STEPS
from server.cases.schemas import (
    Answer,
    DecideBody,
    ReviewBody,
    StepBody,
    SubmitBody,
    TransferBody,
)
from server.cases.service import take_step
from server.cases.transfer import accept_transfer, return_transfer, transfer_case
from server.catalog.measures import MEASURES
from server.core.clock import local_today
from server.core.db import DbSession
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.principal import Principal

__all__ = ["CasesConsoleController", "message", "page", "parse"]

# Form field → the request type it fills, with the lists a form sends as lines or repeats.
_ACTIONS: dict[str, tuple[type, Callable[..., object]]] = {
    "step": (StepBody, take_step),
    "submit": (SubmitBody, submit),
    "review": (ReviewBody, review),
    "decide": (DecideBody, decide),
    "transfer": (TransferBody, transfer_case),
    "accept": (Answer, accept_transfer),
    "return": (Answer, return_transfer),
}


def _day(raw: str, default: date) -> date:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else default
    except ValueError:
        return default


def message(text: str, status: int = 200) -> Response[str]:
    """A reason beside the form (htmx swaps 2xx answers only)."""
    return Response(
        f'<p class="error">{escape(text)}</p>', media_type="text/html", status_code=status
    )


def _fields(form: Any, kind: type) -> dict[str, Any]:
    """A form's fields as the request type takes them: documents one per line, measures as
    repeated boxes, an empty amount as none."""
    data: dict[str, Any] = {}
    for name in kind.__struct_fields__:
        if name == "measures":
            data[name] = form.getall(name, [])
        elif name == "documents":
            lines = str(form.get(name) or "").splitlines()
            data[name] = [line.strip() for line in lines if line.strip()]
        elif name in form and (name != "amount" or str(form.get(name)).strip()):
            data[name] = str(form.get(name)).strip()
    return data


def parse(data: dict[str, Any], kind: type) -> Any:
    """A console form's fields as `kind`, or the refusal naming what is wrong."""
    try:
        return msgspec.convert(data, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise DomainError(t("error.validation", fields=str(exc))) from None


def _parse(form: Any, kind: type) -> Any:
    return parse(_fields(form, kind), kind)


def page(name: str, user: Principal, status: int = 200, **context: Any) -> Template:
    """A console page of the cases' consoles, with what every such page shows."""
    context = {"user": user, "csrf_token": user.csrf_token, "today": local_today(), **context}
    return Template(name, context=context, status_code=status)


class CasesConsoleController(Controller):
    path = "/console/cases"
    exception_handlers = SIGN_IN_FIRST  # type: ignore[assignment]
    include_in_schema = False

    @get("/", guards=[console_page(CASE_CONSOLE_ROLES)])
    async def index(
        self,
        request: Request,
        db_session: DbSession,
        view: FromQuery[str] = "mine",
        status: FromQuery[str] = "",
        overdue: FromQuery[bool] = False,
    ) -> Template:
        user: Principal = request.user
        view = view if view in ("mine", "inbox", "all") else "mine"
        status = status if status in CASE_STATUSES else ""
        wanted = CaseFilter(view == "inbox", view == "mine", status or None, overdue)
        rows = await db_session.run_sync(lambda s: list_cases(s, user, wanted))
        return page(
            "cases/index.html",
            user,
            rows=rows,
            view=view,
            status=status,
            overdue=overdue,
            statuses=CASE_STATUSES,
        )

    @get("/leniency", guards=[console_page(CASE_CONSOLE_ROLES)])
    async def leniency(
        self,
        request: Request,
        db_session: DbSession,
        start: Annotated[str, QueryParameter(name="from")] = "",
        end: Annotated[str, QueryParameter(name="to")] = "",
    ) -> Template:
        """柔性执法统计: the no-penalty and mitigated decisions per street over a span (this
        year so far unless asked)."""
        user: Principal = request.user
        today = local_today()
        span = (_day(start, today.replace(month=1, day=1)), _day(end, today))
        try:
            rows = await db_session.run_sync(lambda s: leniency_counts(s, *span))
            error = ""
        except DomainError as exc:
            rows, error = [], exc.detail
        return page("cases/leniency.html", user, rows=rows, start=span[0], end=span[1], error=error)

    @get("/{case_id:uuid}", guards=[console_page(CASE_CONSOLE_ROLES)])
    async def show(
        self, request: Request, db_session: DbSession, case_id: FromPath[uuid.UUID]
    ) -> Template:
        user: Principal = request.user
        case = await db_session.run_sync(lambda s: read_case(s, user, case_id))
        if case is None:
            return page("cases/missing.html", user, status=404)
        return page(
            "cases/case.html",
            user,
            case=case,
            steps=[
                name
                for name, (after, _) in STEPS.items()
                if case.status in after and name in ("investigate", "serve", "close")
            ],
            may_submit=case.status in STEPS["submit"][0],
            kinds=DECISION_KINDS,
            measures=MEASURES,
        )

    @post("/{case_id:uuid}/{action:str}", status_code=HTTP_200_OK)
    async def act(
        self,
        request: Request,
        db_session: DbSession,
        case_id: FromPath[uuid.UUID],
        action: FromPath[str],
    ) -> Response[str]:
        user = console_principal(request.scope.get("user"), CASE_CONSOLE_ROLES)
        if user is None:
            return message(t("auth.forbidden"), 403)
        if action not in _ACTIONS:
            return message(t("error.not_found"), 404)
        kind, function = _ACTIONS[action]
        form = await request.form()
        actor: Actor = actor_of(request)

        extra = (request.app.state.policy,) if action in ("submit", "decide") else ()

        def run(session: Session) -> None:
            function(session, user, actor, case_id, _parse(form, kind), *extra)

        try:
            await db_session.run_sync(run)
        except DomainError as exc:
            return message(exc.detail)
        return Response("", headers={"HX-Redirect": f"/console/cases/{case_id}"})
