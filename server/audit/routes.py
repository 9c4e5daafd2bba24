"""Reading the audit trail (administrators)."""

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from server.audit.service import AuditPage, audit_page
from server.core.db import DbSession
from server.core.inputs import Page
from server.core.principal import requires_role

__all__ = ["AuditController"]


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]
    guards = [requires_role("admin")]

    @get("/", summary="The audit trail, newest first")
    async def list(
        self,
        db_session: DbSession,
        action: FromQuery[str | None] = None,
        entity: FromQuery[str | None] = None,
        entity_id: FromQuery[str | None] = None,
        page: Page = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> AuditPage:
        return await audit_page(
            db_session,
            action=action,
            entity=entity,
            entity_id=entity_id,
            page=page,
            page_size=page_size,
        )
