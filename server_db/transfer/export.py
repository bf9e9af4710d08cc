"""Export of master data and documents to XLSX or CSV, set-based and streamed.

Master data kinds export exactly the columns their import reads (`kinds.KINDS[name].fields`, headed by each
field's label), so a file exported, edited in Excel and imported again updates the same records. Documents
export one row per line, with the columns an order import reads first where there is one.

Each export is one query read through a server-side cursor (`yield_per`): 100,000 rows never sit in memory.
The query runs as the person logged in, so the database's grants decide what they may export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from server_db.core.db import Database
from server_db.transfer import kinds as import_kinds
from server_db.transfer.writers import OutColumn, write_csv, write_xlsx

BATCH = 2000  # rows fetched per round trip of the server-side cursor

# The kind of a file column for each kind of import field (see kinds.FIELD_KINDS and writers.KINDS).
_FIELD_TO_OUT = {"code": "text", "text": "text"}


@dataclass(frozen=True)
class ExportKind:
    """What one `export KIND` writes: its columns and the query giving their values in the same order."""

    name: str
    label: str
    columns: tuple[OutColumn, ...]
    sql: str


def _columns_of_import(name: str) -> tuple[OutColumn, ...]:
    kind = import_kinds.KINDS[name]
    return tuple(OutColumn(field.label, _FIELD_TO_OUT.get(field.kind, field.kind)) for field in kind.fields)


def _select_for_import(name: str, source: str, expressions: dict[str, str], order: str) -> str:
    """A SELECT of the import's fields in their order: each one `expressions[field]` or the column itself."""
    fields = import_kinds.KINDS[name].fields
    selected = ",\n       ".join(expressions.get(field.name, f"t.{field.name}") for field in fields)
    return f"SELECT {selected}\nFROM {source}\nORDER BY {order}"


def _master(name: str, source: str, order: str, **expressions: str) -> ExportKind:
    return ExportKind(
        name,
        import_kinds.KINDS[name].label,
        _columns_of_import(name),
        _select_for_import(name, source, expressions, order),
    )


def _document(name: str, label: str, columns: list[tuple[str, str, str]], source: str, order: str) -> ExportKind:
    """A document export: (header, kind, SQL expression) per column."""
    return ExportKind(
        name,
        label,
        tuple(OutColumn(header, kind) for header, kind, _ in columns),
        "SELECT "
        + ",\n       ".join(expression for _, _, expression in columns)
        + f"\nFROM {source}\nORDER BY {order}",
    )


def _sales_order_columns() -> list[tuple[str, str, str]]:
    """The order import's columns first (so open orders export and import alike), then what the list shows."""
    labels = {field.name: field.label for field in import_kinds.KINDS["sales_orders"].fields}
    return [
        (labels["reference"], "text", "o.number"),
        (labels["customer"], "text", "c.code"),
        (labels["sku"], "text", "p.sku"),
        (labels["quantity"], "qty", "l.quantity"),
        (labels["unit_price"], "money", "l.unit_price"),
        (labels["requested_date"], "date", "o.requested_date"),
        (labels["order_date"], "date", "o.order_date"),
        (labels["warehouse"], "text", "w.code"),
        ("Customer name", "text", "c.name"),
        ("State", "text", "replace(o.state, '_', ' ')"),
        ("Promised date", "date", "o.promised_date"),
        ("Line", "int", "l.line_no"),
        ("Product", "text", "p.name"),
        ("Discount %", "percent", "l.discount_pct"),
        ("Net amount", "money", "round(l.quantity * l.unit_price * (1 - l.discount_pct / 100), 2)"),
        ("Shipped", "qty", "l.qty_shipped"),
        ("Invoiced", "qty", "l.qty_invoiced"),
        ("Customer reference", "text", "o.customer_reference"),
    ]


