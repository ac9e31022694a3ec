"""The first-start choice: try the demo bench, or set this bench up for real."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.services import demo
from shipstation_desktop.services.bench import Bench

from . import style
from .i18n import _
from .ops import Failure, Op, OpRunner


class FirstRunDialog(QDialog):
    demo_ready = Signal(object)  # demo.SeedResult
    setup_requested = Signal()

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunDialog")
        self.setWindowTitle(_("Welcome to ShipStation Desktop"))
        self.setMinimumWidth(520)
        self.bench = bench
        self.runner = runner
        layout = QVBoxLayout(self)
        title = QLabel(_("This is the first start of “{bench}”.").format(bench=bench.settings.bench_name))
        title.setFont(style.scaled_font(self, 1.3, bold=True))
        title.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(QLabel(_("How do you want to begin?")))

        self.demo_button = QCommandLinkButton(
            _("Start the demo bench"),
            _("Sample customers and orders, with a simulated scale, printer and carrier. Nothing is charged."),
        )
        self.demo_button.setObjectName("demoButton")
        self.demo_button.clicked.connect(self.start_demo)
        layout.addWidget(self.demo_button)
        self.setup_button = QCommandLinkButton(
            _("Set up this bench"),
            _("Choose the scale, the label printer, carrier accounts and the ship-from address."),
        )
        self.setup_button.setObjectName("setupButton")
        self.setup_button.clicked.connect(self.set_up)
        layout.addWidget(self.setup_button)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

    @Slot()
    def start_demo(self) -> None:
        self.demo_button.setEnabled(False)
        self.setup_button.setEnabled(False)
        self.progress.show()
        self.message.setText(_("Creating sample customers, orders and shipments…"))
        self.runner.run(
            Op(
                lambda _ctx: demo.seed(self.bench),
                label=_("Creating the demo bench…"),
                writes=True,
                on_success=self._seeded,
                on_failure=self._failed,
            )
        )

    def _seeded(self, result: demo.SeedResult) -> None:
        self.progress.hide()
        settings = self.bench.settings
        settings.demo_mode = True
        settings.first_run_done = True
        self.bench.save_settings()
        self.demo_ready.emit(result)
        self.accept()

    def _failed(self, failure: Failure) -> None:
        self.progress.hide()
        self.demo_button.setEnabled(True)
        self.setup_button.setEnabled(True)
        self.message.setText(_("The demo bench could not be created: {reason}").format(reason=failure.message))
        style.set_text_color(self.message, style.BAD)

    @Slot()
    def set_up(self) -> None:
        """Preferences decide the rest; the main window marks the first run done when they are saved."""
        self.setup_requested.emit()
        self.accept()
