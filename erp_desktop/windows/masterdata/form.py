"""The form of one master-data record, built from its fields. The database's duty matrix says which fields the
person may fill (a new record) or change (an edit); the others are greyed with a tooltip naming who keeps them.
Saving runs off the GUI thread; a refusal marks the field it names with the sentence beside it and keeps
every value typed. A stale edit offers to reload theirs or re-apply mine; a likely duplicate lists the
records it resembles."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erp_desktop.widgets import MessageBar, describe_error
from erp_desktop.windows.masterdata.spec import Duties, Field, RecordType
from server_db.core.errors import ConcurrentChange, DomainError

NEW_TITLE = "New {noun}"
EDIT_TITLE = "{record}"
VIEW_TITLE = "{record} (read only)"
DISCARD_TITLE = "Discard changes"
DISCARD_QUESTION = "Close the form and lose what you typed?"
NOTHING_CHANGED = "Nothing changed."
REQUIRED = "This is required."
FIX_MARKED = "Fill in the marked fields."
CONFLICT_TITLE = "Changed by someone else"
CONFLICT_TEXT = (
    "{error}\n\nReload theirs: show the record as it is now (what you typed is dropped).\n"
    "Keep mine: put your changes on top of theirs and save again."
)
RELOAD_THEIRS = "Reload theirs"
KEEP_MINE = "Keep mine"
DUPLICATES_TITLE = "Possible duplicates"
DUPLICATES_TEXT = "{error}\nIs it one of these?"
USE_THIS_ONE = "Use this one"
SAVE_ANYWAY = "Save anyway (it is a different company)"
GONE = "This record no longer exists."
DUPLICATE_HEADERS = ["Code", "Name", "Tax ID", "Phone", "Why it looks the same"]
REASONS = {"name": "the same name", "phone": "the same phone number", "tax_id": "the same tax ID"}


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return str(value)


class RecordForm(QDialog):
    """A new record (row None) or an existing one. `saved` carries the record's id once the database took it;
    `open_record` the id of an existing record the person chose instead (a duplicate)."""

    saved = Signal(object)
    open_record = Signal(object)

    def __init__(
        self,
        run: Callable[..., None],
        kind: RecordType,
        duties: Duties,
        row: dict[str, Any] | None,
        choices: dict[str, list[tuple[str, Any]]],
        parent: QWidget | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        super().__init__(parent)
        self.run = run
        self.kind = kind
        self.duties = duties
        self.record_id = None if row is None else row["id"]
        self.version = None if row is None else row.get("version")
        self.choices = choices
        self.setObjectName(f"{kind.document_type}Form")
        inserting = row is None
        self.editable = set() if read_only else duties.editable(kind.table, inserting=inserting)
        if inserting:
            self.setWindowTitle(NEW_TITLE.format(noun=kind.noun))
        else:
            title = VIEW_TITLE if read_only or not duties.may_edit(kind.table) else EDIT_TITLE
            self.setWindowTitle(title.format(record=kind.describe(row or {}).capitalize()))
        self.setMinimumWidth(560)
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._tips: dict[str, str] = {}
        self._original: dict[str, Any] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in kind.fields:
            self._add(spec)
        self.message = MessageBar(self)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Save (Ctrl+S or Enter)")
        self.buttons.addButton(
            QDialogButtonBox.StandardButton.Cancel if self.editable else QDialogButtonBox.StandardButton.Close
        )
        self.save_button.setVisible(bool(self.editable))
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.conflict: QMessageBox | None = None
        self.duplicates: DuplicatesDialog | None = None
        self.discard: QMessageBox | None = None
        self._allow_duplicate = False
        self._busy = False
        self.load(row if row is not None else dict(kind.defaults))
        first = next((w for s, w in self.inputs.items() if w.isEnabled()), None)
        if first is not None:
            first.setFocus()

    # -- building -----------------------------------------------------------------------------------------

    def _add(self, spec: Field) -> None:
        widget: QWidget
        if spec.kind == "multiline":
            edit = QPlainTextEdit(self)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(58)
            edit.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
            edit.textChanged.connect(partial(self._edited, spec.name))
            widget = edit
        elif spec.kind in ("choice", "unit"):
            combo = QComboBox(self)
            combo.setEditable(spec.kind == "unit")
            for text, value in self.choices.get(spec.name, []):
                combo.addItem(text, value)
            combo.currentIndexChanged.connect(partial(self._edited, spec.name))
            combo.editTextChanged.connect(partial(self._edited, spec.name))
            widget = combo
        else:
            line = QLineEdit(self)
            line.setPlaceholderText(spec.placeholder)
            if spec.kind == "number":
                line.setAlignment(Qt.AlignmentFlag.AlignRight)
                line.setMaximumWidth(160)
            line.textEdited.connect(partial(self._edited, spec.name))
            widget = line
        widget.setObjectName(spec.name)
        allowed = spec.duty_column in self.editable
        widget.setEnabled(allowed)
        if not allowed and isinstance(widget, QLineEdit):
            widget.setPlaceholderText("")  # a grey example in a field the person cannot fill reads like data
        if not allowed and self.editable:
            self._tips[spec.name] = self.duties.keepers_tip(self.kind.table, spec.duty_column)
            widget.setToolTip(self._tips[spec.name])
        error = QLabel(self)
        error.setObjectName(f"{spec.name}Error")
        error.setWordWrap(True)
        error.setStyleSheet("color: #c62828;")
        error.hide()
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(error)
        label = spec.label + (" *" if spec.required and allowed else "") + ":"
        self.form.addRow(label, holder)
        self.inputs[spec.name] = widget
        self.errors[spec.name] = error

    # -- values -------------------------------------------------------------------------------------------

    def value(self, name: str) -> Any:
        widget = self.inputs[name]
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip()
        if isinstance(widget, QComboBox):
            return widget.currentText().strip() if widget.isEditable() else widget.currentData()
        assert isinstance(widget, QLineEdit)
        return widget.text().strip()

    def set_value(self, name: str, value: Any) -> None:
        widget = self.inputs[name]
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(as_text(value))
        elif isinstance(widget, QComboBox):
            if widget.isEditable():
                widget.setCurrentText(as_text(value))
            else:
                index = widget.findData(value)
                if index < 0 and value is not None:
                    widget.addItem(as_text(value), value)  # e.g. an inactive supplier the record still names
                    index = widget.count() - 1
                widget.setCurrentIndex(max(index, 0))
        elif isinstance(widget, QLineEdit):
            widget.setText(as_text(value))

    def values(self) -> dict[str, Any]:
        return {spec.name: self.value(spec.name) for spec in self.kind.fields}

    def load(self, row: dict[str, Any]) -> None:
        """Show a record's values (or a new record's defaults); they are what 'changed' is measured against."""
        for spec in self.kind.fields:
            self.set_value(spec.name, row.get(spec.source))
        self._original = self.values()
        self.clear_marks()
        self._update_shown()

    def changed(self) -> dict[str, Any]:
        now = self.values()
        return {name: value for name, value in now.items() if value != self._original.get(name)}

    @property
    def dirty(self) -> bool:
        return bool(self.editable) and bool(self.changed())

    def to_send(self) -> dict[str, Any]:
        """A new record: every field the person may fill that has a value; an edit: only what changed."""
        current = self.values()
        shown = {spec.name for spec in self.kind.fields if spec.shown is None or spec.shown(current)}
        allowed = {spec.name for spec in self.kind.fields if spec.duty_column in self.editable} & shown
        if self.record_id is None:
            return {name: current[name] for name in allowed if current[name] not in ("", None)}
        return {name: value for name, value in self.changed().items() if name in allowed}

    def _edited(self, name: str, *_: Any) -> None:
        self.mark(name, None)
        self._update_shown()

    def _update_shown(self) -> None:
        current = self.values()
        for row, spec in enumerate(self.kind.fields):
            if spec.shown is not None:
                self.form.setRowVisible(row, spec.shown(current))

    # -- marks --------------------------------------------------------------------------------------------

    def field_for(self, name: str | None) -> str | None:
        if not name:
            return None
        for spec in self.kind.fields:
            if name in (spec.name, spec.duty_column):
                return spec.name
        return None

    def mark(self, name: str, sentence: str | None) -> None:
        """Mark a field wrong with the sentence beside it, or (None) clear the mark."""
        widget, label = self.inputs[name], self.errors[name]
        widget.setProperty("invalid", sentence is not None)
        widget.setStyleSheet("border: 1px solid #e53935; background: #fff5f5;" if sentence else "")
        label.setText(sentence or "")
        label.setVisible(sentence is not None)
        widget.setToolTip(sentence or self._tips.get(name, ""))

    def clear_marks(self) -> None:
        for name in self.inputs:
            self.mark(name, None)
        self.message.hide()

    def marked(self) -> dict[str, str]:
        """The fields marked wrong and their sentences (tests and the screenshot look at these)."""
        return {name: label.text() for name, label in self.errors.items() if label.isVisibleTo(self)}

    # -- saving -------------------------------------------------------------------------------------------

    def save(self) -> None:
        if not self.editable or self._busy:
            return
        current = self.values()
        missing = [
            spec.name
            for spec in self.kind.fields
            if spec.required
            and spec.duty_column in self.editable
            and (spec.shown is None or spec.shown(current))
            and current[spec.name] in ("", None)
        ]
        if missing:
            for name in missing:
                self.mark(name, REQUIRED)
            self.message.show_message(FIX_MARKED, error=True)
            self.inputs[missing[0]].setFocus()
            return
        values = self.to_send()
        if not values:
            if self.record_id is None:
                self.message.show_message(NOTHING_CHANGED, error=True)
            else:
                self.accept()
            return
        if self._allow_duplicate:
            values["allow_duplicate"] = True
        self._busy = True
        self.save_button.setEnabled(False)
        self.message.hide()
        if self.record_id is None:
            assert self.kind.create is not None
            self.run(self.kind.create, on_done=self._saved, on_error=self._failed, **values)
        else:
            assert self.kind.update is not None
            self.run(
                self.kind.update,
                self.record_id,
                expected_version=self.version,
                on_done=self._saved,
                on_error=self._failed,
                **values,
            )

    def _saved(self, changes: Any) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        record_id = getattr(changes, "id", None) or self.record_id
        self._original = self.values()
        self.saved.emit(record_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        if not self.isVisible():
            return
        candidates = getattr(exc, "candidates", None)
        if isinstance(exc, DomainError) and candidates:
            self._show_duplicates(exc, candidates)
            return
        if isinstance(exc, ConcurrentChange):
            self._show_conflict(exc)
            return
        self.message.show_error(exc)
        name = self.field_for(getattr(exc, "field", None))
        if name is not None:
            self.mark(name, describe_error(exc))
            self.inputs[name].setFocus()

    # -- a stale edit -------------------------------------------------------------------------------------

    def _show_conflict(self, exc: ConcurrentChange) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, CONFLICT_TITLE, CONFLICT_TEXT.format(error=exc), parent=self)
        box.setObjectName("conflict")
        reload_button = box.addButton(RELOAD_THEIRS, QMessageBox.ButtonRole.DestructiveRole)
        keep_button = box.addButton(KEEP_MINE, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(keep_button)
        box.buttonClicked.connect(lambda button: self._resolve(keep=button is keep_button))
        reload_button.setObjectName("reloadTheirs")
        keep_button.setObjectName("keepMine")
        self.conflict = box
        box.open()

    def _resolve(self, *, keep: bool) -> None:
        mine = self.changed() if keep else {}

        def fetched(rows: list[dict[str, Any]]) -> None:
            if not rows:
                self.message.show_message(GONE, error=True)
                return
            self.version = rows[0].get("version")
            self.load(rows[0])
            for name, value in mine.items():
                self.set_value(name, value)
            self._update_shown()
            if keep:
                self.save()

        self.run(self.kind.query, ids=[self.record_id], on_done=fetched, on_error=self.message.show_error)

    # -- likely duplicates --------------------------------------------------------------------------------

    def _show_duplicates(self, exc: DomainError, candidates: list[dict[str, Any]]) -> None:
        dialog = DuplicatesDialog(str(exc), candidates, self)
        dialog.use.connect(self._use_existing)
        dialog.save_anyway.connect(self._save_anyway)
        self.duplicates = dialog
        dialog.open()

    def _use_existing(self, record_id: Any) -> None:
        self._original = self.values()  # the person chose the existing record: nothing to ask about
        self.open_record.emit(record_id)
        self.reject()

    def _save_anyway(self) -> None:
        self._allow_duplicate = True
        self.save()

    # -- closing ------------------------------------------------------------------------------------------

    def reject(self) -> None:
        """Esc or Cancel: with unsaved edits, ask first (without blocking: the window goes on living)."""
        if not self.dirty:
            super().reject()
            return
        if self.discard is not None and self.discard.isVisible():
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            DISCARD_TITLE,
            DISCARD_QUESTION,
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("discard")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda answer: self._discarded(answer == QMessageBox.StandardButton.Discard))
        self.discard = box
        box.open()

    def _discarded(self, yes: bool) -> None:
        if yes:
            self._original = self.values()
            super().reject()


class DuplicatesDialog(QDialog):
    """The records a new one resembles: open one of them instead, save anyway, or go back to the form."""

    use = Signal(object)
    save_anyway = Signal()

    def __init__(self, sentence: str, candidates: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicates")
        self.setWindowTitle(DUPLICATES_TITLE)
        self.setMinimumWidth(720)
        self.candidates = candidates
        text = QLabel(DUPLICATES_TEXT.format(error=sentence), self)
        text.setWordWrap(True)
        self.table = QTableWidget(len(candidates), len(DUPLICATE_HEADERS), self)
        self.table.setHorizontalHeaderLabels(DUPLICATE_HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, candidate in enumerate(candidates):
            for column, key in enumerate(("code", "name", "tax_id", "phone", "reason")):
                value = as_text(candidate.get(key))
                if key == "reason":
                    value = ", ".join(REASONS.get(part.strip(), part.strip()) for part in value.split(","))
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectRow(0)
        self.table.doubleClicked.connect(lambda _: self._use())
        buttons = QDialogButtonBox(self)
        self.use_button = QPushButton(USE_THIS_ONE, self)
        self.use_button.setObjectName("useThisOne")
        self.anyway_button = QPushButton(SAVE_ANYWAY, self)
        self.anyway_button.setObjectName("saveAnyway")
        buttons.addButton(self.use_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.anyway_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.use_button.clicked.connect(self._use)
        self.anyway_button.clicked.connect(self._anyway)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def _use(self) -> None:
        row = max(self.table.currentRow(), 0)
        self.accept()
        self.use.emit(self.candidates[row]["id"])

    def _anyway(self) -> None:
        self.accept()
        self.save_anyway.emit()
