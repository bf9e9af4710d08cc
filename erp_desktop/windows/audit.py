"""The audit trail on screen: who changed what and when, in words, with the full record before and after.

`AuditView` is a table of audit rows over a before/after pane; `AuditDialog` shows one sales order's whole
history (the order and every document raised for it). Both read server_db.audit, which only the supervisor
and the admin may do; anyone else sees the refusal as a sentence.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from erp_desktop.context import ClientContext
from erp_desktop.table_models import Column
from erp_desktop.widgets import FilterBar, MessageBar, RecordTable
from server_db.core.workflow import label
from server_db.supervisor import audit

TABLE_LABELS = {
    "sales_orders": "Sales order",
    "sales_order_lines": "Order line",
    "reservations": "Reservation",
    "purchase_requests": "Purchase request",
    "purchase_orders": "Purchase order",
    "purchase_order_lines": "Purchase order line",
    "production_orders": "Production order",
    "production_components": "Production component",
    "delivery_notes": "Delivery note",
    "delivery_note_lines": "Delivery note line",
    "invoices": "Invoice",
    "invoice_lines": "Invoice line",
    "payments": "Payment",
    "stock_moves": "Stock move",
    "customers": "Customer",
    "suppliers": "Supplier",
    "products": "Product",
    "bom_lines": "Bill of materials line",
    "warehouses": "Warehouse",
    "work_centres": "Work centre",
    "company": "Company",
    "users": "User",
}

ACTION_LABELS = {"insert": "created", "update": "changed", "delete": "deleted"}

# written on every update; named only when nothing else changed
BOOKKEEPING = frozenset({"version", "updated_at", "state_changed_at", "state_changed_by"})
# what a created or deleted row is told by
FACTS = ("state", "quantity", "amount", "department", "kind", "reason", "method")

AUDIT_COLUMNS = [
    Column("when", "Time", width=135),
    Column("actor", "Who", width=90),
    Column("table", "Table", width=115),
    Column("row", "Row", width=110),
    Column("action", "Action", width=62),
    Column("what", "What changed", width=240),
]


# -- words ----------------------------------------------------------------------------------------------


def show_value(key: str, value: Any, *, limit: int = 40) -> str:
    """A JSON value of a record as a person reads it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        whole = value == value.to_integral_value()
        return str(value.quantize(Decimal(1))) if whole else str(value.normalize())
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    elif isinstance(value, str) and _TIMESTAMP.match(value):
        text = _local_time(value)
    else:
        text = str(value)
    if key == "state" or key.endswith("_state"):
        text = label(text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:\d{2})?|Z)$")


def _local_time(value: str) -> str:
    """A timestamp of the trail in this PC's time zone, to the second."""
    try:
        return dt.datetime.fromisoformat(value).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return value


def describe(row: dict[str, Any]) -> str:
    """'state: draft → confirmed; qty_shipped: 0 → 4', 'created: state draft, quantity 4', 'deleted'."""
    if row["action"] == "update":
        changes = row.get("changes") or {}
        keys = [k for k in changes if k not in BOOKKEEPING] or list(changes)
        return "; ".join(f"{k}: {show_value(k, changes[k][0])} → {show_value(k, changes[k][1])}" for k in keys)
    record = row.get("after") if row["action"] == "insert" else row.get("before")
    facts = [f"{k} {show_value(k, record[k])}" for k in FACTS if record and record.get(k) not in (None, "")]
    word = ACTION_LABELS.get(row["action"], row["action"])
    return f"{word}: {', '.join(facts)}" if facts else word


def row_name(row: dict[str, Any]) -> str:
    """The record a row is about: its number, SKU, code or login, else its id."""
    record = row.get("after") or row.get("before") or {}
    for key in ("number", "sku", "code", "login"):
        if record.get(key):
            return str(record[key])
    if record.get("line_no") is not None:
        return f"#{row['row_id']} (line {record['line_no']})"
    return f"#{row['row_id']}"


def order_of(row: dict[str, Any]) -> tuple[int, str | None] | None:
    """The sales order an audit row belongs to, when it says so itself: (id, number or None)."""
    record = row.get("after") or row.get("before") or {}
    try:
        if row.get("table_name") == "sales_orders":
            return int(row["row_id"]), record.get("number")
        if row.get("table_name") == "sales_order_lines" and record.get("order_id") is not None:
            return int(record["order_id"]), None
        if record.get("sales_order_id") is not None:
            return int(record["sales_order_id"]), None
    except (TypeError, ValueError):
        return None
    return None


def pretty_json(value: Any, indent: int = 0) -> str:
    """JSON for reading: sorted keys, two-space indent, numbers exactly as stored, Chinese as it is."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{pad}{json.dumps(str(k), ensure_ascii=False)}: {pretty_json(v, indent + 1)}"
            for k, v in sorted(value.items())
        ]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [pad + pretty_json(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def display_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Audit rows as the table shows them."""
    result = []
    for row in rows:
        at = row["at"]
        result.append(
            {
                **row,
                "when": at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if isinstance(at, dt.datetime) else str(at),
                "table": TABLE_LABELS.get(row["table_name"], row["table_name"]),
                "row": row_name(row),
                "action": ACTION_LABELS.get(row["action"], row["action"]),
                "raw_action": row["action"],
                "what": describe(row),
            }
        )
    return result


