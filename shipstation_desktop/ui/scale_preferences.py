"""The scale's part of Preferences: protocol, port (from the ports this computer has), and the line.

Choosing a protocol fills in its manual's factory line settings (MT-SICS and CAS 9600 8N1, Toledo and
NCI 9600 7E1), which the user may then change to match the scale. Looking for ports runs off the
GUI thread: enumerating USB devices can take a moment.
"""

from __future__ import annotations

from typing import Any, Literal

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QWidget

from shipstation_desktop.devices.scales.discovery import Found, discover
from shipstation_desktop.devices.scales.registry import SERIAL_PROTOCOLS
from shipstation_desktop.domain.units import WeightUnit
from shipstation_desktop.settings.model import ScaleSettings

from . import formatting as fmt
from . import style
from .i18n import N_, _, ngettext
from .ops import Op, OpRunner

# Texts marked with N_ here are translated with _() where the combo boxes are filled.
PROTOCOL_CHOICES = (
    ("sim", N_("Simulated scale (demo)")),
    ("sics", N_("Mettler Toledo MT-SICS (serial)")),
    ("toledo", N_("Toledo 8213/8217 (serial)")),
    ("nci", N_("NCI — Weigh-Tronix, Brecknell, Avery (serial)")),
    ("cas", N_("CAS continuous (serial)")),
    ("hid", N_("USB HID scale (DYMO, Stamps.com, …)")),
)
BAUD_RATES = ("1200", "2400", "4800", "9600", "19200", "38400", "57600", "115200")
PARITIES = (("N", N_("None")), ("E", N_("Even")), ("O", N_("Odd")), ("M", N_("Mark")), ("S", N_("Space")))
PORT_HINT = N_("/dev/ttyUSB0, COM3 or socket://host:port; USB: auto or VID:PID")


def kind_of(protocol: str) -> Literal["simulated", "serial", "hid"]:
    if protocol == "sim":
        return "simulated"
    return "hid" if protocol == "hid" else "serial"


