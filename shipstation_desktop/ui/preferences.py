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
from shipstation_desktop.settings.secrets import secret_key

from . import formatting as fmt
from . import i18n, style
from .i18n import N_, _
from .ops import Failure, Op, OpRunner
from .printer_preferences import PrinterSettingsBox
from .scale_preferences import ScaleSettingsBox

# Marked here, translated where shown (_()).
RESTART_NOTE = N_("Scale and printer changes apply the next time ShipStation Desktop starts.")
LANGUAGE_NOTE = N_("The language changes the next time ShipStation Desktop starts.")
# settings.secrets.NO_KEYRING_MESSAGE (the settings layer cannot mark strings), for the catalogs;
# tests/gui/test_translations.py keeps the two equal.
NO_KEYRING_TEXT = N_(
    "No secure keyring is available on this computer, so credentials cannot be saved. "
    "Install and unlock a keyring (GNOME Keyring, KWallet, macOS Keychain, Windows Credential "
    "Manager); until then carrier accounts that need credentials stay disabled."
)

_WORDS = {"id": "ID", "api": "API", "crid": "CRID", "mid": "MID", "url": "URL"}
# The credentials the carriers this version knows ask for; another field gets its English title.
SECRET_LABELS = {
    "client_id": N_("Client ID"),
    "client_secret": N_("Client secret"),
    "api_key": N_("API key"),
    "api_secret": N_("API secret"),
    "crid": N_("CRID"),
    "mid": N_("MID"),
}


def _secret_title(field: str) -> str:
    """ "client_id" -> "Client ID", "api_key" -> "API key": the words the carriers' portals use."""
    text = " ".join(_WORDS.get(w, w) for w in field.split("_"))
    return text[:1].upper() + text[1:]


SHIP_FROM_FIELDS = (
    ("name", N_("Contact name")),
    ("company", N_("Company")),
    ("line1", N_("Street")),
    ("line2", N_("Street (2)")),
    ("city", N_("City")),
    ("state", N_("State / province")),
    ("postal_code", N_("Postal code")),
    ("country", N_("Country (ISO code)")),
    ("phone", N_("Phone")),
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
    RateRule.CHEAPEST: N_("cheapest"),
    RateRule.FASTEST: N_("fastest"),
    RateRule.CHEAPEST_WITHIN_DAYS: N_("cheapest arriving within N days (else fastest)"),
}


def _shipped_or_empty(code: str) -> str:
    """The setting's language as the chooser lists it ("es_MX" → "es"); "" for automatic or one not shipped."""
    return (i18n.first_supported([code]) or "") if code else ""


