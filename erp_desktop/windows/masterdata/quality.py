"""Data quality for the administrator: the records that break a data standard (written before the rule, or
imported around it), each with the field and the problem; Enter or a double-click opens the record's form
with that field marked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from erp_desktop.table_models import Column
from erp_desktop.widgets import RecordTable
from erp_desktop.windows.base import RoleWindow
from server_db.masterdata import standards

COLUMNS = [
    Column("table_label", "Kind", width=110),
    Column("code", "Code / SKU", width=120),
    Column("field_label", "Field", width=140),
    Column("problem", "Problem", width=420),
]
TABLE_LABELS = {
    "customers": "Customer",
    "suppliers": "Supplier",
    "products": "Product",
    "warehouses": "Warehouse",
    "work_centres": "Work centre",
}
SUMMARY = "{count} problems found. Enter or double-click opens the record with the field marked."
ALL_GOOD = "No problems found: every record meets the data standards."


class DataQualityPage(QWidget):
    """`open_record(table, record_id, field, problem)` opens the record's form (the window knows the pages)."""

    def __init__(self, window: RoleWindow, open_record: Callable[[str, Any, str, str], None]) -> None:
        super().__init__(window)
        self.setObjectName("dataQuality")
        self.window_ = window
        self.open_record = open_record
        self.summary = QLabel("", self)
        self.summary.setObjectName("qualitySummary")
        self.table = RecordTable(COLUMNS, key="key", extra_fields=("table_name", "record_id", "field"), sort=None)
        self.table.setObjectName("problems")
        self.table.stretch("problem")
        self.table.activated_id.connect(self._open)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.loaded = False

    def load(self) -> None:
        self.window_.run(standards.data_quality, on_done=self._fill)

    def _fill(self, rows: list[dict[str, Any]]) -> None:
        shown = []
        for number, row in enumerate(rows):
            shown.append(
                {
                    **row,
                    "key": number,
                    "table_label": TABLE_LABELS.get(row["table_name"], row["table_name"]),
                    "field_label": str(row.get("field") or "").replace("_", " "),
                }
            )
        self.table.source.reset(shown)
        self.summary.setText(SUMMARY.format(count=len(rows)) if rows else ALL_GOOD)
        self.loaded = True

    def _open(self, key: Any) -> None:
        row = self.table.source.record_by_id(key)
        if row is not None:
            self.open_record(row["table_name"], row["record_id"], row["field"], row["problem"])

    def current_key(self) -> Any:
        return self.table.current_id()
