"""The tracking poller: batches per carrier, schedules by status, stops at terminal, backs off on errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from shipstation_desktop.carriers.port import TrackingResult
from shipstation_desktop.carriers.simulated import SimulatedCarrier
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import jobs, packing, tracking_poller
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.job_handlers import all_handlers
from shipstation_desktop.sync.jobs import JobState
from tests.fakes.orders import add_order


class CountingCarrier:
    """The simulated carrier with a small batch size, counting calls and able to fail on demand."""

    def __init__(self, inner: SimulatedCarrier, batch: int) -> None:
        self.inner = inner
        self.capabilities = dataclasses.replace(inner.capabilities, track_batch_size=batch)
        self.batches: list[list[str]] = []
        self.fail_with: CarrierError | None = None
        self.unknown: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def track_many(self, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        self.batches.append(list(numbers))
        if self.fail_with is not None:
            raise self.fail_with
        return {n: r for n, r in self.inner.track_many(numbers).items() if n not in self.unknown}


@pytest.fixture
def clock(bench: Bench) -> FakeClock:
    fake = FakeClock(bench.clock.now())
    bench.clock = fake
    return fake


@pytest.fixture
def carrier(bench: Bench, clock: FakeClock) -> CountingCarrier:
    counting = CountingCarrier(SimulatedCarrier(clock, exception_rate=0.0), batch=2)
    bench.carriers = {"simulated": counting}  # type: ignore[dict-item]
    return counting


def _ship(bench: Bench, count: int) -> list[str]:
    numbers = []
    for i in range(count):
        add_order(bench, f"SO-P{i}")
        numbers.append(packing.ship(bench, f"SO-P{i}", weight=Weight.of(1, "kg")).shipment.tracking_number)
    return numbers


def _polls(bench: Bench) -> dict[str, t.TrackingPoll]:
    with bench.store.session() as s:
        rows = s.scalars(select(t.TrackingPoll)).all()
        s.expunge_all()
    return {r.shipment_id: r for r in rows}


def test_new_labels_are_scheduled_then_polled_in_carrier_sized_batches(
    bench: Bench, clock: FakeClock, carrier: CountingCarrier
) -> None:
    numbers = _ship(bench, 5)
    first = tracking_poller.poll_once(bench)
    assert first.polled == 0  # a fresh label is first asked about an hour later
    assert len(_polls(bench)) == 5
    assert first.next_due == clock.now() + timedelta(hours=1)

    clock.advance(timedelta(hours=1).total_seconds())
    report = tracking_poller.poll_once(bench)
    assert report.polled == 5
    assert [len(b) for b in carrier.batches] == [2, 2, 1]  # batches of the carrier's track_batch_size
    assert sorted(n for b in carrier.batches for n in b) == sorted(numbers)


def test_polling_follows_the_parcel_and_stops_when_delivered(
    bench: Bench, clock: FakeClock, carrier: CountingCarrier
) -> None:
    _ship(bench, 1)
    tracking_poller.poll_once(bench)
    clock.advance(timedelta(days=12).total_seconds())
    report = tracking_poller.poll_once(bench)
    assert report.polled == 1 and report.new_events > 3 and report.stopped == 1
    assert _polls(bench) == {}  # terminal: never polled again
    with bench.store.session() as s:
        assert s.scalar(select(t.Shipment.status)) == ShipmentStatus.DELIVERED.value
    carrier.batches.clear()
    clock.advance(timedelta(days=1).total_seconds())
    assert tracking_poller.poll_once(bench).polled == 0
    assert carrier.batches == []


def test_in_transit_is_polled_every_half_hour(bench: Bench, clock: FakeClock, carrier: CountingCarrier) -> None:
    _ship(bench, 1)
    tracking_poller.poll_once(bench)
    clock.advance(timedelta(days=1, hours=6).total_seconds())
    tracking_poller.poll_once(bench)
    (poll,) = _polls(bench).values()
    with bench.store.session() as s:
        status = ShipmentStatus(s.scalar(select(t.Shipment.status)))
    assert status in (ShipmentStatus.PICKED_UP, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY)
    expected = timedelta(minutes=10 if status is ShipmentStatus.OUT_FOR_DELIVERY else 30)
    assert poll.next_poll_at == clock.now() + expected


def test_a_carrier_failure_backs_off_and_is_retried(bench: Bench, clock: FakeClock, carrier: CountingCarrier) -> None:
    _ship(bench, 2)
    tracking_poller.poll_once(bench)
    clock.advance(3600)
    carrier.fail_with = CarrierError("Simulated carrier is having trouble (HTTP 503); try again later", "503")
    report = tracking_poller.poll_once(bench)
    assert report.failed == 2 and report.polled == 0
    assert report.errors == ["simulated: Simulated carrier is having trouble (HTTP 503); try again later"]
    polls = _polls(bench).values()
    assert {p.failures for p in polls} == {1}
    assert {p.next_poll_at for p in polls} == {clock.now() + timedelta(minutes=5)}
    carrier.fail_with = None
    clock.advance(300)
    assert tracking_poller.poll_once(bench).polled == 2
    assert {p.failures for p in _polls(bench).values()} == {0}


def test_numbers_the_carrier_does_not_know_yet_wait_an_hour(
    bench: Bench, clock: FakeClock, carrier: CountingCarrier
) -> None:
    (number,) = _ship(bench, 1)
    carrier.unknown.add(number)
    tracking_poller.poll_once(bench)
    clock.advance(3600)
    report = tracking_poller.poll_once(bench)
    assert report.not_found == 1
    (poll,) = _polls(bench).values()
    assert poll.next_poll_at == clock.now() + timedelta(hours=1) and poll.failures == 0


def test_shipments_of_other_benches_are_not_polled(bench: Bench, clock: FakeClock, carrier: CountingCarrier) -> None:
    _ship(bench, 1)
    with bench.store.session() as s:
        s.info["remote"] = True  # as if pulled from the center: no outbox for this test edit
        s.execute(update(t.Shipment).values(bench_id="another-bench"))
    tracking_poller.poll_once(bench)
    assert _polls(bench) == {}


def test_the_poller_runs_as_a_job_and_queues_its_next_run(
    bench: Bench, clock: FakeClock, carrier: CountingCarrier
) -> None:
    _ship(bench, 1)
    tracking_poller.ensure_scheduled(bench)
    tracking_poller.ensure_scheduled(bench)  # deduplicated: one waiting run
    assert jobs.stats(bench).as_json()["by_state"].get("pending", 0) == 1
    assert jobs.run_due(bench, all_handlers(bench)) == 1
    waiting = jobs.list_jobs(bench, JobState.PENDING)
    assert [j.name for j in waiting] == [tracking_poller.POLL_JOB]
    # Nothing is due for an hour, so the next run is the ten-minute look for new labels.
    assert waiting[0].run_after - waiting[0].created_at == timedelta(seconds=tracking_poller.MAX_DELAY_S)
