"""hub indexes: tracking events by shipment (tracking page, live stream), orders by last change (Custom Store)

Revision ID: c0002
Revises: c0001
"""

from __future__ import annotations

from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE INDEX ix_records_event_shipment ON records ((data->>'shipment_id'))
            WHERE entity = 'tracking_events';
        CREATE INDEX ix_records_orders_updated ON records (updated_at) WHERE entity = 'orders';
        """
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_records_orders_updated, ix_records_event_shipment")
