"""two more roles (legal, oversight); one-time password reset links

`app_user.role` takes `legal` (法制审核) and `oversight` (执法监督) besides the three roles it took.
An administrator's password reset link is a row of `password_reset`, holding only the SHA-256 of
its secret.

On SQLite the role's CHECK is rewritten in place, as SQLite documents for loosening a CHECK
constraint (https://sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema
Changes"): the table's definition in sqlite_schema is edited and the schema version bumped, in
the migration's transaction. Batch mode would copy `app_user` into a new table and drop the old
one: with foreign keys on, the DROP is refused as soon as anything refers to a user (an audit
row, a route); with them deferred it deletes every session, leave and recusal that cascades from
a user; and either way the table's day-packet trigger goes with it. Nothing but the constraint's
text changes here: rows, indexes, triggers and references stay as they are.

Revision ID: b7e2c41d9a53
Revises: cff407a1e549
Create Date: 2026-12-05 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b7e2c41d9a53"
down_revision: str | None = "cff407a1e549"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "app_user_role"
OLD = "role IN ('admin', 'supervisor', 'inspector')"
NEW = "role IN ('admin', 'supervisor', 'inspector', 'legal', 'oversight')"


def _sqlite_rewrite_check(old: str, new: str) -> None:
    """Replace the CHECK `old` of app_user by `new` in SQLite's own record of the table."""
    bind = op.get_bind()
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'app_user'"
    ).scalar_one()
    written = f"CONSTRAINT {CONSTRAINT} CHECK ({old})"
    if table_sql.count(written) != 1:
        raise RuntimeError(f"app_user's definition does not hold {written!r} once: {table_sql}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'app_user'",
        (table_sql.replace(written, f"CONSTRAINT {CONSTRAINT} CHECK ({new})"),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    # Read through the new definition (a definition SQLite could not parse fails here, and the
    # transaction with it): every row must meet the new constraint.
    breaking = bind.exec_driver_sql(f"SELECT count(*) FROM app_user WHERE NOT ({new})").scalar()
    if breaking:
        raise RuntimeError(f"{breaking} users do not meet {new!r}")


def _set_role_check(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite_check(old, new)
    else:
        op.drop_constraint(CONSTRAINT, "app_user", type_="check")
        op.create_check_constraint(CONSTRAINT, "app_user", sa.text(new))


def upgrade() -> None:
    _set_role_check(OLD, NEW)
    op.create_table(
        "password_reset",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_password_reset_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_password_reset_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_password_reset_secret_hash")),
    )
    op.create_index(op.f("ix_password_reset_user_id"), "password_reset", ["user_id"], unique=False)


def downgrade() -> None:
    held = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT username FROM app_user WHERE role IN ('legal', 'oversight') "
                "ORDER BY username"
            )
        )
        .scalars()
        .all()
    )
    if held:
        # Whose role they should have instead is an administrator's call, not a migration's.
        raise RuntimeError(
            "users hold the roles legal or oversight; give them another role first: "
            + ", ".join(held)
        )
    op.drop_index(op.f("ix_password_reset_user_id"), table_name="password_reset")
    op.drop_table("password_reset")
    _set_role_check(NEW, OLD)
