"""Export every customer as the native CSV (services/customer_csv.export_customers) with progress and
Cancel; a cancelled export leaves no file behind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.services import customer_csv, customer_list
from shipstation_desktop.services.bench import Bench

from . import style
from .i18n import _, ngettext
from .ops import Failure, Op, OpContext, OpHandle, OpRunner, Progress


class CustomerExportDialog(QDialog):
    exported = Signal(object, int)  # path, customers written

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerExportDialog")
        self.setWindowTitle(_("Export customers"))
        self.setMinimumWidth(560)
        self.bench = bench
        self.runner = runner
        self.handle: OpHandle | None = None

        layout = QVBoxLayout(self)
        intro = QLabel(_("Every customer in the native CSV layout; importing the file again changes nothing."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(str(Path.home() / f"customers-{date.today().isoformat()}.csv"))
        self.path_edit.setObjectName("exportPath")
        self.browse_button = QPushButton(_("Browse…"))
        self.browse_button.clicked.connect(self.browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setObjectName("exportProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.status_label = QLabel()
        self.status_label.setObjectName("exportStatus")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.export_button = QPushButton(_("Export"))
        self.export_button.setObjectName("startExport")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(lambda: self.start())
        self.cancel_button = QPushButton(_("Close"))
        self.cancel_button.clicked.connect(self._cancel_or_close)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)

    @Slot()
    def browse(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, _("Export customers"), self.path_edit.text(), _("CSV files (*.csv)")
        )
        if chosen:
            self.path_edit.setText(chosen)

    @property
    def running(self) -> bool:
        return self.handle is not None and not self.handle.finished

    def start(self, path: Path | None = None) -> None:
        if self.running:
            return
        if path is not None:
            self.path_edit.setText(str(path))
        text = self.path_edit.text().strip()
        if not text:
            self._say(_("Choose where to save the file first."), style.BAD)
            return
        target = Path(text)
        bench = self.bench

        def work(ctx: OpContext) -> int:
            total = customer_list.list_page(bench, page_size=1).total
            ctx.progress(_("Exporting…"), 0, total)
            return customer_csv.export_customers(
                bench,
                target,
                progress=lambda done: ctx.progress(_("Exporting…"), done, total),
                cancelled=lambda: ctx.cancelled,
            )

        self.progress.setRange(0, 0)
        self._say(_("Exporting to {path}…").format(path=target), style.MUTED)
        self._set_running(True)
        self.handle = self.runner.run(
            Op(
                work,
                label=_("Exporting customers…"),
                on_progress=self._progress,
                on_success=lambda count: self._done(target, count),
                on_failure=self._failed,
                on_cancelled=self._cancelled,
                on_done=lambda: self._set_running(False),
            )
        )

    def _set_running(self, running: bool) -> None:
        self.export_button.setEnabled(not running)
        self.browse_button.setEnabled(not running)
        self.path_edit.setEnabled(not running)
        self.cancel_button.setText(_("Cancel") if running else _("Close"))

    def _progress(self, progress: Progress) -> None:
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(min(progress.done or 0, progress.total))

    def _done(self, path: Path, count: int) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self._say(
            ngettext("{count} customer exported to {path}.", "{count} customers exported to {path}.", count).format(
                count=count, path=path
            ),
            style.GOOD,
        )
        self.exported.emit(path, count)

    def _cancelled(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._say(_("Export cancelled; no file was written."), style.WARN)

    def _failed(self, failure: Failure) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._say(failure.message, style.BAD)

    def _say(self, text: str, colour: str) -> None:
        self.status_label.setText(text)
        style.set_text_color(self.status_label, colour)

    @Slot()
    def _cancel_or_close(self) -> None:
        if self.running and self.handle is not None:
            self.handle.cancel()
            self._say(_("Cancelling…"), style.WARN)
        else:
            self.reject()

    def reject(self) -> None:
        if self.running and self.handle is not None:
            self.handle.cancel()
        super().reject()
