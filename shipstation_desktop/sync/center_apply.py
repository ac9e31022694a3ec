"""Applying one bench mutation on the center under the conflict rules (runs inside the push
transaction; the caller records the mutation id in the same transaction)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from shipstation_desktop.persistence.tables import SYNCED_TABLES

from . import rules
from .port import Mutation, MutationResult

CENTER_BENCH = "center"
_VOID_NAMESPACE = uuid.UUID("6f1f7f61-8f1e-4d6b-9a55-7d0b3c1a2e10")
_REQUIRED = {
    m.__tablename__: frozenset(
        c.name for c in m.__table__.columns if not c.nullable and c.default is None and c.name not in rules.SYNC_FIELDS
    )
    for m in SYNCED_TABLES
}


class Rejected(Exception):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass
class _Row:
    entity: str
    id: str
    version: int
    data: dict[str, Any]
    clock: dict[str, str] = field(default_factory=dict)
    deleted: bool = False


class CenterApplier:
    """One push transaction's worth of applying; `touched` is the change log it must append, in order."""

    def __init__(self, conn: Connection, bench_id: str, now: datetime) -> None:
        self.conn = conn
        self.bench_id = bench_id
        self.now = now
        # Rows of this batch, locked and read in one query up front (prefetch), then kept current
        # by put(): a round trip per mutation saved. Other rows are read on demand.
        self._cache: dict[tuple[str, str], _Row | None] = {}

    def prefetch(self, keys: list[tuple[str, str]]) -> None:
        wanted = sorted(set(keys) - self._cache.keys())
        if not wanted:
            return
        for k in wanted:
            self._cache[k] = None
        rows = self.conn.execute(
            text(
                "SELECT r.entity, r.id, r.version, r.data, r.field_clock, r.deleted FROM records r "
                "JOIN unnest(CAST(:e AS text[]), CAST(:i AS text[])) AS k(entity, id) "
                "ON r.entity = k.entity AND r.id = k.id ORDER BY r.entity, r.id FOR UPDATE OF r"
            ),
            {"e": [k[0] for k in wanted], "i": [k[1] for k in wanted]},
        )
        for r in rows:
            self._cache[(r[0], r[1])] = _Row(r[0], r[1], r[2], r[3], r[4], r[5])

    # ------------------------------------------------------------------------------ storage

    def load(self, entity: str, id_: str) -> _Row | None:
        if (entity, id_) in self._cache:
            cached = self._cache[(entity, id_)]
            if cached is None:
                return None
            return _Row(cached.entity, cached.id, cached.version, dict(cached.data), dict(cached.clock), cached.deleted)
        r = self.conn.execute(
            text("SELECT version, data, field_clock, deleted FROM records WHERE entity = :e AND id = :i FOR UPDATE"),
            {"e": entity, "i": id_},
        ).first()
        return None if r is None else _Row(entity, id_, r[0], r[1], r[2], r[3])

    def put(self, row: _Row, bench_id: str | None = None) -> None:
        row.data["version"] = row.version
        # The upsert and its change-log entry in one round trip.
        self.conn.execute(
            text(
                "WITH up AS (INSERT INTO records (entity, id, version, data, field_clock, bench_id, deleted, "
                "updated_at) VALUES (:e, :i, :v, CAST(:d AS jsonb), CAST(:c AS jsonb), :b, :del, :now) "
                "ON CONFLICT (entity, id) DO UPDATE SET version = EXCLUDED.version, data = EXCLUDED.data, "
                "field_clock = EXCLUDED.field_clock, deleted = EXCLUDED.deleted, updated_at = EXCLUDED.updated_at "
                "RETURNING 1) INSERT INTO changes (entity, entity_id) SELECT :e, :i FROM up"
            ),
            {
                "e": row.entity,
                "i": row.id,
                "v": row.version,
                "d": json.dumps(row.data),
                "c": json.dumps(row.clock),
                "b": bench_id or self.bench_id,
                "del": row.deleted,
                "now": self.now,
            },
        )
        if (row.entity, row.id) in self._cache:
            self._cache[(row.entity, row.id)] = _Row(
                row.entity, row.id, row.version, dict(row.data), dict(row.clock), row.deleted
            )

    def touch(self, entity: str, id_: str) -> None:
        """Logs a change, so every bench (the sender too) pulls the center's row again."""
        self.conn.execute(text("INSERT INTO changes (entity, entity_id) VALUES (:e, :i)"), {"e": entity, "i": id_})

    # ------------------------------------------------------------------------------ apply

    def apply(self, m: Mutation) -> MutationResult:
        try:
            self._apply(m)
        except Rejected as r:
            if self.load(m.entity, m.entity_id) is not None:
                self.touch(m.entity, m.entity_id)  # the sender gets the center's truth back
            return MutationResult(m.id, "rejected", r.reason, r.kind)
        return MutationResult(m.id, "applied")

    def _apply(self, m: Mutation) -> None:
        if m.entity not in _REQUIRED:
            raise Rejected("validation", f"unknown kind of record {m.entity!r}")
        if m.payload.get("id") != m.entity_id:
            raise Rejected("validation", f"{m.entity} {m.entity_id}: the row's id does not match")
        current = self.load(m.entity, m.entity_id)
        if m.op == "delete":
            self._delete(m, current)
        elif current is None:
            if m.op == "update":
                raise Rejected("validation", f"{m.entity} {m.entity_id} was changed here but never reached the center")
            self._insert(m)
        elif current.deleted:
            self.touch(m.entity, m.entity_id)  # a tombstone wins over any later edit
        elif m.entity == "tracking_events":
            return  # append-only: the first copy of an event stands
        else:
            changed = m.changed if m.op == "update" else sorted(m.payload)
            self._update(m, current, changed)

    def _insert(self, m: Mutation) -> None:
        missing = sorted(_REQUIRED[m.entity] - m.payload.keys())
        if missing:
            raise Rejected("validation", f"{m.entity} {m.entity_id} is missing {', '.join(missing)}")
        data = dict(m.payload)
        row = _Row(m.entity, m.entity_id, 1, data)
        if m.entity == "orders":
            self._unique(m, "order_number", "order number")
        elif m.entity == "shipments":
            self._unique(m, "tracking_number", "tracking number")
            data.pop("superseded_by", None)  # the center alone decides which label is valid
            void = self._settle_live(row)
            self.put(row)
            if void is not None:
                self._void_exception(*void)
            return
        elif m.entity == "customers":
            at = rules.bounded_time(data.get("updated_at"), self.now)
            row.clock = {k: at.isoformat() for k in data if k not in rules.SYNC_FIELDS}
            if self._merge_customer(row, at):
                return
        self.put(row)

    def _update(self, m: Mutation, current: _Row, changed: list[str]) -> None:
        incoming = m.payload
        data = dict(current.data)
        if m.entity == "customers":
            at = rules.bounded_time(incoming.get("updated_at"), self.now)
            data, current.clock = rules.merge_lww(data, current.clock, incoming, changed, at)
        else:
            fields = [f for f in changed if f not in rules.SYNC_FIELDS]
            if m.entity == "shipments":
                frozen = rules.frozen_changes(current.data, incoming, fields)
                if frozen:
                    raise Rejected(
                        "conflict",
                        f"shipment {current.data.get('tracking_number')}: the label is bought, so "
                        f"{', '.join(frozen)} cannot change",
                    )
                fields = [f for f in fields if f not in ("superseded_by", "status")]
                data["status"] = rules.forward_status(str(current.data["status"]), str(incoming["status"]))
            if m.entity == "shipment_exceptions" and current.data.get("resolved_at"):
                fields = [f for f in fields if f not in ("resolution", "resolved_at", "resolved_by")]
            for name in fields:
                if name in incoming:
                    data[name] = incoming[name]
        data["updated_at"] = rules.bounded_time(incoming.get("updated_at"), self.now).isoformat()
        row = _Row(m.entity, m.entity_id, current.version + 1, data, current.clock)
        void = self._settle_live(row) if m.entity == "shipments" else None
        self.put(row)
        if void is not None:
            self._void_exception(*void)

    def _delete(self, m: Mutation, current: _Row | None) -> None:
        if current is None:
            if m.payload.get("deleted_at") is None or set(_REQUIRED[m.entity]) - m.payload.keys():
                return  # never reached the center and nothing to keep: nothing to delete
            current = _Row(m.entity, m.entity_id, 0, dict(m.payload))
        if current.deleted:
            return
        data = dict(current.data)
        data["deleted_at"] = m.payload.get("deleted_at") or self.now.isoformat()
        self.put(_Row(m.entity, m.entity_id, current.version + 1, data, current.clock, deleted=True))

    # ------------------------------------------------------------------------------ rules needing the database

    def _unique(self, m: Mutation, key: str, label: str) -> None:
        other = self.conn.execute(
            text(f"SELECT id FROM records WHERE entity = :e AND data->>'{key}' = :v AND id <> :i"),
            {"e": m.entity, "v": str(m.payload.get(key)), "i": m.entity_id},
        ).first()
        if other is not None:
            raise Rejected("conflict", f"{label} {m.payload.get(key)} already belongs to another {m.entity[:-1]}")

    def _settle_live(self, row: _Row) -> tuple[_Row, _Row] | None:
        """Two live shipments for one order (two offline benches shipped it): the rule picks the
        winner, the loser is kept but superseded. Returns (loser, winner) when a label must be voided."""
        if not rules.is_live(row.data, row.deleted):
            return None
        r = self.conn.execute(
            text(
                "SELECT id, version, data, field_clock FROM records WHERE entity = 'shipments' "
                "AND data->>'order_id' = :o AND id <> :i AND NOT deleted "
                "AND data->>'status' NOT IN ('CANCELLED', 'PENDING') AND data->>'superseded_by' IS NULL "
                "AND data->>'deleted_at' IS NULL FOR UPDATE"
            ),
            {"o": str(row.data["order_id"]), "i": row.id},
        ).first()
        if r is None:
            return None
        other = _Row("shipments", r[0], r[1], r[2], r[3])
        if rules.winner_key(row.data) < rules.winner_key(other.data):
            other.version += 1
            other.data = {**other.data, "superseded_by": row.id}
            self.put(other, other.data.get("bench_id"))  # logged before the winner: no bench sees two live
            return other, row
        row.data["superseded_by"] = other.id
        return row, other

    def _void_exception(self, loser: _Row, winner: _Row) -> None:
        ex_id = str(uuid.uuid5(_VOID_NAMESPACE, loser.id))
        if self.load("shipment_exceptions", ex_id) is not None:
            return
        order = self.load("orders", str(loser.data["order_id"]))
        number = order.data.get("order_number") if order else loser.data["order_id"]
        now = self.now.isoformat()
        self.put(
            _Row(
                "shipment_exceptions",
                ex_id,
                1,
                {
                    "id": ex_id,
                    "created_at": now,
                    "updated_at": now,
                    "bench_id": CENTER_BENCH,
                    "version": 1,
                    "deleted_at": None,
                    "shipment_id": loser.id,
                    "order_id": loser.data["order_id"],
                    "type": "DUPLICATE_LABEL",
                    "severity": "HIGH",
                    "description": (
                        f"Order {number} was shipped on two benches: void label {loser.data.get('tracking_number')} "
                        f"({loser.data.get('carrier')}); {winner.data.get('tracking_number')} is the valid shipment."
                    ),
                    "resolution": "",
                    "resolved_at": None,
                    "resolved_by": "",
                },
            ),
            CENTER_BENCH,
        )

    def _merge_customer(self, row: _Row, at: datetime) -> bool:
        """Identity by normalized email: a second bench's new customer with a known email merges into
        the center's customer (per field, last writer wins); its own row stays as a tombstone alias."""
        r = self.conn.execute(
            text(
                "SELECT id, version, data, field_clock FROM records WHERE entity = 'customers' "
                "AND data->>'email_normalized' = :e AND id <> :i AND NOT deleted FOR UPDATE"
            ),
            {"e": str(row.data.get("email_normalized")), "i": row.id},
        ).first()
        if r is None:
            return False
        canonical = _Row("customers", r[0], r[1], r[2], r[3])
        row.deleted = True
        row.data["deleted_at"] = self.now.isoformat()
        row.data["merged_into"] = canonical.id
        self.put(row)  # the alias first: no bench ever holds two live customers with one email
        fields = [k for k in row.data if k not in ("deleted_at", "merged_into", "email_normalized")]
        canonical.data, canonical.clock = rules.merge_lww(canonical.data, canonical.clock, row.data, fields, at)
        canonical.version += 1
        self.put(canonical, canonical.data.get("bench_id"))
        return True
