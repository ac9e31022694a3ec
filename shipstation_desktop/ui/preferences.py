"""Preferences: a form over the typed BenchSettings; carrier credentials go to the keyring only.

Validation is the settings model's own (pydantic, validate_assignment), so the dialog shows the
model's message instead of inventing rules. Settings are saved with `bench.save_settings()`; the
scale and printer are built at start-up, so changes to them apply after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import keyring.errors
from pydantic import ValidationError
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.carriers import registry as carrier_registry
from shipstation_desktop.domain.enums import LabelFormat, RateRule
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.units import WeightUnit
from shipstation_desktop.services import bootstrap
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings.model import BenchSettings, CarrierAccount
from shipstation_desktop.settings.secrets import NO_KEYRING_MESSAGE, secret_key

from . import style
from .ops import Failure, Op, OpRunner
from .printer_preferences import PrinterSettingsBox
from .scale_preferences import ScaleSettingsBox

RESTART_NOTE = "Scale and printer changes apply the next time ShipStation Desktop starts."

_WORDS = {"id": "ID", "api": "API", "crid": "CRID", "mid": "MID", "url": "URL"}


def _secret_title(field: str) -> str:
    """ "client_id" -> "Client ID", "api_key" -> "API key": the words the carriers' portals use."""
    text = " ".join(_WORDS.get(w, w) for w in field.split("_"))
    return text[:1].upper() + text[1:]


SHIP_FROM_FIELDS = (
    ("name", "Name"),
    ("company", "Company"),
    ("line1", "Street"),
    ("line2", "Street (2)"),
    ("city", "City"),
    ("state", "State / province"),
    ("postal_code", "Postal code"),
    ("country", "Country (ISO code)"),
    ("phone", "Phone"),
)


@dataclass(slots=True)
class _CarrierRow:
    code: str
    enabled: QCheckBox
    account: QLineEdit
    sandbox: QCheckBox
    secrets: dict[str, QLineEdit]
    base_url: QLineEdit


RULE_LABELS = {
    RateRule.CHEAPEST: "cheapest",
    RateRule.FASTEST: "fastest",
    RateRule.CHEAPEST_WITHIN_DAYS: "cheapest arriving within N days (else fastest)",
}


def _combo(values: tuple[str, ...] | list[str], current: str, *, editable: bool = False) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(editable)
    for value in values:
        combo.addItem(value, value)
    index = combo.findData(current)
    if index >= 0:
        combo.setCurrentIndex(index)
    elif editable:
        combo.setEditText(current)
    return combo


