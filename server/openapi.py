"""The published API description (`/schema/openapi.json`) says what each operation really
answers: every error status it can return, with the JSON body errors have, a day in a path as a
date, and the tus headers of the upload protocol.

Litestar documents a handler's success and, where it takes parameters, a 400. The rest follows
from how a route is built and is added here once the app exists, so that no route can forget it:
a guarded route answers 401 to no session and 403 to a session without the right (a write
without its X-CSRF-Token included); a resource in the path may be missing (404); a request body
may be malformed (400), too large (413) or stop coming (408, server.core.bodies). What a few
operations add of their own (a conflict, a refusal of a well-formed request, the tus protocol's
answers) is in `EXTRA`. `make fuzz` checks every status the running app sends against this
description.
"""

from collections.abc import Iterable
from typing import Any

from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)
from litestar.routes import HTTPRoute

from server.evidence.tus.protocol import CHECKSUM_ALGORITHMS

__all__ = ["EXTRA", "describe_errors"]

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
GUARDS = ("signed_in", "requires_role")  # server.core.principal's guards, by name

REASONS = {
    400: "Malformed request: the detail names the field or header that is wrong",
    401: "Not signed in, or the session has ended",
    403: "Signed in without the right to this (role, street or team), or a write without the "
    "session's X-CSRF-Token header",
    404: "No such resource, or not one this user may know of",
    405: "Never allowed",
    408: "The request body stopped coming, or came too slowly; the connection is closed",
    409: "Conflicts with the current state (the detail says which)",
    410: "Gone: expired or deleted",
    412: "Tus-Resumable is missing or not 1.0.0",
    413: "Too large",
    415: "Unsupported content type or file type",
    422: "Well-formed but refused: the detail says why",
    429: "Too many attempts: wait for Retry-After seconds",
    460: "Checksum mismatch: the chunk's Upload-Checksum does not match what arrived (tus)",
    503: "Not available: the checks say what is wrong",
}

# What operations answer besides what their shape implies: (method, path) -> statuses.
TUS_ERRORS = (400, 404, 409, 410, 412)
EXTRA: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", "/healthz"): (503,),
    ("GET", "/readyz"): (503,),
    ("POST", "/api/v1/auth/login"): (401, 429),
    ("POST", "/api/v1/merchants/{merchant_id}/colour/override"): (409, 422),
    ("DELETE", "/api/v1/merchants/{merchant_id}/colour/override"): (409, 422),
    ("POST", "/api/v1/merchants/{merchant_id}/owner-link"): (409, 422),
    ("POST", "/api/v1/merchants/{merchant_id}/code/rotate"): (409, 422),
    ("POST", "/api/v1/complaints/{complaint_id}/outcome"): (409, 422),
    ("GET", "/api/v1/complaints/{complaint_id}/photo"): (410,),
    ("GET", "/api/v1/plans/{day}"): (422,),
    ("POST", "/api/v1/plans/{day}"): (409, 422),
    ("POST", "/api/v1/plans/{day}/streets/{street}/publish"): (409, 422),
    ("POST", "/api/v1/plans/{day}/streets/{street}/reorder"): (409, 422),
    ("POST", "/api/v1/plans/{day}/streets/{street}/move"): (409, 422),
    ("POST", "/api/v1/plans/{day}/streets/{street}/lock"): (409, 422),
    ("GET", "/api/v1/draws/{day}"): (422,),
    ("POST", "/api/v1/draws/{day}/seed"): (409, 422),
    ("GET", "/api/v1/me/tasks"): (422,),
    ("GET", "/api/v1/me/day"): (401, 422),  # checks its session in the read that finds it
    ("GET", "/api/v1/leave"): (422,),
    ("POST", "/api/v1/leave"): (404, 409, 422),
    ("POST", "/api/v1/recusals"): (404, 409, 422),
    ("POST", "/api/v1/uploads"): (400, 401, 403, 409, 412, 413, 415, 422),
    ("HEAD", "/api/v1/uploads/{upload_id}"): TUS_ERRORS,
    ("PATCH", "/api/v1/uploads/{upload_id}"): (*TUS_ERRORS, 408, 413, 415, 422, 429, 460, 503),
    ("DELETE", "/api/v1/uploads/{upload_id}"): TUS_ERRORS,
    ("GET", "/api/v1/uploads/{upload_id}"): (410,),
    ("GET", "/api/v1/evidence/{evidence_id}/content"): (410,),
    ("GET", "/api/v1/evidence/{evidence_id}/link"): (410,),
    ("GET", "/api/v1/evidence/{evidence_id}/display.jpg"): (410, 415, 422),
    ("GET", "/api/v1/evidence/{evidence_id}/thumbnail.jpg"): (410, 415, 422),
    ("DELETE", "/api/v1/evidence/{evidence_id}"): (405,),
    ("POST", "/api/v1/evidence/{evidence_id}/holds"): (409, 422),
    ("POST", "/api/v1/evidence/{evidence_id}/holds/{hold_id}/release"): (409, 422),
    # 503: the official calendar of the year the result goes public in is not loaded
    ("POST", "/api/v1/inspections"): (404, 409, 422, 503),
    # Cases and leads: a filter or span that names nothing known, a step the case's stage or
    # the unit's powers do not allow, an answer given twice.
    ("GET", "/api/v1/cases"): (422,),
    ("POST", "/api/v1/cases"): (404, 409, 422),
    ("GET", "/api/v1/cases/leniency"): (422,),
    **{
        ("POST", f"/api/v1/cases/{{case_id}}/{action}"): (409, 422)
        for action in ("steps", "submit", "reviews", "decision", "transfer", "accept", "return")
    },
    ("GET", "/api/v1/leads"): (422,),
    ("POST", "/api/v1/leads"): (404, 409, 422),
    ("POST", "/api/v1/leads/{lead_id}/accept"): (409, 422),
    ("POST", "/api/v1/leads/{lead_id}/return"): (409, 422),
    ("GET", "/api/v1/merchants/{merchant_id}/leniency"): (422,),
}
# Operations whose success status differs from Litestar's default for their method.
SUCCESS = {("OPTIONS", "/api/v1/uploads"): (201, 204)}

