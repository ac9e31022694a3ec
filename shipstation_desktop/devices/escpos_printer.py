"""An ESC/POS receipt printer (packing slips), through python-escpos's connections.

Addresses: "tcp://host:9100" (network), "usb:04b8:0202" (USB vendor:product), "serial:/dev/ttyUSB0"
or "serial:COM3:19200", or a device path such as "/dev/usb/lp1". The slip itself is rendered
beforehand (labels/slip_escpos.py), so this adapter only moves bytes and asks for status
(DLE EOT: online, paper) where the connection can answer.
"""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from shipstation_desktop.devices.printer_port import (
    PrinterHealth,
    PrinterNotReady,
    PrinterStatus,
    PrintJob,
    PrintResult,
)
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError

if TYPE_CHECKING:
    from escpos.escpos import Escpos

STATUS_TIMEOUT_S = 1.5


class EscPosPrinter:
    format = LabelFormat.ESCPOS

    def __init__(self, address: str, *, name: str = "", dpi: int = 203, timeout_s: float = 5.0) -> None:
        if not address.strip():
            raise ValueError("an ESC/POS printer needs an address (tcp://host:9100, usb:VID:PID, serial:PORT)")
        self.address = address.strip()
        self.name = name or self.address
        self.dpi = dpi
        self.timeout_s = timeout_s
        self._lock = threading.Lock()

    def _device(self) -> Escpos:
        from escpos import printer

        address = self.address
        if address.startswith("tcp://"):
            url = urlsplit(address)
            return _network(url.hostname or "", url.port or 9100, self.timeout_s)
        if address.startswith("usb:"):
            vendor, _, product = address[4:].partition(":")
            return printer.Usb(int(vendor, 16), int(product, 16))
        if address.startswith("serial:"):
            port, _, baud = address[7:].rpartition(":") if address.count(":") > 1 else (address[7:], "", "")
            return printer.Serial(port, baudrate=int(baud) if baud.isdigit() else 9600, timeout=self.timeout_s)
        return printer.File(address.removeprefix("file:"))

    def _open(self) -> Escpos:
        from escpos.exceptions import Error as EscposError

        device = self._device()
        try:
            device.open()
        except (EscposError, OSError, ValueError) as exc:
            status = PrinterStatus(PrinterHealth.OFFLINE, f"cannot reach {self.address} ({_reason(exc)})")
            raise PrinterNotReady(f"receipt printer {self.name!r} is offline: {_reason(exc)}", status) from exc
        return device

    def status(self) -> PrinterStatus:
        with self._lock:
            try:
                device = self._open()
            except PrinterNotReady as e:
                return e.status
            try:
                return self._query(device)
            finally:
                device.close()

    def health(self) -> PrinterHealth:
        return self.status().health

    def print_job(self, job: PrintJob) -> PrintResult:
        if job.format is not LabelFormat.ESCPOS:
            raise DeviceError(f"receipt printer {self.name!r} prints packing slips (ESC/POS), not {job.format.value}")
        with self._lock:
            device = self._open()
            try:
                status = self._query(device)
                if not status.ready:
                    raise PrinterNotReady(f"receipt printer {self.name!r} is not ready: {status.reason}", status)
                try:
                    for _ in range(max(1, job.copies)):
                        device._raw(job.data)
                except OSError as exc:
                    raise DeviceError(
                        f"receipt printer {self.name!r} stopped taking {job.name}: {_reason(exc)}"
                    ) from exc
            finally:
                device.close()
        return PrintResult(job.name, self.address)

    def _query(self, device: Escpos) -> PrinterStatus:
        """DLE EOT paper status; a connection that cannot read, or a printer that does not answer,
        leaves the status unknown and the job goes ahead (receipt printers rarely lose a slip)."""
        if self.address.startswith(("file:", "/")):
            return PrinterStatus(PrinterHealth.READY, details={"status_checked": False})
        sock = getattr(device, "device", None)
        if isinstance(sock, socket.socket):
            sock.settimeout(STATUS_TIMEOUT_S)  # a silent printer must not hold the bench for long
        try:
            paper = device.paper_status()
        except (OSError, NotImplementedError, AttributeError):
            return PrinterStatus(PrinterHealth.READY, details={"status_checked": False})
        finally:
            if isinstance(sock, socket.socket):
                sock.settimeout(self.timeout_s)
        if paper == 0:
            return PrinterStatus(PrinterHealth.PAPER_OUT, "out of paper; load a new roll", ("paper_out",))
        details: dict[str, object] = {"paper_low": paper == 1}
        return PrinterStatus(PrinterHealth.READY, "", ("paper_low",) if paper == 1 else (), details)


def _network(host: str, port: int, timeout_s: float) -> Escpos:
    """python-escpos's Network printer, opened without leaking the socket when the connect fails."""
    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import Network

    class _Network(Network):  # type: ignore[misc]
        def open(self, raise_not_found: bool = True) -> None:
            try:
                self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)
            except OSError as exc:
                raise DeviceNotFoundError(f"could not connect to {self.host}:{self.port}: {exc}") from exc

    return _Network(host, port, timeout=timeout_s)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return text or type(exc).__name__
