"""Twenty client processes fight over thirty scarce products for twenty seconds, while three live
listeners follow the outbox (one of them has its connection killed, one reconnects on its own every few
seconds): nothing oversold, every ledger invariant intact, every document in a legal state reached by
legal steps, no deadlock or serialization failure reaching a caller, and every event delivered exactly
once to every listener."""

from __future__ import annotations

import logging
import multiprocessing
import random
import re
import select
import threading
import time
import traceback
from collections import Counter
from decimal import Decimal
from typing import Any

import psycopg2
from sqlalchemy import text

from server_db.core.db import Database
from server_db.core.errors import Busy, DomainError
from server_db.core.events import EventListener, ListenerDisconnected, psycopg2_dsn
from server_db.core.workflow import NEW, STATES, TRANSITIONS
from server_db.finance import queries as finance_queries
from server_db.finance import services as finance
from server_db.masterdata import services as masterdata
from server_db.production import services as production
from server_db.purchasing import queries as purchasing_queries
from server_db.purchasing import services as purchasing
from server_db.sales import queries as sales_queries
from server_db.sales import services as sales
from server_db.sales.services import LineInput
from server_db.warehouse import queries as warehouse_queries
from server_db.warehouse import services as warehouse
from tests.factories import World

CLIENTS = 20
SECONDS = 20.0
LISTENERS = 3
ACTIONS = (
    "enter",
    "enter",
    "confirm",
    "confirm",
    "receive",
    "produce",
    "ship",
    "ship",
    "invoice",
    "pay",
    "cancel",
)


# -- the company: thirty scarce products -------------------------------------------------------------------


def scarce_products(world: World) -> list[str]:
    """12 bought goods, 8 bought components, 8 made items with bills of scarce components and 2 made items
    with a made sub-assembly; a few units of each in stock, some none."""
    rng = random.Random(6)
    skus: list[str] = []

    def setup(session: Any) -> None:
        for n in range(1, 13):
            sku = f"SB-{n:02}"
            masterdata.create_product(
                session,
                sku=sku,
                name=f"稀缺商品 {n}",
                procurement="buy",
                price=str(20 + n),
                cost=str(10 + n),
                default_supplier="SUP",
                lead_time_days=rng.randint(2, 9),
            )
            skus.append(sku)
        for n in range(1, 9):
            sku = f"SC-{n:02}"
            masterdata.create_product(
                session,
                sku=sku,
                name=f"Component {n} 零件",
                procurement="buy",
                price="5",
                cost="2",
                default_supplier="SUP",
            )
            skus.append(sku)
        for n in range(1, 9):
            sku = f"SM-{n:02}"
            bom = [(f"SC-{c:02}", rng.randint(1, 2)) for c in rng.sample(range(1, 9), rng.randint(1, 3))]
            masterdata.create_product(
                session,
                sku=sku,
                name=f"Made {n} 组件",
                procurement="make",
                price="90",
                cost="40",
                work_centre="ASM",
                hours_per_unit="0.5",
                bom=bom,
            )
            skus.append(sku)
        masterdata.create_product(
            session,
            sku="SM-09",
            name="Assembly 9 总成",
            procurement="make",
            price="250",
            cost="120",
            work_centre="ASM",
            hours_per_unit="1",
            bom=[("SM-01", 1), ("SC-02", 1)],
        )
        masterdata.create_product(
            session,
            sku="SM-10",
            name="Assembly 10 总成",
            procurement="make",
            price="260",
            cost="130",
            work_centre="ASM",
            hours_per_unit="1",
            bom=[("SM-02", 1), ("SC-05", 2)],
        )
        skus.extend(["SM-09", "SM-10"])

    world.db.run(setup)
    for sku in skus:
        on_hand = rng.choice([0, 1, 2, 3, 5]) if not sku.startswith("SC") else rng.randint(2, 8)
        if on_hand:
            world.stock(sku, on_hand)
    return skus


# -- a client: random work until time is up -----------------------------------------------------------------


LEAKY_WORDS = ("psycopg2", "Traceback", "CONTEXT", "sqlalchemy", "SQL:")


def is_clear_sentence(message: str) -> bool:
    """One line a clerk can read (the client processes do not import the GUI fixtures of conftest)."""
    return bool(message.strip()) and "\n" not in message and not any(word in message for word in LEAKY_WORDS)


