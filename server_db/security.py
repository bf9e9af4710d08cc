"""People and departments. Each person is a PostgreSQL login role in one department group; what a
department may do is granted in the database (migrations/sql/r0002), so this module only manages people
and explains refusals in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import psycopg2.extensions
from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db import validation
from server_db.changes import Changes, changes_of_this_transaction
from server_db.errors import PermissionDenied, ValidationError
from server_db.services._db import call

DEPARTMENTS = ("sales", "warehouse", "purchasing", "production", "finance", "supervisor", "admin")

DEPARTMENT_LABELS = {
    "sales": "sales",
    "warehouse": "warehouse",
    "purchasing": "purchasing",
    "production": "production",
    "finance": "finance",
    "supervisor": "supervisor",
    "admin": "admin",
}

# What a refused object is for, and whose duty it is: "<duty>; you are logged in as <department>."
_DUTIES: dict[str, str] = {
    "confirm_sales_order": "Sales may confirm orders",
    "cancel_sales_order": "Sales may cancel orders",
    "sales_orders": "Sales may enter and change orders",
    "sales_order_lines": "Sales may enter and change orders",
    "next_number": "Sales may enter orders",
    "pick_sales_order": "The warehouse may pick goods",
    "ship_delivery_note": "The warehouse may ship goods",
    "cancel_delivery_note": "The warehouse may cancel delivery notes",
    "adjust_stock": "The warehouse may adjust stock",
    "receive_purchase_order": "The warehouse may receive goods",
    "stock_moves": "The warehouse may adjust stock",
    "create_purchase_orders": "Purchasing may order from suppliers",
    "send_purchase_order": "Purchasing may send purchase orders",
    "cancel_purchase_order": "Purchasing may cancel purchase orders",
    "purchase_orders": "Purchasing may change purchase orders",
    "suppliers": "Purchasing may keep suppliers",
    "release_production_order": "Production may release production orders",
    "report_production_progress": "Production may report progress",
    "complete_production_order": "Production may complete production orders",
    "cancel_production_order": "Production may cancel production orders",
    "apply_production_schedule": "Production may schedule production",
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
    "bom_lines": "Only an administrator may change bills of materials",
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


def _verifier(session: Session, login: str, password: str) -> str:
    """A SCRAM-SHA-256 verifier computed by libpq, so the password itself is never sent or logged."""
    raw = session.connection().connection.dbapi_connection
    return psycopg2.extensions.encrypt_password(password, login, raw, "scram-sha-256")


def _login(value: Any) -> str:
    login = validation.text_value(value, field="login", label="The user name", max_length=63, required=True)
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,62}", login) or login.startswith(("erp_", "pg_")):
        raise ValidationError(
            "A user name is 2-63 lower-case letters, digits or _, starting with a letter.", field="login"
        )
    return login


def _password(value: Any) -> str:
    if not isinstance(value, str) or len(value) < 6:
        raise ValidationError("A password needs at least 6 characters.", field="password")
    if "\x00" in value or len(value) > 200:
        raise ValidationError("That password cannot be used.", field="password")
    return value


def _department(value: Any) -> str:
    if value not in DEPARTMENTS:
        raise ValidationError(f"Choose a department: {', '.join(DEPARTMENTS)}.", field="department")
    return str(value)


def create_user(session: Session, *, login: str, department: str, password: str, full_name: str = "") -> Changes:
    login = _login(login)
    name = validation.text_value(full_name, field="full_name", label="The name", max_length=200)
    call(session, "create_user", login, name, _department(department), _verifier(session, login, _password(password)))
    return changes_of_this_transaction(session)


def set_password(session: Session, login: str, password: str) -> Changes:
    login = _login(login)
    call(session, "set_user_password", login, _verifier(session, login, _password(password)))
    return changes_of_this_transaction(session)


def set_department(session: Session, login: str, department: str) -> Changes:
    call(session, "set_user_department", _login(login), _department(department))
    return changes_of_this_transaction(session)


def disable_user(session: Session, login: str) -> int:
    """No new logins, and the user's open sessions end now. Returns how many sessions were ended."""
    return int(call(session, "disable_user", _login(login)))


def enable_user(session: Session, login: str) -> Changes:
    call(session, "enable_user", _login(login))
    return changes_of_this_transaction(session)


def list_users(session: Session) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in session.execute(
            text(
                "SELECT login, full_name, department, active, sessions, created_at"
                " FROM erp.user_accounts ORDER BY login"
            )
        )
        .mappings()
        .all()
    ]


DEMO_PASSWORD = "demo1234"


def demo_login(department: str) -> str:
    return f"demo_{department}"


def ensure_demo_users(session: Session) -> list[str]:
    """One demo user per department (password DEMO_PASSWORD); existing ones are left as they are."""
    created = []
    existing = {row["login"] for row in list_users(session)}
    for department in DEPARTMENTS:
        login = demo_login(department)
        if login not in existing:
            create_user(
                session, login=login, department=department, password=DEMO_PASSWORD, full_name=f"Demo {department}"
            )
            created.append(login)
    return created


def require_department(identity: Identity) -> str:
    """The department of a person allowed to use the client; a sentence otherwise."""
    department = identity.effective_department
    if department is None:
        raise PermissionDenied(f"User {identity.login} has no department; ask your administrator to assign one.")
    return department
