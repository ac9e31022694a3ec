"""The supervisor exception queue: raising with rules and dedup, assigning, notes, filtered lists, counts.

Severity comes from domain/exception_rules.py (data); the same open problem (type + what it is about)
is never raised twice: a repeat bumps `occurrences`, may escalate, and leaves a note in the thread.
Every change is a synced row, so assignments, notes and resolutions reach the center and other benches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shipstation_desktop.domain import exception_rules as rules
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.exception_queue_tables import ExceptionNote

from .bench import Bench

_SEVERITY_ORDER = {s: i for i, s in enumerate(reversed(list(ExceptionSeverity)))}
_IN_CHUNK = 500  # SQLite's bound-parameter limit
THIS_BENCH = "this"  # the filter value meaning "raised on this bench"


class NoteKind:
    NOTE = "note"
    ASSIGNED = "assigned"
    OVERRIDE = "override"
    RAISED_AGAIN = "raised_again"


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the supervisor wants to see. None/False: no restriction."""

    open_only: bool = False
    resolved_only: bool = False
    severity: ExceptionSeverity | None = None
    type: ExceptionType | None = None
    older_than_hours: float | None = None
    bench_id: str | None = None  # an id, a prefix of one, or THIS_BENCH
    assignee: str | None = None  # exact name, case-insensitive
    unassigned_only: bool = False


# --- raising ---------------------------------------------------------------------------------------


def raise_problem(
    bench: Bench,
    *,
    type: ExceptionType,
    description: str,
    shipment_id: str | None = None,
    order_id: str | None = None,
    severity: ExceptionSeverity | None = None,
    subject: str | None = None,
    amount: Decimal | None = None,
    condition: str | None = None,
) -> dm.ShipmentException:
    """Raises (or re-reports) a problem. `severity`, when a caller gives one, is a floor under the rules."""
    key = rules.dedup_key(type, shipment_id, order_id, subject)
    with bench.store.session() as s:
        existing = _open_duplicate(s, key) if key else None
        reports = (existing.occurrences or 1) + 1 if existing is not None else 1
        attempts = max(_attempts(s, type, shipment_id), reports)
        level = rules.severity_for(type, attempts=attempts, amount=amount, condition=condition)
        if severity is not None:
            level = rules.worse(level, severity)
        if existing is not None:
            existing.occurrences = (existing.occurrences or 1) + 1
            existing.severity = rules.worse(ExceptionSeverity(existing.severity), level).value
            _add_note(s, bench, existing.id, f"Reported again: {description}", NoteKind.RAISED_AGAIN)
            row = existing
        else:
            row = t.ShipmentException(
                shipment_id=shipment_id,
                order_id=order_id,
                type=type.value,
                severity=level.value,
                description=description,
                dedup_key=key,
                occurrences=1,
            )
            s.add(row)
        s.flush()
        result = _with_notes(s, row)
    bench.changed("exceptions")
    return result


def _open_duplicate(s: Session, key: str) -> t.ShipmentException | None:
    return s.scalars(
        select(t.ShipmentException)
        .where(
            t.ShipmentException.dedup_key == key,
            t.ShipmentException.resolved_at.is_(None),
            t.ShipmentException.deleted_at.is_(None),
        )
        .order_by(t.ShipmentException.created_at)
        .limit(1)
    ).first()


def _attempts(s: Session, type: ExceptionType, shipment_id: str | None) -> int:
    """Carrier-reported attempts of this kind (distinct tracking events, the one being reported included):
    a second failed delivery escalates even when the first one's exception was already resolved."""
    if shipment_id is None or type not in rules.ATTEMPT_RULES:
        return 0
    counted = s.scalar(
        select(func.count())
        .select_from(t.TrackingEvent)
        .where(t.TrackingEvent.shipment_id == shipment_id, t.TrackingEvent.exception_type == type.value)
    )
    return int(counted or 0)


# --- working the queue -----------------------------------------------------------------------------


def assign(bench: Bench, exception_id: str, to: str, by: str | None = None) -> dm.ShipmentException:
    name = to.strip()
    if not name:
        raise UserError("Name the person to assign the exception to.")
    with bench.store.session() as s:
        row = _open_row(s, exception_id)
        if row.assigned_to == name:
            return _with_notes(s, row)  # nothing changes: no mutation for the center either
        row.assigned_to = name[:120]
        row.assigned_at = bench.clock.now()
        _add_note(s, bench, row.id, f"Assigned to {name}", NoteKind.ASSIGNED, by)
        s.flush()
        result = _with_notes(s, row)
    bench.changed("exceptions")
    return result


def add_note(
    bench: Bench, exception_id: str, text: str, by: str | None = None, kind: str = NoteKind.NOTE
) -> dm.ShipmentException:
    body = text.strip()
    if not body:
        raise UserError("Write the note first.")
    with bench.store.session() as s:
        row = _live_row(s, exception_id)
        _add_note(s, bench, row.id, body, kind, by)
        s.flush()
        result = _with_notes(s, row)
    bench.changed("exceptions")
    return result


def override(bench: Bench, exception_id: str, reason: str, by: str | None = None) -> dm.ShipmentException:
    """A packer goes on despite the problem (never blocked); the reason stays on the exception."""
    if not reason.strip():
        raise UserError("Say why you are going on despite the problem.")
    return add_note(bench, exception_id, f"Packer went on: {reason.strip()}", by, NoteKind.OVERRIDE)


