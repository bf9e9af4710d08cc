"""Which actions a department's window offers. The database enforces the same duties (grants in
migrations/sql/r0002); this only keeps buttons away from people who may not use them."""

from __future__ import annotations

DUTIES: dict[str, frozenset[str]] = {
    "sales": frozenset({"enter_orders", "confirm_orders", "cancel_orders", "edit_customers"}),
    "warehouse": frozenset({"pick", "ship", "receive", "adjust_stock", "print_delivery_notes"}),
    "purchasing": frozenset({"create_purchase_orders", "send_purchase_orders", "edit_suppliers"}),
    "production": frozenset(
        {"release_production", "schedule_production", "report_progress", "complete_production", "cancel_production"}
    ),
    "finance": frozenset({"invoice", "record_payments", "credit_notes", "print_invoices", "edit_credit_terms"}),
    "supervisor": frozenset({"read_audit"}),
    "admin": frozenset({"manage_users", "edit_master_data", "read_audit"}),
}

# the admin does any department's work as well (it is a member of every department group)
DUTIES["admin"] = frozenset().union(*DUTIES.values())

WINDOWS = {
    "sales": "Sales",
    "warehouse": "Warehouse",
    "purchasing": "Purchasing",
    "production": "Production",
    "finance": "Finance",
    "supervisor": "Order board",
    "admin": "Administration",
}


def may(department: str | None, duty: str) -> bool:
    return department is not None and duty in DUTIES.get(department, frozenset())


def windows_for(department: str) -> list[str]:
    """The windows a person may open: their own; the administrator any."""
    return list(WINDOWS) if department == "admin" else [department]
