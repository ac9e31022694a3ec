"""The user manager (admins): the bench's users, adding one with a role and a password, resetting a
password or PIN, changing a role, deactivating, and lifting a lock-out.

Password and PIN rules (domain/password_policy.py) are checked as the form is sent and shown under
the field, in the GUI's language; the service checks them again and its refusal lands in the same
place. On a bench without users the first user added is logged in at once: from then on the bench
asks who is working.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain.password_policy import (
    MAX_LENGTH,
    MIN_LENGTH,
    PIN_MAX,
    PIN_MIN,
    Rule,
    WeakPassword,
    check_password,
    check_pin,
)
from shipstation_desktop.domain.roles import Role, UserInfo
from shipstation_desktop.services import access, users
from shipstation_desktop.services.bench import Bench

from . import i18n, permissions_ui, style
from .formatting import local_time
from .i18n import N_, _
from .inline_errors import InlineErrors
from .ops import Failure, Op, OpRunner

COLUMNS = (N_("User name"), N_("Role"), N_("PIN"), N_("Status"), N_("Password changed"))


def rule_text(rule: Rule) -> str:
    """A broken password or PIN rule in the GUI's language (the rule's own English text if unknown)."""
    texts = {
        "min_length": _("must be at least {count} characters").format(count=MIN_LENGTH),
        "max_length": _("must be at most {count} characters").format(count=MAX_LENGTH),
        "uppercase": _("must contain an uppercase letter"),
        "lowercase": _("must contain a lowercase letter"),
        "number": _("must contain a number"),
        "pin_digits": _("must be {low} to {high} digits").format(low=PIN_MIN, high=PIN_MAX),
        "pin_repeated": _("must not be one digit repeated (like 1111)"),
        "pin_sequence": _("must not be a run of digits (like 1234 or 4321)"),
    }
    return texts.get(rule.name, rule.message)


def rules_text(rules: list[Rule]) -> str:
    return "; ".join(rule_text(rule) for rule in rules)


def weak_field(error: WeakPassword) -> str:
    """Which form field a service's WeakPassword is about."""
    return "pin" if any(rule.name.startswith("pin_") for rule in error.rules) else "password"


def status_text(user: UserInfo) -> str:
    if not user.active:
        return _("deactivated")
    if user.locked_until is not None:
        return _("locked until {time}").format(time=local_time(user.locked_until))
    return _("active")


def _secret_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def _role_combo() -> QComboBox:
    combo = QComboBox()
    for role in Role:
        combo.addItem(permissions_ui.role_name(role), role.value)
    return combo


