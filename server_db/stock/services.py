"""Operations on the stock ledger: a stock count (opening stock, stocktaking) sets on hand to what was counted."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.calls import as_json, step
from server_db.core.changes import Changes
from server_db.core.errors import ValidationError

SENTENCES = {
    "no_warehouse": "There is no warehouse {value}.",
    "no_product": "Line {n}: there is no product {value}.",
    "counted": "Line {n}: the counted quantity",
    "no_lines": "Enter at least one counted product.",
}


def count_stock(
    session: Session, warehouse: str | int, counts: Sequence[tuple[str | int, Any]], reason: str
) -> Changes:
    """On hand of each (product SKU or id, counted quantity) in the warehouse (code or id) becomes the
    counted quantity; the differences are booked with `reason` (erp.count_stock)."""
    if not counts:
        raise ValidationError(SENTENCES["no_lines"], field="lines")
    warehouse_id = _warehouse_id(session, warehouse)
    lines = []
    for n, (product, counted) in enumerate(counts, start=1):
        number = validation.decimal_value(
            counted,
            field=f"lines[{n}].counted",
            label=SENTENCES["counted"].format(n=n),
            places=3,
            minimum=Decimal(0),
            maximum=validation.MAX_QUANTITY,
        )
        lines.append({"product_id": _product_id(session, product, n), "counted": str(number)})
    return step(session, "count_stock", warehouse_id, as_json(lines), reason)[1]


def _warehouse_id(session: Session, warehouse: str | int) -> int:
    if isinstance(warehouse, int):
        return warehouse
    found = session.execute(
        text("SELECT id FROM erp.warehouses WHERE code = erp.normalise_code(:code)"), {"code": warehouse}
    ).scalar()
    if found is None:
        raise ValidationError(SENTENCES["no_warehouse"].format(value=warehouse), field="warehouse")
    return int(found)


def _product_id(session: Session, product: str | int, n: int) -> int:
    if isinstance(product, int):
        return product
    found = session.execute(
        text("SELECT id FROM erp.products WHERE sku = erp.normalise_code(:sku)"), {"sku": product}
    ).scalar()
    if found is None:
        raise ValidationError(SENTENCES["no_product"].format(n=n, value=product), field=f"lines[{n}].product_id")
    return int(found)
