"""tracking polls: when each live shipment is next asked about at its carrier (local to the bench)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:50:00

Kept out of `shipments` on purpose: a poll is this bench's housekeeping, and writing it on a synced
row would send a mutation to the center every few minutes per parcel.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_polls",
        sa.Column("shipment_id", sa.String(length=36), nullable=False),
        sa.Column("next_poll_at", sa.String(length=32), nullable=False),
        sa.Column("last_polled_at", sa.String(length=32), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("shipment_id"),
    )
    with op.batch_alter_table("tracking_polls", schema=None) as batch_op:
        batch_op.create_index("ix_tracking_polls_due", ["next_poll_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tracking_polls", schema=None) as batch_op:
        batch_op.drop_index("ix_tracking_polls_due")
    op.drop_table("tracking_polls")
