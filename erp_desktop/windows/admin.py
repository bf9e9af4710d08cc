"""Administration: the people who use the ERP (add, move, reset the password of, disable and enable them)
and the audit trail, with any order's whole history a number away.

People are not in the event outbox, so the user list is read again after every action and with F5."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from erp_desktop.context import ClientContext
from erp_desktop.table_models import Column
from erp_desktop.widgets import MessageBar, confirm
from erp_desktop.windows.audit import TABLE_LABELS, AuditDialog, AuditView, order_of
from erp_desktop.windows.base import RoleWindow
from erp_desktop.windows.masterdata.bom import ProductsPage
from erp_desktop.windows.masterdata.page import MasterDataActions, MasterDataPage
from erp_desktop.windows.masterdata.quality import DataQualityPage
from erp_desktop.windows.masterdata.records import CUSTOMERS, SUPPLIERS, WAREHOUSES, WORK_CENTRES
from erp_desktop.windows.sessions import SessionsPanel
from server_db.core.changes import Changes
from server_db.core.departments import DEPARTMENT_LABELS, DEPARTMENTS
from server_db.core.errors import DomainError
from server_db.people import queries as people_queries
from server_db.people import services as people
from server_db.sales import queries as sales_queries
from server_db.supervisor import audit

USER_COLUMNS = [
    Column("login", "Login", width=150),
    Column("full_name", "Full name", width=220),
    Column("department", "Department", width=110),
    Column("status", "Status", width=80),
    Column("sessions", "Open sessions", "qty", width=100),
    Column("created_at", "Created", "datetime", width=130),
]

AUDIT_LIMITS = (200, 1000, 5000)


def with_status(row: dict[str, Any]) -> None:
    """A word for whether the user may log in."""
    row["status"] = "active" if row["active"] else "disabled"


def logins_changed(changes: Changes) -> set[str]:
    """The people an event names (their login is the event's document number)."""
    return {e.document_no for e in changes.events if e.document_type == "user" and e.document_no}


def disabled_in_grey(record: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    return (None, "#9e9e9e", False) if not record.get("active") else (None, None, False)


class AccountDialog(QDialog):
    """Add a user, change a department or set a password. Errors appear in the dialog, next to the field,
    and the dialog stays open until the change is saved or the person cancels."""

    submitted = Signal(dict)

    ADD, DEPARTMENT, PASSWORD = "add", "department", "password"

    def __init__(
        self,
        mode: str,
        parent: QWidget | None = None,
        *,
        login: str = "",
        full_name: str = "",
        department: str = "sales",
    ) -> None:
        super().__init__(parent)
        self.mode = mode
        self.setObjectName(f"{mode}UserDialog")
        titles = {
            self.ADD: "Add user",
            self.DEPARTMENT: f"Change the department of {login}",
            self.PASSWORD: f"Reset the password of {login}",
        }
        self.setWindowTitle(titles[mode])
        self.setMinimumWidth(440)
        form = QFormLayout()
        self.login = self._edit("login", "e.g. anna or li_wei")
        self.login.setText(login)
        self.full_name = self._edit("fullName", "e.g. 李安娜 Anna Li")
        self.full_name.setText(full_name)
        self.department = QComboBox(self)
        self.department.setObjectName("department")
        for name in DEPARTMENTS:
            self.department.addItem(DEPARTMENT_LABELS[name].capitalize(), name)
        self.department.setCurrentIndex(max(0, self.department.findData(department)))
        self.password = self._edit("password", "at least 6 characters", secret=True)
        self.repeat = self._edit("passwordRepeat", "the same password again", secret=True)
        if mode == self.ADD:
            form.addRow("&Login:", self.login)
            form.addRow("Full &name:", self.full_name)
        else:
            self.login.setReadOnly(True)
            self.full_name.setReadOnly(True)
            self.login.hide()
            self.full_name.hide()
            form.addRow(QLabel(f"<b>{login}</b>" + (f" · {full_name}" if full_name else ""), self))
        if mode in (self.ADD, self.DEPARTMENT):
            form.addRow("&Department:", self.department)
        else:
            self.department.hide()
        if mode in (self.ADD, self.PASSWORD):
            form.addRow("&Password:", self.password)
            form.addRow("&Repeat password:", self.repeat)
        else:
            self.password.hide()
            self.repeat.hide()
        self.message = MessageBar(self)
        buttons = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        self.buttons = QDialogButtonBox(buttons, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(
            {self.ADD: "Add user", self.DEPARTMENT: "Change department", self.PASSWORD: "Set password"}[mode]
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        first = {self.ADD: self.login, self.DEPARTMENT: self.department, self.PASSWORD: self.password}[mode]
        first.setFocus()

    def _edit(self, name: str, placeholder: str, *, secret: bool = False) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.textEdited.connect(lambda _: self._mark(edit, False))
        return edit

    @staticmethod
    def _mark(widget: QWidget, invalid: bool) -> None:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def values(self) -> dict[str, Any]:
        return {
            "login": self.login.text().strip(),
            "full_name": self.full_name.text().strip(),
            "department": self.department.currentData(),
            "password": self.password.text(),
        }

    def submit(self) -> None:
        if self.mode in (self.ADD, self.PASSWORD) and self.password.text() != self.repeat.text():
            self.show_error(
                DomainError("The two passwords differ; type the same password twice.", field="passwordRepeat")
            )
            return
        self.set_busy(True)
        self.submitted.emit(self.values())

    def set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)
        if busy:
            self.message.hide()

    def show_error(self, exc: BaseException) -> None:
        """The refusal in the dialog, the field it is about marked and focused; the dialog stays open."""
        self.set_busy(False)
        self.message.show_error(exc)
        field = getattr(exc, "field", None)
        widget = {
            "login": self.login,
            "full_name": self.full_name,
            "department": self.department,
            "password": self.password,
            "passwordRepeat": self.repeat,
        }.get(field or "")
        if widget is not None and widget.isVisible():
            if isinstance(widget, QLineEdit):
                self._mark(widget, True)
                widget.selectAll()
            widget.setFocus()
        if field in ("password", "passwordRepeat"):
            self.repeat.clear()


class AdminWindow(RoleWindow):
    department = "admin"
    title = "Administration"

    def __init__(self, context: ClientContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.inbox.hide()  # no event is the administrator's business (erp_desktop.inbox): room for the lists
        self.may_read = context.may("read_audit")  # the supervisor and the admin read users and the audit
        self.dialog: AccountDialog | None = None
        self.audit_dialogs: list[AuditDialog] = []

        self.users = self.live_list(
            USER_COLUMNS,
            people_queries.list_users,
            logins_changed,
            display=with_status,
            key="login",
            extra_fields=("active",),
            search="Search login, name (Ctrl+F)",
            sort=(0, Qt.SortOrder.AscendingOrder),
        )
        self.users.table.setObjectName("users")
        self.users.table.source.row_style = disabled_in_grey
        self.department_filter = QComboBox(self)
        self.department_filter.setObjectName("departmentFilter")
        self.department_filter.addItem("All departments", None)
        for name in DEPARTMENTS:
            self.department_filter.addItem(name.capitalize(), name)
        self.department_filter.currentIndexChanged.connect(self._filter_department)
        bar = self.users.filter.layout()
        assert bar is not None
        bar.addWidget(self.department_filter)
        self.users.table.activated_id.connect(lambda _: self.change_department())
        if not self.may_read:
            self.lists.remove(self.users)  # nothing to load: the database would refuse

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("adminTabs")
        self.tabs.addTab(self.users.container, "&Users")
        self.tabs.addTab(self._build_audit_tab(), "Audit t&rail")
        self.sessions = SessionsPanel(self, may_end=context.may("manage_users"))
        self.tabs.addTab(self.sessions, "&Sessions")
        self.customers = MasterDataPage(self, CUSTOMERS)
        self.suppliers = MasterDataPage(self, SUPPLIERS)
        self.products = ProductsPage(self)
        self.warehouses = MasterDataPage(self, WAREHOUSES)
        self.work_centres = MasterDataPage(self, WORK_CENTRES)
        self.quality = DataQualityPage(self, self.open_record)
        self.tabs.addTab(self.customers, "&Customers")
        self.tabs.addTab(self.suppliers, "Su&ppliers")
        self.tabs.addTab(self.products, "Pr&oducts")
        self.tabs.addTab(self.warehouses, "&Warehouses")
        self.tabs.addTab(self.work_centres, "Wor&k centres")
        self.tabs.addTab(self.quality, "Data &quality")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.tab_shortcuts(self.tabs)
        self.central(self.tabs)

        selected = self.users.table.current_record
        me = context.identity.login
        self.add_action = self.action(
            "&Add user",
            self.add_user,
            shortcut="Ctrl+N",
            duty="manage_users",
            tip="Add a person who logs in to the ERP",
        )
        self.department_action = self.action(
            "Change &department",
            self.change_department,
            shortcut="F2",
            duty="manage_users",
            enabled=lambda: selected() is not None,
        )
        self.password_action = self.action(
            "Reset &password",
            self.reset_password,
            shortcut="Ctrl+Shift+P",
            duty="manage_users",
            enabled=lambda: selected() is not None,
        )
        self.disable_action = self.action(
            "D&isable",
            self.disable_user,
            shortcut="Ctrl+Shift+D",
            duty="manage_users",
            enabled=lambda: bool((selected() or {}).get("active")) and (selected() or {}).get("login") != me,
            tip="Stop the user from logging in; their open sessions end at once",
        )
        self.enable_action = self.action(
            "&Enable",
            self.enable_user,
            shortcut="Ctrl+Shift+E",
            duty="manage_users",
            enabled=lambda: selected() is not None and not (selected() or {}).get("active"),
        )
        self.history_action = self.action(
            "Order &history",
            self.focus_order_lookup,
            shortcut="Ctrl+H",
            duty="read_audit",
            tip="Show the whole audit trail of one sales order",
        )
        self.master_data = MasterDataActions(
            self,
            self.tabs,
            [self.add_action, self.department_action, self.password_action, self.disable_action, self.enable_action],
        )
        for page in (self.customers, self.suppliers, self.products.master_page, self.warehouses, self.work_centres):
            self.master_data.add(page)
        self.update_actions()

        if not context.may("manage_users"):
            self.message.show_message(
                "Only an administrator manages users"
                + (
                    "; you may look at them and at the audit trail."
                    if self.may_read
                    else f"; you are logged in as {context.department}."
                ),
                seconds=0,
            )
        if not self.may_read:
            self.tabs.setEnabled(False)

    # -- audit tab ------------------------------------------------------------------------------------------

    def _build_audit_tab(self) -> QWidget:
        page = QWidget(self)
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        self.audit_table = QComboBox(page)
        self.audit_table.setObjectName("auditTable")
        self.audit_table.addItem("All tables", None)
        for name in sorted(audit.AUDITED_TABLES, key=lambda t: TABLE_LABELS.get(t, t)):
            self.audit_table.addItem(TABLE_LABELS.get(name, name), name)
        self.audit_actor = QComboBox(page)
        self.audit_actor.setObjectName("auditActor")
        self.audit_actor.setMinimumContentsLength(14)
        self.audit_actor.addItem("Everyone", None)
        self.audit_limit = QComboBox(page)
        self.audit_limit.setObjectName("auditLimit")
        for limit in AUDIT_LIMITS:
            self.audit_limit.addItem(f"latest {limit}", limit)
        for combo in (self.audit_table, self.audit_actor, self.audit_limit):
            combo.currentIndexChanged.connect(lambda _: self.load_audit())
        self.order_number = QLineEdit(page)
        self.order_number.setObjectName("orderNumber")
        self.order_number.setPlaceholderText("SO-2026-00001")
        self.order_number.setClearButtonEnabled(True)
        self.order_number.setMaximumWidth(180)
        self.order_number.returnPressed.connect(self.open_order_history)
        show = QPushButton("Show order history", page)
        show.setObjectName("showOrderHistory")
        show.clicked.connect(self.open_order_history)
        table_label = QLabel("&Table:", page)
        table_label.setBuddy(self.audit_table)
        actor_label = QLabel("&Who:", page)
        actor_label.setBuddy(self.audit_actor)
        order_label = QLabel("&Order:", page)
        order_label.setBuddy(self.order_number)
        for control in (table_label, self.audit_table, actor_label, self.audit_actor, self.audit_limit):
            controls.addWidget(control)
        controls.addStretch(1)
        for lookup in (order_label, self.order_number, show):
            controls.addWidget(lookup)
        self.audit_view = AuditView(page)
        self.audit_view.table.activated_id.connect(lambda _: self.open_row_order())
        self.audit_view.table.setToolTip("Enter or double-click: the whole history of the row's sales order")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.audit_view, 1)
        self.audit_loaded = False
        self._audit_stale = False
        self._audit_timer = QTimer(self, singleShot=True, interval=400)
        self._audit_timer.timeout.connect(self.load_audit)
        return page

    def load_audit(self) -> None:
        if not self.may_read:
            return
        self.run(
            audit.recent_audit,
            limit=self.audit_limit.currentData() or AUDIT_LIMITS[0],
            table=self.audit_table.currentData(),
            actor=self.audit_actor.currentData(),
            on_done=self._audit_loaded,
        )

    def _audit_loaded(self, rows: list[dict[str, Any]]) -> None:
        self.audit_view.set_rows(rows)
        self.audit_loaded = True
        self._audit_stale = False

    def _load_actors(self) -> None:
        self.run(audit.audit_actors, on_done=self._actors_loaded)

    def _actors_loaded(self, actors: list[str]) -> None:
        chosen = self.audit_actor.currentData()
        self.audit_actor.blockSignals(True)
        self.audit_actor.clear()
        self.audit_actor.addItem("Everyone", None)
        for actor in actors:
            self.audit_actor.addItem(actor, actor)
        self.audit_actor.setCurrentIndex(max(0, self.audit_actor.findData(chosen)))
        self.audit_actor.blockSignals(False)

    def focus_order_lookup(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.order_number.setFocus()
        self.order_number.selectAll()

    def open_order_history(self) -> None:
        number = self.order_number.text()
        self.run(
            sales_queries.find_order,
            number,
            on_done=lambda found: self.open_audit(*found),
            on_error=self._order_not_found,
        )

    def _order_not_found(self, exc: BaseException) -> None:
        self.show_error(exc)
        self.order_number.setFocus()
        self.order_number.selectAll()

    def open_row_order(self) -> None:
        row = self.audit_view.current_row()
        found = order_of(row) if row else None
        if found is None:
            self.message.show_message(
                "This row does not belong to a sales order; its whole record is shown below the list."
            )
            return
        self.open_audit(*found)

    def open_audit(self, order_id: int, number: str | None) -> AuditDialog:
        dialog = AuditDialog(self.context, order_id, number, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: self.audit_dialogs.remove(dialog) if dialog in self.audit_dialogs else None)
        self.audit_dialogs.append(dialog)
        dialog.show()
        return dialog

    def _tab_changed(self, index: int) -> None:
        if index == 1 and (not self.audit_loaded or self._audit_stale):
            self.load_audit()
        if self.tabs.widget(index) is self.quality:
            self.quality.load()

    def open_record(self, table: str, record_id: Any, field: str | None = None, sentence: str | None = None) -> None:
        """Open a master-data record's form (from the data-quality list), its problem field marked."""
        pages = {page.kind.table: page for page in self.master_data.pages}
        page = pages.get(table)
        if page is not None:
            page.open_id(record_id, field=field, sentence=sentence)

    def has_unsaved_work(self) -> bool:
        return self.master_data.has_unsaved_work()

    # -- refreshing -----------------------------------------------------------------------------------------

    def reload(self) -> None:
        super().reload()
        if self.may_read:
            self.load_audit()
            self._load_actors()

    def apply_changes(self, changes: Changes) -> None:
        """Every event means new audit rows: read the trail again shortly (once for a burst of events)."""
        super().apply_changes(changes)
        if not changes.events or not self.audit_loaded:
            return
        if self.tabs.currentIndex() == 1:
            self._audit_timer.start()
        else:
            self._audit_stale = True

    def _filter_department(self) -> None:
        department = self.department_filter.currentData()
        self.users.table.proxy.set_predicate(
            None if department is None else (lambda record: record.get("department") == department)
        )

    # -- actions --------------------------------------------------------------------------------------------

    def _open_dialog(
        self,
        dialog: AccountDialog,
        operation: Callable[[dict[str, Any]], Callable[..., object]],
        done: Callable[[dict[str, Any], object], str],
    ) -> AccountDialog:
        """Show the dialog (not blocking the window); each submit runs the service `operation(values)` names
        off the GUI thread; a refusal stays in the dialog, success closes it (the change reaches the list as
        every other does, by its events)."""
        if self.dialog is not None:
            self.dialog.close()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def succeeded(values: dict[str, Any], result: Any) -> None:
            if self.dialog is dialog:
                dialog.accept()
            self.message.show_message(done(values, result))

        def failed(exc: BaseException) -> None:
            if self.dialog is dialog and dialog.isVisible():  # the refusal belongs next to the fields
                dialog.show_error(exc)
            else:
                self.show_error(exc)

        dialog.submitted.connect(
            lambda values: self.run(
                operation(values), on_done=lambda result: succeeded(values, result), on_error=failed
            )
        )

        def forget(*_: Any) -> None:
            if self.dialog is dialog:
                self.dialog = None

        dialog.destroyed.connect(forget)
        dialog.finished.connect(forget)
        self.dialog = dialog
        dialog.open()
        return dialog

    def add_user(self) -> AccountDialog:
        self.tabs.setCurrentIndex(0)

        def operation(values: dict[str, Any]) -> Callable[..., object]:
            return partial(
                people.create_user,
                login=values["login"],
                department=values["department"],
                password=values["password"],
                full_name=values["full_name"],
            )

        def done(values: dict[str, Any], _: object) -> str:
            self.users.select_when_listed(values["login"])
            return f"User {values['login']} added to {values['department']}; they can log in now."

        return self._open_dialog(AccountDialog(AccountDialog.ADD, self), operation, done)

    def change_department(self) -> AccountDialog | None:
        record = self.users.table.current_record()
        if record is None or not self.context.may("manage_users"):
            return None
        login = record["login"]

        def operation(values: dict[str, Any]) -> Callable[..., object]:
            return partial(people.set_department, login=login, department=values["department"])

        def done(values: dict[str, Any], _: object) -> str:
            return f"{login} now works in {values['department']}; the new rights apply from their next login."

        dialog = AccountDialog(
            AccountDialog.DEPARTMENT, self, login=login, full_name=record["full_name"], department=record["department"]
        )
        return self._open_dialog(dialog, operation, done)

    def reset_password(self) -> AccountDialog | None:
        record = self.users.table.current_record()
        if record is None:
            return None
        login = record["login"]

        def operation(values: dict[str, Any]) -> Callable[..., object]:
            return partial(people.set_password, login=login, password=values["password"])

        return self._open_dialog(
            AccountDialog(AccountDialog.PASSWORD, self, login=login, full_name=record["full_name"]),
            operation,
            lambda *_: f"New password set for {login}.",
        )

    def disable_user(self) -> None:
        record = self.users.table.current_record()
        if record is None or not record["active"]:
            return
        login = record["login"]
        who = f"{login} ({record['full_name']})" if record["full_name"] else login
        question = (
            f"Disable {who}? Their open sessions end at once, and they cannot log in until you enable them again."
        )
        if not confirm(self, "Disable user", question, destructive=True):
            return

        def ended(count: int) -> None:
            plural = "s" if count != 1 else ""
            sessions = f"{count} open session{plural} ended" if count else "no open sessions"
            self.message.show_message(f"{login} is disabled ({sessions}).")

        # two transactions: the sessions end once the refusal of new logins is committed, so a client that
        # reconnects at once is not let in again
        self.run(people.disable_user, login, on_done=lambda _: self.run(people.end_sessions, login, on_done=ended))

    def enable_user(self) -> None:
        record = self.users.table.current_record()
        if record is None or record["active"]:
            return
        login = record["login"]

        def done(_: object) -> None:
            self.message.show_message(f"{login} is enabled and can log in again.")

        self.run(people.enable_user, login, on_done=done)
