"""Master data: customers, suppliers, products with their bills of materials, warehouses, work centres.

Python reads what was typed (numbers, texts, codes to ids); the data standards (formats, required fields,
units, likely duplicates) are the database's (server_db/masterdata/rules.py), so forms, imports and
psql obey the same rules and a refusal names the field. Edits carry the version they were read at.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.calls import as_json, step
from server_db.core.changes import Changes
from server_db.core.errors import ValidationError
from server_db.masterdata.lookup import resolve_products, resolve_supplier
from server_db.masterdata.models import WorkCentre

_TEXT_LIMITS = {
    "name": 200,
    "address": 500,
    "delivery_address": 500,
    "contact": 100,
    "phone": 50,
    "postcode": 10,
    "email": 200,
    "unit": 16,
    "bank_account": 100,
    "currency": 3,
}


def _texts(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for key, value in values.items():
        if key in _TEXT_LIMITS:
            cleaned[key] = validation.text_value(
                value,
                field=key,
                label=f"The {key.replace('_', ' ')}",
                max_length=_TEXT_LIMITS[key],
                required=key in ("name", "unit"),
                multiline=key.endswith("address"),
            )
        else:
            cleaned[key] = value
    return cleaned


def _code(value: Any, *, field: str = "code", label: str = "The code") -> str:
    """A code as typed, for the database to normalise (half-width, upper case) and check."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value)
    return validation.text_value(value, field=field, label=label, max_length=64, required=True)


def _party_values(values: dict[str, Any]) -> dict[str, Any]:
    """What customers and suppliers share: texts, the code, the unified social credit code (their formats are
    the database's rules)."""
    values = _texts(values)
    if "code" in values:
        values["code"] = _code(values["code"])
    if "tax_id" in values:
        tax_id = validation.text_value(
            values["tax_id"], field="tax_id", label="The unified social credit code", max_length=40
        )
        values["tax_id"] = tax_id.replace(" ", "").upper() or None
    return values


def _customer_values(values: dict[str, Any]) -> dict[str, Any]:
    values = _party_values(values)
    if "payment_terms_days" in values:
        values["payment_terms_days"] = validation.whole_number(
            values["payment_terms_days"], field="payment_terms_days", label="The payment terms", maximum=365
        )
    if "credit_limit" in values and values["credit_limit"] not in (None, ""):
        values["credit_limit"] = validation.money(
            values["credit_limit"], field="credit_limit", label="The credit limit"
        )
    elif "credit_limit" in values:
        values["credit_limit"] = None
    return values


def create_customer(session: Session, *, allow_duplicate: bool = False, **values: Any) -> Changes:
    """code, name, address, postcode, delivery_address, contact, phone, email, tax_id (统一社会信用代码),
    payment_terms_days, credit_limit (None: no limit). A customer that looks like another one (same name or
    phone) is refused with `LikelyDuplicate` unless `allow_duplicate` (the clerk confirmed)."""
    _require(values, "code", "name")
    return _save(session, "save_customer", None, None, _customer_values(values), allow_duplicate)


def update_customer(
    session: Session,
    customer_id: int,
    *,
    expected_version: int | None = None,
    allow_duplicate: bool = False,
    **values: Any,
) -> Changes:
    """Change the given columns of a customer (each department only those it keeps: the database refuses the
    rest, naming the column)."""
    return _save(session, "save_customer", customer_id, expected_version, _customer_values(values), allow_duplicate)


def create_supplier(session: Session, *, allow_duplicate: bool = False, **values: Any) -> Changes:
    _require(values, "code", "name")
    return _save(session, "save_supplier", None, None, _supplier_values(values), allow_duplicate)


def update_supplier(
    session: Session,
    supplier_id: int,
    *,
    expected_version: int | None = None,
    allow_duplicate: bool = False,
    **values: Any,
) -> Changes:
    return _save(session, "save_supplier", supplier_id, expected_version, _supplier_values(values), allow_duplicate)


def _supplier_values(values: dict[str, Any]) -> dict[str, Any]:
    values = _party_values(values)
    if "lead_time_days" in values:
        values["lead_time_days"] = validation.whole_number(
            values["lead_time_days"], field="lead_time_days", label="The lead time", maximum=365
        )
    return values


def create_warehouse(session: Session, *, code: str, name: str, address: str = "") -> Changes:
    values = _warehouse_values({"code": code, "name": name, "address": address})
    return _save(session, "save_warehouse", None, None, values)


