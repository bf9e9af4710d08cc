"""Master data for pickers and pages: customers, suppliers, products (with their bills of materials and where
they are used), warehouses, work centres, units, the duty matrix and the stock-count sheet.

Each list takes optional `ids` (a refetch of the rows an event named) and `include_inactive`. Rows carry
`in_use`: whether any other record refers to this one (only such records may be deleted; the database
refuses the others anyway)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core.queries import Row, Where, select_rows

# -- what refers to a record -------------------------------------------------------------------------------


def _in_use(session: Session, table: str, alias: str) -> str:
    """An SQL expression: does any row of another table the reader may see refer to `alias`.id? Built from
    the foreign keys in the catalogue, so a new document type counts without touching this file. References
    that vanish with the record (ON DELETE CASCADE) do not count."""
    references = _references(session, table)
    # a stock level is a cache of the moves (a row per product and warehouse, often all zero): the moves count
    checks = [
        f"EXISTS (SELECT FROM {name} r WHERE r.{column} = {alias}.id)"
        for name, column in references
        if name != "erp.stock_levels"
    ]
    if any(name == "erp.stock_levels" for name, _ in references):
        column = next(column for name, column in references if name == "erp.stock_levels")
        checks.append(f"EXISTS (SELECT FROM erp.stock_moves m WHERE m.{column} = {alias}.id)")
    return " OR ".join(checks) or "false"


# the references to each table, per database and login: read from the catalogue once, not at every refetch
_REFERENCES: dict[tuple[str, str], list[tuple[str, str]]] = {}


def _references(session: Session, table: str) -> list[tuple[str, str]]:
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), table)
    if key in _REFERENCES:
        return _REFERENCES[key]
    references = session.execute(
        text(
            """
            SELECT format('%s.%I', n.nspname, t.relname), a.attname
              FROM pg_constraint c
              JOIN pg_class t ON t.oid = c.conrelid
              JOIN pg_namespace n ON n.oid = t.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             WHERE c.contype = 'f' AND c.confrelid = to_regclass(:table) AND c.confdeltype <> 'c'
               AND cardinality(c.conkey) = 1 AND has_table_privilege(c.conrelid, 'SELECT')
             ORDER BY 1, 2
            """
        ),
        {"table": f"erp.{table}"},
    ).all()
    _REFERENCES[key] = [(str(name), str(column)) for name, column in references]
    return _REFERENCES[key]


def _active(where: Where, alias: str, include_inactive: bool) -> Where:
    return where if include_inactive else where.condition(f"{alias}.active")


# -- lists ----------------------------------------------------------------------------------------------------


def customers(session: Session, *, ids: Iterable[int] | None = None, include_inactive: bool = True) -> list[Row]:
    where = _active(Where().ids("c.id", ids), "c", include_inactive)
    return select_rows(
        session,
        f"""
        SELECT c.id, c.code, c.name, c.address, c.postcode, c.delivery_address, c.contact, c.phone, c.email,
               c.tax_id, c.payment_terms_days, c.credit_limit, c.active, c.version,
               ({_in_use(session, "customers", "c")}) AS in_use
          FROM erp.customers c WHERE {where.sql} ORDER BY c.code
    """,
        **where.params,
    )


def suppliers(session: Session, *, ids: Iterable[int] | None = None, include_inactive: bool = True) -> list[Row]:
    where = _active(Where().ids("s.id", ids), "s", include_inactive)
    return select_rows(
        session,
        f"""
        SELECT s.id, s.code, s.name, s.address, s.postcode, s.contact, s.phone, s.email, s.tax_id, s.lead_time_days,
               s.active, s.version, ({_in_use(session, "suppliers", "s")}) AS in_use
          FROM erp.suppliers s WHERE {where.sql} ORDER BY s.code
    """,
        **where.params,
    )


def products(session: Session, *, ids: Iterable[int] | None = None, include_inactive: bool = True) -> list[Row]:
    where = _active(Where().ids("p.id", ids), "p", include_inactive)
    return select_rows(
        session,
        f"""
        SELECT p.id, p.sku, p.name, p.unit, p.procurement, p.price, p.cost, p.tax_rate, p.tax_rate * 100 AS tax_percent,
               p.active, p.version,
               p.lead_time_days, p.reorder_point, p.hours_per_unit, p.default_supplier_id, p.work_centre_id,
               s.code AS supplier_code, s.name AS supplier_name, w.code AS work_centre_code,
               w.name AS work_centre_name,
               coalesce((SELECT sum(l.on_hand) FROM erp.stock_levels l WHERE l.product_id = p.id), 0) AS on_hand,
               (SELECT count(*) FROM erp.bom_lines b WHERE b.product_id = p.id) AS components,
               ({_in_use(session, "products", "p")}) AS in_use
          FROM erp.products p
          LEFT JOIN erp.suppliers s ON s.id = p.default_supplier_id
          LEFT JOIN erp.work_centres w ON w.id = p.work_centre_id
         WHERE {where.sql} ORDER BY p.sku
    """,
        **where.params,
    )


def warehouses(session: Session, *, ids: Iterable[int] | None = None, include_inactive: bool = True) -> list[Row]:
    where = _active(Where().ids("w.id", ids), "w", include_inactive)
    return select_rows(
        session,
        f"""
        SELECT w.id, w.code, w.name, w.address, w.active, w.version,
               ({_in_use(session, "warehouses", "w")}) AS in_use
          FROM erp.warehouses w WHERE {where.sql} ORDER BY w.code
    """,
        **where.params,
    )


def work_centres(session: Session, *, ids: Iterable[int] | None = None, include_inactive: bool = True) -> list[Row]:
    where = _active(Where().ids("w.id", ids), "w", include_inactive)
    return select_rows(
        session,
        f"""
        SELECT w.id, w.code, w.name, w.daily_capacity_hours, w.active, w.version,
               ({_in_use(session, "work_centres", "w")}) AS in_use
          FROM erp.work_centres w WHERE {where.sql} ORDER BY w.code
    """,
        **where.params,
    )


# -- bills of materials -----------------------------------------------------------------------------------------


def bill_of_materials(session: Session, product_id: int) -> list[Row]:
    """Every level of a product's bill of materials, depth first: level (1 = direct component), parent_id,
    component id/sku/name/unit/procurement, quantity per parent and per unit of the top product, and the
    line's `path` of component ids (sorts the tree; guards against a cycle written before the rule)."""
    return select_rows(
        session,
        """
        WITH RECURSIVE tree AS (
            SELECT 1 AS level, b.product_id AS parent_id, b.component_id, b.quantity,
                   b.quantity::numeric AS quantity_per_top, ARRAY[b.product_id, b.component_id] AS path,
                   ARRAY[p.sku::text] AS sort_path
              FROM erp.bom_lines b JOIN erp.products p ON p.id = b.component_id
             WHERE b.product_id = :product_id
            UNION ALL
            SELECT t.level + 1, b.product_id, b.component_id, b.quantity, (t.quantity_per_top * b.quantity)::numeric,
                   t.path || b.component_id, t.sort_path || p.sku::text
              FROM tree t
              JOIN erp.bom_lines b ON b.product_id = t.component_id
              JOIN erp.products p ON p.id = b.component_id
             WHERE b.component_id <> ALL(t.path) AND t.level < 50
        )
        SELECT t.level, t.parent_id, t.component_id, p.sku, p.name, p.unit, p.procurement, p.active,
               t.quantity, t.quantity_per_top, t.path
          FROM tree t JOIN erp.products p ON p.id = t.component_id
         ORDER BY t.sort_path
    """,
        product_id=product_id,
    )


