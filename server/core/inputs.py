"""Input that must not reach the database unchecked: one guard on every route, and the bounds the
handlers share.

PostgreSQL cannot store or even compare a text with a NUL character (U+0000) in it, and a
number past a 64-bit integer overflows its columns and OFFSET; SQLite takes both, so the same
request must be refused the same way on both. The app-wide guard refuses, with a 400 naming the
field, a NUL in a path parameter, a query parameter, a url-encoded form field or any string (or
key) of a JSON body, and a JSON or query integer past 64 bits or a JSON number past a float.
Multipart forms stream and are checked where their fields are read (`nul_field`). Routes whose
path holds a token they never store (the public pages under /m/) answer a malformed one with the
same page as an unknown one, NUL or not: their handlers set `opt={TOKEN_PATH: True}`.
"""

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

import msgspec
from litestar.connection import ASGIConnection, Request
from litestar.exceptions import ClientException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import QueryParameter

from server.core.i18n import t

__all__ = [
    "MAX_INT",
    "MAX_PAGE",
    "TOKEN_PATH",
    "Page",
    "input_guard",
    "like_contains",
    "neutralised",
    "nul_field",
    "sane_day",
    "sane_moment",
    "shown",
    "unsafe_text",
]

NUL = "\x00"
# A route's opt: its path parameters are tokens its handler neutralises or hashes, and any text
# in them gets the page of an unknown token (telling malformed from unknown would be an oracle).
TOKEN_PATH = "token_path"
MAX_INT = 2**63 - 1
# A page past this is past any list the app keeps (500 rows a page: fifty million rows).
MAX_PAGE = 100_000
Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="page number, from 1")]
# Years a real moment of this app lies in: a phone whose clock was reset says 1970 or 1980.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
# What makes a JSON body worth a full look: a NUL escape, a long run of digits, a huge exponent.
_SUSPECT_JSON = re.compile(rb"\\u0000|\d{19,}|[eE][+-]?\d{3,}")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_FORM = "application/x-www-form-urlencoded"


def _refuse(key: str, **values: object) -> ClientException:
    return ClientException(status_code=400, detail=t(key, **values))


def nul_field(fields: Mapping[str, Any]) -> str | None:
    """The name of the first field whose text holds a NUL, if any."""
    for name, value in fields.items():
        if NUL in name or (isinstance(value, str) and NUL in value):
            return name
    return None


def _check_pairs(pairs: Iterable[tuple[str, str]]) -> None:
    for name, value in pairs:
        if NUL in name or NUL in value:
            raise _refuse("error.nul_char", field=shown(name) or "?")
        if _INTEGER.fullmatch(value) and abs(int(value)) > MAX_INT:
            raise _refuse("error.number_range", field=shown(name))


def _json_problem(value: Any, path: str) -> tuple[str, str] | None:
    """(i18n key, field path) of the first value the database could not take."""
    if isinstance(value, str):
        return ("error.nul_char", path or "$") if NUL in value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return ("error.number_range", path or "$") if abs(value) > MAX_INT else None
    if isinstance(value, float):
        return None if math.isfinite(value) else ("error.number_range", path or "$")
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return "error.nul_char", here
            if found := _json_problem(item, here):
                return found
    if isinstance(value, list):
        for n, item in enumerate(value):
            if found := _json_problem(item, f"{path}[{n}]"):
                return found
    return None


async def input_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Guard of every route: refuse what the database cannot take, naming where it is."""
    if not handler.opt.get(TOKEN_PATH):
        _check_pairs((k, str(v)) for k, v in connection.path_params.items())
    _check_pairs(connection.query_params.multi_items())
    if not isinstance(connection, Request) or connection.method in ("GET", "HEAD", "OPTIONS"):
        return
    ctype = connection.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == _FORM:
        body = await connection.body()
        if b"%00" in body or b"\x00" in body:
            text = body.decode("utf-8", "replace")
            _check_pairs(parse_qsl(text, keep_blank_values=True))
    elif ctype == "application/json" or ctype.endswith("+json"):
        body = await connection.body()
        if _SUSPECT_JSON.search(body):
            try:
                parsed = msgspec.json.decode(body)
            except msgspec.DecodeError:
                return  # the handler's parsing says what is wrong with it
            if found := _json_problem(parsed, ""):
                raise _refuse(found[0], field=shown(found[1]))


def unsafe_text(value: str) -> bool:
    """Whether a name holds characters that change how text around them is shown: control and
    format characters (bidirectional overrides such as U+202E, zero-width ones) and line or
    paragraph separators."""
    return any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value)


def shown(value: str, limit: int = 80) -> str:
    """A value quoted back to a person: invisible and direction-changing characters written out
    as \\uXXXX, so a message cannot be made to read differently from what was sent."""
    text = value[:limit]
    if not unsafe_text(text):
        return text
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
        for c in text
    )


def neutralised(value: str) -> str:
    """A name with its control and direction-changing characters replaced by "_", for names
    that must be kept (a recorder's file read from its card) rather than refused."""
    if not unsafe_text(value):
        return value
    return "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in value)


def sane_moment(moment: datetime) -> bool:
    """A moment with its UTC offset that lies between 1900 and 2999 once in UTC (year 1 at
    +14:00 is no moment the database or the district's clock can hold)."""
    if moment.tzinfo is None:
        return False
    try:
        year = moment.astimezone(UTC).year
    except (OverflowError, ValueError):
        return False
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def sane_day(day: date) -> bool:
    return EARLIEST_YEAR <= day.year <= LATEST_YEAR


def like_contains(term: str) -> str:
    """A LIKE pattern finding `term` anywhere, its own % and _ taken literally (ESCAPE '\\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
