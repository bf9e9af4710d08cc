"""Templates to fill in: one XLSX per kind of import, with its columns (required ones bold), an example row,
drop-down lists where a column takes a fixed set of values, and a Notes sheet saying what each column wants.
A filled-in template imports as it is (its headers are the fields' labels, which the import recognises)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from server_db.core.errors import ValidationError
from server_db.transfer.kinds import KINDS, Field

# The units a template offers when no database is at hand (the migration's starting list of erp.units).
BUILT_IN_UNITS = (
    "pcs", "set", "pair", "box", "carton", "pack", "bag", "bottle", "roll", "sheet", "kg", "g", "t", "m", "cm",
    "mm", "m2", "m3", "l", "ml", "h", "day", "unit", "piece", "dozen", "barrel", "can", "reel", "lot",
)  # fmt: skip
TEMPLATE_ROWS = 5000  # rows the drop-down lists cover

# Every sentence of a template, in one place.
SENTENCES = {
    "unknown_kind": "There is no import of {kind}; choose one of {kinds}.",
    "notes_title": "How to fill in the {label} template",
    "notes_intro": "One row per record, from row 2 on. Bold columns must be filled in; the others may stay empty "
    "(an empty cell keeps what is already there). Replace the example row with your own data.",
    "required": "required",
    "optional": "optional",
    "column": "Column",
    "needed": "Needed",
    "what": "What to enter",
    "example": "Example",
}
KIND_HELP = {
    "text": "text",
    "code": "a code: letters, digits, '-' and '_' (stored in capitals)",
    "int": "a whole number",
    "qty": "a quantity (up to 3 decimals)",
    "money": "an amount in yuan (up to 2 decimals)",
    "rate": "a rate: 13% or 0.13",
    "date": "a date, e.g. 2026-03-31",
    "bool": "yes or no (是/否)",
}
EXAMPLES: dict[str, dict[str, Any]] = {
    "customers": dict(code="C001", name="上海某某贸易有限公司", address="上海市浦东新区世纪大道 100 号",
                      delivery_address="", contact="王经理", phone="021-6888 1000", email="wang@example.com",
                      postcode="200120", tax_id="", payment_terms_days=30, credit_limit=50000, active="是"),
    "suppliers": dict(code="S001", name="宁波某某五金厂", address="浙江省宁波市", contact="李先生",
                      phone="138 1234 5678", email="", postcode="315000", tax_id="", lead_time_days=7, active="是"),
    "products": dict(sku="BOLT-M8", name="螺栓 M8", unit="pcs", procurement="buy", price=1.5, cost=0.8,
                     tax_rate="13%", lead_time_days=7, reorder_point=100, default_supplier="S001", work_centre="",
                     hours_per_unit=0, active="是"),
    "bom": dict(product="PUMP-1", component="BOLT-M8", quantity=4),
    "prices": dict(sku="BOLT-M8", price=1.6, cost=0.8),
    "opening_stock": dict(warehouse="MAIN", sku="BOLT-M8", quantity=250),
    "sales_orders": dict(reference="OLD-2026-001", customer="C001", sku="BOLT-M8", quantity=10, unit_price="",
                         requested_date="2026-12-31", order_date="2026-11-01", warehouse="MAIN"),
    "warehouses": dict(code="MAIN", name="主仓库", address="上海市", active="是"),
    "work_centres": dict(code="ASM", name="装配车间", daily_capacity_hours=8, active="是"),
}  # fmt: skip


def database_units(session: Any) -> list[str]:
    """The active units of the database (erp.units), for `write_template(..., units=...)`."""
    from sqlalchemy import text

    return list(session.execute(text("SELECT code FROM erp.units WHERE active ORDER BY code")).scalars())


def _choices(f: Field, units: Sequence[str]) -> list[str] | None:
    if f.choices:
        return list(f.choices)
    if f.kind == "bool":
        return ["是", "否"]
    if f.name == "unit":
        return list(units)
    return None


def write_template(kind: str, path: str | Path, *, units: Sequence[str] | None = None) -> Path:
    """Write the template of `kind` to `path` (XLSX); `units` are the units offered (default: the built-in
    list; pass erp.units' codes when a database is at hand)."""
    import xlsxwriter

    if kind not in KINDS:
        raise ValidationError(SENTENCES["unknown_kind"].format(kind=kind, kinds=", ".join(KINDS)))
    definition = KINDS[kind]
    path = Path(path)
    example = EXAMPLES.get(kind, {})
    workbook = xlsxwriter.Workbook(str(path))
    try:
        bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        plain = workbook.add_format({"bg_color": "#F2F2F2", "border": 1})
        text_cell = workbook.add_format({"num_format": "@"})
        sheet = workbook.add_worksheet(definition.label[:31])
        lists = workbook.add_worksheet("Lists")
        list_column = 0
        for column, f in enumerate(definition.fields):
            sheet.write_string(0, column, f.label, bold if f.required else plain)
            sheet.set_column(
                column, column, max(12, len(f.label) + 4), text_cell if f.kind in ("text", "code") else None
            )
            value = example.get(f.name, "")
            if value != "":
                if isinstance(value, str):
                    sheet.write_string(1, column, value)
                else:
                    sheet.write_number(1, column, value)
            choices = _choices(f, units or BUILT_IN_UNITS)
            if choices:
                for row, choice in enumerate(choices):
                    lists.write_string(row, list_column, choice)
                letter = xlsxwriter.utility.xl_col_to_name(list_column)
                sheet.data_validation(
                    1,
                    column,
                    TEMPLATE_ROWS,
                    column,
                    {
                        "validate": "list",
                        "source": f"=Lists!${letter}$1:${letter}${len(choices)}",
                        "error_type": "warning",
                    },
                )
                list_column += 1
        sheet.freeze_panes(1, 0)
        lists.hide()
        notes = workbook.add_worksheet("Notes")
        notes.write_string(0, 0, SENTENCES["notes_title"].format(label=definition.label.lower()), bold)
        notes.write_string(1, 0, SENTENCES["notes_intro"])
        for column, title in enumerate(
            (SENTENCES["column"], SENTENCES["needed"], SENTENCES["what"], SENTENCES["example"])
        ):
            notes.write_string(3, column, title, bold)
        for row, f in enumerate(definition.fields, start=4):
            choices = _choices(f, units or BUILT_IN_UNITS)
            what = KIND_HELP.get(f.kind, f.kind)
            if f.choices:
                what = " / ".join(f.choices)
            notes.write_string(row, 0, f.label)
            notes.write_string(row, 1, SENTENCES["required" if f.required else "optional"])
            notes.write_string(
                row, 2, what + (f" ({', '.join(choices[:8])}...)" if choices and f.name == "unit" else "")
            )
            notes.write_string(row, 3, str(example.get(f.name, "")))
        notes.set_column(0, 0, 24)
        notes.set_column(1, 1, 10)
        notes.set_column(2, 2, 60)
        notes.set_column(3, 3, 30)
    finally:
        workbook.close()
    return path
