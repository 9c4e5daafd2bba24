"""How the codes console answers besides its pages: a message beside the form that was sent, the
page of a merchant that is not there (or not this supervisor's to see), and a form that does not
parse."""

import re
from collections.abc import Callable

from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.response import Template
from markupsafe import escape

from server.auth.access import console_principal, merchant_in_scope
from server.core.i18n import t
from server.core.principal import Principal
from server.policy.rules import Policy

__all__ = ["form_refused", "in_scope", "message", "not_found_page"]


def message(text: str, status: int = 200) -> Response[str]:
    """`text` for the form's message area. htmx swaps only 2xx answers, so a message for the
    form comes back as 200."""
    return Response(
        f'<p class="error">{escape(text)}</p>', media_type="text/html", status_code=status
    )


_NOT_FOUND_PAGE = """{% extends "base.html" %}
{% block content %}<p class="error">{{ t("error.not_found") }}</p>
<p><a href="/console/codes/">{{ t("codes.console.title") }}</a></p>{% endblock %}"""


def not_found_page(user: Principal) -> Template:
    return Template(
        template_str=_NOT_FOUND_PAGE,
        context={"user": user, "csrf_token": user.csrf_token},
        status_code=404,
    )


async def in_scope(request: Request) -> Response | None:
    """Every merchant route answers another street's merchant as it answers an unknown one."""
    user = console_principal(request.scope.get("user"))
    merchant_id = request.path_params.get("merchant_id")
    if user is None or merchant_id is None or await merchant_in_scope(request, user, merchant_id):
        return None
    if request.method == "GET":
        return not_found_page(user)
    return message(t("error.not_found"), 404)


_MISSING_FIELD = re.compile(r"field `([^`]+)`")


def _fields(exc: ValidationException) -> list[str]:
    """The form fields a validation error names (a missing field is named in its message)."""
    names = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key") or "")
        missing = _MISSING_FIELD.search(str(item.get("message") or ""))
        names.append(missing.group(1) if key == "data" and missing else key)
    return [name for name in names if name]


def form_refused(
    **reasons: Callable[[Policy], str],
) -> dict[type[Exception], Callable[[Request, ValidationException], Response[str]]]:
    """The exception handlers of a console form whose body is parsed into a request type: a
    field that does not parse is answered beside the form, with `reasons[field]` (the words the
    service would use) or else the fields named."""

    def refused(request: Request, exc: ValidationException) -> Response[str]:
        if console_principal(request.scope.get("user")) is None:
            return message(t("auth.forbidden"), 403)
        fields = _fields(exc)
        for name in fields:
            if name in reasons:
                return message(reasons[name](request.app.state.policy))
        return message(t("error.validation", fields="、".join(fields) or str(exc.detail)))

    return {ValidationException: refused}
