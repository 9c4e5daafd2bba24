"""The flexible-enforcement lists as the workbook their import reads: an export imports back
unchanged."""

from collections.abc import Iterator
from pathlib import Path

from sqlmodel import Session, col, select

from server.catalog.models import CheckItem
from server.core.workbook_out import write_workbook
from server.leniency.models import LeniencyEntry, LeniencyEntryItem, LeniencyList
from server.leniency.sheets import (
    CORRECTION_LABELS,
    ENTRIES,
    EXAMPLES,
    KIND_LABELS,
    LISTS,
    NOTES,
    SHEETS,
)

__all__ = ["export_leniency", "write_leniency_template"]


def _yes(value: bool) -> str:
    return "是" if value else "否"


def export_leniency(session: Session, path: str | Path) -> None:
    """Write every list version and entry to `path` (XLSX)."""
    lists = list(session.exec(select(LeniencyList).order_by(col(LeniencyList.code))))
    codes = {row.id: row.code for row in lists}
    items: dict = {}
    for entry_id, code in session.exec(
        select(LeniencyEntryItem.entry_id, CheckItem.code).join(
            CheckItem, col(CheckItem.id) == LeniencyEntryItem.check_item_id
        )
    ):
        items.setdefault(entry_id, []).append(code)

    def list_rows() -> Iterator[tuple[object, ...]]:
        for row in lists:
            yield (
                row.code,
                KIND_LABELS[row.kind],
                row.name,
                row.document,
                row.document_no,
                row.effective_from.isoformat(),
                row.effective_to.isoformat() if row.effective_to else "",
            )

    def entry_rows() -> Iterator[tuple[object, ...]]:
        entries = session.exec(select(LeniencyEntry))
        for e in sorted(entries, key=lambda e: (codes[e.list_id], e.no.zfill(16))):
            yield (
                codes[e.list_id],
                e.no,
                "；".join(sorted(items.get(e.id, []))),
                e.conduct,
                _yes(e.first_violation),
                CORRECTION_LABELS[e.correction],
                _yes(e.minor_harm),
                e.basis,
                e.note,
            )

    write_workbook(path, [(LISTS, list_rows()), (ENTRIES, entry_rows())])


def write_leniency_template(path: str | Path) -> None:
    """An empty workbook: headers, one example row per sheet, a notes sheet."""
    write_workbook(path, [(t, [EXAMPLES[t.key]]) for t in SHEETS], NOTES)
