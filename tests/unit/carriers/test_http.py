"""The shared carrier HTTP client: auth, refresh on 401, rate limits, retries, error mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from shipstation_desktop.carriers.http import (
    CarrierHttp,
    HeaderAuth,
    OAuthClientCredentials,
    RateLimiter,
    RetryPolicy,
    basic_auth,
    generic_error,
    parse_retry_after,
)
from shipstation_desktop.domain.errors import CarrierError


class FakeTime:
    """One clock for sleep and monotonic: sleeping moves time, so pacing is exact and instant."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def client(handler, *, auth=None, time: FakeTime | None = None, limiter: RateLimiter | None = None) -> CarrierHttp:
    time = time or FakeTime()
    return CarrierHttp(
        "Acme Parcel",
        "https://api.acme.test",
        auth=auth,
        transport=httpx.MockTransport(handler),
        sleep=time.sleep,
        monotonic=time.monotonic,
        rate_limiter=limiter,
    )


def oauth() -> OAuthClientCredentials:
    return OAuthClientCredentials("/oauth/token", "id-1", "secret-1", basic=True)


def test_oauth_token_is_fetched_once_and_reused_until_it_expires() -> None:
    seen: list[str] = []
    time = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            assert request.headers["Authorization"].startswith("Basic ")
            assert b"grant_type=client_credentials" in request.content
            return httpx.Response(200, json={"access_token": f"tok{len(seen)}", "expires_in": 3600})
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={"ok": True})

    auth = oauth()
    http = client(handler, auth=auth, time=time)
    assert http.request("GET", "/thing") == {"ok": True}
    http.request("GET", "/thing")
    assert auth.fetches == 1
    assert seen == ["Bearer tok0", "Bearer tok0"]
    time.now += 3600  # past expiry (minus the safety margin)
    http.request("GET", "/thing")
    assert auth.fetches == 2


def test_a_401_mid_session_fetches_one_new_token_and_retries() -> None:
    tokens = iter(["old", "new"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": next(tokens), "expires_in": 3600})
        if request.headers["Authorization"] == "Bearer old":
            return httpx.Response(401, json={"errors": [{"code": "250002", "message": "Invalid token"}]})
        return httpx.Response(200, json={"ok": 1})

    auth = oauth()
    assert client(handler, auth=auth).request("GET", "/x") == {"ok": 1}
    assert auth.fetches == 2


def test_credentials_refused_twice_is_a_clear_error_with_the_code() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(401, json={"errors": [{"code": "250002", "message": "Invalid Authentication"}]})

    with pytest.raises(CarrierError) as caught:
        client(handler, auth=oauth()).request("GET", "/x")
    assert "refused the credentials" in str(caught.value)
    assert "Preferences" in str(caught.value)
    assert caught.value.code == "250002"


def test_429_honours_retry_after_then_succeeds() -> None:
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": "7"}, json={}), httpx.Response(200, json={"rates": []})]
    )
    time = FakeTime()
    http = client(lambda _r: next(answers), time=time)
    assert http.request("POST", "/rates", json_body={}) == {"rates": []}
    assert time.slept == [7.0]


def test_5xx_is_retried_with_backoff_and_gives_up_with_a_message() -> None:
    time = FakeTime()
    http = client(lambda _r: httpx.Response(503, json={"message": "maintenance"}), time=time)
    with pytest.raises(CarrierError) as caught:
        http.request("GET", "/x")
    assert time.slept == list(RetryPolicy().backoff_s)
    assert "having trouble (HTTP 503: maintenance)" in str(caught.value)
    assert http.calls == RetryPolicy().attempts


def test_500_then_success() -> None:
    answers = iter([httpx.Response(500), httpx.Response(200, json={"ok": True})])
    time = FakeTime()
    assert client(lambda _r: next(answers), time=time).request("GET", "/x") == {"ok": True}
    assert time.slept == [1.0]


def test_timeouts_are_retried_then_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    time = FakeTime()
    with pytest.raises(CarrierError) as caught:
        client(handler, time=time).request("GET", "/x")
    assert caught.value.code == "timeout"
    assert len(time.slept) == 3


def test_connection_refused_names_the_network() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(CarrierError, match="cannot reach Acme Parcel"):
        client(handler).request("GET", "/x")


def test_malformed_json_is_a_clear_error() -> None:
    with pytest.raises(CarrierError) as caught:
        client(lambda _r: httpx.Response(200, content=b"<html>oops")).request("GET", "/x")
    assert caught.value.code == "malformed"
    assert "not valid JSON" in str(caught.value)


def test_a_4xx_keeps_the_carrier_code_and_message() -> None:
    body = {"transactionId": "t", "errors": [{"code": "SERVICE.PACKAGECOMBINATION.INVALID", "message": "Bad box"}]}
    with pytest.raises(CarrierError) as caught:
        client(lambda _r: httpx.Response(400, json=body)).request("POST", "/ship")
    assert str(caught.value) == "Acme Parcel: Bad box"
    assert caught.value.code == "SERVICE.PACKAGECOMBINATION.INVALID"


def test_ok_statuses_come_back_instead_of_raising() -> None:
    got = client(lambda _r: httpx.Response(404, json={"detail": "nope"})).request(
        "GET", "/x", ok_statuses=frozenset({404})
    )
    assert got == {"_status": 404, "body": {"detail": "nope"}}


def test_static_and_basic_auth_headers() -> None:
    seen: dict[str, str] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(request.headers)
        return httpx.Response(200, json={})

    client(handler, auth=HeaderAuth({"API-Key": "k"})).request("GET", "/x")
    assert seen["api-key"] == "k"
    client(handler, auth=basic_auth("user", "pa:ss")).request("GET", "/x")
    assert seen["authorization"] == "Basic dXNlcjpwYTpzcw=="


def test_rate_limiter_paces_requests_to_the_published_rate() -> None:
    time = FakeTime()
    limiter = RateLimiter(2.0, burst=1, sleep=time.sleep, monotonic=time.monotonic)
    http = client(lambda _r: httpx.Response(200, json={}), time=time, limiter=limiter)
    start = time.now
    for _ in range(5):
        http.request("GET", "/x")
    assert time.now - start == pytest.approx(2.0)  # 5 requests at 2/s: the first is free, 4 wait 0.5 s


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 23 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"response": {"errors": [{"code": "120100", "message": "Missing ShipTo"}]}}, ("Missing ShipTo", "120100")),
        ({"error": {"code": 400, "message": "bad"}}, ("bad", "400")),
        (
            {"error": "invalid_client", "error_description": "Client auth failed"},
            ("Client auth failed", "invalid_client"),
        ),
        (
            {"title": "Bad Request", "detail": "weight must be positive", "status": 400},
            ("weight must be positive", "400"),
        ),
        (["not", "a", "dict"], None),
    ],
)
def test_generic_error_shapes(body: object, expected: tuple[str, str] | None) -> None:
    assert generic_error(json.loads(json.dumps(body))) == expected
