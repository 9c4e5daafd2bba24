"""The decision measures a matter may lead to, and which of them are reserved to the district
(级别管辖): a street's team may not decide a reserved measure, it transfers the case instead.

The words are fixed here; each matter of the catalogue names the ones reserved for it
(`Matter.reserved_measures`), and a catalogue workbook sets them in its 区级保留措施 column.
"""

from server.catalog.import_writer import split
from server.catalog.models import RESERVED_BY_DEFAULT
from server.core.i18n import t
from server.core.import_report import RowError
from server.core.workbook import RowSource

__all__ = [
    "MAJOR_MEASURES",
    "MEASURES",
    "NONE_WORDS",
    "measure_name",
    "parse_measures",
    "reserved_cell",
]

# Every measure, in the order the papers list them.
MEASURES = (
    "warning",  # 警告
    "fine",  # 罚款
    "confiscation",  # 没收违法所得
    "large_fine",  # 较大数额罚没
    "demote_qualification",  # 降低资质等级
    "revoke_licence",  # 吊销许可证件
    "suspend",  # 责令停产停业
    "close",  # 责令关闭
    "restrict_practice",  # 限制从业
)
# The major measures: reserved to the district for every matter unless its catalogue row says
# otherwise, and what makes a case major (three levels of legal review).
MAJOR_MEASURES = RESERVED_BY_DEFAULT
# What a workbook cell may say for "nothing reserved".
NONE_WORDS = ("无", "none", "-")


def measure_name(code: str) -> str:
    """The measure in the papers' words (罚款 …)."""
    return t(f"measure.{code}")


def _by_word() -> dict[str, str]:
    words = {code: code for code in MEASURES}
    words.update({measure_name(code): code for code in MEASURES})
    return words


def parse_measures(words: list[str]) -> tuple[list[str], list[str]]:
    """The measure codes `words` name (a code or its Chinese name), in the fixed order, and the
    words that name none."""
    known = _by_word()
    found = {known[w] for w in words if w in known}
    unknown = [w for w in words if w not in known]
    return [code for code in MEASURES if code in found], unknown


def reserved_cell(
    source: RowSource, cells: list[str], kept: tuple[str, ...] | None
) -> tuple[str, ...]:
    """A matters row's 区级保留措施: blank is the major measures (a sheet without the column
    keeps what a known matter had, `kept`), 无 is none; an unknown word refuses the row."""
    raw = source.get(cells, "reserved") if "reserved" in source.columns else ""
    if not raw:
        if kept is not None and "reserved" not in source.columns:
            return kept
        return tuple(MAJOR_MEASURES)
    words = split(raw)
    if len(words) == 1 and words[0].lower() in NONE_WORDS:
        return ()
    codes, unknown = parse_measures(words)
    if unknown:
        raise RowError(
            "import.bad_measure",
            field=source.label("reserved"),
            value="、".join(unknown),
            known="、".join(measure_name(m) for m in MEASURES),
        )
    return tuple(codes)
