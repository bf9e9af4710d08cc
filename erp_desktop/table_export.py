"""Copy and export of what a list shows.

What the person sees is what leaves the window: the rows the search and filters let through, in the order
the table is sorted, the visible columns in the order the person dragged them to, under the header texts as
shown. The values are taken raw from the model's records (a Decimal, a date), not from the formatted text, so
a spreadsheet gets numbers and dates it can compute with.

The rows are taken on the GUI thread (the model may change a moment later with a live update); the file is
written on a worker thread, with a progress dialog whose Cancel leaves no file behind for a big table.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDir, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QProgressDialog, QTabWidget, QWidget

from erp_desktop import format as fmt
from erp_desktop.table_models import Column
from server_db.transfer.writers import ExportCancelled, OutColumn, text_value, write_csv, write_xlsx

if TYPE_CHECKING:
    from erp_desktop.operations import Operations
    from erp_desktop.widgets import RecordTable

# Every sentence the person reads, in one place (translations come later).
TEXTS = {
    "exported": "Exported {rows} rows to {path}.",
    "exported_one": "Exported 1 row to {path}.",
    "cancelled": "The export was cancelled; no file was written.",
    "progress": "Exporting {done} of {total} rows…",
    "progress_title": "Export",
    "cancel": "Cancel",
    "dialog_xlsx": "Export to Excel",
    "dialog_csv": "Export to CSV",
    "filter_xlsx": "Excel workbook (*.xlsx)",
    "filter_csv": "CSV, UTF-8 (*.csv)",
    "filter_csv_gb18030": "CSV, GB18030 for older Chinese Excel (*.csv)",
    "failed_title": "Export",
}
SETTINGS_FOLDER = "export/folder"
PROGRESS_FROM = 5000  # rows from which a progress dialog is shown
SAMPLE_ROWS = 50  # rows looked at to tell a text column that holds only whole numbers

# A screen column's kind -> the kind of the file's column (writers.KINDS); a state is written as it reads.
_OUT_KIND = {
    "text": "text",
    "qty": "qty",
    "money": "money",
    "date": "date",
    "datetime": "datetime",
    "percent": "percent",
    "bool": "bool",
    "state": "text",
}


@dataclass
class TableSnapshot:
    """The table as it looked when asked: the file's columns and, per row, the raw values."""

    title: str
    columns: list[OutColumn]
    rows: list[tuple]
    converters: list[Callable[[Any], Any] | None]

    def values(self) -> Iterator[list[Any]]:
        """The rows as the file gets them (states as they read); run on the worker thread."""
        converters = self.converters
        if not any(converters):
            for row in self.rows:
                yield list(row)
            return
        for row in self.rows:
            yield [
                value if convert is None or value is None else convert(value)
                for convert, value in zip(converters, row, strict=True)
            ]


def shown_columns(table: RecordTable) -> list[int]:
    """The model's column numbers the person sees, left to right as on screen."""
    header = table.horizontalHeader()
    logical = (header.logicalIndex(visual) for visual in range(header.count()))
    return [column for column in logical if not header.isSectionHidden(column)]


def header_text(table: RecordTable, column: int) -> str:
    text = table.model().headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
    return "" if text is None else str(text)


def _converter(column: Column) -> Callable[[Any], Any] | None:
    if column.kind == "state":
        return fmt.state
    return None


def snapshot(table: RecordTable, *, proxy_rows: Sequence[int] | None = None) -> TableSnapshot:
    """The visible rows (or the given proxy rows) in the order shown, with the visible columns."""
    proxy, source = table.proxy, table.source
    columns = shown_columns(table)
    fields = [source.columns[c].field for c in columns]
    getter = source.getter(fields)
    if proxy_rows is None:
        rows = [getter(row) for row in proxy.source_rows()]
    else:
        map_to_source, index = proxy.mapToSource, proxy.index
        rows = [getter(map_to_source(index(r, 0)).row()) for r in proxy_rows]
    kinds = [_OUT_KIND.get(source.columns[c].kind, "text") for c in columns]
    for position, kind in enumerate(kinds):
        sample = [row[position] for row in rows[:SAMPLE_ROWS] if row[position] is not None]
        if kind == "text" and sample and all(type(value) is int for value in sample):
            kinds[position] = "int"  # a line number or a count shown as plain text stays a number
    return TableSnapshot(
        title=table_title(table),
        columns=[OutColumn(header_text(table, c), kind) for c, kind in zip(columns, kinds, strict=True)],
        rows=rows,
        converters=[_converter(source.columns[c]) for c in columns],
    )


