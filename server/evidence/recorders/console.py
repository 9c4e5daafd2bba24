"""Console pages for evidence: the review queue of unmatched recorder clips, and the dock
PC's upload page."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Body, FromPath
from litestar.response import Template

from server.audit.service import Actor
from server.auth.access import CONSOLE_ROLES, DOCK_ROLES, console_principal
from server.auth.pages import console_page
from server.core.db import DbSession
from server.core.i18n import t
from server.core.net import client_ip
from server.core.principal import Principal
from server.evidence.recorders.dock import BadForm, dock_clips
from server.evidence.recorders.registry import active_recorders
from server.evidence.recorders.review import assign_clip, dismiss_clip, review_queue

__all__ = ["EvidenceConsoleController"]


@dataclass
class AssignForm:
    inspection_id: str = ""


def _principal(request: Request, roles: tuple[str, ...]) -> Principal | None:
    return console_principal(request.scope.get("user"), roles)


def _done(evidence_id: uuid.UUID, message: str) -> Template:
    return Template(
        "evidence/_clip_done.html", context={"evidence_id": evidence_id, "message": message}
    )


class EvidenceConsoleController(Controller):
    path = "/console/evidence"
    include_in_schema = False

    @get("/", guards=[console_page()])
    async def queue(self, request: Request, db_session: DbSession, state: State) -> Template:
        principal: Principal = request.user
        items = await review_queue(db_session, principal, state.settings.local_timezone)
        context = {"user": principal, "items": items, "csrf_token": principal.csrf_token}
        return Template("evidence/queue.html", context=context)

    @post("/clips/{evidence_id:uuid}/assign", status_code=200)
    async def assign(
        self,
        request: Request,
        db_session: DbSession,
        evidence_id: FromPath[uuid.UUID],
        data: Annotated[AssignForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template:
        principal = _principal(request, CONSOLE_ROLES)
        try:
            inspection_id = uuid.UUID(data.inspection_id)
        except ValueError:
            raise ValidationException(detail=t("clip.choose")) from None
        if principal is None or not await assign_clip(
            db_session, principal, evidence_id, inspection_id, client_ip(request)
        ):
            raise NotFoundException(detail=t("error.not_found"))
        return _done(evidence_id, t("clip.assigned"))

    @post("/clips/{evidence_id:uuid}/dismiss", status_code=200)
    async def dismiss(
        self, request: Request, db_session: DbSession, evidence_id: FromPath[uuid.UUID]
    ) -> Template:
        principal = _principal(request, CONSOLE_ROLES)
        if principal is None or not await dismiss_clip(
            db_session, principal, evidence_id, client_ip(request)
        ):
            raise NotFoundException(detail=t("error.not_found"))
        return _done(evidence_id, t("clip.dismissed"))

    @get("/dock", guards=[console_page(DOCK_ROLES)])
    async def dock_page(self, request: Request, db_session: DbSession) -> Template:
        principal: Principal = request.user
        context = {
            "user": principal,
            "recorders": await active_recorders(db_session),
            "csrf_token": principal.csrf_token,
        }
        return Template("evidence/dock.html", context=context)

    @post("/dock", status_code=200, request_max_body_size=None)
    async def dock_upload(self, request: Request, db_session: DbSession, state: State) -> Template:
        principal = _principal(request, DOCK_ROLES)
        if principal is None:
            raise NotFoundException(detail=t("error.not_found"))
        actor = Actor(principal.username, principal.id, client_ip(request))
        results = []
        try:
            async for result in dock_clips(
                db_session,
                state.storage,
                state.settings,
                actor,
                request.headers.get("content-type", ""),
                request.stream(),
            ):
                await db_session.commit()  # each clip's record stands on its own
                results.append(result)
        except BadForm:
            raise ValidationException(detail=t("dock.bad_form")) from None
        return Template("evidence/_dock_result.html", context={"results": results})
