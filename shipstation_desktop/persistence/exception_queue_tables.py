"""The supervisor queue's notes thread: one row per note, so notes written on two benches at once both
reach the center (append-only rows merge; a JSON list column would keep only the last writer's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, Synced


class ExceptionNote(Synced, Base):
    __tablename__ = "exception_notes"

    exception_id: Mapped[str] = mapped_column(ForeignKey("shipment_exceptions.id"), index=True)
    written_at: Mapped[datetime]
    written_by: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    # note | assigned | override (a packer went on despite the problem) | raised_again
    kind: Mapped[str] = mapped_column(String(16), default="note")