# -- copying ----------------------------------------------------------------------------------------------


def _cell_text(kind: str, value: Any) -> str:
    """A value as Excel reads it pasted: numbers plain with a dot and no thousands separator, ISO dates."""
    if value is None:
        return ""
    if kind == "state":
        return fmt.state(value)
    if kind == "datetime" or (kind == "date" and isinstance(value, dt.datetime)):
        return text_value("datetime", value)[:16]  # minutes, as on screen
    text = text_value(_OUT_KIND.get(kind, "text"), value)
    return re.sub(r"[\t\r\n]+", " ", text)


def selection_text(table: RecordTable, *, headers: bool = False) -> str:
    """The selected cells as tab-separated lines (rows in the order shown, columns as on screen)."""
    selection = table.selectionModel().selectedIndexes()
    if not selection:
        current = table.currentIndex()
        selection = [current] if current.isValid() else []
    if not selection:
        return ""
    rows = sorted({index.row() for index in selection})
    chosen = {index.column() for index in selection}
    columns = [c for c in shown_columns(table) if c in chosen]
    source = table.source
    fields = [source.columns[c].field for c in columns]
    kinds = [source.columns[c].kind for c in columns]
    getter = source.getter(fields)
    lines = []
    if headers:
        lines.append("\t".join(re.sub(r"\s+", " ", header_text(table, c)) for c in columns))
    for row in rows:
        values = getter(table.proxy.mapToSource(table.proxy.index(row, 0)).row())
        lines.append("\t".join(_cell_text(kind, value) for kind, value in zip(kinds, values, strict=True)))
    return "\n".join(lines) + "\n"


def copy_selection(table: RecordTable, *, headers: bool = False) -> str:
    text = selection_text(table, headers=headers)
    if text:
        QGuiApplication.clipboard().setText(text)
    return text


# -- file names ---------------------------------------------------------------------------------------------


def table_title(table: QWidget) -> str:
    """What the person calls this list: the window's title and the tab the list is on ('Sales - Orders')."""
    window = table.window()
    parts = [str(getattr(window, "title", "") or "")]
    if not parts[0] and isinstance(window, QMainWindow):
        parts = [window.windowTitle().split(" — ")[0]]
    widget: QWidget | None = table
    while widget is not None and widget is not window:
        parent = widget.parentWidget()
        stack = parent.parentWidget() if parent is not None else None
        if isinstance(stack, QTabWidget):
            position = stack.indexOf(widget)
            if position >= 0:
                parts.append(stack.tabText(position).replace("&", ""))
        widget = parent
    return " - ".join(dict.fromkeys(part for part in parts if part)) or "Export"


def default_file_name(table: QWidget, suffix: str, *, today: dt.date | None = None) -> str:
    name = re.sub(r'[\\/:*?"<>|]+', " ", table_title(table)).strip() or "Export"
    return f"{name} {(today or dt.date.today()).isoformat()}.{suffix}"


def remembered_folder() -> Path:
    stored = QSettings().value(SETTINGS_FOLDER)
    if stored and Path(str(stored)).is_dir():
        return Path(str(stored))
    documents = Path(QDir.homePath()) / "Documents"
    return documents if documents.is_dir() else Path(QDir.homePath())


def remember_folder(path: Path) -> None:
    QSettings().setValue(SETTINGS_FOLDER, str(path.parent))


# -- exporting ----------------------------------------------------------------------------------------------


class _Relay(QObject):
    progressed = Signal(int)  # emitted on the worker, delivered on the GUI thread


