"""One change path: a window's own action and another client's action reach its rows the same way, through
the client's change feed, and the NOTIFY that later brings the window's own events again refetches nothing."""

from __future__ import annotations

from typing import Any

import pytest

from erp_desktop.change_feed import LIVE
from erp_desktop.live import CONNECTED
from erp_desktop.windows.sales import SalesWindow
from server_db.core.changes import Changes
from server_db.sales import services as sales
from tests.factories import World

pytestmark = [pytest.mark.gui, pytest.mark.db]


def test_own_and_foreign_changes_take_one_path_and_the_echo_is_dropped(world: World, clients, qtbot) -> None:
    world.stock("BUY-A", 10)
    order = world.order([("BUY-A", 2)])
    context = clients.open("sales")
    window = SalesWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.orders.loaded and context.live.status == CONNECTED, timeout=15000)

    fed: list[tuple[Changes, Any]] = []  # what the feed delivered, with its origin
    context.feed.changed.connect(lambda changes, origin: fed.append((changes, origin)))
    applied: list[Changes] = []  # what reached the window's one refresh path
    refresh = window.apply_changes

    def spy(changes: Changes) -> None:
        applied.append(changes)
        refresh(changes)

    window.apply_changes = spy  # type: ignore[method-assign]
    refetched: list[int] = []  # the order ids each refetch of the list asked for
    query = window.orders.query

    def counting(session: Any, **kwargs: Any) -> Any:
        refetched.extend(kwargs.get("ids") or [])
        return query(session, **kwargs)

    window.orders.query = counting
    heard_live: list[int] = []  # event ids the listener read from the outbox
    context.live.changed.connect(lambda changes: heard_live.extend(e.id for e in changes.events))

    # 1. the window's own action, while the listener is held back: its Changes alone refresh the row
    context.live.stop()
    assert window.orders.table.select_id(order)
    qtbot.waitUntil(lambda: window.confirm_action.isEnabled(), timeout=5000)
    window.confirm_action.trigger()
    state = lambda: (window.orders.table.source.record_by_id(order) or {}).get("state")  # noqa: E731
    qtbot.waitUntil(lambda: state() == "ready", timeout=10000)
    assert [origin for _, origin in fed] == [window]
    own = {event.id for event in fed[0][0].events}
    assert own and [changes.events for changes in applied] == [fed[0][0].events]
    assert refetched.count(order) == 1

    # 2. the listener comes back and reads the same events from the outbox: nothing is delivered again
    context.live.start()
    qtbot.waitUntil(lambda: own <= set(heard_live), timeout=10000)
    qtbot.wait(300)  # time for a refetch, had one been asked for
    assert len(fed) == 1 and len(applied) == 1
    assert refetched.count(order) == 1

    # 3. another client's action on the same order arrives by the same path, tagged "live"
    world.db.run(sales.cancel_order, order, reason="the customer changed their mind")
    qtbot.waitUntil(lambda: state() == "cancelled", timeout=10000)
    origins = [origin for _, origin in fed]
    assert origins[0] is window and set(origins[1:]) == {LIVE}
    assert len(applied) == len(fed) and not own & {event.id for changes in applied[1:] for event in changes.events}
    naming_the_order = sum(1 for changes, _ in fed if order in changes.sales_orders)
    assert refetched.count(order) == naming_the_order >= 2
