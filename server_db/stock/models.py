"""ORM mapping of the stock ledger: levels per product and warehouse, the moves, and what is reserved
for whom."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

import server_db.production.models
import server_db.sales.models  # noqa: F401 - sales_order_lines, a foreign key's table
from server_db.core.models import (
    Base,
    Quantity,
    id_column,
    now_column,
    session_user_column,
)


class StockLevel(Base):
    __tablename__ = "stock_levels"
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    on_hand: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))
    reserved: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))


class StockMove(Base):
    __tablename__ = "stock_moves"
    id: Mapped[int] = id_column()
    product_id: Mapped[int] = mapped_column(BigInteger, index=True)
    warehouse_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    kind: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, server_default=text("''"))
    purchase_order_line_id: Mapped[int | None] = mapped_column(BigInteger)
    delivery_note_line_id: Mapped[int | None] = mapped_column(BigInteger)
    production_order_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str] = session_user_column()
    created_at: Mapped[dt.datetime] = now_column()
    __table_args__ = (
        ForeignKeyConstraint(["product_id", "warehouse_id"], ["stock_levels.product_id", "stock_levels.warehouse_id"]),
    )


class Reservation(Base):
    __tablename__ = "reservations"
    id: Mapped[int] = id_column()
    product_id: Mapped[int] = mapped_column(BigInteger, index=True)
    warehouse_id: Mapped[int] = mapped_column(BigInteger)
    sales_order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_order_lines.id", ondelete="CASCADE"), unique=True
    )
    production_component_id: Mapped[int | None] = mapped_column(
        ForeignKey("production_components.id", ondelete="CASCADE"), unique=True
    )
    quantity: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))
    __table_args__ = (
        ForeignKeyConstraint(["product_id", "warehouse_id"], ["stock_levels.product_id", "stock_levels.warehouse_id"]),
    )