class TableExport(QObject):
    """One export of a table: ask the file name (`ask()`), or `write_to(path)` straight away.
    `finished(outcome)`: "exported", "cancelled", "empty" or the error sentence."""

    finished = Signal(str)

    def __init__(self, table: RecordTable, file_format: str = "xlsx") -> None:
        super().__init__(table)
        self.table = table
        self.file_format = file_format
        self.encoding = "utf-8-sig"
        self.dialog: QFileDialog | None = None
        self.progress: QProgressDialog | None = None
        self.cancel_requested = threading.Event()
        self.path: Path | None = None
        self.rows = 0
        self.outcome = ""
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._progressed)
        self._total = 0

    def ask(self) -> QFileDialog:
        """The save dialog, opened window-modal; the export starts when a file is chosen."""
        suffix = "xlsx" if self.file_format == "xlsx" else "csv"
        name = str(remembered_folder() / default_file_name(self.table, suffix))
        filters = [TEXTS["filter_xlsx"]] if suffix == "xlsx" else [TEXTS["filter_csv"], TEXTS["filter_csv_gb18030"]]
        dialog = QFileDialog(self.table.window(), TEXTS[f"dialog_{suffix}"], name, ";;".join(filters))
        dialog.setObjectName("exportDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(suffix)
        dialog.fileSelected.connect(
            lambda path: self.write_to(
                Path(path), encoding="gb18030" if dialog.selectedNameFilter() == TEXTS["filter_csv_gb18030"] else None
            )
        )
        dialog.finished.connect(lambda _: dialog.deleteLater())
        self.dialog = dialog
        dialog.open()
        return dialog

    def write_to(self, path: Path, *, encoding: str | None = None) -> None:
        """Take the rows now and write them on a worker thread."""
        self.path = Path(path)
        if encoding:
            self.encoding = encoding
        if self.file_format == "xlsx" and self.path.suffix.lower() != ".xlsx":
            self.path = (
                self.path.with_suffix(self.path.suffix + ".xlsx")
                if self.path.suffix
                else self.path.with_suffix(".xlsx")
            )
        taken = snapshot(self.table)
        self._total = len(taken.rows)
        remember_folder(self.path)
        if self._total >= PROGRESS_FROM:
            self._show_progress()
        _operations(self.table).run(self._write, taken, raw=True, on_done=self._done, on_error=self._failed, owner=self)

    def cancel(self) -> None:
        self.cancel_requested.set()

    def _write(self, taken: TableSnapshot) -> int:  # on the worker thread
        assert self.path is not None
        writer = write_xlsx if self.file_format == "xlsx" else write_csv
        options: dict[str, Any] = {"sheet": taken.title} if writer is write_xlsx else {"encoding": self.encoding}
        try:
            return writer(
                self.path,
                taken.columns,
                taken.values(),
                progress=self._relay.progressed.emit,
                cancelled=self.cancel_requested.is_set,
                **options,
            )
        except ExportCancelled:
            return -1

    def _show_progress(self) -> None:
        progress = QProgressDialog(
            TEXTS["progress"].format(done=0, total=f"{self._total:,}"),
            TEXTS["cancel"],
            0,
            self._total,
            self.table.window(),
        )
        progress.setObjectName("exportProgress")
        progress.setWindowTitle(TEXTS["progress_title"])
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.cancel)
        progress.show()
        self.progress = progress

    def _progressed(self, done: int) -> None:
        if self.progress is not None and not self.cancel_requested.is_set():
            self.progress.setLabelText(TEXTS["progress"].format(done=f"{done:,}", total=f"{self._total:,}"))
            self.progress.setValue(done)

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.hide()
            self.progress.deleteLater()
            self.progress = None

    def _done(self, rows: int) -> None:
        self._close_progress()
        assert self.path is not None
        if rows < 0:
            self._finish("cancelled", TEXTS["cancelled"])
            return
        self.rows = rows
        text = TEXTS["exported_one"] if rows == 1 else TEXTS["exported"]
        self._finish("exported", text.format(rows=f"{rows:,}", path=self.path))

    def _failed(self, exc: BaseException) -> None:
        from erp_desktop.widgets import describe_error

        self._close_progress()
        sentence = describe_error(exc)
        self._finish(sentence, sentence, error=True)

    def _finish(self, outcome: str, sentence: str, *, error: bool = False) -> None:
        self.outcome = outcome
        tell(self.table, sentence, error=error)
        self.finished.emit(outcome)


def tell(widget: QWidget, text: str, *, error: bool = False) -> None:
    """A sentence in the window's message bar, or in a message box where there is none."""
    from erp_desktop.widgets import MessageBar

    bar = getattr(widget.window(), "message", None)
    if isinstance(bar, MessageBar):
        bar.show_message(text, error=error)
        return
    box = QMessageBox(
        QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information,
        TEXTS["failed_title"],
        text,
        QMessageBox.StandardButton.Ok,
        widget.window(),
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


_fallback: Operations | None = None


def _operations(widget: QWidget) -> Operations:
    """The window's operation runner; a table outside a role window gets a shared one without a database."""
    global _fallback
    context = getattr(widget.window(), "context", None)
    operations = getattr(context, "operations", None)
    if operations is not None:
        return operations
    if _fallback is None:
        from erp_desktop.operations import Operations

        _fallback = Operations(None, threads=1)
    return _fallback


def export_table(table: RecordTable, file_format: str = "xlsx") -> TableExport:
    """Ask where to write the list and export it (the context menu's and Ctrl+E's action)."""
    job = TableExport(table, file_format)
    job.ask()
    return job