ERROR_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["status_code", "detail"],
    properties={
        "status_code": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING, description="What was wrong, for a person"),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(type=OpenAPIType.OBJECT),
            description="Each field that failed validation",
        ),
    },
)

# The tus 1.0.0 protocol (https://tus.io/protocols/resumable-upload): what the client sends.
_TUS_VERSION = ("Tus-Resumable", "The protocol version, 1.0.0 (else 412)", True, None)
TUS_REQUEST: dict[str, tuple[tuple[str, str, bool, OpenAPIFormat | None], ...]] = {
    "POST": (
        _TUS_VERSION,
        ("Upload-Length", "The whole upload's size in bytes (ASCII digits)", True, None),
        (
            "Upload-Metadata",
            "Comma-separated `key base64(value)` pairs: filename, kind (photo, video, audio, "
            "signature, document), sha256 (hex), and optionally filetype, captured_at, lat, lng, "
            "device",
            True,
            None,
        ),
    ),
    "HEAD": (_TUS_VERSION,),
    "PATCH": (
        _TUS_VERSION,
        ("Upload-Offset", "Where this chunk starts: the offset HEAD reported", True, None),
        (
            "Upload-Checksum",
            f"`<algorithm> <base64 digest>` of this chunk, the algorithm one of "
            f"{', '.join(CHECKSUM_ALGORITHMS)} (460 when it does not match what arrived)",
            False,
            None,
        ),
    ),
    "DELETE": (_TUS_VERSION,),
}
TUS_RESPONSE = {
    "OPTIONS": (
        "Tus-Resumable",
        "Tus-Version",
        "Tus-Extension",
        "Tus-Max-Size",
        "Tus-Checksum-Algorithm",
    ),
    "POST": ("Tus-Resumable", "Location", "Upload-Expires"),
    "HEAD": ("Tus-Resumable", "Upload-Offset", "Upload-Length", "Upload-Expires"),
    "PATCH": ("Tus-Resumable", "Upload-Offset", "Upload-Expires"),
    "DELETE": ("Tus-Resumable",),
}
TUS_PATHS = ("/api/v1/uploads", "/api/v1/uploads/{upload_id}")


