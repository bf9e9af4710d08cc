"""Table models: rows keyed by id, updated in place.

A model holds its rows as tuples (light enough for 100,000 orders on the board) and an id -> row index.
`upsert` changes or adds only the rows given and `remove` drops rows by id; a changed row is flashed for a
moment so the eye finds what moved. `data()` never raises: a bad value shows as empty, not a traceback.
Sorting and filtering happen in a `FilterProxy` above the model.
"""

from __future__ import annotations

import logging
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from erp_desktop import format as fmt

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
SortRole = Qt.ItemDataRole.UserRole + 1
RecordRole = Qt.ItemDataRole.UserRole + 2
FLASH_SECONDS = 1.5


@dataclass(frozen=True)
class Column:
    """One column: the row field it shows, its header, and how its values read (text, qty, money, date,
    datetime, state, percent, bool)."""

    field: str
    title: str
    kind: str = "text"
    width: int | None = None
    tooltip: str = ""

    @property
    def right_aligned(self) -> bool:
        return self.kind in ("qty", "money", "percent")


class NewestAnswers:
    """Refetches of rows run on several worker threads and may finish out of order: each id takes only the
    answer of the newest refetch asked for it (that one started after every change seen so far)."""

    def __init__(self) -> None:
        self._asked = 0
        self._latest: dict[Any, int] = {}

    def ask(self, ids: Iterable[Any]) -> int:
        """A ticket for a refetch of `ids`, newer than every ticket before it."""
        self._asked += 1
        for key in ids:
            self._latest[key] = self._asked
        return self._asked

    def answered(self, ticket: int, ids: Iterable[Any]) -> set[Any]:
        """The ids whose newest refetch is this one: merge these, drop the rest of the answer."""
        current = {key for key in ids if self._latest.get(key) == ticket}
        for key in current:
            del self._latest[key]
        return current

    def forget(self) -> None:
        """A full load has come in: no refetch asked before it may overwrite it."""
        self._latest.clear()


