"""Data standards enforced by the database: formats, required fields and units refused with the field named,
for the services and for plain SQL alike; rules not re-checked on unrelated edits; likely duplicates; the
data-quality list; the contract of erp.data_rules()."""

from __future__ import annotations

import json
import threading
from typing import Any

import psycopg2
import psycopg2.extras
import pytest
from sqlalchemy import text

from server_db.core import errors
from server_db.core.db import Database
from server_db.masterdata import services as masterdata
from server_db.masterdata import standards
from tests.clerks import Clerk
from tests.factories import World


def scalar(db: Database, statement: str, **params: Any) -> Any:
    return db.run(lambda s: s.execute(text(statement), params).scalar())


def refusal(world: World, operation: Any, *args: Any, **kwargs: Any) -> errors.DomainError:
    with pytest.raises(errors.DomainError) as refused:
        world.db.run(operation, *args, **kwargs)
    return refused.value


# -- the contract ----------------------------------------------------------------------------------------


def test_data_rules_is_the_contract_the_import_reads(db: Database, clerks: dict[str, Clerk]) -> None:
    rows = db.run(standards.rules)
    assert rows and set(rows[0]) == {"table_name", "field", "rule", "check_sql", "sentence"}
    assert {r["table_name"] for r in rows} == {"customers", "suppliers", "warehouses", "work_centres", "products"}
    assert ("products", "unit", "known_unit") in {(r["table_name"], r["field"], r["rule"]) for r in rows}
    # every check is a boolean expression over the alias r of a row of its table, readable by every department
    for department, clerk in clerks.items():
        for rule in rows:
            clerk.sql(f"SELECT ({rule['check_sql']})::boolean FROM erp.{rule['table_name']} r LIMIT 1")
        assert clerk.sql("SELECT erp.normalise_code(%s)", "ｃ００１ ") == [("C001",)], department


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("c001", "C001"), ("  ｃｎ－００２ ", "CN-002"), ("ＡＢＣ", "ABC"), ("x_1", "X_1")],
)
def test_codes_are_normalised_for_every_writer(world: World, typed: str, stored: str) -> None:
    world.db.run(masterdata.create_warehouse, code=typed, name="仓库")
    assert scalar(world.db, "SELECT count(*) FROM erp.warehouses WHERE code = :c", c=stored) == 1
    # psql: the same trigger
    scalar(world.db, "UPDATE erp.warehouses SET code = :c WHERE code = :s RETURNING code", c=typed.lower(), s=stored)
    assert scalar(world.db, "SELECT count(*) FROM erp.warehouses WHERE code = :c", c=stored) == 1


def test_units_match_the_table_of_units(world: World) -> None:
    created = world.db.run(
        masterdata.create_product, sku="U-1", name="Unit test", procurement="buy", default_supplier="SUP", unit="KG"
    )
    assert scalar(world.db, "SELECT unit FROM erp.products WHERE id = :i", i=created.id) == "kg"
    # codes typed full-width or in lower case find the record they name
    wide = world.db.run(
        masterdata.create_product,
        sku="ｕ－９",
        name="Wide",
        procurement="buy",
        default_supplier="ｓｕｐ",
        unit="ＰＣＳ",
    )
    assert scalar(world.db, "SELECT sku || ' ' || unit FROM erp.products WHERE id = :i", i=wide.id) == "U-9 pcs"
    wrong = refusal(
        world, masterdata.create_product, sku="U-2", name="x", procurement="buy", default_supplier="SUP", unit="桶装"
    )
    assert wrong.field == "unit" and "list of units" in str(wrong)
    world.db.run(masterdata.save_unit, "drum", name="桶 drum")
    world.db.run(masterdata.create_product, sku="U-2", name="x", procurement="buy", default_supplier="SUP", unit="DRUM")
    world.db.run(masterdata.save_unit, "drum", active=False)
    assert "drum" not in {u["code"] for u in world.db.run(standards.units)}
    assert "drum" in {u["code"] for u in world.db.run(standards.units, include_inactive=True)}
    again = refusal(
        world, masterdata.create_product, sku="U-3", name="x", procurement="buy", default_supplier="SUP", unit="drum"
    )
    assert again.field == "unit"


PHONES_ACCEPTED = [
    "13812345678",
    "138 1234 5678",
    "138-1234-5678",
    "+86 138 1234 5678",
    "0086 13812345678",
    "021-68881000",
    "0755-8600 2000 转 88",
    "010 8580 0001 ext. 12",
    "+86 21 5080 1234",
    "400-810-8888",
    "800 820 8820",
    "+49 30 1234 5678",
    "+852 2123 4567",
    "",
]
PHONES_REFUSED = ["12812345678", "1381234567", "call me", "21-6888", "138123456789", "+0 123", "abc 13812345678"]


