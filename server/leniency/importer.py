"""Importing the flexible-enforcement workbook: list versions, then their entries.

A list version is matched by its code, an entry by its list and number: a new one is added, a
known one whose content changed is updated with an audit row naming each changed field, one
unchanged is left alone, so the same file imported twice changes nothing. A bad row is reported
by sheet, line and reason and the good ones are kept. The caller commits.
"""

import uuid
from functools import partial
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, delete, select

from server.audit.service import Actor, record
from server.catalog.import_writer import Writer, day_of, plain_changes, split, text_of, yes_no
from server.catalog.models import CheckItem
from server.core.import_report import ImportReport, RowError, read_sheets
from server.core.workbook import RowSource, Table, header_key
from server.leniency.models import LeniencyEntry, LeniencyEntryItem, LeniencyList
from server.leniency.sheets import CORRECTION_WORDS, ENTRIES, KIND_WORDS, LISTS, SHEETS

__all__ = ["import_leniency"]

_LIST_FIELDS = ("kind", "name", "document", "document_no", "effective_from", "effective_to")
_ENTRY_FIELDS = ("conduct", "first_violation", "correction", "minor_harm", "basis", "note")


def _limited(source: RowSource, cells: list[str], column: str, limit: int) -> str:
    value = source.get(cells, column)
    if len(value) > limit:
        raise RowError(
            "import.too_long", field=source.label(column), limit=limit, length=len(value)
        )
    return value


class _LeniencyImport:
    def __init__(self, session: Session, file: Path, actor: Actor) -> None:
        self.session, self.file, self.actor = session, file.name, actor
        self.writer = Writer(session, file.name, actor, action="leniency.import.update")
        self.report = ImportReport(file.name)
        self.lists = {row.code: row for row in session.exec(select(LeniencyList))}
        self.items = dict(session.exec(select(CheckItem.code, CheckItem.id)).all())

    def sheet(self, table: Table, source: RowSource, store: Any) -> None:
        columns = ("list", "no") if table is ENTRIES else ("code",)
        key_of = lambda cells: " ".join(source.get(cells, c) for c in columns).strip()  # noqa: E731
        self.report.read_rows(table, source, key_of, store)

    def _changed(self, row: Any, new: dict[str, Any], entity: str, line: int) -> str:
        changes = {k: [getattr(row, k), v] for k, v in new.items() if getattr(row, k) != v}
        if not changes:
            return "unchanged"
        for name, (_, value) in changes.items():
            setattr(row, name, value)
        self.session.add(row)
        self.writer.audit(entity, row.id, line, plain_changes(changes))
        return "updated"

    def list_version(self, source: RowSource, cells: list[str], line: int) -> str:
        code = text_of(source, cells, "code", 32)
        raw_kind = source.get(cells, "kind")
        kind = KIND_WORDS.get(header_key(raw_kind))
        if kind is None:
            raise RowError("leniency.import.bad_kind", value=raw_kind or "（空）")
        name = text_of(source, cells, "name", 255)
        document = _limited(source, cells, "document", 255)
        if not document:
            raise RowError("import.empty", field=source.label("document"))
        start = day_of(source, cells, "effective_from")
        if start is None:
            raise RowError("import.empty", field=source.label("effective_from"))
        end = day_of(source, cells, "effective_to")
        if end is not None and end < start:
            raise RowError("import.period_reversed", start=start, end=end)
        new = {
            "kind": kind,
            "name": name,
            "document": document,
            "document_no": _limited(source, cells, "document_no", 64),
            "effective_from": start,
            "effective_to": end,
        }
        old = self.lists.get(code)
        if old is None:
            self.lists[code] = LeniencyList(code=code, **new)
            self.session.add(self.lists[code])
            self.session.flush()
            return "added"
        return self._changed(old, new, "leniency_list", line)

    def _item_ids(self, source: RowSource, cells: list[str]) -> list[uuid.UUID]:
        codes = split(source.get(cells, "items"))
        unknown = [c for c in codes if c not in self.items]
        if unknown or not codes:
            raise RowError("leniency.import.unknown_items", codes="、".join(unknown) or "（空）")
        return list(dict.fromkeys(self.items[c] for c in codes))

    def entry(self, source: RowSource, cells: list[str], line: int) -> str:
        list_code = source.get(cells, "list")
        listed = self.lists.get(list_code)
        if listed is None:
            raise RowError("leniency.import.unknown_list", code=list_code or "（空）")
        no = text_of(source, cells, "no", 16)
        if not no:
            raise RowError("import.empty", field=source.label("no"))
        items = self._item_ids(source, cells)
        raw = source.get(cells, "correction")
        correction = CORRECTION_WORDS.get(header_key(raw))
        if correction is None:
            raise RowError("leniency.import.bad_correction", value=raw)
        new = {
            "conduct": _limited(source, cells, "conduct", 2000),
            "first_violation": yes_no(source, cells, "first_violation"),
            "correction": correction,
            "minor_harm": yes_no(source, cells, "minor_harm"),
            "basis": _limited(source, cells, "basis", 2000),
            "note": _limited(source, cells, "note", 2000),
        }
        old = self.session.exec(
            select(LeniencyEntry).where(LeniencyEntry.list_id == listed.id, LeniencyEntry.no == no)
        ).first()
        if old is None:
            row = LeniencyEntry(list_id=listed.id, no=no, **new)
            self.session.add(row)
            self.session.flush()
            self.session.add_all(LeniencyEntryItem(entry_id=row.id, check_item_id=i) for i in items)
            return "added"
        outcome = self._changed(old, new, "leniency_entry", line)
        before = set(
            self.session.exec(
                select(LeniencyEntryItem.check_item_id).where(LeniencyEntryItem.entry_id == old.id)
            )
        )
        if before == set(items):
            return outcome
        self.session.exec(
            delete(LeniencyEntryItem).where(col(LeniencyEntryItem.entry_id) == old.id)
        )
        self.session.add_all(LeniencyEntryItem(entry_id=old.id, check_item_id=i) for i in items)
        names = {v: k for k, v in self.items.items()}
        self.writer.audit(
            "leniency_entry",
            old.id,
            line,
            {"items": [sorted(names[i] for i in before), sorted(names[i] for i in items)]},
        )
        return "updated"


def import_leniency(session: Session, path: str | Path, *, actor: Actor) -> ImportReport:
    """Import the flexible-enforcement workbook at `path`; raise WorkbookError if it cannot be
    read. Writes through the session; the caller commits."""
    path = Path(path)
    run = _LeniencyImport(session, path, actor)
    steps = ((LISTS, run.list_version), (ENTRIES, run.entry))
    read_sheets(path, [(table, partial(run.sheet, store=store)) for table, store in steps], SHEETS)
    session.flush()
    record(
        session,
        action="leniency.import",
        entity="leniency_list",
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail=run.report.as_dict(),
    )
    return run.report
