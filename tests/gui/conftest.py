"""GUI tests: real windows (offscreen Qt) over a real database, each person logged in as their own role."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from erp_desktop.app import make_application
from erp_desktop.context import ClientContext
from server_db.core.db import Database
from server_db.people import queries as people_queries
from server_db.people import services as people
from server_db.people.identity import whoami
from tests.factories import World

PASSWORD = "gui-pass-1"


@pytest.fixture(scope="session")
def qapp_cls():
    return type(make_application())


@pytest.fixture(scope="session")
def qapp(qapp_cls):
    return make_application()


class Clients:
    """Log people in: `clients.open("sales")` gives a ClientContext as a user of that department."""

    def __init__(self, world: World, db_url: str) -> None:
        self.world = world
        self.db_url = db_url
        self.prefix = f"g{uuid.uuid4().hex[:6]}"
        self.contexts: list[ClientContext] = []

    def login(self, department: str) -> str:
        login = f"{self.prefix}_{department}"
        if not self.world.db.run(lambda s: any(u["login"] == login for u in people_queries.list_users(s))):
            self.world.db.run(
                people.create_user,
                login=login,
                department=department,
                password=PASSWORD,
                full_name=f"{department.capitalize()} Clerk",
            )
        return login

    def url(self, department: str) -> str:
        return (
            make_url(self.db_url)
            ._replace(username=self.login(department), password=PASSWORD)
            .render_as_string(hide_password=False)
        )

    def open(self, department: str) -> ClientContext:
        database = Database(self.url(department), pool_size=2)
        identity = database.run(whoami)
        context = ClientContext.create(database, identity, server_label="test")
        self.contexts.append(context)
        return context

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="session", autouse=True)
def answer_forgotten_questions(qapp) -> Iterator[None]:
    """A window closed when a test ends may ask 'discard unsaved changes?'; offscreen nobody would answer and
    the run would hang. A modal question left open for 5 seconds is answered No (nothing is discarded); tests
    that drive a dialog do so long before that."""
    import time

    import shiboken6
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

    seen: dict[int, float] = {}

    def dismiss() -> None:
        now = time.monotonic()
        for widget in QApplication.topLevelWidgets():
            key = shiboken6.getCppPointer(widget)[0]  # Python wrappers come and go; the C++ object stays
            if not (isinstance(widget, QDialog) and widget.isModal() and widget.isVisible()):
                seen.pop(key, None)
                continue
            if now - seen.setdefault(key, now) > 5:
                seen.pop(key, None)
                if isinstance(widget, QMessageBox):
                    widget.done(QMessageBox.StandardButton.No)
                else:
                    widget.reject()

    timer = QTimer()
    timer.setInterval(250)
    timer.timeout.connect(dismiss)
    timer.start()
    yield
    timer.stop()


@pytest.fixture
def clients(world: World, db_url: str, qapp) -> Iterator[Clients]:
    result = Clients(world, db_url)
    yield result
    result.close()