class RecordTableModel(QAbstractTableModel):
    flash_faded = Signal()  # the flashing rows' backgrounds moved on a step: views repaint what they show

    def __init__(
        self, columns: Sequence[Column], *, key: str = "id", extra_fields: Sequence[str] = (), parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.key = key
        names = [key, *[c.field for c in self.columns], *extra_fields]
        self.fields: list[str] = list(dict.fromkeys(names))
        self._position = {name: i for i, name in enumerate(self.fields)}
        getter = operator.itemgetter(*self.fields)
        self._getter: Callable[[dict[str, Any]], tuple] = (
            getter if len(self.fields) > 1 else (lambda row: (getter(row),))
        )
        self._rows: list[tuple] = []
        self._index: dict[Any, int] = {}
        self._flash: dict[Any, float] = {}
        self._flash_timer = QTimer(self)
        self._flash_timer.setInterval(100)
        self._flash_timer.timeout.connect(self._fade)
        self.row_style: Callable[[dict[str, Any]], tuple[str | None, str | None, bool]] | None = None
        self._search_text: dict[Any, str] = {}
        self._sorted_by: tuple[int, Qt.SortOrder] | None = None

    # -- content ----------------------------------------------------------------------------------------

    def _as_tuple(self, row: dict[str, Any]) -> tuple:
        try:
            return self._getter(row)  # one C call per row: 100,000 rows load quickly
        except KeyError:
            return tuple(row.get(name) for name in self.fields)

    def reset(self, rows: Iterable[dict[str, Any]]) -> None:
        """Replace everything (first load, or a filter on the server side changed)."""
        self.beginResetModel()
        self._rows = [self._as_tuple(r) for r in rows]
        self._index = {row[0]: i for i, row in enumerate(self._rows)}
        self._flash.clear()
        self._search_text.clear()
        if self._sorted_by is not None:
            self._sort_rows(*self._sorted_by)
        self.endResetModel()

    def upsert(self, rows: Iterable[dict[str, Any]], *, flash: bool = True) -> None:
        """Change the given rows in place and add the new ones; nothing else is touched."""
        new = []
        for row in rows:
            values = self._as_tuple(row)
            position = self._index.get(values[0])
            if position is None:
                new.append(values)
                continue
            if self._rows[position] != values:
                self._rows[position] = values
                self._search_text.pop(values[0], None)
                self.dataChanged.emit(self.index(position, 0), self.index(position, len(self.columns) - 1))
                if flash:
                    self._start_flash(values[0])
        if new:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
            for offset, values in enumerate(new):
                self._rows.append(values)
                self._index[values[0]] = start + offset
            self.endInsertRows()
            if flash:
                for values in new:
                    self._start_flash(values[0])
            if self._sorted_by is not None:
                self.sort(*self._sorted_by)

    def remove(self, ids: Iterable[Any]) -> None:
        positions = sorted((self._index[i] for i in ids if i in self._index), reverse=True)
        if not positions:
            return
        for key in positions:
            self._search_text.pop(self._rows[key][0], None)
            self.beginRemoveRows(QModelIndex(), key, key)
            del self._rows[key]
            self.endRemoveRows()
        self._index = {row[0]: i for i, row in enumerate(self._rows)}

    def replace_subset(self, ids: Iterable[Any], rows: Sequence[dict[str, Any]]) -> None:
        """What a refetch of `ids` returned: update those, add new ones, drop the ids that came back empty
        (an order that left this list)."""
        returned = {row[self.key] for row in rows}
        self.upsert(rows)
        self.remove(set(ids) - returned)

    def ids(self) -> list[Any]:
        return [row[0] for row in self._rows]

    def search_text(self, row: int) -> str:
        """Everything the row shows, folded, for the search box (cached: 100,000 rows filter quickly)."""
        key = self._rows[row][0]
        text = self._search_text.get(key)
        if text is None:
            values = self._rows[row]
            text = " ".join(fmt.format_value(c.kind, values[self._position[c.field]]) for c in self.columns).casefold()
            self._search_text[key] = text
        return text

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python with a key (used by FilterProxy(fast_sort=True) for big tables)."""
        if not 0 <= column < len(self.columns):
            return
        self._sorted_by = (column, order)
        self.layoutAboutToBeChanged.emit()
        old_keys = [row[0] for row in self._rows]
        self._sort_rows(column, order)
        persistent = self.persistentIndexList()
        moved = [
            self.index(self._index[old_keys[p.row()]], p.column()) if 0 <= p.row() < len(old_keys) else p
            for p in persistent
        ]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        position = self._position[self.columns[column].field]
        self._rows.sort(key=lambda row: _sort_key(row[position]), reverse=order == Qt.SortOrder.DescendingOrder)
        self._index = {row[0]: i for i, row in enumerate(self._rows)}

    def record(self, row: int) -> dict[str, Any]:
        return dict(zip(self.fields, self._rows[row], strict=True))

    def record_by_id(self, key: Any) -> dict[str, Any] | None:
        position = self._index.get(key)
        return None if position is None else self.record(position)

    def row_of(self, key: Any) -> int | None:
        return self._index.get(key)

    def value(self, row: int, field: str) -> Any:
        return self._rows[row][self._position[field]]

    def getter(self, fields: Sequence[str]) -> Callable[[int], tuple]:
        """A function giving a row's raw values of `fields` (an export reads 100,000 rows through it)."""
        if not fields:
            return lambda row: ()
        pick = operator.itemgetter(*(self._position[field] for field in fields))
        if len(fields) == 1:
            return lambda row: (pick(self._rows[row]),)
        return lambda row: pick(self._rows[row])

    # -- Qt model interface -----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip or column.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(
                (Qt.AlignmentFlag.AlignRight if column.right_aligned else Qt.AlignmentFlag.AlignLeft)
                | Qt.AlignmentFlag.AlignVCenter
            )
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        try:
            return self._data(index, role)
        except Exception:  # a bad value must never take the window down
            log.exception("cannot show row %s column %s", index.row(), index.column())
            return None

    def _data(self, index: Index, role: int) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        column = self.columns[index.column()]
        values = self._rows[index.row()]
        value = values[self._position[column.field]]
        if role == Qt.ItemDataRole.DisplayRole:
            return fmt.format_value(column.kind, value)
        if role == SortRole:
            return _sort_key(value)
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == RecordRole:
            return values[0]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(
                (Qt.AlignmentFlag.AlignRight if column.right_aligned else Qt.AlignmentFlag.AlignLeft)
                | Qt.AlignmentFlag.AlignVCenter
            )
        if role == Qt.ItemDataRole.ForegroundRole:
            if column.kind == "state" and value in fmt.STATE_COLOURS:
                return QBrush(QColor(fmt.STATE_COLOURS[value]).darker(130))
            style = self._style(index.row())
            return QBrush(QColor(style[1])) if style[1] else None
        if role == Qt.ItemDataRole.BackgroundRole:
            flash = self._flash.get(values[0])
            if flash is not None:
                strength = max(0.0, 1 - (time.monotonic() - flash) / FLASH_SECONDS)
                return QBrush(QColor(255, 236, 130, int(40 + 180 * strength)))
            style = self._style(index.row())
            return QBrush(QColor(style[0])) if style[0] else None
        if role == Qt.ItemDataRole.FontRole and self._style(index.row())[2]:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and column.kind == "text" and value and len(str(value)) > 30:
            return str(value)
        return None

    def _style(self, row: int) -> tuple[str | None, str | None, bool]:
        if self.row_style is None:
            return (None, None, False)
        return self.row_style(self.record(row))

    # -- flashing ---------------------------------------------------------------------------------------

    def _start_flash(self, key: Any) -> None:
        self._flash[key] = time.monotonic()
        if not self._flash_timer.isActive():
            self._flash_timer.start()

    def _fade(self) -> None:
        """One tick of the flashes' fading: `flash_faded` lets the views repaint what they show (the
        background is computed when painted), instead of a dataChanged per flashing row, which a busy board
        would pay for with thousands of signals a second through its sort/filter proxy."""
        now = time.monotonic()
        for key in [key for key, started in self._flash.items() if now - started > FLASH_SECONDS]:
            del self._flash[key]
        if not self._flash:
            self._flash_timer.stop()
        self.flash_faded.emit()

    def flashing(self, key: Any) -> bool:
        return key in self._flash


