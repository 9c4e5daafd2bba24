"""The phone's endpoints: the day packet and inspection records; the public action-code page."""

import asyncio
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Template
from sqlalchemy.exc import IntegrityError

from server.audit.service import actor_of
from server.auth.access import may_read_inspection
from server.auth.middleware import DAY_PATH, SESSION_COOKIE
from server.core.clock import utcnow
from server.core.cpu import run_cpu
from server.core.db import DbSession
from server.core.errors import BAD_DAY, BadDay
from server.core.i18n import t
from server.core.inputs import sane_moment
from server.core.principal import signed_in
from server.evidence.service import link_evidence
from server.inspections.facts import inspection_facts
from server.inspections.papers import printable_notice, printable_record
from server.inspections.reads import inspection_read
from server.inspections.service import Stored, prepare_record, submit_record
from server.inspections.verify import verify_code
from server.merchants.owner_links import live_visit_link
from server.merchants.qrcode import qr_svg, qr_svgs
from server.packets.cache import DayCache
from server.packets.day import empty_packet
from server.packets.store import PRECOMPRESSED, Packet, PacketResponse, build_packet, encode

__all__ = ["ActionCodeController", "DayController", "InspectionController"]

DEVICE_TIME = "x-device-time"
DAY_NOT_DATE = "inspection.error.bad_date"
QueryDate = Annotated[date, QueryParameter(name="date", description="The day, YYYY-MM-DD")]


def _device_time(request: Request) -> datetime | None:
    raw = request.headers.get(DEVICE_TIME)
    try:
        moment = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    # A phone clock that cannot be read (year 1 at +14:00 …) is as good as none: flagged.
    return moment if moment is not None and sane_moment(moment) else None


class DayController(Controller):
    """The morning download, the busiest signed-in request: it checks its session itself (the
    session middleware leaves this path alone), then finds the officer's route and its kept
    packet, each from the caches first and the database after."""

    path = DAY_PATH
    tags = ["inspections"]

    @get(
        summary="The day packet: route, merchants, checklists and history, for offline",
        description="Gzipped JSON with an ETag; `If-None-Match` with the current one gets 304.",
        # A day that is no date: 422, naming it (server.core.errors).
        opt={PRECOMPRESSED: True, BAD_DAY: BadDay({("query", "day"): "date"}, DAY_NOT_DATE)},
    )
    async def day(self, request: Request, state: State, day: QueryDate) -> PacketResponse:
        """The session, the route and its kept packet; a missing or stale packet is built (and
        kept) on the way. (On PostgreSQL server.fastlane answers most downloads from the same
        caches before they reach this.)"""
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise NotAuthorizedException(detail=t("auth.required"))
        principal = await state.session_cache.principal(token)
        if principal is None:
            raise NotAuthorizedException(detail=t("auth.required"))
        days: DayCache = state.day_cache
        route_id = await days.route(principal.id, day)
        if route_id is None:
            return PacketResponse(encode(empty_packet(day)))
        kept = await days.packet(route_id, day)
        return PacketResponse(kept or await _built(state, route_id, day))


# Builds under way in this process: both officers of a route (and a phone retrying) download at
# the same moment; the first builds the packet, the others wait for it.
_BUILDING: dict[tuple[uuid.UUID, date], asyncio.Future[Packet]] = {}


async def _built(state: State, route: uuid.UUID, target: date) -> Packet:
    key = (route, target)
    while (running := _BUILDING.get(key)) is not None:
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            if not running.cancelled():
                raise  # this request was cancelled, not the build it waited for
    building: asyncio.Future[Packet] = asyncio.get_running_loop().create_future()
    # A failed build with no one waiting is not an unretrieved error.
    building.add_done_callback(lambda f: f.cancelled() or f.exception())
    _BUILDING[key] = building
    try:
        async with state.db_sessionmaker() as session:
            packet = await session.run_sync(lambda s: build_packet(s, route, target, state.policy))
    except asyncio.CancelledError:
        building.cancel()
        raise
    except Exception as exc:
        building.set_exception(exc)
        raise
    finally:
        del _BUILDING[key]
    building.set_result(packet)
    return packet


