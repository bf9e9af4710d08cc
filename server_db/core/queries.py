"""What every read query shares: rows as dicts, and the filters a list query takes.

Every list query takes optional `ids` so a window can refetch just the rows an event named.
Rows come back as dicts (column name -> value).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

Row = dict[str, Any]


def select_rows(session: Session, sql: str, **params: Any) -> list[Row]:
    return [dict(row) for row in session.execute(text(sql), params).mappings().all()]


def ids_clause(column: str, ids: Iterable[int] | None, params: dict[str, Any]) -> str:
    if ids is None:
        return "true"
    params["ids"] = list(ids)
    return f"{column} = ANY(:ids)"
