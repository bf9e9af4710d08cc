"""File → Import…: a wizard that brings a spreadsheet or CSV file into the database.

(1) what the file holds and which file (a template to fill in can be saved from here); (2) which column of
the file is which field, suggested from the headers and remembered per kind and set of headers; (3) the first
rows as they will be read; (4) a check of every row in the database (a dry run that writes nothing) with the
problems in red, then the import, all or nothing, or of the valid rows only with the rejected ones saved to a
file; (5) what was written.

Reading, checking and importing run on a worker thread with a progress bar and Cancel: the window never
freezes. The grid of problems holds only the rows with a problem and their neighbours, never the whole file.
Which kinds are offered follows the database's matrix of who keeps which master data
(`erp.master_data_duties()`); the import functions check it again and have the last word.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from erp_desktop.widgets import describe_error
from erp_desktop.windows.masterdata.spec import Duties
from server_db.core.departments import ADMIN
from server_db.transfer.kinds import KINDS, Kind

if TYPE_CHECKING:
    from erp_desktop.context import ClientContext

# Every sentence the person reads, in one place (translations come later).
TEXTS = {
    "title": "Import",
    "kind_title": "What to import",
    "kind_subtitle": "Choose what the file holds and the file itself (Excel or CSV).",
    "kind": "The file holds",
    "file": "File",
    "browse": "Choose…",
    "template": "Save a template…",
    "template_tip": "An empty file with the right columns and an example row, to fill in",
    "template_missing": "Templates are not available in this version.",
    "template_filter": "Excel workbook (*.xlsx)",
    "template_saved": "The template is saved as {path}.",
    "sheet": "Sheet",
    "reading": "Reading {name}…",
    "read": "{name}: {columns} columns, about {rows} rows.",
    "read_unknown": "{name}: {columns} columns.",
    "open_filter": "Spreadsheets and CSV files (*.xlsx *.xlsm *.xls *.ods *.csv *.txt *.tsv);;All files (*)",
    "no_kinds": "Your role may not import anything.",
    "mapping_title": "Columns",
    "mapping_subtitle": "Say which field each column of the file holds. Columns set to “not imported” are left out.",
    "file_column": "Column in the file",
    "field": "Field",
    "ignored": "(not imported)",
    "required_mark": "{label} *",
    "unmapped": "Map a column to {labels}: {count_text}",
    "unmapped_one": "this field is required.",
    "unmapped_many": "these fields are required.",
    "twice": "{label} is chosen for more than one column; keep one of them.",
    "preview_title": "Preview",
    "preview_subtitle": "The first {rows} rows of the file, as they will be read.",
    "check_title": "Check",
    "check_subtitle": "Every row is checked in the database before anything is written.",
    "checking": "Checking row {done} of {total}…",
    "checking_unknown": "Checking row {done}…",
    "cancel": "Cancel",
    "cancelled": "Cancelled: nothing was written.",
    "all_good": "Every row is correct. Rows: {rows}; new: {inserted}, changed: {updated}, unchanged: {unchanged}.",
    "problems": "Rows with problems: {bad} of {rows}. Nothing is written while there are any: correct the file "
    "and check again, or import the valid rows only.",
    "problem_line": "row {row}, column {column}: {sentence}",
    "more_rows": "The grid shows the first {shown} rows with problems; the list holds every problem.",
    "import": "Import",
    "confirm_orders": "Confirm the orders once imported (reserves stock, raises purchase and production orders)",
    "import_valid": "Import the valid rows only",
    "check_again": "Check again",
    "importing": "Importing…",
    "rejects_title": "Save the rejected rows",
    "rejects_filter": "Excel workbook (*.xlsx);;CSV (*.csv)",
    "confirm_valid": "Rows to import: {good}. Rows left out: {bad}; they are saved to {path} with what is wrong "
    "with each. Import now?",
    "result_title": "Done",
    "result": "Rows read: {rows}; new: {inserted}, changed: {updated}, unchanged: {unchanged}.",
    "result_rejected": "Rows left out: {rejected}; they are in {path}.",
    "result_nothing": "Nothing was written.",
}
SETTINGS_MAPPING = "import/mapping/{kind}/{headers}"
SETTINGS_FOLDER = "import/folder"
PREVIEW_ROWS = 20
GRID_ROWS = 1000  # rows with problems shown in the grid at most (the list holds every problem)
CONTEXT_ROWS = 1  # good rows shown above and below a row with a problem
BAD_BACKGROUND, BAD_FOREGROUND = "#fdecea", "#b71c1c"

# Which table's duties decide whether a master data kind is offered; other kinds follow a department duty.
_TABLE_OF_KIND = {
    "customers": "customers",
    "suppliers": "suppliers",
    "products": "products",
    "warehouses": "warehouses",
    "work_centres": "work_centres",
    "bom": "products",
    "prices": "products",
}
_DUTY_OF_KIND = {"opening_stock": "adjust_stock", "sales_orders": "enter_orders"}


def importable_kinds(department: str, duties: Sequence[dict[str, Any]], may: Callable[[str], bool]) -> list[Kind]:
    """The kinds this department may import: master data by the database's matrix (rows of
    erp.master_data_duties(), read as the forms read it), the others by the department's duties; the admin
    all. The import functions check again and have the last word."""
    if department == ADMIN:
        return list(KINDS.values())
    matrix = Duties(duties, department)

    def keeps(table: str, columns: set[str] | None = None) -> bool:
        kept = matrix.editable(table, inserting=True) | matrix.editable(table, inserting=False)
        return bool(kept & columns if columns is not None else kept)

    offered = []
    for kind in KINDS.values():
        if kind.name in _DUTY_OF_KIND:
            allowed = may(_DUTY_OF_KIND[kind.name])
        elif kind.name == "prices":
            allowed = keeps("products", {"price", "cost"})
        else:
            allowed = keeps(_TABLE_OF_KIND.get(kind.name, kind.name))
        if allowed:
            offered.append(kind)
    return offered


def mapping_key(kind: str, headers: Sequence[str]) -> str:
    digest = hashlib.sha1("\x1f".join(headers).encode("utf-8")).hexdigest()[:16]
    return SETTINGS_MAPPING.format(kind=kind, headers=digest)


def load_mapping(kind: str, headers: Sequence[str]) -> dict[str, str | None] | None:
    stored = QSettings().value(mapping_key(kind, headers))
    if not stored:
        return None
    try:
        found = json.loads(str(stored))
    except ValueError:
        return None
    known = {f.name for f in KINDS[kind].fields}
    if not isinstance(found, dict) or set(found) != set(headers):
        return None
    return {header: (name if name in known else None) for header, name in found.items()}


def save_mapping(kind: str, headers: Sequence[str], mapping: dict[str, str | None]) -> None:
    QSettings().setValue(mapping_key(kind, headers), json.dumps(mapping, ensure_ascii=False))


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# -- work on a worker thread ------------------------------------------------------------------------------


@dataclass
class FileFacts:
    headers: list[str]
    sheets: list[str]
    sheet: str | None
    estimated_rows: int | None


@dataclass
class ProblemRows:
    """The rows of the file to show in the grid: (row number, cells) for the rows with problems and their
    neighbours, and whether there were more rows with problems than the grid shows."""

    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    cut: bool = False


def read_facts(path: Path, sheet: str | None) -> FileFacts:
    from server_db.transfer.reading import open_table

    with open_table(path, sheet=sheet) as table:
        return FileFacts(list(table.headers), list(table.sheets), table.sheet, table.estimated_rows)


def read_first_rows(path: Path, sheet: str | None, count: int) -> list[tuple[int, list[str]]]:
    from server_db.transfer.reading import open_table

    found: list[tuple[int, list[str]]] = []
    with open_table(path, sheet=sheet) as table:
        for number, cells in table.numbered_rows():
            found.append((number, [_shown(cell) for cell in cells]))
            if len(found) >= count:
                break
    return found


def read_problem_rows(path: Path, sheet: str | None, bad: Sequence[int]) -> ProblemRows:
    """The rows with problems (at most GRID_ROWS of them) and CONTEXT_ROWS around each, streaming the file."""
    from server_db.transfer.reading import open_table

    chosen = sorted(set(bad))
    cut = len(chosen) > GRID_ROWS
    chosen = chosen[:GRID_ROWS]
    wanted: set[int] = set()
    for row in chosen:
        wanted.update(range(row - CONTEXT_ROWS, row + CONTEXT_ROWS + 1))
    last = max(wanted, default=0)
    result = ProblemRows(cut=cut)
    with open_table(path, sheet=sheet) as table:
        for number, cells in table.numbered_rows():
            if number in wanted:
                result.rows.append((number, [_shown(cell) for cell in cells]))
            if number >= last:
                break
    return result


class _Relay(QObject):
    progressed = Signal(int, int)  # done, total (0: unknown); emitted on the worker, received on the GUI thread


# -- pages ----------------------------------------------------------------------------------------------


class KindPage(QWizardPage):
    """What the file holds, which file, which sheet; a template to fill in."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.import_wizard = wizard
        self.setTitle(TEXTS["kind_title"])
        self.setSubTitle(TEXTS["kind_subtitle"])
        self.kind = QComboBox(self)
        self.kind.setObjectName("kind")
        self.file = QLineEdit(self)
        self.file.setObjectName("file")
        self.file.setReadOnly(True)
        self.browse = QPushButton(TEXTS["browse"], self)
        self.browse.setObjectName("browse")
        self.template = QPushButton(TEXTS["template"], self)
        self.template.setObjectName("template")
        self.template.setToolTip(TEXTS["template_tip"])
        self.sheet = QComboBox(self)
        self.sheet.setObjectName("sheet")
        self.sheet_label = QLabel(TEXTS["sheet"], self)
        self.status = QLabel(self)
        self.status.setObjectName("fileStatus")
        self.status.setWordWrap(True)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(self.browse)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.kind, 1)
        kind_row.addWidget(self.template)
        form = QFormLayout(self)
        form.addRow(TEXTS["kind"], kind_row)
        form.addRow(TEXTS["file"], file_row)
        form.addRow(self.sheet_label, self.sheet)
        form.addRow(self.status)
        self.sheet_label.hide()
        self.sheet.hide()
        self.browse.clicked.connect(self.choose_file)
        self.template.clicked.connect(self.save_template)
        self.kind.currentIndexChanged.connect(lambda _: self.completeChanged.emit())
        self.sheet.activated.connect(lambda _: self.open_file(self.import_wizard.path, self.sheet.currentText()))

    def set_kinds(self, kinds: Sequence[Kind]) -> None:
        current = self.kind.currentData()
        self.kind.blockSignals(True)
        self.kind.clear()
        for kind in kinds:
            self.kind.addItem(kind.label, kind.name)
        position = self.kind.findData(current)
        self.kind.setCurrentIndex(max(position, 0))
        self.kind.blockSignals(False)
        self.kind.setEnabled(bool(kinds))
        self.template.setEnabled(bool(kinds))
        if not kinds:
            self.status.setText(TEXTS["no_kinds"])
        self.completeChanged.emit()

    def choose_file(self) -> QFileDialog:
        folder = QSettings().value(SETTINGS_FOLDER) or ""
        dialog = QFileDialog(self, TEXTS["title"], str(folder), TEXTS["open_filter"])
        dialog.setObjectName("openDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.open_file(Path(path)))
        dialog.finished.connect(lambda _: dialog.deleteLater())
        self.open_dialog = dialog
        dialog.open()
        return dialog

    def open_file(self, path: Path | None, sheet: str | None = None) -> None:
        """Read the file's headers and sheets on a worker."""
        if path is None:
            return
        wizard = self.import_wizard
        wizard.path = Path(path)
        wizard.facts = None
        QSettings().setValue(SETTINGS_FOLDER, str(wizard.path.parent))
        self.file.setText(str(wizard.path))
        self.status.setText(TEXTS["reading"].format(name=wizard.path.name))
        self.status.setStyleSheet("")
        self.completeChanged.emit()

        def done(facts: FileFacts) -> None:
            if wizard.path != Path(path):
                return  # another file was chosen meanwhile
            wizard.facts = facts
            wizard.sheet = facts.sheet
            self.sheet.blockSignals(True)
            self.sheet.clear()
            self.sheet.addItems(facts.sheets)
            if facts.sheet:
                self.sheet.setCurrentText(facts.sheet)
            self.sheet.blockSignals(False)
            several = len(facts.sheets) > 1
            self.sheet.setVisible(several)
            self.sheet_label.setVisible(several)
            text = TEXTS["read"] if facts.estimated_rows is not None else TEXTS["read_unknown"]
            rows = f"{facts.estimated_rows:,}" if facts.estimated_rows is not None else ""
            self.status.setText(text.format(name=wizard.path.name, columns=len(facts.headers), rows=rows))
            self.completeChanged.emit()
            wizard.file_read.emit()

        def failed(exc: BaseException) -> None:
            if wizard.path != Path(path):
                return
            self.status.setText(describe_error(exc))
            self.status.setStyleSheet(f"color: {BAD_FOREGROUND}")
            self.completeChanged.emit()
            wizard.file_read.emit()

        wizard.work(read_facts, wizard.path, sheet, on_done=done, on_error=failed)

    def save_template(self) -> QFileDialog | None:
        from server_db.masterdata import queries as masterdata

        try:
            from server_db.transfer.templates import write_template
        except ImportError:
            self.status.setText(TEXTS["template_missing"])
            return None
        kind = self.kind.currentData()
        if kind is None:
            return None
        folder = QSettings().value(SETTINGS_FOLDER) or ""
        name = str(Path(str(folder)) / f"{KINDS[kind].label}.xlsx")
        dialog = QFileDialog(self, TEXTS["template"], name, TEXTS["template_filter"])
        dialog.setObjectName("templateDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("xlsx")

        database = self.import_wizard.context.database

        def write(path: str) -> None:
            self.import_wizard.work(
                lambda: write_template(kind, Path(path), units=database.run(masterdata.units)),
                on_done=lambda written: self.status.setText(TEXTS["template_saved"].format(path=written)),
                on_error=lambda exc: self.status.setText(describe_error(exc)),
            )

        dialog.fileSelected.connect(write)
        dialog.finished.connect(lambda _: dialog.deleteLater())
        self.template_dialog = dialog
        dialog.open()
        return dialog

    def isComplete(self) -> bool:
        return self.kind.currentData() is not None and self.import_wizard.facts is not None

    def validatePage(self) -> bool:
        self.import_wizard.kind = KINDS[self.kind.currentData()]
        return True


class MappingPage(QWizardPage):
    """A row per column of the file, with the field it holds."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.import_wizard = wizard
        self.setTitle(TEXTS["mapping_title"])
        self.setSubTitle(TEXTS["mapping_subtitle"])
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("mapping")
        self.table.setHorizontalHeaderLabels([TEXTS["file_column"], TEXTS["field"]])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.status = QLabel(self)
        self.status.setObjectName("mappingStatus")
        self.status.setWordWrap(True)
        self.status.setStyleSheet(f"color: {BAD_FOREGROUND}")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.combos: list[QComboBox] = []

    def initializePage(self) -> None:
        from server_db.transfer.imports import suggest_mapping

        wizard = self.import_wizard
        assert wizard.kind is not None and wizard.facts is not None
        kind, headers = wizard.kind, wizard.facts.headers
        mapping = load_mapping(kind.name, headers) or suggest_mapping(kind, headers)
        self.table.setRowCount(len(headers))
        self.combos = []
        for row, header in enumerate(headers):
            self.table.setItem(row, 0, QTableWidgetItem(header))
            combo = QComboBox(self.table)
            combo.addItem(TEXTS["ignored"], None)
            for f in kind.fields:
                combo.addItem(TEXTS["required_mark"].format(label=f.label) if f.required else f.label, f.name)
            combo.setCurrentIndex(max(combo.findData(mapping.get(header)), 0))
            combo.currentIndexChanged.connect(lambda _: self._changed())
            self.table.setCellWidget(row, 1, combo)
            self.combos.append(combo)
        self._changed()

    def mapping(self) -> dict[str, str | None]:
        headers = self.import_wizard.facts.headers if self.import_wizard.facts else []
        return {header: combo.currentData() for header, combo in zip(headers, self.combos, strict=False)}

    def set_field(self, header: str, field_name: str | None) -> None:
        headers = self.import_wizard.facts.headers if self.import_wizard.facts else []
        combo = self.combos[headers.index(header)]
        combo.setCurrentIndex(max(combo.findData(field_name), 0))

    def problem(self) -> str:
        """Why the mapping cannot be used yet, or ""."""
        kind = self.import_wizard.kind
        if kind is None:
            return ""
        chosen = [name for name in self.mapping().values() if name]
        for name in chosen:
            if chosen.count(name) > 1:
                return TEXTS["twice"].format(label=kind.field(name).label)
        missing = [f.label for f in kind.fields if f.required and f.name not in chosen]
        if missing:
            count_text = TEXTS["unmapped_one"] if len(missing) == 1 else TEXTS["unmapped_many"]
            return TEXTS["unmapped"].format(labels=", ".join(missing), count_text=count_text)
        return ""

    def _changed(self) -> None:
        self.status.setText(self.problem())
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.problem()

    def validatePage(self) -> bool:
        wizard = self.import_wizard
        assert wizard.kind is not None and wizard.facts is not None
        wizard.mapping = self.mapping()
        save_mapping(wizard.kind.name, wizard.facts.headers, wizard.mapping)
        return True


class PreviewPage(QWizardPage):
    """The first rows as mapped: the fields' labels over the file's values."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.import_wizard = wizard
        self.setTitle(TEXTS["preview_title"])
        self.setSubTitle(TEXTS["preview_subtitle"].format(rows=PREVIEW_ROWS))
        self.table = QTableWidget(self)
        self.table.setObjectName("preview")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.loaded = False

    def initializePage(self) -> None:
        wizard = self.import_wizard
        assert wizard.kind is not None and wizard.path is not None and wizard.facts is not None
        kind = wizard.kind
        columns = [(i, kind.field(name)) for i, name in enumerate(wizard.mapping.values()) if name]
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels([f.label for _, f in columns])
        self.loaded = False

        def done(rows: list[tuple[int, list[str]]]) -> None:
            self.table.setRowCount(len(rows))
            self.table.setVerticalHeaderLabels([str(number) for number, _ in rows])
            for r, (_, cells) in enumerate(rows):
                for c, (index, _) in enumerate(columns):
                    self.table.setItem(r, c, QTableWidgetItem(cells[index] if index < len(cells) else ""))
            self.table.resizeColumnsToContents()
            self.loaded = True
            self.completeChanged.emit()

        def failed(exc: BaseException) -> None:
            self.status.setText(describe_error(exc))

        wizard.work(read_first_rows, wizard.path, wizard.sheet, PREVIEW_ROWS, on_done=done, on_error=failed)

    def isComplete(self) -> bool:
        return self.loaded


class CheckPage(QWizardPage):
    """The dry run, its problems, and the import itself."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.import_wizard = wizard
        self.setTitle(TEXTS["check_title"])
        self.setSubTitle(TEXTS["check_subtitle"])
        self.progress = QProgressBar(self)
        self.progress.setObjectName("checkProgress")
        self.cancel_button = QPushButton(TEXTS["cancel"], self)
        self.cancel_button.setObjectName("cancelCheck")
        self.summary = QLabel(self)
        self.summary.setObjectName("checkSummary")
        self.summary.setWordWrap(True)
        self.grid = QTableWidget(self)
        self.grid.setObjectName("problemGrid")
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list = QListWidget(self)
        self.list.setObjectName("problemList")
        self.list.setWordWrap(True)
        self.import_button = QPushButton(TEXTS["import"], self)
        self.import_button.setObjectName("importAll")
        self.valid_button = QPushButton(TEXTS["import_valid"], self)
        self.valid_button.setObjectName("importValid")
        self.again_button = QPushButton(TEXTS["check_again"], self)
        self.again_button.setObjectName("checkAgain")
        self.confirm_orders = QCheckBox(TEXTS["confirm_orders"], self)
        self.confirm_orders.setObjectName("confirmOrders")
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.again_button)
        buttons.addStretch(1)
        buttons.addWidget(self.valid_button)
        buttons.addWidget(self.import_button)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.grid)
        splitter.addWidget(self.list)
        splitter.setSizes([260, 120])
        layout = QVBoxLayout(self)
        layout.addLayout(progress_row)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.confirm_orders)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(wizard.cancel)
        self.import_button.clicked.connect(lambda: self.start_import(valid_only=False))
        self.valid_button.clicked.connect(self.ask_rejects_path)
        self.again_button.clicked.connect(self.check)
        self.list.itemActivated.connect(self.show_problem)
        self.list.itemDoubleClicked.connect(self.show_problem)
        self.checked: Any = None  # the dry run's ImportResult
        self.problem_cells: dict[tuple[int, str], str] = {}
        self.grid_rows: dict[int, int] = {}  # file row number -> grid row
        self.imported = False
        self.busy = False

    def initializePage(self) -> None:
        self.imported = False
        kind = self.import_wizard.kind
        self.confirm_orders.setVisible(kind is not None and kind.name == "sales_orders")
        self.check()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.progress.setRange(0, 0)
            self.summary.setText(text)
            self.import_button.setEnabled(False)
            self.valid_button.setEnabled(False)
            self.again_button.setEnabled(False)
        else:
            self.again_button.setEnabled(True)

    def check(self) -> None:
        """The dry run on a worker: every row checked in the database, nothing written."""
        wizard = self.import_wizard
        self.checked = None
        self.grid.clear()
        self.grid.setRowCount(0)
        self.list.clear()
        self._set_busy(True, TEXTS["checking_unknown"].format(done=0))
        wizard.run_import(dry_run=True, on_done=self._checked, on_error=self._failed)

    def show_progress(self, done: int, total: int) -> None:
        if not self.busy:
            return
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            text = TEXTS["checking"].format(done=f"{done:,}", total=f"{total:,}")
        else:
            text = TEXTS["checking_unknown"].format(done=f"{done:,}")
        if not self.imported:
            self.summary.setText(text)

    def _checked(self, result: Any) -> None:
        self._set_busy(False)
        if result is None:
            self.summary.setText(TEXTS["cancelled"])
            return
        self.checked = result
        problems = result.problems
        bad = len({p.row for p in problems})
        if not problems:
            self.summary.setText(
                TEXTS["all_good"].format(
                    rows=f"{result.rows:,}",
                    inserted=f"{result.inserted:,}",
                    updated=f"{result.updated:,}",
                    unchanged=f"{result.unchanged:,}",
                )
            )
        else:
            self.summary.setText(TEXTS["problems"].format(bad=f"{bad:,}", rows=f"{result.rows:,}"))
        self.summary.setStyleSheet(f"color: {BAD_FOREGROUND}" if problems else "")
        self.import_button.setEnabled(not problems)
        self.valid_button.setEnabled(bool(problems) and bad < result.rows)
        self.problem_cells = {}
        for problem in problems:
            key = (problem.row, problem.column)
            self.problem_cells[key] = "; ".join(filter(None, (self.problem_cells.get(key), problem.sentence)))
            item = QListWidgetItem(
                TEXTS["problem_line"].format(row=problem.row, column=problem.column, sentence=problem.sentence)
            )
            item.setData(Qt.ItemDataRole.UserRole, (problem.row, problem.column))
            item.setToolTip(problem.sentence)
            self.list.addItem(item)
        self.grid.setVisible(bool(problems))
        self.list.setVisible(bool(problems))
        if problems:
            wizard = self.import_wizard
            wizard.work(
                read_problem_rows,
                wizard.path,
                wizard.sheet,
                [p.row for p in problems],
                on_done=self._show_rows,
                on_error=self._failed,
            )

    def _show_rows(self, found: ProblemRows) -> None:
        wizard = self.import_wizard
        headers = wizard.facts.headers if wizard.facts else []
        self.grid.clear()
        self.grid.setColumnCount(len(headers))
        self.grid.setHorizontalHeaderLabels(headers)
        self.grid.setRowCount(len(found.rows))
        self.grid.setVerticalHeaderLabels([str(number) for number, _ in found.rows])
        self.grid_rows = {}
        bad_background, bad_foreground = QBrush(QColor(BAD_BACKGROUND)), QBrush(QColor(BAD_FOREGROUND))
        for r, (number, cells) in enumerate(found.rows):
            self.grid_rows[number] = r
            for c, header in enumerate(headers):
                item = QTableWidgetItem(cells[c] if c < len(cells) else "")
                sentence = self.problem_cells.get((number, header))
                if sentence:
                    item.setBackground(bad_background)
                    item.setForeground(bad_foreground)
                    item.setToolTip(sentence)
                self.grid.setItem(r, c, item)
        self.grid.resizeColumnsToContents()
        if found.cut:
            self.summary.setText(self.summary.text() + " " + TEXTS["more_rows"].format(shown=GRID_ROWS))

    def show_problem(self, item: QListWidgetItem) -> None:
        """Select the problem's cell in the grid."""
        row, column = item.data(Qt.ItemDataRole.UserRole)
        headers = self.import_wizard.facts.headers if self.import_wizard.facts else []
        grid_row = self.grid_rows.get(row)
        if grid_row is None:
            return
        grid_column = headers.index(column) if column in headers else 0
        self.grid.setCurrentCell(grid_row, grid_column)
        self.grid.scrollTo(self.grid.model().index(grid_row, grid_column))
        self.grid.setFocus()

    def ask_rejects_path(self) -> QFileDialog:
        wizard = self.import_wizard
        assert wizard.path is not None
        from server_db.transfer.imports import default_rejects_path

        dialog = QFileDialog(self, TEXTS["rejects_title"], str(default_rejects_path(wizard.path)))
        dialog.setNameFilters(TEXTS["rejects_filter"].split(";;"))
        dialog.setObjectName("rejectsDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("xlsx")
        dialog.fileSelected.connect(lambda path: self.confirm_valid_only(Path(path)))
        dialog.finished.connect(lambda _: dialog.deleteLater())
        self.rejects_dialog = dialog
        dialog.open()
        return dialog

    def confirm_valid_only(self, rejects: Path) -> QMessageBox:
        result = self.checked
        bad = len({p.row for p in result.problems}) if result is not None else 0
        good = (result.rows if result is not None else 0) - bad
        box = QMessageBox(
            QMessageBox.Icon.Question,
            TEXTS["import_valid"],
            TEXTS["confirm_valid"].format(good=f"{good:,}", bad=f"{bad:,}", path=rejects),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("confirmValid")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(
            lambda answer: (
                self.start_import(valid_only=True, rejects=rejects)
                if answer == QMessageBox.StandardButton.Yes
                else None
            )
        )
        box.finished.connect(lambda _: box.deleteLater())
        self.confirm_box = box
        box.open()
        return box

    def start_import(self, *, valid_only: bool, rejects: Path | None = None) -> None:
        self._set_busy(True, TEXTS["importing"])
        self.import_wizard.run_import(
            valid_only=valid_only,
            rejects_path=rejects,
            confirm_orders=not self.confirm_orders.isHidden() and self.confirm_orders.isChecked(),
            on_done=self._imported,
            on_error=self._failed,
        )

    def _imported(self, result: Any) -> None:
        self._set_busy(False)
        if result is None:
            self.summary.setText(TEXTS["cancelled"])
            self.import_button.setEnabled(self.checked is not None and not self.checked.problems)
            return
        self.import_wizard.result = result
        if not result.written:  # the file changed since the check: show the new problems
            self._checked(result)
            return
        self.imported = True
        self.completeChanged.emit()
        self.import_wizard.next()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.summary.setText(describe_error(exc))
        self.summary.setStyleSheet(f"color: {BAD_FOREGROUND}")

    def isComplete(self) -> bool:
        return self.imported


class ResultPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.import_wizard = wizard
        self.setTitle(TEXTS["result_title"])
        self.text = QLabel(self)
        self.text.setObjectName("resultText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addStretch(1)

    def initializePage(self) -> None:
        result = self.import_wizard.result
        if result is None or not result.written:
            self.text.setText(TEXTS["result_nothing"])
            return
        lines = [
            TEXTS["result"].format(
                rows=f"{result.rows:,}",
                inserted=f"{result.inserted:,}",
                updated=f"{result.updated:,}",
                unchanged=f"{result.unchanged:,}",
            )
        ]
        if result.rejected:
            lines.append(TEXTS["result_rejected"].format(rejected=f"{result.rejected:,}", path=result.rejects_path))
        self.text.setText("\n".join(lines))


# -- the wizard -------------------------------------------------------------------------------------------


class ImportWizard(QWizard):
    """File → Import… of a role window. `imported(result)` once something was written."""

    file_read = Signal()  # the chosen file's headers were read (or could not be)
    imported = Signal(object)

    KIND, MAPPING, PREVIEW, CHECK, RESULT = range(5)

    def __init__(self, context: ClientContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("importWizard")
        self.setWindowTitle(TEXTS["title"])
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.resize(860, 600)
        self.path: Path | None = None
        self.sheet: str | None = None
        self.facts: FileFacts | None = None
        self.kind: Kind | None = None
        self.mapping: dict[str, str | None] = {}
        self.result: Any = None
        self.cancel_requested = threading.Event()
        self._relay = _Relay(self)
        self.kind_page = KindPage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.check_page = CheckPage(self)
        self.result_page = ResultPage(self)
        for number, page in enumerate(
            (self.kind_page, self.mapping_page, self.preview_page, self.check_page, self.result_page)
        ):
            self.setPage(number, page)
        self._relay.progressed.connect(self.check_page.show_progress)
        self.kinds_loaded = False
        if context.department == ADMIN:
            self.kind_page.set_kinds(list(KINDS.values()))
        self._load_kinds()

    def _load_kinds(self) -> None:
        from server_db.masterdata import queries as masterdata

        def done(duties: list[dict[str, Any]]) -> None:
            self.kind_page.set_kinds(importable_kinds(self.context.department, duties, self.context.may))
            self.kinds_loaded = True

        self.context.operations.run(masterdata.duties, on_done=done, on_error=self._kinds_failed, owner=self)

    def _kinds_failed(self, exc: BaseException) -> None:
        self.kind_page.status.setText(describe_error(exc))
        self.kinds_loaded = True

    def work(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], object],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Run `function(*args)` on a worker thread; the answer comes back on the GUI thread."""
        self.context.operations.run(function, *args, raw=True, on_done=on_done, on_error=on_error, owner=self)

    def run_import(
        self,
        *,
        on_done: Callable[[Any], object],
        on_error: Callable[[BaseException], None],
        dry_run: bool = False,
        valid_only: bool = False,
        rejects_path: Path | None = None,
        confirm_orders: bool = False,
    ) -> None:
        """run_import on a worker with this wizard's file and mapping; on_done(None) when cancelled."""
        from server_db.transfer.imports import ImportCancelled, run_import

        assert self.kind is not None and self.path is not None
        self.cancel_requested.clear()
        kind, path, sheet, mapping = self.kind.name, self.path, self.sheet, dict(self.mapping)
        database = self.context.database

        def job() -> Any:
            try:
                return run_import(
                    database,
                    kind,
                    path,
                    mapping=mapping,
                    sheet=sheet,
                    dry_run=dry_run,
                    valid_only=valid_only,
                    rejects_path=rejects_path,
                    confirm_orders=confirm_orders,
                    progress=lambda done, total: self._relay.progressed.emit(done, total or 0),
                    cancelled=self.cancel_requested.is_set,
                )
            except ImportCancelled:
                return None

        def finished(result: Any) -> None:
            if result is not None and result.written:
                self.imported.emit(result)
            on_done(result)

        self.work(job, on_done=finished, on_error=on_error)

    def cancel(self) -> None:
        self.cancel_requested.set()
        self.check_page.cancel_button.setEnabled(False)

    def reject(self) -> None:
        self.cancel_requested.set()  # a check still running stops at its next row batch
        super().reject()
