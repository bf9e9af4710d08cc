"""Master data kept in the app, clicked like a clerk would over a real database: customers by sales and
finance, refusals marked on their field, likely duplicates, stale edits, deactivate and delete, live renames."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QMessageBox, QPlainTextEdit, QWidget

from erp_desktop.windows.finance import FinanceWindow
from erp_desktop.windows.masterdata.form import RecordForm
from erp_desktop.windows.masterdata.page import MasterDataPage
from erp_desktop.windows.sales import SalesWindow
from server_db.masterdata import queries
from server_db.masterdata import services as masterdata
from tests.factories import World
from tests.gui.conftest import Clients


def open_window(qtbot, clients: Clients, cls: type, department: str) -> Any:
    window = cls(clients.open(department))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: all(live.loaded for live in window.lists), timeout=10000)
    master_data = getattr(window, "master_data", None)
    if master_data is not None:
        qtbot.waitUntil(lambda: all(page.duties is not None for page in master_data.pages), timeout=10000)
    return window


def go_to(qtbot, window: Any, page: MasterDataPage) -> None:
    window.tabs.setCurrentWidget(page) if window.tabs.indexOf(page) >= 0 else None
    qtbot.waitUntil(lambda: page.list.loaded, timeout=10000)


def type_into(form: RecordForm, name: str, text: str) -> None:
    """What a person types: replaces the field's text (QKeyEvents would abort on Chinese text offscreen)."""
    widget = form.inputs[name]
    if isinstance(widget, QLineEdit):
        widget.setText(text)
        widget.textEdited.emit(text)
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(text)
    elif isinstance(widget, QComboBox):
        if widget.isEditable():
            widget.setCurrentText(text)
        else:
            widget.setCurrentIndex(widget.findData(text))


def open_form(qtbot, page: MasterDataPage, action: Any) -> RecordForm:
    count = len(page.forms)
    action()
    qtbot.waitUntil(lambda: len(page.forms) > count and page.forms[-1].isVisible(), timeout=10000)
    return page.forms[-1]


def select(qtbot, page: MasterDataPage, code: str) -> dict[str, Any]:
    field = page.kind.key_field
    qtbot.waitUntil(
        lambda: any(page.table.source.record(r)[field] == code for r in range(page.table.source.rowCount())),
        timeout=10000,
    )
    row = next(
        page.table.source.record(r)
        for r in range(page.table.source.rowCount())
        if page.table.source.record(r)[field] == code
    )
    assert page.table.select_id(row["id"])
    return row


def save(qtbot, form: RecordForm) -> None:
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)


def customer(world: World, code: str) -> dict[str, Any]:
    return next(c for c in world.db.run(queries.customers) if c["code"] == code)


def shot(widget: QWidget, name: str) -> None:
    import os

    os.makedirs("/tmp/shots", exist_ok=True)
    widget.grab().save(f"/tmp/shots/{name}.png")


# -- sales -----------------------------------------------------------------------------------------------------


