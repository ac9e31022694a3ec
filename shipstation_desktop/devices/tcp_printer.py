"""A ZPL printer on the network: raw TCP (port 9100), with ~HS status before and after each job.

One connection per job: ask ~HS, send the job only if the printer is ready, ask ~HS again to catch
a problem the job ran into (the last label used up the roll). A printer that is off, unreachable or
not ready gets nothing, so the job can wait in the queue without any risk of printing twice.

Newer Zebra firmware does not answer ~HS at all while media or ribbon is out or the head is open;
a printer that accepts the connection but stays silent is therefore "not ready", not "fine".
Printers that never answer ~HS (some print servers) can turn the check off (`check_status`).
"""

from __future__ import annotations

import socket
import threading
import time

from shipstation_desktop.devices import zebra_status
from shipstation_desktop.devices.printer_port import (
    PrinterHealth,
    PrinterNotReady,
    PrinterStatus,
    PrintJob,
    PrintResult,
)
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError

DEFAULT_PORT = 9100


class TcpPrinter:
    """A PrinterPort for raw TCP printers (ZPL by default)."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        format: LabelFormat = LabelFormat.ZPL,
        dpi: int = 203,
        name: str = "",
        connect_timeout_s: float = 3.0,
        status_timeout_s: float = 2.0,
        send_timeout_s: float = 30.0,
        check_status: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.format = format
        self.dpi = dpi
        self.name = name or f"{host}:{port}"
        self.connect_timeout_s = connect_timeout_s
        self.status_timeout_s = status_timeout_s
        self.send_timeout_s = send_timeout_s
        # ~HS is ZPL: other languages on port 9100 have no status to ask for.
        self.check_status = check_status and format is LabelFormat.ZPL
        self._lock = threading.Lock()  # one conversation with the printer at a time

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    # -- status -----------------------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        with self._lock:
            try:
                with self._connect() as conn:
                    if not self.check_status:
                        return PrinterStatus(PrinterHealth.READY, "", details={"status_checked": False})
                    return self._query(conn)
            except PrinterNotReady as e:
                return e.status

    def health(self) -> PrinterHealth:
        return self.status().health

    # -- printing ---------------------------------------------------------------------------------

    def print_job(self, job: PrintJob) -> PrintResult:
        if job.format is not self.format:
            raise DeviceError(
                f"printer {self.name!r} prints {self.format.value.upper()}, not {job.format.value.upper()}"
            )
        if not job.data:
            raise ValueError("refusing to send an empty print job")
        with self._lock, self._connect() as conn:
            if self.check_status:
                before = self._query(conn)
                if not before.ready:
                    raise PrinterNotReady(f"printer {self.name!r} is not ready: {before.reason}", before)
            try:
                conn.settimeout(self.send_timeout_s)
                for _ in range(max(1, job.copies)):
                    conn.sendall(job.data)
            except OSError as exc:
                # Some bytes may have reached the printer: this job must not be resent on its own.
                raise DeviceError(
                    f"printer {self.name!r} dropped the connection while receiving {job.name}: "
                    f"{exc.strerror or exc}; check whether it printed before printing it again"
                ) from exc
            note = ""
            if self.check_status:
                try:
                    after = self._query(conn)
                except PrinterNotReady as e:
                    after = e.status
                if not after.ready:
                    note = f"sent; the printer now reports: {after.reason}"
        return PrintResult(job_name=job.name, location=self.url, note=note)

    # -- internals --------------------------------------------------------------------------------

    def _connect(self) -> socket.socket:
        try:
            return socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        except OSError as exc:
            reason = "connection refused" if isinstance(exc, ConnectionRefusedError) else (exc.strerror or str(exc))
            if isinstance(exc, TimeoutError):
                reason = f"no answer within {self.connect_timeout_s:g} s"
            status = PrinterStatus(PrinterHealth.OFFLINE, f"{reason}; check power, cable and address")
            raise PrinterNotReady(f"printer {self.name!r} at {self.url} is offline: {reason}", status) from exc

    def _query(self, conn: socket.socket) -> PrinterStatus:
        """Sends ~HS on an open connection and reads the three answer strings."""
        silent = PrinterStatus(
            PrinterHealth.ERROR,
            "no status answer; the printer may be out of labels or ribbon, or its head is open",
        )
        try:
            conn.settimeout(self.status_timeout_s)
            conn.sendall(zebra_status.QUERY)
            raw = b""
            deadline = time.monotonic() + self.status_timeout_s
            while not zebra_status.complete(raw):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                conn.settimeout(remaining)
                chunk = conn.recv(1024)
                if not chunk:
                    break
                raw += chunk
        except TimeoutError:
            raise PrinterNotReady(f"printer {self.name!r} did not answer a status request", silent) from None
        except OSError as exc:
            status = PrinterStatus(PrinterHealth.OFFLINE, f"connection lost ({exc.strerror or exc})")
            raise PrinterNotReady(f"printer {self.name!r} dropped the connection", status) from exc
        try:
            return zebra_status.parse(raw)
        except zebra_status.StatusParseError as exc:
            status = PrinterStatus(PrinterHealth.ERROR, f"unreadable status answer ({exc})")
            raise PrinterNotReady(f"printer {self.name!r} answered gibberish to ~HS", status) from exc
