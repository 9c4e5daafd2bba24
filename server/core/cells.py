"""What a spreadsheet cell typed by a person means: 是/否, a date in any of the usual forms."""

import re
import unicodedata
from datetime import date

from server.core.workbook import header_key

__all__ = ["cell_bool", "cell_date"]

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "对"}
_FALSE = {"否", "n", "no", "false", "0", "", "×", "x"}


def cell_bool(raw: str) -> bool | None:
    """是/否 (or yes/no, 1/0, √/×) as a bool; None when it is neither."""
    key = header_key(raw)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def cell_date(raw: str) -> date | None:
    """A date typed as 2026-03-01, 2026/3/1, 2026.3.1 or 2026年3月1日; None when it is not one."""
    text = unicodedata.normalize("NFKC", raw).strip()
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?", text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
