"""A small horizontal bar chart drawn with QPainter (PySide6-Essentials ships no QtCharts)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import style
from .i18n import _

ROW_HEIGHT = 22
LABEL_WIDTH = 170
VALUE_WIDTH = 70


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float | None  # None: nothing to measure (drawn as "—", no bar)
    colour: str = style.INFO


class BarChart(QWidget):
    def __init__(self, title: str, unit: str = "", maximum: float | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.unit = unit
        self.maximum = maximum  # fixed scale (100 for percentages); None: the largest bar
        self.bars: list[Bar] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setMinimumHeight(self._height())

    def set_bars(self, bars: list[Bar]) -> None:
        self.bars = bars
        self.setMinimumHeight(self._height())
        self.updateGeometry()
        self.update()

    def _height(self) -> int:
        return ROW_HEIGHT * (max(1, len(self.bars)) + 1) + 8

    def sizeHint(self) -> QSize:
        return QSize(420, self._height())

    def scale_max(self) -> float:
        values = [b.value for b in self.bars if b.value is not None]
        return self.maximum or max(values, default=0.0) or 1.0

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            title_font = style.scaled_font(self, bold=True)
            p.setFont(title_font)
            p.setPen(style.color("#202020"))
            p.drawText(QRectF(0, 0, self.width(), ROW_HEIGHT), Qt.AlignmentFlag.AlignVCenter, self.title)
            p.setFont(self.font())
            if not self.bars:
                p.setPen(style.color(style.MUTED))
                p.drawText(QRectF(0, ROW_HEIGHT, self.width(), ROW_HEIGHT), Qt.AlignmentFlag.AlignVCenter, _("no data"))
                return
            top = float(ROW_HEIGHT)
            room = max(10.0, self.width() - LABEL_WIDTH - VALUE_WIDTH - 8)
            biggest = self.scale_max()
            for bar in self.bars:
                p.setPen(style.color("#202020"))
                left = QRectF(0, top, LABEL_WIDTH - 6, ROW_HEIGHT)
                p.drawText(left, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, bar.label)
                if bar.value is not None:
                    width = room * min(1.0, max(0.0, bar.value / biggest))
                    p.fillRect(QRectF(LABEL_WIDTH, top + 4, width, ROW_HEIGHT - 8), style.color(bar.colour))
                    text = f"{bar.value:g}{self.unit}"
                else:
                    text = "—"
                p.setPen(style.color(style.MUTED))
                right = QRectF(LABEL_WIDTH + room + 6, top, VALUE_WIDTH, ROW_HEIGHT)
                p.drawText(right, Qt.AlignmentFlag.AlignVCenter, text)
                top += ROW_HEIGHT
        finally:
            p.end()
