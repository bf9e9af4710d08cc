"""ORM mapping of the people who use the ERP (their passwords live only in PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server_db.core.models import (
    Base,
    now_column,
    session_user_column,
)


class User(Base):
    """A person: their PostgreSQL login role, name and department. Passwords live only in PostgreSQL."""

    __tablename__ = "users"
    login: Mapped[str] = mapped_column(Text, primary_key=True)
    full_name: Mapped[str] = mapped_column(Text, server_default=text("''"))
    department: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = session_user_column()
    created_at: Mapped[dt.datetime] = now_column()
