"""Alembic environment of the CENTRAL PostgreSQL schema (not the bench's SQLite one).

Always handed a connection by sync/central_schema.py: no ini file, no URL guessing."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, version_table="central_alembic_version")
with context.begin_transaction():
    context.run_migrations()
