"""Logging in at a bench: choose your name, type your password or PIN.

One panel serves twice: in the dialog shown before the window when the bench has users, and on the
lock screen that covers the window after idle time or "Switch user" (the same person unlocks, or
another one logs in). Checking the secret takes an Argon2 hash, so it runs off the GUI thread; a
wrong secret leaves the panel open with the reason on it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain.password_policy import looks_like_pin
from shipstation_desktop.domain.roles import Account, LoginFailed, UserLocked
from shipstation_desktop.services import access, users
from shipstation_desktop.services.bench import Bench

from . import formatting as fmt
from . import i18n, style
from .i18n import _, ngettext
from .ops import Failure, Op, OpRunner


def login_error_text(error: BaseException, name: str, secret: str) -> str:
    """The one line the panel shows for a refused log-in, in the GUI's language where the service
    says enough (a lock's end; the attempts left when the error carries them)."""
    if isinstance(error, UserLocked):
        return _("{name} is locked until {time}. Try again then, or ask an admin to unlock.").format(
            name=name, time=fmt.local_time(error.until)
        )
    left = getattr(error, "attempts_left", None)
    if isinstance(error, LoginFailed) and isinstance(left, int):
        if looks_like_pin(secret):
            return ngettext("Wrong PIN ({count} attempt left)", "Wrong PIN ({count} attempts left)", left).format(
                count=left
            )
        return ngettext("Wrong password ({count} attempt left)", "Wrong password ({count} attempts left)", left).format(
            count=left
        )
    return str(error)


class LoginPanel(QWidget):
    """The user list, the secret field and the Log in button."""

    logged_in = Signal(object)  # Account

    def __init__(
        self, bench: Bench, runner: OpRunner, preselect: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loginPanel")
        self.bench = bench
        self.runner = runner
        self.busy = False
        layout = QVBoxLayout(self)
        who = QLabel(_("Who are you?"))
        layout.addWidget(who)
        self.users = QListWidget()
        self.users.setObjectName("loginUsers")
        self.users.setMinimumHeight(140)
        who.setBuddy(self.users)
        layout.addWidget(self.users, 1)
        secret_label = QLabel(_("Password or PIN"))
        layout.addWidget(secret_label)
        self.secret = QLineEdit()
        self.secret.setObjectName("loginSecret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText(_("Password or PIN"))
        self.secret.returnPressed.connect(self.submit)
        secret_label.setBuddy(self.secret)
        layout.addWidget(self.secret)
        self.message = QLabel()
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        style.set_text_color(self.message, style.BAD)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.button = QPushButton(_("Log in"))
        self.button.setObjectName("loginButton")
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        row.addWidget(self.button)
        layout.addLayout(row)
        self.users.currentItemChanged.connect(lambda *_args: self._chosen())
        self.users.itemActivated.connect(lambda _item: self.secret.setFocus())
        self.load(preselect)

    def load(self, preselect: str | None = None) -> None:
        """Fills the user list (a tiny read; names are not secret) and selects `preselect`."""
        self.users.clear()
        for name in users.login_names(self.bench):
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.users.addItem(item)
            if preselect is not None and name.casefold() == preselect.casefold():
                self.users.setCurrentItem(item)
        if self.users.currentItem() is None and self.users.count() == 1:
            self.users.setCurrentRow(0)

    def choose(self, name: str) -> None:
        for row in range(self.users.count()):
            item = self.users.item(row)
            if item.text().casefold() == name.casefold():
                self.users.setCurrentItem(item)
                return
        raise KeyError(name)

    def chosen_name(self) -> str | None:
        item = self.users.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _chosen(self) -> None:
        self.message.clear()
        self.secret.clear()
        self.secret.setFocus()

    def focus(self) -> None:
        (self.secret if self.chosen_name() else self.users).setFocus()

    @Slot()
    def submit(self) -> None:
        if self.busy:
            return
        name = self.chosen_name()
        secret = self.secret.text()
        # Focus first: a list that gets the focus picks a current row, and a new row clears the message.
        if name is None:
            self.users.setFocus()
            self.message.setText(_("Choose your name first."))
            return
        if not secret:
            self.secret.setFocus()
            self.message.setText(_("Type your password or PIN."))
            return
        self.busy = True
        self.button.setEnabled(False)
        self.message.clear()
        self.runner.run(
            Op(
                lambda _ctx: users.log_in(self.bench, name, secret),
                label=_("Checking…"),
                writes=True,  # counts failures and writes the audit row
                on_success=self._ok,
                on_failure=lambda failure: self._failed(failure, name, secret),
                on_done=self._done,
            )
        )

    def _ok(self, account: Account) -> None:
        self.secret.clear()
        self.logged_in.emit(account)

    def _failed(self, failure: Failure, name: str, secret: str) -> None:
        self.secret.clear()
        self.secret.setFocus()
        self.message.setText(login_error_text(failure.error, name, secret))

    def _done(self) -> None:
        self.busy = False
        self.button.setEnabled(True)


class LoginDialog(QDialog):
    """Before the window: a bench with users opens for someone logged in."""

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle(_("Log in — {bench}").format(bench=bench.settings.bench_name))
        self.setMinimumWidth(380)
        self.account: Account | None = None
        layout = QVBoxLayout(self)
        self.panel = LoginPanel(bench, runner, parent=self)
        self.panel.logged_in.connect(self._logged_in)
        layout.addWidget(self.panel)
        self.panel.focus()

    def _logged_in(self, account: Account) -> None:
        self.account = account
        self.accept()


def own_language(account: Account | None) -> str | None:
    """The person's own GUI language, when they have one that this version ships."""
    if account is None or not account.language:
        return None
    try:
        return i18n.normalize_language(account.language)
    except ValueError:
        return None


def log_in_at_start(bench: Bench) -> bool:
    """Before the window: a bench with users asks who is working (the account ends up in
    bench.account). False when the person gave up; a bench without users opens as always."""
    if not access.users_exist(bench):
        return True
    runner = OpRunner()
    try:
        dialog = LoginDialog(bench, runner)
        return dialog.exec() == QDialog.DialogCode.Accepted and dialog.account is not None
    finally:
        runner.shutdown()
        runner.deleteLater()


class LockScreen(QFrame):
    """Covers the whole window while the bench is locked; only the log-in panel takes input."""

    def __init__(self, bench: Bench, runner: OpRunner, previous: Account | None, reason: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(style.INFO_BG))
        self.setPalette(palette)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setAutoFillBackground(True)
        box.setPalette(QApplication.palette())  # the form on the usual background, the cover around it
        box.setMaximumWidth(460)
        inner = QVBoxLayout(box)
        self.heading = QLabel(_("Bench locked") if reason == "idle" else _("Switch user"))
        self.heading.setObjectName("lockHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.heading.setFont(font)
        inner.addWidget(self.heading)
        if previous is not None:
            note = _("{name} was logged in. Type your PIN or password to go on, or choose another user.").format(
                name=previous.name
            )
        else:
            note = _("Choose your name and type your PIN or password.")
        self.note = QLabel(note)
        self.note.setWordWrap(True)
        inner.addWidget(self.note)
        self.panel = LoginPanel(bench, runner, previous.name if previous is not None else None, box)
        inner.addWidget(self.panel)
        row.addWidget(box, 1)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.setGeometry(parent.rect())
