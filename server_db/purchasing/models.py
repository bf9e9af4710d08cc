"""ORM mapping of purchasing: purchase requests, purchase orders and their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import server_db.production.models
import server_db.sales.models  # noqa: F401 - sales_order_lines, a foreign key's table
from server_db.core.models import (
    Base,
    Money,
    Quantity,
    Versioned,
    id_column,
    now_column,
    session_user_column,
    version_column,
)
from server_db.masterdata.models import Product, Supplier


class PurchaseOrder(Versioned, Base):
    __tablename__ = "purchase_orders"
    id: Mapped[int] = id_column()
    number: Mapped[str] = mapped_column(Text, unique=True, server_default=text("erp.next_number('PO'::text)"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    state: Mapped[str] = mapped_column(Text, server_default=text("'draft'"))
    order_date: Mapped[dt.date] = mapped_column(Date, server_default=text("CURRENT_DATE"))
    expected_date: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, server_default=text("''"))
    version: Mapped[int] = version_column()
    created_by: Mapped[str] = session_user_column()
    created_at: Mapped[dt.datetime] = now_column()
    state_changed_by: Mapped[str] = session_user_column()
    state_changed_at: Mapped[dt.datetime] = now_column()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(order_by="PurchaseOrderLine.line_no")


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    id: Mapped[int] = id_column()
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    qty_received: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))
    product: Mapped[Product] = relationship()
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)


class PurchaseRequest(Versioned, Base):
    __tablename__ = "purchase_requests"
    id: Mapped[int] = id_column()
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    needed_by: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(Text, server_default=text("'open'"))
    sales_order_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_lines.id"), index=True)
    production_component_id: Mapped[int | None] = mapped_column(ForeignKey("production_components.id"))
    purchase_order_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_lines.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, server_default=text("''"))
    version: Mapped[int] = version_column()
    created_by: Mapped[str] = session_user_column()
    created_at: Mapped[dt.datetime] = now_column()
    state_changed_by: Mapped[str] = session_user_column()
    state_changed_at: Mapped[dt.datetime] = now_column()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    __table_args__ = (
        Index("ix_purchase_requests_open_supplier", "supplier_id", postgresql_where=text("state = 'open'")),
    )

    product: Mapped[Product] = relationship()
    supplier: Mapped[Supplier] = relationship()
