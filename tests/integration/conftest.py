"""Fixtures of the integration tests: a clerk of every department, and documents in every state."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from server_db.core.departments import DEPARTMENTS
from server_db.people import services as people
from tests.clerks import PASSWORD, Clerk
from tests.factories import World


@pytest.fixture
def clerks(world: World, db_url: str) -> dict[str, Clerk]:
    prefix = f"t{uuid.uuid4().hex[:6]}"
    for department in DEPARTMENTS:
        world.db.run(
            people.create_user,
            login=f"{prefix}_{department}",
            department=department,
            password=PASSWORD,
            full_name=f"Test {department}",
        )
    result = {d: Clerk(db_url, f"{prefix}_{d}") for d in DEPARTMENTS}
    yield result
    for clerk in result.values():
        clerk.conn.close()


@pytest.fixture
def story(world: World) -> dict:
    world.stock("BUY-A", 20)
    draft = world.order([("BUY-A", 2)])
    ready = world.confirmed_order([("BUY-A", 3)])
    shipped = world.confirmed_order([("BUY-A", 4)])
    world.ship_all(shipped)
    invoice = world.invoice(shipped)
    short = world.confirmed_order([("BUY-B", 1), ("MADE-Y", 1)])
    mo = world.db.run(lambda s: s.execute(text("SELECT min(id) FROM erp.production_orders")).scalar())
    return dict(
        draft=draft, ready=ready, shipped=shipped, invoice=invoice, short=short, mo=mo, product=world.products["BUY-A"]
    )
