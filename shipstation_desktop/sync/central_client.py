"""Opening the center for this bench: settings + keyring → a CentralPort (PostgreSQL for now)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from shipstation_desktop.persistence.db import SCHEMA_HEAD
from shipstation_desktop.settings.secrets import SecretStore

from .credentials import CenterLogin, login
from .pg_center import PostgresCenter
from .port import CentralPort

# Other adapters by URL scheme: the https:// hub adapter later, an in-memory center in tests.
ADAPTERS: dict[str, Callable[[str], CentralPort]] = {}


def register_adapter(scheme: str, factory: Callable[[str], CentralPort]) -> None:
    ADAPTERS[scheme] = factory


def port_for(url: str) -> CentralPort:
    """The adapter for a center URL: postgresql:// on the LAN unless another scheme is registered."""
    factory = ADAPTERS.get(urlsplit(url).scheme)
    if factory is not None:
        return factory(url)
    return PostgresCenter(url, SCHEMA_HEAD)


def connect(settings_url: str, bench_id: str, secrets: SecretStore) -> tuple[CentralPort, CenterLogin]:
    creds = login(settings_url, bench_id, secrets)
    return port_for(creds.url), creds