def get(bench: Bench, exception_id: str) -> dm.ShipmentException:
    with bench.store.session() as s:
        return _with_notes(s, _live_row(s, exception_id))


def _live_row(s: Session, exception_id: str) -> t.ShipmentException:
    row = s.get(t.ShipmentException, exception_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"No exception {exception_id}.")
    return row


def _open_row(s: Session, exception_id: str) -> t.ShipmentException:
    row = _live_row(s, exception_id)
    if row.resolved_at is not None:
        raise UserError(f"Exception {exception_id} is already resolved by {row.resolved_by or 'someone'}.")
    return row


def _add_note(s: Session, bench: Bench, exception_id: str, text: str, kind: str, by: str | None = None) -> None:
    s.add(
        ExceptionNote(
            exception_id=exception_id,
            written_at=bench.clock.now(),
            written_by=(by or bench.user)[:120],
            text=text,
            kind=kind,
        )
    )


def _with_notes(s: Session, row: t.ShipmentException) -> dm.ShipmentException:
    order_number = s.scalar(select(t.Order.order_number).where(t.Order.id == row.order_id)) if row.order_id else ""
    tracking = (
        s.scalar(select(t.Shipment.tracking_number).where(t.Shipment.id == row.shipment_id)) if row.shipment_id else ""
    )
    notes = _notes_for(s, [row.id]).get(row.id, ())
    return mappers.exception(row, order_number or "", tracking or "", notes)


def _notes_for(s: Session, ids: Iterable[str]) -> dict[str, tuple[dm.ExceptionNote, ...]]:
    found: dict[str, list[dm.ExceptionNote]] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), _IN_CHUNK):
        rows = s.scalars(
            select(ExceptionNote)
            .where(ExceptionNote.exception_id.in_(unique[start : start + _IN_CHUNK]))
            .where(ExceptionNote.deleted_at.is_(None))
            .order_by(ExceptionNote.written_at, ExceptionNote.id)
        )
        for n in rows:
            found.setdefault(n.exception_id, []).append(dm.ExceptionNote(n.written_at, n.written_by, n.text, n.kind))
    return {k: tuple(v) for k, v in found.items()}


# --- reading the queue -----------------------------------------------------------------------------


def query(bench: Bench, f: QueueFilter = QueueFilter(), limit: int | None = None) -> list[dm.ShipmentException]:
    """Most severe first, then oldest first (the order a supervisor works down); resolved ones last."""
    with bench.store.session() as s:
        q = (
            select(t.ShipmentException, t.Order.order_number, t.Shipment.tracking_number)
            .outerjoin(t.Order, t.Order.id == t.ShipmentException.order_id)
            .outerjoin(t.Shipment, t.Shipment.id == t.ShipmentException.shipment_id)
            .where(t.ShipmentException.deleted_at.is_(None))
        )
        e = t.ShipmentException
        if f.open_only:
            q = q.where(e.resolved_at.is_(None))
        if f.resolved_only:
            q = q.where(e.resolved_at.is_not(None))
        if f.severity is not None:
            q = q.where(e.severity == f.severity.value)
        if f.type is not None:
            q = q.where(e.type == f.type.value)
        if f.older_than_hours is not None:
            q = q.where(e.created_at < bench.clock.now() - timedelta(hours=f.older_than_hours))
        if f.bench_id:
            wanted = bench.store.bench_id if f.bench_id == THIS_BENCH else f.bench_id
            q = q.where(e.bench_id.startswith(wanted, autoescape=True))
        if f.assignee is not None:
            q = q.where(func.lower(e.assigned_to) == f.assignee.strip().lower())
        if f.unassigned_only:
            q = q.where(e.assigned_to == "")
        found = list(s.execute(q))
        notes = _notes_for(s, [row.id for row, _o, _tn in found])
        rows = [mappers.exception(row, o or "", tn or "", notes.get(row.id, ())) for row, o, tn in found]
    rows.sort(key=lambda x: (x.resolved_at is not None, _SEVERITY_ORDER[x.severity], x.created_at))
    return rows[:limit] if limit is not None else rows


def open_counts(bench: Bench) -> dict[ExceptionSeverity, int]:
    """Open exceptions by severity (every severity present, zero when none): the main window's badge."""
    counts = {sev: 0 for sev in ExceptionSeverity}
    with bench.store.session() as s:
        e = t.ShipmentException
        rows = s.execute(
            select(e.severity, func.count()).where(e.resolved_at.is_(None), e.deleted_at.is_(None)).group_by(e.severity)
        )
        for severity, n in rows:
            counts[ExceptionSeverity(severity)] += int(n)
    return counts


def benches(bench: Bench) -> list[str]:
    """The benches exceptions were raised on (this one first), for the bench filter."""
    with bench.store.session() as s:
        e = t.ShipmentException
        ids = set(s.scalars(select(e.bench_id).where(e.deleted_at.is_(None)).distinct()))
    mine = bench.store.bench_id
    return [mine, *sorted(ids - {mine})]


def find_open(
    bench: Bench,
    type: ExceptionType,
    *,
    shipment_id: str | None = None,
    order_id: str | None = None,
    subject: str | None = None,
) -> dm.ShipmentException | None:
    """The open exception a new report of this problem would join, if any."""
    key = rules.dedup_key(type, shipment_id, order_id, subject)
    if not key:
        return None
    with bench.store.session() as s:
        row = _open_duplicate(s, key)
        return _with_notes(s, row) if row is not None else None
