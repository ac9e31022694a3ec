"""Tables of customer notifications (seed 002): preferences, per-bench template overrides, the log.

What syncs and why:
- `notifications` (the log) is Synced: supervisors and the center must see what each customer was
  told and whether it failed, whichever bench sent it. A bench only *sends* its own rows (bench_id).
- `notification_preferences` is Synced: they belong to the customer, not to a bench. Its id is
  derived from the customer id, so two benches that create the same customer's row make the same
  record and the center merges them as an update instead of keeping two.
- `notification_templates` stays local: these are this bench's overrides of the shipped texts
  (the template editor saves here); shipped templates live in resources/notifications/.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shipstation_desktop.domain.ids import uuid7

from .pii import SealedText
from .tables import Base, Synced

_PREFERENCE_NAMESPACE = uuid.UUID("0b8f7f3e-5d0c-4c59-9a39-1f3c2f6d7e21")


def preference_id(customer_id: str) -> str:
    """One preferences record per customer, the same id on every bench."""
    return str(uuid.uuid5(_PREFERENCE_NAMESPACE, customer_id))


class NotificationPreference(Synced, Base):
    __tablename__ = "notification_preferences"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), unique=True)
    # Order statuses (lower-case values) each channel notifies; seed 002 keeps a JSON map per channel.
    email_statuses: Mapped[list[str]] = mapped_column(JSON, default=list)
    sms_statuses: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str] = mapped_column(SealedText(), default="")  # E.164; empty: the customer's phone
    language: Mapped[str] = mapped_column(String(8), default="es")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Madrid")
    quiet_start: Mapped[str] = mapped_column(String(5), default="22:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")


class NotificationTemplate(Base):
    """A bench's own text for one (status, channel, language); absent: the shipped text is used."""

    __tablename__ = "notification_templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    type: Mapped[str] = mapped_column(String(32))  # the order status that triggers it
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text, default="")  # optional HTML alternative for e-mail
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("type", "channel", "language", name="uq_notification_templates_key"),)


class Notification(Synced, Base):
    """The notification log: one row per message to one recipient on one channel."""

    __tablename__ = "notifications"

    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(32))  # the order status that caused it
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))  # the customer's; the rendered one may fall back
    recipient: Mapped[str] = mapped_column(SealedText())  # PII: sealed like the customer's own columns
    # The message as sent greets the customer by name (and may quote the address): sealed too.
    subject: Mapped[str] = mapped_column(SealedText(), default="")
    body: Mapped[str] = mapped_column(SealedText(), default="")
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    send_after: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    provider_message_id: Mapped[str] = mapped_column(String(200), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Facts of the status change (tracking number, carrier, …) captured when it happened.
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_notifications_due", "state", "send_after"),)
