"""Stock per SKU (issue 9): the items, the movement ledger, and this bench's cached levels.

What syncs and why (docs/adr/0012-inventory.md):
- `inventory_items` is Synced: name, location and low-stock threshold belong to the SKU, not to a
  bench. Its id is derived from the SKU, so two benches adding the same SKU make one record.
- `stock_movements` is Synced and append-only: every change of stock is its own row (a delta), so
  deductions made by several benches offline all reach the center and add up instead of
  overwriting one another. On-hand stock is the sum of a SKU's deltas.
- `stock_levels` stays local: a cache of that sum and of the alert level last reported, refreshed in
  the flush that writes a movement (and from the ledger after a pull).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, Synced


class InventoryItem(Synced, Base):
    __tablename__ = "inventory_items"

    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    low_stock_threshold: Mapped[int] = mapped_column(default=0)
    location: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("uq_inventory_items_sku", "sku", unique=True, sqlite_where=text("deleted_at IS NULL")),)


class StockMovement(Synced, Base):
    """One change of one SKU's stock. Never updated; a mistake is corrected by another movement."""

    __tablename__ = "stock_movements"

    sku: Mapped[str] = mapped_column(String(64), index=True)
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"), index=True)
    at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class StockLevel(Base):
    """This bench's cache of SUM(delta) per SKU and the alert level it last reported (never synced)."""

    __tablename__ = "stock_levels"

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    alert_level: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[datetime]
