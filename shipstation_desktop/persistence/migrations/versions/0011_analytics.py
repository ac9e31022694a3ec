"""analytics: pack step timings and carrier API call log

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 20:15:00

api_calls is local (pruned after a few weeks); pack_steps syncs (a supervisor sees every bench);
shipments.promised_delivery keeps the first ETA, since estimated_delivery follows tracking.
See shipstation_desktop/persistence/analytics_tables.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_calls",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("operation", sa.String(length=200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_calls", schema=None) as batch_op:
        batch_op.create_index("ix_api_calls_at", ["at"], unique=False)
        batch_op.create_index("ix_api_calls_carrier_at", ["carrier", "at"], unique=False)
    op.create_table(
        "pack_steps",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("packer", sa.String(length=120), nullable=False),
        sa.Column("bench_name", sa.String(length=120), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.String(length=32), nullable=False),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("bench_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pack_steps", schema=None) as batch_op:
        batch_op.create_index("ix_pack_steps_session_id", ["session_id"], unique=False)
        batch_op.create_index("ix_pack_steps_started", ["started_at"], unique=False)
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promised_delivery", sa.String(length=32), nullable=True))
    # Shipments bought before this version: their current ETA is the best promise still known.
    op.execute("UPDATE shipments SET promised_delivery = estimated_delivery WHERE promised_delivery IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_column("promised_delivery")
    with op.batch_alter_table("pack_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_pack_steps_started")
        batch_op.drop_index("ix_pack_steps_session_id")
    op.drop_table("pack_steps")
    with op.batch_alter_table("api_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_api_calls_carrier_at")
        batch_op.drop_index("ix_api_calls_at")
    op.drop_table("api_calls")
