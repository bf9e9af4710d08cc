"""A master-data page: the live list of one record type with its search box and a "Show inactive" toggle, and
what a person does with a record (new, edit, deactivate or reactivate, delete what nothing uses). The role
windows put pages in tabs; `MasterDataActions` gives a window one set of toolbar actions that works on the
current tab's page and shows only while a master-data tab is current."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QTabWidget, QToolBar, QVBoxLayout, QWidget

from erp_desktop.widgets import confirm
from erp_desktop.windows.base import LiveList, RoleWindow
from erp_desktop.windows.masterdata.form import RecordForm
from erp_desktop.windows.masterdata.spec import Duties, RecordType
from server_db.core.changes import Changes
from server_db.masterdata import queries
from server_db.masterdata import services as masterdata

SHOW_INACTIVE = "Show inactive"
SEARCH = "Search {plural} (Ctrl+F)"
DEACTIVATE_TITLE = "Deactivate"
DEACTIVATE_QUESTION = (
    "Deactivate {record}? It stays on every document that names it, but cannot be chosen for new ones "
    "until it is reactivated."
)
DELETE_TITLE = "Delete"
DELETE_QUESTION = "Delete {record}? Nothing uses it yet; this cannot be undone."
DEACTIVATED = "{record} is deactivated."
REACTIVATED = "{record} is active again."
DELETED = "{record} is deleted."
SAVED = "{record} is saved."
IN_USE_TIP = "Only a record nothing uses can be deleted; deactivate this one instead"
IMPORTED = "imported"


def inactive_in_grey(record: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    return (None, "#9e9e9e", False) if record.get("active") is False else (None, None, False)


class MasterList(LiveList):
    """A live list of master data: the rows an event names are fetched again; an import (one event per
    document type for many records) reloads the whole list."""

    def __init__(self, *args: Any, document_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document_type = document_type

    def apply(self, changes: Changes) -> None:
        if any(e.event_type == IMPORTED and e.document_type == self.document_type for e in changes.events):
            self.load()
            return
        super().apply(changes)


class MasterDataPage(QWidget):
    """One record type's list and the actions on it. `read_only`: look, never change (production)."""

    def __init__(self, window: RoleWindow, kind: RecordType, *, read_only: bool = False) -> None:
        super().__init__(window)
        self.window_ = window
        self.kind = kind
        self.read_only = read_only
        self.duties: Duties | None = None
        self.setObjectName(f"{kind.table}Page")
        self.list = MasterList(
            window,
            kind.columns,
            partial(_listing, kind.query),
            lambda changes: changes.of(kind.document_type),
            extra_fields=kind.extra_fields,
            search=SEARCH.format(plural=kind.plural.lower()),
            sort=(0, Qt.SortOrder.AscendingOrder),
            document_type=kind.document_type,
        )
        window.lists.append(self.list)
        self.table = self.list.table
        self.table.setObjectName(kind.table)
        self.table.current_changed.connect(lambda _: window.update_actions())
        self.table.selectionModel().selectionChanged.connect(lambda *_: window.update_actions())
        self.list.on_loaded.append(window.update_actions)
        self.table.source.row_style = inactive_in_grey
        self.table.stretch(kind.stretch)
        self.table.activated_id.connect(self.edit)
        self.show_inactive = QCheckBox(SHOW_INACTIVE, self)
        self.show_inactive.setObjectName("showInactive")
        self.show_inactive.toggled.connect(self._filter_inactive)
        bar = self.list.filter.layout()
        assert bar is not None
        bar.addWidget(self.show_inactive)
        self._filter_inactive(False)
        self.forms: list[RecordForm] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list.container)

    def _filter_inactive(self, show: bool) -> None:
        self.table.proxy.set_predicate(None if show else (lambda r: r.get("active") is not False), name="inactive")

    # -- what the person may do ---------------------------------------------------------------------------

    def selected(self) -> dict[str, Any] | None:
        return self.table.current_record()

    def may_create(self) -> bool:
        return not self.read_only and self.duties is not None and self.duties.may_create(self.kind.table)

    def may_open(self) -> bool:
        return self.selected() is not None

    def may_deactivate(self) -> bool:
        record = self.selected()
        return (
            record is not None
            and record.get("active") is not False
            and not self.read_only
            and self.duties is not None
            and self.duties.may_deactivate(self.kind.table)
        )

    def may_reactivate(self) -> bool:
        record = self.selected()
        return (
            record is not None
            and record.get("active") is False
            and not self.read_only
            and self.duties is not None
            and self.duties.may_deactivate(self.kind.table)
        )

    def may_delete(self) -> bool:
        record = self.selected()
        return record is not None and not record.get("in_use") and self.may_create()

    # -- actions ------------------------------------------------------------------------------------------

    def new(self) -> None:
        if self.may_create():
            self._open_form(None)

    def edit(self, record_id: Any = None) -> None:
        """Open the chosen record's form, with every field read afresh (the list shows only some)."""
        record_id = record_id if record_id is not None else self.table.current_id()
        if record_id is not None:
            self.open_id(record_id)

    def open_id(self, record_id: Any, *, field: str | None = None, sentence: str | None = None) -> None:
        """Open a record's form (from the data-quality list or a duplicate), marking a field if given."""

        def fetched(rows: list[dict[str, Any]]) -> None:
            if rows:
                self._open_form(rows[0], field=field, sentence=sentence)

        self.window_.run(self.kind.query, ids=[record_id], on_done=fetched)

    def _open_form(self, row: dict[str, Any] | None, *, field: str | None = None, sentence: str | None = None) -> None:
        if self.duties is None:
            return
        duties = self.duties

        def opened(found: dict[str, list[dict[str, Any]]]) -> None:
            choices = self.kind.choices_shown(found) if self.kind.choices_shown is not None else {}
            form = RecordForm(self.window_.run, self.kind, duties, row, choices, self, read_only=self.read_only)
            form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            form.saved.connect(lambda record_id: self._saved(record_id, form.values()))
            form.open_record.connect(lambda record_id: self.open_id(record_id))
            form.destroyed.connect(lambda *_: self.forms.remove(form) if form in self.forms else None)
            self.forms.append(form)
            name = form.field_for(field)
            if name is not None and sentence:
                form.mark(name, sentence)
            form.open()

        if self.kind.choices is None:
            opened({})
        else:
            self.window_.run(self.kind.choices, on_done=opened)

    def _saved(self, record_id: Any, values: dict[str, Any]) -> None:
        self.list.select_when_listed(record_id)
        record = self.table.source.record_by_id(record_id) or {}
        self.window_.message.show_message(SAVED.format(record=self.kind.describe({**record, **values}).capitalize()))

    def set_active(self, active: bool) -> None:
        record = self.selected()
        if record is None:
            return
        described = self.kind.describe(record)
        if not active and not confirm(
            self, DEACTIVATE_TITLE, DEACTIVATE_QUESTION.format(record=described), destructive=True
        ):
            return
        done = (REACTIVATED if active else DEACTIVATED).format(record=described.capitalize())
        self.window_.run(
            masterdata.set_active,
            self.kind.table,
            record["id"],
            active,
            expected_version=record.get("version"),
            done_message=done,
        )

    def deactivate(self) -> None:
        self.set_active(False)

    def reactivate(self) -> None:
        self.set_active(True)

    def delete(self) -> None:
        record = self.selected()
        if record is None or not self.may_create():
            return
        described = self.kind.describe(record)
        if not confirm(self, DELETE_TITLE, DELETE_QUESTION.format(record=described), destructive=True):
            return
        self.window_.run(
            masterdata.delete_record,
            self.kind.table,
            record["id"],
            done_message=DELETED.format(record=described.capitalize()),
        )

    def has_unsaved_work(self) -> bool:
        return any(form.dirty for form in self.forms)


