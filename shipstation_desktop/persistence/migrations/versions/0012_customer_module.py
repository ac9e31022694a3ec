"""customer module: notes, communications, status changes, aliases, address validation; users; audit log

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 22:20:00

PII columns change type in the models only (sealed text, persistence/pii.py): SQLite stores text
either way, so no table is rebuilt here; services/pii_keys.reseal encrypts existing rows at the first
start with a key. See persistence/customer_tables.py, audit_tables.py, user_tables.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The audit log is append-only on the bench: history cannot be edited or removed, even by a bug.
APPEND_ONLY_AUDIT = (
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("user", sa.String(length=120), nullable=False),
        sa.Column("bench_name", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("bench_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_log_target", ["target_type", "target_id"], unique=False)
        batch_op.create_index("ix_audit_log_user", ["user"], unique=False)

    op.create_table(
        "login_failures",
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.String(length=32), nullable=True),
        sa.Column("locked_until", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("user_name"),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("pin_hash", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_changed_at", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("bench_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("uq_users_name", ["name"], unique=True, sqlite_where=sa.text("deleted_at IS NULL"))

    op.create_table(
        "customer_aliases",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("email_normalized", sa.Text(), nullable=False),
        sa.Column("merged_from", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("bench_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("customer_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_aliases_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            "uq_customer_aliases_email", ["email_normalized"], unique=True, sqlite_where=sa.text("deleted_at IS NULL")
        )

    op.create_table(
        "customer_communications",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("bench_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("customer_communications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_communications_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "customer_notes",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("bench_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("customer_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_notes_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "customer_status_changes",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("previous_status", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("bench_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("customer_status_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_status_changes_customer_id"), ["customer_id"], unique=False)

    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("validation_status", sa.String(length=16), nullable=False, server_default="UNVERIFIED")
        )
        batch_op.add_column(sa.Column("validation_message", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("validated_by", sa.String(length=120), nullable=False, server_default=""))

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))
        batch_op.drop_index(batch_op.f("ix_customers_name"))
        batch_op.create_index("ix_customers_external_id", ["external_id"], unique=False)
        batch_op.create_index("ix_customers_last_order", ["last_order_date"], unique=False)
        batch_op.create_index("ix_customers_status", ["status"], unique=False)

    for statement in APPEND_ONLY_AUDIT:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_status")
        batch_op.drop_index("ix_customers_last_order")
        batch_op.drop_index("ix_customers_external_id")
        batch_op.create_index(batch_op.f("ix_customers_name"), ["name"], unique=False)
        batch_op.drop_column("merged_into")

    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.drop_column("validated_by")
        batch_op.drop_column("override_reason")
        batch_op.drop_column("validation_message")
        batch_op.drop_column("validation_status")

    with op.batch_alter_table("customer_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_status_changes_customer_id"))

    op.drop_table("customer_status_changes")
    with op.batch_alter_table("customer_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_notes_customer_id"))

    op.drop_table("customer_notes")
    with op.batch_alter_table("customer_communications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_communications_customer_id"))

    op.drop_table("customer_communications")
    with op.batch_alter_table("customer_aliases", schema=None) as batch_op:
        batch_op.drop_index("uq_customer_aliases_email", sqlite_where=sa.text("deleted_at IS NULL"))
        batch_op.drop_index(batch_op.f("ix_customer_aliases_customer_id"))

    op.drop_table("customer_aliases")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("uq_users_name", sqlite_where=sa.text("deleted_at IS NULL"))

    op.drop_table("users")
    op.drop_table("login_failures")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_user")
        batch_op.drop_index("ix_audit_log_target")
        batch_op.drop_index("ix_audit_log_at")

    op.drop_table("audit_log")
