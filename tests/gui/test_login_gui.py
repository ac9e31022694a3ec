"""Logging in at the bench (issue 11): the log-in before the window, wrong passwords and the lock-out
said inline, the idle lock (on a fake clock) and unlocking it with a PIN, and the start-up path."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDeadlineTimer, Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.roles import Role
from shipstation_desktop.persistence.user_tables import User
from shipstation_desktop.services import access, audit, users
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui import formatting as fmt
from shipstation_desktop.ui import i18n
from shipstation_desktop.ui.app import run_gui
from shipstation_desktop.ui.login_dialog import LoginDialog
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.ops import OpRunner

from .helpers import open_test_bench
from .user_helpers import ADMIN_PIN, PACKER_PIN, PACKER_PW, TIMEOUT_MS, OpenWindow, log_in_on, staff, window_opener

pytestmark = pytest.mark.gui


@pytest.fixture
def open_window(bench: Bench, qtbot: QtBot) -> Iterator[OpenWindow]:
    yield from window_opener(bench, qtbot)


@pytest.fixture
def login(bench: Bench, qtbot: QtBot) -> Iterator[LoginDialog]:
    staff(bench)
    runner = OpRunner()
    dialog = LoginDialog(bench, runner)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    yield dialog
    runner.shutdown()


def test_log_in_sets_the_bench_user(login: LoginDialog, bench: Bench, qtbot: QtBot) -> None:
    names = [login.panel.users.item(i).text() for i in range(login.panel.users.count())]
    assert names == ["ana", "pat", "sam"]
    assert bench.account is None
    with qtbot.waitSignal(login.accepted, timeout=TIMEOUT_MS):
        log_in_on(login.panel, qtbot, "pat", PACKER_PW)
    assert bench.user == "pat"
    assert bench.account is not None and bench.account.role is Role.PACKER
    assert login.account == bench.account
    assert [e.user for e in audit.entries(bench, action=AuditAction.LOGIN.value)][:1] == ["pat"]


def test_nothing_happens_without_a_name_or_a_secret(login: LoginDialog, bench: Bench) -> None:
    panel = login.panel
    panel.users.setCurrentRow(-1)
    panel.submit()
    assert panel.message.text() == "Choose your name first."
    panel.choose("sam")
    panel.submit()
    assert panel.message.text() == "Type your password or PIN."
    assert bench.account is None and login.isVisible()


def test_wrong_password_says_attempts_left_then_the_lock_says_until_when(
    login: LoginDialog, bench: Bench, qtbot: QtBot
) -> None:
    panel = login.panel
    log_in_on(panel, qtbot, "pat", "Wrong1234")
    assert "4 attempts left" in panel.message.text()
    assert panel.message.text().lower().startswith("wrong password")
    assert panel.secret.text() == "" and login.isVisible() and bench.account is None
    for left in (3, 2, 1):
        log_in_on(panel, qtbot, "pat", "Wrong1234")
        assert f"{left} attempt" in panel.message.text()
    log_in_on(panel, qtbot, "pat", "Wrong1234")  # the fifth: locked
    until = users.locked_until(bench, "pat")
    assert until is not None
    assert panel.message.text() == (
        f"pat is locked until {fmt.local_time(until)}. Try again then, or ask an admin to unlock."
    )
    log_in_on(panel, qtbot, "pat", PACKER_PW)  # even the right password waits for the lock
    assert panel.message.text().startswith("pat is locked until")
    assert bench.account is None and login.isVisible()


def test_idle_lock_covers_the_window_and_the_pin_unlocks_it(
    bench: Bench, open_window: OpenWindow, qtbot: QtBot
) -> None:
    clock = FakeClock(datetime.now(UTC))
    bench.clock = clock  # idle time is counted on the bench's monotonic clock
    staff(bench)
    assert bench.settings.idle_lock_minutes == 5
    w = open_window("pat")
    session = w.session
    assert session.idle.enabled and session.timer.isActive()

    clock.advance(200)
    qtbot.keyClick(w.pack_view, Qt.Key.Key_A)  # someone is working: the countdown starts again
    clock.advance(200)
    session.check_idle()
    assert not session.locked

    clock.advance(101)  # 301 s without a key press or a click
    qtbot.waitUntil(lambda: session.locked, timeout=TIMEOUT_MS)  # the timer notices by itself
    screen = session.lock_screen
    assert screen is not None and screen.isVisible() and screen.geometry() == w.rect()
    assert screen.heading.text() == "Bench locked"
    assert "pat was logged in" in screen.note.text()
    qtbot.waitUntil(lambda: bench.account is None and bench.user == "", timeout=TIMEOUT_MS)
    logout = audit.entries(bench, action=AuditAction.LOGOUT.value, limit=1)[0]
    assert logout.user == "pat" and logout.details == {"reason": "idle"}

    log_in_on(screen.panel, qtbot, "pat", "1111")
    assert screen.panel.message.text().lower().startswith("wrong pin")
    assert session.locked
    with qtbot.waitSignal(session.locked_changed, timeout=TIMEOUT_MS) as unlocked:
        log_in_on(screen.panel, qtbot, "pat", PACKER_PIN)
    assert unlocked.args == [False]
    assert not session.locked and bench.user == "pat"
    assert w.centralWidget().isEnabled() and w.menuBar().isEnabled()
    assert session.timer.isActive()
    session.check_idle()
    assert not session.locked  # a fresh countdown from the unlock


def test_shortcuts_are_dead_under_the_lock_screen(bench: Bench, open_window: OpenWindow, qtbot: QtBot) -> None:
    staff(bench)
    w = open_window("ana")
    w.session.lock("switch user")
    qtbot.waitUntil(lambda: bench.account is None, timeout=TIMEOUT_MS)
    qtbot.keyClick(w, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # Preferences
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # the Shipments view
    assert w.preferences_dialog is None
    assert w.tabs.currentWidget() is w.pack_view
    screen = w.session.lock_screen
    assert screen is not None
    log_in_on(screen.panel, qtbot, "ana", ADMIN_PIN)
    qtbot.waitUntil(lambda: not w.session.locked, timeout=TIMEOUT_MS)
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # alive again once unlocked
    assert w.tabs.currentWidget() is w.shipments_view


def test_switching_to_a_user_with_their_own_language_rebuilds_the_window_in_it(
    bench: Bench, open_window: OpenWindow, qtbot: QtBot
) -> None:
    staff(bench)
    with bench.store.session() as s:  # the user manager has no language field yet: set it as a sync would
        s.scalars(select(User).where(User.name == "pat")).one().language = "es"
    w = open_window("ana")
    assert w.language == "en"
    rebuilt: MainWindow | None = None
    try:
        w.session.lock("switch user")
        screen = w.session.lock_screen
        assert screen is not None
        with qtbot.waitSignal(w.session.language_wanted, timeout=TIMEOUT_MS) as wanted:
            log_in_on(screen.panel, qtbot, "pat", PACKER_PIN)
        assert wanted.args == ["es"]

        def replaced() -> MainWindow | None:
            found = [x for x in QApplication.topLevelWidgets() if isinstance(x, MainWindow) and x.isVisible()]
            return found[0] if len(found) == 1 and found[0] is not w else None

        qtbot.waitUntil(lambda: replaced() is not None, timeout=TIMEOUT_MS)
        rebuilt = replaced()
        assert rebuilt is not None and rebuilt.language == "es" and i18n.language() == "es"
        assert rebuilt.bench.user == "pat"
        assert rebuilt.act_prefs.toolTip() == "Solo los administradores pueden cambiar la configuración"
        assert rebuilt.session.user_label.text() == "pat (empaquetador)"
    finally:
        if rebuilt is not None:
            rebuilt.close()
            rebuilt.shutdown()
        i18n.set_language("en")


# ------------------------------------------------------------------------------------ start-up


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    """run_gui sets up file logging for its data dir; leave the root logger as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in set(root.handlers) - set(handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def _staffed_dir(bench_dir: Path) -> Path:
    bench = open_test_bench(bench_dir)
    try:
        staff(bench)
    finally:
        bench.close()
    return bench_dir


@pytest.mark.usefixtures("restore_root_logger")
def test_run_gui_asks_who_is_working_before_the_window(bench_dir: Path) -> None:
    data_dir = _staffed_dir(bench_dir)
    seen: dict[str, object] = {}
    deadline = QDeadlineTimer(60_000)

    def watch() -> None:
        """Polls the running app (no sleeps): log in on the dialog, then close the window."""
        top = QApplication.topLevelWidgets()
        windows = [w for w in top if isinstance(w, MainWindow) and w.isVisible()]
        dialogs = [d for d in top if isinstance(d, LoginDialog) and d.isVisible()]
        if windows:
            w = windows[0]
            seen["user"] = w.bench.user
            seen["label"] = w.session.user_label.text()
            seen["prefs"] = w.act_prefs.isEnabled()
            w.close()
            return
        if dialogs and "dialog" not in seen:
            seen["dialog"] = True
            panel = dialogs[0].panel
            panel.choose("pat")
            panel.secret.setText(PACKER_PIN)
            panel.submit()
        if deadline.hasExpired():
            for widget in top:
                widget.close()
            return
        QTimer.singleShot(50, watch)

    QTimer.singleShot(0, watch)
    assert run_gui(str(data_dir)) == 0
    assert seen == {"dialog": True, "user": "pat", "label": "pat (packer)", "prefs": False}


@pytest.mark.usefixtures("restore_root_logger")
def test_run_gui_without_a_log_in_opens_no_window(bench_dir: Path) -> None:
    data_dir = _staffed_dir(bench_dir)
    seen: list[str] = []

    def watch() -> None:
        top = QApplication.topLevelWidgets()
        if any(isinstance(w, MainWindow) and w.isVisible() for w in top):
            seen.append("window")
        dialogs = [d for d in top if isinstance(d, LoginDialog) and d.isVisible()]
        if dialogs:
            seen.append("dialog")
            dialogs[0].reject()  # the person closes the log-in
            return
        QTimer.singleShot(50, watch)

    QTimer.singleShot(0, watch)
    assert run_gui(str(data_dir)) == 0
    assert seen == ["dialog"]
    bench = open_test_bench(data_dir)
    try:
        assert access.users_exist(bench) and bench.account is None
    finally:
        bench.close()
