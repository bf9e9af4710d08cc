"""A production order's states and legal transitions (see server_db.core.workflow)."""

from __future__ import annotations

from enum import StrEnum

from server_db.core.workflow import NEW, define


class ProductionOrderState(StrEnum):
    PLANNED = "planned"
    RELEASED = "released"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


_M = ProductionOrderState

PRODUCTION_ORDER = define(
    "production_order",
    label="Production order",
    table="production_orders",
    states=ProductionOrderState,
    transitions={
        (NEW, _M.PLANNED),
        (_M.PLANNED, _M.RELEASED),
        (_M.PLANNED, _M.CANCELLED),
        (_M.RELEASED, _M.IN_PROGRESS),
        (_M.RELEASED, _M.DONE),
        (_M.RELEASED, _M.CANCELLED),
        (_M.IN_PROGRESS, _M.DONE),
    },
    groups={
        # work still to do: holds components, books hours on its work centre
        "open": {_M.PLANNED, _M.RELEASED, _M.IN_PROGRESS},
        # on the floor: scheduled day by day, progress can be reported, can be completed
        "on_the_floor": {_M.RELEASED, _M.IN_PROGRESS},
        "cancellable": {_M.PLANNED, _M.RELEASED},
    },
)
