"""The owner link's pages under /m/o/: full records, rectification photos, re-rating requests."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from server.audit.service import Actor
from server.colour.actions import request_rerating
from server.colour.schemas import ReratingForm
from server.colour.service import ColourRefused
from server.core.clock import utcnow
from server.core.db import DbSession
from server.core.i18n import t
from server.core.inputs import TOKEN_PATH
from server.evidence.public_photos import PhotoRejected, PhotoTooLarge, mb
from server.merchants.owner_links import find_owner_link
from server.public.owner_view import owner_view, upload_order_photo
from server.public.routes import BODY_CEILING, RawPage, form_photo, missing, not_found, page_headers
from server.ratelimit.service import Limit, RateLimited, hit

__all__ = ["OwnerController"]

# Enough for a merchant sending photos of several orders; a leaked link cannot flood storage.
OWNER_ACTIONS = Limit(30, 3600)
OWNER_ACTOR = "merchant"


class OwnerController(Controller):
    path = "/m/o"
    include_in_schema = False
    opt = {TOKEN_PATH: True}  # every malformed secret gets the page of an unknown one

    async def _render(
        self,
        secret: str,
        db_session: DbSession,
        state: State,
        *,
        status: int = 200,
        done: str | None = None,
        **extra: Any,
    ) -> Template:
        now = utcnow()
        found = await find_owner_link(db_session, secret, now)
        if found is None:
            return not_found()
        view = await owner_view(db_session, found[1], now, state.policy)
        notice = None
        if done == "photo":
            notice = t("owner.upload_done")
        elif done == "rerating" and view.next_due:
            notice = t("owner.rerating_done", due=view.next_due.isoformat())
        context = {"view": view, "secret": secret, "error": None, "notice": notice, **extra}
        return Template(
            "public/owner.html",
            context=context,
            status_code=status,
            headers=page_headers(private=True),
        )

    @get("/{secret:str}")
    async def page(
        self,
        secret: FromPath[str],
        db_session: DbSession,
        state: State,
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._render(secret, db_session, state, done=done)

    async def _guard(self, secret: str, db_session: DbSession):  # type: ignore[no-untyped-def]
        now = utcnow()
        found = await find_owner_link(db_session, secret, now)
        if found is None:
            return None
        await hit(db_session, "owner", found[0].id.hex, OWNER_ACTIONS, now)
        return found

    @post("/{secret:str}/orders/{order_id:uuid}/photos", request_max_body_size=BODY_CEILING)
    async def photo(
        self,
        secret: FromPath[str],
        order_id: FromPath[uuid.UUID],
        request: Request,
        state: State,
        db_session: DbSession,
    ) -> Template | Redirect:
        try:
            found = await self._guard(secret, db_session)
        except RateLimited as exc:
            return await self._throttled(secret, db_session, state, exc)
        if found is None:
            return not_found()
        await db_session.commit()  # the count stands; nothing is held while the photo arrives
        too_large = t("complaint.error.photo_too_large", max=mb(state.settings.photo_max_bytes))
        try:
            form = await request.form()
            data = await form_photo(form.get("photo"))
            stored = await upload_order_photo(
                db_session,
                state.storage,
                merchant_id=found[1].id,
                order_id=order_id,
                photo=data or b"",
                max_bytes=state.settings.photo_max_bytes,
                now=utcnow(),
            )
        except ClientException:
            return await self._render(secret, db_session, state, status=413, error=too_large)
        except PhotoRejected as exc:
            status = 413 if isinstance(exc, PhotoTooLarge) else 400
            return await self._render(secret, db_session, state, status=status, error=str(exc))
        if stored is None:
            return not_found()
        return Redirect(f"/m/o/{secret}?done=photo", status_code=303)

    @post("/{secret:str}/rerating")
    async def rerating(
        self,
        secret: FromPath[str],
        state: State,
        db_session: DbSession,
        data: Annotated[ReratingForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        try:
            found = await self._guard(secret, db_session)
        except RateLimited as exc:
            return await self._throttled(secret, db_session, state, exc)
        if found is None:
            return not_found()
        merchant_id, policy, now = found[1].id, state.policy, utcnow()
        try:
            await db_session.run_sync(
                lambda s: request_rerating(
                    s,
                    merchant_id,
                    data,
                    via="owner",
                    policy=policy,
                    actor=Actor(OWNER_ACTOR),
                    now=now,
                )
            )
        except ColourRefused as exc:
            return await self._render(secret, db_session, state, status=400, error=exc.detail)
        return Redirect(f"/m/o/{secret}?done=rerating", status_code=303)

    # As under /m/ (see PublicController.no_page): every way to no page, listed. An order id that
    # is not a UUID still reaches these GETs as text.
    @get(
        [
            "/",
            "/{secret:str}/{rest:path}",
            "/{secret:str}/rerating",
            "/{secret:str}/rerating/{rest:path}",
            "/{secret:str}/orders",
            "/{secret:str}/orders/{order_id:str}",
            "/{secret:str}/orders/{order_id:str}/{rest:path}",
            "/{secret:str}/orders/{order_id:str}/photos",
            "/{secret:str}/orders/{order_id:str}/photos/{rest:path}",
        ]
    )
    async def no_page(self, request: Request) -> RawPage:
        return missing(request)

    async def _throttled(
        self, secret: str, db_session: DbSession, state: State, exc: RateLimited
    ) -> Template:
        await db_session.commit()  # the refused hit still counts
        minutes = max(1, (exc.retry_after + 59) // 60)
        page = await self._render(
            secret,
            db_session,
            state,
            status=429,
            error=t("complaint.error.throttled", minutes=minutes),
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
