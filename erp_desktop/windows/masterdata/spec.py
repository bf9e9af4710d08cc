"""What a master-data page and form are built from: the fields of a record type, its list columns, the
query that lists it and the services that save it; and the duty matrix that says who keeps which field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from erp_desktop.table_models import Column
from server_db.core.changes import Changes
from server_db.core.queries import Row

# the duty-matrix names of the departments, as a sentence says them
KEEPER_NAMES = {
    "sales": "Sales",
    "finance": "Finance",
    "purchasing": "Purchasing",
    "admin": "the administrator",
    "warehouse": "the warehouse",
    "production": "Production",
}
KEPT_BY = "Kept by {keepers}; you may not change it."
NOT_BY_HAND = "Not set by hand."


@dataclass(frozen=True)
class Field:
    """One input of a form. `name` is the key the service takes and the row holds; `column` the duty-matrix
    column when it differs (a supplier code given for `default_supplier_id`); `shown` (from the row or the
    form's current values) hides a field that does not apply (a work centre for a bought product)."""

    name: str
    label: str
    kind: str = "text"  # text, multiline, number (any amount or count, validated by the service), choice, unit
    column: str | None = None
    placeholder: str = ""
    row_field: str | None = None  # where the row keeps the value to show, if not `name`
    shown: Callable[[dict[str, Any]], bool] | None = None
    required: bool = False

    @property
    def duty_column(self) -> str:
        return self.column or self.name

    @property
    def source(self) -> str:
        return self.row_field or self.name


@dataclass(frozen=True)
class RecordType:
    """A kind of master data: its table (as the duty matrix names it), the event document type that names
    its changes, the words for it, its list columns and form fields, how to list it and how to save it."""

    table: str
    document_type: str
    noun: str  # "customer"
    plural: str  # "Customers"
    columns: Sequence[Column]
    fields: Sequence[Field]
    query: Callable[..., list[Row]]
    create: Callable[..., Changes] | None = None
    update: Callable[..., Changes] | None = None
    key_field: str = "code"
    # what the form's pickers offer: a query run on a worker before the form opens, and how its answer is shown
    choices: Callable[..., dict[str, list[Row]]] | None = None
    choices_shown: Callable[[dict[str, list[Row]]], dict[str, list[tuple[str, Any]]]] | None = None
    checks_duplicates: bool = False
    stretch: str = "name"
    extra_fields: Sequence[str] = field(default_factory=lambda: ("active", "version", "in_use"))
    defaults: dict[str, Any] = field(default_factory=dict)  # what a new record's form starts with

    def describe(self, row: dict[str, Any]) -> str:
        """'customer CN · 北京华联商贸有限公司'."""
        return f"{self.noun} {row.get(self.key_field) or ''} · {row.get('name') or ''}".strip(" ·")


class Duties:
    """The database's matrix of who keeps which master-data column, for one person's department."""

    def __init__(self, rows: Sequence[dict[str, Any]], department: str) -> None:
        self.rows = list(rows)
        self.department = department

    def editable(self, table: str, *, inserting: bool) -> set[str]:
        key = "on_insert" if inserting else "on_update"
        return {
            column
            for row in self.rows
            if row["table_name"] == table and row["department"] == self.department
            for column in row[key]
        }

    def may_create(self, table: str) -> bool:
        return bool(self.editable(table, inserting=True))

    def may_edit(self, table: str) -> bool:
        return bool(self.editable(table, inserting=False) - {"active"})

    def may_deactivate(self, table: str) -> bool:
        return "active" in self.editable(table, inserting=False)

    def keepers_tip(self, table: str, column: str) -> str:
        """'Kept by Finance; you may not change it.'"""
        keepers = sorted(
            {
                row["department"]
                for row in self.rows
                if row["table_name"] == table and column in (*row["on_insert"], *row["on_update"])
            }
        )
        if not keepers:
            return NOT_BY_HAND
        return KEPT_BY.format(keepers=" or ".join(KEEPER_NAMES.get(k, k) for k in keepers))
