"""Widgets every window uses: the filter bar, tables, the inbox, messages, KPI tiles, prompts."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from erp_desktop import format as fmt
from erp_desktop.table_models import Column, FilterProxy, RecordTableModel
from server_db.core.errors import DatabaseUnavailable, DomainError

log = logging.getLogger(__name__)

EXPORT_SHORTCUT = "Ctrl+E"
MENU_TEXTS = {
    "open": "Open",
    "copy": "Copy",
    "copy_headers": "Copy with headers",
    "export_xlsx": "Export to Excel…",
    "export_csv": "Export to CSV…",
}


def describe_error(exc: BaseException) -> str:
    """The sentence a person reads for a failed operation. Never a traceback."""
    if isinstance(exc, (DomainError, DatabaseUnavailable)):
        return str(exc)
    name = exc.__class__.__name__
    if "OperationalError" in name or "InterfaceError" in name:
        return "The connection to the database was lost; the window will reconnect by itself. Try again in a moment."
    return f"Something went wrong ({name}). Nothing was saved; the details are in the log."


class MessageBar(QFrame):
    """A strip above the content for errors and confirmations, so they appear where the person looks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, text: str, *, error: bool = False, seconds: float = 6) -> None:
        self.setProperty("error", error)
        self.setStyleSheet(
            "QFrame#messageBar { background: %s; border: 1px solid %s; border-radius: 4px; }"
            % (("#fdecea", "#e57373") if error else ("#e8f5e9", "#81c784"))
        )
        self.label.setText(text)
        self.show()
        self._timer.stop()
        if not error and seconds:
            self._timer.start(int(seconds * 1000))

    def show_error(self, exc: BaseException | str) -> None:
        self.show_message(exc if isinstance(exc, str) else describe_error(exc), error=True)

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


class FilterBar(QWidget):
    """Search box (Ctrl+F) and an optional choice of states."""

    search_changed = Signal(str)
    state_changed = Signal(object)  # a state, or None for all

    def __init__(
        self, states: Sequence[str] = (), *, placeholder: str = "Search (Ctrl+F)", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(lambda: self.search_changed.emit(self.search.text()))
        self.search.textChanged.connect(lambda _: self._debounce.start())
        layout.addWidget(self.search, 1)
        self.state = QComboBox(self)
        self.state.addItem("All states", None)
        for state in states:
            self.state.addItem(fmt.state(state).capitalize(), state)
        self.state.currentIndexChanged.connect(lambda _: self.state_changed.emit(self.state.currentData()))
        self.state.setVisible(bool(states))
        layout.addWidget(self.state)
        QShortcut(QKeySequence.StandardKey.Find, self).activated.connect(self.focus_search)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()


class RecordTable(QTableView):
    """A sortable, filterable table over a RecordTableModel; tells which record is current."""

    current_changed = Signal(object)  # the id of the current record, or None
    activated_id = Signal(object)

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        key: str = "id",
        extra_fields: Sequence[str] = (),
        sort: tuple[int, Qt.SortOrder] | None = (0, Qt.SortOrder.DescendingOrder),
        fast_sort: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """`sort`: the initial sort column and order (newest first by default); None keeps the query's order
        until the person clicks a header."""
        super().__init__(parent)
        self.source = RecordTableModel(columns, key=key, extra_fields=extra_fields, parent=self)
        self.proxy = FilterProxy(self, fast_sort=fast_sort)
        self.proxy.setSourceModel(self.source)
        self.setModel(self.proxy)
        self.source.flash_faded.connect(self.viewport().update)
        if sort is not None:
            self.sortByColumn(*sort)
        else:
            self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        for i, column in enumerate(columns):
            if column.width:
                self.setColumnWidth(i, column.width)
        self.selectionModel().currentRowChanged.connect(lambda *_: self.current_changed.emit(self.current_id()))
        self.doubleClicked.connect(lambda index: self.activated_id.emit(self.proxy.id_at(index.row())))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self.show_context_menu)
        self.context_menu: QMenu | None = None
        self.last_export: Any = None  # the latest table_export.TableExport, for tests and the message bar

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current_id() is not None:
            self.activated_id.emit(self.current_id())
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            return
        if QKeySequence(event.keyCombination()) == QKeySequence(EXPORT_SHORTCUT):
            self.export("xlsx")
            return
        super().keyPressEvent(event)

    # -- copy and export (erp_desktop/table_export.py) ----------------------------------------------------

    def copy(self, *, headers: bool = False) -> str:
        """The selected cells to the clipboard as tab-separated text that pastes into Excel as numbers."""
        from erp_desktop import table_export

        return table_export.copy_selection(self, headers=headers)

    def export(self, file_format: str = "xlsx") -> Any:
        """Ask for a file name and write the rows shown (filtered, sorted, visible columns) to it."""
        from erp_desktop import table_export

        self.last_export = table_export.export_table(self, file_format)
        return self.last_export

    def build_context_menu(self, row: int | None = None) -> QMenu:
        """Open (the row's double-click action), Copy, Copy with headers, Export to Excel…, Export to CSV…."""
        menu = QMenu(self)
        menu.setObjectName("tableMenu")
        key = self.proxy.id_at(row) if row is not None else None
        open_action = menu.addAction(MENU_TEXTS["open"], lambda: self.activated_id.emit(key))
        open_action.setEnabled(key is not None)
        open_action.setObjectName("open")
        menu.addSeparator()
        has_rows = self.proxy.rowCount() > 0
        for name, text, slot, shortcut in (
            ("copy", MENU_TEXTS["copy"], self.copy, QKeySequence(QKeySequence.StandardKey.Copy)),
            ("copyWithHeaders", MENU_TEXTS["copy_headers"], lambda: self.copy(headers=True), None),
        ):
            action = menu.addAction(text, slot)
            action.setObjectName(name)
            action.setEnabled(has_rows)
            if shortcut is not None:
                action.setShortcut(shortcut)
        menu.addSeparator()
        xlsx = menu.addAction(MENU_TEXTS["export_xlsx"], lambda: self.export("xlsx"))
        xlsx.setObjectName("exportXlsx")
        xlsx.setShortcut(QKeySequence(EXPORT_SHORTCUT))
        csv = menu.addAction(MENU_TEXTS["export_csv"], lambda: self.export("csv"))
        csv.setObjectName("exportCsv")
        return menu

    def show_context_menu(self, position: Any) -> None:
        index = self.indexAt(position)
        if index.isValid() and not self.selectionModel().isSelected(index):
            self.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            )
        self.context_menu = self.build_context_menu(index.row() if index.isValid() else None)
        self.context_menu.popup(self.viewport().mapToGlobal(position))

    def current_id(self) -> Any:
        index = self.currentIndex()
        return self.proxy.id_at(index.row()) if index.isValid() else None

    def selected_ids(self) -> list[Any]:
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        ids = [self.proxy.id_at(r) for r in rows]
        current = self.current_id()
        return ids or ([current] if current is not None else [])

    def current_record(self) -> dict[str, Any] | None:
        key = self.current_id()
        return None if key is None else self.source.record_by_id(key)

    def select_id(self, key: Any) -> bool:
        row = self.source.row_of(key)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.source.index(row, 0))
        if not index.isValid():
            return False
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.scrollTo(index)
        return True

    def stretch(self, field: str) -> None:
        """Give the spare width to one text column (names read better wide) instead of the last one."""
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        column = next(i for i, c in enumerate(self.source.columns) if c.field == field)
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

    def connect_filter(self, bar: FilterBar, state_field: str = "state") -> None:
        bar.search_changed.connect(self.proxy.set_search)
        bar.state_changed.connect(
            lambda state: self.proxy.set_predicate(
                None if state is None else (lambda record: record.get(state_field) == state), name="state"
            )
        )


