"""The bench's status bar: what is running, and the health of everything the bench depends on."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from shipstation_desktop.devices.printer_port import PrinterHealth
from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleReading
from shipstation_desktop.domain.enums import ExceptionSeverity
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services import printing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync.worker import WorkerState

from . import enum_labels, style
from . import formatting as fmt
from .device_labels import printer_health, scale_health
from .i18n import _, ngettext
from .ops import Op, OpRunner, Progress
from .sync_events import SyncEvents

PRINTER_POLL_MS = 15_000  # a printer's health is a device call: rare, and off the GUI thread
AGE_TICK_MS = 500
STALE_READING_S = 3.0


def sync_text(url: str) -> str:
    if not url.strip():
        return _("Sync: not configured")
    host = urlsplit(url).hostname or url
    return _("Sync: {host} (starting)").format(host=host)


class BenchStatusBar(QStatusBar):
    exceptions_clicked = Signal()

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bench = bench
        self.runner = runner
        self.scale_health = ScaleHealth.CONNECTED
        self.scale_reason = ""
        self._last_reading_at: float | None = None

        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate: most ops cannot tell how far they are
        self.busy_bar.setMaximumWidth(110)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.hide()
        self.busy_label = QLabel()
        self.busy_label.setObjectName("busyLabel")
        self.busy_label.hide()
        self.addWidget(self.busy_bar)
        self.addWidget(self.busy_label)

        self.scale_label = QLabel()
        self.scale_label.setObjectName("scaleStatus")
        self.printer_health = PrinterHealth.READY
        self.printer_reason = ""
        self.printer_label = QLabel(_("Printer: …"))
        self.printer_label.setObjectName("printerStatus")
        self.carriers_label = QLabel()
        self.carriers_label.setObjectName("carrierStatus")
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncStatus")
        self.exceptions_button = QPushButton(_("Exceptions: …"))
        self.exceptions_button.setObjectName("exceptionStatus")
        self.exceptions_button.setFlat(True)
        self.exceptions_button.setToolTip(_("Open the supervisor queue (Ctrl+3)"))
        self.exceptions_button.clicked.connect(self.exceptions_clicked)
        # Said plainly and kept in sight: customer data is sealed, but its key sits in a file.
        self.pii_key_label = QLabel(_("Customer-data key: no keyring"))
        self.pii_key_label.setObjectName("piiKeyStatus")
        self.pii_key_label.setToolTip(
            _(
                "No secure keyring: customer data is encrypted, but its key is kept in a file on this "
                "computer. Install and unlock a keyring, then run “shipstation-desktop customers "
                "rotate-key” to move the key into it."
            )
        )
        style.set_text_color(self.pii_key_label, style.WARN)
        self.pii_key_label.setVisible(bool(bench.pii_key_warning))
        for widget in (self.scale_label, self.printer_label, self.carriers_label, self.sync_label):
            self.addPermanentWidget(widget)
        self.addPermanentWidget(self.pii_key_label)
        self.addPermanentWidget(self.exceptions_button)

        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_TICK_MS)
        self._age_timer.timeout.connect(self._show_scale)
        self._age_timer.start()
        self._printer_timer = QTimer(self)
        self._printer_timer.setInterval(PRINTER_POLL_MS)
        self._printer_timer.timeout.connect(self.refresh_printer)
        self._printer_timer.start()
        self.show_settings()
        self._show_scale()

    def stop(self) -> None:
        self._age_timer.stop()
        self._printer_timer.stop()

    # -------------------------------------------------------------------------------- busy

    @Slot(bool, str)
    def on_busy(self, busy: bool, label: str) -> None:
        self.busy_bar.setVisible(busy)
        self.busy_label.setVisible(busy)
        self.busy_label.setText(label)

    @Slot(object)
    def on_progress(self, progress: Progress) -> None:
        self.busy_label.setText(progress.text)

    # -------------------------------------------------------------------------------- scale

    @Slot(object)
    def on_reading(self, _reading: ScaleReading) -> None:
        self._last_reading_at = time.monotonic()

    @Slot(object, str)
    def on_scale_health(self, health: ScaleHealth, reason: str) -> None:
        self.scale_health = health
        self.scale_reason = reason
        self._show_scale()

    def _show_scale(self) -> None:
        text = _("Scale: {state}").format(state=scale_health(self.scale_health))
        colour = style.SCALE_HEALTH[self.scale_health]
        if self._last_reading_at is not None:
            age = time.monotonic() - self._last_reading_at
            text += " · " + _("{seconds} s ago").format(seconds=fmt.number(age, 1))
            if age > STALE_READING_S and self.scale_health is ScaleHealth.CONNECTED:
                colour = style.WARN
        elif self.scale_health is ScaleHealth.CONNECTED:
            text += " · " + _("no reading yet")
        self.scale_label.setText(text)
        self.scale_label.setToolTip(self.scale_reason or self.bench.scale.name)
        style.set_text_color(self.scale_label, colour)

    # -------------------------------------------------------------------------------- printer

    @Slot()
    def refresh_printer(self) -> None:
        """Asks the printer (a device call: off the GUI thread) and sends what waited for it."""
        bench = self.bench
        self.runner.run(
            Op(lambda _ctx: printing.poll(bench), label=_("Checking the printer…"), on_success=self._show_printer)
        )

    @Slot()
    def refresh_queue(self) -> None:
        """After a print job changed: only the queue count, no printer round trip."""
        bench = self.bench
        self.runner.run(
            Op(
                lambda _ctx: printing.summary(bench),
                label=_("Reading the print queue…"),
                on_success=self._queue_changed,
            )
        )

    def _queue_changed(self, queue: printing.QueueSummary) -> None:
        self._show_queue(queue)
        if self.printer_health is not PrinterHealth.READY and not queue.queued:
            self.refresh_printer()  # the waiting jobs went out: the printer is likely back

    def _show_printer(self, poll: printing.PrinterPoll) -> None:
        self.printer_health = poll.status.health
        self.printer_reason = poll.status.reason
        self._show_queue(poll.queue)

    def _show_queue(self, queue: printing.QueueSummary) -> None:
        printer = self.bench.label_printer
        health = self.printer_health
        text = _("Printer: {state}").format(state=printer_health(health))
        if queue.queued:
            waiting = ngettext("{count} waiting", "{count} waiting", queue.queued)
            text += " · " + waiting.format(count=fmt.count(queue.queued))
        if queue.failed:
            text += " · " + ngettext("{count} failed", "{count} failed", queue.failed).format(
                count=fmt.count(queue.failed)
            )
        self.printer_label.setText(text)
        tip = f"{printer.name} ({printer.format.value.upper()}, {printer.dpi} dpi)"
        if self.printer_reason:
            tip += f"\n{self.printer_reason}"
        if queue.reason:
            tip += "\n" + _("Waiting because: {reason}").format(reason=queue.reason)
        self.printer_label.setToolTip(tip + "\n" + _("Bench > Print queue and log (Ctrl+L)"))
        colour = style.PRINTER_HEALTH[health]
        if health is PrinterHealth.READY and (queue.queued or queue.failed):
            colour = style.WARN
        style.set_text_color(self.printer_label, colour)

    # -------------------------------------------------------------------------------- settings

    def show_settings(self) -> None:
        settings = self.bench.settings
        names = []
        for account in settings.carriers:
            carrier = self.bench.carriers.get(account.code)
            if account.enabled and carrier is not None:
                names.append(_("{carrier} (sandbox)").format(carrier=carrier.name) if account.sandbox else carrier.name)
        self.carriers_label.setText(
            _("Carriers: {carriers}").format(carriers=", ".join(names)) if names else _("Carriers: none enabled")
        )
        style.set_text_color(self.carriers_label, "" if names else style.BAD)
        self.sync_label.setText(sync_text(settings.central.url))
        style.set_text_color(self.sync_label, style.MUTED)

    # -------------------------------------------------------------------------------- sync

    @Slot(object)
    def on_sync_state(self, state: WorkerState) -> None:
        """The worker's state, queued from its thread; the label is clickable for "Sync now"."""
        self.sync_label.setText(SyncEvents.describe(state))
        last = fmt.clock_time(state.last_sync) if state.last_sync else _("never")
        tip = _("Last sync: {last}. Pushed {pushed}, pulled {pulled}, rejected {rejected}.").format(
            last=last, pushed=state.pushed, pulled=state.pulled, rejected=state.rejected
        )
        if state.last_error:
            tip += "\n" + _("Last error: {error}").format(error=state.last_error)
        self.sync_label.setToolTip(tip)
        colour = style.MUTED if state.paused else (style.GOOD if state.online else style.WARN)
        style.set_text_color(self.sync_label, colour)

    # -------------------------------------------------------------------------------- exceptions

    @Slot()
    def refresh_exceptions(self) -> None:
        self.runner.run(
            Op(
                lambda _ctx: exc_service.open_counts(self.bench),
                label=_("Counting exceptions…"),
                on_success=self._show_exceptions,
            )
        )

    def _show_exceptions(self, counts: dict[ExceptionSeverity, int]) -> None:
        total = sum(counts.values())
        urgent = counts.get(ExceptionSeverity.HIGH, 0) + counts.get(ExceptionSeverity.CRITICAL, 0)
        label = ngettext("Exceptions: {count} open", "Exceptions: {count} open", total)
        self.exceptions_button.setText(label.format(count=fmt.count(total)))
        detail = ", ".join(f"{fmt.count(n)} {enum_labels.severity(s).lower()}" for s, n in counts.items() if n)
        self.exceptions_button.setToolTip(detail or _("No open exceptions"))
        colour = style.BAD if urgent else (style.WARN if total else style.GOOD)
        self.exceptions_button.setStyleSheet(f"QPushButton {{ color: {colour}; font-weight: bold; }}")

    def refresh(self) -> None:
        self.show_settings()
        self.refresh_printer()
        self.refresh_exceptions()
