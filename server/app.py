"""`create_app(settings)`: the Litestar application, with its fast lane (server.fastlane) in front
of its request handler."""

import logging

import anyio
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from server import __version__
from server.audit.routes import AuditController
from server.auth.middleware import SessionAuthMiddleware
from server.auth.pages import SIGN_IN_FIRST
from server.auth.routes import AuthController
from server.cases.api import CaseController
from server.cases.console import CasesConsoleController
from server.cases.lead_api import LeadController
from server.cases.lead_console import LeadsConsoleController
from server.colour.console import CodesConsoleController
from server.colour.routes import CodeController
from server.complaints.routes import ComplaintController
from server.console.data import DataController
from server.console.routes import ConsoleController
from server.console.users import USER_PAGES
from server.core.calendar_file import load_calendar_file
from server.core.clock import CLOCK, local_format
from server.core.db import make_async_engine, provide_db_session, session_factory
from server.core.errors import exception_handlers
from server.core.i18n import t
from server.core.inputs import input_guard
from server.core.security import csp_nonce, with_nonces
from server.core.settings import Settings, load_settings
from server.core.workdays import CALENDAR
from server.evidence.recorders.console import EvidenceConsoleController
from server.evidence.routes import EvidenceController
from server.evidence.tus.routes import UploadController
from server.fastlane import FastLane, HotCaches
from server.health import healthz, readyz
from server.inspections.routes import ActionCodeController, DayController, InspectionController
from server.leniency.routes import LeniencyController
from server.merchants.routes import MerchantController
from server.openapi import describe_errors
from server.packets.store import PRECOMPRESSED
from server.planning.availability import AvailabilityController
from server.planning.console import PlanningConsoleController
from server.planning.public_routes import DrawController, TaskController
from server.planning.routes import PlanController
from server.policy.file import load_policy
from server.public.owner_routes import OwnerController
from server.public.reader import PublicReader
from server.public.routes import PublicController
from server.public.texts import PublicText
from server.pwa import service_worker
from server.storage import storage_from_url
from server.web import TEMPLATES

__all__ = ["create_app"]

log = logging.getLogger("onevisit")


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app; engines and storage open on start-up and close on shutdown."""
    settings = settings or load_settings()
    # A bad POLICY_FILE stops start-up here, naming the offending key.
    policy = load_policy(settings.policy_file)
    CLOCK.configure(settings.local_timezone, settings.clock_start)
    # So does a bad CALENDAR_FILE, naming the file and the key.
    CALENDAR.configure(load_calendar_file(settings.calendar_file))

    async def open_resources(app: Litestar) -> None:
        app.state.db_engine = make_async_engine(settings.database_url)
        app.state.db_sessionmaker = session_factory(app.state.db_engine)
        app.state.storage = storage_from_url(settings.storage_url)
        app.state.reader = PublicReader(settings.database_url)
        await app.state.reader.open()
        caches = HotCaches.of(settings, app.state.reader)
        caches.publish(app.state)
        await caches.feed.start()
        lane.caches = caches
        try:
            await anyio.to_thread.run_sync(app.state.storage.ensure_ready)
        except Exception as exc:  # /healthz reports it; the app still serves what it can
            log.warning("object store not ready: %s", exc)

    async def close_resources(app: Litestar) -> None:
        lane.caches = None
        await app.state.feed.stop()
        await app.state.reader.close()
        await app.state.db_engine.dispose()

    def template_engine(engine: JinjaTemplateEngine) -> None:
        engine.engine.globals["t"] = t
        engine.engine.globals["csp_nonce"] = csp_nonce
        engine.engine.filters["local"] = local_format
        engine.engine.globals["pt"] = PublicText(settings, policy)

    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            AuthController,
            MerchantController,
            LeniencyController,
            AuditController,
            ConsoleController,
            *USER_PAGES,
            DataController,
            CodeController,
            CodesConsoleController,
            ComplaintController,
            CaseController,
            CasesConsoleController,
            LeadController,
            LeadsConsoleController,
            PublicController,
            OwnerController,
            PlanController,
            DrawController,
            TaskController,
            PlanningConsoleController,
            AvailabilityController,
            UploadController,
            EvidenceController,
            EvidenceConsoleController,
            DayController,
            InspectionController,
            ActionCodeController,
            service_worker,
            create_static_files_router(
                path="/app",
                directories=[settings.pwa_dir],
                html_mode=True,
                include_in_schema=False,
                name="pwa",
            ),
            create_static_files_router(
                path="/static/vendor",
                directories=[settings.pwa_dir / "vendor"],
                include_in_schema=False,
            ),
        ],
        dependencies={"db_session": Provide(provide_db_session)},
        guards=[input_guard],
        middleware=[SessionAuthMiddleware()],
        # One map: the kernel's answers, and the console's "sign in first" for its pages.
        exception_handlers={**exception_handlers, **SIGN_IN_FIRST},
        on_startup=[open_resources],
        on_shutdown=[close_resources],
        state=State({"settings": settings, "policy": policy}),
        openapi_config=with_nonces(
            OpenAPIConfig(title="OneVisit API", version=__version__, path="/schema")
        ),
        template_config=TemplateConfig(
            directory=TEMPLATES,
            engine=JinjaTemplateEngine,
            engine_callback=template_engine,
        ),
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, exclude_opt_key=PRECOMPRESSED
        ),
    )
    describe_errors(app)  # every status each operation answers, in /schema/openapi.json
    lane = FastLane.install(app, settings)
    return app
