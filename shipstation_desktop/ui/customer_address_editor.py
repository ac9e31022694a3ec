"""A customer's Addresses tab: the list (★ marks the default of its type) and a form for the chosen
or a new address — type, default, recipient, street, city, state, postal code, country (ISO list
from pycountry), phone — with an error line under each field. "Validate with carrier" shows the
carrier's verdict; "Keep as is…" records why an address the carrier doubts is right.

Normalizing, the one-default-per-type rule and the carrier call are services/customer_addresses'.
"""

from __future__ import annotations

from collections.abc import Callable

import pycountry
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.customer_rules import AddressDraft
from shipstation_desktop.domain.enums import AddressType, AddressValidationStatus
from shipstation_desktop.domain.errors import FieldErrors
from shipstation_desktop.services import customer_addresses, customers
from shipstation_desktop.services.bench import Bench

from . import customer_labels as labels
from . import style
from .i18n import _
from .inline_errors import InlineErrors
from .note_dialog import NoteDialog
from .ops import Failure, Op, OpRunner

VERDICT_COLOURS: dict[AddressValidationStatus, tuple[str, str]] = {
    AddressValidationStatus.UNVERIFIED: (style.MUTED, "#f3f4f6"),
    AddressValidationStatus.VALID: (style.GOOD, style.GOOD_BG),
    AddressValidationStatus.INVALID: (style.BAD, style.BAD_BG),
    AddressValidationStatus.OVERRIDDEN: (style.WARN, style.WARN_BG),
}


def countries() -> list[tuple[str, str]]:
    """(shown name, alpha-2) for every ISO 3166 country, by name."""
    return sorted(((f"{c.name} ({c.alpha_2})", c.alpha_2) for c in pycountry.countries), key=lambda p: p[0])


def address_line(a: dm.Address) -> str:
    """Two lines: the type (★ when it is the default) and the recipient, then where."""
    star = "★ " if a.is_default else ""
    place = ", ".join(p for p in (a.line1, a.city, a.state, a.postal_code, a.country) if p)
    return f"{star}{labels.address_type(a.type)} · {a.recipient_name}\n{place}"


