"""Cohort retention: customers grouped by the month of their first order, and the share of each
group ordering again 1, 2, … months later — a heat-map table and a bar chart of the cohort sizes.
The numbers are services/customer_analytics.cohort_table's; this panel only colours them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import customer_analytics as ca
from shipstation_desktop.services import customer_analytics
from shipstation_desktop.services.bench import Bench

from . import style
from .bar_chart import Bar, BarChart
from .i18n import _, ngettext
from .ops import Failure, Op, OpRunner

MONTH_CHOICES = (6, 12, 24)
HEAT = QColor(style.INFO)


def heat(share: float) -> tuple[QColor, QColor]:
    """(background, text) for a retention share: white at 0 %, the info blue at 100 %."""
    share = min(1.0, max(0.0, share))
    white = QColor("#ffffff")
    bg = QColor(
        round(white.red() + (HEAT.red() - white.red()) * share),
        round(white.green() + (HEAT.green() - white.green()) * share),
        round(white.blue() + (HEAT.blue() - white.blue()) * share),
    )
    return bg, QColor("#ffffff" if share > 0.5 else "#202020")


def percent(share: float) -> str:
    return f"{share * 100:.0f} %"


class CohortPanel(QWidget):
    loaded = Signal()

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cohortPanel")
        self.bench = bench
        self.runner = runner
        self.table_data: ca.CohortTable | None = None
        self._seq = 0
        self._live = False

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Cohorts of the last")))
        self.months_combo = QComboBox()
        self.months_combo.setObjectName("cohortMonths")
        for months in MONTH_CHOICES:
            self.months_combo.addItem(ngettext("{n} month", "{n} months", months).format(n=months), months)
        self.months_combo.setCurrentIndex(MONTH_CHOICES.index(12))
        self.months_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        bar.addWidget(self.months_combo)
        bar.addStretch(1)
        self.refresh_button = QPushButton(_("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        explain = QLabel(
            _(
                "Each row is the customers whose first order was in that month; each column the share of "
                "them who ordered again that many months later."
            )
        )
        explain.setWordWrap(True)
        style.set_text_color(explain, style.MUTED)
        layout.addWidget(explain)
        self.message = QLabel()
        self.message.setObjectName("cohortMessage")
        layout.addWidget(self.message)
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("cohortTable")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 2)
        self.chart = BarChart(_("Cohort size (new customers)"))
        self.chart.setObjectName("cohortSizes")
        layout.addWidget(self.chart, 1)

    def months(self) -> int:
        return int(self.months_combo.currentData())

    @Slot()
    def refresh(self) -> None:
        self._seq += 1
        seq = self._seq
        months = self.months()
        bench = self.bench
        self.message.setText(_("Reading…"))
        style.set_text_color(self.message, style.MUTED)
        self.runner.run(
            Op(
                lambda _ctx: customer_analytics.cohort_table(bench, months=months),
                label=_("Reading cohorts…"),
                on_success=lambda table: self._show(seq, table),
                on_failure=self._failed,
            )
        )

    def _failed(self, failure: Failure) -> None:
        self.message.setText(failure.message)
        style.set_text_color(self.message, style.BAD)

    def _show(self, seq: int, data: ca.CohortTable) -> None:
        if seq != self._seq:
            return
        self.table_data = data
        offsets = max((len(r.retention) for r in data.rows), default=1)
        headers = [_("Cohort"), _("Customers")] + [_("Month {n}").format(n=k) for k in range(offsets)]
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(data.rows))
        for r, row in enumerate(data.rows):
            self.table.setItem(r, 0, QTableWidgetItem(row.cohort))
            size = QTableWidgetItem(str(row.size))
            size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 1, size)
            for k, share in enumerate(row.retention):
                item = QTableWidgetItem(percent(share))
                bg, fg = heat(share)
                item.setBackground(QBrush(bg))
                item.setForeground(QBrush(fg))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                active = row.active[k] if k < len(row.active) else 0
                item.setToolTip(
                    ngettext(
                        "{active} of {size} customer ordered in month {k}",
                        "{active} of {size} customers ordered in month {k}",
                        row.size,
                    ).format(active=active, size=row.size, k=k)
                )
                self.table.setItem(r, 2 + k, item)
        self.chart.set_bars([Bar(row.cohort, float(row.size)) for row in data.rows])
        customers = sum(r.size for r in data.rows)
        self.message.setText(
            _("{customers}, {cohorts}.").format(
                customers=ngettext("{count} customer", "{count} customers", customers).format(count=customers),
                cohorts=ngettext("{n} cohort", "{n} cohorts", len(data.rows)).format(n=len(data.rows)),
            )
            if data.rows
            else _("No orders in this period yet.")
        )
        style.set_text_color(self.message, style.MUTED)
        self.loaded.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._live:
            self._live = True
            self.refresh()  # read on first sight only; Refresh re-reads
