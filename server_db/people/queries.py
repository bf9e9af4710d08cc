"""The people who use the ERP, with their department and whether they may log in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from server_db.core.queries import Row, Where, select_rows


def list_users(session: Session, *, ids: Iterable[str] | None = None) -> list[Row]:
    """Every user (or those whose logins `ids` names): department, whether they may log in, open sessions."""
    where = Where().ids("login", ids)
    return select_rows(
        session,
        "SELECT login, full_name, department, active, sessions, created_at"
        f" FROM erp.user_accounts WHERE {where.sql} ORDER BY login",
        **where.params,
    )


def open_sessions(session: Session) -> list[Row]:
    """The sessions on this database, the longest-open transaction first, with how many others each holds up."""
    return select_rows(session, "SELECT * FROM erp.open_sessions()")


def blocking_sessions(session: Session) -> list[Row]:
    """Who waits for a lock held by whom."""
    return select_rows(session, "SELECT * FROM erp.blocking_sessions()")


@dataclass(frozen=True)
class SessionOverview:
    """The open sessions and who waits for whom, read together."""

    sessions: list[Row]
    waits: list[Row]


def session_overview(session: Session) -> SessionOverview:
    return SessionOverview(open_sessions(session), blocking_sessions(session))
