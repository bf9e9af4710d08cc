"""Engines, sessions and the one way to run a business operation: in its own transaction, retried on
serialization failures and deadlocks, with driver errors turned into sentences."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from server_db.core import errors

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

APPLICATION_NAME = "erp-desktop"


def make_engine(url: str, *, application_name: str = APPLICATION_NAME, pool_size: int = 2, **kwargs: Any) -> Engine:
    """An engine for one client. Locks are waited for a bounded time, so a locked row never hangs a window."""
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=4,
        pool_recycle=3600,
        connect_args={
            "application_name": application_name,
            "connect_timeout": 10,
            "options": "-c lock_timeout=15s -c statement_timeout=120s -c idle_in_transaction_session_timeout=300s",
        },
        **kwargs,
    )
    _ping_connections_left_idle(engine)
    return engine


IDLE_BEFORE_PING = 5.0  # seconds a pooled connection may rest before it is checked on checkout


def _ping_connections_left_idle(engine: Engine) -> None:
    """Check a pooled connection with a round trip only if it has rested a while (a server restart is then
    noticed before work starts); a connection in constant use saves that round trip on every operation.
    `statements` counts what a checked-out connection has run, so a failure on the very first statement
    of an operation is known to have done nothing and can be tried again on a fresh connection."""

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        record.info["statements"] = 0
        if time.monotonic() - record.info.get("checked_in", 0.0) > IDLE_BEFORE_PING:
            try:
                with dbapi_connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                dbapi_connection.rollback()
            except Exception as exc:
                raise DisconnectionError(str(exc)) from exc  # the pool throws it away and connects anew

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        conn.info["statements"] = conn.info.get("statements", 0) + 1


class Database:
    """A client's handle on the database: an engine, a session factory, and `run` for operations."""

    def __init__(self, url: str, *, application_name: str = APPLICATION_NAME, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, application_name=application_name, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def run(self, operation: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `operation(session, *args, **kwargs)` in one transaction; see `run_in_transaction`.
        A permission refusal says whose duty it is and who is logged in."""
        try:
            return run_in_transaction(self.sessions, lambda session: operation(session, *args, **kwargs))
        except errors.PermissionDenied as refusal:
            if not refusal.raw:
                raise
            from server_db.people.identity import explain_refusal, my_department

            department = run_in_transaction(self.sessions, my_department)
            raise errors.PermissionDenied(explain_refusal(refusal.raw, department)) from refusal

    def dispose(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """Connect once; a DatabaseUnavailable with one sentence if the server cannot be reached."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise errors.DatabaseUnavailable(describe_connection_error(exc, self.url)) from None


def run_in_transaction(sessions: sessionmaker[Session], operation: Callable[[Session], T], *, attempts: int = 8) -> T:
    """One business operation, one transaction. Deadlocks and serialization failures are retried with
    growing, jittered pauses (nothing was written); any other driver error becomes a domain error."""
    for attempt in range(1, attempts + 1):
        info: dict[str, Any] = {}
        try:
            with sessions() as session, session.begin():
                info = session.connection().info
                return operation(session)
        except DBAPIError as exc:
            if exc.connection_invalidated and info.get("statements", 0) <= 1 and attempt < attempts:
                # the connection was dead before the operation's first statement got through: nothing was
                # done, so it simply runs again on a new connection (the server restarted, say)
                log.info("connection lost before the work started; trying again")
                continue
            if errors.is_retryable(exc) and attempt < attempts:
                pause = min(0.5, 0.005 * 2**attempt) * (0.5 + random.random())
                log.info("retrying after %s (attempt %d)", getattr(exc.orig, "pgcode", "?"), attempt)
                time.sleep(pause)
                continue
            translated = errors.translate(exc)
            if translated is exc:
                raise
            raise translated from exc
    raise AssertionError("unreachable")


def describe_connection_error(exc: OperationalError, url: str) -> str:
    """One sentence for a failed connection, naming the server but never the password."""
    from server_db.app.config import display_url

    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    where = display_url(url)
    lowered = detail.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return "The user name or password is wrong."
    if "does not exist" in lowered and "database" in lowered:
        return f"The server at {where} has no such database."
    if "role" in lowered and "does not exist" in lowered:
        return "The user name or password is wrong."
    if "not permitted to log in" in lowered:
        return "This user is disabled; ask your administrator."
    if "connection refused" in lowered or "no such file" in lowered or "could not connect" in lowered:
        return f"No database server answers at {where}; is it running?"
    if "timeout" in lowered or "timed out" in lowered:
        return f"The database server at {where} did not answer in time."
    if "could not translate host name" in lowered:
        return f"The server name in {where} is unknown."
    return f"Cannot connect to {where}: {detail}"


def set_session_timeouts(engine: Engine, *, lock_timeout: str) -> None:
    """Change the lock timeout of every new connection (tests use short ones)."""

    @event.listens_for(engine, "connect")
    def _set(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{lock_timeout}'")
