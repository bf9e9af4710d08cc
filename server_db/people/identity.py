"""Who is logged in, and refusals explained in words: whose duty a refused action is and who the user is."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core.errors import PermissionDenied

# What a refused object is for, and whose duty it is: "<duty>; you are logged in as <department>."
_DUTIES: dict[str, str] = {
    "confirm_sales_order": "Sales may confirm orders",
    "cancel_sales_order": "Sales may cancel orders",
    "sales_orders": "Orders change only through their workflow (enter, confirm, ship...)",
    "sales_order_lines": "Orders change only through their workflow (enter, confirm, ship...)",
    "enter_sales_order": "Sales may enter orders",
    "update_sales_order_draft": "Sales may change draft orders",
    "delete_sales_order_draft": "Sales may delete draft orders",
    "next_number": "Document numbers are given by the workflow",
    "pick_sales_order": "The warehouse may pick goods",
    "ship_delivery_note": "The warehouse may ship goods",
    "cancel_delivery_note": "The warehouse may cancel delivery notes",
    "adjust_stock": "The warehouse may adjust stock",
    "receive_purchase_order": "The warehouse may receive goods",
    "stock_moves": "The warehouse may adjust stock",
    "create_purchase_orders": "Purchasing may order from suppliers",
    "send_purchase_order": "Purchasing may send purchase orders",
    "cancel_purchase_order": "Purchasing may cancel purchase orders",
    "purchase_orders": "Purchase orders change only through their workflow",
    "update_purchase_order": "Purchasing may change purchase orders",
    "suppliers": "Purchasing may keep suppliers",
    "release_production_order": "Production may release production orders",
    "report_production_progress": "Production may report progress",
    "complete_production_order": "Production may complete production orders",
    "cancel_production_order": "Production may cancel production orders",
    "schedule_production": "Production may schedule production",
    "create_invoice": "Finance may create invoices",
    "post_invoice": "Finance may post invoices",
    "delete_draft_invoice": "Finance may delete draft invoices",
    "create_credit_note": "Finance may issue credit notes",
    "record_payment": "Finance may record payments",
    "invoices": "Finance may change invoices",
    "customers": "Sales keeps customers' details and finance their credit terms",
    "user_accounts": "Only an administrator or a supervisor may list users",
    "create_user": "Only an administrator may manage users",
    "set_user_department": "Only an administrator may manage users",
    "set_user_password": "Only an administrator may manage users",
    "disable_user": "Only an administrator may manage users",
    "enable_user": "Only an administrator may manage users",
    "products": "Only an administrator may change products",
    "company": "Only an administrator may change the company details",
    "warehouses": "Only an administrator may change warehouses",
    "work_centres": "Only an administrator may change work centres",
    "bom_lines": "Bills of materials change only through the administrator's bill-of-materials editor",
    "set_bill_of_materials": "Only an administrator may change bills of materials",
    "end_sessions": "Only an administrator may manage users",
    "audit_log": "Nobody may change the audit trail",
}

_REFUSED_OBJECT = re.compile(r"permission denied for (?:function|table|relation|view|sequence|schema) (\w+)")


def explain_refusal(message: str, department: str | None) -> str:
    """The sentence for a permission error: whose duty it is and who the user is."""
    match = _REFUSED_OBJECT.search(message)
    duty = _DUTIES.get(match.group(1)) if match else None
    who = f"you are logged in as {department}" if department else "your user has no department"
    return f"{duty}; {who}." if duty else f"Your role may not do this; {who}."


def my_department(session: Session) -> str | None:
    return session.execute(text("SELECT erp.my_department()")).scalar()


def current_login(session: Session) -> str:
    return session.execute(text("SELECT session_user")).scalar_one()


@dataclass(frozen=True)
class Identity:
    """Who is logged in."""

    login: str
    department: str | None
    full_name: str
    superuser: bool

    @property
    def effective_department(self) -> str | None:
        """The PC's own database account (the embedded server's superuser) acts as admin."""
        return "admin" if self.superuser and self.department is None else self.department


def whoami(session: Session) -> Identity:
    row = session.execute(
        text("""
        SELECT session_user, erp.my_department(),
               coalesce((SELECT full_name FROM erp.users WHERE login = session_user), ''),
               (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
    """)
    ).one()
    return Identity(login=row[0], department=row[1], full_name=row[2], superuser=bool(row[3]))


def require_department(identity: Identity) -> str:
    """The department of a person allowed to use the client; a sentence otherwise."""
    department = identity.effective_department
    if department is None:
        raise PermissionDenied(f"User {identity.login} has no department; ask your administrator to assign one.")
    return department
