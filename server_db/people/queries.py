"""The people who use the ERP, with their department and whether they may log in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


def list_users(session: Session) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in session.execute(
            text(
                "SELECT login, full_name, department, active, sessions, created_at"
                " FROM erp.user_accounts ORDER BY login"
            )
        )
        .mappings()
        .all()
    ]
