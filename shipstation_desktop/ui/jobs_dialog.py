"""The job queue for a supervisor: what waits, what failed for good (dead letters) and why, with
"Requeue" for a dead letter, stats and a cleanup of old finished jobs. Reads and writes run as ops."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.services import jobs as job_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync.jobs import Job, JobState, JobStats, Priority

from .i18n import N_, _, ngettext
from .ops import Op, OpRunner

CLEANUP_DAYS = 7
FILTERS = ((N_("Dead letters"), JobState.DEAD), (N_("Waiting"), JobState.PENDING), (N_("All"), None))
# States and priorities read in lower case in the table (and in the Analytics tab's job line).
JOB_STATES = {"pending": N_("pending"), "running": N_("running"), "done": N_("done"), "dead": N_("dead")}
PRIORITIES = {
    Priority.URGENT: N_("urgent"),
    Priority.HIGH: N_("high"),
    Priority.MEDIUM: N_("medium"),
    Priority.LOW: N_("low"),
}


def job_state(code: str) -> str:
    """A job state (any case, as stored or as stats count it) in the GUI's language."""
    key = code.lower()
    return _(JOB_STATES[key]) if key in JOB_STATES else key


class JobsDialog(QDialog):
    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobsDialog")
        self.setWindowTitle(_("Background jobs"))
        self.resize(900, 480)
        self.bench = bench
        self.runner = runner
        self.jobs: list[Job] = []

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.filter = QComboBox()
        for text, _state in FILTERS:
            self.filter.addItem(_(text))
        self.filter.currentIndexChanged.connect(self.refresh)
        self.stats_label = QLabel()
        self.stats_label.setObjectName("jobStats")
        top.addWidget(self.filter)
        top.addWidget(self.stats_label, 1)
        layout.addLayout(top)

        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels([_("Job"), _("State"), _("Priority"), _("Attempts"), _("Created"), _("Last error")])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.header().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.requeue_button = QPushButton(_("Requeue"))
        self.requeue_button.setToolTip(_("Run the selected dead letter again with fresh attempts"))
        self.requeue_button.clicked.connect(self.requeue_selected)
        self.cleanup_button = QPushButton(
            ngettext(
                "Clean up finished jobs older than {days} day",
                "Clean up finished jobs older than {days} days",
                CLEANUP_DAYS,
            ).format(days=CLEANUP_DAYS)
        )
        self.cleanup_button.clicked.connect(self.cleanup)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        for widget in (self.requeue_button, self.cleanup_button):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self._update_buttons()
        self.refresh()

    def _state(self) -> JobState | None:
        return FILTERS[self.filter.currentIndex()][1]

    @Slot()
    def refresh(self) -> None:
        bench, state = self.bench, self._state()
        self.runner.run(
            Op(
                lambda _ctx: (job_service.list_jobs(bench, state), job_service.stats(bench)),
                label=_("Reading the job queue…"),
                on_success=self._show,
            )
        )

    def _show(self, result: tuple[list[Job], JobStats]) -> None:
        self.jobs, stats = result
        self.table.clear()
        for job in self.jobs:
            item = QTreeWidgetItem(
                [
                    job.name,
                    job_state(job.state.value),
                    _(PRIORITIES[job.priority]),
                    f"{job.attempts}/{job.max_attempts}",
                    job.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                    job.last_error,
                ]
            )
            item.setToolTip(0, job.id)
            self.table.addTopLevelItem(item)
        s = stats.by_state
        text = _("{pending} waiting · {running} running · {dead} dead · {done} done").format(
            pending=s["pending"], running=s["running"], dead=s["dead"], done=s["done"]
        )
        if stats.oldest_pending_age_s is not None:
            text += " · " + _("oldest waiting {seconds} s").format(seconds=f"{stats.oldest_pending_age_s:.0f}")
        self.stats_label.setText(text)
        self._update_buttons()

    def selected(self) -> Job | None:
        item = self.table.currentItem()
        index = self.table.indexOfTopLevelItem(item) if item is not None else -1
        return self.jobs[index] if 0 <= index < len(self.jobs) else None

    def _update_buttons(self) -> None:
        job = self.selected()
        self.requeue_button.setEnabled(job is not None and job.state is JobState.DEAD)

    @Slot()
    def requeue_selected(self) -> None:
        job = self.selected()
        if job is None:
            return
        bench = self.bench
        self.runner.run(
            Op(
                lambda _ctx: job_service.requeue(bench, job.id),
                label=_("Requeueing…"),
                writes=True,
                on_success=lambda _job: self.refresh(),
            )
        )

    @Slot()
    def cleanup(self) -> None:
        bench = self.bench
        self.runner.run(
            Op(
                lambda _ctx: job_service.cleanup(bench, CLEANUP_DAYS),
                label=_("Cleaning up jobs…"),
                writes=True,
                on_success=lambda _n: self.refresh(),
            )
        )
