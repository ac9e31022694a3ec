"""A customer's analytics tab: lifetime value (actual and predicted), average order value, purchase
frequency, recency and churn risk with its reason (services/customer_analytics.customer_metrics;
the model is explained in domain/customer_analytics.py), and a chart of the value figures."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from shipstation_desktop.domain import customer_analytics as ca
from shipstation_desktop.services import customer_analytics
from shipstation_desktop.services.bench import Bench

from . import formatting as fmt
from . import style
from .bar_chart import Bar, BarChart
from .i18n import N_, _, ngettext
from .ops import Failure, Op, OpRunner

RISK: dict[ca.ChurnRisk, tuple[str, str, str]] = {  # name, text colour, background
    ca.ChurnRisk.LOW: (N_("Low"), style.GOOD, style.GOOD_BG),
    ca.ChurnRisk.MEDIUM: (N_("Medium"), style.WARN, style.WARN_BG),
    ca.ChurnRisk.HIGH: (N_("High"), style.BAD, style.BAD_BG),
}


def money(value: Decimal, currency: str = "") -> str:
    return f"{value:,.2f} {currency}".strip()


def days(value: float | int | None) -> str:
    if value is None:
        return "—"
    n = round(value)
    return ngettext("{n} day", "{n} days", n).format(n=n)


class CustomerAnalyticsPanel(QWidget):
    loaded = Signal()

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerAnalytics")
        self.bench = bench
        self.runner = runner
        self.customer_id: str | None = None
        self.metrics: ca.CustomerMetrics | None = None
        self._seq = 0

        layout = QVBoxLayout(self)
        box = QGroupBox(_("Value and loyalty"))
        form = QFormLayout(box)
        self.values: dict[str, QLabel] = {}
        rows = (
            ("ltv_actual", _("Lifetime value (actual):")),
            ("ltv_predicted", _("Lifetime value (predicted, 3 years):")),
            ("aov", _("Average order value:")),
            ("orders", _("Orders:")),
            ("frequency", _("Orders every:")),
            ("per_year", _("Orders per year:")),
            ("recency", _("Last order:")),
            ("churn", _("Churn risk:")),
            ("churn_reason", _("Why:")),
        )
        for key, title in rows:
            label = QLabel("—")
            label.setObjectName(f"metric_{key}")
            label.setWordWrap(True)
            self.values[key] = label
            form.addRow(title, label)
        # The churn pill hugs its word instead of stretching over the row.
        self.values["churn"].setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.values["churn"].setWordWrap(False)
        layout.addWidget(box)
        self.chart = BarChart(_("Lifetime value"))
        self.chart.setObjectName("valueChart")
        layout.addWidget(self.chart)
        self.message = QLabel()
        self.message.setObjectName("analyticsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def load(self, customer_id: str) -> None:
        self.customer_id = customer_id
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
                lambda _ctx: customer_analytics.customer_analytics(bench, customer_id),
                label=_("Reading customer analytics…"),
                on_success=lambda metrics: self._show(seq, metrics),
                on_failure=self._failed,
            )
        )

    def _failed(self, failure: Failure) -> None:
        self.message.setText(failure.message)
        style.set_text_color(self.message, style.BAD)

    def _show(self, seq: int, found: customer_analytics.CustomerAnalytics) -> None:
        if seq != self._seq:
            return
        self.metrics = m = found.metrics
        v = self.values
        v["ltv_actual"].setText(money(m.ltv_actual, found.currency))
        v["ltv_predicted"].setText(money(m.ltv_predicted, found.currency))
        v["aov"].setText(money(m.aov, found.currency))
        v["orders"].setText(str(m.order_count))
        v["frequency"].setText(days(m.frequency_days))
        v["per_year"].setText("—" if m.purchases_per_year is None else f"{m.purchases_per_year:.1f}")
        if m.recency_days is None:
            v["recency"].setText(_("never"))
        else:
            v["recency"].setText(
                _("{days} ago ({when})").format(days=days(m.recency_days), when=fmt.local_time(m.last_order))
            )
        if m.churn_risk is None:
            v["churn"].setText("—")
            v["churn"].setStyleSheet("")
        else:
            name, fg, bg = RISK[m.churn_risk]
            v["churn"].setText(_(name))
            style.pill(v["churn"], fg, bg)
        v["churn_reason"].setText(m.churn_reason)
        self.chart.set_bars(
            [
                Bar(_("Actual"), float(m.ltv_actual), style.GOOD),
                Bar(_("Predicted"), float(m.ltv_predicted), style.INFO),
                Bar(_("Average order"), float(m.aov), style.MUTED),
            ]
        )
        self.message.clear()
        self.loaded.emit()
