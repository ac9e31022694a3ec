"""Alembic environment: always handed an engine by persistence.db (no ini file, no URL guessing)."""

from __future__ import annotations

from alembic import context

from shipstation_desktop.persistence import (
    analytics_tables,  # noqa: F401  (api_calls, pack_steps)
    audit_tables,  # noqa: F401  (audit_log)
    cost_tables,  # noqa: F401  (registers its tables on Base.metadata)
    customer_tables,  # noqa: F401  (customer notes, communications, status changes, aliases)
    exception_queue_tables,  # noqa: F401  (exception_notes)
    inventory_tables,  # noqa: F401  (inventory_items, stock_movements, stock_levels)
    notification_tables,  # noqa: F401  (its tables too)
    user_tables,  # noqa: F401  (users, login_failures)
)
from shipstation_desktop.persistence.tables import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