class PreferencesDialog(QDialog):
    saved = Signal(object, bool)  # the new BenchSettings, whether a device setting changed

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.resize(620, 560)
        self.bench = bench
        self.runner = runner
        self.keyring_available = bench.secrets.available
        settings = bench.settings

        root = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._general_tab(settings), "Bench")
        self.tabs.addTab(self._devices_tab(settings), "Devices")
        self.tabs.addTab(self._carriers_tab(settings), "Carriers")
        self.tabs.addTab(self._ship_from_tab(settings), "Ship from && sync")
        root.addWidget(self.tabs, 1)

        note = QLabel(RESTART_NOTE)
        note.setWordWrap(True)
        style.set_text_color(note, style.MUTED)
        root.addWidget(note)
        self.error_label = QLabel()
        self.error_label.setObjectName("preferencesError")
        self.error_label.setWordWrap(True)
        style.set_text_color(self.error_label, style.BAD)
        root.addWidget(self.error_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        root.addWidget(self.buttons)
        self._show_stored_secrets()

    # -------------------------------------------------------------------------------- tabs

    def _general_tab(self, s: BenchSettings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.bench_name = QLineEdit(s.bench_name)
        self.bench_name.setObjectName("benchName")
        form.addRow("Bench name:", self.bench_name)
        self.weight_unit = _combo([u.value for u in WeightUnit], s.weight_unit.value)
        form.addRow("Weight unit:", self.weight_unit)
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setRange(0, 100)
        self.tolerance.setDecimals(1)
        self.tolerance.setSuffix(" %")
        self.tolerance.setValue(float(s.weight_tolerance_pct))
        form.addRow("Weight tolerance:", self.tolerance)
        self.raise_exceptions = QCheckBox("Raise a supervisor exception when a parcel's weight is off")
        self.raise_exceptions.setChecked(s.raise_weight_exceptions)
        form.addRow("", self.raise_exceptions)
        self.rate_rule = QComboBox()
        self.rate_rule.setObjectName("rateRule")
        for rule, text in RULE_LABELS.items():
            self.rate_rule.addItem(text, rule.value)
        self.rate_rule.setCurrentIndex(max(self.rate_rule.findData(s.rate_rule.value), 0))
        form.addRow("Preselect the rate that is:", self.rate_rule)
        self.rate_days = QSpinBox()
        self.rate_days.setObjectName("rateWithinDays")
        self.rate_days.setRange(0, 60)
        self.rate_days.setSuffix(" days")
        self.rate_days.setValue(s.rate_within_days)
        # N only means something for "cheapest within N days"; preferred carriers: settings.json (docs/rates.md).
        self.rate_rule.currentIndexChanged.connect(self._rate_days_enabled)
        self._rate_days_enabled()
        form.addRow("Arriving within:", self.rate_days)
        return page

    def _rate_days_enabled(self) -> None:
        self.rate_days.setEnabled(self.rate_rule.currentData() == RateRule.CHEAPEST_WITHIN_DAYS.value)

    def _devices_tab(self, s: BenchSettings) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.scale_box = ScaleSettingsBox(s.scale, self.runner)
        layout.addWidget(self.scale_box)

        # One printer per document type: shipping labels, and packing slips (often a receipt printer).
        self.label_printer_box = PrinterSettingsBox(
            "Label printer", s.label_printer, self.runner, (LabelFormat.ZPL, LabelFormat.PDF)
        )
        layout.addWidget(self.label_printer_box)
        self.slip_printer_box = PrinterSettingsBox(
            "Packing-slip printer",
            s.slip_printer,
            self.runner,
            (LabelFormat.PDF, LabelFormat.ZPL, LabelFormat.ESCPOS),
            show_page=True,
        )
        layout.addWidget(self.slip_printer_box)
        layout.addStretch(1)
        return page

    def _carriers_tab(self, s: BenchSettings) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.keyring_label = QLabel(NO_KEYRING_MESSAGE)
        self.keyring_label.setObjectName("keyringMessage")
        self.keyring_label.setWordWrap(True)
        style.banner(self.keyring_label, style.WARN, style.WARN_BG)
        self.keyring_label.setVisible(not self.keyring_available)
        layout.addWidget(self.keyring_label)

        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        self.carrier_rows: list[_CarrierRow] = []
        # Every carrier this version knows is listed (off until enabled), plus any account in the
        # settings this version does not know, kept as it is.
        known = carrier_registry.carriers()
        accounts = {a.code: a for a in s.carriers}
        codes = list(accounts) + [code for code in known if code not in accounts]
        for code in codes:
            account = accounts.get(code) or CarrierAccount(code=code, enabled=False)
            info = known.get(code)
            carrier = self.bench.carriers.get(code)
            box = QGroupBox(info.name if info else carrier.name if carrier else code)
            form = QFormLayout(box)
            enabled = QCheckBox("Use this carrier on this bench")
            enabled.setChecked(account.enabled)
            form.addRow("", enabled)
            number = QLineEdit(account.account)
            form.addRow("Account number:", number)
            sandbox = QCheckBox("Sandbox (test labels, no charges)")
            sandbox.setChecked(account.sandbox)
            form.addRow("", sandbox)
            base_url = QLineEdit(account.base_url)
            base_url.setObjectName(f"baseUrl_{code}")
            base_url.setPlaceholderText("the carrier's published URL")
            if info is not None:
                form.addRow("API address (optional):", base_url)
            secrets: dict[str, QLineEdit] = {}
            for field in info.secret_fields if info else ():
                title = _secret_title(field)
                edit = QLineEdit()
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                edit.setObjectName(f"secret_{account.code}_{field}")
                edit.setEnabled(self.keyring_available)
                edit.setPlaceholderText("stored in the system keyring only" if self.keyring_available else "no keyring")
                form.addRow(f"{title}:", edit)
                secrets[field] = edit
            if info is None and carrier is None:
                missing = QLabel("This carrier is not available in this version.")
                style.set_text_color(missing, style.MUTED)
                form.addRow("", missing)
            elif info is not None and info.build is None:
                note = QLabel("Tracking only: labels for this carrier are not bought through the bench.")
                style.set_text_color(note, style.MUTED)
                form.addRow("", note)
            self.carrier_rows.append(_CarrierRow(account.code, enabled, number, sandbox, secrets, base_url))
            inner_layout.addWidget(box)
        inner_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        return page

    def _ship_from_tab(self, s: BenchSettings) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        box = QGroupBox("Ship from (printed on every label)")
        form = QFormLayout(box)
        self.ship_from: dict[str, QLineEdit] = {}
        for field, title in SHIP_FROM_FIELDS:
            edit = QLineEdit(str(getattr(s.ship_from, field)))
            form.addRow(f"{title}:", edit)
            self.ship_from[field] = edit
        layout.addWidget(box)
        central = QGroupBox("Central database")
        central_form = QFormLayout(central)
        self.central_url = QLineEdit(s.central.url)
        self.central_url.setObjectName("centralUrl")
        self.central_url.setPlaceholderText("empty: this bench works on its own")
        central_form.addRow("URL:", self.central_url)
        layout.addWidget(central)
        layout.addStretch(1)
        return page

    # -------------------------------------------------------------------------------- secrets

    def _show_stored_secrets(self) -> None:
        """Tells which credentials are already in the keyring (the keyring may be slow: off-thread)."""
        if not self.keyring_available:
            return
        keys = [secret_key(row.code, field) for row in self.carrier_rows for field in row.secrets]
        secrets = self.bench.secrets

        def stored(_ctx: object) -> set[str]:
            return {key for key in keys if secrets.get(key)}

        self.runner.run(Op(stored, label="Reading the keyring…", on_success=self._mark_stored))

    def _mark_stored(self, stored: set[str]) -> None:
        for row in self.carrier_rows:
            for field, edit in row.secrets.items():
                if secret_key(row.code, field) in stored:
                    edit.setPlaceholderText("saved in the keyring — type to replace")

    # -------------------------------------------------------------------------------- save

    def collect(self) -> BenchSettings:
        """The settings as edited. Raises ValueError/ValidationError with the model's message."""
        new = self.bench.settings.model_copy(deep=True)
        name = self.bench_name.text().strip()
        if not name:
            raise ValueError("Give the bench a name (it appears on reports and in sync).")
        new.bench_name = name
        new.weight_unit = WeightUnit(self.weight_unit.currentData())
        new.weight_tolerance_pct = Decimal(str(round(self.tolerance.value(), 1)))
        new.raise_weight_exceptions = self.raise_exceptions.isChecked()
        new.rate_rule = RateRule(self.rate_rule.currentData())
        new.rate_within_days = self.rate_days.value()
        self.scale_box.apply(new.scale)
        self.label_printer_box.apply(new.label_printer)
        self.slip_printer_box.apply(new.slip_printer)
        accounts = {a.code: a for a in new.carriers}
        new.carriers = []
        for row in self.carrier_rows:
            account = accounts.get(row.code) or CarrierAccount(code=row.code)
            account.enabled = row.enabled.isChecked()
            account.account = row.account.text().strip()
            account.sandbox = row.sandbox.isChecked()
            account.base_url = row.base_url.text().strip()
            if account.enabled or row.code in accounts or account.account:
                new.carriers.append(account)  # untouched, never-enabled carriers stay out of the file
        new.central.url = self.central_url.text().strip()
        for field, edit in self.ship_from.items():
            setattr(new.ship_from, field, edit.text().strip())
        return new

    def entered_secrets(self) -> dict[str, str]:
        return {
            secret_key(row.code, field): edit.text()
            for row in self.carrier_rows
            for field, edit in row.secrets.items()
            if edit.isEnabled() and edit.text()
        }

    @Slot()
    def save(self) -> None:
        try:
            new = self.collect()
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            self._error(f"{where}: {first['msg']}" if where else first["msg"])
            return
        except ValueError as e:
            self._error(str(e))
            return
        secrets = self.entered_secrets()
        if not secrets:
            self._apply(new)
            return
        store = self.bench.secrets
        self.buttons.setEnabled(False)

        def keep(_ctx: object) -> None:
            for key, value in secrets.items():
                try:
                    store.set(key, value)
                except keyring.errors.KeyringError as e:  # locked or vanished keyring: the user can act
                    raise UserError(str(e) or type(e).__name__) from e

        self.runner.run(
            Op(
                keep,
                label="Saving credentials to the keyring…",
                writes=True,
                on_success=lambda _none: self._apply(new),
                on_failure=lambda failure: self._keyring_failed(failure),
                on_done=lambda: self.buttons.setEnabled(True),
            )
        )

    def _keyring_failed(self, failure: Failure) -> None:
        self._error(f"The credentials were not saved: {failure.message}")

    def _apply(self, new: BenchSettings) -> None:
        old = self.bench.settings
        devices_changed = (
            new.scale != old.scale or new.label_printer != old.label_printer or new.slip_printer != old.slip_printer
        )
        self.bench.settings = new
        try:
            self.bench.save_settings()
        except OSError as e:
            self.bench.settings = old
            self._error(f"Could not write {self.bench.paths.settings_file}: {e.strerror or e}")
            return
        bootstrap.rebuild_carriers(self.bench)  # new accounts and credentials quote from the next scan
        self.saved.emit(new, devices_changed)
        self.accept()

    def _error(self, text: str) -> None:
        self.error_label.setText(text)
