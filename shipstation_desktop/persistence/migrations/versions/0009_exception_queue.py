"""supervisor exception queue: assignment, notes, bench, resolution fields

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 20:15:00

bench_id, resolution, resolved_at and resolved_by already exist. The queue adds the open problem's
identity (dedup_key) and report count, the assignee, and a notes thread (its own synced table:
append-only rows merge across benches, a JSON list would not).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: NOT NULL columns with constant defaults need no table copy on SQLite.
    op.add_column(
        "shipment_exceptions", sa.Column("dedup_key", sa.String(length=200), nullable=False, server_default="")
    )
    op.add_column("shipment_exceptions", sa.Column("occurrences", sa.Integer(), nullable=False, server_default="1"))
    op.add_column(
        "shipment_exceptions", sa.Column("assigned_to", sa.String(length=120), nullable=False, server_default="")
    )
    op.add_column("shipment_exceptions", sa.Column("assigned_at", sa.String(length=32), nullable=True))
    op.create_index("ix_shipment_exceptions_dedup_key", "shipment_exceptions", ["dedup_key"])
    op.create_table(
        "exception_notes",
        sa.Column("exception_id", sa.String(length=36), nullable=False),
        sa.Column("written_at", sa.String(length=32), nullable=False),
        sa.Column("written_by", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("bench_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["exception_id"], ["shipment_exceptions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exception_notes_exception_id", "exception_notes", ["exception_id"])


def downgrade() -> None:
    op.drop_index("ix_exception_notes_exception_id", table_name="exception_notes")
    op.drop_table("exception_notes")
    op.drop_index("ix_shipment_exceptions_dedup_key", table_name="shipment_exceptions")
    with op.batch_alter_table("shipment_exceptions", schema=None) as batch_op:
        for name in ("assigned_at", "assigned_to", "occurrences", "dedup_key"):
            batch_op.drop_column(name)
