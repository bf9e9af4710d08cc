"""The data standards of master data, defined once.

Each rule is a table, the field its refusal names (the form's field and the import's column; a product's
supplier and work centre are given as codes there), a short name, a boolean SQL expression over the record
`r` (true or NULL: the record keeps the rule) and the sentence a person reads. From this list the schema sync
writes:

- `erp.data_rules()`, the rules as rows: the import validates a whole file with them in one query per rule,
  and `erp.data_quality()` lists the records written before a rule existed;
- one trigger function per table, `erp.<table>_standards()`, run before each row is written: it normalises
  the codes as every writer stores them, then checks the rules with static SQL (planned once per session, a
  few microseconds a rule) — on insert every rule, on update only the rules whose columns changed, so a record
  written before a rule existed can still be edited in its other fields.

The functions the expressions call (`erp.is_valid_phone`, `erp.is_valid_uscc`, ...) live in
server_db/masterdata/sql/standards.sql and rules.sql.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GENERATED = "-- Generated from server_db/masterdata/rules.py.\n"


@dataclass(frozen=True)
class Rule:
    table: str
    field: str
    name: str
    check: str  # a boolean SQL expression over `r`
    sentence: str

    @property
    def columns(self) -> list[str]:
        """The record's columns the rule reads."""
        return sorted(set(re.findall(r"\br\.(\w+)", self.check)))


def _coded(table: str) -> list[Rule]:
    return [
        Rule(table, "code", "required", "btrim(coalesce(r.code, '')) <> ''", "The code is required."),
        Rule(
            table,
            "code",
            "code_format",
            "r.code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'",
            "A code is up to 32 capital letters, digits, '-' and '_', starting with a letter or a digit.",
        ),
        Rule(table, "name", "required", "btrim(coalesce(r.name, '')) <> ''", "The name is required."),
        Rule(table, "name", "max_length", "length(r.name) <= 200", "The name is longer than 200 characters."),
    ]


def _party(table: str) -> list[Rule]:
    return [
        Rule(
            table,
            "phone",
            "phone",
            "coalesce(r.phone, '') = '' OR erp.is_valid_phone(r.phone)",
            "The phone number is not one that can be dialled: give a mobile (138 1234 5678), a landline with its "
            "area code (021-6888 1000), a 400/800 number or an international number (+49 30 1234 5678).",
        ),
        Rule(
            table,
            "email",
            "email",
            "coalesce(r.email, '') = '' OR erp.is_valid_email(r.email)",
            "The e-mail address is not valid; it looks like name@example.com.",
        ),
        Rule(
            table,
            "postcode",
            "postcode",
            "coalesce(r.postcode, '') = '' OR r.postcode ~ '^[0-9]{6}$'",
            "A postcode is 6 digits.",
        ),
        Rule(
            table,
            "tax_id",
            "uscc",
            "r.tax_id IS NULL OR erp.is_valid_uscc(r.tax_id)",
            "The unified social credit code is not valid: it is 18 letters and digits, the last one a check character.",
        ),
    ]


RULES: tuple[Rule, ...] = (
    *_coded("customers"),
    *_coded("suppliers"),
    *_coded("warehouses"),
    *_coded("work_centres"),
    *_party("customers"),
    *_party("suppliers"),
    Rule(
        "work_centres",
        "daily_capacity_hours",
        "required",
        "r.daily_capacity_hours IS NOT NULL",
        "The daily capacity is required.",
    ),
    Rule(
        "work_centres",
        "daily_capacity_hours",
        "capacity_range",
        "r.daily_capacity_hours > 0 AND r.daily_capacity_hours <= 480",
        "The daily capacity is more than 0 and at most 480 hours.",
    ),
    Rule("products", "sku", "required", "btrim(coalesce(r.sku, '')) <> ''", "The SKU is required."),
    Rule(
        "products",
        "sku",
        "sku_format",
        "r.sku ~ '^[A-Z0-9]+(-[A-Z0-9]+)*$' AND length(r.sku) <= 32",
        "A SKU is up to 32 capital letters and digits in groups joined by single '-'.",
    ),
    Rule("products", "name", "required", "btrim(coalesce(r.name, '')) <> ''", "The name is required."),
    Rule("products", "name", "max_length", "length(r.name) <= 200", "The name is longer than 200 characters."),
    Rule("products", "unit", "required", "btrim(coalesce(r.unit, '')) <> ''", "The unit is required."),
    Rule(
        "products",
        "unit",
        "known_unit",
        "btrim(coalesce(r.unit, '')) = '' OR EXISTS (SELECT FROM erp.units u WHERE u.code = r.unit AND u.active)",
        "The unit is not in the list of units; pick one from the list, or ask the administrator to add it.",
    ),
    Rule(
        "products",
        "procurement",
        "required",
        "r.procurement IS NOT NULL",
        "Say whether the product is bought ('buy') or made in-house ('make').",
    ),
    Rule(
        "products",
        "procurement",
        "procurement_valid",
        "r.procurement IN ('buy', 'make')",
        "A product is either bought ('buy') or made in-house ('make').",
    ),
    Rule(
        "products",
        "default_supplier",
        "buy_has_supplier",
        "r.procurement IS DISTINCT FROM 'buy' OR r.default_supplier_id IS NOT NULL",
        "A bought product needs a default supplier.",
    ),
    Rule(
        "products",
        "work_centre",
        "make_has_work_centre",
        "r.procurement IS DISTINCT FROM 'make' OR r.work_centre_id IS NOT NULL",
        "A product made in-house needs a work centre.",
    ),
)

