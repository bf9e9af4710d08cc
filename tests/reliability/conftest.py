"""Reliability tests: contention, crashes, reconnects and bad input against a real PostgreSQL.

The GUI fixtures (a QApplication, `clients.open(department)` giving a real person's ClientContext, and the
guard that answers forgotten modal questions) are shared with tests/gui.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from server_db.core.errors import DomainError
from tests.factories import World
from tests.gui.conftest import (  # noqa: F401 - fixtures used by the GUI reliability tests
    Clients,
    answer_forgotten_questions,
    clients,
    qapp,
    qapp_cls,
)

LEAKY_WORDS = ("psycopg2", "Traceback", "CONTEXT", "sqlalchemy", "erp.", "SQL:", "Error:")


def fingerprint(world: World) -> tuple[Any, ...]:
    """Every write leaves an audit row or an event; with stock and documents counted too, equal
    fingerprints mean nothing was written."""
    return world.db.run(
        lambda s: tuple(
            s.execute(
                text(
                    "SELECT (SELECT count(*) FROM erp.audit_log), (SELECT count(*) FROM erp.order_events),"
                    " (SELECT count(*) FROM erp.sales_orders), (SELECT count(*) FROM erp.sales_order_lines),"
                    " (SELECT count(*) FROM erp.stock_moves), (SELECT count(*) FROM erp.reservations),"
                    " (SELECT coalesce(sum(on_hand), 0) FROM erp.stock_levels)"
                )
            ).one()
        )
    )


def is_clear_sentence(message: str, *, echoed: str = "") -> bool:
    """What a clerk may read: one line of prose, no driver, SQL or stack in it (unless the clerk typed it:
    `echoed` is what they typed, which a message may quote)."""
    return (
        bool(message.strip())
        and "\n" not in message
        and len(message) < 400
        and not any(word in message and word not in echoed for word in LEAKY_WORDS)
    )


def assert_clear_refusal(refusal: DomainError, *, echoed: str = "") -> None:
    message = str(refusal)
    assert is_clear_sentence(message, echoed=echoed), f"{type(refusal).__name__}: {message!r}"
