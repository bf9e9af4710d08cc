"""Following the outbox without Qt: wait on `fileno()`, then `fetch()` returns the new events.

Nothing is lost when transactions commit out of id order. Event ids come from a sequence, and a
transaction that took id 10 may commit after one that took id 11, so "id > last seen" would skip 10 for
good. Instead the listener keeps a *watermark* W on transaction ids: every event of a transaction older
than W has been delivered. Each fetch reads, in one statement, the snapshot's xmin (the oldest transaction
still running: every transaction below it has ended and none can appear below it later) and every visible
(committed) event with xid >= W; then W becomes xmin.

Events of transactions at or above xmin are committed too (a row is only visible once its transaction
has committed), but an older transaction may still be running below them. They are delivered at once, not
held back behind it, and their ids are remembered until the watermark passes their transaction, so they
are not delivered again. Each event is therefore delivered exactly once and as soon as it is committed, and
a reconnect simply resumes from W with the same memory.
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
    """One autocommit connection that LISTENs on the outbox channel and reads the outbox past a watermark."""

    def __init__(self, url: str, *, watermark: int | None = None, application_name: str = "erp-listener") -> None:
        self.dsn = psycopg2_dsn(url)
        self.application_name = application_name
        self.watermark = watermark
        self.pending = False
        self._early: dict[int, int] = {}  # event id -> xid of events delivered above the watermark
        self._conn: psycopg2.extensions.connection | None = None

    @property
    def connected(self) -> bool:
        return self._conn is not None and self._conn.closed == 0

    def connect(self) -> None:
        """(Re)connect and LISTEN. The first connection starts from now; a reconnection resumes at the
        watermark, so what happened while disconnected arrives with the next fetch."""
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
                if self.watermark is None:
                    cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
                    self.watermark = int(cursor.fetchone()[0])
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
                    SELECT s.hi::text, {EVENT_COLUMNS_OF_E}
                      FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS hi) s
                      LEFT JOIN erp.order_events e ON e.xid >= %(lo)s::text::xid8 AND e.id <> ALL(%(early)s)
                     ORDER BY e.xid, e.id
                    """,
                    {"lo": str(self.watermark), "early": list(self._early)},
                )
                rows = cursor.fetchall()
        except psycopg2.Error as exc:
            # a lost connection shows as OperationalError, or (killed at the wrong moment) as a bare
            # DatabaseError on a closed connection; anything else is a real error
            if not isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)) and not self._conn.closed:
                raise
            self.close()
            raise ListenerDisconnected(str(exc).strip()) from exc
        high = int(rows[0][0])
        events = []
        for row in rows:
            if row[1] is None:
                continue
            if row[1] in self._early:
                continue  # delivered early, while it sat above a running transaction (the query skips these)
            event = event_from_row(row[1:])
            if event.xid >= high:
                # committed, but above a transaction still running: deliver now, remember not to again
                self._early[event.id] = event.xid
            events.append(event)
        self.watermark = high
        self._early = {i: xid for i, xid in self._early.items() if xid >= high}
        # notifications that arrived while the query ran were read off the socket with its answer, so the
        # socket will not wake anyone for them: say so, and the caller fetches again
        self.pending = bool(self._conn.notifies)
        return FetchResult(events, self.pending)

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg2.Error):
                self._conn.close()
            self._conn = None
