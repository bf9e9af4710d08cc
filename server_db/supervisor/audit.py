"""Reading the audit trail: what happened to one sales order and its documents, and the latest writes.

The trail (erp.audit_log) is written by triggers and readable by the supervisor and the admin only; anyone
else gets PermissionDenied from Database.run. Rows are found through the audit rows themselves (every row
carries the whole record before and after), so the history of deleted lines and released reservations is
found too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core import validation

Row = dict[str, Any]

# the tables the audit triggers watch (migrations/sql/r0001/05_audit.sql, r0002/01_roles.sql)
AUDITED_TABLES = (
    "sales_orders",
    "sales_order_lines",
    "reservations",
    "purchase_requests",
    "purchase_orders",
    "purchase_order_lines",
    "production_orders",
    "production_components",
    "delivery_notes",
    "delivery_note_lines",
    "invoices",
    "invoice_lines",
    "payments",
    "stock_moves",
    "customers",
    "suppliers",
    "products",
    "bom_lines",
    "warehouses",
    "work_centres",
    "company",
    "users",
)

# the tables one sales order's history is told from
ORDER_TABLES = (
    "sales_orders",
    "sales_order_lines",
    "reservations",
    "purchase_requests",
    "production_orders",
    "delivery_notes",
    "delivery_note_lines",
    "invoices",
    "invoice_lines",
    "payments",
)

_COLUMNS = "id, at, actor, table_name, row_id, action, before::text AS before, after::text AS after"

# One scan of the trail from the order's first audit row on (everything about an order is written after
# the order itself), then the order's rows found by the keys each document carries.
_ORDER_AUDIT = f"""
WITH trail AS MATERIALIZED (
    SELECT * FROM erp.audit_log
     WHERE id >= coalesce((SELECT min(id) FROM erp.audit_log
                            WHERE table_name = 'sales_orders' AND row_id = :order_id), 0)
       AND table_name = ANY(:tables)
), line_ids AS (
    SELECT DISTINCT row_id FROM trail
     WHERE table_name = 'sales_order_lines'
       AND (after ->> 'order_id' = :order_id OR before ->> 'order_id' = :order_id)
), note_ids AS (
    SELECT DISTINCT row_id FROM trail
     WHERE table_name = 'delivery_notes'
       AND (after ->> 'sales_order_id' = :order_id OR before ->> 'sales_order_id' = :order_id)
), invoice_ids AS (
    SELECT DISTINCT row_id FROM trail
     WHERE table_name = 'invoices'
       AND (after ->> 'sales_order_id' = :order_id OR before ->> 'sales_order_id' = :order_id)
)
SELECT {_COLUMNS} FROM trail
 WHERE (table_name = 'sales_orders' AND row_id = :order_id)
    OR (table_name = 'sales_order_lines' AND row_id IN (SELECT row_id FROM line_ids))
    OR (table_name IN ('reservations', 'purchase_requests', 'production_orders')
        AND coalesce(after ->> 'sales_order_line_id', before ->> 'sales_order_line_id')
            IN (SELECT row_id FROM line_ids))
    OR (table_name = 'delivery_notes' AND row_id IN (SELECT row_id FROM note_ids))
    OR (table_name = 'delivery_note_lines'
        AND coalesce(after ->> 'delivery_note_id', before ->> 'delivery_note_id')
            IN (SELECT row_id FROM note_ids))
    OR (table_name = 'invoices' AND row_id IN (SELECT row_id FROM invoice_ids))
    OR (table_name IN ('invoice_lines', 'payments')
        AND coalesce(after ->> 'invoice_id', before ->> 'invoice_id') IN (SELECT row_id FROM invoice_ids))
 ORDER BY at, id
"""


def _record(text_value: str | None) -> dict[str, Any] | None:
    # numbers as Decimal: quantities and money read exactly as stored
    return None if text_value is None else json.loads(text_value, parse_float=Decimal)


def changed_keys(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    """{key: [before, after]} for the keys an update changed; empty for inserts and deletes."""
    if before is None or after is None:
        return {}
    return {
        key: [before.get(key), after.get(key)]
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    }


def _audit_row(row: Any) -> Row:
    result = dict(row)
    result["before"] = _record(result["before"])
    result["after"] = _record(result["after"])
    result["changes"] = changed_keys(result["before"], result["after"])
    return result


def order_audit(session: Session, order_id: int) -> list[Row]:
    """Every audit row of one sales order: the order, its lines, their reservations, purchase requests and
    production orders, its delivery notes (and lines), invoices (and lines, payments); oldest first."""
    order_id = validation.record_id(order_id, label="Order")
    rows = session.execute(text(_ORDER_AUDIT), {"order_id": str(order_id), "tables": list(ORDER_TABLES)})
    return [_audit_row(row) for row in rows.mappings()]


def recent_audit(
    session: Session,
    limit: int = 200,
    table: str | None = None,
    actor: str | None = None,
    *,
    tables: Sequence[str] | None = None,
) -> list[Row]:
    """The latest audit rows, newest first; optionally of one table and/or one person."""
    params: dict[str, Any] = {"limit": max(1, min(int(limit), 10_000))}
    where = []
    if table:
        where.append("table_name = :table")
        params["table"] = table
    if tables is not None:
        where.append("table_name = ANY(:tables)")
        params["tables"] = list(tables)
    if actor:
        where.append("actor = :actor")
        params["actor"] = actor.strip()
    sql = f"SELECT {_COLUMNS} FROM erp.audit_log WHERE {' AND '.join(where) or 'true'} ORDER BY id DESC LIMIT :limit"
    return [_audit_row(row) for row in session.execute(text(sql), params).mappings()]


def audit_actors(session: Session) -> list[str]:
    """Names for the person filter: the ERP users and whoever else wrote lately (psql, imports)."""
    return list(
        session.execute(
            text(
                "SELECT login FROM erp.users UNION"
                " SELECT actor FROM (SELECT actor FROM erp.audit_log ORDER BY id DESC LIMIT 5000) latest ORDER BY 1"
            )
        ).scalars()
    )