@pytest.mark.parametrize("phone", PHONES_ACCEPTED)
def test_phone_numbers_accepted(world: World, phone: str) -> None:
    world.db.run(masterdata.create_customer, code="PH", name="电话测试", phone=phone, allow_duplicate=True)


@pytest.mark.parametrize("phone", PHONES_REFUSED)
def test_phone_numbers_refused_naming_the_field(world: World, phone: str) -> None:
    refused = refusal(world, masterdata.create_customer, code="PH", name="电话测试", phone=phone)
    assert isinstance(refused, errors.ValidationError) and refused.field == "phone"
    assert "phone number" in str(refused)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("email", "not-an-email", "e-mail"),
        ("email", "a@b", "e-mail"),
        ("postcode", "20003", "6 digits"),
        ("postcode", "2000031", "6 digits"),
        ("tax_id", "911101056000012343", "unified social credit code"),
    ],
)
def test_formats_refused_through_the_service_and_psql(
    world: World, clerks: dict[str, Clerk], field: str, value: str, words: str
) -> None:
    for create in (masterdata.create_customer, masterdata.create_supplier):
        refused = refusal(world, create, code="FMT", name="格式测试", **{field: value})
        assert refused.field == field and words in str(refused), (field, str(refused))
    # psql, as the administrator: the same refusal, the field in the error's column
    with pytest.raises(psycopg2.Error) as error:
        clerks["admin"].sql(
            "SELECT erp.save_customer(NULL, NULL, %s)", psycopg2.extras.Json({"code": "FMT", "name": "x", field: value})
        )
    assert error.value.pgcode == "ER001" and error.value.diag.column_name == field


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "sales@huadong.example.cn"), ("postcode", "200031"), ("tax_id", "91310000MA1FL4CT3U")],
)
def test_formats_accepted(world: World, field: str, value: str) -> None:
    world.db.run(masterdata.create_supplier, code="OK", name="格式", **{field: value})
    assert scalar(world.db, f"SELECT {field} FROM erp.suppliers WHERE code = 'OK'") == value


def test_required_fields_of_products_are_the_databases(world: World, clerks: dict[str, Clerk]) -> None:
    no_supplier = refusal(world, masterdata.create_product, sku="R-1", name="x", procurement="buy")
    assert no_supplier.field == "default_supplier" and "default supplier" in str(no_supplier)
    no_centre = refusal(world, masterdata.create_product, sku="R-1", name="x", procurement="make")
    assert no_centre.field == "work_centre"
    no_name = refusal(world, masterdata.create_product, sku="R-1", procurement="buy", default_supplier="SUP")
    assert no_name.field == "name"
    bad = refusal(world, masterdata.create_product, sku="R-1", name="x", procurement="borrow")
    assert bad.field == "procurement"
    with pytest.raises(psycopg2.Error) as error:
        clerks["admin"].sql(
            "SELECT erp.save_product(NULL, NULL, %s)",
            psycopg2.extras.Json({"sku": "R-1", "name": "x", "procurement": "buy"}),
        )
    assert error.value.pgcode == "ER001" and error.value.diag.column_name == "default_supplier"


def test_a_rule_is_not_checked_again_on_an_unrelated_edit(world: World) -> None:
    # a phone written before the rule existed (the trigger off, as in an old database)
    world.db.run(
        lambda s: s.execute(
            text("""
                ALTER TABLE erp.customers DISABLE TRIGGER data_standards;
                UPDATE erp.customers SET phone = 'call Mr Li' WHERE code = 'CN';
                ALTER TABLE erp.customers ENABLE TRIGGER data_standards;
            """)
        )
    )
    world.db.run(masterdata.update_customer, world.customers["CN"], address="北京市海淀区")
    assert scalar(world.db, "SELECT address FROM erp.customers WHERE code = 'CN'") == "北京市海淀区"
    refused = refusal(world, masterdata.update_customer, world.customers["CN"], phone="call Mrs Li")
    assert refused.field == "phone"
    problems = world.db.run(standards.data_quality)
    assert {"table_name": "customers", "record_id": world.customers["CN"], "code": "CN", "field": "phone"} in [
        {k: v for k, v in row.items() if k != "problem"} for row in problems
    ]


# -- duplicates ------------------------------------------------------------------------------------------