def _sort_key(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    try:
        from decimal import Decimal

        if isinstance(value, Decimal):
            return float(value)
    except Exception:  # pragma: no cover
        pass
    return str(value)


class FilterProxy(QSortFilterProxyModel):
    """Sorts by raw values and filters by a search text over the visible columns plus an optional predicate
    on the record (a state, a customer...)."""

    def __init__(self, parent: Any = None, *, fast_sort: bool = False) -> None:
        """fast_sort: sort the source model in Python instead of comparing rows through Qt (big tables)."""
        super().__init__(parent)
        self.setSortRole(SortRole)
        self.fast_sort = fast_sort
        self.setDynamicSortFilter(not fast_sort)
        self._needle = ""
        self._predicates: dict[str, Callable[[dict[str, Any]], bool]] = {}

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if self.fast_sort and isinstance(model, RecordTableModel):
            model.sort(column, order)
            return
        super().sort(column, order)

    def set_search(self, text: str) -> None:
        self.beginFilterChange()
        self._needle = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_predicate(self, predicate: Callable[[dict[str, Any]], bool] | None, *, name: str = "default") -> None:
        """Filter rows by a condition on the record. Several named conditions combine (all must hold):
        e.g. a state from the filter bar and a work centre from a combo."""
        self.beginFilterChange()
        if predicate is None:
            self._predicates.pop(name, None)
        else:
            self._predicates[name] = predicate
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SortRole), right.data(SortRole)
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, RecordTableModel):
            return True
        if self._predicates:
            record = model.record(source_row)
            if not all(predicate(record) for predicate in self._predicates.values()):
                return False
        return not self._needle or self._needle in model.search_text(source_row)

    @property
    def filtering(self) -> bool:
        """Whether a search text or a condition hides rows."""
        return bool(self._needle or self._predicates)

    def sorts_rows(self) -> bool:
        """Whether this proxy orders the rows itself (else they are in the model's order, filtered)."""
        return not self.fast_sort and self.sortColumn() >= 0

    def source_rows(self) -> list[int]:
        """The model's rows in the order shown. Without the proxy's own sort they are found in Python, without
        a Qt index per row (an export of 100,000 rows takes them on the GUI thread)."""
        model = self.sourceModel()
        if not self.sorts_rows():
            every = range(model.rowCount())
            if not self.filtering:
                return list(every)
            root = QModelIndex()
            return [row for row in every if self.filterAcceptsRow(row, root)]
        map_to_source, index = self.mapToSource, self.index
        return [map_to_source(index(row, 0)).row() for row in range(self.rowCount())]

    def id_at(self, proxy_row: int) -> Any:
        return self.index(proxy_row, 0).data(RecordRole)
