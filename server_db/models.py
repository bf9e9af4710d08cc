"""ORM mapping of the schema the migrations create. The migrations are the truth; a test checks that
these models and the migrated database agree, column by column.

Writes that move a document through its workflow go through the database functions (see `services`);
the models serve reads, master data and draft editing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
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


def _id() -> Mapped[int]:
    return mapped_column(BigInteger, Identity(), primary_key=True)


def _now() -> Mapped[dt.datetime]:
    return mapped_column(Timestamp, server_default=text("now()"))


def _session_user() -> Mapped[str]:
    return mapped_column(Text, server_default=text("SESSION_USER"))


def _version() -> Mapped[int]:
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


class Company(Base):
    __tablename__ = "company"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, server_default=text("1"), autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    tax_id: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(Text, server_default=text("''"))
    email: Mapped[str] = mapped_column(Text, server_default=text("''"))
    bank_account: Mapped[str] = mapped_column(Text, server_default=text("''"))
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    currency: Mapped[str] = mapped_column(Text, server_default=text("'CNY'"))


class DocumentCounter(Base):
    __tablename__ = "document_counters"
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class Customer(Versioned, Base):
    __tablename__ = "customers"
    id: Mapped[int] = _id()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    delivery_address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    contact: Mapped[str] = mapped_column(Text, server_default=text("''"))
    phone: Mapped[str] = mapped_column(Text, server_default=text("''"))
    email: Mapped[str] = mapped_column(Text, server_default=text("''"))
    tax_id: Mapped[str | None] = mapped_column(Text)
    payment_terms_days: Mapped[int] = mapped_column(Integer, server_default=text("30"))
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = _version()
    created_at: Mapped[dt.datetime] = _now()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class Supplier(Versioned, Base):
    __tablename__ = "suppliers"
    id: Mapped[int] = _id()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    contact: Mapped[str] = mapped_column(Text, server_default=text("''"))
    phone: Mapped[str] = mapped_column(Text, server_default=text("''"))
    email: Mapped[str] = mapped_column(Text, server_default=text("''"))
    tax_id: Mapped[str | None] = mapped_column(Text)
    lead_time_days: Mapped[int] = mapped_column(Integer, server_default=text("7"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = _version()
    created_at: Mapped[dt.datetime] = _now()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class Warehouse(Base):
    __tablename__ = "warehouses"
    id: Mapped[int] = _id()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, server_default=text("''"))


class WorkCentre(Base):
    __tablename__ = "work_centres"
    id: Mapped[int] = _id()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    daily_capacity_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))


class Product(Versioned, Base):
    __tablename__ = "products"
    id: Mapped[int] = _id()
    sku: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text, server_default=text("'pcs'"))
    procurement: Mapped[str] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    cost: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    tax_rate: Mapped[Decimal] = mapped_column(Rate, server_default=text("0.13"))
    lead_time_days: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    reorder_point: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))
    default_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    work_centre_id: Mapped[int | None] = mapped_column(ForeignKey("work_centres.id"))
    hours_per_unit: Mapped[Decimal] = mapped_column(Numeric(8, 3), server_default=text("0"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = _version()
    created_at: Mapped[dt.datetime] = _now()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    default_supplier: Mapped[Supplier | None] = relationship()
    work_centre: Mapped[WorkCentre | None] = relationship()
    bom: Mapped[list[BomLine]] = relationship(foreign_keys="BomLine.product_id", cascade="all, delete-orphan")


class BomLine(Base):
    __tablename__ = "bom_lines"
    id: Mapped[int] = _id()
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    component_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    component: Mapped[Product] = relationship(foreign_keys=[component_id])
    __table_args__ = (UniqueConstraint("product_id", "component_id"),)


class StockLevel(Base):
    __tablename__ = "stock_levels"
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    on_hand: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))
    reserved: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))


class StockMove(Base):
    __tablename__ = "stock_moves"
    id: Mapped[int] = _id()
    product_id: Mapped[int] = mapped_column(BigInteger, index=True)
    warehouse_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    kind: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, server_default=text("''"))
    purchase_order_line_id: Mapped[int | None] = mapped_column(BigInteger)
    delivery_note_line_id: Mapped[int | None] = mapped_column(BigInteger)
    production_order_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str] = _session_user()
    created_at: Mapped[dt.datetime] = _now()
    __table_args__ = (
        ForeignKeyConstraint(["product_id", "warehouse_id"], ["stock_levels.product_id", "stock_levels.warehouse_id"]),
    )


class SalesOrder(Versioned, Base):
    __tablename__ = "sales_orders"
    id: Mapped[int] = _id()
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
    version: Mapped[int] = _version()
    created_by: Mapped[str] = _session_user()
    created_at: Mapped[dt.datetime] = _now()
    updated_at: Mapped[dt.datetime] = _now()
    state_changed_by: Mapped[str] = _session_user()
    state_changed_at: Mapped[dt.datetime] = _now()
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
    id: Mapped[int] = _id()
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


class PurchaseOrder(Versioned, Base):
    __tablename__ = "purchase_orders"
    id: Mapped[int] = _id()
    number: Mapped[str] = mapped_column(Text, unique=True, server_default=text("erp.next_number('PO'::text)"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    state: Mapped[str] = mapped_column(Text, server_default=text("'draft'"))
    order_date: Mapped[dt.date] = mapped_column(Date, server_default=text("CURRENT_DATE"))
    expected_date: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, server_default=text("''"))
    version: Mapped[int] = _version()
    created_by: Mapped[str] = _session_user()
    created_at: Mapped[dt.datetime] = _now()
    state_changed_by: Mapped[str] = _session_user()
    state_changed_at: Mapped[dt.datetime] = _now()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(order_by="PurchaseOrderLine.line_no")


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    id: Mapped[int] = _id()
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    qty_received: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))
    product: Mapped[Product] = relationship()
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)


class ProductionOrder(Versioned, Base):
    __tablename__ = "production_orders"
    id: Mapped[int] = _id()
    number: Mapped[str] = mapped_column(Text, unique=True, server_default=text("erp.next_number('MO'::text)"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    work_centre_id: Mapped[int] = mapped_column(ForeignKey("work_centres.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    state: Mapped[str] = mapped_column(Text, server_default=text("'planned'"))
    sales_order_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_lines.id"), index=True)
    parent_component_id: Mapped[int | None] = mapped_column(ForeignKey("production_components.id", use_alter=True))
    due_date: Mapped[dt.date] = mapped_column(Date)
    planned_start: Mapped[dt.date | None] = mapped_column(Date)
    planned_end: Mapped[dt.date | None] = mapped_column(Date)
    progress_pct: Mapped[Decimal] = mapped_column(Percent, server_default=text("0"))
    remaining_hours: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default=text("0"))
    late: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    version: Mapped[int] = _version()
    created_by: Mapped[str] = _session_user()
    created_at: Mapped[dt.datetime] = _now()
    state_changed_by: Mapped[str] = _session_user()
    state_changed_at: Mapped[dt.datetime] = _now()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    product: Mapped[Product] = relationship()
    work_centre: Mapped[WorkCentre] = relationship()
    __table_args__ = (
        Index(
            "ix_production_orders_open_work_centre",
            "work_centre_id",
            postgresql_include=["remaining_hours"],
            postgresql_where=text("state IN ('planned', 'released', 'in_progress')"),
        ),
    )

    components: Mapped[list[ProductionComponent]] = relationship(
        foreign_keys="ProductionComponent.production_order_id", order_by="ProductionComponent.id"
    )


class ProductionComponent(Base):
    __tablename__ = "production_components"
    id: Mapped[int] = _id()
    production_order_id: Mapped[int] = mapped_column(ForeignKey("production_orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    qty_consumed: Mapped[Decimal] = mapped_column(Quantity, server_default=text("0"))
    product: Mapped[Product] = relationship()
    __table_args__ = (UniqueConstraint("production_order_id", "product_id"),)


class WorkCentreBacklog(Base):
    """Open hours per work centre, in shards; kept by a trigger (see migrations)."""

    __tablename__ = "work_centre_backlog"
    work_centre_id: Mapped[int] = mapped_column(ForeignKey("work_centres.id", ondelete="CASCADE"), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    hours: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default=text("0"))


class ProductionScheduleDay(Base):
    __tablename__ = "production_schedule"
    production_order_id: Mapped[int] = mapped_column(
        ForeignKey("production_orders.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    work_centre_id: Mapped[int] = mapped_column(ForeignKey("work_centres.id"))
    hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    __table_args__ = (Index("ix_production_schedule_work_centre_id_day", "work_centre_id", "day"),)


class PurchaseRequest(Versioned, Base):
    __tablename__ = "purchase_requests"
    id: Mapped[int] = _id()
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
    version: Mapped[int] = _version()
    created_by: Mapped[str] = _session_user()
    created_at: Mapped[dt.datetime] = _now()
    state_changed_by: Mapped[str] = _session_user()
    state_changed_at: Mapped[dt.datetime] = _now()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    __table_args__ = (
        Index("ix_purchase_requests_open_supplier", "supplier_id", postgresql_where=text("state = 'open'")),
    )

    product: Mapped[Product] = relationship()
    supplier: Mapped[Supplier] = relationship()


class Reservation(Base):
    __tablename__ = "reservations"
    id: Mapped[int] = _id()
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


class DeliveryNote(Versioned, Base):
    __tablename__ = "delivery_notes"
    id: Mapped[int] = _id()
    number: Mapped[str] = mapped_column(Text, unique=True, server_default=text("erp.next_number('DN'::text)"))
    sales_order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    state: Mapped[str] = mapped_column(Text, server_default=text("'draft'"))
    delivery_address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    shipped_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    printed_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    printed_by: Mapped[str | None] = mapped_column(Text)
    print_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    version: Mapped[int] = _version()
    created_by: Mapped[str] = _session_user()
    created_at: Mapped[dt.datetime] = _now()
    state_changed_by: Mapped[str] = _session_user()
    state_changed_at: Mapped[dt.datetime] = _now()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    sales_order: Mapped[SalesOrder] = relationship()
    lines: Mapped[list[DeliveryNoteLine]] = relationship(order_by="DeliveryNoteLine.line_no")


class DeliveryNoteLine(Base):
    __tablename__ = "delivery_note_lines"
    id: Mapped[int] = _id()
    delivery_note_id: Mapped[int] = mapped_column(ForeignKey("delivery_notes.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    sales_order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    product: Mapped[Product] = relationship()
    __table_args__ = (UniqueConstraint("delivery_note_id", "line_no"),)


class Invoice(Versioned, Base):
    __tablename__ = "invoices"
    id: Mapped[int] = _id()
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
    version: Mapped[int] = _version()
    created_by: Mapped[str] = _session_user()
    created_at: Mapped[dt.datetime] = _now()
    posted_by: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    state_changed_by: Mapped[str] = _session_user()
    state_changed_at: Mapped[dt.datetime] = _now()
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
    id: Mapped[int] = _id()
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
    id: Mapped[int] = _id()
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[dt.date] = mapped_column(Date, server_default=text("CURRENT_DATE"))
    method: Mapped[str] = mapped_column(Text, server_default=text("'bank_transfer'"))
    reference: Mapped[str] = mapped_column(Text, server_default=text("''"))
    created_by: Mapped[str] = _session_user()
    created_at: Mapped[dt.datetime] = _now()


class OrderEvent(Base):
    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    xid: Mapped[int] = mapped_column(Xid8, server_default=text("pg_current_xact_id()"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=text("clock_timestamp()"))
    actor: Mapped[str] = _session_user()
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
    actor: Mapped[str] = _session_user()
    table_name: Mapped[str] = mapped_column(Text)
    row_id: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
    xid: Mapped[int] = mapped_column(Xid8, server_default=text("pg_current_xact_id()"))
    __table_args__ = (Index("ix_audit_log_table_name_row_id", "table_name", "row_id"),)


class User(Base):
    """A person: their PostgreSQL login role, name and department. Passwords live only in PostgreSQL."""

    __tablename__ = "users"
    login: Mapped[str] = mapped_column(Text, primary_key=True)
    full_name: Mapped[str] = mapped_column(Text, server_default=text("''"))
    department: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = _session_user()
    created_at: Mapped[dt.datetime] = _now()
