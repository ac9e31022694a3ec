"""The bench's colours and fonts in one place, so status means the same colour on every screen."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QWidget

from shipstation_desktop.devices.printer_port import PrinterHealth
from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleStatus
from shipstation_desktop.domain.enums import CustomerStatus, ExceptionSeverity, ShipmentStatus

from .i18n import N_

GOOD = "#1b7f3b"
WARN = "#b26a00"
BAD = "#c62828"
MUTED = "#6b7280"
INFO = "#1f5fa8"

GOOD_BG = "#e3f4e8"
WARN_BG = "#fff4dc"
BAD_BG = "#fde7e7"
INFO_BG = "#e6effa"

SHIPMENT_STATUS: dict[ShipmentStatus, str] = {
    ShipmentStatus.PENDING: MUTED,
    ShipmentStatus.LABEL_CREATED: INFO,
    ShipmentStatus.PICKED_UP: INFO,
    ShipmentStatus.IN_TRANSIT: INFO,
    ShipmentStatus.OUT_FOR_DELIVERY: INFO,
    ShipmentStatus.DELIVERED: GOOD,
    ShipmentStatus.RETURNED_TO_SENDER: WARN,
    ShipmentStatus.LOST: BAD,
    ShipmentStatus.DAMAGED: BAD,
    ShipmentStatus.CANCELLED: MUTED,
}

# (text, background): a supervisor scans the queue by colour first.
SEVERITY: dict[ExceptionSeverity, tuple[str, str]] = {
    ExceptionSeverity.LOW: ("#37474f", "#eceff1"),
    ExceptionSeverity.MEDIUM: (WARN, WARN_BG),
    ExceptionSeverity.HIGH: (BAD, BAD_BG),
    ExceptionSeverity.CRITICAL: ("#ffffff", "#8e0000"),
}

CUSTOMER_STATUS: dict[CustomerStatus, str] = {
    CustomerStatus.ACTIVE: GOOD,
    CustomerStatus.INACTIVE: MUTED,
    CustomerStatus.BLOCKED: BAD,
    CustomerStatus.VIP: "#6a1b9a",
}

SCALE_HEALTH: dict[ScaleHealth, str] = {
    ScaleHealth.CONNECTED: GOOD,
    ScaleHealth.NO_ANSWER: WARN,
    ScaleHealth.DISCONNECTED: BAD,
    ScaleHealth.ERROR: BAD,
}

PRINTER_HEALTH: dict[PrinterHealth, str] = {
    PrinterHealth.READY: GOOD,
    PrinterHealth.OFFLINE: BAD,
    PrinterHealth.PAPER_OUT: BAD,
    PrinterHealth.HEAD_OPEN: BAD,
    PrinterHealth.RIBBON_OUT: BAD,
    PrinterHealth.PAUSED: WARN,
    PrinterHealth.BUFFER_FULL: WARN,
    PrinterHealth.ERROR: BAD,
}

# (label on the pill, marked for translation: _() it where shown; text colour, background)
SCALE_STATUS: dict[ScaleStatus, tuple[str, str, str]] = {
    ScaleStatus.STABLE: (N_("STABLE"), "#ffffff", GOOD),
    ScaleStatus.MOTION: (N_("MOTION"), "#ffffff", WARN),
    ScaleStatus.ZERO: (N_("ZERO"), "#ffffff", MUTED),
    ScaleStatus.UNDER_ZERO: (N_("BELOW ZERO"), "#ffffff", BAD),
    ScaleStatus.OVER_WEIGHT: (N_("OVER CAPACITY"), "#ffffff", BAD),
    ScaleStatus.FAULT: (N_("FAULT"), "#ffffff", BAD),
    ScaleStatus.NEEDS_CALIBRATION: (N_("CALIBRATE"), "#ffffff", BAD),
    ScaleStatus.NEEDS_REZERO: (N_("RE-ZERO"), "#ffffff", WARN),
}

WEIGHT_POINT_SIZE = 48


def color(hex_code: str) -> QColor:
    return QColor(hex_code)


def scaled_font(widget: QWidget, factor: float = 1.0, *, bold: bool = False, point_size: int | None = None) -> QFont:
    font = QFont(widget.font())
    if point_size is not None:
        font.setPointSize(point_size)
    else:
        font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    return font


def set_text_color(label: QLabel, hex_code: str) -> None:
    """Colours a label's text; an empty colour goes back to the palette's."""
    label.setStyleSheet(f"QLabel {{ color: {hex_code}; }}" if hex_code else "")


def banner(label: QLabel, fg: str, bg: str) -> None:
    """A full-width coloured message strip (blocked customer, shipped, weight mismatch)."""
    label.setStyleSheet(
        f"QLabel {{ color: {fg}; background: {bg}; border: 1px solid {fg}; border-radius: 4px; padding: 8px; }}"
    )


def pill(label: QLabel, fg: str, bg: str) -> None:
    label.setStyleSheet(
        f"QLabel {{ color: {fg}; background: {bg}; border-radius: 10px; padding: 3px 12px; font-weight: bold; }}"
    )
