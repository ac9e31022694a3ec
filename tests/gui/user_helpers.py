"""Shared steps of the log-in, role and audit GUI tests: a bench with one user per role, and the
window opened for one of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from shipstation_desktop.domain.roles import Role
from shipstation_desktop.services import access, users
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.app import build_main_window
from shipstation_desktop.ui.login_dialog import LoginPanel
from shipstation_desktop.ui.main_window import MainWindow

from .helpers import wait_idle

TIMEOUT_MS = 10_000

ADMIN_PW, ADMIN_PIN = "Admin1234", "2580"
SUPERVISOR_PW = "Super1234"
PACKER_PW, PACKER_PIN = "Packer123", "3691"
SECRETS = {"ana": ADMIN_PW, "sam": SUPERVISOR_PW, "pat": PACKER_PW}
BY_ROLE = {Role.ADMIN: "ana", Role.SUPERVISOR: "sam", Role.PACKER: "pat"}


def staff(bench: Bench) -> Bench:
    """ana (admin, PIN 2580), sam (supervisor) and pat (packer, PIN 3691); nobody logged in."""
    users.add_user(bench, "ana", Role.ADMIN, ADMIN_PW, pin=ADMIN_PIN)
    users.log_in(bench, "ana", ADMIN_PW)
    users.add_user(bench, "sam", Role.SUPERVISOR, SUPERVISOR_PW)
    users.add_user(bench, "pat", Role.PACKER, PACKER_PW, pin=PACKER_PIN)
    access.log_out(bench)
    return bench


OpenWindow = Callable[[str | None], MainWindow]


def window_opener(bench: Bench, qtbot: QtBot) -> Iterator[OpenWindow]:
    """For a test module's `open_window` fixture: logs `name` in (None: nobody) and builds the
    bench window; every window opened is closed again after the test."""
    opened: list[MainWindow] = []

    def make(name: str | None) -> MainWindow:
        if name is not None:
            users.log_in(bench, name, SECRETS[name])
        w = build_main_window(bench)  # closed below, not by qtbot: a language change may delete it first
        w.show()
        qtbot.waitExposed(w)
        w.activateWindow()
        opened.append(w)
        wait_idle(qtbot, w)
        return w

    yield make
    for w in opened:
        if isValid(w):  # a language change may have replaced (and deleted) it
            # Dialogs (the audit log, the users manager) are windows of their own: a modal one left
            # open would still be the active modal widget in the next test.
            for dialog in w.findChildren(QDialog):
                dialog.close()
            w.close()
            w.shutdown()


def log_in_on(panel: LoginPanel, qtbot: QtBot, name: str, secret: str) -> None:
    """Chooses `name` and types `secret` into a log-in panel, then presses Enter."""
    panel.choose(name)
    panel.secret.clear()
    qtbot.keyClicks(panel.secret, secret)
    panel.button.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=TIMEOUT_MS)
