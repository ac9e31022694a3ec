"""Shared helpers for the GUI tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.domain.clock import SystemClock
from shipstation_desktop.services import bootstrap
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings.secrets import SecretStore
from shipstation_desktop.ui.main_window import MainWindow
from tests.fakes.keyring_backend import MemoryKeyring

READY_ORDER = "SO-10002"  # confirmed, ACTIVE customer, 630 g expected (demo seed 7)
BLOCKED_ORDER = "SO-10001"  # the demo's BLOCKED customer (index 44) gets the first order


def open_test_bench(data_dir: Path, secrets: SecretStore | None = None) -> Bench:
    """A bench with a quick-settling simulated scale and an in-memory keyring."""
    bench = bootstrap.open_bench(
        data_dir,
        scale=SimulatedScale(SystemClock(), settle_time=0.05),
        secrets=secrets or SecretStore(MemoryKeyring()),
    )
    bench.settings.scale.stable_window_s = 0.1
    bench.settings.first_run_done = True
    return bench


def wait_idle(qtbot: QtBot, w: MainWindow, timeout: int = 10_000) -> None:
    """Until every background op has finished and delivered its callbacks."""
    qtbot.waitUntil(lambda: not w.runner.busy, timeout=timeout)
