"""What every role window has: a toolbar, a message bar, a status bar that says whether the window is
live, an inbox of the events that concern the department, and lists that refresh only the rows an event
names. A hidden window collects the changes and applies them when it is shown again.

A window follows one signal, the client's `ChangeFeed.changed`: its own operations' changes and everyone
else's arrive there alike, so a window never refetches by hand after its own action."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from erp_desktop.context import ClientContext
from erp_desktop.dialogs import ChangePasswordDialog, work_done, work_failed
from erp_desktop.inbox import inbox_message
from erp_desktop.live import CONNECTED, RECONNECTING
from erp_desktop.table_models import Column, NewestAnswers
from erp_desktop.widgets import EXPORT_SHORTCUT, FilterBar, InboxDock, MessageBar, RecordTable, describe_error
from server_db.core.changes import Changes
from server_db.core.errors import ConcurrentChange, DomainError
from server_db.people import services as people

if TYPE_CHECKING:
    from erp_desktop.import_wizard import ImportWizard

log = logging.getLogger(__name__)


Rows = list[dict[str, Any]]


class LiveList:
    """A table fed by a query. `query(session, ids=None)` returns rows; `ids_of(changes)` says which ids
    an event touches (None: not this list's business). Only those rows are fetched again. `display(row)`,
    if given, adds what a row shows on screen (a name joined from two fields...) on the GUI thread."""

    def __init__(
        self,
        window: RoleWindow,
        columns: Sequence[Column],
        query: Callable[..., Rows],
        ids_of: Callable[[Changes], Iterable[Any] | None],
        *,
        states: Sequence[str] = (),
        key: str = "id",
        extra_fields: Sequence[str] = (),
        search: str = "Search (Ctrl+F)",
        sort: tuple[int, Qt.SortOrder] | None = (0, Qt.SortOrder.DescendingOrder),
        fast_sort: bool = False,
        display: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.window = window
        self.query = query
        self.ids_of = ids_of
        self.display = display
        self.table = RecordTable(columns, key=key, extra_fields=extra_fields, sort=sort, fast_sort=fast_sort)
        self.filter = FilterBar(states, placeholder=search)
        self.table.connect_filter(self.filter)
        self.loaded = False
        self.container = QWidget()
        layout = QVBoxLayout(self.container)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        self.on_loaded: list[Callable[[], None]] = []
        self._loads = 0
        self._loading: int | None = None
        self._answers = NewestAnswers()
        self._touched_while_loading: set[Any] = set()
        self._select_once_listed: Any = None

    def load(self) -> None:
        """Fetch everything. Changes that arrive meanwhile are fetched again once the load is in."""
        self._loads += 1
        ticket = self._loading = self._loads
        self._touched_while_loading = set()

        def done(rows: Rows) -> None:
            if ticket != self._loading:
                return  # a newer load is on its way
            current = self.table.current_id()
            self.table.source.reset(self._displayed(rows))
            if current is not None:
                self.table.select_id(current)
            self.loaded = True
            self._loading = None
            self._answers.forget()  # refetches older than this load must not overwrite it
            again, self._touched_while_loading = self._touched_while_loading, set()
            if again:
                self.refetch(again)
            self._listed()

        self.window.run(self.query, on_done=done)

    def apply(self, changes: Changes) -> None:
        ids = self.ids_of(changes)
        if not ids:
            return
        if self._loading is not None:
            self._touched_while_loading |= set(ids)
        if self.loaded:
            self.refetch(ids)

    def refetch(self, ids: Iterable[Any]) -> None:
        """Fetch these rows again; of refetches that overlap, the newest answer wins for each row."""
        ordered = sorted(set(ids))
        ticket = self._answers.ask(ordered)
        self.window.run(self.query, ids=ordered, on_done=lambda rows: self._merge(ticket, ordered, rows))

    def _merge(self, ticket: int, ids: list[Any], rows: Rows) -> None:
        current = self._answers.answered(ticket, ids)
        if not current:
            return
        field = self.table.source.key
        self.table.source.replace_subset(current, self._displayed([row for row in rows if row[field] in current]))
        self._listed()

    def _displayed(self, rows: Rows) -> Rows:
        if self.display is not None:
            for row in rows:
                self.display(row)
        return rows

    def select_when_listed(self, key: Any) -> None:
        """Select this row now if it is listed, else once a load or refetch puts it in the list (a document
        just created: the change feed may have brought it before or after the operation's answer)."""
        if self.table.source.row_of(key) is not None:
            self._select_once_listed = None
            self.table.select_id(key)
        else:
            self._select_once_listed = key

    def reveal(self, key: Any) -> bool:
        """Bring a row forward: select it, clearing the search and the state filter if they hide it."""
        if self.table.select_id(key):
            return True
        self.filter.search.clear()
        self.filter.state.setCurrentIndex(0)
        return self.table.select_id(key)

    def _listed(self) -> None:
        """Rows came in: select the one waiting to be listed, then tell the window."""
        key = self._select_once_listed
        if key is not None and self.table.source.row_of(key) is not None:
            self._select_once_listed = None
            self.table.select_id(key)
        for callback in self.on_loaded:
            callback()


class RoleWindow(QMainWindow):
    """A department's main window."""

    department = ""
    title = ""

    def __init__(self, context: ClientContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName(f"{self.department}Window")
        self.setWindowTitle(
            f"{self.title} — {context.identity.full_name or context.identity.login}"
            f" ({context.department}) — Order collaboration ERP"
        )
        self.resize(1280, 760)
        self.toolbar = QToolBar("Actions", self)
        self.toolbar.setObjectName("actions")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(self.toolbar)
        self.message = MessageBar(self)
        self.inbox = InboxDock(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inbox)
        self.inbox.order_activated.connect(self.show_order)
        self._connection = QLabel(self)
        self._busy = QLabel(self)
        self.statusBar().addWidget(QLabel(f"{context.identity.login} · {context.department} · {context.server_label}"))
        self.statusBar().addPermanentWidget(self._busy)
        self.statusBar().addPermanentWidget(self._connection)
        self._pending = Changes()
        self.lists: list[LiveList] = []
        self._actions: list[tuple[QAction, Callable[[], bool]]] = []
        context.feed.changed.connect(self._on_changes)
        context.live.status_changed.connect(self._show_connection)
        context.operations.busy_changed.connect(self._show_busy)
        self._show_connection(context.live.status)
        refresh = QAction("&Refresh", self)
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.triggered.connect(self.reload)
        self.addAction(refresh)
        file_menu = self.menuBar().addMenu("&File")
        import_file = file_menu.addAction("&Import…", self.open_import_wizard)
        import_file.setObjectName("importFile")
        export_table = file_menu.addAction("&Export table…", QKeySequence(EXPORT_SHORTCUT), self.export_table)
        export_table.setObjectName("exportTable")
        export_table.setToolTip("Export the list you are in, as shown, to Excel")
        file_menu.addSeparator()
        change_password = file_menu.addAction("Change my &password…")
        change_password.setObjectName("changeMyPassword")
        change_password.triggered.connect(self.change_my_password)
        file_menu.addSeparator()
        file_menu.addAction("&Close", QKeySequence(QKeySequence.StandardKey.Close), self.close)
        # every action of the window, with its shortcut, as on the toolbar (enabled and shown alike: they are the
        # same actions); F5 under View
        self.actions_menu = self.menuBar().addMenu("&Actions")
        self.actions_menu.setObjectName("actionsMenu")
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(refresh)

    # -- building -----------------------------------------------------------------------------------------

    def central(self, widget: QWidget) -> None:
        """Put the window's content under the message bar."""
        holder = QWidget(self)
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.message)
        layout.addWidget(widget, 1)
        self.setCentralWidget(holder)

    def action(
        self,
        text: str,
        slot: Callable[[], object],
        *,
        shortcut: str | QKeySequence | None = None,
        duty: str | None = None,
        enabled: Callable[[], bool] = lambda: True,
        tip: str = "",
    ) -> QAction | None:
        """A toolbar action; None (and no button) if the person's role may not do it."""
        if duty is not None and not self.context.may(duty):
            return None
        act = QAction(text, self)
        act.setObjectName(text)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
            act.setToolTip(f"{tip or text} ({QKeySequence(shortcut).toString()})")
        elif tip:
            act.setToolTip(tip)
        act.triggered.connect(slot)
        self.toolbar.addAction(act)
        self.actions_menu.addAction(act)
        self._actions.append((act, enabled))
        return act

    def master_detail(
        self, widget: QWidget, title: QWidget, detail: QWidget, sizes: tuple[int, int] = (400, 260)
    ) -> QSplitter:
        """A list above and, below it, a title over the chosen row's detail."""
        lower = QWidget(self)
        layout = QVBoxLayout(lower)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(title)
        layout.addWidget(detail, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(widget)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes(list(sizes))
        return splitter

    def tab_shortcuts(self, tabs: QTabWidget) -> None:
        """Ctrl+1 … Ctrl+n switch to the tabs."""
        for number in range(tabs.count()):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number + 1}"), self)
            shortcut.activated.connect(lambda n=number: tabs.setCurrentIndex(n))

    def update_actions(self) -> None:
        for act, enabled in self._actions:
            try:
                act.setEnabled(bool(enabled()))
            except Exception:  # an enabling rule must never break the window
                act.setEnabled(False)

    def live_list(self, *args: Any, **kwargs: Any) -> LiveList:
        live = LiveList(self, *args, **kwargs)
        self.lists.append(live)
        live.table.current_changed.connect(lambda _: self.update_actions())
        live.table.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        live.on_loaded.append(self.update_actions)  # a live refetch may change what the selected row allows
        return live

    # -- running --------------------------------------------------------------------------------------------

    def run(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], object] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        done_message: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Run a service or query off the GUI thread; errors appear in the message bar."""

        def finished(result: Any) -> None:
            if done_message:
                self.message.show_message(done_message)
            if on_done is not None:
                on_done(result)

        self.context.operations.run(
            function, *args, on_done=finished, on_error=on_error or self.show_error, owner=self, **kwargs
        )

    def show_error(self, exc: BaseException) -> None:
        self.message.show_error(exc)
        if isinstance(exc, ConcurrentChange):
            self.reload()
        elif not isinstance(exc, DomainError):
            log.warning("operation failed: %s", describe_error(exc))

    def reload(self) -> None:
        for live in self.lists:
            live.load()

    # -- live updates ---------------------------------------------------------------------------------------

    def _on_changes(self, changes: Changes, origin: object = None) -> None:
        """Everything that changed, from this client's operations (`origin` the widget that ran it) and from
        everyone else (`origin` "live"), takes this one path."""
        for event in changes.events:
            message = inbox_message(event, self.context.department)
            if message:
                self.inbox.add(message, event.sales_order_id, event.created_at)
        if not self.isVisible():
            self._pending = self._pending | changes
            return
        self.apply_changes(changes)

    def apply_changes(self, changes: Changes) -> None:
        """Refresh what the changes touch. Windows add their detail panes and charts."""
        for live in self.lists:
            live.apply(changes)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not any(live.loaded for live in self.lists):
            self.reload()
        elif self._pending:
            pending, self._pending = self._pending, Changes()
            self.apply_changes(pending)

    def _show_connection(self, status: str) -> None:
        colour = {CONNECTED: "#43a047", RECONNECTING: "#f9a825"}.get(status, "#e53935")
        text = {CONNECTED: "live", RECONNECTING: "reconnecting…"}.get(status, "offline")
        self._connection.setText(f"<span style='color:{colour}'>●</span> {text}")
        self._connection.setObjectName(f"connection-{status}")

    def _show_busy(self, running: int) -> None:
        self._busy.setText("working…" if running else "")

    @property
    def connection_text(self) -> str:
        return self._connection.text()

    def change_my_password(self) -> ChangePasswordDialog:
        """The person's own password, in the app: the rule applies and the change is audited (in psql,
        PostgreSQL lets anyone change their own password without either)."""
        dialog = ChangePasswordDialog(self, self.context.identity.login)

        def changed(_: object) -> None:
            work_done(dialog)
            self.message.show_message("Your password is changed.")

        dialog.submitted.connect(
            lambda password: self.run(
                people.change_my_password,
                password,
                on_done=changed,
                on_error=lambda exc: work_failed(dialog, exc, self.show_error),
            )
        )
        dialog.open()
        return dialog

    def open_import_wizard(self) -> ImportWizard:
        from erp_desktop.import_wizard import ImportWizard

        wizard = ImportWizard(self.context, self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.imported.connect(lambda _: self.reload())
        self.import_wizard = wizard
        wizard.show()  # not modal: the window stays usable while a big file is checked
        return wizard

    def export_table(self) -> Any:
        """Export the list the person is in (the focused one, else the first one shown) as it is shown."""
        table = self.focused_table()
        if table is None:
            return None
        return table.export("xlsx")

    def focused_table(self) -> RecordTable | None:
        widget = QApplication.focusWidget()
        while widget is not None and widget is not self:
            if isinstance(widget, RecordTable):
                return widget
            widget = widget.parentWidget()
        shown = [table for table in self.findChildren(RecordTable) if table.isVisible()]
        return shown[0] if shown else None

    def show_order(self, order_id: int) -> None:
        """Bring an order forward (from the inbox). Windows with order lists override this."""

    def closeEvent(self, event: QCloseEvent) -> None:
        if (
            self.has_unsaved_work()
            and QMessageBox.question(self, "Close", "There are unsaved changes. Close anyway and lose them?")
            != QMessageBox.StandardButton.Yes
        ):
            event.ignore()
            return
        super().closeEvent(event)

    def has_unsaved_work(self) -> bool:
        return False
