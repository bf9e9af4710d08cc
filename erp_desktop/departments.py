"""The client's side of each department, in one table: its window (module and class, imported only when the
window is opened), the window's title, and the duties whose buttons it offers.

The departments themselves are `server_db.core.departments.DEPARTMENTS`; the database enforces the same
duties (the grants in each document package's sql/grants.sql). The duties here only keep buttons away from
people who may not use them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from server_db.core.departments import ADMIN, DEPARTMENTS

if TYPE_CHECKING:
    from erp_desktop.windows.base import RoleWindow


@dataclass(frozen=True)
class DepartmentWindow:
    department: str
    module: str
    class_name: str
    title: str
    duties: frozenset[str]

    def window_class(self) -> type[RoleWindow]:
        """The window's class, its module imported now (start-up stays fast)."""
        found: type[RoleWindow] = getattr(importlib.import_module(self.module), self.class_name)
        return found


_TABLE = (
    DepartmentWindow(
        "sales",
        "erp_desktop.windows.sales",
        "SalesWindow",
        "Sales",
        frozenset({"enter_orders", "confirm_orders", "cancel_orders", "edit_customers"}),
    ),
    DepartmentWindow(
        "warehouse",
        "erp_desktop.windows.warehouse",
        "WarehouseWindow",
        "Warehouse",
        frozenset({"pick", "ship", "receive", "adjust_stock", "print_delivery_notes"}),
    ),
    DepartmentWindow(
        "purchasing",
        "erp_desktop.windows.purchasing",
        "PurchasingWindow",
        "Purchasing",
        frozenset({"create_purchase_orders", "send_purchase_orders", "edit_suppliers"}),
    ),
    DepartmentWindow(
        "production",
        "erp_desktop.windows.production",
        "ProductionWindow",
        "Production",
        frozenset(
            {"release_production", "schedule_production", "report_progress", "complete_production", "cancel_production"}
        ),
    ),
    DepartmentWindow(
        "finance",
        "erp_desktop.windows.finance",
        "FinanceWindow",
        "Finance",
        frozenset({"invoice", "record_payments", "credit_notes", "print_invoices", "edit_credit_terms"}),
    ),
    DepartmentWindow(
        "supervisor",
        "erp_desktop.windows.board",
        "BoardWindow",
        "Order board",
        frozenset({"read_audit"}),
    ),
    DepartmentWindow(
        ADMIN,
        "erp_desktop.windows.admin",
        "AdminWindow",
        "Administration",
        frozenset({"manage_users", "edit_master_data", "read_audit"}),  # and every other department's, below
    ),
)


def _registry() -> dict[str, DepartmentWindow]:
    """The table by department, in the order of server_db's DEPARTMENTS. The admin does any department's
    work as well as its own (it is a member of every department group), so it has every duty."""
    by_name = {entry.department: entry for entry in _TABLE}
    every_duty = frozenset().union(*(entry.duties for entry in _TABLE))
    return {
        name: replace(by_name[name], duties=every_duty) if name == ADMIN else by_name[name]
        for name in DEPARTMENTS
        if name in by_name
    }


WINDOWS = _registry()


def entries() -> tuple[DepartmentWindow, ...]:
    """The table as written (for the test that every department has exactly one entry)."""
    return _TABLE


def may(department: str | None, duty: str) -> bool:
    entry = WINDOWS.get(department or "")
    return entry is not None and duty in entry.duties


def windows_for(department: str) -> list[str]:
    """The windows a person may open: their own; the administrator any."""
    return list(WINDOWS) if department == ADMIN else [department]


def window_class(department: str) -> type[RoleWindow]:
    return WINDOWS[department].window_class()
