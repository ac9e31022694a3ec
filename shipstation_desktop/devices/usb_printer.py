"""A printer on a raw USB printer device (Linux usblp: /dev/usb/lp0), written to directly.

No driver is involved: ZPL or ESC/POS bytes go to the device as they are. The device node tells
whether the printer is there (unplugged: no node) and whether the bench may write to it.
"""

from __future__ import annotations

import errno
import os
import threading

from shipstation_desktop.devices.printer_port import (
    PrinterHealth,
    PrinterNotReady,
    PrinterStatus,
    PrintJob,
    PrintResult,
)
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError


class UsbPrinter:
    def __init__(self, device: str, *, format: LabelFormat = LabelFormat.ZPL, dpi: int = 203, name: str = "") -> None:
        self.device = device
        self.format = format
        self.dpi = dpi
        self.name = name or device
        self._lock = threading.Lock()

    def status(self) -> PrinterStatus:
        if not os.path.exists(self.device):
            return PrinterStatus(PrinterHealth.OFFLINE, f"no {self.device}; is the printer plugged in and on?")
        if not os.access(self.device, os.W_OK):
            return PrinterStatus(
                PrinterHealth.ERROR, f"no permission to write to {self.device}; add this user to the 'lp' group"
            )
        return PrinterStatus(PrinterHealth.READY)

    def health(self) -> PrinterHealth:
        return self.status().health

    def print_job(self, job: PrintJob) -> PrintResult:
        if job.format is not self.format:
            raise DeviceError(
                f"printer {self.name!r} prints {self.format.value.upper()}, not {job.format.value.upper()}"
            )
        with self._lock:
            status = self.status()
            if not status.ready:
                raise PrinterNotReady(f"printer {self.name!r}: {status.reason}", status)
            try:
                fd = os.open(self.device, os.O_WRONLY)
            except OSError as exc:
                gone = exc.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO)
                st = PrinterStatus(PrinterHealth.OFFLINE if gone else PrinterHealth.ERROR, exc.strerror or str(exc))
                raise PrinterNotReady(f"printer {self.name!r}: {st.reason}", st) from exc
            try:
                for _ in range(max(1, job.copies)):
                    view = memoryview(job.data)
                    while view:
                        written = os.write(fd, view)
                        view = view[written:]
            except OSError as exc:
                raise DeviceError(
                    f"printer {self.name!r} stopped taking {job.name}: {exc.strerror or exc}; "
                    "check whether it printed before printing it again"
                ) from exc
            finally:
                os.close(fd)
        return PrintResult(job.name, self.device)
