"""File → Import…: the wizard clicked through as a sales clerk, with a real file and a real database."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox, QWizard
from sqlalchemy import text

from erp_desktop import import_wizard
from erp_desktop.import_wizard import ImportWizard, importable_kinds
from erp_desktop.windows.sales import SalesWindow
from tests.factories import World

SHOTS = Path("/tmp/shots")
HEADERS = ["客户编码", "客户名称", "电话", "地址"]
GOOD_PHONE, BAD_PHONE = "138 1234 5678", "12345"


@pytest.fixture(autouse=True)
def settings_in(tmp_path: Path):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    QSettings().clear()
    yield


def customers_file(path: Path, phones: list[str]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户"
    sheet.append(HEADERS)
    for number, phone in enumerate(phones, start=1):
        sheet.append([f"NEW{number}", f"新客户 {number} 有限公司", phone, f"上海市 {number} 号"])
    book.save(path)
    return path


def shot(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def open_wizard(clients, qtbot, department: str = "sales") -> tuple[SalesWindow, ImportWizard]:
    window = SalesWindow(clients.open(department))
    qtbot.addWidget(window)
    window.show()
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if a.objectName() == "importFile")
    assert action.text() == "&Import…"
    action.trigger()
    wizard = window.import_wizard
    qtbot.waitUntil(lambda: wizard.kinds_loaded, timeout=10000)
    return window, wizard


def choose_file(qtbot, wizard: ImportWizard, path: Path) -> None:
    page = wizard.kind_page
    page.kind.setCurrentIndex(page.kind.findData("customers"))
    qtbot.mouseClick(page.browse, Qt.MouseButton.LeftButton)
    page.open_dialog.selectFile(str(path))
    page.open_dialog.accept()
    qtbot.waitUntil(page.isComplete, timeout=10000)


def next_page(qtbot, wizard: ImportWizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def customer_codes(world: World) -> set[str]:
    return set(world.db.run(lambda s: s.execute(_codes).scalars().all()))


_codes = text("SELECT code FROM erp.customers WHERE code LIKE 'NEW%' OR code LIKE 'BIG%'")


def test_a_bad_phone_is_shown_in_red_and_blocks_the_import_then_valid_rows_only(
    world: World, clients, qtbot, tmp_path: Path
) -> None:
    _, wizard = open_wizard(clients, qtbot)
    kinds = [wizard.kind_page.kind.itemData(i) for i in range(wizard.kind_page.kind.count())]
    assert "customers" in kinds and "suppliers" not in kinds and "products" not in kinds  # sales keeps customers
    path = customers_file(tmp_path / "customers.xlsx", [GOOD_PHONE, BAD_PHONE, GOOD_PHONE])
    choose_file(qtbot, wizard, path)
    assert "4 columns" in wizard.kind_page.status.text()
    shot(wizard, "wizard_1_kind")

    next_page(qtbot, wizard)
    mapping = wizard.mapping_page
    assert mapping.mapping() == {"客户编码": "code", "客户名称": "name", "电话": "phone", "地址": "address"}
    mapping.set_field("客户名称", None)  # the name is required: no Next without it
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert mapping.status.text() == "Map a column to Name: this field is required."
    shot(wizard, "wizard_2_mapping_incomplete")
    mapping.set_field("客户名称", "name")
    assert mapping.status.text() == ""
    shot(wizard, "wizard_2_mapping")

    next_page(qtbot, wizard)
    preview = wizard.preview_page
    qtbot.waitUntil(lambda: preview.loaded, timeout=10000)
    assert preview.table.rowCount() == 3
    assert preview.table.item(1, 2).text() == BAD_PHONE
    assert preview.table.horizontalHeaderItem(0).text() == "Code"
    shot(wizard, "wizard_3_preview")

    next_page(qtbot, wizard)
    check = wizard.check_page
    qtbot.waitUntil(lambda: not check.busy, timeout=20000)
    assert check.checked is not None, check.summary.text()
    qtbot.waitUntil(lambda: check.grid.rowCount() > 0, timeout=10000)
    assert not check.import_button.isEnabled() and check.valid_button.isEnabled()
    assert check.list.count() == 1
    line = check.list.item(0).text()
    assert line.startswith("row 3, column 电话: The phone number is not one that can be dialled")
    bad_row = [check.grid.verticalHeaderItem(r).text() for r in range(check.grid.rowCount())].index("3")
    cell = check.grid.item(bad_row, HEADERS.index("电话"))
    assert cell.text() == BAD_PHONE and cell.background().color().name() == import_wizard.BAD_BACKGROUND
    assert cell.toolTip().startswith("The phone number is not one")
    good = check.grid.item(bad_row, 0)
    assert good.background().style() == Qt.BrushStyle.NoBrush
    shot(wizard, "wizard_4_problems")
    check.list.itemDoubleClicked.emit(check.list.item(0))
    assert (check.grid.currentRow(), check.grid.currentColumn()) == (bad_row, HEADERS.index("电话"))
    assert customer_codes(world) == set()  # the check wrote nothing

    qtbot.mouseClick(check.valid_button, Qt.MouseButton.LeftButton)
    rejects = tmp_path / "rejected.xlsx"
    check.rejects_dialog.selectFile(str(rejects))
    check.rejects_dialog.accept()
    box = check.confirm_box
    assert box.text().startswith("Rows to import: 2. Rows left out: 1;")
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.RESULT, timeout=5000)
    assert customer_codes(world) == {"NEW1", "NEW3"}
    rejected = list(openpyxl.load_workbook(rejects).active.iter_rows(values_only=True))
    assert len(rejected) == 2 and rejected[1][0] == "NEW2"
    text_shown = wizard.result_page.text.text()
    assert "Rows read: 3; new: 2," in text_shown and f"Rows left out: 1; they are in {rejects}." in text_shown
    shot(wizard, "wizard_5_result")


def test_a_corrected_file_imports_and_the_mapping_is_remembered(world: World, clients, qtbot, tmp_path: Path) -> None:
    _, wizard = open_wizard(clients, qtbot)
    path = customers_file(tmp_path / "customers.xlsx", [GOOD_PHONE, BAD_PHONE])
    choose_file(qtbot, wizard, path)
    next_page(qtbot, wizard)
    wizard.mapping_page.set_field("地址", None)  # the person leaves the address out
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.preview_page.loaded, timeout=10000)
    next_page(qtbot, wizard)
    check = wizard.check_page
    qtbot.waitUntil(lambda: check.checked is not None, timeout=20000)
    assert check.checked.problems and not check.import_button.isEnabled()

    customers_file(path, [GOOD_PHONE, "021-6888 1000"])  # corrected in Excel
    qtbot.mouseClick(check.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: check.checked is not None and not check.busy, timeout=20000)
    assert check.checked.problems == [] and check.import_button.isEnabled()
    assert check.summary.text() == "Every row is correct. Rows: 2; new: 2, changed: 0, unchanged: 0."
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        qtbot.mouseClick(check.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.RESULT, timeout=5000)
    assert customer_codes(world) == {"NEW1", "NEW2"}
    assert (
        world.db.run(lambda s: s.execute(text("SELECT address FROM erp.customers WHERE code = 'NEW1'")).scalar()) == ""
    )
    wizard.accept()

    _, again = open_wizard(clients, qtbot)  # the same headers next time: the same mapping
    choose_file(qtbot, again, path)
    next_page(qtbot, again)
    assert again.mapping_page.mapping()["地址"] is None


def test_which_kinds_each_department_is_offered() -> None:
    duties = [
        {"department": "sales", "table_name": "customers", "on_insert": ["code"], "on_update": ["name"]},
        {"department": "finance", "table_name": "customers", "on_insert": [], "on_update": ["credit_limit"]},
        {"department": "purchasing", "table_name": "suppliers", "on_insert": ["code"], "on_update": ["name"]},
    ]
    names = lambda department, duty_set: [  # noqa: E731
        k.name for k in importable_kinds(department, duties, lambda duty: duty in duty_set)
    ]
    assert names("sales", {"enter_orders"}) == ["customers", "sales_orders"]
    assert names("purchasing", set()) == ["suppliers"]
    assert names("warehouse", {"adjust_stock"}) == ["opening_stock"]
    assert names("finance", set()) == ["customers"]
    assert len(names("admin", set())) == len(import_wizard.KINDS)


def big_csv(path: Path, rows: int, bad: set[int]) -> Path:
    lines = [",".join(HEADERS)]
    for number in range(1, rows + 1):
        phone = BAD_PHONE if number in bad else GOOD_PHONE
        lines.append(f"BIG{number},大客户 {number},{phone},上海市 {number} 号")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def to_check_page(qtbot, wizard: ImportWizard, path: Path) -> None:
    choose_file(qtbot, wizard, path)
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.preview_page.loaded, timeout=10000)
    next_page(qtbot, wizard)


def test_a_big_file_shows_only_the_rows_with_problems(world: World, clients, qtbot, tmp_path: Path) -> None:
    _, wizard = open_wizard(clients, qtbot)
    to_check_page(qtbot, wizard, big_csv(tmp_path / "big.csv", 30_000, {10, 20_000}))
    check = wizard.check_page
    qtbot.waitUntil(lambda: not check.busy, timeout=60000)
    assert check.checked is not None and check.checked.rows == 30_000, check.summary.text()
    qtbot.waitUntil(lambda: check.grid.rowCount() > 0, timeout=10000)
    shown = [check.grid.verticalHeaderItem(r).text() for r in range(check.grid.rowCount())]
    assert shown == ["10", "11", "12", "20000", "20001", "20002"]  # file rows: a problem and its neighbours
    assert customer_codes(world) == set()


def test_cancel_stops_the_check(world: World, clients, qtbot, tmp_path: Path) -> None:
    _, wizard = open_wizard(clients, qtbot)
    to_check_page(qtbot, wizard, big_csv(tmp_path / "big.csv", 200_000, set()))
    check = wizard.check_page
    assert check.busy and check.cancel_button.isVisible()
    qtbot.mouseClick(check.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not check.busy, timeout=60000)
    assert check.summary.text() == "Cancelled: nothing was written."
    assert check.checked is None and not check.import_button.isEnabled()


def test_a_template_is_saved_and_reads_back_as_the_kind(world: World, clients, qtbot, tmp_path: Path) -> None:
    _, wizard = open_wizard(clients, qtbot)
    page = wizard.kind_page
    page.kind.setCurrentIndex(page.kind.findData("customers"))
    qtbot.mouseClick(page.template, Qt.MouseButton.LeftButton)
    target = tmp_path / "customers-template.xlsx"
    page.template_dialog.selectFile(str(target))
    page.template_dialog.accept()
    qtbot.waitUntil(lambda: target.exists() and "template is saved" in page.status.text(), timeout=10000)
    header = next(openpyxl.load_workbook(target).worksheets[0].iter_rows(values_only=True))
    assert header[:2] == ("Code", "Name")
    page.open_file(target)  # a template read back maps itself
    qtbot.waitUntil(page.isComplete, timeout=10000)
    next_page(qtbot, wizard)
    assert wizard.mapping_page.problem() == ""


def test_the_admin_is_offered_every_kind(world: World, clients, qtbot) -> None:
    _, wizard = open_wizard(clients, qtbot, "admin")
    combo = wizard.kind_page.kind
    assert [combo.itemData(i) for i in range(combo.count())] == list(import_wizard.KINDS)


def test_open_orders_import_and_confirm(world: World, clients, qtbot, tmp_path: Path) -> None:
    world.stock("BUY-A", 10)
    path = tmp_path / "orders.csv"
    path.write_text(
        "订单号,客户,物料编码,数量\nOLD-1,CN,BUY-A,2\nOLD-1,CN,BUY-B,1\nOLD-2,LIMIT,BUY-A,1\n", encoding="utf-8"
    )
    _, wizard = open_wizard(clients, qtbot)
    page = wizard.kind_page
    page.kind.setCurrentIndex(page.kind.findData("sales_orders"))
    page.open_file(path)
    qtbot.waitUntil(page.isComplete, timeout=10000)
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.preview_page.loaded, timeout=10000)
    next_page(qtbot, wizard)
    check = wizard.check_page
    qtbot.waitUntil(lambda: not check.busy, timeout=20000)
    assert check.checked is not None and check.checked.problems == [], check.summary.text()
    assert check.confirm_orders.isVisible()
    check.confirm_orders.setChecked(True)
    shot(wizard, "wizard_4_orders")
    with qtbot.waitSignal(wizard.imported, timeout=30000):
        qtbot.mouseClick(check.import_button, Qt.MouseButton.LeftButton)
    states = text("SELECT customer_reference, state FROM erp.sales_orders ORDER BY customer_reference")
    found = dict(world.db.run(lambda s: s.execute(states).all()))
    assert set(found.values()) - {"draft"}, found  # confirmed on import, not left as drafts
    assert world.count("sales_orders") == 2
