"""ORM mapping of the master data: the company, customers, suppliers, warehouses, work centres, products
and their bills of materials."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server_db.core.models import (
    Base,
    Money,
    Quantity,
    Rate,
    Versioned,
    Xid8,
    id_column,
    now_column,
    version_column,
)


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


class Customer(Versioned, Base):
    __tablename__ = "customers"
    __table_args__ = (
        # what the likely-duplicate check looks up (server_db/masterdata/sql/duplicates.sql)
        Index("ix_customers_tax_id", "tax_id"),
        Index("ix_customers_name_key", text("erp.name_key(name)")),
        Index("ix_customers_phone_key", text("erp.phone_key(phone)")),
    )
    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    postcode: Mapped[str] = mapped_column(Text, server_default=text("''"))
    delivery_address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    contact: Mapped[str] = mapped_column(Text, server_default=text("''"))
    phone: Mapped[str] = mapped_column(Text, server_default=text("''"))
    email: Mapped[str] = mapped_column(Text, server_default=text("''"))
    tax_id: Mapped[str | None] = mapped_column(Text)
    payment_terms_days: Mapped[int] = mapped_column(Integer, server_default=text("30"))
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = version_column()
    created_at: Mapped[dt.datetime] = now_column()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class Supplier(Versioned, Base):
    __tablename__ = "suppliers"
    __table_args__ = (
        # what the likely-duplicate check looks up (server_db/masterdata/sql/duplicates.sql)
        Index("ix_suppliers_tax_id", "tax_id"),
        Index("ix_suppliers_name_key", text("erp.name_key(name)")),
        Index("ix_suppliers_phone_key", text("erp.phone_key(phone)")),
    )
    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    postcode: Mapped[str] = mapped_column(Text, server_default=text("''"))
    contact: Mapped[str] = mapped_column(Text, server_default=text("''"))
    phone: Mapped[str] = mapped_column(Text, server_default=text("''"))
    email: Mapped[str] = mapped_column(Text, server_default=text("''"))
    tax_id: Mapped[str | None] = mapped_column(Text)
    lead_time_days: Mapped[int] = mapped_column(Integer, server_default=text("7"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = version_column()
    created_at: Mapped[dt.datetime] = now_column()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class Warehouse(Versioned, Base):
    __tablename__ = "warehouses"
    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, server_default=text("''"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class WorkCentre(Versioned, Base):
    __tablename__ = "work_centres"
    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    daily_capacity_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class Unit(Base):
    """A unit products are counted in (pcs, kg, m2...); a product's unit must be an active one."""

    __tablename__ = "units"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class ImportTransaction(Base):
    """A transaction writing an import right now (server_db/transfer): its per-row events are replaced by one."""

    __tablename__ = "import_transactions"
    xid: Mapped[int] = mapped_column(Xid8, primary_key=True, server_default=text("pg_current_xact_id()"))


class Product(Versioned, Base):
    __tablename__ = "products"
    id: Mapped[int] = id_column()
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
    version: Mapped[int] = version_column()
    created_at: Mapped[dt.datetime] = now_column()
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    default_supplier: Mapped[Supplier | None] = relationship()
    work_centre: Mapped[WorkCentre | None] = relationship()
    bom: Mapped[list[BomLine]] = relationship(foreign_keys="BomLine.product_id", cascade="all, delete-orphan")


class BomLine(Base):
    __tablename__ = "bom_lines"
    id: Mapped[int] = id_column()
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    component_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    component: Mapped[Product] = relationship(foreign_keys=[component_id])
    __table_args__ = (UniqueConstraint("product_id", "component_id"),)