class RetryCounter(logging.Handler):
    """Counts the deadlocks and serialization failures Database.run retried for us."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.retries: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("retrying after"):
            self.retries[record.getMessage().split()[2]] += 1


def client(url: str, seed: int, skus: list[str], seconds: float, barrier: Any, results: Any) -> None:
    rng = random.Random(seed)
    retry_log = RetryCounter()
    logging.getLogger("server_db.core.db").addHandler(retry_log)
    logging.getLogger("server_db.core.db").setLevel(logging.INFO)
    db = Database(url, pool_size=1)
    done: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    samples: dict[str, str] = {}
    unclear: list[str] = []
    unexpected: list[str] = []

    def ids(sql: str, **params: Any) -> list[int]:
        return db.run(lambda s: [r[0] for r in s.execute(text(sql), params).all()])

    def pick(sql: str) -> int | None:
        found = ids(sql)
        return rng.choice(found) if found else None

    def act(action: str) -> bool:
        if action == "enter":
            lines = [LineInput(product=sku, quantity=rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 4))]
            order = db.run(sales.create_order, customer=rng.choice(["CN", "CN", "CN", "LIMIT"]), lines=lines).id
            if rng.random() < 0.5:  # most people confirm straight away; the rest leave a draft for anyone
                db.run(sales.confirm_order, order)
            return True
        if action == "confirm":
            order = pick("SELECT id FROM erp.sales_orders WHERE state = 'draft' ORDER BY id DESC LIMIT 10")
            if order is None:
                return False
            db.run(sales.confirm_order, order)
            return True
        if action == "receive":
            if rng.random() < 0.5:
                db.run(purchasing.create_purchase_orders)
            draft = pick("SELECT id FROM erp.purchase_orders WHERE state = 'draft'")
            if draft is not None:
                db.run(purchasing.send_purchase_order, draft)
            po = pick("SELECT id FROM erp.purchase_orders WHERE state IN ('sent', 'partially_received')")
            if po is None:
                return False
            quantities = None
            if rng.random() < 0.3:  # a partial delivery
                lines = db.run(purchasing_queries.purchase_order_lines, po)
                quantities = {
                    line["id"]: max(1, int(line["outstanding"]) // 2) for line in lines if line["outstanding"] > 0
                }
            db.run(purchasing.receive_purchase_order, po, quantities=quantities or None)
            return True
        if action == "produce":
            mo = pick("SELECT id FROM erp.production_orders WHERE state IN ('planned', 'released', 'in_progress')")
            if mo is None:
                return False
            state = ids("SELECT 1 FROM erp.production_orders WHERE id = :id AND state = 'planned'", id=mo)
            if state:
                db.run(production.release_production_order, mo)
            if rng.random() < 0.3:
                db.run(production.report_progress, mo, rng.choice([10, 50, 90]))
            db.run(production.complete_production_order, mo)
            return True
        if action == "ship":
            queue = db.run(warehouse_queries.pick_queue)
            if not queue:
                return False
            order = rng.choice(queue)["id"]
            quantities = None
            if rng.random() < 0.25:  # ship part of one line only
                lines = [line for line in db.run(sales_queries.order_lines, order) if line["reserved"] > 0]
                if lines:
                    quantities = {lines[0]["line_id"]: 1}
            db.run(warehouse.ship_order, order, quantities=quantities)
            return True
        if action == "invoice":
            queue = db.run(finance_queries.to_invoice_queue)
            if not queue:
                return False
            db.run(finance.invoice_order, rng.choice(queue)["id"])
            return True
        if action == "pay":
            open_invoices = db.run(lambda s: finance_queries.invoices(s, states=["posted", "partially_paid"]))
            if not open_invoices:
                return False
            invoice = rng.choice(open_invoices)
            amount = invoice["open_amount"]
            if rng.random() < 0.3:
                amount = max(Decimal("0.01"), (amount / 2).quantize(Decimal("0.01")))
            db.run(finance.record_payment, invoice["id"], amount=amount)
            return True
        if action == "cancel":
            order = pick(
                "SELECT id FROM erp.sales_orders WHERE state IN ('draft', 'confirmed', 'in_fulfilment', 'ready')"
            )
            if order is None:
                return False
            db.run(sales.cancel_order, order, reason="客户取消 customer cancelled")
            return True
        raise AssertionError(action)

    barrier.wait(180)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        action = rng.choice(ACTIONS)
        try:
            if act(action):
                done[action] += 1
        except DomainError as refusal:  # a race lost politely: "already confirmed", "nothing to pick"...
            kind = type(refusal).__name__
            refused[kind] += 1
            samples.setdefault(kind, str(refusal))
            if isinstance(refusal, Busy) or not is_clear_sentence(str(refusal)):
                unclear.append(f"{action}: {kind}: {refusal!r}")
        except Exception:
            unexpected.append(f"{action}: {traceback.format_exc()}")
    db.dispose()
    results.put(
        {
            "done": done,
            "refused": refused,
            "samples": samples,
            "unclear": unclear,
            "unexpected": unexpected,
            "retries": retry_log.retries,
        }
    )


# -- listeners: follow the outbox in threads of the test process ---------------------------------------------


class Follower(threading.Thread):
    """An EventListener loop. `bounce` seconds: close and reconnect on its own that often."""

    def __init__(self, url: str, name: str, *, bounce: float | None = None) -> None:
        super().__init__(name=name, daemon=True)
        self.listener = EventListener(url, application_name=name)
        self.listener.connect()
        self.bounce = bounce
        self.events: list[tuple[int, int]] = []  # (xid, id) in delivery order
        self.reconnects = 0
        self.stop = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        try:
            self._follow()
        except Exception:
            self.error = traceback.format_exc()

    def _follow(self) -> None:
        listener = self.listener
        last_bounce = time.monotonic()
        while True:
            stopping = self.stop.is_set()
            try:
                if not listener.connected:
                    listener.connect()
                    self.reconnects += 1
                if self.bounce and time.monotonic() - last_bounce > self.bounce:
                    last_bounce = time.monotonic()
                    listener.close()
                    continue
                select.select([listener.fileno()], [], [], 0.005 if listener.pending else 0.2)
                result = listener.fetch()
            except ListenerDisconnected:
                time.sleep(0.05)
                continue
            self.events += [(e.xid, e.id) for e in result.events]
            if stopping and not result.pending:
                break  # every writer has finished: this fetch saw everything
        listener.close()


def terminate_backends(url: str, application_name: str) -> int:
    conn = psycopg2.connect(psycopg2_dsn(url))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s"
                " AND datname = current_database()",
                (application_name,),
            )
            return cursor.fetchone()[0]
    finally:
        conn.close()


# -- the test ------------------------------------------------------------------------------------------------


def deadlock_contexts(pg: Any) -> Counter[str]:
    """Where the retried deadlocks happened, from the embedded server's log (for the report)."""
    if pg.server is None or not pg.server.log_file.exists():
        return Counter()
    found: Counter[str] = Counter()
    lines = pg.server.log_file.read_text(errors="replace").splitlines()
    for number, line in enumerate(lines):
        if "deadlock detected" not in line:
            continue
        statements = []  # the two (or more) top-level calls that locked each other out
        for following in lines[number + 1 : number + 30]:
            if "STATEMENT:" in following or "ERROR:" in following:
                break
            statements += re.findall(r"Process \d+: SELECT erp\.(\w+)\(", following)
        found[" x ".join(sorted(statements)) or "?"] += 1
    return found


