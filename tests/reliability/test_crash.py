"""A client killed with SIGKILL in the middle of a confirmation: nothing half-written, its locks released
within moments, and the other clients carry on."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from typing import Any

import psycopg2
import pytest
from sqlalchemy import text

from server_db.core.db import Database, set_session_timeouts
from server_db.core.errors import Busy
from server_db.core.events import psycopg2_dsn
from server_db.masterdata import services as masterdata
from server_db.sales import services as sales
from tests.factories import World


def fingerprint(world: World) -> tuple[Any, ...]:
    # imported here: the client processes import this module and need no GUI fixtures
    from tests.reliability.conftest import fingerprint as counts

    return counts(world)


def confirm_and_hang(url: str, order_id: int, ready: Any, facts: Any) -> None:
    """Confirm inside a transaction that never commits: the process is killed before it can."""
    db = Database(url, application_name="rel-victim", pool_size=1)
    with db.sessions() as session, session.begin():
        sales.confirm_order(session, order_id)
        facts.put(session.execute(text("SELECT pg_backend_pid(), pg_current_xact_id()::text")).one()._tuple())
        ready.set()
        time.sleep(120)


def confirm_in_a_process(url: str, order_id: int) -> None:
    """An ordinary client confirming; its statement will wait on a lock when it is killed."""
    Database(url, application_name="rel-victim", pool_size=1).run(sales.confirm_order, order_id)


def admin(url: str) -> psycopg2.extensions.connection:
    conn = psycopg2.connect(psycopg2_dsn(url))
    conn.autocommit = True
    return conn


def rows(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = admin(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        conn.close()


def wait_for(condition: Any, timeout: float, what: str) -> float:
    """Seconds until condition() is true; fails after timeout."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - started


def blocked_by(url: str, application_name: str) -> list[tuple[int, list[int]]]:
    """(pid, blocking pids) of the sessions of that application waiting on a lock."""
    return rows(
        url,
        "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity WHERE application_name = %s"
        " AND wait_event_type = 'Lock' AND datname = current_database()",
        application_name,
    )


@pytest.fixture
def big_order(world: World) -> int:
    """A 40-line order: bought goods partly in stock, made goods whose components are short."""

    def setup(session: Any) -> None:
        for n in range(1, 21):
            masterdata.create_product(
                session,
                sku=f"BIG-B{n:02}",
                name=f"大订单商品 {n}",
                procurement="buy",
                price="30",
                cost="10",
                default_supplier="SUP",
            )
        for n in range(1, 17):
            masterdata.create_product(
                session,
                sku=f"BIG-M{n:02}",
                name=f"Made {n}",
                procurement="make",
                price="90",
                cost="40",
                work_centre="ASM",
                hours_per_unit="0.5",
                bom=[("COMP-X", 2), (f"BIG-B{n:02}", 1)],
            )

    world.db.run(setup)
    world.stock("BUY-A", 10)
    world.stock("COMP-X", 7)
    for n in range(1, 21, 2):
        world.stock(f"BIG-B{n:02}", 3)
    lines = [("BUY-A", 6), ("BUY-B", 4), ("MADE-Y", 3), ("COMP-X", 1)]
    lines += [(f"BIG-B{n:02}", 5) for n in range(1, 21)] + [(f"BIG-M{n:02}", 2) for n in range(1, 17)]
    return world.order(lines)


def order_events(world: World, order_id: int) -> int:
    return world.count("order_events", f"sales_order_id = {order_id}")


def nothing_written_by(world: World, order_id: int, events_before: int, xid: str | None) -> None:
    """The order is the untouched draft, and no row anywhere comes from the killed transaction."""
    assert world.state(order_id) == "draft"
    line_ids = f"(SELECT id FROM erp.sales_order_lines WHERE order_id = {order_id:d})"
    assert world.count("reservations", f"sales_order_line_id IN {line_ids}") == 0
    assert world.count("purchase_requests", f"sales_order_line_id IN {line_ids}") == 0
    assert world.count("production_orders", f"sales_order_line_id IN {line_ids}") == 0
    assert order_events(world, order_id) == events_before
    if xid is not None:
        assert world.count("order_events", f"xid = '{xid}'::xid8") == 0
        assert world.count("audit_log", f"xid = '{xid}'::xid8") == 0
    assert world.invariants() == []


