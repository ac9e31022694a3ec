"""One printer's settings in Preferences (a label printer and a packing-slip printer per bench).

"Check" builds the printer from what is typed, asks it for its status in a worker and shows the
answer, so a wrong address is found at the bench, not at the first label.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton

from shipstation_desktop.devices.printer_factory import KINDS, open_printer
from shipstation_desktop.devices.printer_port import PrinterStatus, status_of
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.settings.model import PrinterSettings

from . import style
from .device_labels import printer_health
from .i18n import N_, _
from .ops import Failure, Op, OpRunner

ADDRESS_HINTS = {  # placeholders; the words are translated where shown, the addresses are examples
    "spool": N_("a folder (empty: the bench's spool folder)"),
    "tcp": "tcp://192.0.2.10:9100",
    "system": N_("a print queue name (empty: the default printer)"),
    "usb": "/dev/usb/lp0",
    "escpos": N_("tcp://host:9100, usb:04b8:0202 or serial:/dev/ttyUSB0"),
}
PAGES = ("4x6", "letter", "a4")
# What the choices read as (marked here, translated where shown); a value without one shows as itself.
CHOICE_LABELS = {
    "spool": N_("Spool folder (files)"),
    "tcp": N_("Network printer (TCP 9100)"),
    "system": N_("System print queue"),
    "usb": N_("USB printer (raw)"),
    "escpos": N_("Receipt printer (ESC/POS)"),
    "4x6": N_("4×6 in label"),
    "letter": N_("US Letter"),
    "a4": "A4",
}


def _combo(values: tuple[str, ...], current: str) -> QComboBox:
    combo = QComboBox()
    for value in values:
        label = CHOICE_LABELS.get(value)
        combo.addItem(_(label) if label else value, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class PrinterSettingsBox(QGroupBox):
    def __init__(
        self,
        title: str,
        settings: PrinterSettings,
        runner: OpRunner,
        formats: tuple[LabelFormat, ...],
        *,
        show_page: bool = False,
    ) -> None:
        super().__init__(title)
        self.runner = runner
        form = QFormLayout(self)
        self.kind = _combo(KINDS, settings.kind)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        form.addRow(_("Kind:"), self.kind)
        self.address = QLineEdit(settings.address)
        form.addRow(_("Address:"), self.address)
        self.format = _combo(tuple(f.value for f in formats), settings.format.value)
        form.addRow(_("Printer language:"), self.format)
        self.dpi = _combo(("203", "300"), str(settings.dpi))
        form.addRow(_("Resolution (dpi):"), self.dpi)
        self.check_status = QCheckBox(_("Ask the printer for its status before each job (~HS)"))
        self.check_status.setToolTip(_("Turn off only for print servers that never answer status requests"))
        self.check_status.setChecked(settings.check_status)
        form.addRow("", self.check_status)
        self.page = _combo(PAGES, settings.page)
        if show_page:
            form.addRow(_("Slip paper (PDF):"), self.page)
        row = QHBoxLayout()
        self.check_button = QPushButton(_("Check printer"))
        self.check_button.clicked.connect(self.check)
        self.check_result = QLabel()
        self.check_result.setWordWrap(True)
        row.addWidget(self.check_button)
        row.addWidget(self.check_result, 1)
        form.addRow("", row)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = str(self.kind.currentData())
        hint = ADDRESS_HINTS.get(kind, "")
        self.address.setPlaceholderText(_(hint) if hint else "")
        if kind == "escpos":
            self.format.setCurrentIndex(max(0, self.format.findData(LabelFormat.ESCPOS.value)))
        self.check_status.setEnabled(kind == "tcp")

    def apply(self, target: PrinterSettings) -> None:
        """Writes the form into `target` (pydantic validates each assignment)."""
        target.kind = self.kind.currentData()
        target.address = self.address.text().strip()
        target.format = LabelFormat(self.format.currentData())
        target.dpi = int(self.dpi.currentData())  # type: ignore[assignment]  # Literal[203, 300]
        target.check_status = self.check_status.isChecked()
        target.page = self.page.currentData()
        if target.kind == "escpos" and target.format is not LabelFormat.ESCPOS:
            raise ValueError(
                _("{printer}: a receipt (ESC/POS) printer prints ESC/POS only.").format(printer=self.title())
            )

    def check(self) -> None:
        kind, address = str(self.kind.currentData()), self.address.text().strip()
        fmt, dpi, check = (
            LabelFormat(self.format.currentData()),
            int(self.dpi.currentData()),
            self.check_status.isChecked(),
        )

        def ask(_ctx: object) -> PrinterStatus:
            try:
                printer = open_printer(kind, address, format=fmt, dpi=dpi, check_status=check, spool_dir=None)
            except ValueError as e:
                raise UserError(str(e)) from e
            return status_of(printer)

        self.check_button.setEnabled(False)
        self.check_result.setText(_("Asking the printer…"))
        style.set_text_color(self.check_result, style.MUTED)
        self.runner.run(
            Op(
                ask,
                label=_("Checking the printer…"),
                on_success=self._checked,
                on_failure=self._check_failed,
                on_done=lambda: self.check_button.setEnabled(True),
            )
        )

    def _checked(self, status: PrinterStatus) -> None:
        if status.ready:
            self.check_result.setText(_("Ready."))
            style.set_text_color(self.check_result, style.GOOD)
        else:
            self.check_result.setText(f"{printer_health(status.health)}: {status.reason}")
            style.set_text_color(self.check_result, style.BAD)

    def _check_failed(self, failure: Failure) -> None:
        self.check_result.setText(failure.message)
        style.set_text_color(self.check_result, style.BAD)
