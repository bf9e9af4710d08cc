"""Following the outbox without Qt: wait on `fileno()`, then `fetch()` returns the new events.

Nothing is lost when transactions commit out of id order, and a fetch costs only what is new. Event ids come
from a sequence, and a transaction that took id 10 may commit after one that took id 11, so "id > last
seen" alone would skip 10 for good. The listener keeps two things: the highest id it has delivered (M) and
the transactions that were still running when it last looked (R, from the snapshot of its last fetch: the
transactions it lists as in progress, and every transaction id from its xmax on). Each fetch reads, in one
statement with one snapshot, the events with id > M, and the events of the transactions in R that have
ended since, found through the index on xid.

Why that is everything: an event that is not visible yet belongs to a transaction still running. Every
writer takes its transaction id before it takes an event id (`erp.emit_event`), and ids are handed out in
order, so an event with an id at or below M was taken before the last snapshot by a transaction that was
running then: it is in R, and it is read once that transaction has committed. Everything above M is read
by id. Each event is therefore delivered exactly once and as soon as it is committed. What a fetch reads
is the events committed since the last one; what the listener remembers is one id and the running
transactions (bounded by the server's connections), however long any transaction stays open — on this
database or another of the same server. A new listener starts from the events visible when it connects
(none committed before it is replayed); a reconnect resumes from the same two things.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import psycopg2
import psycopg2.extensions
import psycopg2.extras

from server_db.core.changes import EVENT_COLUMNS_OF_E, Event, event_from_row

log = logging.getLogger(__name__)

CHANNEL = "erp_events"


class ListenerDisconnected(Exception):
    """The listening connection is gone; `connect()` again and nothing will have been missed."""


@dataclass
class FetchResult:
    events: list[Event]
    pending: bool


def psycopg2_dsn(url: str) -> str:
    """A libpq connection string from a SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    parts = {
        "host": parsed.host or parsed.query.get("host"),
        "port": parsed.port or parsed.query.get("port"),
        "dbname": parsed.database,
        "user": parsed.username,
        "password": parsed.password,
    }
    for key, value in parsed.query.items():
        if key not in ("host", "port"):
            parts[key] = value
    return " ".join(f"{k}='{_quote(str(v))}'" for k, v in parts.items() if v not in (None, ""))


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


class EventListener:
    """One autocommit connection that LISTENs on the outbox channel and reads the outbox past what it has
    delivered."""

    def __init__(self, url: str, *, application_name: str = "erp-listener") -> None:
        self.dsn = psycopg2_dsn(url)
        self.application_name = application_name
        self.pending = False
        self.delivered_up_to: int | None = None  # M: the highest event id delivered (or visible at the start)
        # R: the transactions running at the last fetch: these, and every one from `running_from` on
        self.running: list[int] = []
        self.running_from = 0
        self._conn: psycopg2.extensions.connection | None = None

    @property
    def connected(self) -> bool:
        return self._conn is not None and self._conn.closed == 0

    def connect(self) -> None:
        """(Re)connect and LISTEN. The first connection starts from now; a reconnection resumes where the last
        fetch ended, so what happened while disconnected arrives with the next fetch."""
        self.close()
        try:
            # the outbox is read on the GUI thread: a dead network or a stuck statement must fail within
            # seconds (and become 'reconnecting'), not hang the window until TCP gives up
            conn = psycopg2.connect(
                self.dsn,
                application_name=self.application_name,
                connect_timeout=5,
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=5,
                keepalives_count=3,
                tcp_user_timeout=15000,
                options="-c statement_timeout=10s",
            )
            conn.set_session(autocommit=True)
            with conn.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
                if self.delivered_up_to is None:
                    cursor.execute(
                        "SELECT (SELECT coalesce(max(id), 0) FROM erp.order_events),"
                        " ARRAY(SELECT pg_snapshot_xip(pg_current_snapshot())::text),"
                        " pg_snapshot_xmax(pg_current_snapshot())::text"
                    )
                    top, running, running_from = cursor.fetchone()
                    self.delivered_up_to = int(top)
                    self.running, self.running_from = [int(x) for x in running], int(running_from)
        except psycopg2.Error as exc:
            raise ListenerDisconnected(str(exc).strip()) from exc
        self._conn = conn

    def fileno(self) -> int:
        if self._conn is None:
            raise ListenerDisconnected("not connected")
        return self._conn.fileno()

    def fetch(self) -> FetchResult:
        """Drain notifications and return every committed event not yet delivered, in (xid, id) order
        within the batch."""
        if self._conn is None:
            raise ListenerDisconnected("not connected")
        try:
            self._conn.poll()
            self._conn.notifies.clear()
            with self._conn.cursor() as cursor:
                cursor.execute(
                    f"""
                    WITH snapshot AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
                         ended AS MATERIALIZED (
                             SELECT unnest(%(running)s::xid8[]) AS xid
                             EXCEPT SELECT pg_snapshot_xip(s) FROM snapshot),
                         new AS (  -- three index scans: none may read the whole outbox
                             SELECT * FROM erp.order_events WHERE id > %(up_to)s
                             UNION ALL
                             SELECT late.* FROM ended CROSS JOIN LATERAL (
                                 SELECT * FROM erp.order_events WHERE xid = ended.xid AND id <= %(up_to)s) late
                             UNION ALL
                             SELECT * FROM erp.order_events WHERE xid >= %(running_from)s::xid8 AND id <= %(up_to)s)
                    SELECT ARRAY(SELECT pg_snapshot_xip(s)::text FROM snapshot),
                           (SELECT pg_snapshot_xmax(s)::text FROM snapshot), {EVENT_COLUMNS_OF_E}
                      FROM (SELECT 1) one LEFT JOIN new e ON true
                     ORDER BY e.xid, e.id
                    """,
                    {
                        "running": "{" + ",".join(str(x) for x in self.running) + "}",
                        "running_from": str(self.running_from),
                        "up_to": self.delivered_up_to,
                    },
                )
                rows = cursor.fetchall()
        except psycopg2.Error as exc:
            # a lost connection shows as OperationalError, or (killed at the wrong moment) as a bare
            # DatabaseError on a closed connection; anything else is a real error
            if not isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)) and not self._conn.closed:
                raise
            self.close()
            raise ListenerDisconnected(str(exc).strip()) from exc
        self.running, self.running_from = [int(x) for x in rows[0][0]], int(rows[0][1])
        events = [event_from_row(row[2:]) for row in rows if row[2] is not None]
        if events:
            self.delivered_up_to = max(self.delivered_up_to or 0, max(event.id for event in events))
        # notifications that arrived while the query ran were read off the socket with its answer, so the
        # socket will not wake anyone for them: say so, and the caller fetches again
        self.pending = bool(self._conn.notifies)
        return FetchResult(events, self.pending)

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg2.Error):
                self._conn.close()
            self._conn = None