def _select(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


def _combo(items: tuple[tuple[Any, str], ...], current: object, *, translate: bool = False) -> QComboBox:
    combo = QComboBox()
    for data, text in items:
        combo.addItem(_(text) if translate else text, data)
    _select(combo, current)
    return combo


class ScaleSettingsBox(QGroupBox):
    def __init__(self, settings: ScaleSettings, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(_("Scale"), parent)
        self.setObjectName("scaleSettings")
        self.runner = runner
        form = QFormLayout(self)
        protocol = "hid" if settings.kind == "hid" else ("sim" if settings.kind == "simulated" else settings.protocol)
        self.protocol = _combo(PROTOCOL_CHOICES, protocol, translate=True)
        self.protocol.setObjectName("scaleProtocol")
        form.addRow(_("Protocol:"), self.protocol)

        self.port = QComboBox()
        self.port.setObjectName("scalePort")
        self.port.setEditable(True)
        self.port.setEditText(settings.port)
        if (edit := self.port.lineEdit()) is not None:
            edit.setPlaceholderText(_(PORT_HINT))
        self.port.activated.connect(self._port_picked)
        self.find_button = QPushButton(_("Find ports"))
        self.find_button.setObjectName("findPorts")
        self.find_button.clicked.connect(self.find_ports)
        port_row = QHBoxLayout()
        port_row.addWidget(self.port, 1)
        port_row.addWidget(self.find_button)
        form.addRow(_("Port:"), port_row)
        self.found_label = QLabel()
        self.found_label.setObjectName("foundPorts")
        self.found_label.setWordWrap(True)
        style.set_text_color(self.found_label, style.MUTED)
        form.addRow("", self.found_label)

        line = SERIAL_PROTOCOLS[protocol].line if protocol in SERIAL_PROTOCOLS else None
        self.baud = QComboBox()
        self.baud.setEditable(True)
        self.baud.addItems(BAUD_RATES)
        self.baud.setEditText(str(settings.baud))
        form.addRow(_("Baud rate:"), self.baud)
        self.bytesize = _combo(((8, "8"), (7, "7")), settings.bytesize or (line.bytesize if line else 8))
        form.addRow(_("Data bits:"), self.bytesize)
        self.parity = _combo(PARITIES, settings.parity or (line.parity if line else "N"), translate=True)
        form.addRow(_("Parity:"), self.parity)
        self.stopbits = _combo(((1, "1"), (2, "2")), settings.stopbits or (line.stopbits if line else 1))
        form.addRow(_("Stop bits:"), self.stopbits)
        units = ((None, _("The bench's weight unit")), *((u.value, fmt.unit_name(u)) for u in WeightUnit))
        self.unit = _combo(units, settings.unit.value if settings.unit else None)
        self.unit.setToolTip(_("The unit the scale is set to, for scales whose frames carry none (Toledo 8213)"))
        form.addRow(_("Scale's unit:"), self.unit)

        self.protocol.currentIndexChanged.connect(self._protocol_changed)
        self._enable_line(protocol)
        self._found: Found | None = None

    # -------------------------------------------------------------------------------- protocol

    @Slot()
    def _protocol_changed(self) -> None:
        protocol = self.protocol.currentData()
        line = SERIAL_PROTOCOLS.get(protocol)
        if line is not None:
            defaults = line.line
            self.baud.setEditText(str(defaults.baud))
            _select(self.bytesize, defaults.bytesize)
            _select(self.parity, defaults.parity)
            _select(self.stopbits, defaults.stopbits)
        self._enable_line(protocol)
        self._fill_ports()

    def _enable_line(self, protocol: str) -> None:
        serial = protocol in SERIAL_PROTOCOLS
        for widget in (self.baud, self.bytesize, self.parity, self.stopbits):
            widget.setEnabled(serial)
        self.unit.setEnabled(serial)
        self.port.setEnabled(protocol != "sim")
        self.find_button.setEnabled(protocol != "sim")

    # -------------------------------------------------------------------------------- ports

    @Slot()
    def find_ports(self) -> None:
        self.find_button.setEnabled(False)
        self.found_label.setText(_("Looking for ports…"))
        self.runner.run(
            Op(
                lambda _ctx: discover(),
                label=_("Looking for scales…"),
                on_success=self._show_found,
                on_done=lambda: self.find_button.setEnabled(self.protocol.currentData() != "sim"),
            )
        )

    def _show_found(self, found: Found) -> None:
        self._found = found
        self._fill_ports()
        serial, hid = len(found.serial), len(found.hid)
        text = _("{ports}, {scales} found.").format(
            ports=ngettext("{count} serial port", "{count} serial ports", serial).format(count=serial),
            scales=ngettext("{count} USB scale", "{count} USB scales", hid).format(count=hid),
        )
        if found.hid_problem:
            text += f" {found.hid_problem}."
        self.found_label.setText(text)

    def _fill_ports(self) -> None:
        current = self.port.currentText()
        self.port.clear()
        found = self._found
        if self.protocol.currentData() == "hid":
            self.port.addItem(_("auto (the first USB scale found)"), "auto")
            for scale in found.hid if found else []:
                self.port.addItem(f"{scale.port}  {scale.product}", scale.port)
        elif found is not None:
            for port in found.serial:
                self.port.addItem(f"{port.port}  {port.description}".strip(), port.port)
        self.port.setEditText(current)

    @Slot(int)
    def _port_picked(self, index: int) -> None:
        data = self.port.itemData(index)
        if data:
            self.port.setEditText(str(data))  # the port itself, not its description

    # -------------------------------------------------------------------------------- result

    def apply(self, target: ScaleSettings) -> None:
        """Writes the form into `target` (validated by the model: a bad value raises its error)."""
        protocol = self.protocol.currentData()
        baud = self.baud.currentText().strip()
        if not baud.isdigit():
            raise ValueError(_("Baud rate {value} is not a number.").format(value=repr(baud)))
        port = self.port.currentText().strip()
        if protocol in SERIAL_PROTOCOLS and not port:
            raise ValueError(_("Choose the scale's port (Find ports lists the ones this computer has)."))
        target.kind = kind_of(protocol)
        target.protocol = protocol
        target.port = port
        target.baud = int(baud)
        target.bytesize = self.bytesize.currentData()
        target.parity = self.parity.currentData()
        target.stopbits = self.stopbits.currentData()
        unit = self.unit.currentData()
        target.unit = WeightUnit(unit) if unit else None