class PreferencesDialog(QDialog):
    saved = Signal(object, bool)  # the new BenchSettings, whether a device setting changed

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle(_("Preferences"))
        self.resize(620, 560)
        self.bench = bench
        self.runner = runner
        self.keyring_available = bench.secrets.available
        settings = bench.settings

        root = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._general_tab(settings), _("Bench"))
        self.tabs.addTab(self._devices_tab(settings), _("Devices"))
        self.tabs.addTab(self._carriers_tab(settings), _("Carriers"))
        self.tabs.addTab(self._ship_from_tab(settings), _("Ship from && sync"))
        root.addWidget(self.tabs, 1)

        self.language_changed = False  # set when saved: the main window says it applies at the next start
        note = QLabel(_(RESTART_NOTE))
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
        form.addRow(_("Bench name:"), self.bench_name)
        self.weight_unit = QComboBox()
        for unit in WeightUnit:
            self.weight_unit.addItem(fmt.unit_name(unit), unit.value)
        self.weight_unit.setCurrentIndex(max(self.weight_unit.findData(s.weight_unit.value), 0))
        form.addRow(_("Weight unit:"), self.weight_unit)
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setRange(0, 100)
        self.tolerance.setDecimals(1)
        self.tolerance.setSuffix(" %")
        self.tolerance.setValue(float(s.weight_tolerance_pct))
        form.addRow(_("Weight tolerance:"), self.tolerance)
        self.raise_exceptions = QCheckBox(_("Raise a supervisor exception when a parcel's weight is off"))
        self.raise_exceptions.setChecked(s.raise_weight_exceptions)
        form.addRow("", self.raise_exceptions)
        self.rate_rule = QComboBox()
        self.rate_rule.setObjectName("rateRule")
        for rule, text in RULE_LABELS.items():
            self.rate_rule.addItem(_(text), rule.value)
        self.rate_rule.setCurrentIndex(max(self.rate_rule.findData(s.rate_rule.value), 0))
        form.addRow(_("Preselect the rate that is:"), self.rate_rule)
        self.rate_days = QSpinBox()
        self.rate_days.setObjectName("rateWithinDays")
        self.rate_days.setRange(0, 60)
        self.rate_days.setSuffix(" " + _("days"))
        self.rate_days.setValue(s.rate_within_days)
        # N only means something for "cheapest within N days"; preferred carriers: settings.json (docs/rates.md).
        self.rate_rule.currentIndexChanged.connect(self._rate_days_enabled)
        self._rate_days_enabled()
        form.addRow(_("Arriving within:"), self.rate_days)

        self.language = QComboBox()
        self.language.setObjectName("guiLanguage")
        self.language.addItem(_("Automatic (the computer's language)"), "")
        for code in i18n.SUPPORTED:
            self.language.addItem(i18n.language_name(code), code)
        chosen = self.language.findData(_shipped_or_empty(s.language))
        self.language.setCurrentIndex(max(chosen, 0))
        form.addRow(_("Language:"), self.language)
        language_note = QLabel(_(LANGUAGE_NOTE))
        language_note.setObjectName("languageNote")
        language_note.setWordWrap(True)
        style.set_text_color(language_note, style.MUTED)
        form.addRow("", language_note)
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
            _("Label printer"), s.label_printer, self.runner, (LabelFormat.ZPL, LabelFormat.PDF)
        )
        layout.addWidget(self.label_printer_box)
        self.slip_printer_box = PrinterSettingsBox(
            _("Packing-slip printer"),
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
        self.keyring_label = QLabel(_(NO_KEYRING_TEXT))
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
            enabled = QCheckBox(_("Use this carrier on this bench"))
            enabled.setChecked(account.enabled)
            form.addRow("", enabled)
            number = QLineEdit(account.account)
            form.addRow(_("Account number:"), number)
            sandbox = QCheckBox(_("Sandbox (test labels, no charges)"))
            sandbox.setChecked(account.sandbox)
            form.addRow("", sandbox)
            base_url = QLineEdit(account.base_url)
            base_url.setObjectName(f"baseUrl_{code}")
            base_url.setPlaceholderText(_("the carrier's published URL"))
            if info is not None:
                form.addRow(_("API address (optional):"), base_url)
            secrets: dict[str, QLineEdit] = {}
            for field in info.secret_fields if info else ():
                title = _(SECRET_LABELS[field]) if field in SECRET_LABELS else _secret_title(field)
                edit = QLineEdit()
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                edit.setObjectName(f"secret_{account.code}_{field}")
                edit.setEnabled(self.keyring_available)
                edit.setPlaceholderText(
                    _("stored in the system keyring only") if self.keyring_available else _("no keyring")
                )
                form.addRow(_("{label}:").format(label=title), edit)
                secrets[field] = edit
            if info is None and carrier is None:
                missing = QLabel(_("This carrier is not available in this version."))
                style.set_text_color(missing, style.MUTED)
                form.addRow("", missing)
            elif info is not None and info.build is None:
                note = QLabel(_("Tracking only: labels for this carrier are not bought through the bench."))
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
        box = QGroupBox(_("Ship from (printed on every label)"))
        form = QFormLayout(box)
        self.ship_from: dict[str, QLineEdit] = {}
        for field, title in SHIP_FROM_FIELDS:
            edit = QLineEdit(str(getattr(s.ship_from, field)))
            form.addRow(_("{label}:").format(label=_(title)), edit)
            self.ship_from[field] = edit
        layout.addWidget(box)
        central = QGroupBox(_("Central database"))
        central_form = QFormLayout(central)
        self.central_url = QLineEdit(s.central.url)
        self.central_url.setObjectName("centralUrl")
        self.central_url.setPlaceholderText(_("empty: this bench works on its own"))
        central_form.addRow(_("URL:"), self.central_url)
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

        self.runner.run(Op(stored, label=_("Reading the keyring…"), on_success=self._mark_stored))

    def _mark_stored(self, stored: set[str]) -> None:
        for row in self.carrier_rows:
            for field, edit in row.secrets.items():
                if secret_key(row.code, field) in stored:
                    edit.setPlaceholderText(_("saved in the keyring — type to replace"))

    # -------------------------------------------------------------------------------- save

    def collect(self) -> BenchSettings:
        """The settings as edited. Raises ValueError/ValidationError with the model's message."""
        new = self.bench.settings.model_copy(deep=True)
        name = self.bench_name.text().strip()
        if not name:
            raise ValueError(_("Give the bench a name (it appears on reports and in sync)."))
        new.bench_name = name
        new.weight_unit = WeightUnit(self.weight_unit.currentData())
        new.weight_tolerance_pct = Decimal(str(round(self.tolerance.value(), 1)))
        new.raise_weight_exceptions = self.raise_exceptions.isChecked()
        new.rate_rule = RateRule(self.rate_rule.currentData())
        new.rate_within_days = self.rate_days.value()
        new.language = str(self.language.currentData())
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
                label=_("Saving credentials to the keyring…"),
                writes=True,
                on_success=lambda _none: self._apply(new),
                on_failure=lambda failure: self._keyring_failed(failure),
                on_done=lambda: self.buttons.setEnabled(True),
            )
        )

    def _keyring_failed(self, failure: Failure) -> None:
        self._error(_("The credentials were not saved: {reason}").format(reason=failure.message))

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
            self._error(
                _("Could not write {file}: {error}").format(file=self.bench.paths.settings_file, error=e.strerror or e)
            )
            return
        self.language_changed = new.language != old.language
        bootstrap.rebuild_carriers(self.bench)  # new accounts and credentials quote from the next scan
        self.saved.emit(new, devices_changed)
        self.accept()

    def _error(self, text: str) -> None:
        self.error_label.setText(text)
