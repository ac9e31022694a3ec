"""Correos: tracking only, through the public locator JSON (bodies in tests/data/carriers/correos)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.correos import INFO
from shipstation_desktop.carriers.correos.adapter import SEARCH_PATH, CorreosAdapter
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import RateRequest
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.settings.model import CarrierAccount

from .oauth_fake_api import FakeApi, ok

DATA = Path(__file__).resolve().parents[2] / "data" / "carriers" / "correos"
DELIVERED = "PQ4F6P0700016280108001K"


def body(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(name: str) -> Any:
    assert INFO.parse_tracking is not None
    return INFO.parse_tracking(body(name))


def make(api: FakeApi) -> tuple[CorreosAdapter, list[float]]:
    clock = FakeClock(datetime(2025, 11, 21, tzinfo=UTC))
    delays: list[float] = []

    def sleep(seconds: float) -> None:
        delays.append(seconds)
        clock.advance(max(seconds, 1e-6))

    ctx = CarrierContext(account=CarrierAccount(code="correos"), clock=clock, transport=api.transport, sleep=sleep)
    return CorreosAdapter(ctx), delays


def test_delivered_sample_in_spanish_local_time() -> None:
    result = parse("track_delivered.json")
    assert result.tracking_number == DELIVERED and result.status is ShipmentStatus.DELIVERED
    assert [e.status for e in result.events] == [
        ShipmentStatus.DELIVERED,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.LABEL_CREATED,
    ]
    assert result.delivered_at == datetime(2025, 11, 20, 11, 31, 44, tzinfo=UTC)  # CET, +01:00
    assert result.events[0].code == "4" and result.events[0].description == "Your shipment has been delivered"


def test_absent_recipient_sample_is_a_failed_delivery() -> None:
    result = parse("track_exception_absent.json")
    assert result.status is ShipmentStatus.OUT_FOR_DELIVERY
    assert result.events[0].exception is ExceptionType.DELIVERY_FAILED
    assert result.events[0].time == datetime(2025, 7, 3, 11, 5, tzinfo=UTC)  # CEST, +02:00


def test_not_found_bodies() -> None:
    for name in ("track_error_not_found.json", "track_error_no_events.json"):
        with pytest.raises(CarrierError) as err:
            parse(name)
        assert err.value.code == "not_found"
    assert INFO.parse_tracking is not None
    with pytest.raises(CarrierError) as garbage:
        INFO.parse_tracking(b'{"shipment": [{"events": [{"eventDate": "31-12-2025"}]}]}')
    assert garbage.value.code == "malformed"


def test_track_asks_the_locator_in_english() -> None:
    api = FakeApi().add("GET", SEARCH_PATH, httpx.Response(200, content=body("track_delivered.json")))
    adapter, _ = make(api)
    assert adapter.track(DELIVERED.lower()).status is ShipmentStatus.DELIVERED
    params = api.requests[0].url.params
    assert (params["text"], params["language"], params["searchType"]) == (DELIVERED, "EN", "envio")


def test_track_many_leaves_unknown_numbers_out() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["text"] == DELIVERED:
            return httpx.Response(200, content=body("track_delivered.json"))
        return httpx.Response(200, content=body("track_error_not_found.json"))

    adapter, _ = make(FakeApi().add("GET", SEARCH_PATH, answer))
    assert list(adapter.track_many([DELIVERED, "PQ000000000000000000000X"])) == [DELIVERED]


def test_429_honours_retry_after() -> None:
    api = FakeApi().add(
        "GET", SEARCH_PATH, ok({}, 429, {"Retry-After": "9"}), httpx.Response(200, content=body("track_delivered.json"))
    )
    adapter, delays = make(api)
    assert adapter.track(DELIVERED).status is ShipmentStatus.DELIVERED
    assert 9.0 in delays


def test_labels_and_address_checks_are_refused() -> None:
    adapter, _ = make(FakeApi())
    madrid = PostalAddress(name="A", line1="Calle Mayor 1", city="Madrid", postal_code="28013", country="ES")
    with pytest.raises(CarrierError, match="Correos labels are not bought through this bench") as err:
        adapter.rates(RateRequest(madrid, madrid, Package(Weight.of(1, WeightUnit.KG))))
    assert err.value.code == "tracking_only"
    with pytest.raises(CarrierError):
        adapter.validate_address(madrid)


def test_info() -> None:
    assert INFO.code == "correos" and INFO.build is not None
    assert INFO.tracking_url(DELIVERED) == (
        f"https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={DELIVERED}"
    )
