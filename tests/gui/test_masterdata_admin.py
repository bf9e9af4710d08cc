"""Master data the administrator keeps (products with their bills of materials, suppliers, warehouses, work
centres, data quality), production's read-only view of it, and the warehouse's stock count."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import text

from erp_desktop.windows.admin import AdminWindow
from erp_desktop.windows.production import ProductionWindow
from erp_desktop.windows.purchasing import PurchasingWindow
from erp_desktop.windows.warehouse import WarehouseWindow
from server_db.masterdata import queries
from tests.factories import World
from tests.gui.conftest import Clients
from tests.gui.test_masterdata import open_form, open_window, save, select, shot, type_into


def products(world: World) -> dict[str, dict[str, Any]]:
    return {p["sku"]: p for p in world.db.run(queries.products)}


def open_admin(qtbot, clients: Clients) -> AdminWindow:
    window = open_window(qtbot, clients, AdminWindow, "admin")
    return window


def test_admin_creates_a_made_product_with_a_bom_of_two_levels(world: World, clients: Clients, qtbot) -> None:
    admin = open_admin(qtbot, clients)
    panel = admin.products
    page = panel.master_page
    admin.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: page.list.loaded and page.table.source.rowCount() == 4, timeout=10000)
    assert admin.master_data.new_action.isVisible() and not admin.add_action.isVisible()
    form = open_form(qtbot, page, admin.master_data.new_action.trigger)
    assert form.form.isRowVisible(9) and not form.form.isRowVisible(10)  # a supplier for bought items
    type_into(form, "sku", "SUB-1")
    type_into(form, "name", "Sub-assembly 组件")
    type_into(form, "procurement", "make")
    assert not form.form.isRowVisible(9) and form.form.isRowVisible(10)  # a work centre for made items
    type_into(form, "work_centre", "ASM")
    type_into(form, "hours_per_unit", "0.5")
    type_into(form, "price", "30")
    type_into(form, "cost", "15")
    shot(form, "masterdata-product-form")
    with qtbot.waitSignal(form.saved, timeout=10000):
        save(qtbot, form)
    made = products(world)["SUB-1"]
    assert made["procurement"] == "make" and made["work_centre_code"] == "ASM"
    assert made["hours_per_unit"] == Decimal("0.5")

    # its components: COMP-X x3; then MADE-Y (itself made of COMP-X) gets SUB-1 as a component: two levels
    select(qtbot, page, "SUB-1")
    qtbot.waitUntil(lambda: panel.save_button.isEnabled(), timeout=10000)
    type_into_line(panel.component, "COMP-X")
    type_into_line(panel.quantity, "3")
    panel.add_button.click()
    assert panel.lines() == [("COMP-X", "3")]
    panel.save_button.click()
    qtbot.waitUntil(lambda: "saved" in admin.message.text, timeout=10000)
    select(qtbot, page, "MADE-Y")
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1, timeout=10000)
    type_into_line(panel.component, "SUB-1")
    type_into_line(panel.quantity, "2")
    panel.add_button.click()
    panel.save_button.click()
    qtbot.waitUntil(lambda: sum_children(panel) == 1, timeout=10000)  # SUB-1 shows its own component
    sub = next(panel._top(i) for i in range(panel.tree.topLevelItemCount()) if panel._top(i).text(0) == "SUB-1")
    assert sub.child(0).text(0) == "COMP-X" and sub.child(0).text(3) == "6"  # 3 per SUB-1, 6 per MADE-Y
    assert not sub.child(0).flags() & Qt.ItemFlag.ItemIsEditable  # below the first level: read only
    shot(admin, "masterdata-admin-products-bom")

    # a cycle is refused and the line is marked: SUB-1 may not contain MADE-Y
    select(qtbot, page, "SUB-1")
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1, timeout=10000)
    type_into_line(panel.component, "MADE-Y")
    type_into_line(panel.quantity, "1")
    panel.add_button.click()
    panel.save_button.click()
    qtbot.waitUntil(lambda: panel.marked_lines() == ["MADE-Y"], timeout=10000)
    assert panel.message.text
    shot(admin, "masterdata-admin-bom-cycle")

    # where used: COMP-X is in MADE-Y and SUB-1 directly, and in MADE-Y again through SUB-1
    select(qtbot, page, "COMP-X")
    qtbot.waitUntil(lambda: panel.used.topLevelItemCount() == 3, timeout=10000)
    used = [(panel.used.topLevelItem(i).text(0), panel.used.topLevelItem(i).text(3)) for i in range(3)]
    assert used == [("MADE-Y", "1"), ("SUB-1", "1"), ("MADE-Y", "2")]


def type_into_line(edit: Any, value: str) -> None:
    edit.setText(value)


def sum_children(panel: Any) -> int:
    return sum(panel._top(i).childCount() for i in range(panel.tree.topLevelItemCount()))


def test_admin_keeps_suppliers_warehouses_and_work_centres(world: World, clients: Clients, qtbot) -> None:
    admin = open_admin(qtbot, clients)
    for page, values, shot_name in (
        (admin.suppliers, {"code": "SZDZ", "name": "深圳电子有限公司", "lead_time_days": "4"}, "supplier"),
        (admin.warehouses, {"code": "EAST", "name": "东仓 East store", "address": "上海市浦东新区"}, "warehouse"),
        (admin.work_centres, {"code": "PNT", "name": "喷涂 Painting", "daily_capacity_hours": "6"}, "work-centre"),
    ):
        admin.tabs.setCurrentWidget(page)
        qtbot.waitUntil(lambda page=page: page.list.loaded, timeout=10000)
        form = open_form(qtbot, page, admin.master_data.new_action.trigger)
        for name, value in values.items():
            type_into(form, name, value)
        shot(form, f"masterdata-{shot_name}-form")
        with qtbot.waitSignal(form.saved, timeout=10000):
            save(qtbot, form)
        select(qtbot, page, values["code"])
        shot(admin, f"masterdata-admin-{shot_name}s")
    assert any(w["code"] == "PNT" for w in world.db.run(queries.work_centres))
    assert any(w["code"] == "EAST" for w in world.db.run(queries.warehouses))


def test_purchasing_keeps_suppliers(world: World, clients: Clients, qtbot) -> None:
    window = open_window(qtbot, clients, PurchasingWindow, "purchasing")
    page = window.suppliers
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.list.loaded, timeout=10000)
    select(qtbot, page, "SUP")
    form = open_form(qtbot, page, window.master_data.edit_action.trigger)
    assert not form.inputs["code"].isEnabled()  # only the administrator changes a code
    type_into(form, "lead_time_days", "9")
    with qtbot.waitSignal(form.saved, timeout=10000):
        save(qtbot, form)
    assert next(s for s in world.db.run(queries.suppliers) if s["code"] == "SUP")["lead_time_days"] == 9
    shot(window, "masterdata-purchasing-suppliers")


def test_production_sees_products_and_work_centres_read_only(world: World, clients: Clients, qtbot) -> None:
    window = open_window(qtbot, clients, ProductionWindow, "production")
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    panel = window.products
    assert window.tabs.currentWidget() is panel
    page = panel.master_page
    qtbot.waitUntil(lambda: page.list.loaded, timeout=10000)
    assert not window.master_data.new_action.isEnabled()
    select(qtbot, page, "MADE-Y")
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1, timeout=10000)
    assert not panel.save_button.isEnabled()
    form = open_form(qtbot, page, window.master_data.edit_action.trigger)
    assert not any(widget.isEnabled() for widget in form.inputs.values())
    assert not form.save_button.isVisible()
    form.reject()
    shot(window, "masterdata-production-products")
    window.tabs.setCurrentWidget(window.work_centres)
    qtbot.waitUntil(lambda: window.work_centres.list.loaded, timeout=10000)
    assert window.work_centres.table.source.rowCount() == 1


def test_warehouse_stock_count_books_the_difference(world: World, clients: Clients, qtbot) -> None:
    world.stock("BUY-A", 10)
    window = open_window(qtbot, clients, WarehouseWindow, "warehouse")
    window.tabs.setCurrentIndex(window.count_tab)
    count = window.count_page
    qtbot.waitUntil(lambda: count.loaded, timeout=10000)
    rows = {count._item(r, 0).text(): r for r in range(count.table.rowCount())}
    count._item(rows["BUY-A"], 4).setText("7")
    count._item(rows["BUY-B"], 4).setText("5")
    assert count._item(rows["BUY-A"], 5).text() == "-3"
    count.reason.setText("year-end count")
    shot(window, "masterdata-stock-count")
    count.save_button.click()
    qtbot.waitUntil(lambda: "saved" in window.message.text, timeout=10000)
    assert world.level("BUY-A")[0] == Decimal(7)
    assert world.level("BUY-B")[0] == Decimal(5)


def test_data_quality_lists_a_record_written_before_the_rule(world: World, clients: Clients, qtbot) -> None:
    # a product without a cost, written as the superuser
    world.db.run(lambda s: s.execute(text("UPDATE erp.products SET cost = 0 WHERE sku = 'BUY-B'")))
    admin = open_admin(qtbot, clients)
    admin.tabs.setCurrentWidget(admin.quality)
    quality = admin.quality
    qtbot.waitUntil(lambda: quality.loaded, timeout=10000)
    source = quality.table.source
    found = [source.record(r) for r in range(source.rowCount()) if source.record(r)["code"] == "BUY-B"]
    assert found, "the product without a cost is listed"
    shot(admin, "masterdata-data-quality")
    quality.table.select_id(found[0]["key"])
    qtbot.keyClick(quality.table, Qt.Key.Key_Return)
    page = admin.products.master_page
    qtbot.waitUntil(lambda: bool(page.forms) and page.forms[-1].isVisible(), timeout=10000)
    assert page.forms[-1].marked()
