"""What the GUI calls the states of the bench's devices and print jobs: marked with N_ here (so the
catalogs have them) and translated with _() when shown. The English texts are what the bench showed
before it spoke other languages ("No answer", "Paper out")."""

from __future__ import annotations

from shipstation_desktop.devices.printer_port import PrinterHealth
from shipstation_desktop.devices.scale_port import ScaleHealth
from shipstation_desktop.services.printing import JobState

from .i18n import N_, _

SCALE_HEALTH: dict[ScaleHealth, str] = {
    ScaleHealth.CONNECTED: N_("Connected"),
    ScaleHealth.NO_ANSWER: N_("No answer"),
    ScaleHealth.DISCONNECTED: N_("Disconnected"),
    ScaleHealth.ERROR: N_("Error"),
}

PRINTER_HEALTH: dict[PrinterHealth, str] = {
    PrinterHealth.READY: N_("Ready"),
    PrinterHealth.OFFLINE: N_("Offline"),
    PrinterHealth.PAPER_OUT: N_("Paper out"),
    PrinterHealth.HEAD_OPEN: N_("Head open"),
    PrinterHealth.RIBBON_OUT: N_("Ribbon out"),
    PrinterHealth.PAUSED: N_("Paused"),
    PrinterHealth.BUFFER_FULL: N_("Buffer full"),
    PrinterHealth.ERROR: N_("Error"),
}

PRINT_JOB_STATE: dict[JobState, str] = {
    JobState.QUEUED: N_("Queued"),
    JobState.PRINTING: N_("Printing"),
    JobState.PRINTED: N_("Printed"),
    JobState.FAILED: N_("Failed"),
    JobState.CANCELLED: N_("Cancelled"),
}


def scale_health(state: ScaleHealth) -> str:
    return _(SCALE_HEALTH[state])


def printer_health(state: PrinterHealth) -> str:
    return _(PRINTER_HEALTH[state])


def print_job_state(state: JobState) -> str:
    return _(PRINT_JOB_STATE[state])
