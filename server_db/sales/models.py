"""ORM mapping of sales orders and their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server_db.core.models import (
    Base,
    Money,
    Percent,
    Quantity,
    Rate,
    Timestamp,
    Versioned,
    id_column,
    now_column,
    session_user_column,
    version_column,
)
from server_db.masterdata.models import Customer, Product


class SalesOrder(Versioned, Base):
    __tablename__ = "sales_orders"
    id: Mapped[int] = id_column()
    number: Mapped[str] = mapped_column(Text, unique=True, server_default=text("erp.next_number('SO'::text)"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    state: Mapped[str] = mapped_column(Text, server_default=text("'draft'"))
    order_date: Mapped[dt.date] = mapped_column(Date, server_default=text("CURRENT_DATE"))
    requested_date: Mapped[dt.date | None] = mapped_column(Date)
    promised_date: Mapped[dt.date | None] = mapped_column(Date)
    estimated_ship_date: Mapped[dt.date | None] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    delivery_address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    customer_reference: Mapped[str] = mapped_column(Text, server_default=text("''"))
    notes: Mapped[str] = mapped_column(Text, server_default=text("''"))
    version: Mapped[int] = version_column()
    created_by: Mapped[str] = session_user_column()
    created_at: Mapped[dt.datetime] = now_column()
    updated_at: Mapped[dt.datetime] = now_column()
    state_changed_by: Mapped[str] = session_user_column()
    state_changed_at: Mapped[dt.datetime] = now_column()
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    cancel_reason: Mapped[str] = mapped_column(Text, server_default=text("''"))
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    __table_args__ = (
        Index("ix_sales_orders_open_state", "state", postgresql_where=text("state NOT IN ('closed', 'cancelled')")),
    )

    customer: Mapped[Customer] = relationship()
    lines: Mapped[list[SalesOrderLine]] = relationship(
        back_populates="order", order_by="SalesOrderLine.line_no", cascade="all, delete-orphan"
    )


class SalesOrderLine(Base):
    __tablename__ = "sales_order_lines"
    id: Mapped[int] = id_column()
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount_pct: Mapped[Decimal] = mapped_column(Percent, server_default=text("0"))
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    below_cost_reason: Mapped[str | None] = mapped_column(Text)
    qty_shipped: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))
    qty_invoiced: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    order: Mapped[SalesOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