def where_used(session: Session, product_id: int) -> list[Row]:
    """The products that contain this one, directly (level 1) or through other assemblies, with the
    quantity of it in one unit of each."""
    return select_rows(
        session,
        """
        WITH RECURSIVE up AS (
            SELECT 1 AS level, b.product_id, b.quantity::numeric AS quantity_per_unit,
                   ARRAY[b.component_id, b.product_id] AS path
              FROM erp.bom_lines b WHERE b.component_id = :product_id
            UNION ALL
            SELECT u.level + 1, b.product_id, (u.quantity_per_unit * b.quantity)::numeric, u.path || b.product_id
              FROM up u JOIN erp.bom_lines b ON b.component_id = u.product_id
             WHERE b.product_id <> ALL(u.path) AND u.level < 50
        )
        SELECT u.level, u.product_id AS id, p.sku, p.name, p.procurement, p.active, u.quantity_per_unit
          FROM up u JOIN erp.products p ON p.id = u.product_id
         ORDER BY u.level, p.sku
    """,
        product_id=product_id,
    )


# -- pickers ----------------------------------------------------------------------------------------------------


def units(session: Session) -> list[str]:
    """The units a product may be counted in (the active rows of the one list, `erp.units`)."""
    return list(session.execute(text("SELECT code FROM erp.units WHERE active ORDER BY code")).scalars())


def duties(session: Session) -> list[Row]:
    """Who keeps which master data, column by column (the database's matrix)."""
    return [
        {**row, "on_insert": list(row["on_insert"]), "on_update": list(row["on_update"])}
        for row in select_rows(session, "SELECT * FROM erp.master_data_duties()")
    ]


def stock_count_sheet(session: Session, warehouse_id: int, *, ids: Iterable[int] | None = None) -> list[Row]:
    """Every active product with what the books say is on hand in one warehouse (0 where it never moved)."""
    where = Where().ids("p.id", ids)
    return select_rows(
        session,
        f"""
        SELECT p.id, p.sku, p.name, p.unit, coalesce(l.on_hand, 0) AS on_hand,
               EXISTS (SELECT FROM erp.stock_moves m WHERE m.product_id = p.id AND m.warehouse_id = :warehouse_id)
                   AS moved
          FROM erp.products p
          LEFT JOIN erp.stock_levels l ON l.product_id = p.id AND l.warehouse_id = :warehouse_id
         WHERE p.active AND {where.sql}
         ORDER BY p.sku
    """,
        warehouse_id=warehouse_id,
        **where.params,
    )


def product_form_choices(session: Session) -> dict[str, list[Row]]:
    """What the product form offers: the units, the active suppliers and the active work centres."""
    return {
        "units": [{"code": unit} for unit in units(session)],
        "suppliers": suppliers(session, include_inactive=False),
        "work_centres": work_centres(session, include_inactive=False),
    }
