"""A printer that writes each job to a directory: the demo printer, and a dependable fallback.

Files are named `<UTC timestamp>-<job name>.<zpl|pdf>` so a directory listing reads like a
print log; a file appears complete or not at all (temp file, fsync, rename) and is never
overwritten, because a spooled label may be the only copy of a label that was paid for.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from shipstation_desktop.devices.printer_port import (
    PrinterHealth,
    PrinterNotReady,
    PrinterStatus,
    PrintJob,
    PrintResult,
)
from shipstation_desktop.domain.clock import Clock, SystemClock
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 80
_TIMESTAMP = re.compile(r"^(\d{8}T\d{6}\.\d{3}Z)-")
_TMP_PREFIX = ".spool-"


def safe_job_name(name: str) -> str:
    """A file-name-safe form of a job name: no separators, no leading dots, bounded length."""
    cleaned = _UNSAFE.sub("_", name).strip("._")[:_MAX_NAME]
    return cleaned or "job"


class SpoolPrinter:
    """A PrinterPort that spools jobs to `directory` (created on first use)."""

    def __init__(
        self,
        directory: Path | str,
        *,
        format: LabelFormat = LabelFormat.ZPL,
        dpi: int = 203,
        name: str = "Spool printer",
        offline: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.format = format
        self.dpi = dpi
        self.name = name
        self.offline = offline  # flip at run time to simulate a printer going away
        self._clock: Clock = clock or SystemClock()

    def print_job(self, job: PrintJob) -> PrintResult:
        if self.offline:
            raise PrinterNotReady(
                f"printer {self.name!r} is offline; nothing was printed",
                PrinterStatus(PrinterHealth.OFFLINE, "offline"),
            )
        if job.format is not self.format:
            raise DeviceError(
                f"printer {self.name!r} prints {self.format.value.upper()}, "
                f"not {job.format.value.upper()}; choose a {job.format.value.upper()} printer"
            )
        if not job.data:
            raise ValueError("refusing to spool an empty print job")
        if job.copies < 1:
            raise ValueError("copies must be at least 1")
        try:
            path = self._write(job)
        except OSError as exc:
            raise DeviceError(
                f"printer {self.name!r} could not write to {self.directory}: {exc.strerror or exc}"
            ) from exc
        return PrintResult(job_name=job.name, location=str(path))

    def health(self) -> PrinterHealth:
        if self.offline:
            return PrinterHealth.OFFLINE
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            return PrinterHealth.ERROR
        if not os.access(self.directory, os.W_OK | os.X_OK):
            return PrinterHealth.ERROR
        return PrinterHealth.READY

    def list_jobs(self) -> list[Path]:
        """Spooled job files, newest first (by the timestamp in the name, then by write order)."""
        if not self.directory.is_dir():
            return []
        jobs: list[tuple[str, int, str, Path]] = []
        for entry in os.scandir(self.directory):
            path = Path(entry.path)
            if entry.name.startswith(".") or path.suffix.lstrip(".") not in {f.value for f in LabelFormat}:
                continue
            if not entry.is_file():
                continue
            st = entry.stat()
            if st.st_size == 0:
                continue  # a name reserved by a write still in progress
            stamp = m.group(1) if (m := _TIMESTAMP.match(entry.name)) else ""
            jobs.append((stamp, st.st_mtime_ns, entry.name, path))
        jobs.sort(reverse=True)
        return [job[3] for job in jobs]

    # -- internals -----------------------------------------------------------------------------

    def _write(self, job: PrintJob) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = self._clock.now()
        stamp = now.strftime("%Y%m%dT%H%M%S") + f".{now.microsecond // 1000:03d}Z"
        stem = f"{stamp}-{safe_job_name(job.name)}"
        ext = job.format.value
        fd, tmp_name = tempfile.mkstemp(dir=self.directory, prefix=_TMP_PREFIX, suffix=".tmp")
        tmp = Path(tmp_name)
        final: Path | None = None
        try:
            with os.fdopen(fd, "wb") as fh:
                if hasattr(os, "fchmod"):
                    os.fchmod(fh.fileno(), 0o644)  # mkstemp's 0600 would hide jobs from a print daemon
                fh.write(job.data)
                fh.flush()
                os.fsync(fh.fileno())
            final = self._reserve(stem, ext)
            # The reservation is ours (O_EXCL), so replacing it cannot clobber anyone's job.
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            if final is not None:
                with contextlib.suppress(OSError):
                    if final.stat().st_size == 0:
                        final.unlink()  # drop our empty reservation, never a finished job
            raise
        _fsync_dir(self.directory)
        return final

    def _reserve(self, stem: str, ext: str) -> Path:
        """Create an empty placeholder under the first free name: atomic against other writers."""
        counter = 1
        while True:
            suffix = "" if counter == 1 else f"-{counter}"
            candidate = self.directory / f"{stem}{suffix}.{ext}"
            try:
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            except FileExistsError:
                counter += 1
                continue
            return candidate


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open directories, and needs no fsync."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
