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
from shipstation_desktop.sync.jobs import Job, JobState, JobStats

from .ops import Op, OpRunner

CLEANUP_DAYS = 7.0
FILTERS = (("Dead letters", JobState.DEAD), ("Waiting", JobState.PENDING), ("All", None))


class JobsDialog(QDialog):
    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobsDialog")
        self.setWindowTitle("Background jobs")
        self.resize(900, 480)
        self.bench = bench
        self.runner = runner
        self.jobs: list[Job] = []

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.filter = QComboBox()
        for text, _state in FILTERS:
            self.filter.addItem(text)
        self.filter.currentIndexChanged.connect(self.refresh)
        self.stats_label = QLabel()
        self.stats_label.setObjectName("jobStats")
        top.addWidget(self.filter)
        top.addWidget(self.stats_label, 1)
        layout.addLayout(top)

        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["Job", "State", "Priority", "Attempts", "Created", "Last error"])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.header().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.requeue_button = QPushButton("Requeue")
        self.requeue_button.setToolTip("Run the selected dead letter again with fresh attempts")
        self.requeue_button.clicked.connect(self.requeue_selected)
        self.cleanup_button = QPushButton(f"Clean up finished jobs older than {CLEANUP_DAYS:.0f} days")
        self.cleanup_button.clicked.connect(self.cleanup)
        close = QPushButton("Close")
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
                label="Reading the job queue…",
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
                    job.state.value.lower(),
                    job.priority.name.lower(),
                    f"{job.attempts}/{job.max_attempts}",
                    job.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                    job.last_error,
                ]
            )
            item.setToolTip(0, job.id)
            self.table.addTopLevelItem(item)
        s = stats.by_state
        text = f"{s['pending']} waiting · {s['running']} running · {s['dead']} dead · {s['done']} done"
        if stats.oldest_pending_age_s is not None:
            text += f" · oldest waiting {stats.oldest_pending_age_s:.0f} s"
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
                label="Requeueing…",
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
                label="Cleaning up jobs…",
                writes=True,
                on_success=lambda _n: self.refresh(),
            )
        )
