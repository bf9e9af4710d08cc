"""ORM mapping of production: production orders, their components, the schedule and the work-centre
backlog."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import server_db.sales.models  # noqa: F401 - sales_order_lines, a foreign key's table
from server_db.core.models import (
    Base,
    Percent,
    Quantity,
    Versioned,
    id_column,
    now_column,
    session_user_column,
    version_column,
)
from server_db.masterdata.models import Product, WorkCentre


class ProductionOrder(Versioned, Base):
    __tablename__ = "production_orders"
    id: Mapped[int] = id_column()
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
    version: Mapped[int] = version_column()
    created_by: Mapped[str] = session_user_column()
    created_at: Mapped[dt.datetime] = now_column()
    state_changed_by: Mapped[str] = session_user_column()
    state_changed_at: Mapped[dt.datetime] = now_column()
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
    id: Mapped[int] = id_column()
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
