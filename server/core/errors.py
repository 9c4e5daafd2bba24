"""Errors as JSON a person can act on: 4xx with a reason, never a 500 for bad input."""

import logging

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    SerializationException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_408_REQUEST_TIMEOUT,
    HTTP_409_CONFLICT,
    HTTP_500_INTERNAL_SERVER_ERROR,
)
from sqlalchemy.exc import IntegrityError

from server.core.bodies import BodyStalled
from server.core.i18n import t

__all__ = ["DomainError", "exception_handlers"]

log = logging.getLogger("onevisit")


class DomainError(Exception):
    """A refusal a person can act on, raised by a service and answered by the one handler below:
    `status` (4xx), `detail` (the reason, in the UI's words) and any further fields of the body
    (`body`, e.g. the problems of a record, the action code of the visit's existing record).
    Each domain names its own refusals as subclasses (PlanRefused, RecordError, …)."""

    def __init__(self, detail: str, status: int = 422, **body: object) -> None:
        super().__init__(detail)
        self.detail, self.status = detail, status
        self.body = {name: value for name, value in body.items() if value}


def _domain(request: Request, exc: DomainError) -> Response:
    return _json(exc.status, exc.detail, **exc.body)


def _json(
    status: int, detail: str, headers: dict[str, str] | None = None, **extra: object
) -> Response:
    body = {"status_code": status, "detail": detail, **extra}
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def _validation(request: Request, exc: ValidationException) -> Response:
    extra = exc.extra if isinstance(exc.extra, list) else []
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