def test_same_tax_id_is_refused_naming_the_other_record(world: World) -> None:
    refused = refusal(world, masterdata.create_customer, code="CN2", name="别的公司", tax_id="911101056000012342")
    assert refused.field == "tax_id" and "CN" in str(refused) and "北京华联商贸有限公司" in str(refused)
    refused = refusal(
        world, masterdata.create_customer, code="CN2", name="别的", tax_id="911101056000012342", allow_duplicate=True
    )
    assert refused.field == "tax_id"


def test_likely_duplicate_needs_confirmation(world: World) -> None:
    with pytest.raises(errors.LikelyDuplicate) as refused:
        world.db.run(masterdata.create_customer, code="CN2", name="北京华联商贸股份有限公司")
    assert refused.value.field == "name"
    assert [(c["code"], c["reason"]) for c in refused.value.candidates] == [("CN", "name")]
    assert "CN" in str(refused.value)
    created = world.db.run(
        masterdata.create_customer, code="CN2", name="北京华联商贸股份有限公司", allow_duplicate=True
    )
    assert created.id
    # a form sends every field: saving the confirmed record again with its name unchanged asks nothing
    world.db.run(masterdata.update_customer, created.id, name="北京华联商贸股份有限公司", address="北京市东城区")
    # the same phone
    world.db.run(masterdata.update_customer, world.customers["CN"], phone="010-8580 0001")
    with pytest.raises(errors.LikelyDuplicate) as by_phone:
        world.db.run(masterdata.create_customer, code="CN3", name="完全不同", phone="+86 10 8580 0001")
    assert [(c["code"], c["reason"]) for c in by_phone.value.candidates] == [("CN", "phone")]
    rows = world.db.run(standards.likely_duplicates, "customers", name="北京华联商贸（有限公司）")
    assert {r["code"] for r in rows} == {"CN", "CN2"} and {r["reason"] for r in rows} == {"name"}
    pairs = [r for r in world.db.run(standards.data_quality) if r["field"] == "name" and r["table_name"] == "customers"]
    assert len(pairs) == 1 and pairs[0]["code"] == "CN2"


def test_likely_duplicate_refusal_from_psql_carries_the_candidates(world: World, clerks: dict[str, Clerk]) -> None:
    with pytest.raises(psycopg2.Error) as error:
        clerks["purchasing"].sql(
            "SELECT erp.save_supplier(NULL, NULL, %s)",
            psycopg2.extras.Json({"code": "S2", "name": "宁波供应商有限公司"}),
        )
    assert error.value.pgcode == "ER008"
    assert json.loads(error.value.diag.message_detail)[0]["code"] == "SUP"
    clerks["purchasing"].sql(
        "SELECT erp.save_supplier(NULL, NULL, %s, true)",
        psycopg2.extras.Json({"code": "S2", "name": "宁波供应商有限公司"}),
    )


# -- the data-quality list ------------------------------------------------------------------------------


def test_data_quality_lists_products_without_cost_or_bill(world: World) -> None:
    world.db.run(
        masterdata.create_product, sku="MADE-Z", name="Made Z", procurement="make", work_centre="ASM", cost="0"
    )
    problems = {(r["code"], r["field"]) for r in world.db.run(standards.data_quality)}
    assert {("MADE-Z", "bom"), ("MADE-Z", "cost")} <= problems
    assert ("MADE-Y", "bom") not in problems


def test_two_clerks_saving_the_same_tax_id_at_once(world: World, clerks: dict[str, Clerk]) -> None:
    """The second waits for the first (a lock on the tax id) and then sees it: no two records share one."""
    first, second = clerks["admin"], clerks["sales"]
    first.conn.autocommit = False
    first.sql(
        "SELECT erp.save_customer(NULL, NULL, %s)",
        psycopg2.extras.Json({"code": "T1", "name": "甲公司", "tax_id": "91310000MA1FL4CT3U"}),
    )
    outcome: dict[str, Any] = {}

    def save_second() -> None:
        try:
            second.sql(
                "SELECT erp.save_customer(NULL, NULL, %s)",
                psycopg2.extras.Json({"code": "T2", "name": "乙公司", "tax_id": "91310000MA1FL4CT3U"}),
            )
        except psycopg2.Error as error:
            outcome["error"] = error

    waiting = threading.Thread(target=save_second)
    waiting.start()
    waiting.join(timeout=1)
    assert waiting.is_alive()  # held by the first clerk's open transaction
    first.conn.commit()
    first.conn.autocommit = True
    waiting.join(timeout=10)
    assert outcome["error"].pgcode == "ER001" and outcome["error"].diag.column_name == "tax_id"
    assert "T1" in str(outcome["error"])
    assert scalar(world.db, "SELECT count(*) FROM erp.customers WHERE tax_id = '91310000MA1FL4CT3U'") == 1
