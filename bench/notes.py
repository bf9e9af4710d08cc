"""The Notes of docs/BENCHMARKS.md: for every goal missed in this run, what takes the time (from the profiles
taken in the same run, and from the analysis written here) and what would close the gap; then the findings
of the run (library bugs, defects met on the way)."""

from __future__ import annotations

from bench.common import Figure

# What each missed goal comes from, found with pyinstrument, py-spy and PostgreSQL's function timing on this
# machine. Keyed by the start of the figure's name within its section.
EXPLANATIONS: dict[tuple[str, str], str] = {
    ("2", "confirm, 1 client"): """
One confirmation is a single call, `SELECT erp.confirm_sales_order(id)`, and three quarters of the client's
time is spent waiting in psycopg2 for it (see the client-side profile below). So the gap is mostly in the
database: PostgreSQL spends about 3 ms of function time per order (the database-side profile), plus parsing,
the pool's pre-ping, the `changes_of_this_transaction` query and the commit. The 20% goal needs 1000 ms
divided by the goal's rate per order end to end, about 2-3 ms. What takes the time, and what would close it
(all outside bench/):

1. `erp._raise_production_order` sums `remaining_hours` over *every* open production order of the work
   centre on each confirmation (its "first estimate with finite capacity"); it is the biggest self time and
   grows linearly with the work centre's backlog (a few thousand open orders here). Keep the open backlog per
   work centre in a column maintained by the same functions (O(1)), or bound the sum by date.
2. `erp.customer_exposure` re-adds every line of every open order of the customer on each confirmation (it
   grows with the customer's open orders). Keep the open order value per order (or per customer) instead.
3. Triggers: per confirmation about 13 `audit_row` and 6 `document_event` calls, each turning whole rows into
   jsonb (twice for updates), and 8 `emit_event` inserts each with its own `pg_notify`. The order row is
   written twice (`confirm_sales_order` sets 'confirmed', then `refresh_sales_order` sets the derived state),
   which doubles its audit row, event, version bump and transition check; `_estimate_ship_date` also runs
   twice. Compute the final state once and write the row once; one `pg_notify` per transaction is enough
   (the listener reads the outbox; identical payloads collapse); statement-level triggers with transition
   tables would make audit and events one INSERT per statement instead of one per row.
4. Client side (about 1 ms of CPU per order): `pool_pre_ping=True` adds a `SELECT 1` round trip to every
   transaction, `changes_of_this_transaction` is a second statement per operation (the workflow function
   could return the events itself), and an ORM Session is opened for one function call.
""",
    ("2", "confirm, 4 client processes"): """
The CPU accounting below shows what bounds this on the machine: a confirmation costs about 5 ms of CPU
(about 1 ms in the client process, 4 ms in its PostgreSQL backend), so 2 cores top out near 2 / 5 ms =
400 orders per second whatever the number of clients, and one client alone already keeps about one core busy
(its process and its backend take turns, never idle). Four clients can therefore at best about double one
client here, and the machine was close to 100% busy during the 4-client run (shared with other work).
pgbench scales further in the same run (see its lines) because one pgbench client leaves the CPU idle much
of the time (a sub-millisecond transaction that is mostly round trip). The 2.5x goal needs more cores than
one client uses, i.e. either a machine with more than 2 cores or a cheaper confirmation: every item of the
1-client note lowers the CPU per order and raises the 2-core ceiling proportionally. Contention is not the
limit: with each client on its own products, orders do not wait on each other's stock rows (the run with all
clients on the same products, which do queue on the same stock rows in `erp._lock_stock`, is the slower line
of the table).
""",
    ("2", "vs the reference ERP: enter"): """
Confirmation alone is more than 100x faster than the reference (the line above); entering the draft costs most
of
the time: 10 round trips in `sales.create_order` for a 3-line order (pre-ping, customer, warehouse, one
product lookup per line by SKU, the order INSERT, the line INSERT, `changes_of_this_transaction`, commit)
and as much time again in SQLAlchemy's ORM (unit of work, cache keys, identity map), see the order-entry
profiles below. Resolving the customer and all SKUs in one query, dropping the pre-ping, and inserting the
order with its lines in one statement (or one `erp.create_sales_order(jsonb)` function, as the workflow
already does for confirmation) would bring entry to 2-3 ms and enter + confirm under 7.9 ms (> 100x).
""",
    ("4", "commit -> row updated in the model, 20 listening"): """
The issue asks for 20 listening clients and 4 writers on this one machine, i.e. 20 desktop clients, 4
writing clients and the server sharing 2 cores; the CPU accounting below shows the result is CPU
starvation, not a slow path: every listener spends about a millisecond of CPU per confirmed order (its
process alone), so 20 listeners need some 20 ms of CPU per order plus their backends' share, on 2 cores.
The writers slow down to what the machine can absorb and every listener's queue waits for a core; the
1-listener line shows the path itself, under the same 4 writers. What a listener
spends its time on (py-spy, below, largest first), and what would cut it:

1. Merging: `RecordTableModel.replace_subset` calls `remove()`, which rebuilds the id index of every row
   of the table after each refetch even when nothing is removed: O(rows) per event, and with the ~14,000
   open orders on these boards the biggest share of a listener's time (see the board notes for the fix).
2. Flashing: `RecordTableModel._fade` emits a dataChanged per flashing row every 100 ms; at hundreds of
   updates per second that is thousands of signals per second per client. One dataChanged for the union of
   flashing rows per tick (or a delegate that animates only visible rows) would do.
3. Reading the outbox: every listener runs the outbox query and builds an `Event` (with its jsonb payload)
   for each of the ~8 events a confirmation writes (stock, purchase request, production order, order...),
   although the board needs only the sales orders. Filter by document type in the query (or give each window
   its channel), select only the needed columns, and NOTIFY once per transaction instead of once per event,
   so one commit wakes each client once.
4. Refetching: for each batch the board runs `queries.board_rows(ids=...)` through `Database.run` on a
   worker thread (SQLAlchemy session, pre-ping, planning a query with a LATERAL join each time: 1-2 ms for one
   row, most of it planning: 1.6 ms planning for 0.2 ms execution in EXPLAIN ANALYZE). A prepared
   statement (psycopg 3 prepares automatically) or a SQL function removes the planning; carrying the board's
   columns (state, dates, late) in the event payload would remove the refetch for the common case.

With 20 clients on 20 PCs, as in an office, none of the listeners' CPU lands on the server's cores.
""",
    ("5", "board shown"): """
Most of the time is in turning 100,000 rows into Python objects twice: psycopg2 typecasts every value
(dates, timestamps, Decimals for the percentages), SQLAlchemy wraps each row, `queries._rows` builds a dict
per row, and `RecordTableModel.reset` turns each dict back into a tuple. The baseline column shows the same
query fetched with plain psycopg2 takes well under the goal by itself. What would close it: have
`board_rows` hand the model tuples in column order (`session.execute(...).all()` or a raw cursor), no dicts;
return the percentages as integers and the timestamp the board only displays as text; and show the first
page at once while the rest streams in (fetch in chunks of ~5,000 with a server-side cursor and
`beginInsertRows`), which makes the window usable in a fraction of a second whatever the number of orders.
While the board loads, the dashboard's own queries (tiles and charts over the same 100,000 orders) run on
the second worker thread and compete for the same 2 cores and the GIL.
""",
    ("5", "one event applied"): """
Updating a row is cheap (the upsert of one row alone is a few hundredths of a millisecond, and no reload
happens), but two things around it are not. First, `LiveList._merge` calls `RecordTableModel.replace_subset`,
which calls `remove()` for the ids that came back empty, and `remove()` rebuilds the id -> row index of *all*
rows (`self._index = {row[0]: i ...}`) even when it removes none: with 100,000 rows that is milliseconds per
event (the baseline column: the merge of a one-row refetch against the upsert alone). Return early when
nothing is removed, and when something is, shift the index from the first removed position only. Second,
the refetch: `queries.board_rows(ids=[...])` runs on a worker thread through `Database.run` (queueing on
the thread pool, a pre-ping round trip, a SQLAlchemy session, and PostgreSQL *planning* the query each time:
1.6 ms planning for 0.2 ms execution, measured with EXPLAIN ANALYZE on the same data), then the result
travels back to the GUI thread by signal. A prepared statement (psycopg 3 prepares automatically, or a SQL
function whose plan is cached), no pre-ping, and the board's columns carried in the event payload (no refetch
for a state change) would bring an event well under a millisecond.
""",
    ("7", "one-page invoice"): """
These figures come from bench/documents.py (one core, pinned). Rendering the page with reportlab is most of
it (compare the render-only line with the load + render line), so the rate follows how much of one core the
process gets; on a machine as busy as this one
was during the run (see the load average in the machine table) it falls short of 40 per second. A profile
of one render: `.venv/bin/python -m pyinstrument -m bench.documents`.
""",
}


def render(figures: list[Figure], findings: list[str]) -> list[str]:
    lines: list[str] = []
    missed = [f for f in figures if f.met is False]
    if missed:
        lines += ["### Goals missed in this run", ""]
        for figure in missed:
            lines.append(f"- **{figure.section}: {figure.name}** = {figure.value} (goal {figure.goal}).")
            explanation = _explanation(figure)
            if explanation:
                lines += ["", explanation, ""]
    else:
        lines += ["Every goal was met in this run.", ""]
    if findings:
        lines += ["### Profiles and findings of this run", ""]
        for finding in findings:
            lines += [finding, ""]
    return lines


def _explanation(figure: Figure) -> str:
    number = figure.section.split(".")[0]
    for (section, start), text in EXPLANATIONS.items():
        if section == number and figure.name.startswith(start):
            return text.strip()
    return ""