# -- widgets --------------------------------------------------------------------------------------------


class AuditView(QWidget):
    """Audit rows over the full record before and after the selected write."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter = FilterBar(placeholder="Search who, what, which row (Ctrl+F)", parent=self)
        self.table = RecordTable(
            AUDIT_COLUMNS, extra_fields=("before", "after", "table_name", "row_id", "changes"), sort=None, parent=self
        )  # in the query's order: by id, ties and all
        self.table.setObjectName("auditRows")
        self.table.connect_filter(self.filter)
        self.table.current_changed.connect(self._show_detail)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.before = self._pane("auditBefore", mono)
        self.after = self._pane("auditAfter", mono)
        self.before_title = QLabel("<b>Before</b>", self)
        self.after_title = QLabel("<b>After</b>", self)
        for title in (self.before_title, self.after_title):  # many changed keys must not widen one side
            title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        sides = QSplitter(Qt.Orientation.Horizontal, self)
        for title, pane in ((self.before_title, self.before), (self.after_title, self.after)):
            holder = QWidget(sides)
            layout = QVBoxLayout(holder)
            layout.setContentsMargins(0, 4, 0, 0)
            layout.setSpacing(2)
            layout.addWidget(title)
            layout.addWidget(pane)
            sides.addWidget(holder)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(sides)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(splitter, 1)

    def _pane(self, name: str, font: QFont) -> QPlainTextEdit:
        pane = QPlainTextEdit(self)
        pane.setObjectName(name)
        pane.setReadOnly(True)
        pane.setFont(font)
        pane.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        pane.setPlaceholderText("Select a row to see the whole record.")
        return pane

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        current = self.table.current_id()
        self.table.source.reset(display_rows(rows))
        if current is None or not self.table.select_id(current):
            self._show_detail(None)

    def current_row(self) -> dict[str, Any] | None:
        return self.table.current_record()

    def _show_detail(self, _: Any) -> None:
        row = self.table.current_record()
        if row is None:
            self.before.clear()
            self.after.clear()
            self.before_title.setText("<b>Before</b>")
            self.after_title.setText("<b>After</b>")
            return
        changed = ", ".join(k for k in (row.get("changes") or {}) if k not in BOOKKEEPING)
        self.before_title.setText("<b>Before</b>" + ("" if row["before"] is not None else " (did not exist)"))
        self.after_title.setText(
            "<b>After</b>"
            + (f" — changed: {changed}" if changed else "")
            + ("" if row["after"] is not None else " (deleted)")
        )
        self.after_title.setToolTip(f"Changed: {changed}" if changed else "")
        self.before.setPlainText("" if row["before"] is None else pretty_json(row["before"]))
        self.after.setPlainText("" if row["after"] is None else pretty_json(row["after"]))

    def texts(self) -> list[str]:
        """What each row says, in the order shown (for tests and copy)."""
        model = self.table.proxy
        return [
            " | ".join(str(model.index(r, c).data() or "") for c in range(model.columnCount()))
            for r in range(model.rowCount())
        ]


class AuditDialog(QDialog):
    """One sales order's history: the order, its lines, reservations, purchase requests, production
    orders, delivery notes, invoices and payments, oldest first. F5 reads it again."""

    def __init__(
        self, context: ClientContext, order_id: int, order_number: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.order_id = order_id
        self.order_number = order_number or f"order #{order_id}"
        self.setObjectName("auditDialog")
        self.setWindowTitle(f"History of {self.order_number} — audit trail")
        self.resize(1100, 640)
        self.loaded = False
        self.heading = QLabel(self)
        self.heading.setObjectName("auditHeading")
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = MessageBar(self)
        self.view = AuditView(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.refresh_button = buttons.addButton("Refresh (F5)", QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.clicked.connect(self.load)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self).activated.connect(self.load)
        self._set_heading("reading…")
        self.load()

    def _set_heading(self, detail: str) -> None:
        self.heading.setText(
            f"<b>{self.order_number}</b> — every write to the order and its documents, oldest first · {detail}"
        )

    def load(self) -> None:
        self.context.operations.run(
            audit.order_audit, self.order_id, on_done=self._loaded, on_error=self._failed, owner=self
        )

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        if self.order_number.startswith("order #"):
            number = next(
                ((r["after"] or r["before"] or {}).get("number") for r in rows if r["table_name"] == "sales_orders"),
                None,
            )
            if number:
                self.order_number = number
                self.setWindowTitle(f"History of {number} — audit trail")
        self.view.set_rows(rows)
        self.loaded = True
        self._set_heading(
            f"{len(rows)} write{'s' if len(rows) != 1 else ''}" if rows else "nothing recorded for this order"
        )
        if rows and self.view.table.current_id() is None:
            self.view.table.select_id(rows[-1]["id"])

    def _failed(self, exc: BaseException) -> None:
        self.loaded = True
        self._set_heading("could not be read")
        self.message.show_error(exc)
