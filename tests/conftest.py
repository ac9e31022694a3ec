from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.domain.clock import SystemClock
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from tests.fakes.keyring_backend import SHARED_FILE_ENV, MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_configure(config: pytest.Config) -> None:
    # Module- and session-scoped fixtures open benches before any test's own keyring is installed:
    # they must never reach this computer's real keyring (where a bench's PII key would be out of
    # the tests' sight), so an in-memory one is the baseline for the whole run.
    keyring.set_keyring(MemoryKeyring())


@pytest.fixture(autouse=True, scope="session")
def _shared_pii_keys(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Child processes that install MemoryKeyring (CLI crash tests) find the benches' PII keys here.
    os.environ[SHARED_FILE_ENV] = str(tmp_path_factory.mktemp("keyring") / "pii-keys.json")


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing a test runs may fall back to the real platformdirs data dir.
    monkeypatch.setenv("SHIPSTATION_DESKTOP_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def fast_scale() -> SimulatedScale:
    return SimulatedScale(SystemClock(), settle_time=0.05, seed=1)


@pytest.fixture
def bench(tmp_path: Path, fast_scale: SimulatedScale) -> Iterator[Bench]:
    b = open_bench(tmp_path / "bench", scale=fast_scale)
    b.settings.scale.stable_window_s = 0.1
    yield b
    b.close()
