"""Track any number: the carrier is guessed from the number as it is typed, a mismatch with the chosen
carrier is a warning (never a block: carriers issue numbers outside their documented formats), and
the carrier's answer is shown as a timeline. A number that belongs to a shipment of this bench also
updates that shipment."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.carriers.identify import check_for_carrier, identify
from shipstation_desktop.carriers.port import TrackingResult
from shipstation_desktop.services import tracking_poller
from shipstation_desktop.services.bench import Bench

from . import enum_labels, style
from . import formatting as fmt
from .i18n import _
from .ops import Failure, Op, OpRunner


class TrackDialog(QDialog):
    tracked = Signal(object)  # TrackingResult, on the GUI thread

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None, number: str = "") -> None:
        super().__init__(parent)
        self.bench = bench
        self.runner = runner
        self.setWindowTitle(_("Track a number"))
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.number = QLineEdit(number)
        self.number.setObjectName("trackNumber")
        self.number.setPlaceholderText(_("scan or type a tracking number"))
        form.addRow(_("Tracking number:"), self.number)
        self.carrier = QComboBox()
        self.carrier.setObjectName("trackCarrier")
        for code, port in sorted(bench.carriers.items()):
            self.carrier.addItem(port.name, code)
        form.addRow(_("Carrier:"), self.carrier)
        layout.addLayout(form)
        self.hint = QLabel()
        self.hint.setObjectName("trackHint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.summary = QLabel()
        self.summary.setObjectName("trackSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.timeline = QTreeWidget()
        self.timeline.setObjectName("trackTimeline")
        self.timeline.setRootIsDecorated(False)
        self.timeline.setHeaderLabels([_("When"), _("Status"), _("Event"), _("Location"), _("Code")])
        self.timeline.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.timeline, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.track_button: QPushButton = buttons.addButton(_("Track"), QDialogButtonBox.ButtonRole.ActionRole)
        self.track_button.setDefault(True)
        self.track_button.clicked.connect(self.track)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._user_chose = False
        self.carrier.activated.connect(self._chosen)
        self.number.textChanged.connect(self._number_changed)
        self._number_changed(number)

    @Slot()
    def _chosen(self) -> None:
        self._user_chose = True
        self._update_hint()

    @Slot(str)
    def _number_changed(self, text: str) -> None:
        found = identify(text)
        if found.carriers and not self._user_chose:
            # Preselect the first identified carrier this bench has; the packer can still change it.
            for code in found.carriers:
                index = self.carrier.findData(code)
                if index >= 0:
                    self.carrier.setCurrentIndex(index)
                    break
        self._update_hint()

    def _update_hint(self) -> None:
        text = self.number.text()
        self.track_button.setEnabled(bool(text.strip()) and self.carrier.count() > 0)
        if not text.strip():
            self.hint.setText("")
            return
        found = identify(text)
        warning = check_for_carrier(text, str(self.carrier.currentData()))
        if warning:
            self.hint.setText(_("Check: {warning}. You can still track it.").format(warning=warning))
            style.set_text_color(self.hint, style.WARN)
        elif found.carriers:
            self.hint.setText(_("Looks like a {carriers} number.").format(carriers=", ".join(found.carriers)))
            style.set_text_color(self.hint, style.INFO)
        else:
            self.hint.setText("")

    @Slot()
    def track(self) -> None:
        number, code = self.number.text().strip(), str(self.carrier.currentData())
        self.track_button.setEnabled(False)
        self.summary.setText(_("Asking the carrier…"))
        style.set_text_color(self.summary, style.INFO)
        self.runner.run(
            Op(
                lambda _ctx: tracking_poller.track_now(self.bench, code, number),
                label=_("Tracking…"),
                writes=True,  # a shipment of this bench gets the news
                on_success=self._show,
                on_failure=self._failed,
                on_done=lambda: self.track_button.setEnabled(True),
            )
        )

    def _show(self, result: TrackingResult) -> None:
        parts = [f"{result.tracking_number}: {enum_labels.shipment_status(result.status)}"]
        if result.estimated_delivery:
            parts.append(_("expected {when}").format(when=fmt.local_time(result.estimated_delivery)))
        if result.delivered_at:
            parts.append(_("delivered {when}").format(when=fmt.local_time(result.delivered_at)))
        if result.signed_by:
            parts.append(_("signed by {name}").format(name=result.signed_by))
        self.summary.setText(" — ".join(parts))
        style.set_text_color(self.summary, style.SHIPMENT_STATUS[result.status])
        self.timeline.clear()
        for event in result.events:
            item = QTreeWidgetItem(
                [
                    fmt.local_time(event.time),
                    enum_labels.shipment_status(event.status),
                    event.description,
                    event.location,
                    event.code,
                ]
            )
            item.setForeground(1, style.color(style.SHIPMENT_STATUS[event.status]))
            self.timeline.addTopLevelItem(item)
        self.tracked.emit(result)

    def _failed(self, failure: Failure) -> None:
        self.summary.setText(failure.message)
        style.set_text_color(self.summary, style.BAD)
