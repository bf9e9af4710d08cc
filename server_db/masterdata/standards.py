"""Data standards of master data, as the database keeps them: the data-quality list, likely duplicates and the
table of units. The rules themselves are defined once in server_db/masterdata/rules.py, which writes
`erp.data_rules()` and the tables' triggers: the triggers, the import and the data-quality list all check with
them, so nothing here re-implements a rule.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from server_db.core.errors import ValidationError
from server_db.core.queries import Row, select_rows

PARTY_TABLES = ("customers", "suppliers")
NOT_A_PARTY = "Duplicates are looked for among customers and suppliers only."


def data_quality(session: Session) -> list[Row]:
    """Records that break a data standard, likely duplicates (each pair once, on the later record), products
    without a cost or a lead time, made products without a bill of materials: table_name, record_id, code,
    field, problem."""
    return select_rows(
        session,
        "SELECT q.table_name, q.record_id, q.code, q.field, q.problem FROM erp.data_quality() q"
        " ORDER BY q.table_name, q.code, q.field",
    )


def likely_duplicates(
    session: Session,
    table: str,
    *,
    record_id: int | None = None,
    name: str | None = None,
    tax_id: str | None = None,
    phone: str | None = None,
) -> list[Row]:
    """The customers or suppliers that look like the one described (same tax id, name once the company form
    is taken off, or phone): id, code, name, tax_id, phone, reason ('tax_id', 'name' or 'phone')."""
    if table not in PARTY_TABLES:
        raise ValidationError(NOT_A_PARTY, field="table")
    return select_rows(
        session,
        "SELECT d.id, d.code, d.name, d.tax_id, d.phone, d.reason"
        " FROM erp.likely_duplicates(:table, :id, :name, :tax_id, :phone) d",
        table=table,
        id=record_id,
        name=name,
        tax_id=tax_id,
        phone=phone,
    )


def units(session: Session, *, include_inactive: bool = False) -> list[Row]:
    """The units products may be counted in: code, name, active."""
    return select_rows(
        session,
        "SELECT u.code, u.name, u.active FROM erp.units u WHERE u.active OR :all ORDER BY u.code",
        all=include_inactive,
    )


def rules(session: Session) -> list[Row]:
    """Every data standard: table_name, field, rule, check_sql, sentence (the contract the import reads)."""
    return select_rows(session, "SELECT * FROM erp.data_rules()")