def _build() -> dict[str, ExportKind]:
    found = [
        _master("customers", "erp.customers t", "t.code"),
        _master("suppliers", "erp.suppliers t", "t.code"),
        _master(
            "products",
            "erp.products t LEFT JOIN erp.suppliers s ON s.id = t.default_supplier_id"
            " LEFT JOIN erp.work_centres wc ON wc.id = t.work_centre_id",
            "t.sku",
            default_supplier="s.code",
            work_centre="wc.code",
        ),
        _master(
            "bom",
            "erp.bom_lines t JOIN erp.products p ON p.id = t.product_id JOIN erp.products c ON c.id = t.component_id",
            "p.sku, c.sku",
            product="p.sku",
            component="c.sku",
        ),
        _master("prices", "erp.products t", "t.sku"),
        _master("warehouses", "erp.warehouses t", "t.code"),
        _master("work_centres", "erp.work_centres t", "t.code"),
        _document(
            "stock",
            "Stock",
            [
                ("Warehouse", "text", "w.code"),
                ("SKU", "text", "p.sku"),
                ("Name", "text", "p.name"),
                ("Unit", "text", "p.unit"),
                ("On hand", "qty", "l.on_hand"),
                ("Reserved", "qty", "l.reserved"),
                ("Free", "qty", "l.on_hand - l.reserved"),
                ("Reorder point", "qty", "p.reorder_point"),
            ],
            "erp.stock_levels l JOIN erp.products p ON p.id = l.product_id"
            " JOIN erp.warehouses w ON w.id = l.warehouse_id",
            "w.code, p.sku",
        ),
        _document(
            "sales_orders",
            "Sales orders",
            _sales_order_columns(),
            "erp.sales_orders o JOIN erp.sales_order_lines l ON l.order_id = o.id"
            " JOIN erp.customers c ON c.id = o.customer_id JOIN erp.products p ON p.id = l.product_id"
            " JOIN erp.warehouses w ON w.id = o.warehouse_id",
            "o.number, l.line_no",
        ),
        _document(
            "purchase_orders",
            "Purchase orders",
            [
                ("Order number", "text", "o.number"),
                ("Supplier", "text", "s.code"),
                ("Supplier name", "text", "s.name"),
                ("State", "text", "replace(o.state, '_', ' ')"),
                ("Order date", "date", "o.order_date"),
                ("Expected date", "date", "o.expected_date"),
                ("Warehouse", "text", "w.code"),
                ("Line", "int", "l.line_no"),
                ("SKU", "text", "p.sku"),
                ("Product", "text", "p.name"),
                ("Quantity", "qty", "l.quantity"),
                ("Unit cost", "money", "l.unit_cost"),
                ("Amount", "money", "round(l.quantity * l.unit_cost, 2)"),
                ("Received", "qty", "l.qty_received"),
            ],
            "erp.purchase_orders o JOIN erp.purchase_order_lines l ON l.order_id = o.id"
            " JOIN erp.suppliers s ON s.id = o.supplier_id JOIN erp.products p ON p.id = l.product_id"
            " JOIN erp.warehouses w ON w.id = o.warehouse_id",
            "o.number, l.line_no",
        ),
        _document(
            "production_orders",
            "Production orders",
            [
                ("Order number", "text", "o.number"),
                ("SKU", "text", "p.sku"),
                ("Product", "text", "p.name"),
                ("Quantity", "qty", "o.quantity"),
                ("State", "text", "replace(o.state, '_', ' ')"),
                ("Work centre", "text", "wc.code"),
                ("Due date", "date", "o.due_date"),
                ("Planned start", "date", "o.planned_start"),
                ("Planned end", "date", "o.planned_end"),
                ("Progress %", "percent", "o.progress_pct"),
                ("Remaining hours", "qty", "o.remaining_hours"),
                ("Late", "bool", "o.late"),
                ("Sales order", "text", "so.number"),
            ],
            "erp.production_orders o JOIN erp.products p ON p.id = o.product_id"
            " JOIN erp.work_centres wc ON wc.id = o.work_centre_id"
            " LEFT JOIN erp.sales_order_lines sl ON sl.id = o.sales_order_line_id"
            " LEFT JOIN erp.sales_orders so ON so.id = sl.order_id",
            "o.number",
        ),
        _document(
            "delivery_notes",
            "Delivery notes",
            [
                ("Delivery note", "text", "d.number"),
                ("Sales order", "text", "so.number"),
                ("Customer", "text", "c.code"),
                ("Customer name", "text", "c.name"),
                ("State", "text", "replace(d.state, '_', ' ')"),
                ("Shipped at", "datetime", "d.shipped_at"),
                ("Warehouse", "text", "w.code"),
                ("Line", "int", "l.line_no"),
                ("SKU", "text", "p.sku"),
                ("Product", "text", "p.name"),
                ("Quantity", "qty", "l.quantity"),
                ("Delivery address", "text", "d.delivery_address"),
            ],
            "erp.delivery_notes d JOIN erp.delivery_note_lines l ON l.delivery_note_id = d.id"
            " JOIN erp.sales_orders so ON so.id = d.sales_order_id JOIN erp.customers c ON c.id = so.customer_id"
            " JOIN erp.products p ON p.id = l.product_id JOIN erp.warehouses w ON w.id = d.warehouse_id",
            "d.number, l.line_no",
        ),
        _document(
            "invoices",
            "Invoices",
            [
                ("Invoice", "text", "i.number"),
                ("Kind", "text", "replace(i.kind, '_', ' ')"),
                ("Sales order", "text", "so.number"),
                ("Customer", "text", "c.code"),
                ("Customer name", "text", "c.name"),
                ("State", "text", "replace(i.state, '_', ' ')"),
                ("Invoice date", "date", "i.invoice_date"),
                ("Due date", "date", "i.due_date"),
                ("Line", "int", "l.line_no"),
                ("SKU", "text", "p.sku"),
                ("Description", "text", "l.description"),
                ("Quantity", "qty", "l.quantity"),
                ("Unit", "text", "l.unit"),
                ("Unit price", "money", "l.unit_price"),
                ("Discount %", "percent", "l.discount_pct"),
                ("Tax rate", "rate", "l.tax_rate"),
                ("Net amount", "money", "l.net_amount"),
                ("Tax amount", "money", "l.tax_amount"),
            ],
            "erp.invoices i JOIN erp.invoice_lines l ON l.invoice_id = i.id"
            " JOIN erp.sales_orders so ON so.id = i.sales_order_id JOIN erp.customers c ON c.id = i.customer_id"
            " JOIN erp.products p ON p.id = l.product_id",
            "i.number NULLS LAST, i.id, l.line_no",
        ),
        _document(
            "payments",
            "Payments",
            [
                ("Paid on", "date", "pay.paid_on"),
                ("Invoice", "text", "i.number"),
                ("Customer", "text", "c.code"),
                ("Customer name", "text", "c.name"),
                ("Amount", "money", "pay.amount"),
                ("Method", "text", "pay.method"),
                ("Reference", "text", "pay.reference"),
                ("Recorded by", "text", "pay.created_by"),
            ],
            "erp.payments pay JOIN erp.invoices i ON i.id = pay.invoice_id"
            " JOIN erp.customers c ON c.id = i.customer_id",
            "pay.paid_on, pay.id",
        ),
    ]
    return {kind.name: kind for kind in found}


