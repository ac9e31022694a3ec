"""Stand-ins for a configured device the bench cannot open.

The bench still starts (so Preferences can fix the setting); the device shows as an error with the
reason, and every use of it fails with that one clear line instead of a crash.
"""

from __future__ import annotations

from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError

from .printer_port import PrinterHealth, PrinterNotReady, PrinterStatus, PrintJob, PrintResult
from .scale_port import ScaleHealth, ScaleReading


class UnavailableScale:
    supports_zero = False
    supports_tare = False

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    def read(self) -> ScaleReading:
        raise DeviceError(f"{self.name}: {self.reason}")

    def zero(self) -> None:
        raise DeviceError(f"{self.name}: {self.reason}")

    def tare(self) -> None:
        raise DeviceError(f"{self.name}: {self.reason}")

    def health(self) -> ScaleHealth:
        return ScaleHealth.ERROR

    def close(self) -> None:
        pass


class UnavailablePrinter:
    def __init__(self, name: str, reason: str, format: LabelFormat = LabelFormat.ZPL, dpi: int = 203) -> None:
        self.name = name
        self.reason = reason
        self.format = format
        self.dpi = dpi

    def print_job(self, job: PrintJob) -> PrintResult:
        # Nothing can have printed: the job waits in the queue until the setting is fixed.
        raise PrinterNotReady(f"{self.name}: {self.reason}", self.status())

    def status(self) -> PrinterStatus:
        return PrinterStatus(PrinterHealth.ERROR, self.reason)

    def health(self) -> PrinterHealth:
        return PrinterHealth.ERROR