def update_warehouse(
    session: Session, warehouse_id: int, *, expected_version: int | None = None, **values: Any
) -> Changes:
    """Change the given columns of a warehouse: code, name, address, active (the admin keeps warehouses)."""
    return _save(session, "save_warehouse", warehouse_id, expected_version, _warehouse_values(values))


def _warehouse_values(values: dict[str, Any]) -> dict[str, Any]:
    values = _texts(values)
    if "code" in values:
        values["code"] = _code(values["code"])
    return values


def create_work_centre(session: Session, *, code: str, name: str, daily_capacity_hours: Any) -> Changes:
    values = _work_centre_values({"code": code, "name": name, "daily_capacity_hours": daily_capacity_hours})
    return _save(session, "save_work_centre", None, None, values)


def update_work_centre(
    session: Session, work_centre_id: int, *, expected_version: int | None = None, **values: Any
) -> Changes:
    """Change the given columns of a work centre: code, name, daily_capacity_hours, active."""
    return _save(session, "save_work_centre", work_centre_id, expected_version, _work_centre_values(values))


def _work_centre_values(values: dict[str, Any]) -> dict[str, Any]:
    values = _texts(values)
    if "code" in values:
        values["code"] = _code(values["code"])
    if "daily_capacity_hours" in values:
        values["daily_capacity_hours"] = validation.decimal_value(
            values["daily_capacity_hours"],
            field="daily_capacity_hours",
            label="The daily capacity",
            places=2,
            maximum=Decimal(480),
            positive=True,
        )
    return values


# the tables set_active and delete_record work on, and the function that saves each
_SAVE_FUNCTIONS = {
    "customers": "save_customer",
    "suppliers": "save_supplier",
    "products": "save_product",
    "warehouses": "save_warehouse",
    "work_centres": "save_work_centre",
}
_NOT_MASTER_DATA = "Only customers, suppliers, products, warehouses and work centres can be changed here."


def set_active(
    session: Session, table: str, record_id: int, active: bool, *, expected_version: int | None = None
) -> Changes:
    """Deactivate a record (it stays on the documents that have it, but no new order can take it) or make it
    active again; `table` is 'customers', 'suppliers', 'products', 'warehouses' or 'work_centres'."""
    if table not in _SAVE_FUNCTIONS:
        raise ValidationError(_NOT_MASTER_DATA, field="table")
    return _save(session, _SAVE_FUNCTIONS[table], record_id, expected_version, {"active": bool(active)}, True)


def delete_record(session: Session, table: str, record_id: int) -> Changes:
    """Delete a record nothing refers to; one in use is refused with what uses it ("C001 is used by 3 sales
    orders; deactivate it instead.")."""
    if table not in _SAVE_FUNCTIONS:
        raise ValidationError(_NOT_MASTER_DATA, field="table")
    validation.record_id(record_id, label="The record")
    return step(session, "delete_master_record", table, record_id, id=record_id)[1]


