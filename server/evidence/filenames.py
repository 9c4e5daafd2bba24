"""A file's own name, as a phone or a recorder's dock sends it: taken only when it cannot be read
as a path and cannot turn the text around it."""

import re

from server.core.inputs import unsafe_text

__all__ = ["safe_filename"]

_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_filename(name: str | None) -> str | None:
    """The name without surrounding spaces; None if it is empty, longer than 255 characters,
    `.` or `..`, holds a slash or a backslash, begins with a drive letter, or holds control
    characters or those that turn text (U+202E …)."""
    value = (name or "").strip()
    bad = (
        not value
        or len(value) > 255
        or value in (".", "..")
        or any(c in value for c in "/\\")
        or unsafe_text(value)
        or _DRIVE.match(value)
    )
    return None if bad else value
