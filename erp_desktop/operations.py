"""Running database work off the GUI thread.

Every service call and query goes through `Operations.run`: it runs in a worker thread (one database
connection per worker, from the engine's pool) and its result or error comes back on the GUI thread by
signal. Widgets are only ever touched on the GUI thread, and a slow query or a locked row never freezes
a window. A callback whose owner widget has been closed meanwhile is dropped.

When a service returns what it changed (a `Changes`, or a result with a `changes` field), that goes to the
client's `ChangeFeed` after `on_done`, tagged with the owner, whether or not the owner is still open: the
other windows of the client follow the change the same way they follow another client's.

Python's cycle collector runs on the GUI thread only (`erp_desktop.collector`): a collection on a worker
could destroy a widget there and freeze the client.
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from erp_desktop import collector
from erp_desktop.change_feed import ChangeFeed, changes_in
from server_db.core.db import Database

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the GUI thread as long as its Operations; workers emit through it, tagged with the job's
    number, so results arrive on the GUI thread. One relay for all jobs: no QObject is created on one thread
    and deleted on another for every operation."""

    succeeded = Signal(int, object)
    failed = Signal(int, object)


class _Job(QRunnable):
    def __init__(
        self,
        number: int,
        database: Database | None,
        function: Callable[..., Any],
        args: tuple,
        kwargs: dict,
        relay: _Relay,
        raw: bool,
    ) -> None:
        super().__init__()
        self.number = number
        self.database = database
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.relay = relay
        self.raw = raw
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            if self.raw or self.database is None:
                result = self.function(*self.args, **self.kwargs)
            else:
                result = self.database.run(self.function, *self.args, **self.kwargs)
        except BaseException as exc:  # handed to the GUI thread, which decides what the person sees
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.relay.failed.emit(self.number, exc)
        else:
            self.relay.succeeded.emit(self.number, result)


@dataclass
class _Waiting:
    on_done: Callable[[Any], object] | None
    on_error: Callable[[BaseException], None] | None
    owner: QObject | None


class Operations(QObject):
    """The one door to the database for windows. `busy_changed(n)` tells how many operations are running."""

    busy_changed = Signal(int)
    error = Signal(object, object)  # (exception, owner widget or None): shown by the window that owns it

    def __init__(
        self,
        database: Database | None,
        *,
        threads: int = 2,
        feed: ChangeFeed | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.feed = feed
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._waiting: dict[int, _Waiting] = {}
        self._numbers = itertools.count(1)
        self._relay = _Relay(self)
        self._relay.succeeded.connect(self._succeeded)
        self._relay.failed.connect(self._failed)
        collector.install()  # cycles are collected on the GUI thread, never on a worker

    def run(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], object] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        owner: QObject | None = None,
        raw: bool = False,
        **kwargs: Any,
    ) -> None:
        """Run `function(session, *args, **kwargs)` in its own transaction on a worker thread (or, with
        raw=True, `function(*args, **kwargs)` as it is). `on_done(result)` / `on_error(exception)` run on
        the GUI thread; without on_error the error goes to the `error` signal."""
        number = next(self._numbers)
        self._waiting[number] = _Waiting(on_done, on_error, owner)
        self.busy_changed.emit(self.running)
        self.pool.start(_Job(number, self.database, function, args, kwargs, self._relay, raw))

    def _finish(self, number: int) -> _Waiting | None:
        waiting = self._waiting.pop(number, None)
        self.busy_changed.emit(self.running)
        return waiting

    def _succeeded(self, number: int, result: Any) -> None:
        waiting = self._finish(number)
        owner = waiting.owner if waiting is not None and _alive(waiting.owner) else None
        try:
            if waiting is not None and waiting.on_done is not None and _alive(waiting.owner):
                waiting.on_done(result)
        finally:
            changes = changes_in(result)
            if changes and self.feed is not None:
                self.feed.publish(changes, owner)

    def _failed(self, number: int, exc: BaseException) -> None:
        waiting = self._finish(number)
        if waiting is None or not _alive(waiting.owner):
            return
        if not isinstance(exc, Exception):
            raise exc
        _log_unexpected(exc)
        if waiting.on_error is not None:
            waiting.on_error(exc)
        else:
            self.error.emit(exc, waiting.owner)

    @property
    def running(self) -> int:
        return len(self._waiting)

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)


def _alive(owner: QObject | None) -> bool:
    return owner is None or shiboken6.isValid(owner)


def _log_unexpected(exc: BaseException) -> None:
    from server_db.core.errors import DatabaseUnavailable, DomainError
    from server_db.core.events import ListenerDisconnected

    if isinstance(exc, (ListenerDisconnected, DatabaseUnavailable)):
        log.info("database not reachable: %s", exc)  # the window says 'reconnecting'; no trace needed
    elif not isinstance(exc, DomainError):
        log.error("operation failed: %s", getattr(exc, "__traceback_text__", repr(exc)))
