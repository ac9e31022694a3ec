"""The person at the bench, as the window sees it: who is logged in, the idle lock, quick user
switching, and the controls each role may use.

Idle time is measured by an application-wide event filter: any key press (a barcode scanner in
keyboard mode too), click, wheel or mouse move starts the countdown again. When it runs out the
person is logged out and a lock screen covers the window; the same person unlocks with their PIN
or password, or someone else logs in (that is the quick switch, also on File > Switch user). A bench
without users never locks and has no switch: it is the single-user demo bench.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMenu, QWidget

from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.roles import Account, Permission
from shipstation_desktop.services import access, audit

from . import permissions_ui
from .audit_view import open_audit_view
from .i18n import _
from .login_dialog import LockScreen, own_language
from .ops import Op
from .users_dialog import open_users_dialog

if TYPE_CHECKING:
    from .main_window import MainWindow

SWITCH_USER_SHORTCUT = "Ctrl+Shift+L"  # Ctrl+L is the print queue's (README)
CHECK_MS = 1000  # how often the idle countdown is looked at (a moved test clock is seen within a second)

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class UserSession(QObject):
    locked_changed = Signal(bool)
    account_changed = Signal(object)  # the Account now at the bench (None: nobody / no users)
    language_wanted = Signal(str)  # the new person reads another language: the app rebuilds the window

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.bench = window.bench
        self.runner = window.runner
        self.lock_screen: LockScreen | None = None
        self._hidden_dialogs: list[QDialog] = []
        self._locked_for: Account | None = None
        self.idle = access.idle_lock(self.bench)
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.check_idle)

        self._build_actions()
        self.user_label = QLabel()
        self.user_label.setObjectName("sessionUser")
        window.status.addPermanentWidget(self.user_label)
        self.apply_permissions()
        self._start_timer()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    # ================================================================================ actions

    def _build_actions(self) -> None:
        w = self.window
        self.act_switch = QAction(_("Switch user…"), w)
        self.act_switch.setObjectName("switchUserAction")
        self.act_switch.setShortcut(SWITCH_USER_SHORTCUT)
        self.act_switch.setStatusTip(_("Lock the bench so another person can log in"))
        self.act_switch.triggered.connect(lambda: self.lock("switch user"))
        w.addAction(self.act_switch)
        file_menu = next((m for m in w.act_quit.associatedObjects() if isinstance(m, QMenu)), None)
        if file_menu is not None:
            file_menu.insertAction(w.act_quit, self.act_switch)

        admin_menu = QMenu(_("&Admin"), w)
        admin_menu.setObjectName("adminMenu")
        help_menu = next((m for m in w.act_shortcuts.associatedObjects() if isinstance(m, QMenu)), None)
        if help_menu is not None:
            w.menuBar().insertMenu(help_menu.menuAction(), admin_menu)  # Help stays last
        else:
            w.menuBar().addMenu(admin_menu)
        self.act_users = QAction(_("Users…"), w)
        self.act_users.setObjectName("usersAction")
        self.act_users.setStatusTip(_("Add users, reset passwords and PINs, change roles"))
        self.act_users.triggered.connect(self.open_users)
        self.act_audit = QAction(_("Audit log…"), w)
        self.act_audit.setObjectName("auditAction")
        self.act_audit.setStatusTip(_("Who did what, and who saw customers' personal data"))
        self.act_audit.triggered.connect(self.open_audit)
        for action in (self.act_users, self.act_audit):
            w.addAction(action)
            admin_menu.addAction(action)

    def apply_permissions(self) -> None:
        """Every gated control of the window (its actions, the views' buttons) for the person now here."""
        w = self.window
        permissions_ui.allow(w.act_prefs, self.bench, Permission.CHANGE_SETTINGS)
        permissions_ui.allow(w.act_void, self.bench, Permission.VOID_LABELS)
        permissions_ui.allow(self.act_users, self.bench, Permission.MANAGE_USERS)
        permissions_ui.allow(self.act_audit, self.bench, Permission.VIEW_AUDIT)
        permissions_ui.reapply(w, self.bench)  # the views' buttons keep their own "enabled otherwise"
        staffed = access.users_exist(self.bench)
        self.act_switch.setEnabled(staffed)
        self.act_switch.setVisible(staffed)
        account = access.current(self.bench)
        self.user_label.setVisible(account is not None)
        if account is not None:
            self.user_label.setText(
                _("{name} ({role})").format(name=account.name, role=permissions_ui.role_name(account.role))
            )

    @Slot()
    def open_users(self) -> None:
        if not access.can(self.bench, Permission.MANAGE_USERS):
            self.window.show_user_error(permissions_ui.denied_tooltip(self.bench, Permission.MANAGE_USERS))
            return
        open_users_dialog(self.bench, self.runner, self.window, on_changed=self.users_changed)

    @Slot()
    def open_audit(self) -> None:
        if not access.can(self.bench, Permission.VIEW_AUDIT):
            self.window.show_user_error(permissions_ui.denied_tooltip(self.bench, Permission.VIEW_AUDIT))
            return
        open_audit_view(self.bench, self.runner, self.window)

    @Slot()
    def users_changed(self) -> None:
        """The first user of a bench makes it a bench with log-in: it starts to lock when idle."""
        self.idle = access.idle_lock(self.bench)
        self._start_timer()
        self.apply_permissions()

    def settings_saved(self, devices_changed: bool) -> None:
        """Preferences were saved: audited, and a new idle time applies from now."""
        self.runner.run(
            Op(
                lambda _ctx: audit.record(
                    self.bench, AuditAction.SETTINGS_CHANGE, details={"devices_changed": devices_changed}
                ),
                label=_("Saving preferences…"),
                writes=True,
            )
        )
        self.users_changed()

    # ================================================================================ idle lock

    @property
    def locked(self) -> bool:
        return self.lock_screen is not None

    def _start_timer(self) -> None:
        if self.idle.enabled and not self.locked:
            self.timer.start()
        else:
            self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _ACTIVITY:
            self.idle.touch(self.bench.clock.monotonic())
        elif kind == QEvent.Type.Shortcut and self.lock_screen is not None:
            # The window's shortcuts (F9 buy, Ctrl+, preferences, …) stay dead under the lock screen.
            return not (isinstance(watched, QWidget) and self.lock_screen.isAncestorOf(watched))
        elif kind == QEvent.Type.Resize and watched is self.window and self.lock_screen is not None:
            self.lock_screen.setGeometry(self.window.rect())
        return False

    @Slot()
    def check_idle(self) -> None:
        if not self.locked and self.idle.due(self.bench.clock.monotonic()):
            self.lock("idle")

    def lock(self, reason: str = "idle") -> LockScreen | None:
        """Logs the person out and covers the window until someone logs in (reason: "idle", "switch user")."""
        if self.lock_screen is not None:
            self.lock_screen.panel.focus()
            return self.lock_screen
        if not access.users_exist(self.bench):
            return None  # the single-user bench has nobody to lock out
        self.timer.stop()
        w = self.window
        self._locked_for = access.current(self.bench)
        # Dialogs float above the cover: hidden now, shown again to the same person, closed for another.
        self._hidden_dialogs = [d for d in w.findChildren(QDialog) if d.isVisible()]
        for dialog in self._hidden_dialogs:
            dialog.hide()
        screen = LockScreen(self.bench, self.runner, self._locked_for, reason, w)
        screen.panel.logged_in.connect(self._unlocked)
        self.lock_screen = screen
        self._cover(True)
        screen.show()
        screen.raise_()
        screen.panel.focus()
        self.runner.run(
            Op(
                lambda _ctx: access.log_out(self.bench, reason),
                label=_("Locking the bench…"),
                writes=True,
                on_success=lambda _none: self.apply_permissions(),
            )
        )
        self.locked_changed.emit(True)
        return screen

    def _cover(self, locked: bool) -> None:
        """Keyboard focus and menus stay off the window's own widgets under the lock screen."""
        for widget in (self.window.menuBar(), self.window.centralWidget()):
            if widget is not None:
                widget.setEnabled(not locked)

    @Slot(object)
    def _unlocked(self, account: Account) -> None:
        screen = self.lock_screen
        if screen is None:
            return
        self.lock_screen = None
        screen.hide()
        screen.deleteLater()
        w = self.window
        self._cover(False)
        same = self._locked_for is not None and self._locked_for.user_id == account.user_id
        for dialog in self._hidden_dialogs:
            if same:
                dialog.show()
            else:
                dialog.reject()  # another person does not inherit what the last one had open
        self._hidden_dialogs = []
        self._locked_for = None
        self.idle.touch(self.bench.clock.monotonic())
        self._start_timer()
        self.apply_permissions()
        self.locked_changed.emit(False)
        if not same:
            self.account_changed.emit(account)
            w.say(_("{name} is logged in.").format(name=account.name))
            w.refresh_all()  # what a list shows can depend on the role (customers' personal data)
            language = self.language_for(account)
            if language != w.language:
                self.language_wanted.emit(language)
                # Queued: the window is rebuilt after this callback, not under it.
                QTimer.singleShot(0, lambda: self._rebuild_in(language))
        w.pack_view.focus_scan()

    def language_for(self, account: Account) -> str:
        """The person's own language, else the bench's start-up one (setting, computer, English)."""
        from . import app  # app builds the window that holds this session

        return own_language(account) or app.startup_language(None, self.bench.settings.language)

    def _rebuild_in(self, language: str) -> None:
        from . import app

        app.apply_language(language, self.window)  # a new window (and session) in this one's place

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