def _listing(query: Any, session: Any, ids: Any = None) -> list[dict[str, Any]]:
    return query(session, ids=ids)


class MasterDataActions:
    """One set of toolbar actions for every master-data tab of a window: they act on the current tab's page
    and show only while such a tab is current (the window's own actions, `others`, show the rest of the
    time, so each shortcut means one thing at a time). Loads the duty matrix once for every page."""

    def __init__(self, window: RoleWindow, tabs: QTabWidget, others: Sequence[QAction | None] = ()) -> None:
        self.window = window
        self.tabs = tabs
        self.others = [action for action in others if action is not None]
        self.pages: list[MasterDataPage] = []
        self.bar = QToolBar("Master data", window)
        self.bar.setObjectName("masterData")
        self.bar.setMovable(False)
        self.bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        window.addToolBar(self.bar)
        self.new_action = self._action("&New", "new", "Ctrl+N", "may_create")
        self.edit_action = self._action("&Open", "edit", "F2", "may_open")
        self.deactivate_action = self._action("De&activate", "deactivate", "Ctrl+Shift+D", "may_deactivate")
        self.reactivate_action = self._action("&Reactivate", "reactivate", "Ctrl+Shift+R", "may_reactivate")
        delete = QKeySequence(QKeySequence.StandardKey.Delete).toString()
        self.delete_action = self._action("&Delete", "delete", delete, "may_delete", tip=IN_USE_TIP)
        self.actions = [
            self.new_action,
            self.edit_action,
            self.deactivate_action,
            self.reactivate_action,
            self.delete_action,
        ]
        tabs.currentChanged.connect(lambda _: self.follow_tab())
        self.follow_tab()
        window.run(queries.duties, on_done=self._duties_loaded)

    def _action(self, text: str, method: str, shortcut: str, allowed: str, tip: str = "") -> QAction:
        """A toolbar action calling `method` of the current tab's page, enabled while its `allowed` says so."""

        def trigger() -> None:
            page = self.page()
            if page is not None:
                getattr(page, method)()

        def enabled() -> bool:
            page = self.page()
            return page is not None and bool(getattr(page, allowed)())

        act = self.window.action(text, trigger, shortcut=shortcut, tip=tip, enabled=enabled)
        assert act is not None
        self.window.toolbar.removeAction(act)  # on a toolbar of their own: the window's stays the department's
        self.bar.addAction(act)
        act.setObjectName(f"masterData{text.replace('&', '')}")
        return act

    def add(self, page: MasterDataPage) -> MasterDataPage:
        self.pages.append(page)
        return page

    def page(self) -> MasterDataPage | None:
        current = self.tabs.currentWidget()
        return current if isinstance(current, MasterDataPage) else getattr(current, "master_page", None)

    def follow_tab(self) -> None:
        on_master_data = self.page() is not None
        self.bar.setVisible(on_master_data)
        for act in self.actions:
            act.setVisible(on_master_data)
        for act in self.others:
            act.setVisible(not on_master_data)
        self.window.update_actions()

    def _duties_loaded(self, rows: list[dict[str, Any]]) -> None:
        duties = Duties(rows, self.window.context.department)
        for page in self.pages:
            page.duties = duties
        self.window.update_actions()

    def has_unsaved_work(self) -> bool:
        return any(page.has_unsaved_work() for page in self.pages)
