"""The printer port: a document in the printer's language goes in, a job result comes out."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError


class PrinterHealth(StrEnum):
    READY = "ready"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    HEAD_OPEN = "head_open"
    RIBBON_OUT = "ribbon_out"
    PAUSED = "paused"
    BUFFER_FULL = "buffer_full"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What a printer says about itself: the health that decides, the reason to show, the raw flags."""

    health: PrinterHealth
    reason: str = ""  # one line for the packer, e.g. "paper out; load labels and press FEED"
    problems: tuple[str, ...] = ()  # every flag that is set, e.g. ("paper_out", "paused")
    details: dict[str, object] = field(default_factory=dict)  # printer-specific counters

    @property
    def ready(self) -> bool:
        return self.health is PrinterHealth.READY


@dataclass(frozen=True, slots=True)
class PrintJob:
    name: str  # e.g. the tracking number; used for the spool file name and the print log
    data: bytes
    format: LabelFormat
    copies: int = 1


@dataclass(frozen=True, slots=True)
class PrintResult:
    job_name: str
    location: str  # where the job went: a spool file path, "tcp://host:9100", a queue name
    note: str = ""  # sent, but worth saying: e.g. the printer ran out of paper right after


class PrinterNotReady(DeviceError):
    """The printer cannot take a job now (offline, paper out, paused, …) and nothing was sent.

    A job refused this way is safe to keep queued and send again later: it cannot have printed.
    """

    def __init__(self, message: str, status: PrinterStatus) -> None:
        super().__init__(message)
        self.status = status


class PrinterPort(Protocol):
    name: str
    format: LabelFormat  # the language this printer speaks
    dpi: int

    def print_job(self, job: PrintJob) -> PrintResult:
        """Send one job. Raises PrinterNotReady when nothing was sent, DeviceError otherwise."""
        ...

    def health(self) -> PrinterHealth: ...


def status_of(printer: PrinterPort) -> PrinterStatus:
    """The printer's full status where its adapter can tell one, else its health alone."""
    status = getattr(printer, "status", None)
    if callable(status):
        result = status()
        if isinstance(result, PrinterStatus):
            return result
    health = printer.health()
    if health is PrinterHealth.READY:
        return PrinterStatus(health)
    return PrinterStatus(health, str(getattr(printer, "reason", "") or health.value.replace("_", " ")))
