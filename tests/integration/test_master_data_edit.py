"""Editing master data through its functions: warehouses and work centres with the stale-edit check,
deactivating versus deleting, units, and the live events every open list follows."""

from __future__ import annotations

from typing import Any

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


def test_stale_edit_of_a_warehouse_is_refused(world: World) -> None:
    warehouse = scalar(world.db, "SELECT id FROM erp.warehouses WHERE code = 'MAIN'")
    version = scalar(world.db, "SELECT version FROM erp.warehouses WHERE id = :i", i=warehouse)
    world.db.run(masterdata.update_warehouse, warehouse, expected_version=version, name="总仓")
    stale = refusal(world, masterdata.update_warehouse, warehouse, expected_version=version, name="旧名")
    assert isinstance(stale, errors.ConcurrentChange)
    centre = scalar(world.db, "SELECT id FROM erp.work_centres WHERE code = 'ASM'")
    world.db.run(masterdata.update_work_centre, centre, expected_version=1, daily_capacity_hours=10)
    assert isinstance(
        refusal(world, masterdata.update_work_centre, centre, expected_version=1, name="x"), errors.ConcurrentChange
    )


def test_deactivate_versus_delete(world: World) -> None:
    world.stock("BUY-A", 5)
    world.order([("BUY-A", 1)])
    used = refusal(world, masterdata.delete_record, "customers", world.customers["CN"])
    assert "CN is used by 1 sales orders; deactivate it instead." in str(used)
    world.db.run(masterdata.set_active, "customers", world.customers["CN"], False)
    assert scalar(world.db, "SELECT active FROM erp.customers WHERE code = 'CN'") is False
    with pytest.raises(errors.DomainError) as inactive:
        world.order([("BUY-A", 1)])  # no new order for a deactivated customer
    assert inactive.value.field == "customer" and "inactive" in str(inactive.value)
    world.db.run(masterdata.set_active, "customers", world.customers["CN"], True)
    # a record nothing refers to goes
    created = world.db.run(masterdata.create_supplier, code="GONE", name="临时供应商")
    world.db.run(masterdata.delete_record, "suppliers", created.id)
    assert scalar(world.db, "SELECT count(*) FROM erp.suppliers WHERE code = 'GONE'") == 0
    supplier = refusal(world, masterdata.delete_record, "suppliers", scalar(world.db, "SELECT id FROM erp.suppliers"))
    assert "products as their default supplier" in str(supplier)
    component = refusal(world, masterdata.delete_record, "products", world.products["COMP-X"])
    assert "bills of materials" in str(component)
    centre = scalar(world.db, "SELECT id FROM erp.work_centres WHERE code = 'ASM'")
    world.db.run(masterdata.set_active, "work_centres", centre, False)
    assert scalar(world.db, "SELECT active FROM erp.work_centres WHERE id = :i", i=centre) is False


def test_delete_is_the_duty_of_who_creates(world: World, clerks: dict[str, Clerk]) -> None:
    created = world.db.run(masterdata.create_supplier, code="TMP", name="临时")
    refused = clerks["sales"].refused("SELECT erp.delete_master_record('suppliers', %s)", created.id, code="ER007")
    assert "purchasing" in refused
    clerks["purchasing"].sql("SELECT erp.delete_master_record('suppliers', %s)", created.id)


def test_master_data_changes_are_live_events(world: World) -> None:
    supplier = scalar(world.db, "SELECT id FROM erp.suppliers WHERE code = 'SUP'")
    changes = world.db.run(masterdata.update_supplier, supplier, contact="王经理")
    assert [(e.document_type, e.event_type) for e in changes.events] == [("supplier", "updated")]
    warehouse = world.db.run(masterdata.create_warehouse, code="W2", name="二号仓")
    assert [(e.document_type, e.event_type) for e in warehouse.events] == [("warehouse", "created")]
    bom = world.db.run(masterdata.set_bill_of_materials, world.products["MADE-Y"], [("COMP-X", 3)])
    assert ("product", "updated") in [(e.document_type, e.event_type) for e in bom.events]


def test_a_deactivated_product_cannot_go_on_a_new_order(world: World) -> None:
    world.db.run(masterdata.set_active, "products", world.products["BUY-B"], False)
    with pytest.raises(errors.DomainError) as inactive:
        world.order([("BUY-B", 1)])
    assert "BUY-B is no longer sold" in str(inactive.value)
    world.db.run(masterdata.set_active, "products", world.products["BUY-B"], True)
    assert world.order([("BUY-B", 1)])


def test_set_active_and_delete_refuse_other_tables(world: World) -> None:
    assert refusal(world, masterdata.set_active, "users", 1, False).field == "table"
    assert refusal(world, masterdata.delete_record, "sales_orders", 1).field == "table"


def test_a_deleted_record_is_an_event_and_an_audit_row(world: World) -> None:
    created = world.db.run(masterdata.create_warehouse, code="TMPW", name="临时仓")
    deleted = world.db.run(masterdata.delete_record, "warehouses", created.id)
    assert [(e.document_type, e.event_type, e.document_id) for e in deleted.events] == [
        ("warehouse", "deleted", created.id)
    ]
    assert (
        scalar(world.db, "SELECT count(*) FROM erp.audit_log WHERE table_name = 'warehouses' AND action = 'delete'")
        == 1
    )


def test_units_are_the_admins(world: World, clerks: dict[str, Clerk]) -> None:
    clerks["sales"].refused("SELECT erp.save_unit('drum', '{\"name\": \"桶\"}')")
    clerks["admin"].sql("SELECT erp.save_unit('drum', '{\"name\": \"桶 drum\"}')")
    assert clerks["sales"].sql("SELECT name FROM erp.units WHERE code = 'drum'") == [("桶 drum",)]
    again = refusal(world, masterdata.save_unit, "DRUM", name="another")
    assert again.field == "code" and "already exists" in str(again)
    assert refusal(world, masterdata.save_unit, "crate").field == "name"
    assert "drum" in {u["code"] for u in world.db.run(standards.units)}
    assert scalar(world.db, "SELECT count(*) FROM erp.audit_log WHERE table_name = 'units' AND row_id = 'drum'") == 1


def test_codes_of_warehouses_and_work_centres_are_checked_on_edit(world: World) -> None:
    warehouse = scalar(world.db, "SELECT id FROM erp.warehouses WHERE code = 'MAIN'")
    world.db.run(masterdata.update_warehouse, warehouse, code="ｍａｉｎ－２")
    assert scalar(world.db, "SELECT code FROM erp.warehouses WHERE id = :i", i=warehouse) == "MAIN-2"
    assert refusal(world, masterdata.update_warehouse, warehouse, code="主仓").field == "code"
    centre = scalar(world.db, "SELECT id FROM erp.work_centres WHERE code = 'ASM'")
    assert refusal(world, masterdata.update_work_centre, centre, name="  ").field == "name"
