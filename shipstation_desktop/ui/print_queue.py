"""The print queue and the print log: what waits for a printer and why, what failed, what printed when.

Nothing here talks to a printer on the GUI thread: sending, retrying and the printer checks run as
ops. The dialog refreshes itself when the bench reports a "printing" change.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.services import printing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.printing import JobState, LogEntry, QueuedJob

from . import formatting as fmt
from . import style
from .device_labels import print_job_state
from .i18n import _, ngettext
from .ops import Failure, Op, OpRunner

OPEN_STATES = (JobState.QUEUED, JobState.FAILED, JobState.PRINTING)
LOG_ROWS = 500


class PrintQueueDialog(QDialog):
    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("printQueueDialog")
        self.setWindowTitle(_("Print queue and log"))
        self.resize(860, 520)
        self.bench = bench
        self.runner = runner
        self.jobs: list[QueuedJob] = []
        self.entries: list[LogEntry] = []
        self._note = ""

        layout = QVBoxLayout(self)
        self.message = QLabel()
        self.message.setObjectName("printQueueMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._queue_tab(), _("Waiting and failed"))
        self.tabs.addTab(self._log_tab(), _("Print log"))
        layout.addWidget(self.tabs, 1)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.refresh()

    def _queue_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.queue = QTreeWidget()
        self.queue.setObjectName("printQueue")
        self.queue.setRootIsDecorated(False)
        self.queue.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.queue.setHeaderLabels(
            [_("Queued"), _("Document"), _("For"), _("Printer"), _("State"), _("Tries"), _("Why")]
        )
        self.queue.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.queue.header().setStretchLastSection(True)
        self.queue.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.queue, 1)
        buttons = QHBoxLayout()
        self.send_button = QPushButton(_("Send waiting jobs now"))
        self.send_button.setToolTip(_("Ask the printers again and send what they can take"))
        self.send_button.clicked.connect(self.send_waiting)
        self.retry_button = QPushButton(_("Retry selected"))
        self.retry_button.clicked.connect(self.retry_selected)
        self.cancel_button = QPushButton(_("Cancel selected"))
        self.cancel_button.setToolTip(_("Take the selected jobs out of the queue; they will not print"))
        self.cancel_button.clicked.connect(self.cancel_selected)
        for button in (self.send_button, self.retry_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _log_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.log = QTreeWidget()
        self.log.setObjectName("printLog")
        self.log.setRootIsDecorated(False)
        self.log.setHeaderLabels([_("When"), _("Document"), _("Tracking"), _("Printer"), _("Result"), _("Where / why")])
        self.log.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.log.header().setStretchLastSection(True)
        layout.addWidget(self.log, 1)
        return page

    # -------------------------------------------------------------------------------- data

    @Slot()
    def refresh(self) -> None:
        bench = self.bench

        def load(_ctx: object) -> tuple[list[QueuedJob], list[LogEntry]]:
            return printing.list_jobs(bench, states=OPEN_STATES), printing.print_log(bench, limit=LOG_ROWS)

        self.runner.run(Op(load, label=_("Loading the print queue…"), on_success=self._show))

    def _show(self, data: tuple[list[QueuedJob], list[LogEntry]]) -> None:
        self.jobs, self.entries = data
        self.queue.clear()
        for job in self.jobs:
            item = QTreeWidgetItem(
                [
                    fmt.local_time(job.created_at),
                    job.document,
                    job.name,
                    job.printer or job.role.value,
                    print_job_state(job.state),
                    str(job.attempts),
                    job.last_error,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, job.id)
            item.setForeground(4, style.color(style.WARN if job.state is JobState.QUEUED else style.BAD))
            self.queue.addTopLevelItem(item)
        self.log.clear()
        for entry in self.entries:
            item = QTreeWidgetItem(
                [
                    fmt.local_time(entry.created_at),
                    entry.document,
                    entry.tracking_number,
                    entry.printer,
                    _("Printed") if entry.ok else _("Not printed"),
                    entry.location if entry.ok and not entry.error else (entry.error or entry.location),
                ]
            )
            item.setForeground(4, style.color(style.GOOD if entry.ok else style.BAD))
            self.log.addTopLevelItem(item)
        waiting = sum(1 for j in self.jobs if j.state is JobState.QUEUED)
        failed = len(self.jobs) - waiting
        if not self.jobs:
            self._say(_("Nothing is waiting: every document has printed."), style.GOOD)
        else:
            self._say(
                _(
                    "{waiting} waiting for a printer, {failed} failed. Waiting jobs print by themselves when the "
                    "printer is ready; failed ones need Retry (check first that they did not print)."
                ).format(waiting=waiting, failed=failed),
                style.WARN,
            )
        self._update_buttons()

    def _selected_ids(self) -> list[str]:
        return [str(item.data(0, Qt.ItemDataRole.UserRole)) for item in self.queue.selectedItems()]

    def _update_buttons(self) -> None:
        chosen = bool(self.queue.selectedItems())
        self.retry_button.setEnabled(chosen)
        self.cancel_button.setEnabled(chosen)
        self.send_button.setEnabled(any(j.state is JobState.QUEUED for j in self.jobs))

    def _say(self, text: str, colour: str) -> None:
        if self._note:
            text, self._note = f"{self._note} {text}", ""
        self.message.setText(text)
        style.set_text_color(self.message, colour)

    # -------------------------------------------------------------------------------- actions

    @Slot()
    def send_waiting(self) -> None:
        bench = self.bench
        self.runner.run(
            Op(
                lambda ctx: printing.drain(bench, cancelled=lambda: ctx.cancelled),
                label=_("Sending waiting print jobs…"),
                on_success=lambda attempts: self._after(
                    _("{done} of {total} sent.").format(done=sum(a.printed for a in attempts), total=len(attempts))
                ),
                on_failure=self._failed,
            )
        )

    @Slot()
    def retry_selected(self) -> None:
        ids, bench = self._selected_ids(), self.bench
        self.runner.run(
            Op(
                lambda _ctx: [printing.retry(bench, job_id) for job_id in ids],
                label=_("Retrying print jobs…"),
                on_success=lambda attempts: self._after(
                    _("{done} of {total} printed.").format(done=sum(a.printed for a in attempts), total=len(attempts))
                ),
                on_failure=self._failed,
            )
        )

    @Slot()
    def cancel_selected(self) -> None:
        ids, bench = self._selected_ids(), self.bench
        self.runner.run(
            Op(
                lambda _ctx: printing.cancel(bench, ids),
                label=_("Cancelling print jobs…"),
                on_success=lambda count: self._after(
                    ngettext("{count} job cancelled.", "{count} jobs cancelled.", count).format(count=count)
                ),
                on_failure=self._failed,
            )
        )

    def _after(self, text: str) -> None:
        self._note = text  # shown with the refreshed summary
        self.refresh()

    def _failed(self, failure: Failure) -> None:
        self._say(failure.message, style.BAD)
