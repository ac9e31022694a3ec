"""The tracking poller: asks carriers about this bench's live shipments, in batches, on a schedule.

It runs as the "tracking_poll" job on the persistent job queue (so it survives restarts, and a
crash in it is retried and dead-lettered like any job). Each run finds the shipments that are due,
groups them per carrier, asks in batches of the carrier's track_batch_size (the adapter's own rate
limiter paces the calls), appends new events, and schedules the next poll by status
(domain/tracking_schedule.py); terminal shipments drop out. Only shipments bought on this bench are
polled: twenty benches must not ask a carrier twenty times about one parcel.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from shipstation_desktop.carriers.port import TrackingResult
from shipstation_desktop.domain import tracking_schedule as schedule
from shipstation_desktop.domain.enums import ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError, UserError
from shipstation_desktop.domain.states import SHIPMENT_TERMINAL
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.sync.jobs import Handler, Priority

from . import jobs, shipments
from .bench import Bench

log = logging.getLogger(__name__)

POLL_JOB = "tracking_poll"
MAX_PER_RUN = 500  # one run stays short; the rest are due at the next run, minutes later
MIN_DELAY_S = 30.0
MAX_DELAY_S = 600.0  # new labels are picked up within ten minutes even when nothing else is due
_LIVE = tuple(s.value for s in ShipmentStatus if s not in SHIPMENT_TERMINAL and s is not ShipmentStatus.PENDING)


@dataclass(slots=True)
class PollReport:
    polled: int = 0
    new_events: int = 0
    not_found: int = 0
    failed: int = 0
    stopped: int = 0  # reached a terminal status: no more polls
    next_due: datetime | None = None
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "polled": self.polled,
            "new_events": self.new_events,
            "not_found": self.not_found,
            "failed": self.failed,
            "stopped": self.stopped,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "errors": self.errors,
        }


@dataclass(frozen=True, slots=True)
class _Due:
    shipment_id: str
    carrier: str
    tracking_number: str
    failures: int


def _schedule_new(bench: Bench, now: datetime) -> None:
    """Gives every live shipment of this bench without a poll row one (due after its status interval)."""
    with bench.store.session() as s:
        rows = s.execute(
            select(t.Shipment.id, t.Shipment.status)
            .outerjoin(t.TrackingPoll, t.TrackingPoll.shipment_id == t.Shipment.id)
            .where(
                t.TrackingPoll.shipment_id.is_(None),
                t.Shipment.bench_id == bench.store.bench_id,
                t.Shipment.status.in_(_LIVE),
                t.Shipment.deleted_at.is_(None),
                t.Shipment.tracking_number != "",
            )
        ).all()
        for shipment_id, status in rows:
            interval = schedule.next_interval(ShipmentStatus(status)) or timedelta(hours=1)
            s.add(t.TrackingPoll(shipment_id=shipment_id, next_poll_at=now + interval, failures=0, last_error=""))


def _due(bench: Bench, now: datetime, limit: int) -> list[_Due]:
    with bench.store.session() as s:
        rows = s.execute(
            select(t.Shipment.id, t.Shipment.carrier, t.Shipment.tracking_number, t.TrackingPoll.failures)
            .join(t.TrackingPoll, t.TrackingPoll.shipment_id == t.Shipment.id)
            .where(t.TrackingPoll.next_poll_at <= now, t.Shipment.status.in_(_LIVE), t.Shipment.deleted_at.is_(None))
            .order_by(t.TrackingPoll.next_poll_at)
            .limit(limit)
        ).all()
    return [_Due(*r) for r in rows]


def _reschedule(bench: Bench, shipment_id: str, *, after: timedelta | None, now: datetime, error: str = "") -> None:
    """after=None stops polling this shipment. A non-empty error counts a failure and backs off."""
    with bench.store.session() as s:
        poll = s.get(t.TrackingPoll, shipment_id)
        if poll is None:
            return
        if after is None:
            s.delete(poll)
            return
        poll.last_polled_at = now
        if error:
            poll.failures += 1
            poll.last_error = error[:500]
            after = schedule.failure_backoff(poll.failures)
        else:
            poll.failures = 0
            poll.last_error = ""
        poll.next_poll_at = now + after


def _status_of(bench: Bench, shipment_id: str) -> ShipmentStatus:
    with bench.store.session() as s:
        return ShipmentStatus(s.get_one(t.Shipment, shipment_id).status)


def _apply(bench: Bench, item: _Due, found: TrackingResult, now: datetime, report: PollReport) -> None:
    report.new_events += shipments.apply_tracking(bench, item.shipment_id, found, source="carrier")
    after = schedule.next_interval(_status_of(bench, item.shipment_id))
    if after is None:
        report.stopped += 1
    _reschedule(bench, item.shipment_id, after=after, now=now)


def poll_once(bench: Bench, *, limit: int = MAX_PER_RUN, cancelled: Callable[[], bool] | None = None) -> PollReport:
    """One run: every due shipment asked about once (a carrier that fails is retried later, never
    blocking the others)."""
    now = bench.clock.now()
    report = PollReport()
    _schedule_new(bench, now)
    by_carrier: dict[str, list[_Due]] = defaultdict(list)
    for item in _due(bench, now, limit):
        by_carrier[item.carrier].append(item)
    for code, items in by_carrier.items():
        try:
            port = bench.carrier(code)
        except UserError as exc:
            for item in items:
                _reschedule(bench, item.shipment_id, after=timedelta(), now=now, error=str(exc))
            report.failed += len(items)
            report.errors.append(str(exc))
            continue
        size = max(1, port.capabilities.track_batch_size)
        for start in range(0, len(items), size):
            if cancelled is not None and cancelled():
                return _finish(bench, report)
            batch = items[start : start + size]
            try:
                answers = port.track_many([i.tracking_number for i in batch])
            except CarrierError as exc:
                log.warning("tracking %d %s parcel(s) failed: %s", len(batch), code, exc)
                for item in batch:
                    _reschedule(bench, item.shipment_id, after=timedelta(), now=now, error=str(exc))
                report.failed += len(batch)
                report.errors.append(f"{code}: {exc}")
                continue
            by_number = {number.strip().upper(): result for number, result in answers.items()}
            for item in batch:
                report.polled += 1
                found = by_number.get(item.tracking_number.strip().upper())
                if found is None:
                    report.not_found += 1
                    _reschedule(bench, item.shipment_id, after=schedule.NOT_FOUND_INTERVAL, now=now)
                    continue
                _apply(bench, item, found, now, report)
    return _finish(bench, report)


def _finish(bench: Bench, report: PollReport) -> PollReport:
    with bench.store.session() as s:
        report.next_due = s.scalar(select(func.min(t.TrackingPoll.next_poll_at)))
    return report


def track_now(bench: Bench, carrier: str, tracking_number: str) -> TrackingResult:
    """Asks the carrier now (the `track` command, the Shipments view's Refresh); a shipment of this
    bench with that number gets the news and its next poll rescheduled."""
    result = bench.carrier(carrier).track(tracking_number.strip().upper())
    with bench.store.session() as s:
        shipment_id = s.scalar(
            select(t.Shipment.id).where(
                t.Shipment.tracking_number == result.tracking_number, t.Shipment.carrier == carrier
            )
        )
    if shipment_id is not None:
        shipments.apply_tracking(bench, shipment_id, result, source="carrier")
        now = bench.clock.now()
        after = schedule.next_interval(_status_of(bench, shipment_id))
        _reschedule(bench, shipment_id, after=after, now=now)
    return result


def make_all_due(bench: Bench) -> None:
    """Every live shipment of this bench is polled at the next run (an admin's "poll everything now")."""
    now = bench.clock.now()
    _schedule_new(bench, now)
    with bench.store.session() as s:
        s.execute(update(t.TrackingPoll).values(next_poll_at=now))


def stop_polling(bench: Bench, shipment_id: str) -> None:
    with bench.store.session() as s:
        s.execute(delete(t.TrackingPoll).where(t.TrackingPoll.shipment_id == shipment_id))


def ensure_scheduled(bench: Bench, *, delay_s: float = 0.0) -> str:
    """Queues the next poller run unless one is already waiting (the dedupe key keeps it single)."""
    return jobs.queue(bench).enqueue(POLL_JOB, priority=Priority.LOW, dedupe_key=POLL_JOB, delay_s=delay_s)


def next_delay_s(report: PollReport, now: datetime) -> float:
    if report.next_due is None:
        return MAX_DELAY_S
    wait = (report.next_due - now).total_seconds()
    return min(MAX_DELAY_S, max(MIN_DELAY_S, wait))


def handlers(bench: Bench) -> dict[str, Handler]:
    def run(_payload: dict[str, Any]) -> None:
        report = poll_once(bench)  # apply_tracking tells the views about new events
        ensure_scheduled(bench, delay_s=next_delay_s(report, bench.clock.now()))

    return {POLL_JOB: run}
