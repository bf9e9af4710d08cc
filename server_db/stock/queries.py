"""The stock picture per product: on hand, reserved, available, incoming and in production."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from server_db.core.queries import Row, Where, select_rows
from server_db.production.states import PRODUCTION_ORDER
from server_db.purchasing.states import PURCHASE_ORDER


def stock_levels(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    search: str | None = None,
    warehouse_id: int | None = None,
) -> list[Row]:
    """Per product (`ids`: product ids): on hand, reserved, available, incoming from open purchase orders,
    in production, and whether it is below its reorder point."""
    where = Where().ids("p.id", ids).search(("p.sku", "p.name"), search)
    return select_rows(
        session,
        f"""
        SELECT p.id AS product_id, p.sku, p.name, p.unit, p.procurement, p.reorder_point,
               s.warehouse_id, s.on_hand, s.reserved, s.on_hand - s.reserved AS available,
               coalesce((SELECT sum(pol.quantity - pol.qty_received) FROM erp.purchase_order_lines pol
                           JOIN erp.purchase_orders po ON po.id = pol.order_id
                          WHERE pol.product_id = p.id AND po.warehouse_id = s.warehouse_id
                            AND po.state = ANY(:incoming)), 0) AS incoming,
               coalesce((SELECT sum(m.quantity) FROM erp.production_orders m
                          WHERE m.product_id = p.id AND m.warehouse_id = s.warehouse_id
                            AND m.state = ANY(:in_production)), 0) AS in_production,
               s.on_hand - s.reserved < p.reorder_point AS below_reorder_point
          FROM erp.products p
          JOIN erp.stock_levels s ON s.product_id = p.id
         WHERE s.warehouse_id = coalesce(CAST(:warehouse_id AS bigint), (SELECT min(id) FROM erp.warehouses))
           AND {where.sql}
         ORDER BY p.sku
    """,
        warehouse_id=warehouse_id,
        incoming=PURCHASE_ORDER.group("incoming"),
        in_production=PRODUCTION_ORDER.group("open"),
        **where.params,
    )
