"""`python main.py --role warehouse`: the client logs in as the department's demo user and opens the window
the department table names, with no login dialog."""

from __future__ import annotations

import argparse
import uuid

import pytest

from erp_desktop.app import Application
from erp_desktop.windows.warehouse import WarehouseWindow
from server_db.people import services as people
from tests.factories import World

pytestmark = [pytest.mark.gui, pytest.mark.db]


def test_role_opens_the_departments_window_as_its_demo_user(
    world: World, db_url: str, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    login = f"demo_{uuid.uuid4().hex[:6]}_warehouse"  # login roles are shared by every database on a server
    monkeypatch.setattr(people, "demo_login", lambda department: login)
    world.db.run(people.create_user, login=login, department="warehouse", password=people.DEMO_PASSWORD)
    app = Application(argparse.Namespace(db=db_url, role="warehouse", verbose=False))
    try:
        app.start()
        assert app.dialog is None
        qtbot.waitUntil(lambda: "warehouse" in app.windows, timeout=15000)
        window = app.windows["warehouse"]
        assert isinstance(window, WarehouseWindow)
        assert window.context.identity.login == login and window.context.department == "warehouse"
        assert window.ship_action is not None and window.context.may("ship")
    finally:
        app.shutdown()
