"""carrier costs: billed cost per shipment, imported carrier invoices and their reconciliation

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:50:00

`shipments.shipping_cost` stays the quote frozen at purchase; `billed_cost` is what the carrier's invoice
charged. The invoice tables are local working papers (see persistence/cost_tables.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch rebuild): nullable columns need no table copy on SQLite.
    op.add_column("shipments", sa.Column("billed_cost", sa.Text(), nullable=True))
    op.add_column("shipments", sa.Column("billed_at", sa.String(length=32), nullable=True))
    op.create_table(
        "carrier_invoices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("invoice_number", sa.String(length=64), nullable=False),
        sa.Column("invoice_date", sa.String(length=10), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Text(), nullable=False),
        sa.Column("source_file", sa.String(length=500), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.String(length=32), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("matched_count", sa.Integer(), nullable=False),
        sa.Column("adjusted_count", sa.Integer(), nullable=False),
        sa.Column("unmatched_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("carrier_invoices", schema=None) as batch_op:
        batch_op.create_index("uq_carrier_invoices_file", ["file_sha256", "invoice_number"], unique=True)
        batch_op.create_index("ix_carrier_invoices_number", ["carrier", "invoice_number"], unique=False)
    op.create_table(
        "carrier_invoice_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("billed_weight_grams", sa.Text(), nullable=True),
        sa.Column("dim_weight_grams", sa.Text(), nullable=True),
        sa.Column("billed_dims", sa.String(length=64), nullable=False),
        sa.Column("base_charge", sa.Text(), nullable=True),
        sa.Column("surcharges", sa.JSON(), nullable=False),
        sa.Column("total", sa.Text(), nullable=False),
        sa.Column("matched_shipment_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("difference", sa.Text(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["carrier_invoices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["matched_shipment_id"], ["shipments.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("carrier_invoice_lines", schema=None) as batch_op:
        batch_op.create_index("ix_carrier_invoice_lines_invoice", ["invoice_id", "row_number"], unique=False)
        batch_op.create_index("ix_carrier_invoice_lines_shipment", ["matched_shipment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("carrier_invoice_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_carrier_invoice_lines_shipment")
        batch_op.drop_index("ix_carrier_invoice_lines_invoice")
    op.drop_table("carrier_invoice_lines")
    with op.batch_alter_table("carrier_invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_carrier_invoices_number")
        batch_op.drop_index("uq_carrier_invoices_file")
    op.drop_table("carrier_invoices")
    # SQLite >= 3.35 drops a column in place, which keeps the partial indexes a batch rebuild could lose.
    op.drop_column("shipments", "billed_at")
    op.drop_column("shipments", "billed_cost")
