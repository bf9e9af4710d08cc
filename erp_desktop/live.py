"""Live updates in the Qt event loop.

A QSocketNotifier on the listener connection's socket wakes the event loop when PostgreSQL sends a
notification (no polling timer); the bridge then reads the events committed since it last looked, emits one
`changed(Changes)` and publishes the same to the client's ChangeFeed (origin LIVE), which is what windows
follow. When the connection drops it says 'reconnecting', retries with back-off off the GUI
thread, and on success catches up from where it was: nothing missed, nothing applied twice.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from erp_desktop.change_feed import LIVE, ChangeFeed
from erp_desktop.operations import Operations
from server_db.core.changes import Changes
from server_db.core.events import EventListener, ListenerDisconnected

log = logging.getLogger(__name__)

CONNECTED, RECONNECTING, OFFLINE = "connected", "reconnecting", "offline"
_BACKOFF = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0)  # seconds between reconnection attempts
_PENDING_RETRY_MS = (2, 5, 10, 25, 50, 100, 250, 500, 1000)


class LiveUpdates(QObject):
    """Emits `changed(Changes)` for every batch of new events read from the outbox (and publishes it to
    `feed`), and `status_changed(str)`."""

    changed = Signal(object)
    status_changed = Signal(str)

    def __init__(
        self, url: str, operations: Operations, *, feed: ChangeFeed | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.listener = EventListener(url, application_name="erp-desktop-listener")
        self.operations = operations
        self.feed = feed
        self.status = OFFLINE
        self._notifier: QSocketNotifier | None = None
        self._attempt = 0
        self._pending_step = 0
        self._stopped = False
        self._connecting = False
        self._retry = QTimer(self, singleShot=True)
        self._retry.timeout.connect(self._reconnect)
        self._pending = QTimer(self, singleShot=True)
        self._pending.timeout.connect(self._fetch)

    # -- public ----------------------------------------------------------------------------------------

    def start(self) -> None:
        self._stopped = False
        self._reconnect()

    def stop(self) -> None:
        self._stopped = True
        self._retry.stop()
        self._pending.stop()
        self._drop_notifier()
        self.listener.close()
        self._set_status(OFFLINE)

    # -- internals -------------------------------------------------------------------------------------

    def _set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            self.status_changed.emit(status)

    def _reconnect(self) -> None:
        if self._stopped or self._connecting:
            return
        self._connecting = True
        # connecting may take seconds when the server is away: never on the GUI thread
        self.operations.run(
            self.listener.connect, raw=True, on_done=self._connected, on_error=self._connect_failed, owner=self
        )

    def _connected(self, _result: object) -> None:
        self._connecting = False
        if self._stopped:
            self.listener.close()
            return
        self._attempt = 0
        self._drop_notifier()
        self._notifier = QSocketNotifier(self.listener.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._fetch)
        self._set_status(CONNECTED)
        self._fetch()  # catch up on whatever happened while we were away

    def _connect_failed(self, exc: BaseException) -> None:
        self._connecting = False
        log.info("listener could not connect: %s", exc)
        self._lost()

    def _lost(self) -> None:
        self._drop_notifier()
        self.listener.close()
        if self._stopped:
            return
        self._set_status(RECONNECTING)
        delay = _BACKOFF[min(self._attempt, len(_BACKOFF) - 1)]
        self._attempt += 1
        self._retry.start(int(delay * 1000))

    def _drop_notifier(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None

    def _fetch(self) -> None:
        if not self.listener.connected:
            return
        try:
            result = self.listener.fetch()
        except ListenerDisconnected as exc:
            log.info("listener lost its connection: %s", exc)
            self._lost()
            return
        if result.events:
            changes = Changes.from_events(result.events)
            self.changed.emit(changes)
            if self.feed is not None:
                self.feed.publish(changes, LIVE)
        if result.pending:
            # committed events wait behind an older transaction that has not ended yet: look again soon
            delay = _PENDING_RETRY_MS[min(self._pending_step, len(_PENDING_RETRY_MS) - 1)]
            self._pending_step += 1
            self._pending.start(delay)
        else:
            self._pending_step = 0
