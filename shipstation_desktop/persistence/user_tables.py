"""Bench users (synced: one set of users for every bench) and local log-in failure counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, Synced


class User(Synced, Base):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # domain Role: packer | supervisor | admin
    password_hash: Mapped[str] = mapped_column(Text)  # Argon2id PHC string
    pin_hash: Mapped[str] = mapped_column(Text, default="")  # Argon2id; empty: no PIN log-in
    language: Mapped[str] = mapped_column(String(8), default="")  # GUI language; empty: the bench's
    active: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime | None]

    __table_args__ = (Index("uq_users_name", "name", unique=True, sqlite_where=text("deleted_at IS NULL")),)


class LoginFailures(Base):
    """Wrong passwords per user on this bench: five lock the user for 15 minutes. Local on purpose:
    a lock-out follows the keyboard being attacked, and must work with the network down."""

    __tablename__ = "login_failures"

    user_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
