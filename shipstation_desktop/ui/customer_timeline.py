"""A customer's timeline tab: orders, order status changes, shipments, notes, communications and
customer status changes, newest first (services/customers.timeline), each with its kind's symbol,
local time, title and detail; a kind filter narrows it."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import TimelineKind
from shipstation_desktop.services import customers
from shipstation_desktop.services.bench import Bench

from . import customer_labels as labels
from . import formatting as fmt
from . import style
from .i18n import _, ngettext
from .ops import Failure, Op, OpRunner

# Kinds whose detail is the customer's own words (sealed PII): hidden from those who may not see PII.
PRIVATE_KINDS = frozenset({TimelineKind.NOTE, TimelineKind.COMMUNICATION})


class CustomerTimeline(QWidget):
    loaded = Signal()

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerTimeline")
        self.bench = bench
        self.runner = runner
        self.customer_id: str | None = None
        self.show_private = True
        self.entries: list[dm.TimelineEntry] = []
        self._seq = 0

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("timelineKind")
        self.kind_combo.addItem(_("Everything"), None)
        for kind in TimelineKind:
            icon, name = labels.timeline_kind(kind)
            self.kind_combo.addItem(f"{icon} {name}", kind.value)
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._fill())
        bar.addWidget(self.kind_combo)
        bar.addStretch(1)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        layout.addLayout(bar)
        self.tree = QTreeWidget()
        self.tree.setObjectName("timelineList")
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([_("Kind"), _("When"), _("What"), _("Detail")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.tree.setColumnWidth(2, 320)
        layout.addWidget(self.tree, 1)

    def load(self, customer_id: str, *, show_private: bool = True) -> None:
        self.customer_id = customer_id
        self.show_private = show_private
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        if self.customer_id is None:
            return
        self._seq += 1
        seq = self._seq
        customer_id = self.customer_id
        bench = self.bench
        self.runner.run(
            Op(
                lambda _ctx: customers.timeline(bench, customer_id),
                label=_("Reading the timeline…"),
                on_success=lambda entries: self._show(seq, entries),
                on_failure=self._failed,
            )
        )

    def _failed(self, failure: Failure) -> None:
        self.count_label.setText(failure.message)
        style.set_text_color(self.count_label, style.BAD)

    def _show(self, seq: int, entries: list[dm.TimelineEntry]) -> None:
        if seq != self._seq:
            return
        self.entries = entries
        self._fill()
        self.loaded.emit()

    def visible_entries(self) -> list[dm.TimelineEntry]:
        wanted = self.kind_combo.currentData()
        return [e for e in self.entries if wanted is None or e.kind.value == wanted]

    def _fill(self) -> None:
        self.tree.clear()
        shown = self.visible_entries()
        for entry in shown:
            icon, name = labels.timeline_kind(entry.kind)
            private = entry.kind in PRIVATE_KINDS and not self.show_private
            detail = _("(hidden: personal data)") if private else entry.detail.replace("\n", " ⏎ ")
            # A communication's title carries its subject: the customer's words too.
            title = name if private and entry.kind is TimelineKind.COMMUNICATION else entry.title
            item = QTreeWidgetItem([f"{icon} {name}", fmt.local_time(entry.at), title, detail])
            item.setToolTip(2, title)
            item.setToolTip(3, "" if private else entry.detail)
            if entry.kind is TimelineKind.STATUS and "BLOCKED" in entry.title:
                item.setForeground(2, style.color(style.BAD))
            self.tree.addTopLevelItem(item)
        self.count_label.setText(ngettext("{n} entry", "{n} entries", len(shown)).format(n=len(shown)))
        style.set_text_color(self.count_label, style.MUTED)
