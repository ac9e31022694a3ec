"""The notification template editor: opened from the menu, live preview with inline errors,
save to the bench, revert to the shipped text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.notifications import Channel
from shipstation_desktop.persistence.notification_tables import NotificationTemplate
from shipstation_desktop.services import notification_templates as templates
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.notification_templates import NotificationTemplatesDialog
from shipstation_desktop.ui.ops import OpRunner

pytestmark = pytest.mark.gui


@pytest.fixture
def editor(bench: Bench, qtbot: QtBot) -> Iterator[NotificationTemplatesDialog]:
    runner = OpRunner()
    dialog = NotificationTemplatesDialog(bench, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.current is not None)
    yield dialog
    runner.shutdown()


def _pick(qtbot: QtBot, dialog: NotificationTemplatesDialog, status: OrderStatus, channel: Channel, lang: str) -> None:
    with qtbot.waitSignal(dialog.loaded, timeout=5000):
        dialog.select(status, channel, lang)


def test_the_menu_opens_the_editor_on_the_shipped_text(window: MainWindow, qtbot: QtBot) -> None:
    window.act_notification_templates.trigger()
    dialog = window.findChild(NotificationTemplatesDialog, "notificationTemplatesDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.current is not None)
    _pick(qtbot, dialog, OrderStatus.SHIPPED, Channel.EMAIL, "ru")
    assert dialog.subject_edit.text() == "Заказ {{ order_number }} в пути"
    assert dialog.preview_view.toPlainText().startswith("Subject: Заказ SO-10042 в пути")
    assert "Shipped text" in dialog.source_label.text() and not dialog.revert_button.isEnabled()
    dialog.close()

    from shipstation_desktop.ui.notification_log import NotificationLogDialog

    window.act_notification_log.trigger()
    log_dialog = window.findChild(NotificationLogDialog, "notificationLogDialog")
    assert log_dialog is not None and log_dialog.isVisible()
    qtbot.waitUntil(lambda: log_dialog.count_label.text() == "0 notifications")  # notifications are off here
    log_dialog.close()


def test_typing_updates_the_preview_and_a_bad_variable_is_shown_inline(
    editor: NotificationTemplatesDialog, qtbot: QtBot
) -> None:
    _pick(qtbot, editor, OrderStatus.DELIVERED, Channel.EMAIL, "en")
    with qtbot.waitSignal(editor.preview_updated, check_params_cb=lambda ok, text: ok and "Hi Ana" in text):
        editor.body_edit.setPlainText("Hi {{ customer_name.split()[0] }}, {{ order_number }} is {{ status }}.")
    assert "Hi Ana, SO-10042 is delivered." in editor.preview_view.toPlainText()
    assert editor.error_label.isHidden() and editor.save_button.isEnabled()

    with qtbot.waitSignal(editor.preview_updated, check_params_cb=lambda ok, text: not ok):
        editor.body_edit.setPlainText("Hi {{ custmer_name }}")
    assert editor.error_label.isVisible()
    assert "uses {{ custmer_name }}, which is not a notification variable" in editor.error_label.text()
    assert not editor.save_button.isEnabled()  # a template that cannot render is never saved

    with qtbot.waitSignal(editor.preview_updated, check_params_cb=lambda ok, text: not ok):
        editor.subject_edit.setText("{% if %}")
    assert "syntax error on line 1" in editor.error_label.text()


def test_sms_templates_have_no_subject(editor: NotificationTemplatesDialog, qtbot: QtBot) -> None:
    _pick(qtbot, editor, OrderStatus.OUT_FOR_DELIVERY, Channel.SMS, "es")
    assert editor.subject_edit.isHidden() and editor.html_edit.isHidden()
    assert editor.preview_view.toPlainText() == "Tu pedido SO-10042 está en reparto y llegará hoy. " + (
        "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    )


def test_save_keeps_the_benchs_version_and_revert_restores_the_shipped_one(
    editor: NotificationTemplatesDialog, bench: Bench, qtbot: QtBot
) -> None:
    _pick(qtbot, editor, OrderStatus.SHIPPED, Channel.EMAIL, "es")
    shipped = editor.body_edit.toPlainText()
    editor.subject_edit.setText("¡{{ order_number }} ya viaja!")
    with qtbot.waitSignal(editor.saved, timeout=5000):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.source_label.text() == "This bench's version" and editor.revert_button.isEnabled()
    with bench.store.session() as s:
        row = s.scalars(select(NotificationTemplate)).one()
        assert (row.type, row.channel, row.language, row.subject) == (
            "shipped",
            "email",
            "es",
            "¡{{ order_number }} ya viaja!",
        )

    _pick(qtbot, editor, OrderStatus.SHIPPED, Channel.EMAIL, "en")
    _pick(qtbot, editor, OrderStatus.SHIPPED, Channel.EMAIL, "es")
    assert editor.subject_edit.text() == "¡{{ order_number }} ya viaja!"  # loaded back from the database

    with qtbot.waitSignal(editor.saved, timeout=5000):
        qtbot.mouseClick(editor.revert_button, Qt.MouseButton.LeftButton)
    assert editor.subject_edit.text() == "Tu pedido {{ order_number }} está en camino"
    assert editor.body_edit.toPlainText() == shipped and not editor.revert_button.isEnabled()
    assert templates.get_template(bench, OrderStatus.SHIPPED, Channel.EMAIL, "es").source == "shipped"


def test_the_log_lists_what_customers_were_told(bench: Bench, qtbot: QtBot) -> None:
    # The dialog on its own: a main window's job worker would race this test to send the message.
    from shipstation_desktop.messaging.fake import FakeEmailSender
    from shipstation_desktop.persistence import tables as t
    from shipstation_desktop.services import notifications
    from shipstation_desktop.services.status import move_order
    from shipstation_desktop.ui.notification_log import NotificationLogDialog

    bench.settings.notifications.enabled = True
    # No quiet hours: with the real clock this test would otherwise defer the message at night in Madrid.
    bench.settings.notifications.quiet_start = bench.settings.notifications.quiet_end = "00:00"
    with bench.store.session() as s:
        order = s.scalars(select(t.Order).where(t.Order.order_number == "SO-10002")).one()
        move_order(s, order, OrderStatus.PROCESSING, by="test")
        move_order(s, order, OrderStatus.SHIPPED, by="test", tracking_number="1Z1", carrier="ups")
    (row,) = notifications.list_notifications(bench)
    notifications.deliver(bench, row.id, notifications.Senders(email=FakeEmailSender()))

    runner = OpRunner()
    dialog = NotificationLogDialog(bench, runner)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.refreshed, check_params_cb=lambda n: n == 1, timeout=5000):
        dialog.show()
    item = dialog.table.topLevelItem(0)
    assert [item.text(i) for i in (1, 2, 3, 5)] == ["SO-10002", "shipped", "email", "sent"]
    dialog.table.setCurrentItem(item)
    assert "SO-10002" in dialog.detail.text()
    with qtbot.waitSignal(dialog.refreshed, check_params_cb=lambda n: n == 0, timeout=5000):
        dialog.filter.setCurrentIndex(3)  # dead letters: none
    runner.shutdown()
