"""Analytics on a real bench: shipments bought through the pack flow, tracking applied, carrier API
calls recorded from a CarrierHttp on httpx.MockTransport, pack step times recorded by packing.ship."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from shipstation_desktop.carriers.http import CarrierHttp, RetryPolicy
from shipstation_desktop.carriers.port import CarrierEvent, TrackingResult
from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.domain.analytics import Period
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import (
    ExceptionSeverity,
    ExceptionType,
    LabelPurchaseState,
    ShipmentStatus,
)
from shipstation_desktop.domain.errors import CarrierError, UserError
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.analytics_tables import ApiCall, PackStep
from shipstation_desktop.services import analytics, demo, packing, telemetry
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from shipstation_desktop.sync.jobs import JobQueue
from shipstation_desktop.sync.syncer import LAST_SYNC_KEY
from tests.fakes.orders import add_order

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = Period(date(2026, 3, 2), date(2026, 3, 2))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def fbench(tmp_path: Path, clock: FakeClock) -> Iterator[Bench]:
    b = open_bench(tmp_path / "bench", clock=clock, scale=SimulatedScale(clock))
    yield b
    b.close()


def _ship(bench: Bench, number: str) -> str:
    add_order(bench, number)
    outcome = packing.ship(bench, number, weight=Weight.of("1.2", "kg"))
    return outcome.shipment.id


def _row(bench: Bench, shipment_id: str) -> t.Shipment:
    with bench.store.session() as s:
        row = s.get_one(t.Shipment, shipment_id)
        s.expunge(row)
        return row


def _deliver(bench: Bench, clock: FakeClock, shipment_id: str, at: datetime, eta: datetime) -> None:
    row = _row(bench, shipment_id)
    picked = row.label_created_at + timedelta(hours=2)  # type: ignore[operator]
    result = TrackingResult(
        row.tracking_number,
        ShipmentStatus.DELIVERED,
        events=(
            CarrierEvent(at, ShipmentStatus.DELIVERED, "DL", "Delivered"),
            CarrierEvent(picked, ShipmentStatus.PICKED_UP, "PU", "Picked up"),
        ),
        estimated_delivery=eta,
        delivered_at=at,
    )
    shipment_service.apply_tracking(bench, shipment_id, result, source="carrier")


def test_carrier_performance_and_kpis_from_real_shipments(fbench: Bench, clock: FakeClock) -> None:
    ids = [_ship(fbench, f"SO-{n}") for n in (1, 2, 3)]
    promised = [_row(fbench, i).promised_delivery for i in ids]
    assert all(p is not None for p in promised)
    assert promised[0] == _row(fbench, ids[0]).estimated_delivery  # the first ETA is the promise
    # The carrier reports later; each event is stored 20 minutes after it happened.
    first, second = promised[0], promised[1]
    assert first is not None and second is not None
    clock.advance((first - T0).total_seconds() + 20 * 60)
    _deliver(fbench, clock, ids[0], first - timedelta(hours=3), eta=first + timedelta(days=2))
    clock.advance(3 * 86400)
    _deliver(fbench, clock, ids[1], second + timedelta(days=2), eta=second + timedelta(days=2))
    exc_service.raise_exception(
        fbench,
        type=ExceptionType.DELIVERY_FAILED,
        severity=ExceptionSeverity.MEDIUM,
        description="no one home",
        shipment_id=ids[2],
    )
    # A later ETA moved estimated_delivery, never the promise.
    assert _row(fbench, ids[0]).estimated_delivery == first + timedelta(days=2)
    assert _row(fbench, ids[0]).promised_delivery == first

    report = analytics.carrier_report(fbench, DAY)
    (row,) = report.rows
    assert (row.carrier, row.shipments, row.delivered) == ("simulated", 3, 2)
    assert row.on_time_pct == 50.0
    assert row.exception_rate_pct == 33.33
    assert row.label_success_pct == 100.0
    quoted = [_row(fbench, i).shipping_cost for i in ids]
    assert row.cost_per_shipment == (sum(quoted, Decimal(0)) / 3).quantize(Decimal("0.01"))
    assert row.avg_transit_days is not None and row.avg_transit_days > 0
    data = report.as_json()
    assert data["from"] == data["to"] == "2026-03-02"
    assert data["carriers"][0]["currency"] == "USD"

    # KPIs: the period the events were stored in; label success from this bench's purchases.
    stored = Period(T0.date(), clock.now().date())
    kpis = analytics.carrier_report(fbench, stored).kpis
    lag = kpis["tracking_lag_minutes"]
    assert lag.value is not None and lag.value > 30 and lag.ok is False  # the first delivery came hours late
    assert kpis["label_success_pct"].value == 100.0 and kpis["label_success_pct"].ok is True

    csv_text = analytics.carriers_csv(report)
    assert csv_text.splitlines()[0].startswith("carrier,service,shipments,delivered,on_time_pct")
    assert csv_text.splitlines()[1].startswith("simulated,")


def test_tracking_lag_known_answer_and_label_failures(fbench: Bench, clock: FakeClock) -> None:
    shipment_id = _ship(fbench, "SO-9")
    tracking = _row(fbench, shipment_id).tracking_number
    events = []
    for minutes in (10, 20):  # stored 10 and 20 minutes after they happened
        happened = clock.now()
        clock.advance(minutes * 60)
        events.append(CarrierEvent(happened, ShipmentStatus.IN_TRANSIT, f"IT{minutes}", "In transit"))
        shipment_service.apply_tracking(
            fbench, shipment_id, TrackingResult(tracking, ShipmentStatus.IN_TRANSIT, events=(events[-1],)), "carrier"
        )
    with fbench.store.session() as s:
        order_id = s.scalars(select(t.Order.id)).first()
        for state in (LabelPurchaseState.FAILED, LabelPurchaseState.NEEDS_REVIEW, LabelPurchaseState.PENDING):
            s.add(
                t.LabelPurchase(
                    order_id=order_id,
                    carrier="simulated",
                    service="GROUND",
                    reference="r",
                    request_hash="h",
                    request={},
                    state=state.value,
                    created_at=T0,
                    updated_at=T0,
                )
            )
    kpis = analytics.carrier_report(fbench, DAY).kpis
    assert kpis["tracking_lag_minutes"].value == 15.0  # the bench's own LABEL_CREATED event is left out
    assert kpis["tracking_lag_minutes"].ok is True
    assert kpis["label_success_pct"].value == pytest.approx(33.33)  # 1 done of 3 settled


def test_every_carrier_request_is_recorded_and_summed_up(fbench: Bench, clock: FakeClock) -> None:
    answers = {"/v1/rates": [200, 200], "/v1/track/1Z999AA10123456784": [503, 200], "/v1/labels/LBL-0042": [404]}

    def handler(request: httpx.Request) -> httpx.Response:
        clock.advance(0.1 if request.url.path == "/v1/rates" else 0.4)
        status = answers[request.url.path].pop(0)
        return httpx.Response(status, json={"message": "nope"} if status >= 400 else {"ok": True})

    http = CarrierHttp(
        "Acme Freight",
        "https://api.acme.test",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(attempts=2, backoff_s=(0.0,)),
        sleep=lambda _s: None,
        monotonic=clock.monotonic,
        observer=telemetry.api_call_recorder(fbench.store, clock),
    )
    try:
        http.request("POST", "/v1/rates", json_body={})
        http.request("POST", "/v1/rates", json_body={})
        http.request("GET", "/v1/track/1Z999AA10123456784")  # 503, retried, then 200
        with pytest.raises(CarrierError):
            http.request("GET", "/v1/labels/LBL-0042")
    finally:
        http.close()
    with fbench.store.session() as s:
        calls = list(s.scalars(select(ApiCall).order_by(ApiCall.id)))
    assert [(c.operation, c.status, c.ok) for c in calls] == [
        ("/v1/rates", 200, True),
        ("/v1/rates", 200, True),
        ("/v1/track/{id}", 503, False),
        ("/v1/track/{id}", 200, True),
        ("/v1/labels/{id}", 404, False),
    ]
    assert calls[0].elapsed_ms == 100 and calls[2].elapsed_ms == 400

    health = analytics.health_report(fbench, hours=1)
    (acme,) = health.carriers
    assert (acme.carrier, acme.calls, acme.failures, acme.success_pct) == ("Acme Freight", 5, 2, 60.0)
    assert acme.p50_ms == 400.0
    assert acme.p95_ms == 400.0
    ops = {h.operation: h for h in health.operations}
    assert ops["POST /v1/rates"].p50_ms == 100.0
    assert ops["GET /v1/track/{id}"].success_pct == 50.0

    clock.advance(31 * 86400)
    assert telemetry.prune_api_calls(fbench.store, clock) == 5
    assert analytics.health_report(fbench).carriers == []


def test_an_observer_that_breaks_never_breaks_the_request(clock: FakeClock) -> None:
    def broken(_record: object) -> None:
        raise RuntimeError("disk full")

    http = CarrierHttp(
        "Acme",
        "https://api.acme.test",
        transport=httpx.MockTransport(lambda _r: httpx.Response(200, json={"fine": 1})),
        observer=broken,
        monotonic=clock.monotonic,
    )
    try:
        assert http.request("GET", "/ping") == {"fine": 1}
    finally:
        http.close()


def test_sync_lag_and_job_queue_depth(fbench: Bench, clock: FakeClock) -> None:
    health = analytics.health_report(fbench)
    assert health.sync.last_sync is None and health.sync.lag_minutes is None
    fbench.store.set_meta(LAST_SYNC_KEY, (clock.now() - timedelta(minutes=90)).isoformat())
    JobQueue(fbench.store).enqueue("sync")
    health = analytics.health_report(fbench)
    assert health.sync.lag_minutes == 90.0
    assert health.jobs["by_state"]["pending"] == 1
    assert health.as_json()["sync"]["configured"] is False


def test_pack_flow_records_each_step(fbench: Bench, clock: FakeClock) -> None:
    _ship(fbench, "SO-7")
    add_order(fbench, "SO-8")
    with pytest.raises(UserError):
        packing.ship(fbench, "SO-8", weight=Weight.of("900", "kg"))  # over every limit: no rate
    with fbench.store.session() as s:
        steps = list(s.scalars(select(PackStep).order_by(PackStep.created_at, PackStep.id)))
        outbox = set(s.scalars(select(t.Outbox.entity)))
    first = [x for x in steps if x.order_number == "SO-7"]
    assert [x.step for x in first] == ["scan", "weigh", "rate", "buy", "print"]
    assert len({x.session_id for x in first}) == 1
    assert all(x.ok and x.packer == fbench.settings.bench_name for x in first)
    failed = [(x.step, x.ok) for x in steps if x.order_number == "SO-8"]
    assert failed == [("scan", True), ("weigh", True), ("rate", False)]
    assert "pack_steps" in outbox  # a supervisor at another bench sees them

    report = analytics.productivity_report(fbench, DAY)
    assert report.orders == 1
    (packer,) = report.packers
    assert (packer.packer, packer.orders, packer.active_hours) == ("Bench 1", 1, 1)
    data = analytics.productivity_json(DAY, report)
    assert [s["step"] for s in data["steps"]] == ["scan", "weigh", "rate", "buy", "print"]


def test_a_recording_failure_never_stops_the_pack(fbench: Bench, caplog: pytest.LogCaptureFixture) -> None:
    add_order(fbench, "SO-5")

    class Boom:
        def session(self) -> object:
            raise RuntimeError("database is locked")

    timer = telemetry.PackTimer(fbench, "SO-5")
    real_store = fbench.store
    fbench.store = Boom()  # type: ignore[assignment]
    try:
        with timer.step("scan"):
            pass  # the step itself succeeded; only its record failed, and quietly
    finally:
        fbench.store = real_store
    assert "could not record the scan step of SO-5" in caplog.text
    assert packing.ship(fbench, "SO-5", weight=Weight.of("1", "kg")).shipment.order_number == "SO-5"


def test_report_on_a_seeded_demo_bench(tmp_path: Path) -> None:
    bench = open_bench(tmp_path / "demo")
    try:
        seeded = demo.seed(bench)
        today = bench.clock.now().date()
        report = analytics.carrier_report(bench, Period(today - timedelta(days=400), today))
        assert sum(r.shipments for r in report.rows) == seeded.shipments
        assert sum(r.delivered for r in report.rows) > 0
        assert all(r.label_success_pct == 100.0 for r in report.rows if r.shipments)
        delivered = [r for r in report.rows if r.delivered]
        assert all(r.avg_transit_days is not None for r in delivered)
        assert report.kpis["label_success_pct"].ok is True
    finally:
        bench.close()


def test_adapters_built_from_a_context_report_through_its_observer(fbench: Bench, clock: FakeClock) -> None:
    from shipstation_desktop.carriers.context import CarrierContext
    from shipstation_desktop.settings.model import CarrierAccount

    context = CarrierContext(
        account=CarrierAccount(code="ups", base_url="https://ups.test"),
        clock=clock,
        transport=httpx.MockTransport(lambda _r: httpx.Response(200, json={})),
        sleep=lambda _s: None,
        observer=telemetry.api_call_recorder(fbench.store, clock),
    )
    http = context.http("UPS", per_second=10)
    try:
        http.request("GET", "/api/track/v1/details/1Z999AA10123456784")
    finally:
        http.close()
    with fbench.store.session() as s:
        assert list(s.execute(select(ApiCall.carrier, ApiCall.operation, ApiCall.ok))) == [
            ("UPS", "/api/track/v1/details/{id}", True)
        ]
