"""The ops runner: each outcome reaches the right callback on the GUI thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.errors import Cancelled, UserError
from shipstation_desktop.ui.error_dialog import ErrorDialog, show_error_dialog
from shipstation_desktop.ui.ops import Failure, FailureKind, Op, OpContext, OpRunner, Progress

pytestmark = pytest.mark.gui

WAIT_S = 5.0


class Recorder:
    """Collects every callback, and the thread it ran on."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.threads: set[QThread] = set()

    def add(self, name: str, value: object = None) -> None:
        self.events.append((name, value))
        self.threads.add(QThread.currentThread())

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def op(self, fn: object, **kwargs: object) -> Op[object]:
        return Op(
            fn,  # type: ignore[arg-type]
            on_success=lambda value: self.add("success", value),
            on_failure=lambda failure: self.add("failure", failure),
            on_cancelled=lambda: self.add("cancelled"),
            on_done=lambda: self.add("done"),
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.fixture
def bugs() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def runner(qtbot: QtBot, bugs: list[tuple[str, str]]) -> Iterator[OpRunner]:
    r = OpRunner(report_bug=lambda summary, details: bugs.append((summary, details)))
    yield r
    r.shutdown()


def _gui_thread() -> QThread:
    app = QApplication.instance()
    assert app is not None
    return app.thread()


def test_success_reaches_on_success_on_the_gui_thread(runner: OpRunner, qtbot: QtBot) -> None:
    rec = Recorder()
    worker_threads: list[QThread] = []

    def work(_ctx: OpContext) -> int:
        worker_threads.append(QThread.currentThread())
        return 42

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy, _label: not busy):
        runner.run(rec.op(work))
    assert rec.events == [("success", 42), ("done", None)]
    assert rec.threads == {_gui_thread()}
    assert worker_threads and worker_threads[0] is not _gui_thread()
    assert not runner.busy


def test_user_error_reaches_on_failure_without_a_bug_report(
    runner: OpRunner, qtbot: QtBot, bugs: list[tuple[str, str]]
) -> None:
    rec = Recorder()

    def work(_ctx: OpContext) -> None:
        raise UserError("No order 'X1' on this bench.")

    runner.run(rec.op(work))
    qtbot.waitUntil(lambda: "done" in rec.names())
    assert rec.names() == ["failure", "done"]
    failure = rec.events[0][1]
    assert isinstance(failure, Failure)
    assert failure.kind is FailureKind.USER
    assert failure.message == "No order 'X1' on this bench."
    assert bugs == []


def test_unhandled_user_error_goes_to_the_runner_message_sink(runner: OpRunner, qtbot: QtBot) -> None:
    def work(_ctx: OpContext) -> None:
        raise UserError("The scale shows no weight; put the parcel on the scale.")

    with qtbot.waitSignal(runner.user_error) as blocker:
        runner.run(Op(work))
    assert blocker.args == ["The scale shows no weight; put the parcel on the scale."]


def test_cancelled_is_quiet(runner: OpRunner, qtbot: QtBot, bugs: list[tuple[str, str]]) -> None:
    rec = Recorder()
    started = threading.Event()

    def work(ctx: OpContext) -> None:
        started.set()
        ctx.token.wait(WAIT_S)  # a long step that stops as soon as the user cancels
        ctx.check_cancelled()
        raise AssertionError("not cancelled in time")

    user_errors: list[str] = []
    runner.user_error.connect(user_errors.append)
    handle = runner.run(rec.op(work))
    assert started.wait(WAIT_S)
    handle.cancel()
    qtbot.waitUntil(lambda: "done" in rec.names())
    assert rec.names() == ["cancelled", "done"]
    assert bugs == [] and user_errors == []


def test_raising_domain_cancelled_counts_as_cancelled(runner: OpRunner, qtbot: QtBot) -> None:
    rec = Recorder()

    def work(_ctx: OpContext) -> None:
        raise Cancelled()

    runner.run(rec.op(work))
    qtbot.waitUntil(lambda: "done" in rec.names())
    assert rec.names() == ["cancelled", "done"]


def test_bug_is_logged_reported_and_passed_to_on_failure(
    runner: OpRunner, qtbot: QtBot, bugs: list[tuple[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    rec = Recorder()

    def work(_ctx: OpContext) -> None:
        {}["missing"]

    with caplog.at_level(logging.ERROR, logger="shipstation_desktop.ui.ops"):
        runner.run(rec.op(work, label="Loading shipments…"))
        qtbot.waitUntil(lambda: "done" in rec.names())
    assert rec.names() == ["failure", "done"]
    failure = rec.events[0][1]
    assert isinstance(failure, Failure) and failure.kind is FailureKind.BUG
    assert isinstance(failure.error, KeyError)
    assert len(bugs) == 1
    summary, details = bugs[0]
    assert "Loading shipments failed unexpectedly" in summary
    assert "Traceback" in details and "KeyError" in details
    assert any(r.exc_info and r.exc_info[0] is KeyError for r in caplog.records)


def test_progress_is_delivered_in_order(runner: OpRunner, qtbot: QtBot) -> None:
    seen: list[Progress] = []

    def work(ctx: OpContext) -> str:
        for step in range(1, 4):
            ctx.progress(f"step {step}", step, 3)
        return "ok"

    done: list[str] = []
    runner.run(Op(work, on_progress=seen.append, on_success=done.append))
    qtbot.waitUntil(lambda: done == ["ok"])
    assert [(p.text, p.done, p.total) for p in seen] == [("step 1", 1, 3), ("step 2", 2, 3), ("step 3", 3, 3)]


def test_writes_never_overlap(runner: OpRunner, qtbot: QtBot) -> None:
    lock = threading.Lock()
    active = 0
    peak = 0
    finished: list[int] = []

    def write(n: int) -> int:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        threading.Event().wait(0.01)  # hold the writer briefly so overlaps would show
        with lock:
            active -= 1
        return n

    for n in range(6):
        runner.run(Op(lambda _ctx, n=n: write(n), writes=True, on_success=finished.append))
    qtbot.waitUntil(lambda: len(finished) == 6)
    assert peak == 1
    assert finished == list(range(6))  # one writer: submission order is commit order


def test_results_after_shutdown_are_dropped(qtbot: QtBot) -> None:
    runner = OpRunner()
    rec = Recorder()
    runner.run(rec.op(lambda _ctx: 1))
    runner.shutdown()
    QApplication.processEvents()  # deliver anything the worker queued (it must be dropped)
    assert rec.events == []


def test_error_dialog_copies_details(qtbot: QtBot) -> None:
    dialog = show_error_dialog("KeyError: 'missing'", "Traceback (most recent call last):\n  ...\nKeyError: 'missing'")
    qtbot.addWidget(dialog)
    assert isinstance(dialog, ErrorDialog)
    dialog.copy_button.click()
    text = QApplication.clipboard().text()
    assert text.startswith("KeyError: 'missing'") and "Traceback" in text
    dialog.close()


def test_the_qt_binding_survives_thousands_of_bool_signals(qtbot: QtBot) -> None:
    """PySide6 6.12.0 lost a reference to True per emit and aborted the process after a few
    thousand: the ops runner emits busy_changed(True, …) once per operation."""
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        changed = Signal(bool, str)

    emitter = Emitter()
    seen: list[bool] = []
    emitter.changed.connect(lambda busy, _label: seen.append(busy))
    for _ in range(20_000):
        emitter.changed.emit(True, "busy")
        emitter.changed.emit(False, "")
    assert len(seen) == 40_000 and seen[-2:] == [True, False]
