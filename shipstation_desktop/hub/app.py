"""The hub's FastAPI application: one app, routers per concern, every request treated as hostile.

Routers (each module exposes `router(state) -> APIRouter`):
- hub/webhooks.py      POST /webhooks/tracking, POST /webhooks/shipstation, carrier-native webhooks
- hub/custom_store.py  GET/POST /shipstation (ShipStation Custom Store)
- hub/tracking_page.py GET /track/{n}, GET /api/track/{n}, GET /api/track/{n}/events (SSE)
- hub/ops.py           GET /health, GET /metrics
- hub/notification_receipts.py POST /webhooks/notifications (delivery receipts of customer messages)
Cross-cutting limits (body size, IP allow-list, rate limit) are middleware in hub/guard.py.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .state import HubConfig, HubState

ROUTERS = ("ops", "webhooks", "custom_store", "tracking_page", "notification_receipts")


def create_app(config: HubConfig, state: HubState | None = None) -> FastAPI:
    hub = state or HubState(config)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        hub.close()

    app = FastAPI(title="ShipStation Desktop hub", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.hub = hub
    for name in ROUTERS:
        module = importlib.import_module(f"{__package__}.{name}")
        app.include_router(module.router(hub))
    guard = importlib.import_module(f"{__package__}.guard")
    guard.install(app, hub)
    return app
