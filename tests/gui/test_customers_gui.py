"""The Customers view and a customer's window: instant search, filters and pages, the edit form with
its inline errors, addresses, notes, the timeline and the analytics tab."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.customer_rules import CustomerDraft
from shipstation_desktop.domain.enums import AddressType, AddressValidationStatus, CustomerStatus, TimelineKind
from shipstation_desktop.services import audit, customers
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui import customers_view as customers_view_module
from shipstation_desktop.ui.customers_view import CustomersView
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.table_model import RECORD_ROLE
from tests.fakes.customer_rows import add_customer, add_order

from .customer_helpers import TIMEOUT_MS, customers_view, find_customer, open_detail, save, with_status
from .helpers import wait_idle

pytestmark = pytest.mark.gui


def no_modal(window: MainWindow) -> bool:
    return QApplication.activeModalWidget() is None and window.last_message_box is None


# ================================================================================ list


def test_typing_in_search_shows_matching_rows(window: MainWindow, qtbot: QtBot) -> None:
    view = customers_view(window, qtbot)
    assert view.model.rowCount() == 50
    qtbot.keyClicks(view.search_edit, "mueller")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert view.model.index(0, 0).data(RECORD_ROLE).name == "Jürgen Müller"
    assert view.count_label.text() == "1 customer"
    assert view.page_label.text() == "Page 1 of 1"
    view.search_edit.clear()
    qtbot.waitUntil(lambda: view.model.rowCount() == 50, timeout=TIMEOUT_MS)


def test_a_stale_search_answer_is_dropped(window: MainWindow, qtbot: QtBot) -> None:
    view = customers_view(window, qtbot)
    view.search_edit.setText("mueller")
    view.refresh()  # the first answer is already on its way when the second query is sent
    view.search_edit.setText("zzzz-nobody")
    view.refresh()
    wait_idle(qtbot, window)
    assert view.model.rowCount() == 0
    assert view.count_label.text() == "0 customers"


def test_blocked_customer_is_marked_in_red(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = customers_view(window, qtbot)
    view.filters.status_combo.setCurrentIndex(view.filters.status_combo.findData(CustomerStatus.BLOCKED.value))
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=TIMEOUT_MS)
    status = view.model.index(0, 3)
    assert status.data() == "⊘ BLOCKED"
    assert status.data(Qt.ItemDataRole.ForegroundRole).color().name() == "#c62828"
    assert view.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole).color().name() == "#fde7e7"
    assert "not shipped" in view.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def shows(window: MainWindow, view: CustomersView, qtbot: QtBot, check: Callable[[list[dm.Customer]], bool]) -> None:
    """Waits until the typing pause is over, nothing is loading and the rows shown pass `check`."""

    def settled() -> bool:
        return not view.typing_pending() and not window.runner.busy and check(view.model.rows())

    qtbot.waitUntil(settled, timeout=TIMEOUT_MS)


def test_filters_status_source_tag_and_spent(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = customers_view(window, qtbot)
    filters = view.filters
    filters.status_combo.setCurrentIndex(filters.status_combo.findData(CustomerStatus.VIP.value))
    shows(window, view, qtbot, lambda rows: len(rows) == 3 and {c.status for c in rows} == {CustomerStatus.VIP})
    filters.clear()
    shows(window, view, qtbot, lambda rows: len(rows) == 50)

    qtbot.keyClicks(filters.tag_edit, "gift")
    shows(window, view, qtbot, lambda rows: 0 < len(rows) < 50 and all("gift" in c.tags for c in rows))
    filters.clear()
    shows(window, view, qtbot, lambda rows: len(rows) == 50)

    qtbot.keyClicks(filters.spent_min, "300")
    shows(window, view, qtbot, lambda rows: 0 < len(rows) < 50 and all(c.total_spent >= 300 for c in rows))
    qtbot.keyClicks(filters.spent_max, "400")
    shows(window, view, qtbot, lambda rows: all(Decimal(300) <= c.total_spent <= Decimal(400) for c in rows))
    filters.clear()
    shows(window, view, qtbot, lambda rows: len(rows) == 50)

    source = view.model.rows()[0].source
    filters.source_combo.setCurrentIndex(filters.source_combo.findData(source.value))
    shows(window, view, qtbot, lambda rows: 0 < len(rows) < 50 and {c.source for c in rows} == {source})


def test_last_order_date_range(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = customers_view(window, qtbot)
    now = bench.clock.now()
    quiet = add_customer(bench, "quiet@example.com", "Quentin Quiet")
    add_order(bench, quiet, "OLD-1", "10.00", now - timedelta(days=700))
    day = (now - timedelta(days=700)).astimezone().date()
    view.filters.set_last_order_range(day - timedelta(days=1), day + timedelta(days=1))
    qtbot.waitUntil(lambda: [c.name for c in view.model.rows()] == ["Quentin Quiet"], timeout=TIMEOUT_MS)


def test_pages_prev_next(window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(customers_view_module, "PAGE_SIZE", 20)
    view = customers_view(window, qtbot)
    view.refresh()
    qtbot.waitUntil(lambda: view.model.rowCount() == 20 and view.page_label.text() == "Page 1 of 3")
    assert not view.prev_button.isEnabled() and view.next_button.isEnabled()
    first_page = {c.id for c in view.model.rows()}
    view.next_button.click()
    qtbot.waitUntil(lambda: view.page_label.text() == "Page 2 of 3", timeout=TIMEOUT_MS)
    assert not first_page & {c.id for c in view.model.rows()}
    view.next_button.click()
    qtbot.waitUntil(lambda: view.page_label.text() == "Page 3 of 3", timeout=TIMEOUT_MS)
    assert view.model.rowCount() == 10 and not view.next_button.isEnabled()
    view.prev_button.click()
    qtbot.waitUntil(lambda: view.page_label.text() == "Page 2 of 3", timeout=TIMEOUT_MS)
    assert view.count_label.text() == "50 customers"
    qtbot.keyClicks(view.search_edit, "mueller")  # a new search starts at page 1
    qtbot.waitUntil(lambda: view.page_label.text() == "Page 1 of 1", timeout=TIMEOUT_MS)


# ================================================================================ detail and edit


def test_double_click_opens_the_detail_and_records_the_pii_view(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = customers_view(window, qtbot)
    qtbot.keyClicks(view.search_edit, "mueller")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=TIMEOUT_MS)
    rect = view.table.visualRect(view.model.index(0, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # QTest's double
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # needs the press
    qtbot.waitUntil(lambda: view.detail is not None and view.detail.ready, timeout=TIMEOUT_MS)
    detail = view.detail
    assert detail is not None
    qtbot.addWidget(detail)
    assert detail.name_label.text() == "Jürgen Müller"
    assert detail.form.email_edit.text() == detail.customer.email  # type: ignore[union-attr]
    assert "***" not in detail.form.email_edit.text()
    assert detail.save_button.isEnabled() and not detail.notice.isVisible()
    views = audit.entries(bench, action="pii.view", target_id=detail.customer_id)  # type: ignore[arg-type]
    assert views and views[0].details["how"] == "customer detail"


def test_enter_on_a_row_opens_the_detail(window: MainWindow, qtbot: QtBot) -> None:
    view = customers_view(window, qtbot)
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(2, 0))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.detail is not None and view.detail.ready, timeout=TIMEOUT_MS)
    assert view.detail is not None
    qtbot.addWidget(view.detail)
    assert view.detail.customer_id == view.model.rows()[2].id


def test_edit_and_save(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    customer = find_customer(bench, "mueller")
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, customer.id)
    detail.form.name_edit.setText("Jürgen Müller-Schmidt")
    detail.form.tags_edit.setText("vip, wholesale")
    detail.form.dob_edit.setText("1980-02-29")
    detail.form.custom_fields.add_row("loyalty card", "LC-1234")
    with qtbot.waitSignal(detail.saved, timeout=TIMEOUT_MS):
        detail.save_button.click()
    stored = customers.get_customer(bench, customer.id)
    assert stored.name == "Jürgen Müller-Schmidt"
    assert stored.tags == ("vip", "wholesale")
    assert stored.date_of_birth is not None and stored.date_of_birth.isoformat() == "1980-02-29"
    assert stored.custom_fields["loyalty card"] == "LC-1234"
    assert detail.message.text() == "Saved."
    view = window.customers_view
    qtbot.waitUntil(lambda: any(c.name == "Jürgen Müller-Schmidt" for c in view.model.rows()), timeout=TIMEOUT_MS)

    detail.form.name_edit.setText("Someone Else")
    detail.cancel_button.click()  # Cancel forgets the edit
    assert detail.form.name_edit.text() == "Jürgen Müller-Schmidt"


def test_duplicate_email_is_an_inline_error_naming_the_owner(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    customer = find_customer(bench, "mueller")
    other = next(c for c in with_status(bench, CustomerStatus.VIP))
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, customer.id)
    detail.form.email_edit.setText(other.email.upper())
    save(window, qtbot, detail)
    message = detail.form.errors.text("email")
    assert other.name in message and "already used" in message
    assert detail.form.errors.labels["email"].isVisibleTo(detail)
    assert no_modal(window)
    assert customers.get_customer(bench, customer.id).email == customer.email


def test_invalid_phone_is_an_inline_error_on_that_field(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    customer = find_customer(bench, "mueller")
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, customer.id)
    detail.form.phone_edit.setText("+49 12")
    detail.form.dob_edit.setText("tomorrow")
    save(window, qtbot, detail)
    assert "not a valid phone number" in detail.form.errors.text("phone")
    assert "not a date" in detail.form.errors.text("date_of_birth")
    assert detail.form.errors.text("email") == ""
    assert no_modal(window)
    detail.form.phone_edit.setText(customer.phone)
    detail.form.dob_edit.clear()
    with qtbot.waitSignal(detail.saved, timeout=TIMEOUT_MS):
        detail.save_button.click()
    assert detail.form.errors.text("phone") == ""  # the errors go once the save works


def test_new_customer(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    customers_view(window, qtbot)
    window.customers_view.new_button.click()
    detail = window.customers_view.detail
    assert detail is not None
    qtbot.addWidget(detail)
    qtbot.waitUntil(lambda: detail.ready, timeout=TIMEOUT_MS)
    assert not detail.tabs.isTabEnabled(1)  # addresses wait for the customer to exist
    save(window, qtbot, detail)
    assert detail.form.errors.text("email") == "is required" and detail.form.errors.text("name") == "is required"
    detail.form.email_edit.setText("nadia.new@example.com")
    detail.form.name_edit.setText("Nadia New")
    with qtbot.waitSignal(detail.saved, timeout=TIMEOUT_MS):
        detail.save_button.click()
    qtbot.waitUntil(lambda: detail.customer is not None and detail.tabs.isTabEnabled(1), timeout=TIMEOUT_MS)
    assert find_customer(bench, "nadia").name == "Nadia New"


def test_status_change_asks_for_a_reason(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    customer = find_customer(bench, "mueller")
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, customer.id)
    detail.form.status_combo.setCurrentIndex(detail.form.status_combo.findData(CustomerStatus.BLOCKED.value))
    detail.save_button.click()
    dialog = detail.status_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.accept_button.isEnabled()
    qtbot.keyClicks(dialog.note_edit, "asked for a refund three times")
    with qtbot.waitSignal(detail.saved, timeout=TIMEOUT_MS):
        dialog.accept_button.click()
    qtbot.waitUntil(lambda: detail.banner.isVisible(), timeout=TIMEOUT_MS)
    assert "asked for a refund three times" in detail.banner.text()
    assert customers.get_customer(bench, customer.id).status is CustomerStatus.BLOCKED
    qtbot.waitUntil(lambda: any(e.kind is TimelineKind.STATUS for e in detail.timeline.entries), timeout=TIMEOUT_MS)


def test_soft_delete_asks_first(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    customer = find_customer(bench, "mueller")
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, customer.id)
    box = detail.ask_delete()
    assert box is not None and box.isVisible()
    assert customers.get_customer(bench, customer.id).name == customer.name  # nothing yet
    detail.delete_confirm_button.click()
    qtbot.waitUntil(lambda: not detail.isVisible(), timeout=TIMEOUT_MS)
    wait_idle(qtbot, window)
    with pytest.raises(Exception, match="No customer"):
        customers.get_customer(bench, customer.id)


# ================================================================================ tabs


def test_address_add_keeps_one_default_per_type(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    created = customers.create_customer(bench, CustomerDraft(email="addr@example.com", name="Ada Dress"))
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, created.id)
    editor = detail.addresses
    detail.tabs.setCurrentWidget(editor)

    def add(kind: AddressType, line1: str, default: bool) -> None:
        editor.new_button.click()
        editor.type_combo.setCurrentIndex(editor.type_combo.findData(kind.value))
        editor.default_check.setChecked(default)
        editor.recipient_edit.setText("Ada Dress")
        editor.line1_edit.setText(line1)
        editor.city_edit.setText("Berlin")
        editor.postal_edit.setText("10117")
        editor.set_country("DE")
        count = len(editor.addresses)
        editor.save_button.click()
        qtbot.waitUntil(lambda: len(editor.addresses) == count + 1, timeout=TIMEOUT_MS)

    add(AddressType.SHIPPING, "Unter den Linden 1", False)  # the first of its type becomes the default
    add(AddressType.SHIPPING, "Unter den Linden 2", True)
    add(AddressType.BILLING, "Friedrichstraße 3", False)
    stored = customers.get_customer(bench, created.id).addresses
    defaults = {(a.type, a.line1) for a in stored if a.is_default}
    assert defaults == {(AddressType.SHIPPING, "Unter den Linden 2"), (AddressType.BILLING, "Friedrichstraße 3")}
    marked = [editor.list.item(i).text() for i in range(editor.list.count()) if editor.list.item(i).text()[0] == "★"]
    assert len(marked) == 2 and any("Unter den Linden 2" in t for t in marked)


def test_address_inline_errors_then_validate_and_keep_with_a_reason(
    window: MainWindow, bench: Bench, qtbot: QtBot
) -> None:
    created = customers.create_customer(bench, CustomerDraft(email="keep@example.com", name="Kim Keep"))
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, created.id)
    editor = detail.addresses
    detail.tabs.setCurrentWidget(editor)
    editor.recipient_edit.setText("Kim Keep")
    editor.line1_edit.setText("1 Infinite Loop")
    editor.city_edit.setText("Cupertino")
    editor.postal_edit.setText("9501")
    editor.set_country("Narnia")
    editor.phone_edit.setText("+1 12")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.errors.text("country") != "", timeout=TIMEOUT_MS)
    assert "not a country" in editor.errors.text("country")
    assert no_modal(window)

    editor.set_country("US")
    editor.state_edit.setText("California")
    editor.phone_edit.clear()
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.errors.text("postal_code") != "", timeout=TIMEOUT_MS)
    editor.postal_edit.setText("95014")
    editor.save_button.click()
    qtbot.waitUntil(lambda: len(editor.addresses) == 1, timeout=TIMEOUT_MS)
    address = editor.addresses[0]
    assert address.state == "CA" and address.is_default  # normalized by the service, the first is the default
    assert "Not checked" in editor.verdict_label.text()

    editor.validate_button.click()
    qtbot.waitUntil(lambda: "Valid" in editor.verdict_label.text(), timeout=TIMEOUT_MS)
    assert editor.verdict is not None and editor.verdict.status is AddressValidationStatus.VALID
    assert not editor.keep_button.isEnabled()  # nothing to keep against

    editor.line1_edit.setText("2 Infinite Loop")  # moved: unverified again, so it may be kept as is
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.keep_button.isEnabled(), timeout=TIMEOUT_MS)
    editor.keep_button.click()
    dialog = editor.override_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.note_edit, "new building, the carrier's map is old")
    dialog.accept_button.click()
    qtbot.waitUntil(lambda: "Kept as is" in editor.verdict_label.text(), timeout=TIMEOUT_MS)
    stored = customers.get_customer(bench, created.id).addresses[0]
    assert stored.validation_status is AddressValidationStatus.OVERRIDDEN
    assert stored.override_reason == "new building, the carrier's map is old"
    assert audit.entries(bench, action="address.override", target_id=stored.id)


def test_timeline_lists_a_note_just_added(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    customer = find_customer(bench, "mueller")
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, customer.id)
    detail.tabs.setCurrentWidget(detail.notes)
    detail.notes.add_button.click()  # empty: refused on the field
    qtbot.waitUntil(lambda: detail.notes.errors.text("body") == "is required", timeout=TIMEOUT_MS)
    detail.notes.body_edit.setPlainText("Prefers deliveries after 6 pm")
    detail.notes.pin_check.setChecked(True)
    detail.notes.add_button.click()
    qtbot.waitUntil(lambda: detail.notes.list.count() == 1, timeout=TIMEOUT_MS)
    assert detail.notes.list.item(0).text().startswith("◆ ")
    detail.tabs.setCurrentWidget(detail.timeline)
    qtbot.waitUntil(lambda: any(e.kind is TimelineKind.NOTE for e in detail.timeline.entries), timeout=TIMEOUT_MS)
    tree = detail.timeline.tree
    texts = [tree.topLevelItem(i).text(3) for i in range(tree.topLevelItemCount())]
    assert "Prefers deliveries after 6 pm" in texts
    first = tree.topLevelItem(0)
    assert first.text(0).startswith("✎") and first.text(3) == "Prefers deliveries after 6 pm"  # newest first
    assert any(tree.topLevelItem(i).text(0).startswith("▣") for i in range(tree.topLevelItemCount()))

    detail.timeline.kind_combo.setCurrentIndex(detail.timeline.kind_combo.findData(TimelineKind.NOTE.value))
    assert tree.topLevelItemCount() == 1


def test_communication_is_logged(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    customer = find_customer(bench, "mueller")
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, customer.id)
    panel = detail.communications
    detail.tabs.setCurrentWidget(panel)
    panel.channel_combo.setCurrentIndex(panel.channel_combo.findData("PHONE"))
    panel.subject_edit.setText("Asked about the blue mug")
    panel.comm_body_edit.setPlainText("Will call back on Monday")
    panel.log_button.click()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=TIMEOUT_MS)
    assert panel.table.item(0, 1).text() == "Phone call"
    assert panel.table.item(0, 3).text() == "Asked about the blue mug"
    qtbot.waitUntil(
        lambda: any(e.kind is TimelineKind.COMMUNICATION for e in detail.timeline.entries), timeout=TIMEOUT_MS
    )


def test_analytics_tab_shows_known_values(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    now = bench.clock.now()
    cid = add_customer(bench, "anna.lytics@example.com", "Anna Lytics")
    add_order(bench, cid, "AN-1", "100.00", now - timedelta(days=40))
    add_order(bench, cid, "AN-2", "50.00", now - timedelta(days=10))
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, cid)
    panel = detail.analytics
    detail.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.metrics is not None, timeout=TIMEOUT_MS)
    v = panel.values
    assert v["ltv_actual"].text() == "150.00 USD"
    assert v["aov"].text() == "75.00 USD"
    assert v["orders"].text() == "2"
    assert v["frequency"].text() == "30 days"
    assert v["recency"].text().startswith("10 days ago")
    assert v["churn"].text() == "Low"
    assert "their usual 30 days" in v["churn_reason"].text()
    assert [b.label for b in panel.chart.bars] == ["Actual", "Predicted", "Average order"]
    assert panel.chart.bars[0].value == 150.0
