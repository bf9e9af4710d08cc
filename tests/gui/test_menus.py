"""Every window's menu bar lists every action of its toolbars, with its shortcut, so that no shortcut is
discoverable only through a tooltip."""

from __future__ import annotations

import pytest

from erp_desktop.departments import window_class
from server_db.core.departments import DEPARTMENTS
from tests.gui.conftest import Clients

pytestmark = [pytest.mark.gui, pytest.mark.db]


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_the_actions_menu_lists_every_toolbar_action_with_its_shortcut(
    clients: Clients, qtbot, department: str
) -> None:
    window = window_class(department)(clients.open(department))
    qtbot.addWidget(window)
    menus = {action.text().replace("&", ""): action.menu() for action in window.menuBar().actions()}
    assert {"File", "Actions", "View"} <= set(menus)
    in_menu = set(menus["Actions"].actions())
    on_toolbars = [a for a in window.toolbar.actions() if not a.isSeparator()]
    master_data = window.findChild(type(window.toolbar), "masterData")
    if master_data is not None:
        on_toolbars += [a for a in master_data.actions() if not a.isSeparator()]
    assert on_toolbars, "a window without actions"
    assert [a.text() for a in on_toolbars if a not in in_menu] == []
    # the menu shows each action's shortcut beside it: the action carries it
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for a in in_menu if not a.shortcut().isEmpty()}
    assert shortcuts, "no shortcut is listed"
    refresh = [a for a in menus["View"].actions() if a.text().replace("&", "") == "Refresh"]
    assert refresh and refresh[0].shortcut().toString() == "F5"
