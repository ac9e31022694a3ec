"""The user manager (issue 11, admins): adding a user with a role and a password (policy errors under
the field), new password and PIN, role, deactivation, lifting a lock-out, and the first user of a
demo bench."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.roles import LoginFailed, Role, UserLocked
from shipstation_desktop.services import access, users
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.users_dialog import UsersDialog

from .helpers import wait_idle
from .user_helpers import PACKER_PW, TIMEOUT_MS, OpenWindow, staff, window_opener

pytestmark = pytest.mark.gui


@pytest.fixture
def open_window(bench: Bench, qtbot: QtBot) -> Iterator[OpenWindow]:
    yield from window_opener(bench, qtbot)


def _open(w: MainWindow, qtbot: QtBot, rows: int) -> UsersDialog:
    w.session.act_users.trigger()
    dialog = w.findChild(UsersDialog, "usersDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == rows, timeout=TIMEOUT_MS)
    wait_idle(qtbot, w)
    return dialog


def _names(dialog: UsersDialog) -> list[str]:
    return [dialog.table.topLevelItem(i).text(0) for i in range(dialog.table.topLevelItemCount())]


def _add(dialog: UsersDialog, qtbot: QtBot, name: str, role: Role, password: str, pin: str = "") -> None:
    dialog.name_edit.setText(name)
    dialog.new_role.setCurrentIndex(dialog.new_role.findData(role.value))
    dialog.password_edit.setText(password)
    dialog.pin_edit.setText(pin)
    dialog.add_button.click()


def test_adding_a_user_shows_policy_errors_inline_then_adds(
    bench: Bench, open_window: OpenWindow, qtbot: QtBot
) -> None:
    staff(bench)
    w = open_window("ana")
    dialog = _open(w, qtbot, 3)
    assert _names(dialog) == ["ana", "pat", "sam"]
    assert [dialog.table.topLevelItem(i).text(1) for i in range(3)] == ["admin", "packer", "supervisor"]

    _add(dialog, qtbot, "lee", Role.PACKER, "short", pin="1234")
    assert dialog.errors.text("password") == (
        "must be at least 8 characters; must contain an uppercase letter; must contain a number"
    )
    assert dialog.errors.text("pin") == "must not be a run of digits (like 1234 or 4321)"
    assert dialog.errors.labels["password"].isVisible()
    wait_idle(qtbot, w)
    assert _names(dialog) == ["ana", "pat", "sam"]  # nothing was sent

    _add(dialog, qtbot, "", Role.PACKER, "Lee12345")
    assert dialog.errors.text("name") == "A user needs a name."
    assert dialog.errors.text("password") == ""

    with qtbot.waitSignal(dialog.users_changed, timeout=TIMEOUT_MS):
        _add(dialog, qtbot, "lee", Role.SUPERVISOR, "Lee12345", pin="4826")
    qtbot.waitUntil(lambda: _names(dialog) == ["ana", "lee", "pat", "sam"], timeout=TIMEOUT_MS)
    assert dialog.message.text() == "lee added."
    assert not dialog.errors.labels["password"].isVisible() and dialog.password_edit.text() == ""
    assert users.authenticate(bench, "lee", "4826").role is Role.SUPERVISOR

    _add(dialog, qtbot, "LEE", Role.PACKER, "Lee12345")  # the service refuses: one line under the form
    qtbot.waitUntil(lambda: dialog.errors.general.isVisible(), timeout=TIMEOUT_MS)
    assert dialog.errors.general.text() == "there is already a user called LEE"


def test_role_password_deactivation_and_unlock(bench: Bench, open_window: OpenWindow, qtbot: QtBot) -> None:
    staff(bench)
    for _ in range(5):
        with pytest.raises(LoginFailed):
            users.authenticate(bench, "pat", "Wrong1234")
    w = open_window("ana")
    dialog = _open(w, qtbot, 3)
    dialog.select("pat")
    assert dialog.table.currentItem().text(3).startswith("locked until")
    assert dialog.unlock_button.isEnabled()

    with qtbot.waitSignal(dialog.users_changed, timeout=TIMEOUT_MS):
        dialog.unlock_button.click()
    assert dialog.message.text() == "pat is unlocked."
    assert users.authenticate(bench, "pat", PACKER_PW).name == "pat"

    dialog.select("pat")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.SUPERVISOR.value))
    with qtbot.waitSignal(dialog.users_changed, timeout=TIMEOUT_MS):
        dialog.role_button.click()
    assert dialog.message.text() == "pat is now supervisor."
    assert users.authenticate(bench, "pat", PACKER_PW).role is Role.SUPERVISOR

    dialog.select("pat")
    secret = dialog.open_secret(pin=False)
    assert secret is not None
    secret.secret.setText("password")
    secret.save()
    assert secret.errors.text("secret") == "must contain an uppercase letter; must contain a number"
    with qtbot.waitSignal(dialog.users_changed, timeout=TIMEOUT_MS):
        secret.secret.setText("Fresh2026x")
        secret.save()
    assert users.authenticate(bench, "pat", "Fresh2026x").name == "pat"

    qtbot.waitUntil(lambda: dialog.selected() is not None and dialog.selected().name == "pat", timeout=TIMEOUT_MS)
    assert dialog.active_button.text() == "Deactivate"
    with qtbot.waitSignal(dialog.users_changed, timeout=TIMEOUT_MS):
        dialog.active_button.click()
    qtbot.waitUntil(lambda: dialog.table.currentItem().text(3) == "deactivated", timeout=TIMEOUT_MS)
    assert dialog.active_button.text() == "Reactivate"
    with pytest.raises(LoginFailed) as refused:
        users.authenticate(bench, "pat", "Fresh2026x")
    assert not isinstance(refused.value, UserLocked)


def test_the_last_admin_stays_and_the_refusal_is_shown(bench: Bench, open_window: OpenWindow, qtbot: QtBot) -> None:
    staff(bench)
    w = open_window("ana")
    dialog = _open(w, qtbot, 3)
    dialog.select("ana")
    dialog.active_button.click()
    qtbot.waitUntil(lambda: bool(dialog.message.text()), timeout=TIMEOUT_MS)
    assert dialog.message.text() == "ana is the last admin; make another user admin first"


def test_the_first_user_of_a_demo_bench_is_logged_in_and_the_bench_starts_asking(
    bench: Bench, open_window: OpenWindow, qtbot: QtBot
) -> None:
    w = open_window(None)
    assert not access.users_exist(bench) and w.session.act_users.isEnabled()
    dialog = _open(w, qtbot, 0)
    with qtbot.waitSignal(dialog.users_changed, timeout=TIMEOUT_MS):
        _add(dialog, qtbot, "ana", Role.ADMIN, "Admin1234")
    assert bench.user == "ana" and bench.account is not None and bench.account.role is Role.ADMIN
    assert dialog.message.text() == "ana added. The bench now asks who is working; ana is logged in."
    assert w.session.act_switch.isVisible() and w.session.idle.enabled
    assert w.session.user_label.text() == "ana (admin)"


def test_an_admin_sets_a_users_language_for_their_next_log_in(
    bench: Bench, open_window: OpenWindow, qtbot: QtBot
) -> None:
    staff(bench)
    w = open_window("ana")
    dialog = _open(w, qtbot, 3)
    dialog.select("pat")
    combo = dialog.language_combo
    assert combo.isEnabled() and combo.currentData() == ""
    combo.setCurrentIndex(combo.findData("ru"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: "next log-in" in dialog.message.text(), timeout=TIMEOUT_MS)
    assert next(u for u in users.list_users(bench) if u.name == "pat").language == "ru"
