"""Customers: a searchable list (search as you type); editing arrives with the customer module."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.services import customers as customer_service
from shipstation_desktop.services.bench import Bench

from . import formatting as fmt
from . import style
from .ops import Op, OpRunner
from .table_model import Column, RecordTableModel

SEARCH_DELAY_MS = 200
MAX_ROWS = 1000  # enough for a bench; the search narrows it


def _city(c: dm.Customer) -> str:
    default = next((a for a in c.addresses if a.is_default), c.addresses[0] if c.addresses else None)
    return f"{default.city}, {default.country}" if default else ""


CUSTOMER_COLUMNS: list[Column[dm.Customer]] = [
    Column("Name", lambda c: c.name),
    Column("Email", lambda c: c.email),
    Column("Phone", lambda c: c.phone),
    Column("Status", lambda c: fmt.title(c.status.value), foreground=lambda c: style.CUSTOMER_STATUS[c.status]),
    Column("City", _city),
    Column("Orders", lambda c: str(c.order_count), align_right=True),
    Column("Total spent", lambda c: f"{c.total_spent:.2f}", align_right=True),
    Column("Last order", lambda c: fmt.local_time(c.last_order_date)),
    Column("Tags", lambda c: ", ".join(c.tags)),
]


class CustomersModel(RecordTableModel[dm.Customer]):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CUSTOMER_COLUMNS, parent)


class CustomersView(QWidget):
    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customersView")
        self.bench = bench
        self.runner = runner
        self._seq = 0
        root = QVBoxLayout(self)
        top = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("customerSearch")
        self.search_edit.setPlaceholderText("Search name, email, phone or external id")
        self.search_edit.setClearButtonEnabled(True)
        top.addWidget(self.search_edit, 1)
        self.count_label = QLabel()
        top.addWidget(self.count_label)
        root.addLayout(top)

        self.model = CustomersModel(self)
        self.table = QTableView()
        self.table.setObjectName("customersTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        root.addWidget(self.table, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(self._timer.start)

    @Slot()
    def refresh(self) -> None:
        self._timer.stop()
        self._seq += 1
        seq = self._seq
        term = self.search_edit.text()
        self.runner.run(
            Op(
                lambda _ctx: customer_service.list_customers(self.bench, search=term, limit=MAX_ROWS),
                label="Loading customers…",
                on_success=lambda rows: self._show(seq, rows),
            )
        )

    def _show(self, seq: int, rows: list[dm.Customer]) -> None:
        if seq != self._seq:
            return  # an older search answered after a newer one
        self.model.set_rows(rows)
        self.count_label.setText(f"{len(rows)} customer{'s' if len(rows) != 1 else ''}")
