"""The printer port: a document in the printer's language goes in, a job result comes out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from shipstation_desktop.domain.enums import LabelFormat


class PrinterHealth(StrEnum):
    READY = "ready"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    HEAD_OPEN = "head_open"
    PAUSED = "paused"
    ERROR = "error"


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


class PrinterPort(Protocol):
    name: str
    format: LabelFormat  # the language this printer speaks
    dpi: int

    def print_job(self, job: PrintJob) -> PrintResult:
        """Send one job. Raises DeviceError with a clear reason when the printer cannot take it."""
        ...

    def health(self) -> PrinterHealth: ...
