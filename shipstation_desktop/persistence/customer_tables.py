"""The customer module's own rows: notes, communications log, status changes, merged-email aliases.

All sync (a supervisor on another bench sees the same customer); free text that may hold PII is sealed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .pii import SealedLookup, SealedText
from .tables import Base, Synced


class CustomerNote(Synced, Base):
    __tablename__ = "customer_notes"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    body: Mapped[str] = mapped_column(SealedText())
    author: Mapped[str] = mapped_column(String(120), default="")
    pinned: Mapped[bool] = mapped_column(default=False)


class CustomerCommunication(Synced, Base):
    """One contact with the customer: an e-mail, a call, a chat (domain CommunicationChannel)."""

    __tablename__ = "customer_communications"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8))  # INBOUND | OUTBOUND
    subject: Mapped[str] = mapped_column(SealedText(), default="")
    body: Mapped[str] = mapped_column(SealedText(), default="")
    occurred_at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(120), default="")


class CustomerStatusChange(Synced, Base):
    """ACTIVE → BLOCKED and the like, with who and why: part of the customer's timeline."""

    __tablename__ = "customer_status_changes"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    previous_status: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(120), default="")


class CustomerAlias(Synced, Base):
    """An e-mail that belonged to a customer merged into this one: imports and lookups by that
    e-mail find the survivor instead of creating the duplicate again."""

    __tablename__ = "customer_aliases"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    email_normalized: Mapped[str] = mapped_column(SealedLookup())
    merged_from: Mapped[str] = mapped_column(String(36))  # the merged customer's id

    __table_args__ = (
        Index("uq_customer_aliases_email", "email_normalized", unique=True, sqlite_where=text("deleted_at IS NULL")),
    )