def test_sales_creates_a_customer_through_the_form(world: World, clients: Clients, qtbot) -> None:
    sales = open_window(qtbot, clients, SalesWindow, "sales")
    assert sales.master_data.new_action.isVisible() is False  # the orders tab is current: Ctrl+N is a new order
    qtbot.keyClick(sales, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Ctrl+2: the customers tab
    assert sales.tabs.currentWidget() is sales.customers
    page = sales.customers
    go_to(qtbot, sales, page)
    assert not sales.new_action.isVisible() and sales.master_data.new_action.isVisible()
    assert page.table.source.rowCount() == 2
    form = open_form(qtbot, page, lambda: qtbot.keyClick(sales, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier))
    assert form.windowTitle() == "New customer"
    assert not form.inputs["credit_limit"].isEnabled()  # finance keeps credit terms
    assert "Finance" in form.inputs["credit_limit"].toolTip()
    type_into(form, "code", "GZNF")
    type_into(form, "name", "广州南方电子科技有限公司")
    type_into(form, "address", "广州市天河区")
    type_into(form, "phone", "020-3868 1234")
    shot(form, "masterdata-customer-form")
    with qtbot.waitSignal(form.saved, timeout=10000):
        save(qtbot, form)
    qtbot.waitUntil(
        lambda: page.table.current_record() is not None and page.table.current_record()["code"] == "GZNF", timeout=10000
    )
    assert customer(world, "GZNF")["name"] == "广州南方电子科技有限公司"
    assert "saved" in sales.message.text
    shot(sales, "masterdata-sales-customers")


@pytest.mark.parametrize(
    ("field", "bad", "good"), [("phone", "call me maybe", "13812345678"), ("tax_id", "12345", "91440101MA59TQ8K0K")]
)
def test_a_bad_value_is_marked_and_nothing_typed_is_lost(
    world: World, clients: Clients, qtbot, field: str, bad: str, good: str
) -> None:
    sales = open_window(qtbot, clients, SalesWindow, "sales")
    page = sales.customers
    go_to(qtbot, sales, page)
    form = open_form(qtbot, page, page.new)
    type_into(form, "code", "BAD")
    type_into(form, "name", "Bad Input Ltd")
    type_into(form, field, bad)
    type_into(form, "email", "buyer@example.com")
    save(qtbot, form)
    qtbot.waitUntil(lambda: field in form.marked(), timeout=10000)
    assert form.marked()[field]  # the sentence beside the field
    assert form.isVisible()
    assert form.value("name") == "Bad Input Ltd" and form.value("email") == "buyer@example.com"
    assert form.value(field) == bad
    shot(form, f"masterdata-customer-refused-{field}")
    type_into(form, field, good)
    assert field not in form.marked()  # typing clears the mark
    with qtbot.waitSignal(form.saved, timeout=10000):
        save(qtbot, form)
    assert customer(world, "BAD")["email"] == "buyer@example.com"


def test_required_fields_are_marked_before_anything_is_sent(world: World, clients: Clients, qtbot) -> None:
    sales = open_window(qtbot, clients, SalesWindow, "sales")
    page = sales.customers
    go_to(qtbot, sales, page)
    form = open_form(qtbot, page, page.new)
    type_into(form, "phone", "13812345678")
    save(qtbot, form)
    assert set(form.marked()) == {"code", "name"}
    assert form.value("phone") == "13812345678"
    qtbot.keyClick(form, Qt.Key.Key_Escape)  # Esc with unsaved edits asks first
    qtbot.waitUntil(lambda: form.discard is not None and form.discard.isVisible(), timeout=3000)
    assert form.isVisible()
    with qtbot.waitSignal(form.rejected, timeout=3000):
        form.discard.button(QMessageBox.StandardButton.Discard).click()


def test_a_likely_duplicate_lists_the_candidates_and_save_anyway_saves(world: World, clients: Clients, qtbot) -> None:
    sales = open_window(qtbot, clients, SalesWindow, "sales")
    page = sales.customers
    go_to(qtbot, sales, page)
    form = open_form(qtbot, page, page.new)
    type_into(form, "code", "BJHL2")
    type_into(form, "name", "北京华联商贸股份有限公司")  # 北京华联商贸有限公司 with another company form
    save(qtbot, form)
    qtbot.waitUntil(lambda: form.duplicates is not None and form.duplicates.isVisible(), timeout=10000)
    dialog = form.duplicates
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 0).text() == "CN"
    shot(dialog, "masterdata-duplicates")
    with qtbot.waitSignal(form.saved, timeout=10000):
        dialog.anyway_button.click()
    assert customer(world, "BJHL2")["name"] == "北京华联商贸股份有限公司"


