"""Sync now and Pause/Resume sync from the menu, and what the status bar says, against an
in-memory center that the test switches offline (tests/fakes/central.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, Signal, Slot
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.services import central
from shipstation_desktop.services import jobs as job_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync.jobs import JobState
from shipstation_desktop.sync.worker import WorkerState
from shipstation_desktop.ui.app import build_main_window
from shipstation_desktop.ui.main_window import MainWindow
from tests.fakes.central import FakeCentral
from tests.fakes.orders import add_order

pytestmark = pytest.mark.gui

WAIT_MS = 30_000


@pytest.fixture
def fake_center() -> FakeCentral:
    return FakeCentral(f"gui-{uuid.uuid4().hex[:8]}")


class StateRecorder(QObject):
    """Re-emits the worker's states on the GUI thread with what the status bar showed for each.

    SyncEvents.state_changed is emitted on the worker's thread; a plain-callable waiter would run
    there and touch widgets off the GUI thread. A slot on this QObject is queued to the GUI thread,
    after the status bar's own slot (connected earlier), so the label is read as the person saw it."""

    seen = Signal(object)  # (WorkerState, label text, tooltip)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.label = window.status.sync_label
        window.sync.state_changed.connect(self.record)

    @Slot(object)
    def record(self, state: WorkerState) -> None:
        self.seen.emit((state, self.label.text(), self.label.toolTip()))


Seen = tuple[WorkerState, str, str]


@pytest.fixture
def synced_window(bench: Bench, fake_center: FakeCentral, qtbot: QtBot) -> Iterator[tuple[MainWindow, StateRecorder]]:
    central.register(bench, fake_center.url, "GUI bench")
    w = build_main_window(bench)
    qtbot.addWidget(w)
    recorder = StateRecorder(w)
    with qtbot.waitSignal(recorder.seen, timeout=WAIT_MS, check_params_cb=lambda seen: _synced(seen[0])):
        w.show()
    yield w, recorder
    w.close()
    w.shutdown()


def _synced(state: WorkerState) -> bool:
    return bool(state.online) and not state.syncing and state.pending == 0


def test_sync_now_pause_and_resume_show_in_the_status_bar(
    synced_window: tuple[MainWindow, StateRecorder], bench: Bench, fake_center: FakeCentral, qtbot: QtBot
) -> None:
    w, recorder = synced_window
    assert fake_center.applied_count > 0  # the seeded bench's outbox reached the center

    fake_center.online = False
    add_order(bench, "GUI-OFF-1")  # no nudge: only the person's "Sync now" tries
    with qtbot.waitSignal(
        recorder.seen, timeout=WAIT_MS, check_params_cb=lambda seen: seen[0].online is False and not seen[0].syncing
    ) as offline:
        w.act_sync_now.trigger()
    state, text, tip = offline.args[0]
    assert state.pending > 0
    assert text == f"Sync: offline · {state.pending} pending · retry in 1 s"
    assert "cannot reach the center" in tip

    with qtbot.waitSignal(recorder.seen, timeout=WAIT_MS, check_params_cb=lambda seen: seen[0].paused) as paused:
        w.act_pause_sync.trigger()
    assert w.act_pause_sync.isChecked()
    assert paused.args[0][1].startswith("Sync: paused")

    fake_center.online = True
    with qtbot.waitSignal(recorder.seen, timeout=WAIT_MS, check_params_cb=lambda seen: _synced(seen[0])) as synced:
        w.act_pause_sync.trigger()  # resume: syncs at once
    assert not w.act_pause_sync.isChecked()
    assert synced.args[0][1] == "Sync: online · 0 pending"
    assert any(data.get("order_number") == "GUI-OFF-1" for _v, data in fake_center.records.values())


def test_sync_actions_are_disabled_without_a_center(window: MainWindow) -> None:
    assert not window.act_sync_now.isEnabled()
    assert not window.act_pause_sync.isEnabled()
    assert window.status.sync_label.text() == "Sync: not configured"


def test_a_supervisor_requeues_a_dead_letter_in_the_jobs_dialog(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    calls: list[int] = []

    def flaky(_payload: dict[str, object]) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise UserError("the carrier's tracking API said 503")

    window.jobs.worker.handlers["track"] = flaky  # what the tracking poller will register
    job_id = job_service.queue(bench).enqueue("track", {"shipment": "S-1"}, max_attempts=1)
    bench.changed("jobs")
    qtbot.waitUntil(lambda: job_service.queue(bench).get(job_id).state is JobState.DEAD, timeout=WAIT_MS)

    window.act_jobs.trigger()
    dialog = window.jobs_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 1, timeout=WAIT_MS)
    assert "503" in dialog.table.topLevelItem(0).text(5)
    assert "1 dead" in dialog.stats_label.text()
    assert not dialog.requeue_button.isEnabled()
    dialog.table.setCurrentItem(dialog.table.topLevelItem(0))
    assert dialog.requeue_button.isEnabled()
    dialog.requeue_button.click()
    qtbot.waitUntil(lambda: job_service.queue(bench).get(job_id).state is JobState.DONE, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 0, timeout=WAIT_MS)  # no dead letters left
    assert len(calls) == 2
