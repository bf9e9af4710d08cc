"""ORM mapping of finance's tables: invoices and credit notes, their lines, payments, the gap-free
counters."""

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
from server_db.sales.models import SalesOrder


class DocumentCounter(Base):
    __tablename__ = "document_counters"
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class Invoice(Versioned, Base):
    __tablename__ = "invoices"
    id: Mapped[int] = id_column()
    number: Mapped[str | None] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(Text, server_default=text("'invoice'"))
    sales_order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    credited_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    state: Mapped[str] = mapped_column(Text, server_default=text("'draft'"))
    invoice_date: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    net_total: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    tax_total: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    gross_total: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    amount_paid: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    amount_credited: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    reason: Mapped[str] = mapped_column(Text, server_default=text("''"))
    printed_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    printed_by: Mapped[str | None] = mapped_column(Text)
    print_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    version: Mapped[int] = version_column()
    created_by: Mapped[str] = session_user_column()
    created_at: Mapped[dt.datetime] = now_column()
    posted_by: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    state_changed_by: Mapped[str] = session_user_column()
    state_changed_at: Mapped[dt.datetime] = now_column()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    __table_args__ = (
        Index(
            "ix_invoices_open_customer", "customer_id", postgresql_where=text("state IN ('posted', 'partially_paid')")
        ),
    )

    customer: Mapped[Customer] = relationship()
    sales_order: Mapped[SalesOrder] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.line_no")
    payments: Mapped[list[Payment]] = relationship(order_by="Payment.id")


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    id: Mapped[int] = id_column()
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    sales_order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit: Mapped[str] = mapped_column(Text)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount_pct: Mapped[Decimal] = mapped_column(Percent, server_default=text("0"))
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    product: Mapped[Product] = relationship()
    __table_args__ = (UniqueConstraint("invoice_id", "line_no"),)


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = id_column()
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[dt.date] = mapped_column(Date, server_default=text("CURRENT_DATE"))
    method: Mapped[str] = mapped_column(Text, server_default=text("'bank_transfer'"))
    reference: Mapped[str] = mapped_column(Text, server_default=text("''"))
    created_by: Mapped[str] = session_user_column()
    created_at: Mapped[dt.datetime] = now_column()
