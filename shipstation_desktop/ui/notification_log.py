"""The customer notification log: what each customer was (or will be) told, on which channel, and why
a message failed. Sending is the job worker's business; a dead one is retried from Background jobs."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
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

from shipstation_desktop.domain.notifications import Channel, NotificationState
from shipstation_desktop.services import notifications as service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.notifications import NotificationView

from . import enum_labels
from .formatting import local_time
from .i18n import N_, _, ngettext
from .ops import Op, OpRunner

FILTERS: tuple[tuple[str, NotificationState | None], ...] = (
    (N_("All"), None),
    (N_("Waiting (quiet hours)"), NotificationState.DEFERRED),
    (N_("Failed, retrying"), NotificationState.FAILED),
    (N_("Dead (out of retries)"), NotificationState.DEAD),
    (N_("Sent"), NotificationState.SENT),
)
COLUMNS = (
    N_("Created"),
    N_("Order"),
    N_("Type"),
    N_("Channel"),
    N_("Recipient"),
    N_("State"),
    N_("Tries"),
    N_("Send after"),
    N_("Last error"),
)
# The log reads states and channels in lower case, as they are stored.
STATES: dict[NotificationState, str] = {
    NotificationState.PENDING: N_("pending"),
    NotificationState.DEFERRED: N_("deferred"),
    NotificationState.SENT: N_("sent"),
    NotificationState.DELIVERED: N_("delivered"),
    NotificationState.FAILED: N_("failed"),
    NotificationState.CLICKED: N_("clicked"),
    NotificationState.DEAD: N_("dead"),
}
CHANNELS: dict[Channel, str] = {Channel.EMAIL: N_("email"), Channel.SMS: N_("sms")}


class NotificationLogDialog(QDialog):
    refreshed = Signal(int)  # rows shown

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationLogDialog")
        self.setWindowTitle(_("Customer notifications"))
        self.resize(1100, 520)
        self.bench = bench
        self.runner = runner
        self.rows: list[NotificationView] = []

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.filter = QComboBox()
        for text, _state in FILTERS:
            self.filter.addItem(_(text))
        self.filter.currentIndexChanged.connect(self.refresh)
        self.count_label = QLabel()
        top.addWidget(self.filter)
        top.addWidget(self.count_label, 1)
        layout.addLayout(top)

        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels([_(title) for title in COLUMNS])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.header().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._show_selected)
        layout.addWidget(self.table, 2)
        self.detail = QLabel()
        self.detail.setObjectName("notificationDetail")
        self.detail.setWordWrap(True)
        layout.addWidget(self.detail, 1)

        row = QHBoxLayout()
        refresh = QPushButton(_("Refresh"))
        refresh.clicked.connect(self.refresh)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        row.addWidget(refresh)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        state = FILTERS[self.filter.currentIndex()][1]
        self.runner.run(
            Op(
                lambda _ctx: service.list_notifications(self.bench, state),
                label=_("Loading notifications…"),
                on_success=self._fill,
            )
        )

    def _fill(self, rows: list[NotificationView]) -> None:
        self.rows = rows
        self.table.clear()
        for n in rows:
            self.table.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        local_time(n.created_at),
                        n.order_number,
                        enum_labels.order_status(n.trigger).lower(),
                        _(CHANNELS[n.channel]),
                        n.recipient,
                        _(STATES[n.state]),
                        str(n.attempts),
                        local_time(n.send_after),
                        n.last_error,
                    ]
                )
            )
        self.count_label.setText(
            ngettext("{count} notification", "{count} notifications", len(rows)).format(count=len(rows))
        )
        self.detail.clear()
        self.refreshed.emit(len(rows))

    @Slot()
    def _show_selected(self) -> None:
        item = self.table.currentItem()
        index = -1 if item is None else self.table.indexOfTopLevelItem(item)
        if not 0 <= index < len(self.rows):
            self.detail.clear()
            return
        n = self.rows[index]
        text = f"{n.subject}\n\n{n.body}" if n.subject else n.body
        self.detail.setText(text or _("(rendered when it is sent)"))


def open_dialog(bench: Bench, runner: OpRunner, parent: QWidget) -> NotificationLogDialog:
    existing = parent.findChild(NotificationLogDialog, "notificationLogDialog")
    if existing is not None and existing.isVisible():
        existing.raise_()
        existing.refresh()
        return existing
    if existing is not None:
        existing.deleteLater()
    dialog = NotificationLogDialog(bench, runner, parent)
    dialog.open()
    return dialog
