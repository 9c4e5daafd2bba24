"""The public pages' fixed words, looked up and escaped once per process.

`GET /m/{token}` is the hottest page; calling t() from the template for every label cost more
than the database. Templates read `pt.<key>` (dots become underscores) instead.
"""

from typing import Any

from markupsafe import Markup, escape

from server.core.i18n import DEFAULT_LOCALE, MESSAGES, t
from server.core.settings import Settings
from server.evidence.public_photos import mb
from server.policy.rules import COLOURS, Policy

__all__ = ["PublicText"]

_PREFIXES = ("public.", "owner.", "colour.", "result.", "order.status.", "complaint.status.")


class PublicText:
    """Every public.*, owner.*, colour.*, result.* … message as an attribute, pre-escaped."""

    def __init__(self, settings: Settings, policy: Policy) -> None:
        for key, value in MESSAGES[DEFAULT_LOCALE].items():
            if key.startswith(_PREFIXES) and "{" not in value:
                setattr(self, key.replace(".", "_"), Markup(escape(value)))
        self.colour = {c: Markup(escape(t(f"colour.{c}"))) for c in COLOURS}
        self.complaint_photo = escape(t("public.complaint_photo", max=mb(settings.photo_max_bytes)))
        self.legend = [
            (c, self.colour[c], escape(t(f"colour.meaning.{c}", months=policy.interval(c))))
            for c in COLOURS
        ]

    def result(self, code: str) -> Any:
        return getattr(self, f"result_{code}", code)

    def order_status(self, code: str) -> Any:
        return getattr(self, f"order_status_{code}", code)