class InspectionController(Controller):
    path = "/api/v1/inspections"
    tags = ["inspections"]
    guards = [signed_in]

    @post("/", summary="Store an inspection record (idempotent by its client-made id)")
    async def submit(
        self, request: Request, db_session: DbSession, data: JSONBody[dict[str, Any]]
    ) -> Response[dict[str, Any]]:
        user, policy = request.user, request.app.state.policy
        settings = request.app.state.settings
        sent_at, now = _device_time(request), utcnow()
        # Signature images are decoded, and the body hashed, off the event loop.
        prepared = await run_cpu(prepare_record, data)

        def submit(s: Any) -> Stored:
            return submit_record(
                s,
                data,
                user_id=user.id,
                username=user.username,
                device_sent_at=sent_at,
                policy=policy,
                now=now,
                public_after=settings.results_public_after_days,
                owner_link=(settings.secret_key, settings.owner_link_days),
                prepared=prepared,
            )

        try:
            stored = await db_session.run_sync(submit)
        except IntegrityError:
            # The same record arrived twice at once: the loser reads what the winner stored.
            await db_session.rollback()
            stored = await db_session.run_sync(submit)
        actor = actor_of(request)
        for evidence_id, subject, subject_id in stored.evidence:
            await link_evidence(
                db_session,
                evidence_id,
                subject=subject,
                subject_id=subject_id,
                inspection_id=uuid.UUID(stored.body["id"]),
                actor=actor,
            )
        return Response(stored.body, status_code=201 if stored.created else 200)

    @get("/{inspection_id:uuid}", summary="A stored inspection as the phone sees it")
    async def read(
        self, request: Request, db_session: DbSession, inspection_id: FromPath[uuid.UUID]
    ) -> dict[str, Any]:
        policy = request.app.state.policy
        return await _readable(
            request, db_session, inspection_id, lambda s: inspection_read(s, inspection_id, policy)
        )

    @get("/{inspection_id:uuid}/record", summary="The printable on-site record (现场检查笔录)")
    async def record(
        self, request: Request, db_session: DbSession, inspection_id: FromPath[uuid.UUID]
    ) -> Template:
        page = await _paper(request, db_session, inspection_id, printable_record)
        return Template("inspections/record.html", context=page)

    @get(
        "/{inspection_id:uuid}/notice",
        summary="The printable rectification notice (责令整改通知书) of a visit's orders",
    )
    async def notice(
        self, request: Request, db_session: DbSession, inspection_id: FromPath[uuid.UUID]
    ) -> Template:
        page = await _paper(request, db_session, inspection_id, printable_notice)
        return Template("inspections/notice.html", context=page)


async def _paper(
    request: Request, db_session: DbSession, inspection_id: uuid.UUID, read: Any
) -> dict[str, Any]:
    """A printed paper of the visit (`read(session, id, base)`), with the merchant's owner link
    while it lives and the QR codes of each action code and of the link; 404 if the user may
    not read the visit or the visit has no such paper."""
    settings = request.app.state.settings
    base = settings.public_base_url.rstrip("/")

    def build(s: Any) -> dict[str, Any] | None:
        page = read(s, inspection_id, base)
        if page is not None:
            secret = live_visit_link(s, inspection_id, settings.secret_key, utcnow())
            page["owner_url"] = f"{base}/m/o/{secret}" if secret else None
        return page

    page = await _readable(request, db_session, inspection_id, build)
    await db_session.commit()  # nothing is held while the codes are drawn
    coded = [n for n in page.get("notices", []) if n["verify_url"]]  # each order's own code
    owner = [page["owner_url"]] if page["owner_url"] else []
    urls = [page["verify_url"], *(n["verify_url"] for n in coded), *owner]
    codes = await run_cpu(qr_svgs, urls)
    page["qr"], page["owner_qr"] = codes[0], (codes[-1] if owner else None)
    for notice, code in zip(coded, codes[1:], strict=False):
        notice["qr"] = code
    return page


async def _readable(
    request: Request, db_session: DbSession, inspection_id: uuid.UUID, read: Any
) -> dict[str, Any]:
    """`read(session)` if the signed-in user may see the inspection; 404 otherwise."""
    user = request.user
    found = await db_session.run_sync(
        lambda s: read(s) if may_read_inspection(user, inspection_facts(s, inspection_id)) else None
    )
    if found is None:
        raise NotFoundException(detail=t("error.not_found"))
    return found


class ActionCodeController(Controller):
    path = "/v"
    include_in_schema = False

    @get("/{code:str}", summary="Verify an action code (行政行为码)")
    async def verify(
        self, request: Request, db_session: DbSession, code: FromPath[str]
    ) -> Template:
        found = await db_session.run_sync(lambda s: verify_code(s, code.strip().upper()))
        if found is None:
            return Template(
                "inspections/verify.html", context={"found": None, "code": code}, status_code=404
            )
        base = request.app.state.settings.public_base_url.rstrip("/")
        await db_session.commit()  # nothing is held while the code is drawn
        found["qr"] = await run_cpu(qr_svg, f"{base}/v/{found['code']}")
        return Template("inspections/verify.html", context={"found": found, "code": code})
