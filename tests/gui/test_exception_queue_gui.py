"""The supervisor queue on screen: filters, ageing colours, assign, notes, resolve, the open count in the
tab title, and the pack screen's never-blocking address warning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.qtbot import QtBot

from shipstation_desktop.carriers.port import AddressCheck
from shipstation_desktop.carriers.simulated import SimulatedCarrier
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.clock import SystemClock
from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import exception_queue as queue
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui import style
from shipstation_desktop.ui.app import build_main_window
from shipstation_desktop.ui.exceptions_view import ExceptionsView
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.pack_view import PackState

from .helpers import READY_ORDER, wait_idle

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000
AGE_COLUMN = 1


def _raise_aged(bench: Bench, kind: ExceptionType, text: str, hours: float) -> dm.ShipmentException:
    e = exc_service.raise_exception(bench, type=kind, description=text, subject=text)
    with bench.store.session() as s:
        s.get_one(t.ShipmentException, e.id).created_at = bench.clock.now() - timedelta(hours=hours)
    return e


def _row_of(view: ExceptionsView, exception_id: str) -> int:
    for row, e in enumerate(view.model.rows()):
        if e.id == exception_id:
            return row
    return -1


def _background(view: ExceptionsView, row: int, column: int) -> str | None:
    brush = view.model.index(row, column).data(Qt.ItemDataRole.BackgroundRole)
    return brush.color().name() if isinstance(brush, QBrush) else None


def _open_tab(window: MainWindow, qtbot: QtBot) -> ExceptionsView:
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    view = window.exceptions_view
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=TIMEOUT_MS)
    return view


def test_tab_title_shows_the_open_count_and_follows_a_new_exception(
    window: MainWindow, bench: Bench, qtbot: QtBot
) -> None:
    index = window.tabs.indexOf(window.exceptions_view)
    total = sum(exc_service.open_counts(bench).values())
    qtbot.waitUntil(lambda: window.tabs.tabText(index) == f"Exceptions ({total})", timeout=TIMEOUT_MS)
    with qtbot.waitSignal(window.exceptions_view.counts_changed, timeout=TIMEOUT_MS) as counted:
        exc_service.raise_exception(bench, type=ExceptionType.LOST_IN_TRANSIT, description="Gone", subject="L-1")
    assert sum(counted.args[0].values()) == total + 1
    assert window.tabs.tabText(index) == f"Exceptions ({total + 1})"
    qtbot.waitUntil(
        lambda: window.status.exceptions_button.text() == f"Exceptions: {total + 1} open", timeout=TIMEOUT_MS
    )
    assert "critical" in window.status.exceptions_button.toolTip()


def test_ageing_colours_and_the_age_filter(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    red = _raise_aged(bench, ExceptionType.CUSTOMS_DELAY, "Held for 30 hours", 30)
    amber = _raise_aged(bench, ExceptionType.CUSTOMS_DELAY, "Held for 5 hours", 5)
    fresh = _raise_aged(bench, ExceptionType.CUSTOMS_DELAY, "Held for 1 hour", 1)
    view = _open_tab(window, qtbot)
    view.refresh()
    qtbot.waitUntil(lambda: _row_of(view, fresh.id) >= 0, timeout=TIMEOUT_MS)
    assert _background(view, _row_of(view, red.id), AGE_COLUMN) == style.BAD_BG
    assert _background(view, _row_of(view, amber.id), AGE_COLUMN) == style.WARN_BG
    assert _background(view, _row_of(view, fresh.id), AGE_COLUMN) is None
    assert view.model.index(_row_of(view, red.id), AGE_COLUMN).data() == "30 h"

    view.age_combo.setCurrentIndex(view.age_combo.findText("Older than 24 h"))
    qtbot.waitUntil(lambda: _row_of(view, amber.id) < 0, timeout=TIMEOUT_MS)
    assert _row_of(view, red.id) >= 0
    cutoff = bench.clock.now() - timedelta(hours=24)
    assert all(e.created_at < cutoff for e in view.model.rows())


def test_type_and_bench_filters(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    mine = exc_service.raise_exception(bench, type=ExceptionType.SYNC_REJECTED, description="Refused", subject="m1")
    theirs = exc_service.raise_exception(bench, type=ExceptionType.SYNC_REJECTED, description="Other", subject="m2")
    with bench.store.session() as s:  # as if pulled from the center after another bench raised it
        s.get_one(t.ShipmentException, theirs.id).bench_id = "0190ffff-0000-7000-8000-0000otherbnch"
    view = _open_tab(window, qtbot)
    view.type_combo.setCurrentIndex(view.type_combo.findData(ExceptionType.SYNC_REJECTED.value))
    qtbot.waitUntil(lambda: {e.id for e in view.model.rows()} == {mine.id, theirs.id}, timeout=TIMEOUT_MS)
    assert view.model.index(_row_of(view, mine.id), 8).data() == "this bench"

    view.bench_combo.setCurrentIndex(view.bench_combo.findData(queue.THIS_BENCH))
    qtbot.waitUntil(lambda: {e.id for e in view.model.rows()} == {mine.id}, timeout=TIMEOUT_MS)
    other = view.bench_combo.findData("0190ffff-0000-7000-8000-0000otherbnch")
    assert other >= 0  # benches seen in the queue become filter choices
    view.bench_combo.setCurrentIndex(other)
    qtbot.waitUntil(lambda: {e.id for e in view.model.rows()} == {theirs.id}, timeout=TIMEOUT_MS)


def test_assign_note_and_resolve_through_the_dialogs(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    target = exc_service.raise_exception(
        bench, type=ExceptionType.LOST_IN_TRANSIT, description="Parcel lost at hub", subject="L-2"
    )
    view = _open_tab(window, qtbot)
    qtbot.waitUntil(lambda: _row_of(view, target.id) >= 0, timeout=TIMEOUT_MS)
    view.table.selectRow(_row_of(view, target.id))
    assert view.assign_button.isEnabled() and view.note_button.isEnabled()

    view.assign_button.click()
    dialog = view.assign_dialog
    assert dialog is not None
    assert dialog.name() == bench.user  # the bench's packer is offered first
    dialog.name_combo.setEditText("")
    assert not dialog.accept_button.isEnabled()
    qtbot.keyClicks(dialog.name_combo.lineEdit(), "Maria")
    dialog.accept_button.click()
    qtbot.waitUntil(lambda: view.message.text().startswith("Assigned"), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "assigned to Maria" in view.detail_title.text(), timeout=TIMEOUT_MS)
    assert view.model.index(_row_of(view, target.id), 7).data() == "Maria"

    view.note_button.click()
    note = view.note_dialog
    assert note is not None and not note.accept_button.isEnabled()
    qtbot.keyClicks(note.note_edit, "Claim opened with the carrier")
    note.accept_button.click()
    qtbot.waitUntil(lambda: "Claim opened with the carrier" in view.notes_view.toPlainText(), timeout=TIMEOUT_MS)
    assert "Assigned to Maria" in view.notes_view.toPlainText()

    view.resolve_button.click()
    resolve = view.resolve_dialog
    assert resolve is not None
    qtbot.keyClicks(resolve.note_edit, "Replacement shipped")
    resolve.accept_button.click()
    qtbot.waitUntil(lambda: view.message.text().startswith("Resolved"), timeout=TIMEOUT_MS)
    done = queue.get(bench, target.id)
    assert done.resolution == "Replacement shipped" and done.resolved_by == bench.user
    assert [n.kind for n in done.notes] == ["assigned", "note"]
    view.open_only.setChecked(False)
    qtbot.waitUntil(lambda: _row_of(view, target.id) >= 0, timeout=TIMEOUT_MS)
    view.table.selectRow(_row_of(view, target.id))
    qtbot.waitUntil(lambda: f"resolved by {bench.user}" in view.detail_title.text(), timeout=TIMEOUT_MS)
    assert not view.assign_button.isEnabled() and not view.resolve_button.isEnabled()


class _BadAddressCarrier(SimulatedCarrier):
    def validate_address(self, address: dm.PostalAddress) -> AddressCheck:
        return AddressCheck(valid=False, messages=("Street not found.",))


@pytest.fixture
def bad_address_window(bench: Bench, qtbot: QtBot) -> Iterator[MainWindow]:
    bench.carriers = {"simulated": _BadAddressCarrier(SystemClock(), seed=9, exception_rate=0.0)}
    w = build_main_window(bench)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w
    w.close()
    w.shutdown()


def test_pack_screen_warns_about_the_address_and_lets_the_packer_go_on(
    bad_address_window: MainWindow, bench: Bench, qtbot: QtBot
) -> None:
    view = bad_address_window.pack_view
    qtbot.keyClicks(view.scan_edit, READY_ORDER)
    qtbot.keyClick(view.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state is PackState.WEIGHING, timeout=TIMEOUT_MS)
    qtbot.mouseClick(view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.state is PackState.READY, timeout=TIMEOUT_MS)
    banner = view.address_banner
    assert banner.isVisible() and "Street not found." in banner.label.text()
    assert view.buy_button.isEnabled()  # a warning, never a block
    issue = banner.issue
    assert issue is not None and issue.type is ExceptionType.ADDRESS_ISSUE
    assert issue.severity is ExceptionSeverity.HIGH

    banner.override_button.click()
    dialog = banner.dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.note_edit, "Customer confirmed the new building by phone")
    with qtbot.waitSignal(banner.overridden, timeout=TIMEOUT_MS):
        dialog.accept_button.click()
    stored = queue.get(bench, issue.id)
    assert [n.kind for n in stored.notes] == ["override"]
    assert "confirmed the new building" in stored.notes[0].text
    assert not banner.override_button.isVisible()

    assert bad_address_window.focusWidget() is view.scan_edit  # back to scanning once the dialog is gone
    bad_address_window.activateWindow()  # what the window manager does when a dialog closes (not offscreen)
    qtbot.waitUntil(view.scan_edit.hasFocus, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(view.shipped, timeout=TIMEOUT_MS):
        qtbot.keyClick(view.scan_edit, Qt.Key.Key_F9)
    wait_idle(qtbot, bad_address_window)
    assert not banner.isVisible()  # the next order starts clean
