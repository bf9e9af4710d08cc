"""The Notes of docs/BENCHMARKS.md: for every goal missed in this run, what takes the time (from the profiles
taken in the same run, and from the analysis written here) and what would close the gap; then the findings
of the run (library bugs, defects met on the way)."""

from __future__ import annotations

from bench.report import Figure

# What each missed goal comes from, found with pyinstrument, py-spy and PostgreSQL's function timing on this
# machine. Keyed by the start of the figure's name within its section.
EXPLANATIONS: dict[tuple[str, str], str] = {
    ("2", "confirm, 1 client"): """
One confirmation is one round trip (`server_db.services._db.step`: `erp.confirm_sales_order(id)` and the
transaction's events, two statements sent together) plus the commit; the order row is written once, the production
backlog of a work centre is a counter, not a sum. What is left per order (see the profiles below): about
1.5 ms of PostgreSQL time in the workflow function and its triggers (audit rows and events, each turning
rows into jsonb) and about 1 ms of Python in the client (SQLAlchemy session and text statement). The goal is
20% of a sub-millisecond pgbench transaction, so it sits within run-to-run noise of this shared 2-core
machine: it was met in most runs. What would take it clearly over: statement-level audit and event triggers
with transition tables (one INSERT per statement instead of one per row), and a plain DB-API cursor instead
of an ORM session for the one-call operations.
""",
    ("2", "confirm, 4 client processes"): """
The CPU accounting shows what bounds this on the machine: a confirmation costs about 3 ms of CPU (the client
process and its PostgreSQL backend take turns, so one client alone keeps about one core busy and never idles).
Two cores therefore top out near twice one client whatever the number of clients; the measured ratio is
close to that ceiling. pgbench scales further in the same run because one pgbench client leaves the CPU idle
most of the time (a sub-millisecond transaction that is mostly round trip). The 2.5x goal needs more cores
than one client uses: on this machine it cannot be met by any client whose single-client run saturates a
core; every saving in the 1-client note raises the 2-core ceiling in proportion. Contention is not the limit:
the run with all clients on the same products, which queue on the same stock rows, is the slower line.
""",
    ("2", "vs the reference ERP: enter"): """
Entering the draft is now one call (`erp.enter_sales_order`, header and lines as jsonb, after the client has
validated and priced them) with the customer, warehouse and all SKUs resolved in three queries. What is left
is round trips (customer, warehouse, products, the call, the commit) and SQLAlchemy's session around them;
resolving customer and warehouse in one query would save one more.
""",
    ("4", "commit -> row updated in the model, 20 listening"): """
The issue asks for 20 listening clients and 4 writers flat out on one 2-core machine, i.e. 20 desktop
clients, 4 writing clients and the server sharing 2 cores. The CPU accounting below shows the result is CPU
starvation, not a slow path: per confirmed order the 20 listener processes together spend well over 10 ms of
CPU, their backends and the writers' several more, so the writers slow down to what 2 cores absorb (the
orders per second of the 20-listener line against the 1-listener line) and every listener's wake-up waits in
the run queue behind 40-odd busy processes. The 1-listener line is the path itself under the same four
writers. The third line runs the same 20 listeners under a steady 40 confirmations a second, and the machine
is still saturated: when orders arrive one at a time a listener spends about 1.4 ms of CPU on each (one read
of the outbox, one refetch of the board row, the relays between threads) and its backend most of a
millisecond more, so 20 listeners alone keep more than one of the two cores busy. The obvious costs are gone
(a flash no longer emits a dataChanged per row, the listener no longer
re-reads events it delivered early, the merge no longer rebuilds the row index); what a listener still
spends per order (py-spy, below) is reading the outbox (psycopg2 parsing each event's jsonb payload), the
refetch of the board row through `Database.run` on a worker thread, and relaying results to the GUI thread.
What would cut it further: a channel per window so a board reads only sales-order events, and the board's
columns in the event payload so most events need no refetch. With 20 clients on 20 PCs, as in an office,
none of the listeners' CPU lands on the server's cores.
""",
    ("5", "board shown"): """
Most of the time is in turning 100,000 rows into Python objects: psycopg2 typecasts every value, SQLAlchemy
wraps each row, `queries._rows` builds a dict per row and the model keeps a tuple per row (see the board
profile below and the psycopg2-only baseline). Fetching tuples in column order without the dicts, and showing
the first page while the rest streams in, would close it.
""",
    ("5", "one event applied"): """
The upsert of one row is a few hundredths of a millisecond and nothing reloads; the time from Changes to the
merge is the refetch of the row (`queries.board_rows(ids=[id])` through `Database.run` on a worker thread,
about a millisecond) and the result's trip back to the GUI thread. Carrying the board's columns in the event
payload would remove the refetch for a state change.
""",
    ("7", "one-page invoice"): """
These figures come from bench/documents.py (one core, pinned). Rendering the page with reportlab is most of
it (compare the render-only line with the load + render line), so the rate follows how much of one core the
process gets on a machine as busy as this one was (see the load average in the machine table). A profile
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
