"""Running database work off the GUI thread.

Every service call and query goes through `Operations.run`: it runs in a worker thread (one database
connection per worker, from the engine's pool) and its result or error comes back on the GUI thread by
signal. Widgets are only ever touched on the GUI thread, and a slow query or a locked row never freezes
a window. A callback whose owner widget has been closed meanwhile is dropped.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from server_db.db import Database

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits through it so slots run on the GUI thread."""

    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(
        self,
        database: Database | None,
        function: Callable[..., Any],
        args: tuple,
        kwargs: dict,
        relay: _Relay,
        raw: bool,
    ) -> None:
        super().__init__()
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
            self.relay.failed.emit(exc)
        else:
            self.relay.succeeded.emit(result)


class Operations(QObject):
    """The one door to the database for windows. `busy_changed(n)` tells how many operations are running."""

    busy_changed = Signal(int)
    error = Signal(object, object)  # (exception, owner widget or None): shown by the window that owns it

    def __init__(self, database: Database | None, *, threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._running = 0
        self._relays: set[_Relay] = set()

    def run(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        owner: QObject | None = None,
        raw: bool = False,
        **kwargs: Any,
    ) -> None:
        """Run `function(session, *args, **kwargs)` in its own transaction on a worker thread (or, with
        raw=True, `function(*args, **kwargs)` as it is). `on_done(result)` / `on_error(exception)` run on
        the GUI thread; without on_error the error goes to the `error` signal."""
        relay = _Relay()
        self._relays.add(relay)

        def finish() -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            self._running -= 1
            self.busy_changed.emit(self._running)

        def succeeded(result: Any) -> None:
            finish()
            if on_done is not None and _alive(owner):
                on_done(result)

        def failed(exc: BaseException) -> None:
            finish()
            if not _alive(owner):
                return
            if not isinstance(exc, Exception):
                raise exc
            _log_unexpected(exc)
            if on_error is not None:
                on_error(exc)
            else:
                self.error.emit(exc, owner)

        relay.succeeded.connect(succeeded)
        relay.failed.connect(failed)
        self._running += 1
        self.busy_changed.emit(self._running)
        self.pool.start(_Job(self.database, function, args, kwargs, relay, raw))

    @property
    def running(self) -> int:
        return self._running

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)


def _alive(owner: QObject | None) -> bool:
    return owner is None or shiboken6.isValid(owner)


def _log_unexpected(exc: BaseException) -> None:
    from server_db.errors import DatabaseUnavailable, DomainError
    from server_db.events import ListenerDisconnected

    if isinstance(exc, (ListenerDisconnected, DatabaseUnavailable)):
        log.info("database not reachable: %s", exc)  # the window says 'reconnecting'; no trace needed
    elif not isinstance(exc, DomainError):
        log.error("operation failed: %s", getattr(exc, "__traceback_text__", repr(exc)))