class CustomerAddressEditor(QWidget):
    changed = Signal()  # an address was added, saved, deleted, made default, validated or kept
    loaded = Signal()

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addressEditor")
        self.bench = bench
        self.runner = runner
        self.customer_id: str | None = None
        self.addresses: list[dm.Address] = []
        self.editable = False
        self.verdict: customer_addresses.AddressValidation | None = None  # the last carrier answer
        self.suggestions: dict[str, str] = {}  # address id -> the carrier's corrected form, as text
        self.override_dialog: NoteDialog | None = None

        root = QHBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        root.addWidget(splitter)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setObjectName("addressList")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._chosen)
        left_layout.addWidget(self.list, 1)
        list_buttons = QHBoxLayout()
        self.new_button = QPushButton(_("New address"))
        self.new_button.setObjectName("newAddress")
        self.new_button.clicked.connect(self.new_address)
        self.default_button = QPushButton(_("Make default"))
        self.default_button.setObjectName("makeDefault")
        self.default_button.clicked.connect(self.make_default)
        self.delete_button = QPushButton(_("Delete"))
        self.delete_button.setObjectName("deleteAddress")
        self.delete_button.clicked.connect(self.delete)
        for b in (self.new_button, self.default_button, self.delete_button):
            list_buttons.addWidget(b)
        left_layout.addLayout(list_buttons)
        splitter.addWidget(left)
        splitter.addWidget(self._build_form())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self._set_current(None)

    def _build_form(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        self.errors = InlineErrors()
        layout.addWidget(self.errors.general)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        kind = QHBoxLayout()
        self.type_combo = QComboBox()
        for t in AddressType:
            self.type_combo.addItem(labels.address_type(t), t.value)
        self.default_check = QCheckBox(_("Default for this type"))
        kind.addWidget(self.type_combo)
        kind.addWidget(self.default_check)
        kind.addStretch(1)
        self.recipient_edit = QLineEdit()
        self.line1_edit = QLineEdit()
        self.line2_edit = QLineEdit()
        self.city_edit = QLineEdit()
        self.state_edit = QLineEdit()
        self.state_edit.setPlaceholderText(_("State or province (code or name)"))
        self.postal_edit = QLineEdit()
        self.country_combo = QComboBox()
        self.country_combo.setEditable(True)
        self.country_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for name, code in countries():
            self.country_combo.addItem(name, code)
        completer = self.country_combo.completer()
        if completer is not None:  # typing "germ" or "DE" finds Germany
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.phone_edit = QLineEdit()
        self.type_combo.setObjectName("addr_type")
        self.default_check.setObjectName("addr_default")
        self.errors.add_row(form, _("Type:"), "type", kind)
        self.errors.widgets["type"] = self.type_combo
        rows: list[tuple[str, str, QWidget]] = [
            ("recipient_name", _("Recipient:"), self.recipient_edit),
            ("line1", _("Street:"), self.line1_edit),
            ("line2", _("Street (2):"), self.line2_edit),
            ("city", _("City:"), self.city_edit),
            ("state", _("State:"), self.state_edit),
            ("postal_code", _("Postal code:"), self.postal_edit),
            ("country", _("Country:"), self.country_combo),
            ("phone", _("Phone:"), self.phone_edit),
        ]
        for name, title, widget in rows:
            widget.setObjectName(f"addr_{name}")
            self.errors.add_row(form, title, name, widget)
        layout.addLayout(form)

        save_row = QHBoxLayout()
        self.save_button = QPushButton(_("Save address"))
        self.save_button.setObjectName("saveAddress")
        self.save_button.clicked.connect(self.save)
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        layout.addLayout(save_row)

        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("addressVerdict")
        self.verdict_label.setWordWrap(True)
        layout.addWidget(self.verdict_label)
        check_row = QHBoxLayout()
        self.validate_button = QPushButton(_("Validate with carrier"))
        self.validate_button.setObjectName("validateAddress")
        self.validate_button.clicked.connect(self.validate)
        self.keep_button = QPushButton(_("Keep as is…"))
        self.keep_button.setObjectName("keepAddress")
        self.keep_button.setToolTip(_("The carrier doubts this address but you know it is right: say why"))
        self.keep_button.clicked.connect(self.ask_keep)
        check_row.addWidget(self.validate_button)
        check_row.addWidget(self.keep_button)
        check_row.addStretch(1)
        layout.addLayout(check_row)
        layout.addStretch(1)
        return panel

    # ================================================================================ data

    def set_addresses(
        self, customer_id: str, addresses: tuple[dm.Address, ...], *, editable: bool, select_id: str | None = None
    ) -> None:
        """Shows the addresses; `select_id` (else the one chosen before) stays chosen."""
        current = self.current()
        keep = select_id or (current.id if current is not None else None)
        self.customer_id = customer_id
        self.editable = editable
        self.addresses = sorted(addresses, key=lambda a: (a.type.value, not a.is_default, a.recipient_name))
        self.list.blockSignals(True)
        self.list.clear()
        for a in self.addresses:
            item = QListWidgetItem(address_line(a))
            colour, _bg = VERDICT_COLOURS[a.validation_status]
            if a.validation_status is AddressValidationStatus.INVALID:
                item.setForeground(style.color(colour))
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = next((i for i, a in enumerate(self.addresses) if a.id == keep), 0 if self.addresses else -1)
        self.list.setCurrentRow(row)
        self._set_current(self.addresses[row] if row >= 0 else None)
        self.new_button.setEnabled(editable)
        self.loaded.emit()

    def current(self) -> dm.Address | None:
        row = self.list.currentRow()
        return self.addresses[row] if 0 <= row < len(self.addresses) else None

    @Slot(int)
    def _chosen(self, row: int) -> None:
        self._set_current(self.addresses[row] if 0 <= row < len(self.addresses) else None)

    def _set_current(self, a: dm.Address | None) -> None:
        self.errors.clear()
        self.type_combo.setCurrentIndex(self.type_combo.findData((a.type if a else AddressType.SHIPPING).value))
        self.default_check.setChecked(a.is_default if a else False)
        self.recipient_edit.setText(a.recipient_name if a else "")
        self.line1_edit.setText(a.line1 if a else "")
        self.line2_edit.setText(a.line2 if a else "")
        self.city_edit.setText(a.city if a else "")
        self.state_edit.setText(a.state if a else "")
        self.postal_edit.setText(a.postal_code if a else "")
        self.set_country(a.country if a else self.bench.settings.ship_from.country)
        self.phone_edit.setText(a.phone if a else "")
        self._show_status(a)
        stored = a is not None and self.editable
        for button in (self.default_button, self.delete_button, self.validate_button):
            button.setEnabled(stored)
        self.default_button.setEnabled(stored and a is not None and not a.is_default)
        for w in (
            self.type_combo,
            self.default_check,
            self.recipient_edit,
            self.line1_edit,
            self.line2_edit,
            self.city_edit,
            self.state_edit,
            self.postal_edit,
            self.country_combo,
            self.phone_edit,
            self.save_button,
        ):
            w.setEnabled(self.editable)

    def _show_status(self, a: dm.Address | None) -> None:
        if a is None:
            self.verdict_label.setText(_("New address: save it, then validate it with a carrier."))
            style.set_text_color(self.verdict_label, style.MUTED)
            self.keep_button.setEnabled(False)
            return
        text = _("Carrier check: {verdict}").format(verdict=labels.validation(a.validation_status))
        if a.validation_message:
            text += f" — {a.validation_message}"
        if a.validation_status is AddressValidationStatus.OVERRIDDEN and a.override_reason:
            text += " " + _("(kept by {who}: {reason})").format(who=a.validated_by, reason=a.override_reason)
        if a.id in self.suggestions:
            text += "\n" + _("The carrier suggests: {address}").format(address=self.suggestions[a.id])
        fg, bg = VERDICT_COLOURS[a.validation_status]
        self.verdict_label.setText(text)
        style.banner(self.verdict_label, fg, bg)
        self.keep_button.setEnabled(
            self.editable
            and a.validation_status in (AddressValidationStatus.INVALID, AddressValidationStatus.UNVERIFIED)
        )

    def set_country(self, code: str) -> None:
        index = self.country_combo.findData(code.upper()) if code else -1
        if index >= 0:
            self.country_combo.setCurrentIndex(index)
        else:
            self.country_combo.setCurrentIndex(-1)
            self.country_combo.setEditText(code)

    def country(self) -> str:
        """The chosen country's code, or the text typed (the service reads names and alpha-3 codes too)."""
        index = self.country_combo.currentIndex()
        text = self.country_combo.currentText().strip()
        if index >= 0 and text == self.country_combo.itemText(index):
            return str(self.country_combo.itemData(index))
        return text

    def draft(self) -> AddressDraft:
        return AddressDraft(
            recipient_name=self.recipient_edit.text(),
            line1=self.line1_edit.text(),
            line2=self.line2_edit.text(),
            city=self.city_edit.text(),
            state=self.state_edit.text(),
            postal_code=self.postal_edit.text(),
            country=self.country(),
            phone=self.phone_edit.text(),
            type=AddressType(self.type_combo.currentData()),
            is_default=self.default_check.isChecked(),
        )

    # ================================================================================ actions

    @Slot()
    def new_address(self) -> None:
        self.list.setCurrentRow(-1)
        self.list.clearSelection()
        self._set_current(None)
        self.recipient_edit.setFocus()

    def _run(self, fn: Callable[[], object], label: str, on_success: Callable[[object], None]) -> None:
        self.errors.clear()
        self.runner.run(Op(lambda _ctx: fn(), label=label, writes=True, on_success=on_success, on_failure=self._failed))

    def _failed(self, failure: Failure) -> None:
        if isinstance(failure.error, FieldErrors):
            self.errors.show(failure.error.errors)
        else:
            self.errors.say(failure.message)

    @Slot()
    def save(self) -> None:
        if self.customer_id is None:
            return
        draft = self.draft()
        current = self.current()
        bench, customer_id = self.bench, self.customer_id
        if current is None:
            self._run(
                lambda: customer_addresses.add_address(bench, customer_id, draft),
                _("Adding the address…"),
                self._stored,
            )
        else:
            address_id = current.id
            self._run(
                lambda: customer_addresses.update_address(bench, address_id, draft),
                _("Saving the address…"),
                self._stored,
            )

    @Slot()
    def make_default(self) -> None:
        current = self.current()
        if current is not None:
            bench, address_id = self.bench, current.id
            self._run(lambda: customer_addresses.set_default(bench, address_id), _("Saving…"), self._stored)

    @Slot()
    def delete(self) -> None:
        current = self.current()
        if current is not None:
            bench, address_id = self.bench, current.id
            self._run(lambda: customer_addresses.delete_address(bench, address_id), _("Deleting…"), self._deleted)

    @Slot()
    def validate(self) -> None:
        current = self.current()
        if current is None:
            return
        bench, address_id = self.bench, current.id
        self.verdict_label.setText(_("Asking the carrier…"))
        style.set_text_color(self.verdict_label, style.MUTED)
        self._run(
            lambda: customer_addresses.validate_address(bench, address_id),
            _("Validating the address…"),
            self._validated,
        )

    def _validated(self, verdict: object) -> None:
        assert isinstance(verdict, customer_addresses.AddressValidation)
        self.verdict = verdict
        s = verdict.suggestion
        if s is not None:
            proposal = ", ".join(p for p in (s.line1, s.city, s.state, s.postal_code, s.country) if p)
            self.suggestions[verdict.address.id] = proposal
        else:
            self.suggestions.pop(verdict.address.id, None)
        self._stored(verdict.address)

    @Slot()
    def ask_keep(self) -> None:
        current = self.current()
        if current is None:
            return
        dialog = NoteDialog(
            _("Keep the address as it is"),
            _("Why is this address right? (kept with the address and in the audit log)"),
            _("Keep as is"),
            self,
            context=current.validation_message,
        )
        dialog.setObjectName("keepAddressDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        address_id = current.id
        dialog.accepted.connect(lambda: self._keep(address_id, dialog.note()))
        self.override_dialog = dialog
        dialog.open()

    def _keep(self, address_id: str, reason: str) -> None:
        self.override_dialog = None
        bench = self.bench
        self._run(
            lambda: customer_addresses.override_validation(bench, address_id, reason),
            _("Recording the reason…"),
            self._stored,
        )

    def _stored(self, address: object) -> None:
        assert isinstance(address, dm.Address)
        self._reload(keep=address.id)

    def _deleted(self, _result: object) -> None:
        self._reload(keep=None)

    def _reload(self, keep: str | None) -> None:
        """Re-reads the addresses (defaults of others may have moved) and selects `keep`."""
        if self.customer_id is None:
            return
        bench, customer_id = self.bench, self.customer_id

        def shown(customer: dm.Customer) -> None:
            self.set_addresses(customer.id, customer.addresses, editable=self.editable, select_id=keep)
            self.changed.emit()

        self.runner.run(
            Op(
                lambda _ctx: customers.get_customer(bench, customer_id),
                label=_("Reading addresses…"),
                on_success=shown,
                on_failure=self._failed,
            )
        )
