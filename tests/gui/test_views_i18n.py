"""The views in another language: headers, labels, enum values and plurals come from the catalogs
(resources/i18n/<language>/views.po) when the language is chosen before the window is built."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QFormLayout, QLabel
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType, OrderStatus, ShipmentStatus
from shipstation_desktop.domain.inventory import AlertLevel
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services import packing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui import enum_labels, i18n
from shipstation_desktop.ui import formatting as fmt
from shipstation_desktop.ui.app import build_main_window
from shipstation_desktop.ui.exceptions_view import tab_title
from shipstation_desktop.ui.jobs_dialog import JobsDialog
from shipstation_desktop.ui.main_window import MainWindow

from .helpers import READY_ORDER, wait_idle

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000


def _header(model: QAbstractItemModel, column: int) -> str:
    text = model.headerData(column, Qt.Orientation.Horizontal)
    assert isinstance(text, str)
    return text


@pytest.fixture
def language() -> Iterator[None]:
    """Tests switch the GUI language themselves; English comes back whatever happens."""
    try:
        yield
    finally:
        i18n.set_language("en")


def _window_in(code: str, bench: Bench, qtbot: QtBot) -> MainWindow:
    i18n.set_language(code)  # before building: widgets take their texts when made
    w = build_main_window(bench)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def spanish(language: None, bench: Bench, qtbot: QtBot) -> Iterator[MainWindow]:
    w = _window_in("es", bench, qtbot)
    yield w
    w.close()
    w.shutdown()


@pytest.fixture
def russian(language: None, bench: Bench, qtbot: QtBot) -> Iterator[MainWindow]:
    w = _window_in("ru", bench, qtbot)
    yield w
    w.close()
    w.shutdown()


def test_shipments_view_in_spanish(spanish: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    wait_idle(qtbot, spanish)
    tracking = packing.ship(bench, READY_ORDER, weight=Weight.of(640, "g")).shipment.tracking_number
    view = spanish.shipments_view
    spanish.tabs.setCurrentWidget(view)
    assert [_header(view.model, c) for c in (0, 1, 5)] == ["Creado", "Pedido", "Estado"]
    assert view.search_edit.placeholderText() == "Buscar número de seguimiento o de pedido"
    assert view.status_combo.itemText(0) == "Todos los estados"
    assert view.status_combo.itemText(view.status_combo.findData(ShipmentStatus.IN_TRANSIT.value)) == "En tránsito"
    assert view.reprint_button.text() == "Reimprimir"

    view.search_edit.setText(tracking)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert view.model.index(0, 5).data() == "Etiqueta creada"
    assert view.count_label.text() == "1 envío"
    wait_idle(qtbot, spanish)  # the purchase's change notification may reload the list once more
    record = view.model.record(0)
    assert record is not None
    view.load_detail(record.id)  # what selecting the row does (selection itself: tests/gui/test_views.py)
    qtbot.waitUntil(lambda: view.current is not None, timeout=TIMEOUT_MS)
    assert view.fields["Status"].text() == "Etiqueta creada"  # fields stay keyed by the English name
    box = view.fields["Order"].parentWidget()
    assert box is not None
    form = box.findChild(QFormLayout)
    assert isinstance(form, QFormLayout)
    caption = form.labelForField(view.fields["Order"])
    assert isinstance(caption, QLabel) and caption.text() == "Pedido:"


def test_exceptions_and_inventory_in_spanish(spanish: MainWindow, qtbot: QtBot) -> None:
    view = spanish.exceptions_view
    spanish.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=TIMEOUT_MS)
    assert [_header(view.model, c) for c in (0, 1, 2)] == ["Gravedad", "Antigüedad", "Tipo"]
    assert view.resolve_button.text() == "Resolver…"
    assert view.severity_combo.itemText(view.severity_combo.findData(ExceptionSeverity.HIGH.value)) == "Alto"
    assert view.model.index(0, 0).data() in {"BAJO", "MEDIO", "ALTO", "CRÍTICO"}
    assert re.fullmatch(r"\d+ mostradas, \d+ abiertas", view.count_label.text())
    assert tab_title({ExceptionSeverity.LOW: 2}) == "Incidencias (2)"

    stock = spanish.inventory_view
    spanish.tabs.setCurrentWidget(stock)
    qtbot.waitUntil(lambda: stock.model.rowCount() >= 10, timeout=TIMEOUT_MS)
    assert [_header(stock.model, c) for c in (2, 5)] == ["Disponible", "Estado"]
    low = next(r for r, item in enumerate(stock.model.rows()) if item.level is AlertLevel.LOW)
    assert stock.model.index(low, 5).data() == "Bajo"
    assert stock.low_only.text() == "Solo stock bajo"


def test_analytics_and_jobs_in_russian(russian: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = russian.analytics_view
    with qtbot.waitSignal(view.loaded, timeout=TIMEOUT_MS):
        russian.tabs.setCurrentWidget(view)
    headers = [item.text() for c in range(3) if (item := view.carrier_table.horizontalHeaderItem(c)) is not None]
    assert headers == ["Перевозчик", "Услуга", "Отправлено"]
    assert view.preset.itemText(1) == "Последние 7 дней"
    assert view.jobs_label.text().startswith("Очередь заданий:")
    assert view.sync_label.text() == "Синхронизация: центр не настроен"

    jobs = JobsDialog(bench, russian.runner, russian)
    qtbot.addWidget(jobs)
    assert jobs.windowTitle() == "Фоновые задания"
    assert jobs.cleanup_button.text() == "Удалить завершённые задания старше 7 дней"
    assert jobs.table.headerItem().text(1) == "Состояние"
    wait_idle(qtbot, russian)


def test_russian_plurals_take_the_form_the_number_needs(language: None) -> None:
    i18n.set_language("ru")
    shipments = [i18n.ngettext("{count} shipment", "{count} shipments", n).format(count=n) for n in (1, 2, 5, 21)]
    assert shipments == ["1 отправление", "2 отправления", "5 отправлений", "21 отправление"]
    notes = [i18n.ngettext("{count} notification", "{count} notifications", n).format(count=n) for n in (1, 2, 5)]
    assert notes == ["1 уведомление", "2 уведомления", "5 уведомлений"]


def test_english_labels_read_as_before_and_every_value_is_translated(language: None) -> None:
    """The label tables cover every enum value, say in English what the views showed before them, and
    each has a Russian translation."""
    tables: list[tuple[dict[Any, str], type[Enum]]] = [
        (enum_labels.SHIPMENT_STATUS, ShipmentStatus),
        (enum_labels.ORDER_STATUS, OrderStatus),
        (enum_labels.SEVERITY, ExceptionSeverity),
        (enum_labels.EXCEPTION_TYPE, ExceptionType),
    ]
    for table, enum in tables:
        assert set(table) == set(enum)
        assert all(table[member] == fmt.title(member.value) for member in enum)
    i18n.set_language("ru")
    untranslated = [text for table, _enum in tables for text in table.values() if i18n._(text) == text]
    assert untranslated == []