class InboxDock(QDockWidget):
    """The events that concern this department, newest first; activating one selects its order."""

    order_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Inbox", parent)
        self.setObjectName("inbox")
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._activated)
        self.list.itemDoubleClicked.connect(self._activated)
        self.setWidget(self.list)
        self.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.BottomDockWidgetArea)

    def add(self, message: str, order_id: int | None, when: dt.datetime | None = None) -> None:
        stamp = (when or dt.datetime.now(dt.UTC)).astimezone().strftime("%H:%M")
        item = QListWidgetItem(f"{stamp}  {message}")
        item.setData(Qt.ItemDataRole.UserRole, order_id)
        self.list.insertItem(0, item)
        while self.list.count() > 200:
            self.list.takeItem(self.list.count() - 1)

    def messages(self) -> list[str]:
        return [self.list.item(i).text().split("  ", 1)[1] for i in range(self.list.count())]

    def _activated(self, item: QListWidgetItem) -> None:
        order_id = item.data(Qt.ItemDataRole.UserRole)
        if order_id is not None:
            self.order_activated.emit(int(order_id))


class Tile(QFrame):
    """A KPI tile: a big number and what it counts."""

    def __init__(self, title: str, colour: str = "#1e88e5", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.setStyleSheet(
            f"QFrame#tile {{ background: white; border: 1px solid #ddd; border-left: 6px solid {colour};"
            " border-radius: 6px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.value = QLabel("–", self)
        self.value.setStyleSheet(f"font-size: 26px; font-weight: bold; color: {colour};")
        self.caption = QLabel(title, self)
        self.caption.setStyleSheet("color: #555;")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set_value(self, value: Any) -> None:
        self.value.setText(str(value))


def ask_reason(parent: QWidget, title: str, prompt: str) -> str | None:
    """A reason typed by the person (cancellations, adjustments, credit notes); None if they gave up."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel(prompt, dialog))
    edit = QPlainTextEdit(dialog)
    edit.setObjectName("reason")
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(80)
    layout.addWidget(edit)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return edit.toPlainText().strip()


def confirm(parent: QWidget, title: str, text: str, *, destructive: bool = False) -> bool:
    box = QMessageBox(
        QMessageBox.Icon.Warning if destructive else QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setDefaultButton(QMessageBox.StandardButton.No if destructive else QMessageBox.StandardButton.Yes)
    return box.exec() == QMessageBox.StandardButton.Yes


def form_dialog(parent: QWidget, title: str, rows: Sequence[tuple[str, QWidget]]) -> QDialog:
    """A small dialog with labelled fields and OK / Cancel; the caller reads the fields after exec()."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    form = QFormLayout()
    for label, widget in rows:
        widget.setParent(dialog)
        form.addRow(label, widget)
    layout.addLayout(form)
    dialog.message = MessageBar(dialog)  # type: ignore[attr-defined]
    layout.addWidget(dialog.message)  # type: ignore[attr-defined]
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return dialog