# what each table's trigger normalises before the rules are checked, column -> expression over NEW
NORMALISED: dict[str, dict[str, str]] = {
    "customers": {
        "code": "erp.normalise_code(NEW.code)",
        "tax_id": "nullif(replace(erp.normalise_code(NEW.tax_id), ' ', ''), '')",
    },
    "suppliers": {
        "code": "erp.normalise_code(NEW.code)",
        "tax_id": "nullif(replace(erp.normalise_code(NEW.tax_id), ' ', ''), '')",
    },
    "warehouses": {"code": "erp.normalise_code(NEW.code)"},
    "work_centres": {"code": "erp.normalise_code(NEW.code)"},
    "products": {
        "sku": "erp.normalise_code(NEW.sku)",
        # a unit spelt as the list spells it (nearly always) costs an index lookup, not a scan of the list
        "unit": "CASE WHEN EXISTS (SELECT FROM erp.units u WHERE u.code = NEW.unit) THEN NEW.unit"
        " ELSE erp.normalise_unit(NEW.unit) END",
    },
}

# a unified social credit code belongs to one customer and one supplier at most
ONE_PER_TAX_ID = {"customers": "Customer", "suppliers": "Supplier"}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def data_rules_function() -> str:
    """`erp.data_rules()`: the rules as rows (table_name, field, rule, check_sql, sentence), in order."""
    rows = ",\n".join(
        f"        ({_literal(r.table)}, {_literal(r.field)}, {_literal(r.name)}, {_literal(r.check)}, "
        f"{_literal(r.sentence)})"
        for r in RULES
    )
    return (
        GENERATED + "CREATE OR REPLACE FUNCTION erp.data_rules()\n"
        "RETURNS TABLE (table_name text, field text, rule text, check_sql text, sentence text)\n"
        "LANGUAGE sql IMMUTABLE AS $$\n"
        "    VALUES\n"
        f"{rows}\n$$;\n"
    )


def trigger_function(table: str) -> str:
    """`erp.<table>_standards()`: normalise, then refuse the first rule the row breaks, naming its field."""
    lines = [
        GENERATED,
        f"CREATE OR REPLACE FUNCTION erp.{table}_standards() RETURNS trigger\n",
        # no SECURITY DEFINER and no SET search_path: only the workflow functions (the schema's owner, with
        # their own search_path) write these tables, and a SET clause costs every row a save and restore
        "LANGUAGE plpgsql AS $$\n",
        "DECLARE\n    v_other record;\nBEGIN\n",
    ]
    for column, expression in NORMALISED[table].items():
        lines.append(
            f"    IF TG_OP = 'INSERT' OR NEW.{column} IS DISTINCT FROM OLD.{column} THEN\n"
            f"        NEW.{column} := {expression};\n    END IF;\n"
        )
    for rule in (r for r in RULES if r.table == table):
        check = re.sub(r"\br\.", "NEW.", rule.check)
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in rule.columns)
        lines.append(
            f"    -- {rule.name}\n"
            f"    IF (TG_OP = 'INSERT' OR {changed}) AND NOT coalesce(({check}), true) THEN\n"
            f"        PERFORM erp.fail_at({_literal(rule.field)}, 'ER001', '%s', {_literal(rule.sentence)});\n"
            "    END IF;\n"
        )
    if table in ONE_PER_TAX_ID:
        lines.append(
            "    IF NEW.tax_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.tax_id IS DISTINCT FROM OLD.tax_id) THEN\n"
            "        -- two clerks saving the same tax id at once: the second waits for the first, then sees it\n"
            f"        PERFORM pg_advisory_xact_lock(hashtext({_literal(table + ':')} || NEW.tax_id));\n"
            f"        SELECT code, name INTO v_other FROM erp.{table}\n"
            "         WHERE tax_id = NEW.tax_id AND id <> NEW.id ORDER BY id LIMIT 1;\n"
            "        IF FOUND THEN\n"
            "            PERFORM erp.fail_at('tax_id', 'ER001', '%s %s (%s) already has this unified social credit"
            " code.',\n"
            f"                                {_literal(ONE_PER_TAX_ID[table])}, v_other.code, v_other.name);\n"
            "        END IF;\n    END IF;\n"
        )
    lines.append("    RETURN NEW;\nEND $$;\n")
    return "".join(lines)


def generated() -> list[tuple[str, str]]:
    """(name, SQL) of every function written from the rules."""
    return [("erp.data_rules", data_rules_function())] + [
        (f"erp.{table}_standards", trigger_function(table)) for table in NORMALISED
    ]
