"""China Post / EMS: tracking only, UPU S10 numbers, EMSEVT codes (bodies in tests/data/carriers/china_post)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from shipstation_desktop.carriers.china_post import INFO
from shipstation_desktop.carriers.china_post.adapter import ChinaPostAdapter
from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.port import LabelRequest
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest
from shipstation_desktop.domain.units import Money, Weight, WeightUnit
from shipstation_desktop.settings.model import CarrierAccount

from .oauth_fake_api import FakeApi, ok

DATA = Path(__file__).resolve().parents[2] / "data" / "carriers" / "china_post"
NUMBER = "EA123456785CN"
ADDRESS = PostalAddress(name="A", line1="1 Road", city="Shenzhen", postal_code="518000", country="CN")


def body(name: str) -> bytes:
    return (DATA / name).read_bytes()


def make(api: FakeApi) -> tuple[ChinaPostAdapter, list[float]]:
    clock = FakeClock(datetime(2026, 1, 8, tzinfo=UTC))
    delays: list[float] = []

    def sleep(seconds: float) -> None:
        delays.append(seconds)
        clock.advance(max(seconds, 1e-6))

    ctx = CarrierContext(account=CarrierAccount(code="china_post"), clock=clock, transport=api.transport, sleep=sleep)
    return ChinaPostAdapter(ctx), delays


def parse(name: str) -> Any:
    assert INFO.parse_tracking is not None
    return INFO.parse_tracking(body(name))


def test_delivered_sample_walks_the_emsevt_codes() -> None:
    result = parse("track_delivered.json")
    assert result.tracking_number == NUMBER and result.status is ShipmentStatus.DELIVERED
    assert [e.code for e in result.events] == ["EMI", "EMG", "EMF", "EME", "EMD", "EMC", "EMB", "EMA"]
    assert result.events[-1].status is ShipmentStatus.PICKED_UP
    assert result.events[-1].time == datetime(2026, 1, 2, 2, 20, tzinfo=UTC)
    # No offset given: China Standard Time.
    assert result.events[-3].time == datetime(2026, 1, 3, 21, 45, tzinfo=timezone(timedelta(hours=8)))
    assert result.events[3].exception is None  # a routine hand-over to customs is no delay
    assert result.delivered_at == datetime(2026, 1, 7, 19, 40, tzinfo=UTC)
    assert result.signed_by == "L. CHEN" and result.events[0].location == "Austin, US"


def test_customs_hold_and_failed_attempt_samples() -> None:
    held = parse("track_exception_customs.json")
    assert held.status is ShipmentStatus.IN_TRANSIT
    assert held.events[0].code == "EME" and held.events[0].exception is ExceptionType.CUSTOMS_DELAY
    attempt = parse("track_exception_attempt.json")
    assert attempt.status is ShipmentStatus.OUT_FOR_DELIVERY
    assert attempt.events[0].exception is ExceptionType.DELIVERY_FAILED


def test_error_and_garbage_bodies() -> None:
    with pytest.raises(CarrierError, match="no information for mail number") as err:
        parse("track_error_not_found.json")
    assert err.value.code == "not_found"
    assert INFO.parse_tracking is not None
    with pytest.raises(CarrierError) as garbage:
        INFO.parse_tracking(b"<html>")
    assert garbage.value.code == "malformed"
    with pytest.raises(CarrierError) as no_events:
        INFO.parse_tracking(b'{"mailNo": "EA123456785CN", "events": []}')
    assert no_events.value.code == "not_found"


def test_unknown_codes_are_kept_and_safe() -> None:
    assert INFO.parse_tracking is not None
    result = INFO.parse_tracking(
        b'{"mailNo": "EA123456785CN", "events": [{"code": "ZZZ", "time": "2026-01-02T10:00:00Z"}]}'
    )
    assert result.events[0].code == "ZZZ" and result.status is ShipmentStatus.IN_TRANSIT


def test_track_checks_the_s10_digit_before_asking() -> None:
    api = FakeApi().add("GET", f"/v1/tracking/{NUMBER}", httpx.Response(200, content=body("track_delivered.json")))
    adapter, _ = make(api)
    assert adapter.track(NUMBER.lower()).status is ShipmentStatus.DELIVERED
    with pytest.raises(CarrierError, match="not a valid UPU S10") as err:
        adapter.track("EA123456784CN")
    assert err.value.code == "invalid_number"
    assert len(api.requests) == 1


def test_track_many_leaves_unknown_and_invalid_numbers_out() -> None:
    api = FakeApi().add("GET", f"/v1/tracking/{NUMBER}", httpx.Response(200, content=body("track_delivered.json")))
    api.add("GET", "/v1/tracking/EA987654326CN", httpx.Response(404, content=body("track_error_not_found.json")))
    adapter, _ = make(api)
    assert list(adapter.track_many([NUMBER, "EA987654326CN", "EA000000001CN"])) == [NUMBER]


def test_server_trouble_is_retried_then_reported() -> None:
    api = FakeApi().add("GET", f"/v1/tracking/{NUMBER}", ok({}, 503))
    adapter, delays = make(api)
    with pytest.raises(CarrierError, match="having trouble"):
        adapter.track(NUMBER)
    assert [d for d in delays if d >= 1] == [1.0, 5.0, 15.0]


def test_labels_are_not_bought_here() -> None:
    adapter, _ = make(FakeApi())
    request = RateRequest(ADDRESS, ADDRESS, Package(Weight.of(1, WeightUnit.KG)))
    with pytest.raises(CarrierError, match="China Post labels are not bought through this bench"):
        adapter.rates(request)
    rate = Rate("china_post", "EMS", "EMS", Money(Decimal(1)), 5, Weight.of(1, WeightUnit.KG))
    with pytest.raises(CarrierError, match="not bought through this bench"):
        adapter.buy_label(LabelRequest(rate, request, "SO-1"))
    assert adapter.find_label("SO-1") is None
    with pytest.raises(CarrierError):
        adapter.void(NUMBER)


def test_info() -> None:
    assert INFO.code == "china_post" and INFO.build is not None and INFO.secret_fields == ()
    assert INFO.tracking_url("ea123456785cn") == "https://www.ems.com.cn/english-main?mailNo=EA123456785CN"
