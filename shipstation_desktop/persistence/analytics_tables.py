"""What analytics records beyond the shipments themselves: carrier API calls and pack step times.

`api_calls` is local to the bench (each bench talks to the carriers itself; the rows are many and
short-lived, pruned after a few weeks). `pack_steps` syncs, so a supervisor at any bench sees every
packer's productivity; its rows are append-only, one per step, so no two benches ever edit one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipstation_desktop.domain.ids import uuid7

from .tables import Base, Synced


class ApiCall(Base):
    __tablename__ = "api_calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    at: Mapped[datetime]
    carrier: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    operation: Mapped[str] = mapped_column(String(200))  # the path with identifiers as {id}
    status: Mapped[int | None] = mapped_column(Integer)  # None: no answer (timeout, network)
    elapsed_ms: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool]
    error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_api_calls_at", "at"), Index("ix_api_calls_carrier_at", "carrier", "at"))


class PackStep(Synced, Base):
    __tablename__ = "pack_steps"

    session_id: Mapped[str] = mapped_column(String(36), index=True)  # one pack flow for one order
    order_number: Mapped[str] = mapped_column(String(64), default="")
    packer: Mapped[str] = mapped_column(String(120))
    bench_name: Mapped[str] = mapped_column(String(120))
    step: Mapped[str] = mapped_column(String(16))  # scan | weigh | rate | buy | print
    started_at: Mapped[datetime]
    elapsed_ms: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool]

    __table_args__ = (Index("ix_pack_steps_started", "started_at"),)
