"""Zero and Tare for the bench's scale, shown only for what the scale's protocol can do.

The buttons only queue the command on the scale worker (the one thread that talks to the port) and
show its outcome when `command_done` comes back, so a slow or absent scale never freezes the bench.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from shipstation_desktop.devices.scale_port import ScalePort

from . import style
from .i18n import N_, _
from .scale_worker import ScaleCommand, ScaleWorker

_DOING = {"zero": N_("Zeroing the scale…"), "tare": N_("Taring…")}
_DONE = {"zero": N_("Scale zeroed."), "tare": N_("Tare set: the scale now shows what is added.")}


class ScaleControls(QWidget):
    def __init__(self, scale: ScalePort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scaleControls")
        self._worker: ScaleWorker | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.zero_button = QPushButton(_("Zero"))
        self.zero_button.setObjectName("zeroButton")
        self.zero_button.setToolTip(_("Set the empty platter as zero (the platter must be empty and still)"))
        self.zero_button.clicked.connect(lambda: self.send("zero"))
        self.tare_button = QPushButton(_("Tare"))
        self.tare_button.setObjectName("tareButton")
        self.tare_button.setToolTip(_("Subtract what is on the platter now (e.g. an empty box)"))
        self.tare_button.clicked.connect(lambda: self.send("tare"))
        self.result_label = QLabel()
        self.result_label.setObjectName("scaleCommandResult")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.zero_button)
        layout.addWidget(self.tare_button)
        layout.addWidget(self.result_label, 1)
        self.zero_button.setVisible(scale.supports_zero)
        self.tare_button.setVisible(scale.supports_tare)
        self.setVisible(scale.supports_zero or scale.supports_tare)

    def attach(self, worker: ScaleWorker) -> None:
        self._worker = worker
        worker.command_done.connect(self._on_done)

    def send(self, what: ScaleCommand) -> None:
        if self._worker is None:
            return
        self._set_busy(True)
        self._say(_(_DOING[what]), style.MUTED)
        self._worker.command(what)

    @Slot(str, str)
    def _on_done(self, what: str, error: str) -> None:
        self._set_busy(False)
        if error:
            self._say(error[:1].upper() + error[1:], style.BAD)
        else:
            self._say(_(_DONE[what]) if what in _DONE else _("Done."), style.GOOD)

    def _set_busy(self, busy: bool) -> None:
        self.zero_button.setEnabled(not busy)
        self.tare_button.setEnabled(not busy)

    def _say(self, text: str, colour: str) -> None:
        self.result_label.setText(text)
        style.set_text_color(self.result_label, colour)
