"""inventory: stock per SKU, movements, low-stock thresholds

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 20:15:00

See shipstation_desktop/persistence/inventory_tables.py for which of them sync and why.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _synced_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("bench_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.String(length=32), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "inventory_items",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("low_stock_threshold", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inventory_items", schema=None) as batch_op:
        batch_op.create_index(
            "uq_inventory_items_sku", ["sku"], unique=True, sqlite_where=sa.text("deleted_at IS NULL")
        )
    op.create_table(
        "stock_movements",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=True),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_synced_columns(),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.create_index("ix_stock_movements_sku", ["sku"], unique=False)
        batch_op.create_index("ix_stock_movements_order_id", ["order_id"], unique=False)
    op.create_table(
        "stock_levels",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("alert_level", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("sku"),
    )


def downgrade() -> None:
    op.drop_table("stock_levels")
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_movements_order_id")
        batch_op.drop_index("ix_stock_movements_sku")
    op.drop_table("stock_movements")
    with op.batch_alter_table("inventory_items", schema=None) as batch_op:
        batch_op.drop_index("uq_inventory_items_sku")
    op.drop_table("inventory_items")