def test_killed_in_the_middle_of_a_confirmation(world: World, db_url: str, big_order: int) -> None:
    other = world.order([("BUY-A", 3)])  # wants the same product as the big order
    before, events_before = fingerprint(world), order_events(world, big_order)
    version = world.order_row(big_order)["version"]
    context = multiprocessing.get_context("spawn")
    ready, facts = context.Event(), context.Queue()
    victim = context.Process(target=confirm_and_hang, args=(db_url, big_order, ready, facts))
    victim.start()
    try:
        assert ready.wait(60), "the confirming client never got as far as the confirmation"
        victim_pid, victim_xid = facts.get(timeout=10)

        # from outside, the uncommitted confirmation is invisible
        assert world.state(big_order) == "draft" and fingerprint(world) == before

        # an impatient client is refused politely instead of hanging...
        impatient = Database(db_url, application_name="rel-impatient", pool_size=1)
        set_session_timeouts(impatient.engine, lock_timeout="300ms")
        with pytest.raises(Busy) as refusal:
            impatient.run(sales.confirm_order, other)
        from tests.reliability.conftest import assert_clear_refusal

        assert_clear_refusal(refusal.value)
        impatient.dispose()

        # ...and a patient one waits on the victim's lock
        patient = Database(db_url, application_name="rel-patient", pool_size=1)
        outcome: dict[str, Any] = {}

        def confirm_other() -> None:
            try:
                outcome["result"] = patient.run(sales.confirm_order, other)
            except Exception as exc:  # reported by the assertions below
                outcome["error"] = exc
            outcome["at"] = time.monotonic()

        waiter = threading.Thread(target=confirm_other, daemon=True)
        waiter.start()
        wait_for(
            lambda: any(victim_pid in blockers for _, blockers in blocked_by(db_url, "rel-patient")),
            10,
            "the second confirmation waiting on the first one's lock",
        )
        assert waiter.is_alive()

        killed_at = time.monotonic()
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(10)
        assert victim.exitcode == -signal.SIGKILL
        waiter.join(10)
        assert not waiter.is_alive(), "the other client is still waiting after the victim died"
        assert "error" not in outcome, outcome.get("error")
        assert outcome["at"] - killed_at < 5
        patient.dispose()
    finally:
        if victim.is_alive():
            victim.kill()

    # the victim's session is gone and holds nothing
    wait_for(
        lambda: not rows(db_url, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", victim_pid),
        5,
        "the killed client's session ending",
    )
    assert rows(db_url, "SELECT count(*) FROM pg_locks WHERE pid = %s", victim_pid) == [(0,)]
    assert world.state(other) == "ready" and world.level("BUY-A") == (10, 3)
    nothing_written_by(world, big_order, events_before, victim_xid)
    assert world.order_row(big_order)["version"] == version

    # the others carry on: the big order confirms now, completely
    world.db.run(sales.confirm_order, big_order)
    assert world.state(big_order) == "in_fulfilment"
    assert world.lines(big_order)["BUY-A"]["reserved"] == 6
    assert world.count("production_orders", "state = 'planned'") >= 17
    world.ship_all(other)
    assert world.invariants() == []


def test_killed_while_its_confirmation_waits_for_a_lock(world: World, db_url: str, big_order: int) -> None:
    """The statement is still running in the server when the client dies: when the lock is released it
    finishes, finds nobody to answer and rolls back; nothing of it remains."""
    before, events_before = fingerprint(world), order_events(world, big_order)
    holder = psycopg2.connect(psycopg2_dsn(db_url))  # someone else busy with BUY-A's stock
    with holder.cursor() as cursor:
        cursor.execute("SELECT 1 FROM erp.stock_levels WHERE product_id = %s FOR UPDATE", (world.products["BUY-A"],))
    context = multiprocessing.get_context("spawn")
    victim = context.Process(target=confirm_in_a_process, args=(db_url, big_order))
    victim.start()
    try:
        wait_for(lambda: bool(blocked_by(db_url, "rel-victim")), 60, "the confirmation waiting on the lock")
        ((victim_backend, _),) = blocked_by(db_url, "rel-victim")
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(10)
        holder.commit()  # the lock goes; the orphaned statement runs to its end
        wait_for(
            lambda: not rows(db_url, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", victim_backend),
            5,
            "the orphaned session ending",
        )
    finally:
        holder.close()
        if victim.is_alive():
            victim.kill()
    assert fingerprint(world) == before
    nothing_written_by(world, big_order, events_before, None)
    # and the order confirms normally for the next person
    world.db.run(sales.confirm_order, big_order)
    assert world.state(big_order) == "in_fulfilment"
    assert world.invariants() == []
