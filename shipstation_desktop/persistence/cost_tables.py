"""Imported carrier invoices and their reconciliation against shipments (local to the bench, never synced).

The billed amount itself reaches the center through `shipments.billed_cost`; the invoice rows are this
bench's working papers, kept to show a supervisor why a line was flagged and to make a re-import a no-op.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shipstation_desktop.domain.ids import uuid7

from .tables import Base


class CarrierInvoice(Base):
    __tablename__ = "carrier_invoices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    carrier: Mapped[str] = mapped_column(String(32))
    invoice_number: Mapped[str] = mapped_column(String(64))
    invoice_date: Mapped[str | None] = mapped_column(String(10))  # ISO date: an invoice has no time of day
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal]
    source_file: Mapped[str] = mapped_column(String(500))
    # One file may hold several invoices (one row each); the same file again is recognised by its hash.
    file_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    matched_count: Mapped[int] = mapped_column(Integer, default=0)
    adjusted_count: Mapped[int] = mapped_column(Integer, default=0)
    unmatched_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)

    lines: Mapped[list[CarrierInvoiceLine]] = relationship(
        back_populates="invoice", order_by="CarrierInvoiceLine.row_number"
    )

    __table_args__ = (
        Index("uq_carrier_invoices_file", "file_sha256", "invoice_number", unique=True),
        Index("ix_carrier_invoices_number", "carrier", "invoice_number"),
    )


class CarrierInvoiceLine(Base):
    __tablename__ = "carrier_invoice_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("carrier_invoices.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)  # the file's line number, header = 1
    tracking_number: Mapped[str] = mapped_column(String(64), default="")
    reference: Mapped[str] = mapped_column(String(64), default="")
    service: Mapped[str] = mapped_column(String(64), default="")
    billed_weight_grams: Mapped[Decimal | None]
    dim_weight_grams: Mapped[Decimal | None]
    billed_dims: Mapped[str] = mapped_column(String(64), default="")  # "40x30x20 cm" as billed
    base_charge: Mapped[Decimal | None]
    surcharges: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{code, description, amount}]
    total: Mapped[Decimal]
    matched_shipment_id: Mapped[str | None] = mapped_column(ForeignKey("shipments.id"))
    outcome: Mapped[str] = mapped_column(String(16))  # matched | adjusted | unmatched | duplicate
    difference: Mapped[Decimal | None]  # billed - quoted; None when nothing to compare with
    reasons: Mapped[str] = mapped_column(Text, default="")

    invoice: Mapped[CarrierInvoice] = relationship(back_populates="lines")

    __table_args__ = (
        Index("ix_carrier_invoice_lines_invoice", "invoice_id", "row_number"),
        Index("ix_carrier_invoice_lines_shipment", "matched_shipment_id"),
    )
