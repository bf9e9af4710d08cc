"""The administration window, clicked like an administrator would, over a real database: users are added,
moved, given new passwords, disabled and enabled; the audit trail tells an order's story."""

from __future__ import annotations

import uuid

import psycopg2
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.engine import make_url

from erp_desktop.windows.admin import AccountDialog, AdminWindow
from erp_desktop.windows.audit import AuditDialog, describe, pretty_json
from server_db.core.db import Database
from server_db.core.errors import PermissionDenied
from server_db.people import queries as people_queries
from server_db.people import services as people
from server_db.people.identity import current_login, whoami
from server_db.sales import services as sales
from server_db.supervisor import audit
from tests.factories import World
from tests.gui.conftest import Clients

NEW_PASSWORD = "new-pass-42"


def unique_login(tag: str = "n") -> str:
    return f"a{tag}{uuid.uuid4().hex[:8]}"


def connect(db_url: str, login: str, password: str) -> psycopg2.extensions.connection:
    url = make_url(db_url)
    conn = psycopg2.connect(
        host=url.host or url.query.get("host"),
        port=url.port or url.query.get("port"),
        dbname=url.database,
        user=login,
        password=password,
    )
    conn.autocommit = True
    return conn


def as_user(db_url: str, login: str, password: str) -> Database:
    url = make_url(db_url)._replace(username=login, password=password)
    return Database(url.render_as_string(hide_password=False), pool_size=1)


def open_admin(qtbot, clients: Clients, department: str = "admin") -> AdminWindow:
    window = AdminWindow(clients.open(department))
    qtbot.addWidget(window)
    window.show()
    if window.may_read:
        qtbot.waitUntil(lambda: window.users.loaded and window.audit_loaded, timeout=10000)
    return window


def user_row(window: AdminWindow, login: str) -> dict | None:
    return window.users.table.source.record_by_id(login)


def answer_next_question(qtbot, button: QMessageBox.StandardButton) -> list[str]:
    """Answer the next message box with `button`; returns a list that receives the question asked."""
    asked: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        asked.append(box.text())
        box.button(button).click()

    QTimer.singleShot(0, answer)
    return asked


def fill(dialog: AccountDialog, **values: str) -> None:
    for name, value in values.items():
        if name == "department":
            dialog.department.setCurrentIndex(dialog.department.findData(value))
        else:
            getattr(dialog, name).setText(value)


def wait_closed(qtbot, dialog: AccountDialog) -> None:
    qtbot.waitUntil(lambda: not _visible(dialog), timeout=10000)


def _visible(widget) -> bool:
    try:
        return widget.isVisible()
    except RuntimeError:  # deleted on close
        return False


# -- users ------------------------------------------------------------------------------------------------


def test_an_admin_adds_a_user_who_can_then_log_in(qtbot, clients: Clients, db_url: str) -> None:
    window = open_admin(qtbot, clients)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # Ctrl+N: Add user
    qtbot.waitUntil(lambda: window.dialog is not None and window.dialog.isVisible(), timeout=3000)
    dialog = window.dialog
    assert dialog.windowTitle() == "Add user"
    login = unique_login()
    qtbot.keyClicks(dialog.login, login)
    fill(dialog, full_name="李安娜 Anna Li", department="warehouse", password=NEW_PASSWORD, repeat=NEW_PASSWORD)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_closed(qtbot, dialog)

    qtbot.waitUntil(lambda: user_row(window, login) is not None, timeout=10000)
    row = user_row(window, login)
    assert (row["full_name"], row["department"], row["status"]) == ("李安娜 Anna Li", "warehouse", "active")
    assert "added to warehouse" in window.message.text
    qtbot.waitUntil(lambda: window.users.table.current_id() == login, timeout=3000)

    database = as_user(db_url, login, NEW_PASSWORD)
    try:
        identity = database.run(whoami)
    finally:
        database.dispose()
    assert (identity.login, identity.department, identity.full_name) == (login, "warehouse", "李安娜 Anna Li")