def test_use_this_one_opens_the_existing_record(world: World, clients: Clients, qtbot) -> None:
    sales = open_window(qtbot, clients, SalesWindow, "sales")
    page = sales.customers
    go_to(qtbot, sales, page)
    form = open_form(qtbot, page, page.new)
    type_into(form, "code", "BJHL2")
    type_into(form, "name", "北京华联商贸有限公司")
    save(qtbot, form)
    qtbot.waitUntil(lambda: form.duplicates is not None and form.duplicates.isVisible(), timeout=10000)
    form.duplicates.use_button.click()
    qtbot.waitUntil(lambda: page.forms and page.forms[-1].record_id == customer(world, "CN")["id"], timeout=10000)
    assert page.forms[-1].value("code") == "CN"
    assert [c["code"] for c in world.db.run(queries.customers)] == ["CN", "LIMIT"]


# -- finance ----------------------------------------------------------------------------------------------------


def test_finance_edits_the_credit_limit_but_not_the_name(world: World, clients: Clients, qtbot) -> None:
    finance = open_window(qtbot, clients, FinanceWindow, "finance")
    page = finance.customers
    finance.tabs.setCurrentWidget(page)
    go_to(qtbot, finance, page)
    assert not page.may_create()
    select(qtbot, page, "LIMIT")
    form = open_form(qtbot, page, lambda: qtbot.keyClick(page.table, Qt.Key.Key_Return))
    assert not form.inputs["name"].isEnabled()
    assert "Sales" in form.inputs["name"].toolTip()
    assert form.inputs["credit_limit"].isEnabled() and form.value("credit_limit") == "1000"
    type_into(form, "credit_limit", "25000")
    type_into(form, "payment_terms_days", "60")
    shot(form, "masterdata-finance-credit")
    with qtbot.waitSignal(form.saved, timeout=10000):
        save(qtbot, form)
    row = customer(world, "LIMIT")
    assert row["credit_limit"] == 25000 and row["payment_terms_days"] == 60
    qtbot.waitUntil(lambda: page.table.current_record()["credit_limit"] == 25000, timeout=10000)


def test_a_stale_edit_shows_the_conflict_and_keep_mine_reapplies(world: World, clients: Clients, qtbot) -> None:
    sales = open_window(qtbot, clients, SalesWindow, "sales")
    page = sales.customers
    go_to(qtbot, sales, page)
    select(qtbot, page, "CN")
    form = open_form(qtbot, page, page.edit)
    # another connection changes the customer after the form opened
    world.db.run(masterdata.update_customer, customer(world, "CN")["id"], contact="王经理")
    type_into(form, "phone", "010-6512 3456")
    save(qtbot, form)
    qtbot.waitUntil(lambda: form.conflict is not None and form.conflict.isVisible(), timeout=10000)
    assert "changed by someone else" in form.conflict.text()
    shot(form.conflict, "masterdata-conflict")
    with qtbot.waitSignal(form.saved, timeout=10000):
        form.conflict.findChild(QWidget, "keepMine").click()
    row = customer(world, "CN")
    assert row["phone"] == "010-6512 3456" and row["contact"] == "王经理"  # mine on top of theirs


def test_reload_theirs_shows_the_record_as_it_is_now(world: World, clients: Clients, qtbot) -> None:
    sales = open_window(qtbot, clients, SalesWindow, "sales")
    page = sales.customers
    go_to(qtbot, sales, page)
    select(qtbot, page, "CN")
    form = open_form(qtbot, page, page.edit)
    world.db.run(masterdata.update_customer, customer(world, "CN")["id"], contact="王经理")
    type_into(form, "phone", "010-6512 3456")
    save(qtbot, form)
    qtbot.waitUntil(lambda: form.conflict is not None and form.conflict.isVisible(), timeout=10000)
    form.conflict.findChild(QWidget, "reloadTheirs").click()
    qtbot.waitUntil(lambda: form.value("contact") == "王经理", timeout=10000)
    assert form.value("phone") == "" and not form.dirty
    assert form.isVisible()


# -- live -----------------------------------------------------------------------------------------------------


