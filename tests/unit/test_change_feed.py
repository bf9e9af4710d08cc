"""The change feed: one path for what changed, each event delivered once, in bounded memory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from erp_desktop.change_feed import LIVE, ChangeFeed, changes_in
from server_db.core.changes import Changes, Event


def event(id: int, document_type: str = "sales_order", document_id: int = 1) -> Event:
    return Event(
        id=id,
        xid=1,
        created_at=dt.datetime.now(dt.UTC),
        actor="anna",
        event_type="state_changed",
        sales_order_id=document_id if document_type == "sales_order" else None,
        document_type=document_type,
        document_id=document_id,
        document_no=None,
        old_state="draft",
        new_state="confirmed",
    )


def listen(feed: ChangeFeed) -> list[tuple[Changes, Any]]:
    heard: list[tuple[Changes, Any]] = []
    feed.changed.connect(lambda changes, origin: heard.append((changes, origin)))
    return heard


def test_an_operation_and_the_later_notify_of_the_same_events_are_delivered_once(qapp) -> None:
    feed = ChangeFeed()
    heard = listen(feed)
    window = object()
    own = Changes.from_events([event(1), event(2, "delivery_note", 7)], id=7)
    assert feed.publish(own, window) == own
    assert feed.publish(Changes.from_events([event(1), event(2, "delivery_note", 7)]), LIVE) == Changes()
    assert [(changes.id, origin) for changes, origin in heard] == [(7, window)]


def test_a_batch_with_some_new_events_delivers_only_those(qapp) -> None:
    feed = ChangeFeed()
    heard = listen(feed)
    feed.publish(Changes.from_events([event(1, "sales_order", 1)]), "window")
    feed.publish(Changes.from_events([event(1, "sales_order", 1), event(2, "invoice", 9)]), LIVE)
    changes, origin = heard[-1]
    assert origin == LIVE
    assert [e.id for e in changes.events] == [2]
    assert changes.invoices == {9} and changes.sales_orders == frozenset()


def test_nothing_is_emitted_for_nothing(qapp) -> None:
    feed = ChangeFeed()
    heard = listen(feed)
    feed.publish(Changes(), LIVE)
    assert heard == []
    # a change without events (people are not in the outbox) still goes through as it is
    feed.publish(Changes(products=frozenset({3})), "window")
    assert heard[0][0].products == {3}


def test_memory_is_bounded_and_the_oldest_ids_are_forgotten_first(qapp) -> None:
    feed = ChangeFeed(remember=3)
    for number in range(1, 6):
        feed.publish(Changes.from_events([event(number)]), LIVE)
    assert [feed.delivered(number) for number in range(1, 6)] == [False, False, True, True, True]


def test_the_changes_of_an_operations_result_are_found() -> None:
    changes = Changes.from_events([event(1)])

    class Result:
        def __init__(self) -> None:
            self.changes = changes

    assert changes_in(changes) is changes
    assert changes_in(Result()) is changes
    assert changes_in(3) is None and changes_in({"changes": changes}) is None