@pytest.mark.parametrize(
    ("password", "repeat", "message", "field"),
    [
        ("abc", "abc", "A password needs at least 6 characters.", "password"),
        ("long-enough-1", "long-enough-2", "The two passwords differ; type the same password twice.", "repeat"),
    ],
)
def test_a_bad_password_is_explained_in_the_dialog_and_creates_nothing(
    qtbot, clients: Clients, world: World, password: str, repeat: str, message: str, field: str
) -> None:
    window = open_admin(qtbot, clients)
    dialog = window.add_user()
    login = unique_login()
    fill(dialog, login=login, department="sales", password=password, repeat=repeat)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.text == message, timeout=10000)
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    assert getattr(dialog, field).property("invalid") is True
    assert dialog.repeat.text() == ""  # typed again after a password refusal
    assert login not in {u["login"] for u in world.db.run(people_queries.list_users)}

    fill(dialog, password="good-pass-1", repeat="good-pass-1")  # fixed in place: the same dialog saves
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_closed(qtbot, dialog)
    assert login in {u["login"] for u in world.db.run(people_queries.list_users)}


def test_a_bad_login_is_marked_and_the_dialog_stays_open(qtbot, clients: Clients) -> None:
    window = open_admin(qtbot, clients)
    dialog = window.add_user()
    fill(dialog, login="Anna Li", password=NEW_PASSWORD, repeat=NEW_PASSWORD)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "A user name is 2-63 lower-case letters" in dialog.message.text, timeout=10000)
    assert dialog.isVisible() and dialog.login.property("invalid") is True
    dialog.reject()


def test_disabling_a_user_ends_their_open_session_at_once(qtbot, clients: Clients, db_url: str) -> None:
    victim = clients.login("sales")
    session = connect(db_url, victim, "gui-pass-1")
    with session.cursor() as cursor:
        cursor.execute("SELECT 1")
    window = open_admin(qtbot, clients)
    window.reload()
    qtbot.waitUntil(lambda: (user_row(window, victim) or {}).get("sessions") == 1, timeout=10000)
    assert window.users.table.select_id(victim)
    assert window.disable_action.isEnabled() and not window.enable_action.isEnabled()

    declined = answer_next_question(qtbot, QMessageBox.StandardButton.No)
    window.disable_action.trigger()
    assert declined == [
        f"Disable {victim} (Sales Clerk)? Their open sessions end at once, and they "
        "cannot log in until you enable them again."
    ]
    with session.cursor() as cursor:  # "No" changed nothing
        cursor.execute("SELECT 1")

    answer_next_question(qtbot, QMessageBox.StandardButton.Yes)
    window.disable_action.trigger()
    qtbot.waitUntil(lambda: (user_row(window, victim) or {}).get("status") == "disabled", timeout=10000)
    # (the list follows the person's events; the message comes once the sessions have been ended too)
    qtbot.waitUntil(lambda: window.message.text == f"{victim} is disabled (1 open session ended).", timeout=10000)
    with pytest.raises(psycopg2.Error), session.cursor() as cursor:
        cursor.execute("SELECT 1")
    with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
        connect(db_url, victim, "gui-pass-1")

    window.users.table.select_id(victim)
    window.update_actions()
    assert window.enable_action.isEnabled() and not window.disable_action.isEnabled()
    window.enable_action.trigger()
    qtbot.waitUntil(lambda: (user_row(window, victim) or {}).get("status") == "active", timeout=10000)
    connect(db_url, victim, "gui-pass-1").close()


def test_moving_a_user_and_resetting_the_password(qtbot, clients: Clients, db_url: str) -> None:
    person = clients.login("sales")
    window = open_admin(qtbot, clients)
    window.reload()
    qtbot.waitUntil(lambda: user_row(window, person) is not None, timeout=10000)
    window.users.table.select_id(person)

    dialog = window.change_department()
    assert dialog is not None and dialog.department.currentData() == "sales"
    fill(dialog, department="finance")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_closed(qtbot, dialog)
    qtbot.waitUntil(lambda: (user_row(window, person) or {}).get("department") == "finance", timeout=10000)

    window.users.table.select_id(person)
    dialog = window.reset_password()
    fill(dialog, password="changed-pass-1", repeat="changed-pass-1")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_closed(qtbot, dialog)
    assert window.message.text == f"New password set for {person}."
    database = as_user(db_url, person, "changed-pass-1")
    try:
        assert database.run(whoami).department == "finance"
    finally:
        database.dispose()


def test_the_department_filter_and_search(qtbot, clients: Clients) -> None:
    logins = {department: clients.login(department) for department in ("sales", "finance")}
    window = open_admin(qtbot, clients)
    window.reload()
    qtbot.waitUntil(lambda: all(user_row(window, login) for login in logins.values()), timeout=10000)
    window.department_filter.setCurrentIndex(window.department_filter.findData("finance"))
    shown = {window.users.table.proxy.id_at(r) for r in range(window.users.table.proxy.rowCount())}
    assert logins["finance"] in shown and logins["sales"] not in shown
    window.department_filter.setCurrentIndex(0)
    window.users.filter.search.setText(logins["sales"])
    qtbot.waitUntil(lambda: window.users.table.proxy.rowCount() == 1, timeout=3000)
    assert window.users.table.proxy.id_at(0) == logins["sales"]


