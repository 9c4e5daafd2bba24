"""Writing an import's rows: new rows in batches as the file streams, changed rows at once
with an audit row naming each changed field; and reading a cell as the catalogue means it."""

import uuid
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from server.audit.service import Actor, record
from server.core.cells import cell_bool, cell_date
from server.core.import_report import RowError
from server.core.workbook import RowSource

__all__ = [
    "BATCH",
    "Writer",
    "day_of",
    "diff",
    "plain",
    "plain_changes",
    "split",
    "text_of",
    "yes_no",
]

BATCH = 2000
_SEPARATORS = str.maketrans({"；": ";", "，": ";", ",": ";", "、": ";", "\n": ";"})
_REQUIRED = ("code", "name", "text", "matter", "department", "domain")


class Writer:
    """An import's writes and their audit rows (`action`: the audit's name for a changed row)."""

    def __init__(
        self, session: Session, file: str, actor: Actor, action: str = "catalogue.import.update"
    ) -> None:
        self.session, self.file, self.actor, self.action = session, file, actor, action
        self.pending: dict[type, list[dict[str, Any]]] = {}

    def insert(self, model: type, row: dict[str, Any]) -> None:
        rows = self.pending.setdefault(model, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(model)

    def flush(self, model: type | None = None) -> None:
        for kind in [model] if model else list(self.pending):
            rows = self.pending.pop(kind, [])
            if rows:
                self.session.execute(insert(kind), rows)

    def update(
        self, model: type, entity: str, row_id: uuid.UUID, changes: dict[str, list[Any]], line: int
    ) -> str:
        values = {name: new for name, (_, new) in changes.items()}
        self.session.execute(
            model.__table__.update().where(model.__table__.c.id == row_id).values(**values)
        )
        self.audit(entity, row_id, line, plain_changes(changes))
        return "updated"

    def audit(self, entity: str, row_id: uuid.UUID, line: int, changes: dict[str, Any]) -> None:
        record(
            self.session,
            action=self.action,
            entity=entity,
            entity_id=row_id,
            actor=self.actor.name,
            actor_id=self.actor.id,
            ip=self.actor.ip,
            detail={"file": self.file, "line": line, "changes": changes},
        )


def text_of(source: RowSource, cells: list[str], column: str, limit: int | None = None) -> str:
    value = source.get(cells, column)
    label = source.label(column)
    if not value and column in _REQUIRED:
        raise RowError("import.empty", field=label)
    if limit is not None and len(value) > limit:
        raise RowError("import.too_long", field=label, limit=limit, length=len(value))
    if column == "code" and any(c.isspace() for c in value):
        raise RowError("import.has_space", field=label, value=value)
    return value


def yes_no(source: RowSource, cells: list[str], column: str) -> bool:
    raw = source.get(cells, column)
    value = cell_bool(raw)
    if value is None:
        raise RowError("import.not_yes_no", field=source.label(column), value=raw)
    return value


def split(raw: str) -> list[str]:
    return [part.strip() for part in raw.translate(_SEPARATORS).split(";") if part.strip()]


def day_of(source: RowSource, cells: list[str], column: str) -> Any:
    raw = source.get(cells, column)
    if not raw:
        return None
    day = cell_date(raw)
    if day is None:
        raise RowError("import.not_date", field=source.label(column), value=raw)
    return day


def diff(old: tuple, new: tuple) -> dict[str, list[Any]]:
    return {
        name: [o, n]
        for name, o, n in zip(old._fields, old, new, strict=True)  # type: ignore[attr-defined]
        if name != "id" and o != n
    }


def plain_changes(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Changed fields as an audit row keeps them: [old, new], dates and ids as text."""
    return {k: [plain(o), plain(n)] for k, (o, n) in changes.items()}


def plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return value.isoformat() if hasattr(value, "isoformat") else value
