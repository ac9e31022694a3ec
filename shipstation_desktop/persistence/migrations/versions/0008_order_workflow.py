"""order status workflows, delivery attempts and status-history fields

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 20:15:00

Workflows are data files (resources/workflows/, chosen in settings), so the schema only gains the
order's count of failed delivery attempts. History already holds actor (created_by), source, reason
(notes) and time (created_at).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a NOT NULL column with a constant default needs no table copy on SQLite.
    op.add_column("orders", sa.Column("delivery_attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("delivery_attempts")