def test_f5_reads_the_users_again(qtbot, clients: Clients, world: World) -> None:
    window = open_admin(qtbot, clients)
    login = unique_login("f")
    world.db.run(people.create_user, login=login, department="production", password=NEW_PASSWORD)
    assert user_row(window, login) is None  # users send no events: nothing arrives by itself
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: user_row(window, login) is not None, timeout=10000)
    window.users.table.select_id(login)
    qtbot.keyClick(window.users.table, Qt.Key.Key_Return)  # Enter: change the department
    assert window.dialog is not None and window.dialog.windowTitle() == f"Change the department of {login}"
    window.dialog.reject()


# -- who may do what --------------------------------------------------------------------------------------


USER_ACTIONS = ("add_action", "department_action", "password_action", "disable_action", "enable_action")


@pytest.mark.parametrize("department", ["sales", "warehouse", "finance"])
def test_a_clerk_sees_no_user_actions(qtbot, clients: Clients, department: str) -> None:
    window = open_admin(qtbot, clients, department)
    assert all(getattr(window, name) is None for name in USER_ACTIONS)
    assert window.history_action is None
    assert window.toolbar.actions() == []
    assert not window.tabs.isEnabled()
    assert window.message.text == f"Only an administrator manages users; you are logged in as {department}."
    assert window.change_department() is None


def test_a_supervisor_reads_users_and_the_audit_but_changes_nothing(qtbot, clients: Clients, world: World) -> None:
    world.confirmed_order([("BUY-A", 1)])
    window = open_admin(qtbot, clients, "supervisor")
    assert all(getattr(window, name) is None for name in USER_ACTIONS)
    assert window.history_action is not None
    assert window.users.table.source.rowCount() >= 1
    assert window.audit_view.table.source.rowCount() > 0
    assert "you may look at them" in window.message.text


# -- the audit trail --------------------------------------------------------------------------------------


def test_the_audit_tab_shows_recent_rows_and_filters_them(qtbot, clients: Clients, world: World) -> None:
    order = world.confirmed_order([("BUY-A", 2)])
    window = open_admin(qtbot, clients)
    window.tabs.setCurrentIndex(1)
    texts = window.audit_view.texts()
    assert any("Sales order" in text and "state: draft → confirmed" in text for text in texts)

    window.audit_table.setCurrentIndex(window.audit_table.findData("sales_orders"))
    qtbot.waitUntil(
        lambda: window.audit_view.texts() and all(" | Sales order | " in text for text in window.audit_view.texts()),
        timeout=10000,
    )
    actor = world.db.run(current_login)
    qtbot.waitUntil(lambda: window.audit_actor.findData(actor) >= 0, timeout=10000)
    window.audit_actor.setCurrentIndex(window.audit_actor.findData(actor))
    qtbot.waitUntil(lambda: all(f" | {actor} | " in text for text in window.audit_view.texts()), timeout=10000)

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # the visible tab's search
    assert window.audit_view.filter.search.hasFocus()

    first = window.audit_view.table.source.ids()[0]
    window.audit_view.table.select_id(first)
    row = window.audit_view.current_row()
    assert window.audit_view.after.toPlainText() == pretty_json(row["after"])
    assert window.audit_view.after.isReadOnly()
    assert int(row["row_id"]) == order


def test_the_history_of_an_order_by_number(qtbot, clients: Clients, world: World) -> None:
    world.stock("BUY-A", 10)
    order = world.confirmed_order([("BUY-A", 4)])
    world.ship_all(order)
    number = world.order_row(order)["number"]
    window = open_admin(qtbot, clients)
    window.focus_order_lookup()
    assert window.tabs.currentIndex() == 1
    qtbot.keyClicks(window.order_number, number.lower())
    qtbot.keyClick(window.order_number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.audit_dialogs) and window.audit_dialogs[-1].loaded, timeout=10000)
    dialog: AuditDialog = window.audit_dialogs[-1]
    assert dialog.windowTitle() == f"History of {number} — audit trail"
    texts = dialog.view.texts()
    order_rows = [t for t in texts if " | Sales order | " in t]
    assert "created: state draft" in order_rows[0]
    assert any("state: draft → confirmed" in t for t in order_rows)
    tables = {t.split(" | ")[2] for t in texts}
    assert {"Sales order", "Order line", "Reservation", "Delivery note", "Delivery note line"} <= tables
    times = [t.split(" | ")[0] for t in texts]
    assert times == sorted(times)  # oldest first

    dialog.view.table.select_id(dialog.view.table.source.ids()[1])
    assert dialog.view.before.isReadOnly() and dialog.view.after.isReadOnly()
    dialog.close()


