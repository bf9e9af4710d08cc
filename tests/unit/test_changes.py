from __future__ import annotations

import datetime as dt

from server_db.core.changes import Changes, Event


def event(id: int, document_type: str, document_id: int, order: int | None) -> Event:
    return Event(
        id=id,
        xid=1,
        created_at=dt.datetime.now(dt.UTC),
        actor="anna",
        event_type="updated",
        sales_order_id=order,
        document_type=document_type,
        document_id=document_id,
        document_no=None,
        old_state=None,
        new_state=None,
    )


def test_events_name_the_rows_that_changed() -> None:
    changes = Changes.from_events([event(1, "invoice", 7, 3), event(2, "product", 9, None)])
    assert changes.invoices == {7}
    assert changes.sales_orders == {3}
    assert changes.products == {9}
    assert not changes.purchase_orders


def test_merging_keeps_each_event_once() -> None:
    a = Changes.from_events([event(1, "sales_order", 1, 1)], id=1)
    b = Changes.from_events([event(1, "sales_order", 1, 1), event(2, "delivery_note", 4, 1)], id=4)
    merged = a | b
    assert [e.id for e in merged.events] == [1, 2]
    assert merged.delivery_notes == {4}
    assert merged.id == 1
    assert not Changes()


def test_the_events_of_one_document_and_of_documents_created_or_moved() -> None:
    created = event(1, "purchase_order", 5, None)
    created = Event(**{**created.__dict__, "event_type": "created", "document_no": "PO-1"})
    sent = Event(**{**created.__dict__, "id": 2, "event_type": "state_changed", "new_state": "sent"})
    other = event(3, "invoice", 9, 4)
    changes = Changes.from_events([created, sent, other])
    assert changes.created("purchase_order") == [created]
    assert changes.latest("purchase_order", 5) == sent and changes.latest("purchase_order", 6) is None
    assert changes.became("purchase_order", "sent") == [sent] and changes.became("invoice", "paid") == []


def test_the_documents_of_any_type_are_found_by_name() -> None:
    import datetime as dt

    from server_db.core.changes import Changes, Event

    def event(n: int, document_type: str, document_id: int) -> Event:
        return Event(n, n, dt.datetime.now(dt.UTC), "x", "created", None, document_type, document_id, None, None, "new")

    changes = Changes.from_events([event(1, "customer_return", 7), event(2, "customer_return", 8), event(3, "x", 9)])
    assert changes.of("customer_return") == {7, 8}
    assert changes.of("sales_order") == frozenset()
