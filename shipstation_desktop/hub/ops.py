"""Operations endpoints: GET /health (is the center reachable, is its schema the one this hub
expects) and GET /metrics in the Prometheus text exposition format 0.0.4
(https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).

Every figure lives in HubState.counters ("name{labels}" -> value), so any router can count with
state.count(...) and it shows here. The request-duration histogram is stored per bucket and made
cumulative when rendered (one counter bump per request instead of one per bucket).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from .state import HubState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REQUESTS = "hub_requests_total"
WEBHOOK_EVENTS = "hub_webhook_events_total"
REJECTIONS = "hub_rejections_total"
DURATION = "hub_request_duration_seconds"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)
_HELP = {
    REQUESTS: ("counter", "HTTP requests answered, by route template and status code."),
    WEBHOOK_EVENTS: ("counter", "Webhook tracking events, by carrier and result."),
    REJECTIONS: ("counter", "Requests refused before reaching a route or by a signature check, by reason."),
    DURATION: ("histogram", "Time from the request's arrival to its response, by route template."),
}
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
_SAFE_LABEL = re.compile(r"[^A-Za-z0-9_./{}:-]")


def label(value: str, limit: int = 64) -> str:
    """A label value safe to put between quotes (webhook input can reach labels, e.g. a carrier code)."""
    return _SAFE_LABEL.sub("_", value)[:limit] or "none"


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(bound)


def observe_request(state: HubState, route: str, status: int, seconds: float) -> None:
    route = label(route, 120)
    state.count(REQUESTS, route=route, status=str(status))
    bound = next(b for b in BUCKETS if seconds <= b)
    state.count(f"{DURATION}_le", le=_le(bound), route=route)
    state.count(f"{DURATION}_sum", seconds, route=route)


def _split(key: str) -> tuple[str, dict[str, str]]:
    name, _, rest = key.partition("{")
    return name, dict(_LABEL.findall(rest))


def _labels(values: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(values.items())) + "}" if values else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def render(state: HubState) -> str:
    counters = dict(state.counters)  # a copy: other threads keep counting
    families: dict[str, list[str]] = defaultdict(list)
    per_bucket: dict[str, dict[str, float]] = defaultdict(dict)  # route -> le -> count in that bucket
    sums: dict[str, float] = {}
    for key, value in sorted(counters.items()):
        name, labels = _split(key)
        if name == f"{DURATION}_le":
            per_bucket[labels.get("route", "")][labels.get("le", "+Inf")] = value
        elif name == f"{DURATION}_sum":
            sums[labels.get("route", "")] = value
        else:
            families[name].append(f"{key} {_number(value)}")
    for route in sorted(per_bucket):
        total = 0.0
        for bound in BUCKETS:
            total += per_bucket[route].get(_le(bound), 0.0)
            families[DURATION].append(
                f"{DURATION}_bucket{_labels({'route': route, 'le': _le(bound)})} {_number(total)}"
            )
        families[DURATION].append(f"{DURATION}_sum{_labels({'route': route})} {_number(sums.get(route, 0.0))}")
        families[DURATION].append(f"{DURATION}_count{_labels({'route': route})} {_number(total)}")
    lines: list[str] = []
    for name in sorted(set(families) | set(_HELP)):
        kind, help_text = _HELP.get(name, ("counter" if name.endswith("_total") else "gauge", name.replace("_", " ")))
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *families.get(name, [])]
    return "\n".join(lines) + "\n"


def health(state: HubState) -> tuple[int, dict[str, object]]:
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        schema = state.schema_ok()
    except Exception as exc:  # any failure to reach the center is "unreachable", said in one line
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        return 503, {"status": "unavailable", "center": "unreachable", "error": reason}
    if schema["central_schema"] != schema["expected"]:
        return 503, {"status": "unavailable", "center": "ok", "schema": schema, "error": "the center's schema differs"}
    return 200, {"status": "ok", "center": "ok", "schema": schema}


def router(state: HubState) -> APIRouter:
    api = APIRouter()

    @api.get("/health")
    async def get_health() -> JSONResponse:
        status, body = await run_in_threadpool(health, state)
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    @api.get("/metrics")
    def get_metrics() -> Response:
        return Response(render(state), media_type=CONTENT_TYPE)

    return api
