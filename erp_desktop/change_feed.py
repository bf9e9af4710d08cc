"""One change path for a client, as Anki's `operation_did_execute`.

What changed reaches the windows by a single signal, `ChangeFeed.changed(changes, origin)`, wherever it
came from: an operation this client ran (`Operations` publishes the `Changes` its service returned, tagged
with the widget that started it) or another client (`LiveUpdates` publishes what it read from the outbox,
tagged "live"). A window's own action therefore refreshes its rows the moment the operation returns, and by
the same code that follows other people's work.

The outbox then brings the same events again, by NOTIFY, a moment later. The feed remembers the ids of the
events it has delivered (the most recent `remember` of them) and drops repeats, so that second arrival
refetches nothing; a batch with nothing new left is not emitted at all.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, Signal

from server_db.core.changes import Changes

LIVE = "live"  # the origin of what the live listener read: another client, a script, psql...


class ChangeFeed(QObject):
    """`changed(Changes, origin)`: the origin is the widget whose operation made the change, or LIVE."""

    changed = Signal(object, object)

    def __init__(self, *, remember: int = 20_000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._delivered: set[int] = set()
        self._order: deque[int] = deque()
        self._remember = remember

    def publish(self, changes: Changes, origin: object) -> Changes:
        """Deliver what is new in `changes`; returns what was delivered (empty if nothing was)."""
        fresh = [event for event in changes.events if event.id not in self._delivered]
        if changes.events and not fresh:
            return Changes()
        if len(fresh) < len(changes.events):
            changes = Changes.from_events(fresh, id=changes.id)
        if not changes:
            return Changes()
        for event in fresh:
            self._delivered.add(event.id)
            self._order.append(event.id)
        while len(self._order) > self._remember:
            self._delivered.discard(self._order.popleft())
        self.changed.emit(changes, origin)
        return changes

    def delivered(self, event_id: int) -> bool:
        return event_id in self._delivered


def changes_in(result: object) -> Changes | None:
    """The Changes an operation's result carries: the result itself, or its `changes` field."""
    if isinstance(result, Changes):
        return result
    changes = getattr(result, "changes", None)
    return changes if isinstance(changes, Changes) else None
