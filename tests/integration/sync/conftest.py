"""A fresh central PostgreSQL database per test (created and dropped here: no state assumed)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.domain.clock import SystemClock
from shipstation_desktop.services import central
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from shipstation_desktop.sync import central_schema

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def empty_center() -> Iterator[str]:
    name = f"ssd_sync_{uuid.uuid4().hex[:12]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def center(empty_center: str) -> str:
    engine = central_schema.engine_for(empty_center)
    central_schema.upgrade(engine)
    engine.dispose()
    return empty_center


@pytest.fixture
def make_bench(tmp_path: Path, center: str) -> Iterator[Callable[[str], Bench]]:
    """Benches registered with the test's center, each in its own data dir."""
    opened: list[Bench] = []

    def make(name: str) -> Bench:
        scale = SimulatedScale(SystemClock(), settle_time=0.01, seed=len(opened))
        bench = open_bench(tmp_path / name, scale=scale)
        central.register(bench, center, name)
        opened.append(bench)
        return bench

    yield make
    for bench in opened:
        bench.close()
