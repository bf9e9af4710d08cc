"""An administrator sees who holds the office up and ends that session; a clerk changes their own password in
the app, by the rule and audited."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import text
from sqlalchemy.engine import make_url

from erp_desktop.dialogs import ChangePasswordDialog
from erp_desktop.windows.admin import AdminWindow
from erp_desktop.windows.warehouse import WarehouseWindow
from server_db.core.db import Database
from server_db.sales import services as sales
from tests.clerks import Clerk
from tests.factories import World
from tests.gui.conftest import PASSWORD, Clients


def test_the_admin_sees_who_waits_for_whom_and_ends_the_session_holding_them_up(
    qtbot, clients: Clients, world: World, db_url: str
) -> None:
    world.stock("BUY-A", 3)
    forgotten = Clerk(db_url, clients.login("warehouse"), PASSWORD).conn
    forgotten.autocommit = False
    with forgotten.cursor() as cursor:  # a psql session left open after an adjustment
        cursor.execute("SELECT erp.adjust_stock(%s, 1, 5, 'count difference')", (world.products["BUY-A"],))
        cursor.execute("SELECT pg_backend_pid()")
        holder = cursor.fetchone()[0]
    order = world.order([("BUY-A", 1)])
    waiter = threading.Thread(target=lambda: world.db.run(sales.confirm_order, order))
    waiter.start()
    window = AdminWindow(clients.open("admin"))
    qtbot.addWidget(window)
    window.show()
    try:
        window.tabs.setCurrentWidget(window.sessions)
        panel = window.sessions
        qtbot.waitUntil(lambda: panel.table.source.row_of(holder) is not None and "waits for" in panel.waits.text(),
                        timeout=15000)  # fmt: skip
        assert f"session {holder}, idle in transaction" in panel.waits.text()
        assert panel.table.source.record_by_id(holder)["blocks"] == 1
        window.grab().save("/tmp/admin-sessions.png")
        panel.table.select_id(holder)
        qtbot.mouseClick(panel.end_button, Qt.MouseButton.LeftButton)
        question = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        assert str(holder) in question.text()
        question.button(QMessageBox.StandardButton.Yes).click()
        qtbot.waitUntil(lambda: not waiter.is_alive(), timeout=15000)  # the confirmation went through
        qtbot.waitUntil(lambda: f"Session {holder}" in window.message.text, timeout=5000)
        qtbot.waitUntil(lambda: panel.table.source.row_of(holder) is None, timeout=10000)
    finally:
        if waiter.is_alive():
            world.db.run(lambda s: s.execute(text("SELECT pg_terminate_backend(:p)"), {"p": holder}))
        waiter.join(20)
        forgotten.close()
        window.close()
    assert world.state(order) == "ready"


def test_a_clerk_changes_their_own_password_in_the_app(qtbot, clients: Clients, world: World, db_url: str) -> None:
    login = clients.login("warehouse")
    window = WarehouseWindow(clients.open("warehouse"))
    qtbot.addWidget(window)
    window.show()
    menu = window.menuBar().actions()[0].menu()
    action = next(a for a in menu.actions() if a.objectName() == "changeMyPassword")
    action.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ChangePasswordDialog))
    dialog.password.setText("short")
    dialog.repeat.setText("short")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "at least 6 characters" in dialog.message.text, timeout=10000)
    assert dialog.isVisible()  # refused in place; nothing changed
    dialog.password.setText("a-better-one")
    dialog.repeat.setText("a-better-one")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "Your password is changed." in window.message.text, timeout=10000)
    window.close()
    url = make_url(db_url)._replace(username=login, password="a-better-one").render_as_string(hide_password=False)
    own = Database(url, pool_size=1)
    try:
        assert own.run(lambda s: s.execute(text("SELECT session_user")).scalar()) == login
    finally:
        own.dispose()
    audited = world.db.run(
        lambda s: s.execute(
            text("SELECT actor, after ->> 'password' FROM erp.audit_log WHERE table_name = 'users' AND row_id = :l"
                 " AND after ? 'password'"),
            {"l": login},
        ).all()
    )  # fmt: skip
    assert audited == [(login, "changed by the user")]
