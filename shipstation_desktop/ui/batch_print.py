"""Batch printing: labels of many shipments with progress and cancel, an error list, "retry failed only".

The batch runs through the ops runner on a reader thread (not the single writer: a long batch must
not hold up the next label purchase); the queue's claim step keeps two workers from sending a job
twice. Cancel takes effect between labels; what was not sent is cancelled, never printed later.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.services import printing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.printing import BatchOutcome, JobState

from . import style
from .i18n import N_, _, ngettext
from .ops import Failure, Op, OpContext, OpHandle, OpRunner, Progress

STATE_TEXT = {  # marked here, translated where shown
    JobState.FAILED: N_("Failed"),
    JobState.QUEUED: N_("Waiting for the printer"),
    JobState.CANCELLED: N_("Cancelled"),
    JobState.PRINTING: N_("Interrupted"),
}


class BatchPrintDialog(QDialog):
    finished_batch = Signal(object)  # BatchOutcome after each run

    def __init__(self, bench: Bench, runner: OpRunner, shipment_ids: Sequence[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("batchPrintDialog")
        count = len(shipment_ids)
        self.setWindowTitle(ngettext("Print {count} label", "Print {count} labels", count).format(count=count))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(620, 420)
        self.bench = bench
        self.runner = runner
        self.shipment_ids = list(shipment_ids)
        self.batch_id: str | None = None
        self.outcome: BatchOutcome | None = None
        self.handle: OpHandle | None = None

        layout = QVBoxLayout(self)
        self.status_label = QLabel(_("Queuing the labels…"))
        self.status_label.setObjectName("batchStatus")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, max(1, len(self.shipment_ids)))
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        layout.addWidget(QLabel(_("Labels that did not print:")))
        self.errors = QTreeWidget()
        self.errors.setObjectName("batchErrors")
        self.errors.setRootIsDecorated(False)
        self.errors.setHeaderLabels([_("Tracking"), _("State"), _("Why")])
        self.errors.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.errors.header().setStretchLastSection(True)
        layout.addWidget(self.errors, 1)

        self.buttons = QDialogButtonBox()
        self.cancel_button = QPushButton(_("Cancel printing"))
        self.cancel_button.clicked.connect(self.cancel)
        self.retry_button = QPushButton(_("Retry failed only"))
        self.retry_button.setToolTip(_("Print again only the labels that did not print; printed ones are not repeated"))
        self.retry_button.clicked.connect(self.retry_failed)
        self.close_button = QPushButton(_("Close"))
        self.close_button.clicked.connect(self.accept)
        for button in (self.cancel_button, self.retry_button, self.close_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(self.buttons)
        self._set_running(True)

    # -------------------------------------------------------------------------------- running

    def start(self) -> None:
        bench, ids = self.bench, self.shipment_ids

        def work(ctx: OpContext) -> BatchOutcome:
            batch_id = printing.start_batch(bench, ids)
            self.batch_id = batch_id  # read on the GUI thread only after this op reports
            return printing.run_batch(
                bench,
                batch_id,
                progress=lambda done, total, text: ctx.progress(text, done, total),
                cancelled=lambda: ctx.cancelled,
            )

        self._run(work, _("Printing labels…"))

    def retry_failed(self) -> None:
        if self.batch_id is None:
            return
        bench, batch_id = self.bench, self.batch_id
        self.errors.clear()

        def work(ctx: OpContext) -> BatchOutcome:
            return printing.retry_failed(
                bench,
                batch_id,
                progress=lambda done, total, text: ctx.progress(text, done, total),
                cancelled=lambda: ctx.cancelled,
            )

        self._run(work, _("Printing the labels that failed…"))

    def cancel(self) -> None:
        if self.handle is not None and not self.handle.finished:
            self.handle.cancel()
            self.status_label.setText(_("Cancelling after the current label…"))
            self.cancel_button.setEnabled(False)

    def _run(self, work: Callable[[OpContext], BatchOutcome], label: str) -> None:
        self._set_running(True)
        self.handle = self.runner.run(
            Op(
                work,
                label=label,
                on_success=self._done,
                on_failure=self._failed,
                on_progress=self._progressed,
            )
        )

    def _progressed(self, progress: Progress) -> None:
        if progress.total:
            self.progress.setRange(0, progress.total)
        if progress.done is not None:
            self.progress.setValue(progress.done)
        self.status_label.setText(progress.text)

    def _done(self, outcome: BatchOutcome) -> None:
        self.outcome = outcome
        self.batch_id = outcome.batch_id
        self._set_running(False)
        self.progress.setRange(0, max(1, len(outcome.jobs)))
        self.progress.setValue(len(outcome.printed))
        self.errors.clear()
        for job in outcome.unprinted:
            state = _(STATE_TEXT[job.state]) if job.state in STATE_TEXT else job.state.value
            item = QTreeWidgetItem([job.name, state, job.last_error])
            item.setForeground(1, style.color(style.WARN if job.state is JobState.QUEUED else style.BAD))
            self.errors.addTopLevelItem(item)
        printed, total = len(outcome.printed), len(outcome.jobs)
        parts = [
            ngettext("{printed} of {total} label printed.", "{printed} of {total} labels printed.", total).format(
                printed=printed, total=total
            )
        ]
        if waiting := len(outcome.waiting):
            parts.append(
                ngettext(
                    "{count} waits for the printer and prints when it is ready.",
                    "{count} wait for the printer and print when it is ready.",
                    waiting,
                ).format(count=waiting)
            )
        if failed := len(outcome.failed):
            parts.append(_("{count} failed: fix the cause, then Retry failed only.").format(count=failed))
        if cancelled := len(outcome.cancelled):
            parts.append(_("{count} cancelled.").format(count=cancelled))
        text = " ".join(parts)
        self.status_label.setText(text)
        style.set_text_color(self.status_label, style.GOOD if printed == total else style.WARN)
        self.retry_button.setEnabled(bool(outcome.unprinted))
        self.finished_batch.emit(outcome)

    def _failed(self, failure: Failure) -> None:
        self._set_running(False)
        self.status_label.setText(failure.message)
        style.set_text_color(self.status_label, style.BAD)
        self.retry_button.setEnabled(self.batch_id is not None)

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.retry_button.setEnabled(False)
        self.close_button.setEnabled(not running)

    def reject(self) -> None:
        if self.handle is not None and not self.handle.finished:
            self.cancel()  # Esc while printing means stop, not "leave it running unseen"
            return
        super().reject()
