"""central schema: rows as versioned JSON documents, the change log, applied mutations, benches

Revision ID: c0001
Revises: (none)
"""

from __future__ import annotations

from alembic import op

revision = "c0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE central_meta (key text PRIMARY KEY, value text NOT NULL);
        -- A bench whose local schema is older than this cannot read what the center sends.
        INSERT INTO central_meta VALUES ('min_bench_schema', '0003');

        CREATE TABLE benches (
            id text PRIMARY KEY,
            name text NOT NULL,
            token_hash text NOT NULL,
            registered_at timestamptz NOT NULL DEFAULT now(),
            last_seen_at timestamptz
        );

        -- Every synced bench table lives here as one JSON document per row: the bench owns the
        -- columns (its migrations add them), the center owns identity, versions and the rules.
        CREATE TABLE records (
            entity text NOT NULL,
            id text NOT NULL,
            version integer NOT NULL,
            data jsonb NOT NULL,
            field_clock jsonb NOT NULL DEFAULT '{}'::jsonb,
            bench_id text NOT NULL,
            deleted boolean NOT NULL DEFAULT false,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (entity, id)
        );
        CREATE UNIQUE INDEX uq_records_order_number ON records ((data->>'order_number'))
            WHERE entity = 'orders';
        CREATE UNIQUE INDEX uq_records_tracking ON records ((data->>'tracking_number'))
            WHERE entity = 'shipments';
        CREATE UNIQUE INDEX uq_records_customer_email ON records ((data->>'email_normalized'))
            WHERE entity = 'customers' AND NOT deleted;
        -- One valid shipment per order; a superseded one stays (its label must be voided).
        CREATE UNIQUE INDEX uq_records_live_shipment ON records ((data->>'order_id'))
            WHERE entity = 'shipments' AND NOT deleted AND data->>'status' NOT IN ('CANCELLED', 'PENDING')
              AND data->>'superseded_by' IS NULL;
        CREATE INDEX ix_records_order ON records ((data->>'order_id')) WHERE entity = 'shipments';

        -- The change log: pulls read it in (xid, pos) order below the oldest running transaction.
        CREATE TABLE changes (
            pos bigserial PRIMARY KEY,
            xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
            entity text NOT NULL,
            entity_id text NOT NULL
        );
        CREATE INDEX ix_changes_cursor ON changes (xid, pos);

        CREATE TABLE applied_mutations (
            id text PRIMARY KEY,
            bench_id text NOT NULL,
            entity text NOT NULL,
            entity_id text NOT NULL,
            outcome text NOT NULL,
            kind text NOT NULL DEFAULT '',
            reason text NOT NULL DEFAULT '',
            applied_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE number_leases (
            kind text NOT NULL,
            first_number bigint NOT NULL,
            last_number bigint NOT NULL,
            bench_id text NOT NULL,
            leased_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (kind, first_number)
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE number_leases, applied_mutations, changes, records, benches, central_meta")
