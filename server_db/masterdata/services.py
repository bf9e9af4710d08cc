"""Master data: customers, suppliers, products with their bills of materials, warehouses, work centres.

Creation and edits validate every field first (codes, SKUs, the unified social credit code, ranges) so a
clerk gets a sentence naming the field; edits carry the version they were read at.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
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


def _party_values(values: dict[str, Any]) -> dict[str, Any]:
    """What customers and suppliers share: texts, the code, the unified social credit code."""
    values = _texts(values)
    if "code" in values:
        values["code"] = validation.code(values["code"])
    if "tax_id" in values:
        values["tax_id"] = validation.uscc(values["tax_id"])
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


def create_customer(session: Session, **values: Any) -> Changes:
    """code, name, address, delivery_address, contact, phone, email, tax_id (统一社会信用代码),
    payment_terms_days, credit_limit (None: no limit)."""
    _require(values, "code", "name")
    return _save(session, "save_customer", None, None, _customer_values(values))


def update_customer(
    session: Session, customer_id: int, *, expected_version: int | None = None, **values: Any
) -> Changes:
    """Change the given columns of a customer (each department only those it keeps: the database refuses the
    rest, naming the column)."""
    return _save(session, "save_customer", customer_id, expected_version, _customer_values(values))


def create_supplier(session: Session, **values: Any) -> Changes:
    _require(values, "code", "name")
    return _save(session, "save_supplier", None, None, _supplier_values(values))


def update_supplier(
    session: Session, supplier_id: int, *, expected_version: int | None = None, **values: Any
) -> Changes:
    return _save(session, "save_supplier", supplier_id, expected_version, _supplier_values(values))


def _supplier_values(values: dict[str, Any]) -> dict[str, Any]:
    values = _party_values(values)
    if "lead_time_days" in values:
        values["lead_time_days"] = validation.whole_number(
            values["lead_time_days"], field="lead_time_days", label="The lead time", maximum=365
        )
    return values


def create_warehouse(session: Session, *, code: str, name: str, address: str = "") -> Changes:
    values = {"code": validation.code(code), **_texts({"name": name, "address": address})}
    return step(session, "save_warehouse", None, as_json(values), returns=int)[1]


def create_work_centre(session: Session, *, code: str, name: str, daily_capacity_hours: Any) -> Changes:
    capacity = validation.decimal_value(
        daily_capacity_hours,
        field="daily_capacity_hours",
        label="The daily capacity",
        places=2,
        maximum=Decimal(480),
        positive=True,
    )
    values = {"code": validation.code(code), "daily_capacity_hours": capacity, **_texts({"name": name})}
    return step(session, "save_work_centre", None, as_json(values), returns=int)[1]


def _product_values(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    values = _texts(values)
    if "sku" in values:
        values["sku"] = validation.sku(values["sku"])
    if "procurement" in values and values["procurement"] not in ("buy", "make"):
        raise ValidationError("A product is either bought ('buy') or made in-house ('make').", field="procurement")
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
        code = validation.code(values.pop("work_centre"), field="work_centre", label="The work centre")
        centre = session.scalar(select(WorkCentre).where(WorkCentre.code == code))
        if centre is None:
            raise ValidationError(f"There is no work centre {code}.", field="work_centre")
        values["work_centre_id"] = centre.id
    values.pop("work_centre", None)
    return values


def create_product(session: Session, *, bom: Sequence[tuple[str | int, Any]] = (), **values: Any) -> Changes:
    """sku, name, unit, procurement ('buy' or 'make'), price, cost, tax_rate, lead_time_days, reorder_point,
    default_supplier (code; bought items), work_centre (code; made items), hours_per_unit, and for made
    items a bill of materials as (component SKU, quantity per unit) pairs."""
    _require(values, "sku", "name", "procurement")
    cleaned = _product_values(session, values)
    if cleaned["procurement"] == "buy" and not cleaned.get("default_supplier_id"):
        raise ValidationError("A bought product needs a default supplier.", field="default_supplier")
    if cleaned["procurement"] == "make" and not cleaned.get("work_centre_id"):
        raise ValidationError("A product made in-house needs a work centre.", field="work_centre")
    created = _save(session, "save_product", None, None, cleaned)
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
    session: Session, function: str, record_id: int | None, expected_version: int | None, values: dict[str, Any]
) -> Changes:
    """Create (no id) or change a master-data record through its function; `id` is the record."""
    if record_id is not None:
        validation.record_id(record_id, label="The record")
    return step(session, function, record_id, expected_version, as_json(values), returns=int)[1]


def _require(values: dict[str, Any], *names: str) -> None:
    for name in names:
        if values.get(name) in (None, ""):
            raise ValidationError(f"The {name.replace('_', ' ')} is required.", field=name)
