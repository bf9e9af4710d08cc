"""Many clients at once, each with its own connection in its own process: no oversell, no deadlock
reaching anyone, invariants intact."""

from __future__ import annotations

import multiprocessing
import random
import time
import traceback
from decimal import Decimal

from sqlalchemy import text

from server_db.core.db import Database
from server_db.core.errors import DomainError
from server_db.finance import queries as finance_queries
from server_db.finance import services as finance
from server_db.production import services as production
from server_db.purchasing import services as purchasing
from server_db.sales import services as sales
from server_db.sales.services import LineInput
from server_db.supervisor import board as board_queries
from server_db.warehouse import queries as warehouse_queries
from server_db.warehouse import services as warehouse
from tests.factories import World


def confirm_at_once(url: str, order_id: int, barrier, results) -> None:
    db = Database(url, pool_size=1)
    barrier.wait(30)
    try:
        db.run(sales.confirm_order, order_id)
        results.put(("ok", order_id))
    except Exception as exc:  # reported to the test
        results.put(("error", repr(exc)))
    finally:
        db.dispose()


def test_eight_clients_confirming_ten_each_share_six_in_stock(world: World, db_url: str) -> None:
    world.stock("BUY-A", 6)
    orders = [world.order([("BUY-A", 10)]) for _ in range(8)]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(orders)), context.Queue()
    processes = [context.Process(target=confirm_at_once, args=(db_url, o, barrier, results)) for o in orders]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in orders]
    for process in processes:
        process.join(30)
    assert [kind for kind, _ in outcomes] == ["ok"] * 8, outcomes
    reserved = sum(world.lines(o)["BUY-A"]["reserved"] for o in orders)
    to_purchase = sum(world.lines(o)["BUY-A"]["to_purchase"] for o in orders)
    assert (reserved, to_purchase) == (6, 74)
    assert world.level("BUY-A") == (6, 6)
    assert world.invariants() == []


SKUS = ["BUY-A", "BUY-B", "MADE-Y", "COMP-X"]


def random_client(url: str, seed: int, seconds: float, results) -> None:
    """Enter, confirm, buy, receive, produce, ship, invoice, pay and cancel at random until time is up."""
    rng = random.Random(seed)
    db = Database(url, pool_size=1)
    done: dict[str, int] = {}
    refused = unexpected = 0
    deadline = time.monotonic() + seconds

    def ids(sql: str) -> list[int]:
        return db.run(lambda s: [r[0] for r in s.execute(text(sql)).all()])

    while time.monotonic() < deadline:
        action = rng.choice(
            ["order", "order", "purchase", "receive", "produce", "ship", "ship", "invoice", "pay", "cancel", "adjust"]
        )
        try:
            if action == "order":
                lines = [
                    LineInput(product=sku, quantity=rng.randint(1, 4)) for sku in rng.sample(SKUS, rng.randint(1, 3))
                ]
                order = db.run(sales.create_order, customer="CN", lines=lines).id
                db.run(sales.confirm_order, order)
            elif action == "purchase":
                db.run(purchasing.create_purchase_orders)
                for po in ids("SELECT id FROM erp.purchase_orders WHERE state = 'draft'"):
                    db.run(purchasing.send_purchase_order, po)
            elif action == "receive":
                candidates = ids("SELECT id FROM erp.purchase_orders WHERE state IN ('sent', 'partially_received')")
                if candidates:
                    db.run(purchasing.receive_purchase_order, rng.choice(candidates))
            elif action == "produce":
                candidates = ids("SELECT id FROM erp.production_orders WHERE state IN ('planned', 'released')")
                if candidates:
                    mo = rng.choice(candidates)
                    if mo in ids("SELECT id FROM erp.production_orders WHERE state = 'planned'"):
                        db.run(production.release_production_order, mo)
                    db.run(production.complete_production_order, mo)
            elif action == "ship":
                candidates = [r["id"] for r in db.run(warehouse_queries.pick_queue)]
                if candidates:
                    db.run(warehouse.ship_order, rng.choice(candidates))
            elif action == "invoice":
                candidates = [r["id"] for r in db.run(finance_queries.to_invoice_queue)]
                if candidates:
                    db.run(finance.invoice_order, rng.choice(candidates))
            elif action == "pay":
                candidates = db.run(lambda s: finance_queries.invoices(s, states=["posted", "partially_paid"]))
                if candidates:
                    invoice = rng.choice(candidates)
                    amount = (
                        (invoice["open_amount"] / 2).quantize(Decimal("0.01"))
                        if rng.random() < 0.3
                        else invoice["open_amount"]
                    )
                    db.run(finance.record_payment, invoice["id"], amount=max(amount, Decimal("0.01")))
            elif action == "cancel":
                candidates = ids(
                    "SELECT id FROM erp.sales_orders WHERE state IN ('confirmed', 'in_fulfilment', 'ready')"
                )
                if candidates:
                    db.run(sales.cancel_order, rng.choice(candidates), reason="random cancel")
            elif action == "adjust":
                db.run(warehouse.adjust_stock, rng.choice(SKUS), quantity=rng.randint(1, 5), reason="found")
            done[action] = done.get(action, 0) + 1
        except DomainError:
            refused += 1  # a race lost politely: "nothing to pick", "already shipped"...
        except Exception:
            unexpected += 1
            results.put(("unexpected", traceback.format_exc()))
    db.dispose()
    results.put(("done", (done, refused, unexpected)))


def test_a_mixed_random_workload_keeps_every_invariant(world: World, db_url: str) -> None:
    for sku in SKUS:
        world.stock(sku, 20)
    clients = 6
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=random_client, args=(db_url, seed, 8.0, results)) for seed in range(clients)]
    for process in processes:
        process.start()
    finished, problems = [], []
    while len(finished) < clients:
        kind, value = results.get(timeout=120)
        (finished if kind == "done" else problems).append(value)
    for process in processes:
        process.join(30)
    assert problems == []
    total = {}
    for done, _, _ in finished:
        for action, n in done.items():
            total[action] = total.get(action, 0) + n
    assert total.get("order", 0) > 20 and total.get("ship", 0) > 5, total
    assert world.invariants() == []
    states = world.db.run(board_queries.orders_per_state)
    assert sum(states.values()) >= total["order"]
