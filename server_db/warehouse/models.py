"""ORM mapping of delivery notes and their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server_db.core.models import (
    Base,
    Quantity,
    Timestamp,
    Versioned,
    id_column,
    now_column,
    session_user_column,
    version_column,
)
from server_db.masterdata.models import Product
from server_db.sales.models import SalesOrder


class DeliveryNote(Versioned, Base):
    __tablename__ = "delivery_notes"
    id: Mapped[int] = id_column()
    number: Mapped[str] = mapped_column(Text, unique=True, server_default=text("erp.next_number('DN'::text)"))
    sales_order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    state: Mapped[str] = mapped_column(Text, server_default=text("'draft'"))
    delivery_address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    shipped_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    printed_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    printed_by: Mapped[str | None] = mapped_column(Text)
    print_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    version: Mapped[int] = version_column()
    created_by: Mapped[str] = session_user_column()
    created_at: Mapped[dt.datetime] = now_column()
    state_changed_by: Mapped[str] = session_user_column()
    state_changed_at: Mapped[dt.datetime] = now_column()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    sales_order: Mapped[SalesOrder] = relationship()
    lines: Mapped[list[DeliveryNoteLine]] = relationship(order_by="DeliveryNoteLine.line_no")


class DeliveryNoteLine(Base):
    __tablename__ = "delivery_note_lines"
    id: Mapped[int] = id_column()
    delivery_note_id: Mapped[int] = mapped_column(ForeignKey("delivery_notes.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    sales_order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    product: Mapped[Product] = relationship()
    __table_args__ = (UniqueConstraint("delivery_note_id", "line_no"),)
