"""Each document's states and legal transitions, defined once.

A document package declares its workflow in its `states.py` with `define(...)`: a StrEnum of its states,
the legal (from, to) pairs, and named groups of states that queries and SQL functions share ("open",
"active"). Everything else is derived from that one definition:

- the database's table of legal transitions (`erp.state_transitions`), which the transition trigger
  enforces for every writer, psql included;
- `erp.states(document_type, group)`, which the CHECK constraints on the state columns and the workflow
  functions use instead of typing state lists again;
- `erp.document_label(document_type)`, the label in the database's sentences.

The schema sync (`server_db.core.schema`) writes them from here whenever a definition changes. 'new' is the
pseudo-state a document starts from.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from server_db.core.errors import InvalidTransition

NEW = "new"


@dataclass(frozen=True)
class Workflow:
    """One document's states, legal transitions and named groups of states."""

    document_type: str
    label: str
    table: str
    states: type[StrEnum]
    transitions: frozenset[tuple[str, str]]
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def check(self, current: str, target: str, *, number: str = "") -> None:
        """Refuse a transition that is not in the table, with the sentence the database would give."""
        if (current, target) not in self.transitions:
            raise InvalidTransition(
                f"{self.label} {number} is {label(current)} and cannot become {label(target)}.".replace("  ", " ")
            )

    def can_become(self, state: str | None, target: str) -> bool:
        return (state, target) in self.transitions

    def initial_states(self) -> set[str]:
        return {to for frm, to in self.transitions if frm == NEW}

    def group(self, name: str) -> list[str]:
        """The states of a group in the enum's order (a stable order for SQL and for screens)."""
        members = self.groups[name]
        return [state.value for state in self.states if state in members]

    def outside(self, name: str) -> list[str]:
        """The states not in a group ('closed' and 'cancelled' for a sales order's "open")."""
        members = self.groups[name]
        return [state.value for state in self.states if state not in members]


_REGISTRY: dict[str, Workflow] = {}


def define(
    document_type: str,
    *,
    label: str,
    table: str,
    states: type[StrEnum],
    transitions: Iterable[tuple[str, str]],
    groups: Mapping[str, Iterable[str]] | None = None,
) -> Workflow:
    """Declare a document's workflow (called once, from its package's states.py)."""
    known = {state.value for state in states} | {NEW}
    pairs = frozenset((str(a), str(b)) for a, b in transitions)
    for frm, to in pairs:
        if frm not in known or to not in known:
            raise ValueError(f"{document_type}: transition {frm} -> {to} names an unknown state")
    grouped = {name: frozenset(str(s) for s in members) for name, members in (groups or {}).items()}
    for name, members in grouped.items():
        if not members <= known - {NEW}:
            raise ValueError(f"{document_type}: group {name} names unknown states {sorted(members - known)}")
    flow = Workflow(document_type, label, table, states, pairs, grouped)
    _REGISTRY[document_type] = flow
    return flow


def workflows() -> dict[str, Workflow]:
    """Every document's workflow: each package with a states.py is found and imported."""
    import server_db

    for package in pkgutil.iter_modules(server_db.__path__):
        if package.ispkg and importlib.util.find_spec(f"server_db.{package.name}.states") is not None:
            importlib.import_module(f"server_db.{package.name}.states")
    return dict(sorted(_REGISTRY.items()))


def workflow(document_type: str) -> Workflow:
    if document_type not in _REGISTRY:
        workflows()
    return _REGISTRY[document_type]


class _View(Mapping[str, Any]):
    """A read-only view of one attribute of every workflow, by document type."""

    def __init__(self, attribute: Callable[[Workflow], Any]) -> None:
        self._attribute = attribute

    def __getitem__(self, document_type: str) -> Any:
        return self._attribute(workflow(document_type))

    def __iter__(self) -> Iterator[str]:
        return iter(workflows())

    def __len__(self) -> int:
        return len(workflows())


STATES: Mapping[str, type[StrEnum]] = _View(lambda w: w.states)
TRANSITIONS: Mapping[str, frozenset[tuple[str, str]]] = _View(lambda w: w.transitions)
DOCUMENT_LABELS: Mapping[str, str] = _View(lambda w: w.label)


def label(state: str) -> str:
    """How a state reads on screen: 'partially_shipped' -> 'partially shipped'."""
    return str(state).replace("_", " ")


def check_transition(document_type: str, current: str, target: str, *, number: str = "") -> None:
    workflow(document_type).check(current, target, number=number)


def can_become(document_type: str, state: str | None, target: str) -> bool:
    """Whether a document in `state` may become `target`: the table the database enforces, for windows
    that offer an action only where it can succeed."""
    return workflow(document_type).can_become(state, target)


def initial_states(document_type: str) -> set[str]:
    return workflow(document_type).initial_states()


# -- what the database is given -------------------------------------------------------------------------


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_array(values: Iterable[str]) -> str:
    return "ARRAY[" + ", ".join(_sql_text(v) for v in values) + "]::text[]"


def states_function() -> str:
    """`erp.states(document_type, group)`: a document's states, or one group of them (IMMUTABLE, so a
    call with constant arguments is folded into the plan and a CHECK constraint may use it)."""
    cases = []
    for flow in workflows().values():
        cases.append(
            f"        WHEN p_document_type = {_sql_text(flow.document_type)} AND p_group IS NULL"
            f" THEN {_sql_array(s.value for s in flow.states)}"
        )
        for name in sorted(flow.groups):
            cases.append(
                f"        WHEN p_document_type = {_sql_text(flow.document_type)} AND p_group = {_sql_text(name)}"
                f" THEN {_sql_array(flow.group(name))}"
            )
    return (
        "-- Generated from the workflows in server_db/*/states.py: a document's states, or one named group.\n"
        "CREATE OR REPLACE FUNCTION erp.states(p_document_type text, p_group text DEFAULT NULL) RETURNS text[]\n"
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$\n"
        "    SELECT CASE\n" + "\n".join(cases) + "\n    END\n$$;\n"
    )


def labels_function() -> str:
    """`erp.document_label(document_type)`: 'Sales order' for 'sales_order'."""
    cases = "\n".join(
        f"        WHEN {_sql_text(flow.document_type)} THEN {_sql_text(flow.label)}" for flow in workflows().values()
    )
    return (
        "-- Generated from the workflows in server_db/*/states.py.\n"
        "CREATE OR REPLACE FUNCTION erp.document_label(document_type text) RETURNS text\n"
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$\n"
        "    SELECT CASE document_type\n" + cases + "\n"
        "        ELSE initcap(replace(document_type, '_', ' '))\n    END\n$$;\n"
    )


def transitions_script() -> str:
    """The table of legal transitions, written whole."""
    rows = [
        f"    ({_sql_text(flow.document_type)}, {_sql_text(frm)}, {_sql_text(to)})"
        for flow in workflows().values()
        for frm, to in sorted(flow.transitions)
    ]
    return (
        "-- Generated from the workflows in server_db/*/states.py.\n"
        "DELETE FROM erp.state_transitions;\n"
        "INSERT INTO erp.state_transitions (document_type, from_state, to_state) VALUES\n" + ",\n".join(rows) + ";\n"
    )
