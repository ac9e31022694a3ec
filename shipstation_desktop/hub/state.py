"""What every hub route shares: the center, the hub's own bench identity there, secrets, the clock.

The hub writes to the center exactly like a bench does — as Mutations pushed under its own bench
id ("hub"), so the center's conflict rules (status only forward, events insert-or-ignore, one live
shipment per order) apply to webhook data too — and reads the center's records directly for the
Custom Store export and the tracking page.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from shipstation_desktop.persistence.db import SCHEMA_HEAD
from shipstation_desktop.sync import central_schema
from shipstation_desktop.sync.pg_center import PostgresCenter
from shipstation_desktop.sync.port import Mutation, MutationResult

HUB_BENCH_ID = "hub"
HUB_BENCH_NAME = "Hub (webhooks, Custom Store)"

# Secret name -> environment variable; the keyring (service "shipstation-desktop", key "hub/<name>")
# is asked when the variable is not set.
SECRET_ENV = {
    "webhook_secret": "SSD_WEBHOOK_SECRET",
    "custom_store_user": "SSD_CUSTOM_STORE_USER",
    "custom_store_password": "SSD_CUSTOM_STORE_PASSWORD",
    "shipstation_api_key": "SSD_SHIPSTATION_API_KEY",
    "shipstation_api_secret": "SSD_SHIPSTATION_API_SECRET",
    "shipengine_jwks": "SSD_SHIPENGINE_JWKS",  # ShipEngine's JWKS document (JSON) for its webhook signatures
}
SecretLookup = Callable[[str], str | None]


def env_or_keyring(name: str) -> str | None:
    value = os.environ.get(SECRET_ENV.get(name, ""), "")
    if value:
        return value
    from shipstation_desktop.settings.secrets import SecretStore

    return SecretStore().get(f"hub/{name}")


@dataclass
class HubConfig:
    central_url: str
    secret: SecretLookup = env_or_keyring
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    allow_ips: tuple[str, ...] = ()  # empty: any address (behind a firewall / reverse proxy)
    max_body_bytes: int = 1_000_000
    rate_limit_per_minute: int = 600  # per client address


class HubState:
    """Built once per app. The center's token for the hub bench is issued at start-up (register is
    idempotent: it re-keys the hub bench), so the hub never needs a stored token."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.center = PostgresCenter(config.central_url, SCHEMA_HEAD, now=config.now)
        self._token: str | None = None
        self._lock = threading.Lock()
        self.counters: dict[str, float] = {}  # Prometheus counters/gauges by full metric line name

    @property
    def engine(self) -> Engine:
        return self.center.engine

    def _hub_token(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = self.center.register(HUB_BENCH_ID, HUB_BENCH_NAME).token
            return self._token

    def push(self, mutations: list[Mutation]) -> list[MutationResult]:
        """Applies mutations under the center's rules, as the hub bench (idempotent by mutation id)."""
        return self.center.push(HUB_BENCH_ID, self._hub_token(), mutations)

    def count(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = name + ("{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else "")
        with self._lock:
            self.counters[key] = self.counters.get(key, 0.0) + amount

    def secret(self, name: str) -> str | None:
        return self.config.secret(name)

    def close(self) -> None:
        self.center.close()

    def schema_ok(self) -> dict[str, Any]:
        revision = central_schema.current_revision(self.engine)
        return {"central_schema": revision, "expected": central_schema.CENTRAL_HEAD}
