"""The master-data read queries over a real database: every list, a refetch by ids, inactive records, what a
record is used by, a bill of materials of two levels and where a component is used."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from server_db.core.db import Database
from server_db.masterdata import queries
from server_db.masterdata import services as masterdata
from tests.clerks import Clerk
from tests.factories import World


def test_lists_have_what_pages_show(world: World) -> None:
    db = world.db
    customers = db.run(queries.customers)
    assert [c["code"] for c in customers] == ["CN", "LIMIT"]
    assert {"credit_limit", "payment_terms_days", "version", "active", "in_use"} <= customers[0].keys()
    suppliers = db.run(queries.suppliers)
    assert suppliers[0]["code"] == "SUP" and suppliers[0]["in_use"]  # products buy from it
    warehouses = db.run(queries.warehouses)
    assert warehouses[0]["code"] == "MAIN" and warehouses[0]["active"] is not False
    centres = db.run(queries.work_centres)
    assert centres[0]["code"] == "ASM" and centres[0]["daily_capacity_hours"] == Decimal(8)
    assert centres[0]["in_use"]  # MADE-Y is made there


def test_products_join_supplier_centre_and_stock(world: World) -> None:
    world.stock("BUY-A", 7)
    rows = {p["sku"]: p for p in world.db.run(queries.products)}
    assert rows["BUY-A"]["supplier_code"] == "SUP" and rows["BUY-A"]["supplier_name"] == "宁波供应商"
    assert rows["BUY-A"]["on_hand"] == Decimal(7)
    assert rows["BUY-B"]["on_hand"] == 0
    assert rows["MADE-Y"]["work_centre_code"] == "ASM" and rows["MADE-Y"]["components"] == 1
    assert rows["COMP-X"]["in_use"]  # a component of MADE-Y
    assert rows["BUY-A"]["in_use"]  # it has stock moves
    assert not rows["BUY-B"]["in_use"] and not rows["MADE-Y"]["in_use"]
    refetched = world.db.run(queries.products, ids=[world.products["BUY-B"]])
    assert [p["sku"] for p in refetched] == ["BUY-B"]


def test_inactive_records_are_left_out_on_request(world: World) -> None:
    world.db.run(lambda s: s.execute(text("UPDATE erp.customers SET active = false WHERE code = 'LIMIT'")))
    assert [c["code"] for c in world.db.run(queries.customers, include_inactive=False)] == ["CN"]
    assert len(world.db.run(queries.customers)) == 2


def test_customer_with_an_order_is_in_use(world: World) -> None:
    world.order([("BUY-A", 1)], customer="CN")
    rows = {c["code"]: c["in_use"] for c in world.db.run(queries.customers)}
    assert rows == {"CN": True, "LIMIT": False}


def test_a_clerk_reads_lists_through_their_own_grants(world: World, clerks: dict[str, Clerk]) -> None:
    world.order([("BUY-A", 1)], customer="CN")
    database = Database(clerks["sales"].sqlalchemy_url(), pool_size=1)
    try:
        rows = {c["code"]: c["in_use"] for c in database.run(queries.customers)}
        assert rows["CN"] is True
        assert database.run(queries.products)
    finally:
        database.dispose()


def two_level_bom(world: World) -> dict[str, int]:
    db = world.db
    db.run(
        masterdata.create_product,
        sku="SUB-1",
        name="Sub-assembly 组件",
        procurement="make",
        work_centre="ASM",
        price="30",
        cost="15",
        bom=[("COMP-X", 3), ("BUY-A", 1)],
    )
    db.run(
        masterdata.create_product,
        sku="TOP-1",
        name="Top assembly",
        procurement="make",
        work_centre="ASM",
        price="90",
        cost="40",
        bom=[("SUB-1", 2), ("BUY-B", "0.5")],
    )
    return {p["sku"]: p["id"] for p in db.run(queries.products)}


def test_bill_of_materials_of_two_levels(world: World) -> None:
    ids = two_level_bom(world)
    rows = world.db.run(queries.bill_of_materials, ids["TOP-1"])
    shape = [(r["level"], r["sku"], r["quantity"], r["quantity_per_top"]) for r in rows]
    assert shape == [
        (1, "BUY-B", Decimal("0.5"), Decimal("0.5")),
        (1, "SUB-1", Decimal(2), Decimal(2)),
        (2, "BUY-A", Decimal(1), Decimal(2)),
        (2, "COMP-X", Decimal(3), Decimal(6)),
    ]
    assert rows[2]["parent_id"] == ids["SUB-1"]


def test_where_used_direct_and_indirect(world: World) -> None:
    ids = two_level_bom(world)
    rows = world.db.run(queries.where_used, ids["COMP-X"])
    assert [(r["level"], r["sku"], r["quantity_per_unit"]) for r in rows] == [
        (1, "MADE-Y", Decimal(2)),
        (1, "SUB-1", Decimal(3)),
        (2, "TOP-1", Decimal(6)),
    ]
    assert world.db.run(queries.where_used, ids["TOP-1"]) == []


def test_units_duties_and_count_sheet(world: World) -> None:
    world.stock("BUY-A", 4)
    assert "pcs" in world.db.run(queries.units)
    duties = world.db.run(queries.duties)
    finance = next(d for d in duties if d["department"] == "finance" and d["table_name"] == "customers")
    assert "credit_limit" in finance["on_update"] and "name" not in finance["on_update"]
    warehouse = world.db.run(queries.warehouses)[0]["id"]
    sheet = {r["sku"]: r for r in world.db.run(queries.stock_count_sheet, warehouse)}
    assert sheet["BUY-A"]["on_hand"] == Decimal(4) and sheet["BUY-A"]["moved"]
    assert sheet["BUY-B"]["on_hand"] == 0 and not sheet["BUY-B"]["moved"]
