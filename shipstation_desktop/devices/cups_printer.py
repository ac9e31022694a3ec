"""A printer queue of the operating system's print system (CUPS: `lp` and `lpstat`, Linux and macOS).

PDF labels go to the queue at their own size: `media=Custom.4x6in` and `print-scaling=none`, so
the driver never "fits to page" (a 4x6 label shrunk onto a letter sheet does not scan). ZPL and
ESC/POS go as raw jobs to a raw queue, untouched.
"""

from __future__ import annotations

import shutil
import subprocess

from shipstation_desktop.devices.printer_port import (
    PrinterHealth,
    PrinterNotReady,
    PrinterStatus,
    PrintJob,
    PrintResult,
)
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError

PDF_OPTIONS = ("-o", "media=Custom.4x6in", "-o", "print-scaling=none")
RAW_OPTIONS = ("-o", "raw")


class CupsPrinter:
    def __init__(
        self,
        queue: str,
        *,
        format: LabelFormat = LabelFormat.PDF,
        dpi: int = 203,
        name: str = "",
        page_options: tuple[str, ...] = PDF_OPTIONS,
        lp: str = "lp",
        lpstat: str = "lpstat",
        timeout_s: float = 30.0,
    ) -> None:
        self.queue = queue
        self.format = format
        self.dpi = dpi
        self.name = name or queue or "default printer"
        self.page_options = page_options
        self.lp = lp
        self.lpstat = lpstat
        self.timeout_s = timeout_s

    def print_job(self, job: PrintJob) -> PrintResult:
        if job.format is not self.format:
            raise DeviceError(
                f"printer {self.name!r} prints {self.format.value.upper()}, not {job.format.value.upper()}"
            )
        status = self.status()
        if not status.ready:
            raise PrinterNotReady(f"printer {self.name!r} is not ready: {status.reason}", status)
        options = self.page_options if job.format is LabelFormat.PDF else RAW_OPTIONS
        cmd = [self._tool(self.lp)]
        if self.queue:
            cmd += ["-d", self.queue]
        cmd += ["-t", job.name, "-n", str(max(1, job.copies)), *options, "--", "-"]
        try:
            done = subprocess.run(cmd, input=job.data, capture_output=True, timeout=self.timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DeviceError(f"printer {self.name!r}: lp did not finish ({exc})") from exc
        if done.returncode != 0:
            raise DeviceError(f"printer {self.name!r}: {_first_line(done.stderr) or 'lp failed'}")
        request = _first_line(done.stdout)  # "request id is Zebra-42 (1 file(s))"
        job_id = request.split(" is ", 1)[1].split(" ", 1)[0] if " is " in request else ""
        return PrintResult(job.name, f"cups:{self.queue or 'default'}" + (f" ({job_id})" if job_id else ""))

    def status(self) -> PrinterStatus:
        try:
            tool = self._tool(self.lpstat)
        except PrinterNotReady as e:
            return e.status
        args = [tool, "-p", self.queue] if self.queue else [tool, "-d"]
        try:
            done = subprocess.run(args, capture_output=True, timeout=10, check=False, text=True)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return PrinterStatus(PrinterHealth.ERROR, f"lpstat did not answer ({exc})")
        text = (done.stdout + done.stderr).strip()
        lowered = text.lower()
        if done.returncode != 0 or "invalid destination" in lowered or "does not exist" in lowered:
            return PrinterStatus(PrinterHealth.OFFLINE, f"no print queue {self.queue!r} ({_first_line(text)})")
        if "disabled" in lowered:
            return PrinterStatus(PrinterHealth.PAUSED, f"queue is paused: {_first_line(text)}", ("paused",))
        return PrinterStatus(PrinterHealth.READY, "", details={"lpstat": _first_line(text)})

    def health(self) -> PrinterHealth:
        return self.status().health

    def _tool(self, name: str) -> str:
        path = shutil.which(name)
        if path is None:
            status = PrinterStatus(PrinterHealth.ERROR, f"the print system's {name!r} command is not installed")
            raise PrinterNotReady(f"printer {self.name!r}: {status.reason}", status)
        return path


def _first_line(text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text.strip().splitlines()[0].strip() if text.strip() else ""
