"""sync: a shipment the center superseded (same order shipped on two offline benches)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 12:00:00

The losing shipment is kept (its label was bought and must be voided) but is no longer "live", so
the one-live-shipment-per-order index must skip it. See docs/adr/0008-sync-conflict-rules.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OLD = "status NOT IN ('CANCELLED', 'PENDING') AND deleted_at IS NULL"
_NEW = _OLD + " AND superseded_by IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_by", sa.String(length=36), nullable=True))
        batch_op.drop_index("uq_shipments_live_order", sqlite_where=sa.text(_OLD))
        batch_op.create_index("uq_shipments_live_order", ["order_id"], unique=True, sqlite_where=sa.text(_NEW))


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("uq_shipments_live_order", sqlite_where=sa.text(_NEW))
        batch_op.create_index("uq_shipments_live_order", ["order_id"], unique=True, sqlite_where=sa.text(_OLD))
        batch_op.drop_column("superseded_by")
