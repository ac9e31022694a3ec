"""CentralPort: everything a bench asks of the center. The first adapter talks to PostgreSQL on the
LAN (pg_center.py); an HTTP adapter through the hub implements the same calls with the same shapes,
so every value here is plain JSON-able data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from shipstation_desktop.domain.errors import UserError

Op = Literal["insert", "update", "delete"]
Outcome = Literal["applied", "duplicate", "rejected"]


class CenterUnavailable(UserError):
    """The center cannot be reached (network, server down, timeout). Nothing was lost: retry later."""


class CenterRefused(UserError):
    """The center answered but will not talk to this bench (schema too old, unknown bench, bad token)."""


@dataclass(frozen=True, slots=True)
class Mutation:
    """One outbox row on its way to the center."""

    id: str
    entity: str
    entity_id: str
    op: Op
    base_version: int | None
    payload: dict[str, Any]
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MutationResult:
    id: str
    outcome: Outcome
    reason: str = ""  # for a rejection: what a supervisor reads
    kind: str = ""  # conflict | validation


@dataclass(frozen=True, slots=True)
class Cursor:
    """A pull position: the (transaction id, position) of the last change consumed.

    Ordered by transaction id first: see docs/adr/0009-central-change-log.md for why a plain sequence
    is not a safe high-water mark."""

    xid: int = 0
    pos: int = 0

    def encode(self) -> str:
        return f"{self.xid}:{self.pos}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        xid, pos = text.split(":")
        return cls(int(xid), int(pos))


@dataclass(frozen=True, slots=True)
class Change:
    """The center's current truth for one row, as of a change-log entry."""

    entity: str
    entity_id: str
    version: int
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PullPage:
    changes: list[Change]
    cursor: Cursor
    more: bool


@dataclass(frozen=True, slots=True)
class Registration:
    bench_id: str
    token: str


class CentralPort(Protocol):
    def register(self, bench_id: str, name: str) -> Registration: ...

    def push(self, bench_id: str, token: str, mutations: list[Mutation]) -> list[MutationResult]: ...

    def pull(self, bench_id: str, token: str, cursor: Cursor, limit: int) -> PullPage: ...

    def lease_numbers(self, bench_id: str, token: str, kind: str, size: int) -> tuple[int, int]: ...

    def close(self) -> None: ...
