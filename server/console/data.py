"""The administrator's data page (/console/data): a district's workbooks in and out.

The same imports as `onevisit import …` (docs/data-import.md): a workbook is uploaded (the
page shows the upload's progress), stored in a temporary file, imported off the event loop on
a connection of its own, and answered with the same per-sheet counts and line-numbered rejects
the command prints. Templates and exports download as the command writes them.
"""

import asyncio
import logging
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State, UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File, Template
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from server.audit.service import Actor, actor_of
from server.auth.pages import console_page
from server.console.schemas import ImportBody
from server.core.db import make_sync_engine
from server.core.i18n import t
from server.core.import_report import ImportReport
from server.core.workbook import WorkbookError
from server.data_kinds import KINDS, run_import
from server.merchants.importer import DatabaseNotReady

__all__ = ["DataController"]

log = logging.getLogger(__name__)
# What a database can raise through the ORM or, for the merchant import's bulk writes, through
# its driver directly.
DATABASE_ERRORS = (SQLAlchemyError, sqlite3.Error, psycopg.Error)

UPLOAD_CEILING = 64 * 1024 * 1024  # a province's catalogue is a few MB as XLSX
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATES = tuple(k.name for k in KINDS.values() if k.template is not None)
EXPORTS = tuple(k.name for k in KINDS.values() if k.export is not None)


def _import(database_url: str, kind: str, path: Path, actor: Actor, settings: Any) -> ImportReport:
    """One import on a connection of its own (run in a worker thread)."""
    engine = make_sync_engine(database_url)
    try:
        return run_import(engine, kind, path, settings, actor)
    finally:
        engine.dispose()


def _file(folder: Path, path: Path, name: str) -> File:
    """The workbook as a download; its temporary folder goes once it is sent."""
    return File(
        path=path,
        filename=name,
        media_type=XLSX,
        content_disposition_type="attachment",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


class DataController(Controller):
    path = "/console/data"
    include_in_schema = False
    guards = [console_page(("admin",))]

    @get("/")
    async def page(self, request: Request) -> Template:
        user = request.user
        return Template(
            "console/data.html",
            context={
                "user": user,
                "csrf_token": user.csrf_token,
                "kinds": tuple(KINDS),
                "exports": EXPORTS,
                "templates": TEMPLATES,
                "ceiling_mb": UPLOAD_CEILING // (1024 * 1024),
            },
        )

    @get("/template/{kind:str}")
    async def template(self, kind: FromPath[str]) -> File:
        write = KINDS[kind].template if kind in KINDS else None
        if write is None:
            raise NotFoundException(detail=t("error.not_found"))
        folder = Path(tempfile.mkdtemp(prefix="onevisit-template-"))
        path = folder / f"{kind}.xlsx"
        await asyncio.to_thread(write, path)
        return _file(folder, path, t(f"console.data.template_name.{kind}"))

    @get("/export/{kind:str}")
    async def export(self, state: State, kind: FromPath[str]) -> File:
        write = KINDS[kind].export if kind in KINDS else None
        if write is None:
            raise NotFoundException(detail=t("error.not_found"))
        folder = Path(tempfile.mkdtemp(prefix="onevisit-export-"))
        path = folder / f"{kind}.xlsx"

        def run() -> None:
            engine = make_sync_engine(state.settings.database_url)
            try:
                with Session(engine) as session:
                    write(session, path)
            finally:
                engine.dispose()

        await asyncio.to_thread(run)
        return _file(folder, path, t(f"console.data.export_name.{kind}"))

    @post("/import", status_code=200, request_max_body_size=UPLOAD_CEILING)
    async def upload(
        self,
        request: Request,
        state: State,
        data: ImportBody,
    ) -> Template:
        kind, upload = data.kind, data.file
        if kind not in KINDS:
            return self._result(t("console.data.error.kind"), status=400)
        if not isinstance(upload, UploadFile) or not upload.filename:
            return self._result(t("console.data.error.no_file"), status=400)
        suffix = Path(upload.filename).suffix.lower()[:8] or ".xlsx"
        with tempfile.TemporaryDirectory(prefix="onevisit-import-") as folder:
            path = Path(folder) / f"upload{suffix}"
            with path.open("wb") as out:
                while chunk := await upload.read(1 << 20):
                    out.write(chunk)
            actor = actor_of(request)  # the audit rows name the administrator and address
            try:
                report = await asyncio.to_thread(
                    _import, state.settings.database_url, kind, path, actor, state.settings
                )
            except (WorkbookError, DatabaseNotReady) as exc:
                return self._result(t("console.data.error.unreadable", reason=str(exc)), status=400)
            except DATABASE_ERRORS:
                # The statement and its values (people's data) go to the log, not the page.
                log.exception("the %s import failed in the database", kind)
                return self._result(t("console.data.error.database"), status=503)
        report.file = upload.filename
        return self._result(None, report=report)

    @staticmethod
    def _result(
        error: str | None, *, report: ImportReport | None = None, status: int = 200
    ) -> Template:
        return Template(
            "console/_import_result.html",
            context={"error": error, "report": report},
            status_code=status,
        )