def test_an_unknown_order_number_is_one_sentence(qtbot, clients: Clients, world: World) -> None:
    window = open_admin(qtbot, clients)
    window.focus_order_lookup()
    window.order_number.setText("SO-1999-99999")
    qtbot.keyClick(window.order_number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.message.text == "There is no sales order SO-1999-99999.", timeout=10000)
    assert window.audit_dialogs == []
    window.order_number.clear()
    window.open_order_history()
    qtbot.waitUntil(lambda: window.message.text == "Type an order number, e.g. SO-2026-00001.", timeout=10000)


def test_a_row_of_the_trail_opens_its_orders_history(qtbot, clients: Clients, world: World) -> None:
    order = world.confirmed_order([("BUY-A", 1)])
    window = open_admin(qtbot, clients)
    window.tabs.setCurrentIndex(1)
    rows = window.audit_view.table.source
    target = next(
        rows.record(r)["id"] for r in range(rows.rowCount()) if rows.record(r)["table_name"] == "sales_order_lines"
    )
    window.audit_view.table.select_id(target)
    qtbot.keyClick(window.audit_view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.audit_dialogs) and window.audit_dialogs[-1].loaded, timeout=10000)
    dialog = window.audit_dialogs[-1]
    assert dialog.order_id == order
    assert dialog.order_number == world.order_row(order)["number"]  # learnt from the trail


# -- the audit queries --------------------------------------------------------------------------------------


def test_order_audit_follows_the_order_through_every_document(world: World) -> None:
    world.stock("BUY-A", 10)
    order = world.confirmed_order([("BUY-A", 4), ("BUY-B", 1)])
    other = world.confirmed_order([("BUY-A", 1)])
    world.db.run(sales.cancel_order, order, reason="customer changed their mind")
    rows = world.db.run(audit.order_audit, order)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    tables = {r["table_name"] for r in rows}
    assert {"sales_orders", "sales_order_lines", "reservations", "purchase_requests"} <= tables
    other_rows = {r["id"] for r in world.db.run(audit.order_audit, other)}
    assert not other_rows & {r["id"] for r in rows}
    states = [r["changes"]["state"] for r in rows if r["table_name"] == "sales_orders" and "state" in r["changes"]]
    assert states[0] == ["draft", "confirmed"] and states[-1][1] == "cancelled"
    for row in rows:
        if row["action"] == "update":
            assert row["changes"] and all(row["before"][k] != row["after"][k] for k in row["changes"])
        else:
            assert row["changes"] == {}
    assert describe(next(r for r in rows if r["changes"].get("state") == ["draft", "confirmed"])).startswith(
        "state: draft → confirmed"
    )


def test_order_audit_includes_invoices_and_payments(world: World) -> None:
    world.stock("BUY-A", 10)
    order = world.confirmed_order([("BUY-A", 2)])
    world.ship_all(order)
    invoice = world.invoice(order)
    from server_db.finance import services as finance

    world.db.run(finance.record_payment, invoice, amount="22.60")
    tables = {r["table_name"] for r in world.db.run(audit.order_audit, order)}
    assert {"delivery_notes", "delivery_note_lines", "invoices", "invoice_lines", "payments"} <= tables


def test_recent_audit_filters_and_readers(world: World, clients: Clients, db_url: str) -> None:
    world.confirmed_order([("BUY-A", 1)])
    rows = world.db.run(audit.recent_audit, limit=5)
    assert len(rows) == 5 and [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    only = world.db.run(audit.recent_audit, table="sales_order_lines")
    assert only and {r["table_name"] for r in only} == {"sales_order_lines"}
    assert world.db.run(audit.recent_audit, actor="nobody_at_all") == []
    clerk = clients.login("sales")
    database = as_user(db_url, clerk, "gui-pass-1")
    try:
        with pytest.raises(PermissionDenied):
            database.run(audit.recent_audit)
        with pytest.raises(PermissionDenied):
            database.run(audit.order_audit, 1)
    finally:
        database.dispose()
