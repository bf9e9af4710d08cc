from __future__ import annotations

import pytest

from server_db.core.errors import InvalidTransition
from server_db.core.workflow import STATES, TRANSITIONS, check_transition, initial_states


def test_every_transition_names_known_states() -> None:
    for document_type, pairs in TRANSITIONS.items():
        known = set(STATES[document_type]) | {"new"}
        for frm, to in pairs:
            assert frm in known and to in known, (document_type, frm, to)


def test_every_state_is_reachable_from_new() -> None:
    for document_type, pairs in TRANSITIONS.items():
        reached = {"new"}
        frontier = {"new"}
        while frontier:
            frontier = {to for frm, to in pairs if frm in frontier} - reached
            reached |= frontier
        assert reached - {"new"} == set(STATES[document_type]), document_type


def test_refusal_reads_as_a_sentence() -> None:
    with pytest.raises(InvalidTransition, match="Sales order SO-2026-00001 is shipped and cannot become draft."):
        check_transition("sales_order", "shipped", "draft", number="SO-2026-00001")
    check_transition("sales_order", "draft", "confirmed")


def test_documents_start_where_expected() -> None:
    assert initial_states("sales_order") == {"draft"}
    assert initial_states("delivery_note") == {"draft", "picked"}