def test_a_rename_in_one_client_appears_in_another(world: World, clients: Clients, qtbot) -> None:
    finance = open_window(qtbot, clients, FinanceWindow, "finance")
    finance.tabs.setCurrentWidget(finance.customers)
    go_to(qtbot, finance, finance.customers)
    qtbot.waitUntil(lambda: finance.context.live.status == "connected", timeout=10000)
    sales = open_window(qtbot, clients, SalesWindow, "sales")
    page = sales.customers
    go_to(qtbot, sales, page)
    select(qtbot, page, "LIMIT")
    form = open_form(qtbot, page, page.edit)
    type_into(form, "name", "Small Buyer (Shenzhen) Ltd")
    with qtbot.waitSignal(form.saved, timeout=10000):
        save(qtbot, form)
    other = finance.customers.table.source
    qtbot.waitUntil(
        lambda: any(other.record(r)["name"] == "Small Buyer (Shenzhen) Ltd" for r in range(other.rowCount())),
        timeout=10000,
    )


def test_deactivate_hides_and_reactivate_shows(world: World, clients: Clients, qtbot, monkeypatch) -> None:
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Yes)
    sales = open_window(qtbot, clients, SalesWindow, "sales")
    page = sales.customers
    go_to(qtbot, sales, page)
    row = select(qtbot, page, "LIMIT")
    assert sales.master_data.deactivate_action.isEnabled()
    sales.master_data.deactivate_action.trigger()
    qtbot.waitUntil(lambda: page.table.source.record_by_id(row["id"])["active"] is False, timeout=10000)
    assert page.table.proxy.rowCount() == 1  # hidden unless "Show inactive"
    page.show_inactive.setChecked(True)
    assert page.table.proxy.rowCount() == 2
    page.table.select_id(row["id"])
    assert sales.master_data.reactivate_action.isEnabled()
    sales.master_data.reactivate_action.trigger()
    qtbot.waitUntil(lambda: page.table.source.record_by_id(row["id"])["active"] is True, timeout=10000)


def test_delete_only_what_nothing_uses(world: World, clients: Clients, qtbot, monkeypatch) -> None:
    world.order([("BUY-A", 1)], customer="CN")
    sales = open_window(qtbot, clients, SalesWindow, "sales")
    page = sales.customers
    go_to(qtbot, sales, page)
    select(qtbot, page, "CN")
    assert not sales.master_data.delete_action.isEnabled()  # an order names it: deactivate instead
    assert sales.master_data.deactivate_action.isEnabled()
    row = select(qtbot, page, "LIMIT")
    assert sales.master_data.delete_action.isEnabled()
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Yes)
    sales.master_data.delete_action.trigger()
    qtbot.waitUntil(lambda: page.table.source.record_by_id(row["id"]) is None, timeout=10000)
    assert [c["code"] for c in world.db.run(queries.customers)] == ["CN"]


def test_an_import_reloads_the_whole_list(world: World, clients: Clients, qtbot) -> None:
    import datetime as dt

    from sqlalchemy import text

    from server_db.core.changes import Changes, Event

    sales = open_window(qtbot, clients, SalesWindow, "sales")
    page = sales.customers
    go_to(qtbot, sales, page)
    assert page.table.source.rowCount() == 2

    def insert_quietly(session: Any) -> None:  # as an import would: many rows, one event
        session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(text("INSERT INTO erp.customers (code, name) VALUES ('IMP1', 'Imported One')"))

    world.db.run(insert_quietly)
    imported = Event(
        id=10**9,
        xid=0,
        created_at=dt.datetime.now(dt.UTC),
        actor="import",
        event_type="imported",
        sales_order_id=None,
        document_type="customer",
        document_id=0,
        document_no=None,
        old_state=None,
        new_state=None,
    )
    sales.context.feed.changed.emit(Changes.from_events([imported]), "live")
    qtbot.waitUntil(lambda: page.table.source.rowCount() == 3, timeout=10000)