def test_twenty_clients_on_thirty_scarce_products(world: World, db_url: str, pg: Any) -> None:
    skus = scarce_products(world)
    before = set(world.db.run(lambda s: s.execute(text("SELECT id FROM erp.order_events")).scalars().all()))
    followers = [
        Follower(db_url, "rel-steady"),
        Follower(db_url, "rel-killed"),
        Follower(db_url, "rel-bouncing", bounce=3.0),
    ]
    for follower in followers:
        follower.start()

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(CLIENTS + 1), context.Queue()
    processes = [
        context.Process(target=client, args=(db_url, seed, skus, SECONDS, barrier, results)) for seed in range(CLIENTS)
    ]
    for process in processes:
        process.start()
    reports: list[dict[str, Any]] = []
    try:
        barrier.wait(180)  # every client has imported and connected: the clock starts now
        started = time.monotonic()
        while time.monotonic() - started < SECONDS:
            time.sleep(4)
            terminate_backends(db_url, "rel-killed")  # the listener's connection dies under load
        reports = [results.get(timeout=120) for _ in processes]
    finally:
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()
        for follower in followers:
            follower.stop.set()
        for follower in followers:
            follower.join(60)

    done = sum((r["done"] for r in reports), Counter())
    refused = sum((r["refused"] for r in reports), Counter())
    retries = sum((r["retries"] for r in reports), Counter())
    samples = {k: v for r in reports for k, v in r["samples"].items()}
    print(f"\ndone {dict(done)}\nrefused {dict(refused)}\nretried {dict(retries)}\nsamples {samples}")
    print(f"deadlocks by place: {dict(deadlock_contexts(pg))}")

    # nothing but polite refusals reached anyone
    assert [p.exitcode for p in processes] == [0] * CLIENTS
    assert [u for r in reports for u in r["unexpected"]] == []
    assert [u for r in reports for u in r["unclear"]] == []
    # enough of everything happened to mean something, even on a busy machine
    assert done["enter"] > 20 and done["confirm"] > 5 and done["ship"] > 5 and done["receive"] > 2, done
    assert done["produce"] + done["invoice"] + done["pay"] + done["cancel"] > 10, done

    # no oversell, every ledger invariant holds
    assert world.invariants() == []
    oversold = world.db.run(
        lambda s: s.execute(
            text("SELECT count(*) FROM erp.stock_levels WHERE reserved > on_hand OR on_hand < 0 OR reserved < 0")
        ).scalar_one()
    )
    assert oversold == 0
    overshipped = world.db.run(
        lambda s: s.execute(
            text(
                "SELECT count(*) FROM erp.sales_order_lines"
                " WHERE qty_shipped > quantity OR qty_invoiced > qty_shipped"
                " OR qty_shipped < 0 OR qty_invoiced < 0"
            )
        ).scalar_one()
    )
    assert overshipped == 0

    # every document is in a legal state, and got there by legal steps
    tables = {
        "sales_order": "sales_orders",
        "purchase_request": "purchase_requests",
        "purchase_order": "purchase_orders",
        "production_order": "production_orders",
        "delivery_note": "delivery_notes",
        "invoice": "invoices",
    }
    for document, table in tables.items():
        found = set(
            world.db.run(lambda s, t=table: s.execute(text(f"SELECT DISTINCT state FROM erp.{t}")).scalars().all())
        )
        assert found <= {str(state) for state in STATES[document]}, (document, found)
    steps = world.db.run(
        lambda s: s.execute(
            text(
                "SELECT DISTINCT document_type, coalesce(old_state, :new), new_state FROM erp.order_events"
                " WHERE event_type IN ('created', 'state_changed') AND new_state IS NOT NULL"
            ),
            {"new": NEW},
        ).all()
    )
    illegal = [step for step in steps if step[0] in TRANSITIONS and (step[1], step[2]) not in TRANSITIONS[step[0]]]
    assert illegal == []

    # every event reached every listener once, in a safe order, despite the killed and bounced connections
    everything = set(world.db.run(lambda s: s.execute(text("SELECT id FROM erp.order_events")).scalars().all()))
    expected = everything - before
    assert len(expected) > 200
    for follower in followers:
        assert follower.error is None, follower.error
        ids = [event_id for _, event_id in follower.events]
        duplicates = [i for i, n in Counter(ids).items() if n > 1]
        assert duplicates == [], (follower.name, duplicates[:10])
        assert set(ids) == expected, (
            follower.name,
            sorted(expected - set(ids))[:10],
            sorted(set(ids) - expected)[:10],
        )
        # a transaction's events arrive together (they become visible at its commit) and in their order;
        # transactions come in commit order, not necessarily in xid order
        positions: dict[int, list[int]] = {}
        for position, (xid, _) in enumerate(follower.events):
            positions.setdefault(xid, []).append(position)
        torn = [xid for xid, seen in positions.items() if seen != list(range(seen[0], seen[0] + len(seen)))]
        assert torn == [], (follower.name, torn[:5])
        for xid, seen in positions.items():
            ids_of_one = [follower.events[p][1] for p in seen]
            assert ids_of_one == sorted(ids_of_one), (follower.name, xid)
    assert followers[1].reconnects >= 2 and followers[2].reconnects >= 3
