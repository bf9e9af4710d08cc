"""The record types kept in the app: customers, suppliers, products, warehouses and work centres — their list
columns, form fields and the services that save them."""

from __future__ import annotations

from typing import Any

from erp_desktop.table_models import Column
from erp_desktop.windows.masterdata.spec import Field, RecordType
from server_db.masterdata import queries
from server_db.masterdata import services as masterdata

NO_SUPPLIER = "— none —"
NO_WORK_CENTRE = "— none —"
BUY = "Bought (buy)"
MAKE = "Made in-house (make)"


def _is_buy(values: dict[str, Any]) -> bool:
    return values.get("procurement") != "make"


def _is_make(values: dict[str, Any]) -> bool:
    return values.get("procurement") == "make"


# what customers and suppliers share: the list's first columns and the form's contact fields
_PARTY_COLUMNS = [
    Column("code", "Code", width=90),
    Column("name", "Name", width=240),
    Column("contact", "Contact", width=110),
    Column("phone", "Phone", width=120),
    Column("email", "Email", width=170),
    Column("tax_id", "Tax ID", width=160, tooltip="Unified social credit code (统一社会信用代码)"),
]


def _party_fields(code_example: str, name_example: str, *, delivery_address: bool) -> list[Field]:
    return [
        Field("code", "Code", placeholder=f"e.g. {code_example}", required=True),
        Field("name", "Name", placeholder=f"e.g. {name_example}", required=True),
        Field("address", "Address", "multiline"),
        Field("postcode", "Postcode", placeholder="6 digits, e.g. 100020"),
        *([Field("delivery_address", "Delivery address", "multiline")] if delivery_address else []),
        Field("contact", "Contact"),
        Field("phone", "Phone", placeholder="e.g. 010-6512 3456 or 138 1234 5678"),
        Field("email", "Email"),
        Field("tax_id", "Tax ID (USCC)", placeholder="18 characters, e.g. 911101056000012342"),
    ]


CUSTOMERS = RecordType(
    table="customers",
    document_type="customer",
    noun="customer",
    plural="Customers",
    columns=[
        *_PARTY_COLUMNS,
        Column("payment_terms_days", "Terms", "qty", width=60, tooltip="Payment terms in days"),
        Column("credit_limit", "Credit limit", "money", width=100),
    ],
    fields=[
        *_party_fields("BJHL", "北京华联商贸有限公司", delivery_address=True),
        Field("payment_terms_days", "Payment terms (days)", "number"),
        Field("credit_limit", "Credit limit", "number", placeholder="empty: no limit"),
    ],
    query=queries.customers,
    create=masterdata.create_customer,
    update=masterdata.update_customer,
    checks_duplicates=True,
)

SUPPLIERS = RecordType(
    table="suppliers",
    document_type="supplier",
    noun="supplier",
    plural="Suppliers",
    columns=[
        *_PARTY_COLUMNS,
        Column("lead_time_days", "Lead time", "qty", width=75, tooltip="Days from order to delivery"),
    ],
    fields=[
        *_party_fields("NBSY", "宁波供应商有限公司", delivery_address=False),
        Field("lead_time_days", "Lead time (days)", "number"),
    ],
    query=queries.suppliers,
    create=masterdata.create_supplier,
    update=masterdata.update_supplier,
    checks_duplicates=True,
)


def product_choices(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[tuple[str, Any]]]:
    """The pickers of the product form: units, active suppliers, work centres."""
    return {
        "unit": [(u["code"], u["code"]) for u in found["units"]],
        "procurement": [(BUY, "buy"), (MAKE, "make")],
        "default_supplier": [(NO_SUPPLIER, None)]
        + [(f"{s['code']} · {s['name']}", s["code"]) for s in found["suppliers"]],
        "work_centre": [(NO_WORK_CENTRE, None)]
        + [(f"{w['code']} · {w['name']}", w["code"]) for w in found["work_centres"]],
    }


PRODUCTS = RecordType(
    table="products",
    document_type="product",
    noun="product",
    plural="Products",
    key_field="sku",
    columns=[
        Column("sku", "SKU", width=110),
        Column("name", "Name", width=220),
        Column("unit", "Unit", width=50),
        Column("procurement", "Buy/make", width=75),
        Column("price", "Price", "money", width=85),
        Column("cost", "Cost", "money", width=85),
        Column("tax_percent", "Tax", "percent", width=50),
        Column("on_hand", "On hand", "qty", width=75),
        Column("reorder_point", "Reorder at", "qty", width=80),
        Column("supplier_code", "Supplier", width=80),
        Column("work_centre_code", "Work centre", width=90),
        Column("lead_time_days", "Lead time", "qty", width=75),
    ],
    fields=[
        Field("sku", "SKU", placeholder="e.g. PUMP-100", required=True),
        Field("name", "Name", placeholder="e.g. 离心泵 Centrifugal pump", required=True),
        Field("unit", "Unit", "unit"),
        Field("procurement", "Procurement", "choice", required=True),
        Field("price", "Price", "number"),
        Field("cost", "Cost", "number"),
        Field("tax_rate", "Tax rate", "number", placeholder="0.13 for 13 %"),
        Field("lead_time_days", "Lead time (days)", "number"),
        Field("reorder_point", "Reorder point", "number"),
        Field(
            "default_supplier",
            "Default supplier",
            "choice",
            column="default_supplier_id",
            row_field="supplier_code",
            shown=_is_buy,
        ),
        Field(
            "work_centre",
            "Work centre",
            "choice",
            column="work_centre_id",
            row_field="work_centre_code",
            shown=_is_make,
        ),
        Field("hours_per_unit", "Hours per unit", "number", shown=_is_make),
    ],
    query=queries.products,
    create=masterdata.create_product,
    update=masterdata.update_product,
    choices=queries.product_form_choices,
    choices_shown=product_choices,
    defaults={"unit": "pcs", "procurement": "buy", "tax_rate": "0.13"},
    extra_fields=("active", "version", "in_use", "components"),
)

WAREHOUSES = RecordType(
    table="warehouses",
    document_type="warehouse",
    noun="warehouse",
    plural="Warehouses",
    columns=[
        Column("code", "Code", width=90),
        Column("name", "Name", width=220),
        Column("address", "Address", width=320),
    ],
    fields=[
        Field("code", "Code", placeholder="e.g. MAIN", required=True),
        Field("name", "Name", placeholder="e.g. 主仓库 Main warehouse", required=True),
        Field("address", "Address", "multiline"),
    ],
    query=queries.warehouses,
    create=masterdata.create_warehouse,
    update=masterdata.update_warehouse,
    stretch="address",
)

WORK_CENTRES = RecordType(
    table="work_centres",
    document_type="work_centre",
    noun="work centre",
    plural="Work centres",
    columns=[
        Column("code", "Code", width=90),
        Column("name", "Name", width=240),
        Column("daily_capacity_hours", "Hours a day", "qty", width=90),
    ],
    fields=[
        Field("code", "Code", placeholder="e.g. ASM", required=True),
        Field("name", "Name", placeholder="e.g. 装配 Assembly", required=True),
        Field("daily_capacity_hours", "Daily capacity (hours)", "number", required=True),
    ],
    query=queries.work_centres,
    create=masterdata.create_work_centre,
    update=masterdata.update_work_centre,
)