class SecretDialog(QDialog):
    """A new password or PIN for one user; a refused one is explained under the field."""

    saved = Signal()

    def __init__(self, bench: Bench, runner: OpRunner, name: str, pin: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pinDialog" if pin else "passwordDialog")
        self.setWindowTitle((_("New PIN for {name}") if pin else _("New password for {name}")).format(name=name))
        self.bench = bench
        self.runner = runner
        self.name = name
        self.pin = pin
        layout = QVBoxLayout(self)
        hint = (
            _("{low} to {high} digits, not all the same and not a run. Leave empty to remove the PIN.")
            if pin
            else _("At least {low} characters with an uppercase letter, a lowercase letter and a number.")
        )
        note = QLabel(hint.format(low=PIN_MIN if pin else MIN_LENGTH, high=PIN_MAX))
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.errors = InlineErrors()
        self.secret = _secret_field()
        self.secret.setObjectName("newSecret")
        self.errors.add_row(form, _("PIN") if pin else _("Password"), "secret", self.secret)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton(_("Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.secret.setFocus()

    @Slot()
    def save(self) -> None:
        secret = self.secret.text()
        if broken := self._broken(secret):
            self.errors.show({"secret": rules_text(broken)})
            return
        self.save_button.setEnabled(False)
        self.runner.run(
            Op(
                lambda _ctx: self._store(secret),
                label=_("Saving…"),
                writes=True,
                on_success=lambda _none: self._saved(),
                on_failure=self._failed,
                on_done=lambda: self.save_button.setEnabled(True),
            )
        )

    def _broken(self, secret: str) -> list[Rule]:
        if self.pin:
            return check_pin(secret) if secret else []  # empty: remove the PIN
        return check_password(secret)

    def _store(self, secret: str) -> None:
        """Worker side."""
        if self.pin:
            users.set_pin(self.bench, self.name, secret or None)
        else:
            users.set_password(self.bench, self.name, secret)

    def _saved(self) -> None:
        self.saved.emit()
        self.accept()

    def _failed(self, failure: Failure) -> None:
        error = failure.error
        if isinstance(error, WeakPassword):
            self.errors.show({"secret": rules_text(error.rules)})
        else:
            self.errors.say(failure.message)


class UsersDialog(QDialog):
    refreshed = Signal(int)  # users shown
    users_changed = Signal()  # added, changed or the bench got its first user

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersDialog")
        self.setWindowTitle(_("Users"))
        self.resize(820, 600)
        self.bench = bench
        self.runner = runner
        self.rows: list[UserInfo] = []
        self.secret_dialog: SecretDialog | None = None

        layout = QVBoxLayout(self)
        self.table = QTreeWidget()
        self.table.setObjectName("usersTable")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels([_(title) for title in COLUMNS])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.role_combo = _role_combo()
        self.role_combo.setObjectName("changeRoleCombo")
        self.role_button = QPushButton(_("Change role"))
        self.role_button.clicked.connect(self.change_role)
        self.password_button = QPushButton(_("Reset password…"))
        self.password_button.clicked.connect(lambda: self.open_secret(pin=False))
        self.pin_button = QPushButton(_("Set PIN…"))
        self.pin_button.clicked.connect(lambda: self.open_secret(pin=True))
        self.active_button = QPushButton(_("Deactivate"))
        self.active_button.setObjectName("activeButton")
        self.active_button.clicked.connect(self.toggle_active)
        self.unlock_button = QPushButton(_("Unlock"))
        self.unlock_button.setToolTip(_("Lift the lock that wrong passwords put on this user"))
        self.unlock_button.clicked.connect(self.unlock)
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("userLanguageCombo")
        self.language_combo.setToolTip(_("The language this user's screens are in, from their next log-in"))
        self.language_combo.addItem(_("Bench language"), "")
        for code in i18n.SUPPORTED:
            self.language_combo.addItem(i18n.LANGUAGE_NAMES[code], code)
        self.language_combo.activated.connect(self.change_language)
        row.addWidget(self.role_combo)
        for button in (self.role_button, self.password_button, self.pin_button, self.active_button, self.unlock_button):
            row.addWidget(button)
        row.addWidget(self.language_combo)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("usersMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        add_box = QGroupBox(_("Add a user"))
        form = QFormLayout(add_box)
        self.errors = InlineErrors()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("newUserName")
        self.new_role = _role_combo()
        self.new_role.setObjectName("newUserRole")
        self.password_edit = _secret_field()
        self.password_edit.setObjectName("newUserPassword")
        self.password_edit.setPlaceholderText(
            _("at least {count} characters: upper and lower case and a number").format(count=MIN_LENGTH)
        )
        self.pin_edit = _secret_field()
        self.pin_edit.setObjectName("newUserPin")
        self.pin_edit.setPlaceholderText(_("optional: {low} to {high} digits").format(low=PIN_MIN, high=PIN_MAX))
        self.errors.add_row(form, _("User name"), "name", self.name_edit)
        form.addRow(_("Role"), self.new_role)
        self.errors.add_row(form, _("Password"), "password", self.password_edit)
        self.errors.add_row(form, _("PIN"), "pin", self.pin_edit)
        form.addRow(self.errors.general)
        self.add_button = QPushButton(_("Add user"))
        self.add_button.setObjectName("addUserButton")
        self.add_button.clicked.connect(self.add_user)
        form.addRow("", self.add_button)
        layout.addWidget(add_box)

        bottom = QHBoxLayout()
        refresh = QPushButton(_("Refresh"))
        refresh.clicked.connect(self.refresh)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        bottom.addWidget(refresh)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self._update_buttons()
        self.refresh()

    # -------------------------------------------------------------------------------- list

    @Slot()
    def refresh(self) -> None:
        self.runner.run(
            Op(
                lambda _ctx: users.list_users(self.bench),
                label=_("Loading users…"),
                on_success=self._fill,
                on_failure=lambda failure: self._say(failure.message, error=True),
            )
        )

    def _fill(self, rows: list[UserInfo]) -> None:
        chosen = self.selected()
        self.rows = rows
        self.table.clear()
        for user in rows:
            item = QTreeWidgetItem(
                [
                    user.name,
                    permissions_ui.role_name(user.role),
                    _("yes") if user.has_pin else _("no"),
                    status_text(user),
                    local_time(user.password_changed_at),
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, user.id)
            if not user.active or user.locked_until is not None:
                item.setForeground(3, style.color(style.BAD))
            self.table.addTopLevelItem(item)
            if chosen is not None and chosen.id == user.id:
                self.table.setCurrentItem(item)
        self._update_buttons()
        self.refreshed.emit(len(rows))

    def selected(self) -> UserInfo | None:
        item = self.table.currentItem()
        index = -1 if item is None else self.table.indexOfTopLevelItem(item)
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def select(self, name: str) -> None:
        for index, user in enumerate(self.rows):
            item = self.table.topLevelItem(index)
            if user.name == name and item is not None:
                self.table.setCurrentItem(item)
                return
        raise KeyError(name)

    @Slot()
    def _update_buttons(self) -> None:
        user = self.selected()
        for button in (
            self.role_button,
            self.role_combo,
            self.password_button,
            self.pin_button,
            self.active_button,
            self.language_combo,
        ):
            button.setEnabled(user is not None)
        self.unlock_button.setEnabled(user is not None and user.locked_until is not None)
        if user is not None:
            self.role_combo.setCurrentIndex(self.role_combo.findData(user.role.value))
            self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(user.language)))
        self.active_button.setText(_("Reactivate") if user is not None and not user.active else _("Deactivate"))

    # -------------------------------------------------------------------------------- changes

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        style.set_text_color(self.message, style.BAD if error else style.GOOD)

    def _change(self, work: Callable[[], object], done: str) -> None:
        """Runs a change of one user; `done` is shown when it worked."""
        self.runner.run(
            Op(
                lambda _ctx: work(),
                label=_("Saving…"),
                writes=True,
                on_success=lambda _none: self._changed(done),
                on_failure=lambda failure: self._say(failure.message, error=True),
            )
        )

    def _changed(self, done: str) -> None:
        self._say(done)
        self.refresh()
        self.users_changed.emit()

    @Slot()
    def change_role(self) -> None:
        user = self.selected()
        if user is None:
            return
        role = Role(str(self.role_combo.currentData()))
        self._change(
            lambda: users.set_role(self.bench, user.name, role),
            _("{name} is now {role}.").format(name=user.name, role=permissions_ui.role_name(role)),
        )

    @Slot()
    def change_language(self) -> None:
        user = self.selected()
        if user is None:
            return
        code = str(self.language_combo.currentData() or "")
        self._change(
            lambda: users.set_language(self.bench, user.name, code),
            _("{name} works in {language} from their next log-in.").format(
                name=user.name, language=self.language_combo.currentText()
            ),
        )

    @Slot()
    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        active = not user.active
        done = _("{name} can log in again.") if active else _("{name} is deactivated and cannot log in.")
        self._change(lambda: users.set_active(self.bench, user.name, active), done.format(name=user.name))

    @Slot()
    def unlock(self) -> None:
        user = self.selected()
        if user is None:
            return
        self._change(lambda: users.unlock(self.bench, user.name), _("{name} is unlocked.").format(name=user.name))

    def open_secret(self, pin: bool) -> SecretDialog | None:
        user = self.selected()
        if user is None:
            return None
        dialog = SecretDialog(self.bench, self.runner, user.name, pin, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        done = _("New PIN saved for {name}.") if pin else _("New password saved for {name}.")
        dialog.saved.connect(lambda: self._changed(done.format(name=user.name)))
        self.secret_dialog = dialog
        dialog.open()
        return dialog

    # -------------------------------------------------------------------------------- adding

    @Slot()
    def add_user(self) -> None:
        name = self.name_edit.text().strip()
        role = Role(str(self.new_role.currentData()))
        password = self.password_edit.text()
        pin = self.pin_edit.text()
        errors: dict[str, str] = {}
        if not name:
            errors["name"] = _("A user needs a name.")
        if broken := check_password(password):
            errors["password"] = rules_text(broken)
        if pin and (broken := check_pin(pin)):
            errors["pin"] = rules_text(broken)
        if errors:
            self.errors.show(errors)
            return
        self.errors.clear()
        self.add_button.setEnabled(False)
        self.runner.run(
            Op(
                lambda _ctx: self._add(name, role, password, pin or None),
                label=_("Adding {name}…").format(name=name),
                writes=True,
                on_success=lambda first: self._added(name, first),
                on_failure=self._add_failed,
                on_done=lambda: self.add_button.setEnabled(True),
            )
        )

    def _add(self, name: str, role: Role, password: str, pin: str | None) -> bool:
        """Worker side. True when this was the bench's first user (then logged in at once)."""
        first = not access.users_exist(self.bench)
        users.add_user(self.bench, name, role, password, pin)
        if first:
            users.log_in(self.bench, name, password)
        return first

    def _added(self, name: str, first: bool) -> None:
        for field in (self.name_edit, self.password_edit, self.pin_edit):
            field.clear()
        if first:
            self._say(_("{name} added. The bench now asks who is working; {name} is logged in.").format(name=name))
        else:
            self._say(_("{name} added.").format(name=name))
        self.refresh()
        self.users_changed.emit()

    def _add_failed(self, failure: Failure) -> None:
        error = failure.error
        if isinstance(error, WeakPassword):
            self.errors.show({weak_field(error): rules_text(error.rules)})
        else:
            self.errors.say(failure.message)


def open_users_dialog(
    bench: Bench, runner: OpRunner, parent: QWidget, on_changed: Callable[[], None] | None = None
) -> UsersDialog:
    existing = parent.findChild(UsersDialog, "usersDialog")
    if existing is not None and existing.isVisible():
        existing.raise_()
        existing.refresh()
        return existing
    if existing is not None:
        existing.deleteLater()
    dialog = UsersDialog(bench, runner, parent)
    if on_changed is not None:
        dialog.users_changed.connect(on_changed)
    dialog.open()
    return dialog
