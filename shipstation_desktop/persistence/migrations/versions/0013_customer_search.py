"""customer search index: blind tokens in FTS5, kept current by triggers

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 22:40:00

The index holds keyed hashes of search terms, never PII (domain/customer_search.py, ADR 0013). The
triggers call ssd_customer_tokens(), which every connection of db.make_engine registers; the first
start with a key fills the index (services/pii_keys.ensure_ready).
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# detail=none: the index answers "which rows hold these tokens", nothing about positions; the
# search needs no more, and it keeps a million customers' index small.
CREATE_INDEX = "CREATE VIRTUAL TABLE customer_search USING fts5(tokens, detail=none, columnsize=0)"

# One customer's document, by the customer row's alias `c`; soft-deleted customers index nothing.
DOCUMENT = """CASE WHEN c.deleted_at IS NULL THEN ssd_customer_tokens(
    c.name, c.email, c.phone, c.external_id, c.tags,
    (SELECT group_concat(a.postal_code, char(31)) FROM addresses a
      WHERE a.customer_id = c.id AND a.deleted_at IS NULL)) ELSE '' END"""


def reindex(customer_id_sql: str) -> str:
    return f"""
        DELETE FROM customer_search WHERE rowid = (SELECT rowid FROM customers WHERE id = {customer_id_sql});
        INSERT INTO customer_search(rowid, tokens)
            SELECT c.rowid, {DOCUMENT} FROM customers c WHERE c.id = {customer_id_sql};"""


TRIGGERS = (
    f"""CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN {reindex("new.id")} END""",
    f"""CREATE TRIGGER customers_search_update
        AFTER UPDATE OF name, email, phone, external_id, tags, deleted_at ON customers
        BEGIN {reindex("new.id")} END""",
    """CREATE TRIGGER customers_search_delete AFTER DELETE ON customers
        BEGIN DELETE FROM customer_search WHERE rowid = old.rowid; END""",
    f"""CREATE TRIGGER addresses_search_insert AFTER INSERT ON addresses BEGIN {reindex("new.customer_id")} END""",
    f"""CREATE TRIGGER addresses_search_update AFTER UPDATE OF postal_code, deleted_at, customer_id ON addresses
        BEGIN {reindex("old.customer_id")} {reindex("new.customer_id")} END""",
    f"""CREATE TRIGGER addresses_search_delete AFTER DELETE ON addresses BEGIN {reindex("old.customer_id")} END""",
)
TRIGGER_NAMES = (
    "customers_search_insert",
    "customers_search_update",
    "customers_search_delete",
    "addresses_search_insert",
    "addresses_search_update",
    "addresses_search_delete",
)


def upgrade() -> None:
    op.execute(CREATE_INDEX)
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS customer_search")
