"""The Analytics tab on a seeded demo bench, and the GUI pack flow's step times feeding it."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from shipstation_desktop.persistence.analytics_tables import PackStep
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui import style
from shipstation_desktop.ui.analytics_view import AnalyticsView
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.pack_view import PackState

from .helpers import READY_ORDER, wait_idle

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000


def _open_analytics(window: MainWindow, qtbot: QtBot) -> AnalyticsView:
    view = window.analytics_view
    with qtbot.waitSignal(view.loaded, timeout=TIMEOUT_MS):
        window.tabs.setCurrentWidget(view)
    return view


def test_the_tab_shows_a_year_of_demo_shipments(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = _open_analytics(window, qtbot)
    assert window.tabs.tabText(window.tabs.indexOf(view)) == "Analytics"
    today = bench.clock.now().date()
    with qtbot.waitSignal(view.loaded, timeout=TIMEOUT_MS):
        view.set_period(today - timedelta(days=365), today)
    assert view.preset.currentText() == "Custom"
    assert view.dashboard is not None
    rows = view.dashboard.carriers.rows
    assert view.carrier_table.rowCount() == len(rows) >= 1
    assert view.carrier_table.item(0, 0).text() == rows[0].carrier
    assert len(view.on_time_chart.bars) == len(rows)
    # Every demo label was bought: the label KPI passes and is shown green.
    label_kpi = view.kpi_labels["label_success_pct"]
    assert "✔" in label_kpi.text() and "99.5" in label_kpi.text()
    assert style.GOOD in label_kpi.styleSheet()
    assert "no center configured" in view.sync_label.text()
    assert view.jobs_label.text().startswith("Job queue:")


def test_preset_changes_reload_the_period(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = _open_analytics(window, qtbot)
    with qtbot.waitSignal(view.loaded, timeout=TIMEOUT_MS):
        view.preset.setCurrentIndex(2)  # last 30 days
    assert view.dashboard is not None
    period = view.dashboard.carriers.period
    assert (period.last - period.first).days == 29
    assert period.last == bench.clock.now().date()


def test_export_csv_writes_the_shown_rows(window: MainWindow, bench: Bench, qtbot: QtBot, tmp_path: Path) -> None:
    view = _open_analytics(window, qtbot)
    today = bench.clock.now().date()
    with qtbot.waitSignal(view.loaded, timeout=TIMEOUT_MS):
        view.set_period(today - timedelta(days=365), today)
    target = tmp_path / "carriers.csv"
    view.export_csv(target)
    qtbot.waitUntil(lambda: "Exported" in view.message.text(), timeout=TIMEOUT_MS)
    assert view.dashboard is not None
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))
    assert [r["carrier"] for r in rows] == [r.carrier for r in view.dashboard.carriers.rows]


def test_the_gui_pack_flow_records_its_steps(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    pack = window.pack_view
    qtbot.keyClicks(pack.scan_edit, READY_ORDER)
    qtbot.keyClick(pack.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pack.state is PackState.WEIGHING, timeout=TIMEOUT_MS)
    qtbot.mouseClick(pack.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pack.state is PackState.READY, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(pack.shipped, timeout=TIMEOUT_MS):
        qtbot.keyClick(pack.scan_edit, Qt.Key.Key_F9)
    wait_idle(qtbot, window)
    with bench.store.session() as s:
        steps = list(s.scalars(select(PackStep).where(PackStep.order_number == READY_ORDER)))
    assert [x.step for x in sorted(steps, key=lambda x: x.started_at)] == ["scan", "weigh", "rate", "buy", "print"]
    assert len({x.session_id for x in steps}) == 1 and all(x.ok for x in steps)

    view = _open_analytics(window, qtbot)
    assert view.dashboard is not None
    assert view.dashboard.productivity.orders == 1
    assert view.packer_table.rowCount() == 1
    assert view.packer_table.item(0, 0).text() == bench.settings.bench_name
    assert [b.label for b in view.share_chart.bars] == ["scan", "weigh", "rate", "buy", "print"]
    view.grab()  # paints the charts offscreen: no QPainter warnings