def describe_errors(app: Litestar) -> None:
    """Amend the app's OpenAPI description (built here, once) as the module says."""
    schema = app.openapi_schema
    handlers = _handlers(app)
    for path, item in (schema.paths or {}).items():
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            operation: Operation | None = getattr(item, method, None)
            if operation is None:
                continue
            key = (method.upper(), path)
            handler = handlers.get(key)
            _statuses(operation, key, handler)
            _day_parameters(operation)
            if path in TUS_PATHS:
                _tus(operation, method.upper())
    _register_error_schema(schema)


def _handlers(app: Litestar) -> dict[tuple[str, str], Any]:
    found = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for method, (handler, _) in route.route_handler_map.items():
                found[(str(method), route.path_format)] = handler
    return found


def _statuses(operation: Operation, key: tuple[str, str], handler: Any) -> None:
    method, path = key
    responses = operation.responses if operation.responses is not None else {}
    operation.responses = responses
    if key in SUCCESS:
        old, new = SUCCESS[key]
        if str(old) in responses:
            responses[str(new)] = responses.pop(str(old))
    codes: set[int] = set(EXTRA.get(key, ()))
    if any(name.split(".")[0] in GUARDS for name in _guards(handler)):
        codes |= {401, 403}
    if "{" in path:
        codes.add(404)
    if method not in SAFE and method != "DELETE" and _takes_body(operation):
        codes |= {400, 408, 413}
    if operation.parameters:
        codes.add(400)
    for code in sorted(codes):
        responses[str(code)] = _error(code)


def _guards(handler: Any) -> list[str]:
    """The qualified names of the guards on the handler and every layer above it."""
    if handler is None:
        return []
    # Litestar wraps each guard; the function itself is its `func`.
    return [getattr(getattr(g, "func", g), "__qualname__", "") for g in handler.resolve_guards()]


def _takes_body(operation: Operation) -> bool:
    return operation.request_body is not None


def _error(code: int) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=REASONS[code],
        content={
            "application/json": OpenAPIMediaType(schema=Reference("#/components/schemas/Error"))
        },
    )


def _register_error_schema(schema: OpenAPI) -> None:
    assert schema.components is not None
    if schema.components.schemas is None:
        schema.components.schemas = {}
    schema.components.schemas["Error"] = ERROR_SCHEMA


def _day_parameters(operation: Operation) -> None:
    """A day in a path is a date (YYYY-MM-DD); anything else gets a 422 naming it."""
    for parameter in _parameters(operation.parameters):
        if parameter.param_in == "path" and parameter.name == "day":
            parameter.schema = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE)
            parameter.description = "The district's day, YYYY-MM-DD"


def _parameters(parameters: Iterable[Any] | None) -> list[Parameter]:
    return [p for p in parameters or () if isinstance(p, Parameter)]


def _tus(operation: Operation, method: str) -> None:
    parameters = list(operation.parameters or [])
    names = {p.name.lower() for p in _parameters(parameters)}
    for name, description, required, fmt in TUS_REQUEST.get(method, ()):
        if name.lower() in names:
            continue
        parameters.append(
            Parameter(
                name=name,
                param_in="header",
                required=required,
                description=description,
                schema=Schema(type=OpenAPIType.STRING, format=fmt),
            )
        )
    operation.parameters = parameters or None
    if method == "PATCH":  # the chunk itself
        operation.request_body = RequestBody(
            required=True,
            description="The bytes from Upload-Offset on (Content-Type: "
            "application/offset+octet-stream, else 415)",
            content={
                "application/offset+octet-stream": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                )
            },
        )
    success = next((r for code, r in (operation.responses or {}).items() if code < "300"), None)
    if isinstance(success, OpenAPIResponse):
        headers = dict(success.headers or {})
        for name in TUS_RESPONSE.get(method, ()):
            headers.setdefault(name, OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING)))
        success.headers = headers
