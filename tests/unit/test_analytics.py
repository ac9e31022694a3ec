"""Known answers for the analytics rules (domain/analytics.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from shipstation_desktop.domain import analytics as da
from shipstation_desktop.domain.enums import LabelPurchaseState, ShipmentStatus
from shipstation_desktop.domain.errors import UserError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _ship(
    *,
    carrier: str = "ups",
    service: str = "GROUND",
    status: ShipmentStatus = ShipmentStatus.DELIVERED,
    promised_days: float | None = 3,
    delivered_days: float | None = 2,
    picked_days: float | None = None,
    exception: bool = False,
    quoted: str = "10.00",
    billed: str | None = None,
) -> da.ShipmentFacts:
    return da.ShipmentFacts(
        carrier=carrier,
        service=service,
        status=status,
        label_created_at=T0,
        promised_delivery=T0 + timedelta(days=promised_days) if promised_days is not None else None,
        actual_delivery=T0 + timedelta(days=delivered_days) if delivered_days is not None else None,
        picked_up_at=T0 + timedelta(days=picked_days) if picked_days is not None else None,
        carrier_exception=exception,
        quoted_cost=Decimal(quoted),
        billed_cost=Decimal(billed) if billed is not None else None,
        currency="USD",
    )


def test_percentile_interpolates_like_a_spreadsheet() -> None:
    values = [15, 20, 35, 40, 50]
    assert da.percentile(values, 50) == 35
    assert da.percentile(values, 0) == 15
    assert da.percentile(values, 100) == 50
    assert da.percentile(values, 40) == pytest.approx(29.0)  # rank 1.6: 20 + 0.6 * 15
    assert da.percentile(range(1, 101), 95) == pytest.approx(95.05)
    assert da.median([4, 1, 3, 2]) == 2.5
    assert da.percentile([], 50) is None
    with pytest.raises(ValueError):
        da.percentile([1], 101)


def test_on_time_is_by_the_promised_time_or_day() -> None:
    promised = datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
    assert da.on_time(promised, promised - timedelta(days=1)) is True
    assert da.on_time(promised, promised + timedelta(hours=14)) is True  # same day, ETA stamped midnight
    assert da.on_time(promised, promised + timedelta(days=1)) is False
    assert da.on_time(None, promised) is None
    assert da.on_time(promised, None) is None


def test_carrier_performance_known_answers() -> None:
    shipments = [
        _ship(promised_days=3, delivered_days=2),  # on time, 2 days from label
        _ship(promised_days=3, delivered_days=5, picked_days=1),  # late, 4 days from pick-up
        _ship(status=ShipmentStatus.IN_TRANSIT, delivered_days=None, exception=True, quoted="12.00", billed="15.50"),
        _ship(status=ShipmentStatus.LOST, delivered_days=None),  # a lost parcel is an exception in itself
        _ship(status=ShipmentStatus.CANCELLED),  # voided: never travelled, left out
        _ship(service="EXPRESS", promised_days=None, delivered_days=1, quoted="30.00"),
    ]
    purchases = [da.PurchaseFacts("ups", "GROUND", LabelPurchaseState.DONE)] * 4 + [
        da.PurchaseFacts("ups", "GROUND", LabelPurchaseState.FAILED),
        da.PurchaseFacts("ups", "GROUND", LabelPurchaseState.PENDING),  # unsettled: not counted
        da.PurchaseFacts("fedex", "PRIORITY", LabelPurchaseState.NEEDS_REVIEW),
    ]
    rows = {(r.carrier, r.service): r for r in da.carrier_performance(shipments, purchases)}
    assert list(rows) == [("fedex", "PRIORITY"), ("ups", "EXPRESS"), ("ups", "GROUND")]
    ground = rows[("ups", "GROUND")]
    assert (ground.shipments, ground.delivered) == (4, 2)
    assert ground.on_time_pct == 50.0
    assert ground.avg_transit_days == 3.0  # (2 + 4) / 2
    assert ground.exception_rate_pct == 50.0
    assert ground.label_success_pct == 80.0
    # (10 + 10 + 15.50 billed + 10) / 4
    assert ground.cost_per_shipment == Decimal("11.38")
    assert ground.quoted_cost_per_shipment == Decimal("10.50")
    assert ground.billed_shipments == 1
    express = rows[("ups", "EXPRESS")]
    assert express.on_time_pct is None  # no promise was ever made
    assert express.avg_transit_days == 1.0
    assert express.label_success_pct is None
    fedex = rows[("fedex", "PRIORITY")]
    assert (fedex.shipments, fedex.label_success_pct, fedex.cost_per_shipment) == (0, 0.0, None)
    assert ground.as_json()["cost_per_shipment"] == "11.38"


def test_kpis_pass_only_strictly_beyond_their_targets() -> None:
    happened = T0
    lag = da.tracking_lag_minutes([(happened, happened + timedelta(minutes=m)) for m in (10, 20, 45)])
    assert lag == 25.0
    assert da.tracking_lag_minutes([(happened, happened - timedelta(minutes=5))]) == 0.0  # clock skew
    states = [LabelPurchaseState.DONE] * 199 + [LabelPurchaseState.FAILED, LabelPurchaseState.PENDING]
    assert da.label_success_pct(states) == 99.5
    kpis = da.seed_kpis(lag, 99.5)
    assert kpis["tracking_lag_minutes"].ok is True
    assert kpis["label_success_pct"].ok is False  # the seed says "> 99.5 %"
    assert kpis["label_success_pct"].as_json() == {"value": 99.5, "target": 99.5, "ok": False, "unit": "%"}
    assert da.seed_kpis(30.0, 99.6)["tracking_lag_minutes"].ok is False
    assert da.seed_kpis(None, None)["tracking_lag_minutes"].ok is None


def test_path_template_hides_identifiers() -> None:
    assert da.path_template("/track/v1/trackingnumbers/1Z999AA10123456784") == "/track/v1/trackingnumbers/{id}"
    assert da.path_template("/v2/labels/se-28529731/void?x=1") == "/v2/labels/{id}/void"
    assert da.path_template("/security/v1/oauth/token") == "/security/v1/oauth/token"
    assert da.path_template("shipments") == "shipments"


def test_integration_health_per_carrier_and_operation() -> None:
    calls = [da.ApiCallFacts("UPS", "POST /rate", True, float(ms)) for ms in (100, 200, 300, 400)]
    calls += [da.ApiCallFacts("UPS", "GET /track", False, 1000.0)]
    calls += [da.ApiCallFacts("FedEx", "POST /rate", True, 50.0)]
    rows = da.integration_health(calls, by_operation=True)
    by_key = {(h.carrier, h.operation): h for h in rows}
    ups = by_key[("UPS", "")]
    assert (ups.calls, ups.failures, ups.success_pct) == (5, 1, 80.0)
    assert ups.p50_ms == 300.0
    assert ups.p95_ms == 880.0  # rank 3.8: 400 + 0.8 * 600
    assert by_key[("UPS", "POST /rate")].p50_ms == 250.0
    assert by_key[("FedEx", "")].success_pct == 100.0
    assert [h.operation for h in da.integration_health(calls)] == ["", ""]


def _step(session: str, step: str, minute: float, seconds: float, packer: str = "Ana", ok: bool = True) -> da.StepFacts:
    return da.StepFacts(session, f"SO-{session}", packer, "Bench 1", step, T0 + timedelta(minutes=minute), seconds, ok)


def test_productivity_known_answers() -> None:
    steps = []
    # Ana: three orders between 09:00 and 09:40, one at 10:10 -> 4 orders in 2 active hours.
    for i, minute in enumerate((0, 20, 40, 70)):
        sid = f"a{i}"
        steps += [
            _step(sid, "scan", minute, 2),
            _step(sid, "weigh", minute + 1, 10),
            _step(sid, "rate", minute + 2, 3),
            _step(sid, "buy", minute + 3, 4),
            _step(sid, "print", minute + 4, 1),
        ]
    # Bo: one order bought, one that failed at buy -> 1 order in 1 hour.
    steps += [_step("b0", "scan", 0, 1, "Bo"), _step("b0", "buy", 1, 60, "Bo")]
    steps += [_step("b1", "scan", 5, 1, "Bo"), _step("b1", "buy", 6, 8, "Bo", ok=False)]
    report = da.productivity(steps, slowest=2)
    ana, bo = report.packers
    assert (ana.packer, ana.orders, ana.active_hours, ana.orders_per_hour) == ("Ana", 4, 2, 2.0)
    assert ana.median_order_s == 20.0
    assert (bo.orders, bo.orders_per_hour, bo.benches) == (1, 1.0, ("Bench 1",))
    assert report.orders == 5
    by_step = {s.step: s for s in report.steps}
    assert [s.step for s in report.steps] == ["scan", "weigh", "rate", "buy", "print"]
    assert by_step["weigh"].median_s == 10.0
    assert by_step["buy"].max_s == 60.0
    assert by_step["buy"].count == 6
    total = 4 * 20 + 1 + 60 + 1 + 8
    assert by_step["buy"].total_s == 84.0
    assert by_step["buy"].share_pct == round(100 * 84 / total, 2)
    assert [(s.step, s.elapsed_s) for s in report.slowest] == [("buy", 60), ("weigh", 10)]
    empty = da.productivity([])
    assert (empty.packers, empty.steps, empty.orders) == ([], [], 0)


def test_period_and_dates() -> None:
    period = da.Period(date(2026, 3, 1), date(2026, 3, 2))
    assert period.start == datetime(2026, 3, 1, tzinfo=UTC)
    assert period.end == datetime(2026, 3, 3, tzinfo=UTC)
    assert da.Period.last_days(date(2026, 3, 7), 7).first == date(2026, 3, 1)
    assert da.parse_day(" 2026-03-01 ") == date(2026, 3, 1)
    for bad in ("2026-13-01", "03/01/2026", "yesterday"):
        with pytest.raises(UserError, match="YYYY-MM-DD"):
            da.parse_day(bad)
    with pytest.raises(UserError, match="before it starts"):
        da.Period(date(2026, 3, 2), date(2026, 3, 1))