def save_unit(session: Session, code: str, *, name: str | None = None, active: bool | None = None) -> Changes:
    """Add a unit products may be counted in, or change its name or whether it is offered (the admin's)."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = validation.text_value(name, field="name", label="The name", max_length=100)
    if active is not None:
        values["active"] = bool(active)
    unit = validation.text_value(code, field="code", label="The code of the unit", max_length=16, required=True)
    return step(session, "save_unit", unit, as_json(values))[1]


def _product_values(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    values = _texts(values)
    if "sku" in values:
        sku = values["sku"]
        values["sku"] = validation.sku(unicodedata.normalize("NFKC", sku) if isinstance(sku, str) else sku)
    for key, label in (("price", "The price"), ("cost", "The cost")):
        if key in values:
            values[key] = validation.money(values[key], field=key, label=label)
    if "tax_rate" in values:
        values["tax_rate"] = validation.rate(values["tax_rate"], field="tax_rate", label="The tax rate")
    if "lead_time_days" in values:
        values["lead_time_days"] = validation.whole_number(
            values["lead_time_days"], field="lead_time_days", label="The lead time", maximum=365
        )
    if "reorder_point" in values:
        values["reorder_point"] = validation.decimal_value(
            values["reorder_point"],
            field="reorder_point",
            label="The reorder point",
            places=3,
            minimum=Decimal(0),
            maximum=validation.MAX_QUANTITY,
        )
    if "hours_per_unit" in values:
        values["hours_per_unit"] = validation.decimal_value(
            values["hours_per_unit"],
            field="hours_per_unit",
            label="The hours per unit",
            places=3,
            minimum=Decimal(0),
            maximum=Decimal(99999),
        )
    if values.get("default_supplier") is not None:
        values["default_supplier_id"] = resolve_supplier(session, values.pop("default_supplier")).id
    values.pop("default_supplier", None)
    if values.get("work_centre") is not None:
        code = _code(values.pop("work_centre"), field="work_centre", label="The work centre")
        centre = session.scalar(select(WorkCentre).where(WorkCentre.code == func.erp.normalise_code(code)))
        if centre is None:
            raise ValidationError(f"There is no work centre {code.upper()}.", field="work_centre")
        values["work_centre_id"] = centre.id
    values.pop("work_centre", None)
    return values


def create_product(session: Session, *, bom: Sequence[tuple[str | int, Any]] = (), **values: Any) -> Changes:
    """sku, name, unit, procurement ('buy' or 'make'), price, cost, tax_rate, lead_time_days, reorder_point,
    default_supplier (code; bought items), work_centre (code; made items), hours_per_unit, and for made
    items a bill of materials as (component SKU, quantity per unit) pairs."""
    # required fields, units, a supplier for a bought item and a work centre for a made one: the database's rules
    _require(values, "sku")
    created = _save(session, "save_product", None, None, _product_values(session, values))
    assert created.id is not None
    return created | set_bill_of_materials(session, created.id, bom)


def update_product(session: Session, product_id: int, *, expected_version: int | None = None, **values: Any) -> Changes:
    """Change the given columns of a product (the admin keeps products)."""
    return _save(session, "save_product", product_id, expected_version, _product_values(session, values))


def set_bill_of_materials(session: Session, product_id: int, bom: Sequence[tuple[str | int, Any]]) -> Changes:
    """Replace a made product's components, given as (component SKU or id, quantity per unit). The database
    refuses a component that (even indirectly) contains the product, or one listed twice, naming `bom[n]`."""
    validation.record_id(product_id, label="The product")
    items = resolve_products(
        session, [(component, f"bom[{n}]", f"Component {n}: ") for n, (component, _) in enumerate(bom, start=1)]
    )
    lines = [
        {
            "component_id": item.id,
            "quantity": str(
                validation.quantity(qty, field=f"bom[{number}].quantity", label=f"Component {number}: the quantity")
            ),
        }
        for number, (item, (_, qty)) in enumerate(zip(items, bom, strict=True), start=1)
    ]
    return step(session, "set_bill_of_materials", product_id, as_json(lines), id=product_id)[1]


def set_company(session: Session, **values: Any) -> Changes:
    """The company printed on documents: name, address, tax_id, phone, email, bank_account, logo_png, currency."""
    cleaned = _texts({k: v for k, v in values.items() if k != "logo_png"})
    if "tax_id" in values:
        cleaned["tax_id"] = validation.uscc(values["tax_id"])
    if "logo_png" in values:
        logo = values["logo_png"]
        if logo is not None and (not isinstance(logo, bytes) or not logo.startswith(b"\x89PNG")):
            raise ValidationError("The logo must be a PNG image.", field="logo_png")
        # bytea from JSON: PostgreSQL reads '\\x...' as hex
        cleaned["logo_png"] = None if logo is None else "\\x" + logo.hex()
    return step(session, "save_company", as_json(cleaned))[1]


def _save(
    session: Session,
    function: str,
    record_id: int | None,
    expected_version: int | None,
    values: dict[str, Any],
    allow_duplicate: bool | None = None,
) -> Changes:
    """Create (no id) or change a master-data record through its function; `id` is the record. Customers and
    suppliers take `allow_duplicate` (the others none: None)."""
    if record_id is not None:
        validation.record_id(record_id, label="The record")
    if function in ("save_customer", "save_supplier"):
        return step(
            session, function, record_id, expected_version, as_json(values), bool(allow_duplicate), returns=int
        )[1]
    return step(session, function, record_id, expected_version, as_json(values), returns=int)[1]


def _require(values: dict[str, Any], *names: str) -> None:
    for name in names:
        if values.get(name) in (None, ""):
            raise ValidationError(f"The {name.replace('_', ' ')} is required.", field=name)
