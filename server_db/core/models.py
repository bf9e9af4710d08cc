"""The ORM base every package's models share: the metadata with its naming convention, column types,
and the tables of the shared machinery (transitions, the outbox, the audit trail).

The migrations are the truth; a test checks that the models and the migrated database agree, column by
column. Writes that move a document through its workflow go through the database functions (see each
package's `services`); the models serve reads, master data and draft editing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TIMESTAMP, UserDefinedType

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(14, 2)
Quantity = Numeric(14, 3)
Rate = Numeric(5, 4)
Percent = Numeric(5, 2)
Timestamp = TIMESTAMP(timezone=True)


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id, read as an int."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        return lambda value: None if value is None else int(value)


ischema_names["xid8"] = Xid8  # so reflection (the models-versus-migrations check) knows the type


class Base(DeclarativeBase):
    metadata = MetaData(schema="erp", naming_convention=NAMING_CONVENTION)


def id_column() -> Mapped[int]:
    return mapped_column(BigInteger, Identity(), primary_key=True)


def now_column() -> Mapped[dt.datetime]:
    return mapped_column(Timestamp, server_default=text("now()"))


def session_user_column() -> Mapped[str]:
    return mapped_column(Text, server_default=text("SESSION_USER"))


def version_column() -> Mapped[int]:
    return mapped_column(Integer, server_default=text("1"))


class Versioned:
    """Rows edited in windows carry a version the database bumps on every update; SQLAlchemy puts the
    version read into the UPDATE's WHERE, so a concurrent change is refused, never silently overwritten."""

    version: Mapped[int]


class StateTransition(Base):
    __tablename__ = "state_transitions"
    document_type: Mapped[str] = mapped_column(Text, primary_key=True)
    from_state: Mapped[str] = mapped_column(Text, primary_key=True)
    to_state: Mapped[str] = mapped_column(Text, primary_key=True)


class ReplaceableObject(Base):
    """A function, view, trigger or script as `server_db.core.schema.sync` last applied it."""

    __tablename__ = "replaceable_objects"
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[dt.datetime] = now_column()


class OrderEvent(Base):
    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    xid: Mapped[int] = mapped_column(Xid8, server_default=text("pg_current_xact_id()"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=text("clock_timestamp()"))
    actor: Mapped[str] = session_user_column()
    event_type: Mapped[str] = mapped_column(Text)
    sales_order_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    document_type: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int] = mapped_column(BigInteger)
    document_no: Mapped[str | None] = mapped_column(Text)
    old_state: Mapped[str | None] = mapped_column(Text)
    new_state: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=text("clock_timestamp()"))
    actor: Mapped[str] = session_user_column()
    table_name: Mapped[str] = mapped_column(Text)
    row_id: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
    xid: Mapped[int] = mapped_column(Xid8, server_default=text("pg_current_xact_id()"))
    __table_args__ = (Index("ix_audit_log_table_name_row_id", "table_name", "row_id"),)


def load_all() -> type[Base]:
    """Import every package's models, so the metadata knows every table (for the models-versus-migrations
    check and anything else that walks the whole schema)."""
    import importlib
    import importlib.util
    import pkgutil

    import server_db

    for package in pkgutil.iter_modules(server_db.__path__):
        if package.ispkg and importlib.util.find_spec(f"server_db.{package.name}.models") is not None:
            importlib.import_module(f"server_db.{package.name}.models")
    return Base
