"""GET /health against a real center and an unreachable one; GET /metrics in Prometheus text format."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from shipstation_desktop.hub import guard, ops
from shipstation_desktop.hub.state import HubConfig, HubState
from shipstation_desktop.sync import central_schema
from tests.hub.tracking_support import serve

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"
_SAMPLE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? [0-9.e+-]+$'
)


def client_for(state: HubState) -> Iterator[httpx.Client]:
    app = FastAPI()
    app.include_router(ops.router(state))
    guard.install(app, state)
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


@pytest.fixture
def hub(center: str) -> Iterator[HubState]:
    state = HubState(HubConfig(central_url=center))
    yield state
    state.close()


@pytest.mark.postgres
def test_health_ok_with_the_center_and_its_schema(hub: HubState) -> None:
    for client in client_for(hub):
        response = client.get("/health")
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["center"]) == ("ok", "ok")
        assert body["schema"] == {
            "central_schema": central_schema.CENTRAL_HEAD,
            "expected": central_schema.CENTRAL_HEAD,
        }


def test_health_503_when_the_center_is_unreachable() -> None:
    state = HubState(HubConfig(central_url=UNREACHABLE))
    for client in client_for(state):
        response = client.get("/health")
        assert response.status_code == 503
        body = response.json()
        assert (body["status"], body["center"]) == ("unavailable", "unreachable")
        assert "\n" not in body["error"] and body["error"]


@pytest.mark.postgres
def test_health_503_when_the_center_has_no_schema(empty_center: str) -> None:
    state = HubState(HubConfig(central_url=empty_center))
    try:
        status, body = ops.health(state)
    finally:
        state.close()
    assert status == 503
    assert body["schema"] == {"central_schema": None, "expected": central_schema.CENTRAL_HEAD}


def test_metrics_are_prometheus_text() -> None:
    state = HubState(HubConfig(central_url=UNREACHABLE))
    state.count(ops.WEBHOOK_EVENTS, 3, carrier="ups", result="stored")
    state.count(ops.REJECTIONS, reason="bad_signature")
    for client in client_for(state):
        client.get("/health")
        client.get("/nowhere")
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = response.text.splitlines()
    assert "# TYPE hub_requests_total counter" in lines
    assert "# TYPE hub_request_duration_seconds histogram" in lines
    assert 'hub_requests_total{route="/health",status="503"} 1' in lines
    assert 'hub_requests_total{route="unmatched",status="404"} 1' in lines
    assert 'hub_webhook_events_total{carrier="ups",result="stored"} 3' in lines
    assert 'hub_rejections_total{reason="bad_signature"} 1' in lines
    assert 'hub_request_duration_seconds_count{route="/health"} 1' in lines
    for line in lines:
        assert line.startswith("# ") or _SAMPLE.match(line), line
    buckets = [
        float(line.rsplit(" ", 1)[1])
        for line in lines
        if line.startswith("hub_request_duration_seconds_bucket{le=") and 'route="/health"' in line
    ]
    assert buckets == sorted(buckets) and buckets[-1] == 1  # cumulative, ending at the count


def test_label_values_from_outside_are_made_safe() -> None:
    assert ops.label('ups"} evil 1\n') == "ups_}_evil_1_"  # no quote or newline can end the label
    assert ops.label("") == "none"
