"""Applying one bench mutation on the center under the conflict rules (runs inside the push
transaction; the caller records the mutation id in the same transaction).

Writes are batched: put() and touch() only remember the row and the change-log entry, and flush()
writes a whole push batch with three set-based statements (records upsert, change log, in call
order). Reads the rules make of other rows (unique numbers, the live shipment of an order, the
customer with an email) are answered from rows loaded for the batch up front, kept current by
put(); a read that was not prefetched flushes first, so it sees the database as the one-row-at-a-
time code did. A race with another bench still ends at a unique index, and the careful retry runs
unbatched (`batched=False`: every put written at once)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from shipstation_desktop.domain import privacy
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
_LIVE_SHIPMENT_SQL = (
    "NOT deleted AND data->>'status' NOT IN ('CANCELLED', 'PENDING') AND data->>'superseded_by' IS NULL "
    "AND data->>'deleted_at' IS NULL"
)


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

    def copy(self) -> _Row:
        return _Row(self.entity, self.id, self.version, dict(self.data), dict(self.clock), self.deleted)


def _as_text(value: Any) -> str | None:
    """What PostgreSQL's `data->>'field'` gives for a JSON value (NULL for null or missing)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _live_shipment(row: _Row) -> bool:
    """_LIVE_SHIPMENT_SQL in Python (a NULL status fails NOT IN, as in SQL)."""
    status = _as_text(row.data.get("status"))
    return (
        not row.deleted
        and status is not None
        and status not in rules.LIVE_EXCLUDED
        and row.data.get("superseded_by") is None
        and row.data.get("deleted_at") is None
    )


def _customer_alive(row: _Row) -> bool:
    return not row.deleted


def _any_row(row: _Row) -> bool:
    return True


# The center's unique indexes on records (central migration c0001), as (field, rows it covers): the
# rules look rows up by these fields, and put() checks a row against them before it is queued.
_UNIQUE: dict[str, tuple[tuple[str, Callable[[_Row], bool]], ...]] = {
    "customers": (("email_normalized", _customer_alive),),
    "orders": (("order_number", _any_row),),
    "shipments": (("tracking_number", _any_row), ("order_id", _live_shipment)),
}
_INDEXED = {entity: tuple(name for name, _ in fields) for entity, fields in _UNIQUE.items()}
_Key = tuple[str, str]
_Lookup = tuple[str, str, str]  # (entity, field, value as text)


