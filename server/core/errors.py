"""Errors as JSON a person can act on: 4xx with a reason, never a 500 for bad input."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    SerializationException,
    ValidationException,
)
from litestar.response import Redirect
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_408_REQUEST_TIMEOUT,
    HTTP_409_CONFLICT,
    HTTP_500_INTERNAL_SERVER_ERROR,
)
from litestar.utils.scope.state import ScopeState
from sqlalchemy.exc import IntegrityError

from server.core.bodies import BodyStalled
from server.core.i18n import t
from server.core.inputs import shown

__all__ = ["BAD_DAY", "BadDay", "BadInput", "DomainError", "exception_handlers"]

log = logging.getLogger("onevisit")


class DomainError(Exception):
    """A refusal a person can act on, raised by a service and answered by the one handler below:
    `status` (4xx; the class's `status` unless given), `detail` (the reason, in the UI's words),
    any further fields of the body (`body`, e.g. the problems of a record, the action code of the
    visit's existing record) and of the answer's headers (`headers`, e.g. Retry-After).
    Each domain names its own refusals as subclasses (PlanRefused, RecordError, …). A page that
    shows a refusal its own way catches it; everything else is answered here, as JSON."""

    status = 422

    def __init__(
        self,
        detail: str,
        status: int | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        **body: object,
    ) -> None:
        super().__init__(detail)
        self.detail, self.status = detail, status or type(self).status
        self.headers = dict(headers) if headers else None
        self.body = {name: value for name, value in body.items() if value}


class BadInput(DomainError):
    """Input that names nothing, refused as malformed input is (`_validation`): 400, the reason
    after "请求数据有误：", and an empty list of `errors`; `reason` alone is what a page shows."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(t("error.validation", fields=reason))
        self.reason = reason
        self.body = {"errors": []}


# A route's `opt` under BAD_DAY: how it answers a day that is no date (BadDay).
BAD_DAY = "bad_day"


@dataclass(frozen=True)
class BadDay:
    """Where a route's day arrives, and what a day that is no date (2026-13-45) gets: refused as
    the route refuses a day out of range (`key`, 422, naming what was sent), or, for a page
    (`reopen`), the page again without it. `inputs`: (source, key) as the validation names the
    parameter → the name the day is sent under."""

    inputs: Mapping[tuple[str, str], str]
    key: str
    reopen: bool = False


def _domain(request: Request, exc: DomainError) -> Response:
    return _json(exc.status, exc.detail, headers=exc.headers, **exc.body)


def _json(
    status: int, detail: str, headers: dict[str, str] | None = None, **extra: object
) -> Response:
    body = {"status_code": status, "detail": detail, **extra}
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def _sent(request: Request, source: object, name: str) -> str:
    """The text a field was sent as: from the path, the query or the form the handler read."""
    if source == "path":
        return str(request.path_params.get(name, ""))
    if source == "query":
        return request.query_params.get(name, "")
    form = ScopeState.from_scope(request.scope).form
    return str(form.get(name, "")) if isinstance(form, dict) else ""


def _bad_day(request: Request, extra: list[object]) -> Response | None:
    """The answer to a day that is no date, where the route says how (BAD_DAY in its opt)."""
    handler = request.scope.get("route_handler")
    rule = handler.opt.get(BAD_DAY) if handler is not None else None
    if not isinstance(rule, BadDay):
        return None
    for item in extra:
        if not isinstance(item, dict):
            continue
        name = rule.inputs.get((item.get("source"), item.get("key")))
        if name is None:
            continue
        if rule.reopen:
            kept = {k: v for k, v in request.query_params.items() if k != name}
            return Redirect(request.url.path, query_params=kept)
        value = shown(_sent(request, item.get("source"), name))
        return _json(422, t(rule.key, value=value))
    return None


def _validation(request: Request, exc: ValidationException) -> Response:
    extra = exc.extra if isinstance(exc.extra, list) else []
    day = _bad_day(request, extra)
    if day is not None:
        return day
    fields = []
    for item in extra:
        if isinstance(item, dict):
            key = item.get("key") or item.get("source") or ""
            fields.append(f"{key} {item.get('message', '')}".strip())
    if not fields and "JSON" in (exc.detail or ""):
        return _json(HTTP_400_BAD_REQUEST, t("error.bad_json"))
    reason = "；".join(fields) or exc.detail
    return _json(HTTP_400_BAD_REQUEST, t("error.validation", fields=reason), errors=extra)


def _http(request: Request, exc: HTTPException) -> Response:
    # A body the JSON decoder cannot read: its own words (English, a byte offset) go in `errors`.
    if isinstance(exc, ClientException) and isinstance(exc.__cause__, SerializationException):
        return _json(HTTP_400_BAD_REQUEST, t("error.bad_json"), errors=[{"message": exc.detail}])
    headers = dict(exc.headers or {})
    extra = {"errors": exc.extra} if exc.extra else {}
    return _json(exc.status_code, exc.detail, headers=headers or None, **extra)


def _integrity(request: Request, exc: IntegrityError) -> Response:
    log.info("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
    return _json(HTTP_409_CONFLICT, t("error.conflict", detail=type(exc.orig).__name__))


def _undecodable(request: Request, exc: UnicodeDecodeError) -> Response:
    """A form field that is not UTF-8 (multipart fields are decoded strictly as they are read)."""
    log.info("undecodable input on %s %s: %s", request.method, request.url.path, exc)
    return _json(HTTP_400_BAD_REQUEST, t("error.bad_encoding"))


def _stalled(request: Request, exc: BodyStalled) -> Response:
    """A request body that stopped coming or came too slowly (server.core.bodies)."""
    log.info("request body stalled on %s %s", request.method, request.url.path)
    detail = t("error.body_stalled", seconds=int(exc.seconds), rate=int(exc.rate))
    return _json(HTTP_408_REQUEST_TIMEOUT, detail)


def _internal(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _json(HTTP_500_INTERNAL_SERVER_ERROR, t("error.internal"))


exception_handlers = {
    DomainError: _domain,
    ValidationException: _validation,
    HTTPException: _http,
    IntegrityError: _integrity,
    UnicodeDecodeError: _undecodable,
    BodyStalled: _stalled,
    Exception: _internal,
}
