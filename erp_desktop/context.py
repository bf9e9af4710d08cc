"""A logged-in client: its database handle as that person, who they are, the operation runner, the live
updates, and the change feed every window follows (fed by both)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject

from erp_desktop import departments
from erp_desktop.change_feed import ChangeFeed
from erp_desktop.live import LiveUpdates
from erp_desktop.operations import Operations
from server_db.core.db import Database
from server_db.people.identity import Identity


@dataclass
class ClientContext:
    database: Database
    identity: Identity
    operations: Operations
    live: LiveUpdates
    feed: ChangeFeed
    server_label: str = ""

    @classmethod
    def create(
        cls,
        database: Database,
        identity: Identity,
        *,
        server_label: str = "",
        parent: QObject | None = None,
        start_live: bool = True,
    ) -> ClientContext:
        feed = ChangeFeed(parent=parent)
        operations = Operations(database, feed=feed, parent=parent)
        live = LiveUpdates(database.url, operations, feed=feed, parent=parent)
        context = cls(database, identity, operations, live, feed, server_label)
        if start_live:
            live.start()
        return context

    @property
    def department(self) -> str:
        return self.identity.effective_department or ""

    def may(self, duty: str) -> bool:
        return departments.may(self.department, duty)

    def close(self) -> None:
        self.live.stop()
        self.operations.wait(10000)
        self.database.dispose()
