"""The stock picture per product: on hand, reserved, available, incoming and in production."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from server_db.core.queries import Row, ids_clause, select_rows


def stock_levels(
    session: Session,
    *,
    product_ids: Iterable[int] | None = None,
    search: str | None = None,
    warehouse_id: int | None = None,
) -> list[Row]:
    """Per product: on hand, reserved, available, incoming from open purchase orders, in production,
    and whether it is below its reorder point."""
    params: dict[str, Any] = {"warehouse_id": warehouse_id}
    where = [ids_clause("p.id", product_ids, params)]
    if search:
        where.append("(p.sku ILIKE :search OR p.name ILIKE :search)")
        params["search"] = f"%{search}%"
    return select_rows(
        session,
        f"""
        SELECT p.id AS product_id, p.sku, p.name, p.unit, p.procurement, p.reorder_point,
               s.warehouse_id, s.on_hand, s.reserved, s.on_hand - s.reserved AS available,
               coalesce((SELECT sum(pol.quantity - pol.qty_received) FROM erp.purchase_order_lines pol
                           JOIN erp.purchase_orders po ON po.id = pol.order_id
                          WHERE pol.product_id = p.id AND po.warehouse_id = s.warehouse_id
                            AND po.state IN ('draft', 'sent', 'partially_received')), 0) AS incoming,
               coalesce((SELECT sum(m.quantity) FROM erp.production_orders m
                          WHERE m.product_id = p.id AND m.warehouse_id = s.warehouse_id
                            AND m.state IN ('planned', 'released', 'in_progress')), 0) AS in_production,
               s.on_hand - s.reserved < p.reorder_point AS below_reorder_point
          FROM erp.products p
          JOIN erp.stock_levels s ON s.product_id = p.id
         WHERE s.warehouse_id = coalesce(CAST(:warehouse_id AS bigint), (SELECT min(id) FROM erp.warehouses))
           AND {" AND ".join(where)}
         ORDER BY p.sku
    """,
        **params,
    )
