"""Inventory (issue 9): stock per SKU, deducted once when an order ships, low-stock alerts.

Stock is a ledger (docs/adr/0012-inventory.md): every change is a `stock_movements` row and on-hand
is the sum of a SKU's deltas; `stock_levels` caches that sum on this bench.

Deduction hooks the one place an order's status changes, like notifications do: every
OrderStatusHistory row a bench writes (services/status.move_order) is seen in the same flush. A move
into SHIPPED adds one ship movement per SKU of the order; a move from SHIPPED back to the bench (a
voided label) adds the reversing movement. Both ids are derived from (order, SKU, reason, cycle), and
nothing is added while the order already has an unreversed deduction, so a second identical ship
event — the bench's own retry, a pull, a webhook replayed later — changes nothing. Rows pulled from
the center (remote sessions) only refresh the cache: the bench that shipped wrote the movement.

Low stock: a SKU's alert level (ok, low, out) is kept with its cached level; a supervisor exception
(LOW_STOCK, MEDIUM when low, HIGH at zero or below) is raised when a local change raises the level, so
once per crossing rather than on every deduction. Negative stock is allowed (the parcel has left) and
shows as out of stock.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType, OrderStatus
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.domain.inventory import (
    MANUAL_REASONS,
    AlertLevel,
    StockReason,
    alert_level,
    item_id,
    normalize_sku,
    order_movement_id,
)
from shipstation_desktop.persistence import outbox
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.inventory_tables import InventoryItem, StockLevel, StockMovement

from .bench import Bench

# Statuses of an order whose parcel has left. Entering SHIPPED from any other status is the ship
# event; leaving SHIPPED for any other (back to the bench, cancelled) is the void.
IN_FLIGHT = frozenset(
    {
        OrderStatus.SHIPPED,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.DELIVERED,
        OrderStatus.DELAYED,
        OrderStatus.EXCEPTION,
        OrderStatus.RETURNED,
    }
)
_CHANGED = "inventory_changed"
_ALERTED = "inventory_alerted"
MAX_QUANTITY = 1_000_000


# ----------------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class StockItem:
    sku: str
    name: str
    on_hand: int
    threshold: int | None  # None: the SKU has movements but no inventory record (not tracked)
    location: str
    level: AlertLevel
    updated_at: datetime | None

    @property
    def tracked(self) -> bool:
        return self.threshold is not None

    @property
    def is_low(self) -> bool:
        return self.level is not AlertLevel.OK

    def as_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "name": self.name,
            "on_hand": self.on_hand,
            "low_stock_threshold": self.threshold,
            "location": self.location,
            "status": self.level.name.lower(),
            "tracked": self.tracked,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


@dataclass(frozen=True, slots=True)
class Movement:
    id: str
    sku: str
    delta: int
    reason: StockReason
    order_number: str
    at: datetime
    bench_id: str
    created_by: str
    note: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sku": self.sku,
            "delta": self.delta,
            "reason": self.reason.value,
            "order_number": self.order_number or None,
            "at": self.at.isoformat(),
            "bench_id": self.bench_id,
            "created_by": self.created_by,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class StockDetail:
    item: StockItem
    movements: tuple[Movement, ...]

    def as_json(self) -> dict[str, Any]:
        return {**self.item.as_json(), "movements": [m.as_json() for m in self.movements]}


# ----------------------------------------------------------------------------------- the flush hook


_benches: dict[str, weakref.ref[Bench]] = {}
_install_lock = threading.Lock()
_listening = False


def install(bench: Bench) -> None:
    """Deduct on ship and keep levels on every Session of this process (the job and sync workers'
    own Stores included); `bench` is told about committed stock changes (bench.changed)."""
    global _listening
    with _install_lock:
        _benches[bench.store.bench_id] = weakref.ref(bench)
        if not _listening:
            event.listen(Session, "before_flush", _before_flush)
            event.listen(Session, "after_commit", _after_commit)
            event.listen(Session, "after_rollback", _after_rollback)
            _listening = True


def _before_flush(session: Session, _flush_context: object, _instances: object) -> None:
    if "clock" not in session.info:
        return  # not a Store session (e.g. the bench-id bootstrap)
    remote = bool(session.info.get(outbox.REMOTE))
    with session.no_autoflush:
        if not remote:
            for history in [o for o in session.new if isinstance(o, t.OrderStatusHistory)]:
                _on_status_change(session, history)
        moved = [o for o in session.new if isinstance(o, StockMovement)]
        if moved:
            _refresh_levels(session, moved, raise_alerts=not remote)
            session.info[_CHANGED] = True


def _after_commit(session: Session) -> None:
    changed = session.info.pop(_CHANGED, False)
    alerted = session.info.pop(_ALERTED, False)
    if not changed:
        return
    ref = _benches.get(session.info.get("bench_id", ""))
    bench = None if ref is None else ref()
    if bench is not None:
        bench.changed("inventory")
        if alerted:
            bench.changed("exceptions")


def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_ALERTED, None)


def _status(value: str | None) -> OrderStatus | None:
    try:
        return OrderStatus(value) if value else None
    except ValueError:
        return None


def _on_status_change(session: Session, history: t.OrderStatusHistory) -> None:
    current, previous = _status(history.status), _status(history.previous_status)
    if current is OrderStatus.SHIPPED and previous not in IN_FLIGHT:
        _deduct(session, history.order_id, history.created_by)
    elif previous is OrderStatus.SHIPPED and current is not None and current not in IN_FLIGHT:
        _restore(session, history.order_id, history.created_by)


def _order_quantities(session: Session, order_id: str) -> dict[str, int]:
    lines = list(
        session.scalars(select(t.OrderLine).where(t.OrderLine.order_id == order_id, t.OrderLine.deleted_at.is_(None)))
    )
    lines += [o for o in session.new if isinstance(o, t.OrderLine) and o.order_id == order_id and o not in lines]
    quantities: dict[str, int] = {}
    for line in lines:
        sku = normalize_sku(line.sku)
        if sku and line.quantity:
            quantities[sku] = quantities.get(sku, 0) + int(line.quantity)
    return quantities


def _order_movements(session: Session, order_id: str) -> list[StockMovement]:
    stored = list(session.scalars(select(StockMovement).where(StockMovement.order_id == order_id)))
    pending = [o for o in session.new if isinstance(o, StockMovement) and o.order_id == order_id]
    return stored + [m for m in pending if m not in stored]


def _cycles(movements: list[StockMovement], sku: str) -> tuple[int, int]:
    ships = sum(1 for m in movements if m.sku == sku and m.reason == StockReason.SHIP)
    voids = sum(1 for m in movements if m.sku == sku and m.reason == StockReason.VOID)
    return ships, voids


def _deduct(session: Session, order_id: str, by: str) -> None:
    movements = _order_movements(session, order_id)
    for sku, quantity in _order_quantities(session, order_id).items():
        ships, voids = _cycles(movements, sku)
        if ships > voids:
            continue  # already deducted for this shipment: a duplicate ship event
        movement_id = order_movement_id(order_id, sku, StockReason.SHIP, ships)
        _add_movement(session, movement_id, sku, -quantity, StockReason.SHIP, order_id, by)


def _restore(session: Session, order_id: str, by: str) -> None:
    movements = _order_movements(session, order_id)
    for sku in sorted({m.sku for m in movements}):
        ships, voids = _cycles(movements, sku)
        if ships <= voids:
            continue  # nothing deducted, or already restored
        # The reversal gives back exactly what its ship movement took (the order may have changed since).
        ship_id = order_movement_id(order_id, sku, StockReason.SHIP, voids)
        shipped = [m for m in movements if m.sku == sku and m.reason == StockReason.SHIP]
        deducted = next((m for m in shipped if m.id == ship_id), shipped[-1])
        movement_id = order_movement_id(order_id, sku, StockReason.VOID, voids)
        _add_movement(session, movement_id, sku, -deducted.delta, StockReason.VOID, order_id, by, "label voided")


def _add_movement(
    session: Session,
    movement_id: str,
    sku: str,
    delta: int,
    reason: StockReason,
    order_id: str | None,
    by: str,
    note: str = "",
) -> StockMovement:
    existing = session.get(StockMovement, movement_id)
    if existing is not None:
        return existing  # insert-or-ignore: the same event, already recorded
    now: datetime = session.info["clock"].now()
    row = StockMovement(
        id=movement_id,
        sku=sku,
        delta=delta,
        reason=reason.value,
        order_id=order_id,
        at=now,
        created_by=by,
        note=note,
        # Stamped here: this hook may run after the outbox's own stamping in the same flush.
        created_at=now,
        updated_at=now,
        bench_id=session.info["bench_id"],
        version=1,
    )
    session.add(row)
    return row


def _threshold(session: Session, sku: str) -> int | None:
    pending = [o for o in session.new if isinstance(o, InventoryItem) and o.sku == sku]
    if pending:
        return int(pending[0].low_stock_threshold or 0)
    value = session.scalar(
        select(InventoryItem.low_stock_threshold).where(InventoryItem.sku == sku, InventoryItem.deleted_at.is_(None))
    )
    return None if value is None else int(value)


def _refresh_levels(session: Session, moved: list[StockMovement], *, raise_alerts: bool) -> None:
    pending: dict[str, int] = {}
    for m in moved:
        pending[m.sku] = pending.get(m.sku, 0) + int(m.delta)
    for sku, delta in sorted(pending.items()):
        stored = session.scalar(select(func.coalesce(func.sum(StockMovement.delta), 0)).where(StockMovement.sku == sku))
        _set_level(session, sku, int(stored or 0) + delta, raise_alerts=raise_alerts, moved=moved)


def _set_level(
    session: Session, sku: str, on_hand: int, *, raise_alerts: bool, moved: list[StockMovement] | None = None
) -> None:
    now: datetime = session.info["clock"].now()
    cached = session.get(StockLevel, sku)
    if cached is None:
        cached = StockLevel(sku=sku, on_hand=0, alert_level=AlertLevel.OK, refreshed_at=now)
        session.add(cached)
    threshold = _threshold(session, sku)
    level = alert_level(on_hand, threshold)
    previous = AlertLevel(cached.alert_level or 0)
    cached.on_hand = on_hand
    cached.alert_level = int(level)
    cached.refreshed_at = now
    if raise_alerts and level > previous and threshold is not None:
        order_id = next((m.order_id for m in reversed(moved or []) if m.sku == sku and m.order_id), None)
        session.add(_alert_row(session, sku, on_hand, threshold, level, order_id, now))
        session.info[_ALERTED] = True
        session.info[_CHANGED] = True


def _alert_row(
    session: Session, sku: str, on_hand: int, threshold: int, level: AlertLevel, order_id: str | None, now: datetime
) -> t.ShipmentException:
    if level is AlertLevel.OUT:
        severity = ExceptionSeverity.HIGH
        text = (
            f"SKU {sku} is out of stock: {on_hand} on hand (threshold {threshold}). Parcels that already left "
            "are counted; receive or recount stock."
        )
    else:
        severity = ExceptionSeverity.MEDIUM
        text = f"SKU {sku} is low: {on_hand} on hand, at or below its threshold of {threshold}. Reorder or receive."
    return t.ShipmentException(
        id=uuid7(),
        shipment_id=None,
        order_id=order_id,
        type=ExceptionType.LOW_STOCK.value,
        severity=severity.value,
        description=text,
        resolution="",
        resolved_by="",
        created_at=now,
        updated_at=now,
        bench_id=session.info["bench_id"],
        version=1,
    )


# ----------------------------------------------------------------------------------- queries


def _sums(s: Session, sku: str | None = None) -> dict[str, tuple[int, datetime | None]]:
    q = select(StockMovement.sku, func.sum(StockMovement.delta), func.max(StockMovement.at)).group_by(StockMovement.sku)
    if sku is not None:
        q = q.where(StockMovement.sku == sku)
    return {row[0]: (int(row[1] or 0), row[2]) for row in s.execute(q)}


def _refresh_cache(s: Session, sums: dict[str, tuple[int, datetime | None]]) -> None:
    """Rows pulled from the center arrive without the flush hook: bring the cache back to the ledger.
    The alert level follows silently; the bench that made the change raised the alert."""
    cached = {row.sku: row for row in s.scalars(select(StockLevel).where(StockLevel.sku.in_(list(sums))))}
    for sku, (on_hand, _at) in sums.items():
        row = cached.get(sku)
        if row is None or row.on_hand != on_hand:
            _set_level(s, sku, on_hand, raise_alerts=False)


def _items(s: Session, sku: str | None = None) -> list[StockItem]:
    sums = _sums(s, sku)
    _refresh_cache(s, sums)
    q = select(InventoryItem).where(InventoryItem.deleted_at.is_(None))
    if sku is not None:
        q = q.where(InventoryItem.sku == sku)
    out: list[StockItem] = []
    seen: set[str] = set()
    for item in s.scalars(q):
        on_hand, last = sums.get(item.sku, (0, None))
        threshold = int(item.low_stock_threshold)
        updated = max((x for x in (last, item.updated_at) if x is not None), default=None)
        out.append(
            StockItem(item.sku, item.name, on_hand, threshold, item.location, alert_level(on_hand, threshold), updated)
        )
        seen.add(item.sku)
    for other, (on_hand, last) in sums.items():
        if other not in seen:  # shipped but never set up: shown, untracked, so nobody misses it
            out.append(StockItem(other, "", on_hand, None, "", AlertLevel.OK, last))
    out.sort(key=lambda i: i.sku)
    return out


def list_items(bench: Bench, *, low_only: bool = False) -> list[StockItem]:
    with bench.store.session() as s:
        items = _items(s)
    return [i for i in items if i.is_low] if low_only else items


def get_item(bench: Bench, sku: str, *, limit: int = 50) -> StockDetail:
    key = normalize_sku(sku)
    with bench.store.session() as s:
        found = _items(s, key)
        if not found:
            raise NotFound(f"No SKU {key!r} in the inventory of this bench.")
        return StockDetail(found[0], tuple(_movements(s, key, limit)))


def movements(bench: Bench, sku: str, *, limit: int | None = None) -> list[Movement]:
    with bench.store.session() as s:
        return _movements(s, normalize_sku(sku), limit)


def _movements(s: Session, sku: str, limit: int | None) -> list[Movement]:
    q = (
        select(StockMovement, t.Order.order_number)
        .outerjoin(t.Order, t.Order.id == StockMovement.order_id)
        .where(StockMovement.sku == sku, StockMovement.deleted_at.is_(None))
        .order_by(StockMovement.at.desc(), StockMovement.id.desc())
    )
    if limit is not None:
        q = q.limit(limit)
    return [
        Movement(m.id, m.sku, m.delta, StockReason(m.reason), number or "", m.at, m.bench_id, m.created_by, m.note)
        for m, number in s.execute(q)
    ]


# ----------------------------------------------------------------------------------- changes


def _require_sku(sku: str) -> str:
    key = normalize_sku(sku)
    if not key:
        raise UserError("Give a SKU.")
    if len(key) > 64:
        raise UserError(f"SKU {key[:20]!r}… is longer than 64 characters.")
    return key


def _require_quantity(value: int, what: str) -> int:
    if abs(value) > MAX_QUANTITY:
        raise UserError(f"{what} {value} is not believable; use at most {MAX_QUANTITY:,}.")
    return value


def _item_row(s: Session, sku: str) -> InventoryItem | None:
    return s.scalar(select(InventoryItem).where(InventoryItem.sku == sku, InventoryItem.deleted_at.is_(None)))


def upsert_item(
    bench: Bench,
    sku: str,
    *,
    name: str | None = None,
    threshold: int | None = None,
    location: str | None = None,
) -> StockItem:
    """Adds a SKU to the inventory, or changes its name, threshold or location."""
    key = _require_sku(sku)
    if threshold is not None and threshold < 0:
        raise UserError("A low-stock threshold is 0 or more.")
    with bench.store.session() as s:
        row = _item_row(s, key)
        created = row is None
        if row is None:
            row = InventoryItem(id=item_id(key), sku=key, name="", low_stock_threshold=0, location="")
            s.add(row)
        if name is not None and row.name != name.strip()[:200]:
            row.name = name.strip()[:200]
        if location is not None and row.location != location.strip()[:64]:
            row.location = location.strip()[:64]
        if threshold is not None and row.low_stock_threshold != threshold:
            row.low_stock_threshold = _require_quantity(threshold, "Threshold")
        s.flush()
        # A new threshold can itself cross the line (raised above today's stock): same alert rule.
        # A SKU just set up with nothing moved yet is empty, not out of stock: no alert for that.
        sums = _sums(s, key)
        _set_level(s, key, sums.get(key, (0, None))[0], raise_alerts=not created or key in sums)
        s.flush()
        found = _items(s, key)[0]
    bench.changed("inventory")
    return found


def set_threshold(bench: Bench, sku: str, threshold: int) -> StockItem:
    key = _require_sku(sku)
    with bench.store.session() as s:
        if _item_row(s, key) is None:
            raise NotFound(f"No SKU {key!r} in the inventory of this bench.")
    return upsert_item(bench, key, threshold=threshold)


def adjust(
    bench: Bench,
    sku: str,
    delta: int,
    reason: StockReason | str = StockReason.ADJUST,
    by: str | None = None,
    note: str = "",
) -> Movement:
    """A manual stock change (count correction, goods in, a return put back). Ship and void
    movements are written only by the ship hook."""
    key = _require_sku(sku)
    try:
        why = StockReason(reason.lower() if isinstance(reason, str) else reason)
    except ValueError:
        raise UserError(
            f"{reason!r} is not a reason; use one of: {', '.join(sorted(r.value for r in MANUAL_REASONS))}."
        ) from None
    if why not in MANUAL_REASONS:
        raise UserError(f"Stock is changed for '{why.value}' only by shipping or voiding a label.")
    if delta == 0:
        raise UserError("An adjustment of 0 changes nothing; give a positive or negative quantity.")
    _require_quantity(delta, "Quantity")
    with bench.store.session() as s:
        if _item_row(s, key) is None:
            if why is not StockReason.RECEIVE:
                raise NotFound(f"No SKU {key!r} in the inventory of this bench; receive stock to add it.")
            s.add(InventoryItem(id=item_id(key), sku=key, name="", low_stock_threshold=0, location=""))
        row = _add_movement(s, uuid7(), key, delta, why, None, by or bench.user, note.strip())
        s.flush()
        result = Movement(row.id, key, delta, why, "", row.at, row.bench_id, row.created_by, row.note)
    return result


def receive(bench: Bench, sku: str, quantity: int, by: str | None = None, note: str = "") -> Movement:
    if quantity <= 0:
        raise UserError("Receive a quantity of 1 or more.")
    return adjust(bench, sku, quantity, StockReason.RECEIVE, by, note)


# ----------------------------------------------------------------------------------- demo

# (on hand after seeding, threshold) by position in the demo's product list: most comfortable, some
# just above their threshold, a few at or below it so the supervisor view has low-stock alerts.
_DEMO_LEVELS = [(48, 10), (12, 10), (120, 20), (7, 8), (60, 15), (11, 10), (25, 10), (3, 5), (80, 12), (40, 8)]


def seed_demo(bench: Bench, products: list[tuple[str, str]]) -> int:
    """Gives each demo (sku, name) a record and a stock level; returns how many SKUs were set up.

    Runs after the demo's past shipments, so the receive tops each SKU up from what they took to
    its level; record and receipt go in one flush, so only the final level can alert."""
    with bench.store.session() as s:
        sums = _sums(s)
        for i, (sku, name) in enumerate(products):
            target, threshold = _DEMO_LEVELS[i % len(_DEMO_LEVELS)]
            if _item_row(s, sku) is None:
                s.add(
                    InventoryItem(
                        id=item_id(sku), sku=sku, name=name, low_stock_threshold=threshold,
                        location=f"A-{i + 1:02d}",
                    )
                )  # fmt: skip
            delta = target - sums.get(sku, (0, None))[0]
            if delta:
                _add_movement(s, uuid7(), sku, delta, StockReason.RECEIVE, None, "demo", "demo stock")
    bench.changed("inventory")
    return len(products)
