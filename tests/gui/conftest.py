"""GUI test fixtures: a seeded bench per test (copied from one seeded template), offscreen Qt.

Strict like the rest of the suite: warnings are errors (pyproject) and any Qt warning fails the test.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt creates the QApplication

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from shipstation_desktop.services import bootstrap, demo
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings.secrets import SecretStore
from shipstation_desktop.ui import app as gui_app
from shipstation_desktop.ui.app import build_main_window
from shipstation_desktop.ui.main_window import MainWindow
from tests.fakes.keyring_backend import MemoryKeyring

from .helpers import open_test_bench

# The offscreen platform plugin itself says this whenever a dialog is shown; it is not our code.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def english_gui(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The GUI in English whatever the computer's language, and English again after a test that
    switched it (the language is process-wide)."""
    monkeypatch.setattr(gui_app, "system_language", lambda: "en")
    yield
    gui_app.apply_language("en")


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeding takes seconds; do it once and copy the data dir for each test."""
    data_dir = tmp_path_factory.mktemp("seeded-bench")
    bench = bootstrap.open_bench(data_dir, secrets=SecretStore(MemoryKeyring()))
    try:
        demo.seed(bench)
    finally:
        bench.close()
    return data_dir


@pytest.fixture
def bench_dir(seeded_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "bench"
    shutil.copytree(seeded_template, target)
    return target


@pytest.fixture
def bench(bench_dir: Path) -> Iterator[Bench]:
    b = open_test_bench(bench_dir)
    yield b
    b.close()


@pytest.fixture
def window(bench: Bench, qtbot: QtBot) -> Iterator[MainWindow]:
    w = build_main_window(bench)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w
    w.close()
    w.shutdown()  # close() may skip closeEvent for a hidden window; threads must not outlive the test
