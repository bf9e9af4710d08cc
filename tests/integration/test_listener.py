"""The live listener loses nothing and delivers nothing twice, even when transactions commit out of
order, hold back, or the connection drops."""

from __future__ import annotations

import multiprocessing
import random
import select
import time

import psycopg2
import pytest

from server_db.core.events import EventListener, ListenerDisconnected, psycopg2_dsn

WRITERS = 4
EVENTS_PER_WRITER = 250


def connect(url: str) -> psycopg2.extensions.connection:
    return psycopg2.connect(psycopg2_dsn(url))


def emit(cursor, n: int) -> None:
    cursor.execute("SELECT erp.emit_event('test', NULL, 'test', %s, NULL, NULL, NULL)", (n,))


def writer(url: str, number: int, seed: int) -> None:
    """Commits its events in transactions of 1-3 events, holding some open while the others commit."""
    rng = random.Random(seed)
    conn = connect(url)
    sent = 0
    while sent < EVENTS_PER_WRITER:
        with conn, conn.cursor() as cursor:
            for _ in range(min(rng.randint(1, 3), EVENTS_PER_WRITER - sent)):
                emit(cursor, number * 100000 + sent)
                sent += 1
                time.sleep(rng.random() * 0.002)
            if rng.random() < 0.1:
                time.sleep(rng.random() * 0.05)  # an early transaction id committing late
    conn.close()


def drain(listener: EventListener, until: int, timeout: float = 60) -> list[int]:
    received: list[int] = []
    deadline = time.monotonic() + timeout
    while len(received) < until and time.monotonic() < deadline:
        wait = 0.005 if listener.pending else 0.5
        select.select([listener.fileno()], [], [], wait)
        received += [e.document_id for e in listener.fetch().events if e.document_type == "test"]
    return received


def test_a_thousand_events_from_four_writers_arrive_all_and_once(db_url: str) -> None:
    listener = EventListener(db_url)
    listener.connect()
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=writer, args=(db_url, n, n)) for n in range(WRITERS)]
    for process in processes:
        process.start()
    received = drain(listener, WRITERS * EVENTS_PER_WRITER)
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    received += drain(listener, 0, timeout=0.2)
    expected = {n * 100000 + i for n in range(WRITERS) for i in range(EVENTS_PER_WRITER)}
    assert len(received) == len(expected)
    assert set(received) == expected
    listener.close()


def test_an_event_committed_behind_a_running_older_transaction_comes_at_once_and_only_once(db_url: str) -> None:
    listener = EventListener(db_url)
    listener.connect()
    older, newer = connect(db_url), connect(db_url)
    with older.cursor() as cursor:
        emit(cursor, 1)  # takes the lower id and transaction id, does not commit yet
    with newer, newer.cursor() as cursor:
        emit(cursor, 2)
    assert [e.document_id for e in listener.fetch().events] == [2]  # committed: not held back
    assert listener.fetch().events == []  # and not delivered again while 1 still runs
    older.commit()
    assert [e.document_id for e in listener.fetch().events] == [1]
    assert listener.fetch().events == []  # each once
    older.close()
    newer.close()
    listener.close()


def test_reconnect_catches_up_without_duplicates(db_url: str) -> None:
    listener = EventListener(db_url)
    listener.connect()
    writer_conn = connect(db_url)
    writer_conn.autocommit = True
    with writer_conn.cursor() as cursor:
        for n in range(5):
            emit(cursor, n)
    got = [e.document_id for e in listener.fetch().events]
    with writer_conn.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'erp-listener'")
        for n in range(5, 10):
            emit(cursor, n)  # while the listener is gone
    with pytest.raises(ListenerDisconnected):
        for _ in range(50):
            listener.fetch()
            time.sleep(0.02)
    listener.connect()
    with writer_conn.cursor() as cursor:
        emit(cursor, 10)
    got += [e.document_id for e in listener.fetch().events]
    assert got == list(range(11))
    writer_conn.close()
    listener.close()


def test_business_operations_reach_the_listener(world, db_url: str) -> None:
    from server_db.sales import services as sales

    listener = EventListener(db_url)
    listener.connect()
    world.stock("BUY-A", 3)
    order = world.order([("BUY-A", 2)])
    world.db.run(sales.confirm_order, order)
    events = listener.fetch().events
    kinds = {(e.document_type, e.event_type, e.new_state) for e in events}
    assert ("sales_order", "state_changed", "confirmed") in kinds
    assert ("sales_order", "state_changed", "ready") in kinds
    assert ("product", "stock_changed", None) in kinds
    ready = next(e for e in events if e.new_state == "ready")
    assert ready.document_no.startswith("SO-") and ready.actor == "postgres" and ready.sales_order_id == order
    listener.close()


def test_a_transaction_left_open_elsewhere_costs_a_listener_nothing(pg, db_url: str) -> None:
    """A forgotten `BEGIN; UPDATE ...` in another database of the same server, and one in this database,
    stay open while 50,000 events pass: every event arrives once, a fetch costs what is new and not what has
    piled up behind the open transactions, the listener remembers no more than the running transactions, and a
    listener that starts meanwhile replays nothing committed before it started."""
    other = f"erp_t_{pg.run_id}_other_{next(pg._counter)}"
    pg.execute(f"CREATE DATABASE {other}")
    elsewhere = connect(pg.url(other))
    here = connect(db_url)
    writer_conn = connect(db_url)
    try:
        with elsewhere.cursor() as cursor:  # open, writing, never committed during the test
            cursor.execute("CREATE TABLE forgotten (n int); INSERT INTO forgotten VALUES (1)")
        with here.cursor() as cursor:
            emit(cursor, -1)  # an event of this database held back too
        listener = EventListener(db_url)
        listener.connect()
        timings: list[float] = []
        received: list[int] = []
        batches, per_batch = 100, 500
        for batch in range(batches):
            with writer_conn, writer_conn.cursor() as cursor:
                cursor.execute(
                    "SELECT erp.emit_event('test', NULL, 'test', n, NULL, NULL, NULL) FROM generate_series(%s, %s) n",
                    (batch * per_batch, (batch + 1) * per_batch - 1),
                )
            started = time.perf_counter()
            received += [e.document_id for e in listener.fetch().events if e.document_type == "test"]
            timings.append(time.perf_counter() - started)
            assert len(listener.running) <= 20  # what it remembers: the running transactions, not the events
            if batch == 50:
                latecomer = EventListener(db_url)
                latecomer.connect()
        assert received == list(range(batches * per_batch))
        first, last = sorted(timings[:10])[5], sorted(timings[-10:])[5]
        assert last < max(10 * first, 0.05), (first, last)  # flat: 1.3 s at 32,000 held-back ids before
        # the latecomer saw none of what was committed before it started, and sees what comes after
        assert [e.document_id for e in latecomer.fetch().events if e.document_type == "test"] == list(
            range(51 * per_batch, batches * per_batch)
        )
        here.commit()  # the held-back event arrives, once, at both
        assert [e.document_id for e in listener.fetch().events] == [-1]
        assert [e.document_id for e in latecomer.fetch().events] == [-1]
        assert listener.fetch().events == [] and latecomer.fetch().events == []
        latecomer.close()
        listener.close()
    finally:
        elsewhere.close()
        here.close()
        writer_conn.close()
        pg.drop(other)
