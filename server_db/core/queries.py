"""What every read query shares: rows as dicts, and the filters a list query takes.

Every list query takes optional `ids` so a window can refetch just the rows an event named.
Rows come back as dicts (column name -> value).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

Row = dict[str, Any]


@dataclass(frozen=True)
class Document:
    """A document's header and its lines, read together. `header` is None when there is no such document
    (or it is not in the state the read asked for)."""

    header: Row | None
    lines: list[Row] = field(default_factory=list)


def select_rows(session: Session, sql: str, **params: Any) -> list[Row]:
    return [dict(row) for row in session.execute(text(sql), params).mappings().all()]


class Where:
    """The WHERE clause of a list query, built from the optional filters it takes, each value a bound
    parameter. A filter given None is no filter:

        where = Where().ids("o.id", ids).any_of("o.state", states).equals("o.customer_id", customer_id)
        select_rows(session, f"SELECT ... FROM erp.sales_orders o WHERE {where.sql}", **where.params)
    """

    def __init__(self) -> None:
        self._conditions: list[str] = []
        self.params: dict[str, Any] = {}

    def _bind(self, value: Any) -> str:
        name = f"w{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def ids(self, column: str, ids: Iterable[Any] | None) -> Where:
        """Only these rows (a refetch of the rows an event named)."""
        return self if ids is None else self.condition(f"{column} = ANY({self._bind(list(ids))})")

    def any_of(self, column: str, values: Iterable[Any] | None) -> Where:
        return self if values is None else self.condition(f"{column} = ANY({self._bind(list(values))})")

    def none_of(self, column: str, values: Iterable[Any] | None) -> Where:
        return self if values is None else self.condition(f"{column} <> ALL({self._bind(list(values))})")

    def equals(self, column: str, value: Any | None) -> Where:
        return self if value is None else self.condition(f"{column} = {self._bind(value)}")

    def search(self, columns: Iterable[str], text: str | None) -> Where:
        """Any of the columns contains the text, ignoring case."""
        if not text:
            return self
        needle = self._bind(f"%{text}%")
        return self.condition("(" + " OR ".join(f"{column} ILIKE {needle}" for column in columns) + ")")

    def condition(self, sql: str) -> Where:
        self._conditions.append(sql)
        return self

    @property
    def sql(self) -> str:
        return " AND ".join(self._conditions) or "true"