class CenterApplier:
    """One push transaction's worth of applying. put() and touch() queue the records to write and
    the change-log entries to append, in order; flush() writes them (pg_center calls it before it
    records the batch's mutation ids)."""

    def __init__(self, conn: Connection, bench_id: str, now: datetime, *, batched: bool = True) -> None:
        self.conn = conn
        self.bench_id = bench_id
        self.now = now
        self.batched = batched
        # Rows of this batch, locked and read in one query up front (prefetch), then kept current
        # by put(): a round trip per mutation saved. Other rows are read on demand (and kept too).
        self._cache: dict[_Key, _Row | None] = {}
        # cached rows by the values the rules look them up by: (entity, field, value) -> ids
        self._index: dict[_Lookup, set[str]] = {}
        # lookups answered for the batch up front: the ids the database held for the value then
        self._known: dict[_Lookup, set[str]] = {}
        # not yet written: the last version of each row (in the order of its last put) and its
        # bench, and the change log in call order
        self._pending: dict[_Key, tuple[_Row, str]] = {}
        self._log: list[_Key] = []
        # a careful (savepoint) mutation's cache changes, to undo if the savepoint rolls back
        self._undo: dict[_Key, tuple[bool, _Row | None]] | None = None

    def prefetch(self, keys: list[tuple[str, str]]) -> None:
        wanted = sorted(set(keys) - self._cache.keys())
        if not wanted:
            return
        for k in wanted:
            self._remember(k, None)
        rows = self.conn.execute(
            text(
                "SELECT r.entity, r.id, r.version, r.data, r.field_clock, r.deleted FROM records r "
                "JOIN jsonb_to_recordset(CAST(:keys AS jsonb)) AS k(e text, i text) "
                "ON r.entity = k.e AND r.id = k.i ORDER BY r.entity, r.id FOR UPDATE OF r"
            ),
            {"keys": json.dumps([{"e": e, "i": i} for e, i in wanted])},
        )
        for r in rows:
            self._remember((r[0], r[1]), _Row(r[0], r[1], r[2], r[3], r[4], r[5]))

    def prefetch_lookups(self, mutations: Iterable[Mutation]) -> None:
        """Loads, a query per unique index for the whole batch, the rows holding the values these
        mutations (and the rows they change) carry: order and tracking numbers (ids only: a rule
        only asks whether one is taken), live customers by email and live shipments by order
        (locked: they may be merged into or superseded). Call after prefetch(keys)."""
        if not self.batched:
            return
        values: dict[tuple[str, str], set[str]] = {}
        for m in mutations:
            current = self._cache.get((m.entity, m.entity_id))
            for name in _INDEXED.get(m.entity, ()):
                for value in (m.payload.get(name), current.data.get(name) if current else None):
                    if _as_text(value) is not None:
                        values.setdefault((m.entity, name), set()).add(str(_as_text(value)))
        for (entity, name), wanted in sorted(values.items()):
            found = sorted(wanted)
            if name == "email_normalized":
                rows = self._select_locked(f"entity = 'customers' AND data->>'{name}' = ANY(:v) AND NOT deleted", found)
            elif name == "order_id":
                rows = self._select_locked(
                    f"entity = 'shipments' AND data->>'{name}' = ANY(:v) AND {_LIVE_SHIPMENT_SQL}", found
                )
            else:
                rows = [
                    _Row(entity, r[0], 0, {name: r[1]})
                    for r in self.conn.execute(
                        text(
                            f"SELECT id, data->>'{name}' FROM records WHERE entity = :e AND data->>'{name}' = ANY(:v)"
                        ),
                        {"e": entity, "v": found},
                    )
                ]
            for v in found:
                self._known[(entity, name, v)] = set()
            for row in rows:
                self._known[(entity, name, str(_as_text(row.data.get(name))))].add(row.id)

    def _select_locked(self, where: str, values: list[str]) -> list[_Row]:
        rows = [
            _Row(r[0], r[1], r[2], r[3], r[4], r[5])
            for r in self.conn.execute(
                text(
                    "SELECT entity, id, version, data, field_clock, deleted FROM records "
                    f"WHERE {where} ORDER BY entity, id FOR UPDATE"
                ),
                {"v": values},
            )
        ]
        for row in rows:
            if self._cache.get((row.entity, row.id)) is None:  # a cached row is locked and current already
                self._remember((row.entity, row.id), row)
        return rows

    # ------------------------------------------------------------------------------ storage

    def load(self, entity: str, id_: str) -> _Row | None:
        if (entity, id_) in self._cache:
            cached = self._cache[(entity, id_)]
            return None if cached is None else cached.copy()
        r = self.conn.execute(
            text("SELECT version, data, field_clock, deleted FROM records WHERE entity = :e AND id = :i FOR UPDATE"),
            {"e": entity, "i": id_},
        ).first()
        row = None if r is None else _Row(entity, id_, r[0], r[1], r[2], r[3])
        self._remember((entity, id_), row)
        return None if row is None else row.copy()

    def put(self, row: _Row, bench_id: str | None = None) -> None:
        row.data["version"] = row.version
        key = (row.entity, row.id)
        snapshot = row.copy()
        self._pending.pop(key, None)  # re-queued at the end: rows are written in the order of their last put
        self._pending[key] = (snapshot, bench_id or self.bench_id)
        self._log.append(key)
        self._remember(key, snapshot)
        if not self.batched or self._may_clash(snapshot):
            # written now, so the database raises where a row-by-row write raised (the careful
            # retry then rejects exactly the mutation it rejected before)
            self.flush()

    def touch(self, entity: str, id_: str) -> None:
        """Logs a change, so every bench (the sender too) pulls the center's row again."""
        self._log.append((entity, id_))
        if not self.batched:
            self.flush()

    def flush(self) -> None:
        """Writes the queued rows (one upsert, each row's last version) and appends the change log
        in call order (one insert; its positions follow the order of the array)."""
        if self._pending:
            rows = [
                {
                    "entity": r.entity,
                    "id": r.id,
                    "version": r.version,
                    "data": r.data,
                    "field_clock": r.clock,
                    "bench_id": b,
                    "deleted": r.deleted,
                }
                for r, b in self._pending.values()
            ]
            self._pending = {}
            self.conn.execute(
                text(
                    "INSERT INTO records (entity, id, version, data, field_clock, bench_id, deleted, updated_at) "
                    "SELECT u.entity, u.id, u.version, u.data, u.field_clock, u.bench_id, u.deleted, :now "
                    "FROM ROWS FROM (jsonb_to_recordset(CAST(:rows AS jsonb)) AS (entity text, id text, "
                    "version integer, data jsonb, field_clock jsonb, bench_id text, deleted boolean)) "
                    "WITH ORDINALITY AS u(entity, id, version, data, field_clock, bench_id, deleted, n) ORDER BY u.n "
                    "ON CONFLICT (entity, id) DO UPDATE SET version = EXCLUDED.version, data = EXCLUDED.data, "
                    "field_clock = EXCLUDED.field_clock, deleted = EXCLUDED.deleted, updated_at = EXCLUDED.updated_at"
                ),
                {"rows": json.dumps(rows), "now": self.now},
            )
        if self._log:
            log, self._log = self._log, []
            # one JSON document, not two text[] parameters: psycopg builds arrays in Python, slowly
            self.conn.execute(
                text(
                    "INSERT INTO changes (entity, entity_id) SELECT u.k->>0, u.k->>1 "
                    "FROM jsonb_array_elements(CAST(:log AS jsonb)) WITH ORDINALITY AS u(k, n) ORDER BY u.n"
                ),
                {"log": json.dumps(log)},
            )

    # ------------------------------------------------------------------------------ savepoints (careful mode)

    def begin_savepoint(self) -> None:
        """Call with nothing queued, right after the savepoint starts."""
        self._undo = {}

    def end_savepoint(self, *, rolled_back: bool) -> None:
        undo, self._undo = self._undo or {}, None
        if rolled_back:
            self._pending, self._log = {}, []
            for key, (was_cached, old) in undo.items():
                if was_cached:
                    self._remember(key, old)
                else:
                    self._forget(key)

    # ------------------------------------------------------------------------------ the cache and its index

    def _remember(self, key: _Key, row: _Row | None) -> None:
        if self._undo is not None and key not in self._undo:
            self._undo[key] = (key in self._cache, self._cache.get(key))
        self._forget(key)
        self._cache[key] = row
        if row is not None:
            for name in _INDEXED.get(row.entity, ()):
                value = _as_text(row.data.get(name))
                if value is not None:
                    self._index.setdefault((row.entity, name, value), set()).add(row.id)

    def _forget(self, key: _Key) -> None:
        old = self._cache.pop(key, None)
        if old is not None:
            for name in _INDEXED.get(old.entity, ()):
                value = _as_text(old.data.get(name))
                if value is not None:
                    self._index.get((old.entity, name, value), set()).discard(old.id)

    def _may_clash(self, row: _Row) -> bool:
        """Whether the row takes a unique value another row holds (or one nobody looked up)."""
        for name, covers in _UNIQUE.get(row.entity, ()):
            value = _as_text(row.data.get(name))
            if value is not None and covers(row):
                holders = self._find(row.entity, name, value, row.id, covers)
                if holders is None or holders:
                    return True
        return False

    def _find(self, entity: str, name: str, value: str, not_id: str, keep: Callable[[_Row], bool]) -> list[_Row] | None:
        """The rows whose `name` is `value` (and `keep` holds), as the database would answer after a
        flush; None when the lookup was not prefetched (the caller flushes and asks the database)."""
        known = self._known.get((entity, name, value))
        if known is None:
            return None
        found: dict[str, _Row] = {}
        for id_ in known:  # rows the database had then; a cached row's current version decides below
            if self._cache.get((entity, id_)) is None:
                found[id_] = _Row(entity, id_, 0, {name: value})
        for id_ in self._index.get((entity, name, value), ()):
            row = self._cache[(entity, id_)]
            if row is not None and keep(row):
                found[id_] = row.copy()
        found.pop(not_id, None)
        return [found[i] for i in sorted(found)]

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
            if m.op == "update" and privacy.is_erasure(m.entity, current.data, m.payload, m.changed):
                self._erase_tombstone(m, current)
            else:
                self.touch(m.entity, m.entity_id)  # a tombstone wins over any later edit
        elif m.entity in ("tracking_events", "stock_movements"):
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
            stamp = at.isoformat()
            row.clock = {k: stamp for k in data if k not in rules.SYNC_FIELDS}
            if self._merge_customer(row, at):
                return
        self.put(row)

    def _update(self, m: Mutation, current: _Row, changed: list[str]) -> None:
        incoming = m.payload
        data = dict(current.data)
        if m.entity == "customers" and privacy.is_erasure(m.entity, data, incoming, changed):
            # a GDPR erasure wins whatever the field clocks say (a bench's clock may lag)
            data.update({c: incoming[c] for c in changed if c not in rules.SYNC_FIELDS and c in incoming})
        elif m.entity == "customers":
            if privacy.is_erased_customer(data.get("custom_fields")):
                # erased stays erased: a stale edit from a bench that had not heard yet brings nothing back
                changed = [c for c in changed if c not in privacy.PII_COLUMNS["customers"]]
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

    def _erase_tombstone(self, m: Mutation, current: _Row) -> None:
        """A GDPR erasure reaches a tombstone too (a merged customer, a deleted address): its
        personal data goes, it stays deleted (domain/privacy.py decides what counts as erasure)."""
        data = dict(current.data)
        for name in m.changed:
            if name not in rules.SYNC_FIELDS and name in m.payload:
                data[name] = m.payload[name]
        data["updated_at"] = rules.bounded_time(m.payload.get("updated_at"), self.now).isoformat()
        self.put(_Row(m.entity, m.entity_id, current.version + 1, data, current.clock, deleted=True))

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
        others = self._find(m.entity, key, str(m.payload.get(key)), m.entity_id, _any_row)
        if others is None:
            self.flush()
            other = self.conn.execute(
                text(f"SELECT id FROM records WHERE entity = :e AND data->>'{key}' = :v AND id <> :i"),
                {"e": m.entity, "v": str(m.payload.get(key)), "i": m.entity_id},
            ).first()
            others = [] if other is None else [_Row(m.entity, other[0], 0, {})]
        if others:
            raise Rejected("conflict", f"{label} {m.payload.get(key)} already belongs to another {m.entity[:-1]}")

    def _settle_live(self, row: _Row) -> tuple[_Row, _Row] | None:
        """Two live shipments for one order (two offline benches shipped it): the rule picks the
        winner, the loser is kept but superseded. Returns (loser, winner) when a label must be voided."""
        if not rules.is_live(row.data, row.deleted):
            return None
        found = self._find("shipments", "order_id", str(row.data["order_id"]), row.id, _live_shipment)
        if found is None:
            self.flush()
            r = self.conn.execute(
                text(
                    "SELECT id, version, data, field_clock FROM records WHERE entity = 'shipments' "
                    f"AND data->>'order_id' = :o AND id <> :i AND {_LIVE_SHIPMENT_SQL} FOR UPDATE"
                ),
                {"o": str(row.data["order_id"]), "i": row.id},
            ).first()
            found = [] if r is None else [_Row("shipments", r[0], r[1], r[2], r[3])]
        if not found:
            return None
        other = found[0]
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
        email = str(row.data.get("email_normalized"))
        found = self._find("customers", "email_normalized", email, row.id, _customer_alive)
        if found is None:
            self.flush()
            r = self.conn.execute(
                text(
                    "SELECT id, version, data, field_clock FROM records WHERE entity = 'customers' "
                    "AND data->>'email_normalized' = :e AND id <> :i AND NOT deleted FOR UPDATE"
                ),
                {"e": email, "i": row.id},
            ).first()
            found = [] if r is None else [_Row("customers", r[0], r[1], r[2], r[3])]
        if not found:
            return False
        canonical = found[0]
        row.deleted = True
        row.data["deleted_at"] = self.now.isoformat()
        row.data["merged_into"] = canonical.id
        self.put(row)  # the alias first: no bench ever holds two live customers with one email
        fields = [k for k in row.data if k not in ("deleted_at", "merged_into", "email_normalized")]
        canonical.data, canonical.clock = rules.merge_lww(canonical.data, canonical.clock, row.data, fields, at)
        canonical.version += 1
        self.put(canonical, canonical.data.get("bench_id"))
        return True