EXPORTS: dict[str, ExportKind] = _build()


def stream_rows(session: Session, kind: ExportKind) -> Iterator[tuple[Any, ...]]:
    """The export's rows through a server-side cursor (a named psycopg2 cursor, BATCH rows a round trip), in
    the session's transaction. Plain tuples straight from the driver: a third faster than result rows."""
    import psycopg2

    connection: Any = session.connection().connection.dbapi_connection
    cursor = connection.cursor(name="erp_export")
    cursor.itersize = BATCH
    try:
        cursor.execute(kind.sql)
        yield from cursor
    except psycopg2.Error as exc:  # as SQLAlchemy would raise it: Database.run turns it into a sentence
        raise DBAPIError.instance(kind.sql, None, exc, psycopg2.Error) from exc
    finally:
        cursor.close()


def export(
    database: Database,
    name: str,
    path: Path,
    *,
    encoding: str = "utf-8-sig",
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Write the export `name` to `path` (.xlsx, else CSV in `encoding`); returns how many rows were written.
    The rows are read in one read-only transaction, so the file is one consistent picture."""
    kind = EXPORTS[name]
    path = Path(path)

    def write(session: Session) -> int:
        session.execute(text("SET TRANSACTION READ ONLY"))
        rows = stream_rows(session, kind)
        if path.suffix.lower() == ".xlsx":
            return write_xlsx(path, kind.columns, rows, sheet=kind.label, progress=progress, cancelled=cancelled)
        return write_csv(path, kind.columns, rows, encoding=encoding, progress=progress, cancelled=cancelled)

    return database.run(write)
