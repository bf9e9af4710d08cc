"""Managing people. Each person is a PostgreSQL login role in one department group; what a department
may do is granted in the database (each package's sql/grants.sql), so this module only manages people.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg2.extensions
from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core import validation
from server_db.core.calls import call
from server_db.core.changes import Changes, changes_of_this_transaction
from server_db.core.departments import DEPARTMENTS
from server_db.core.errors import ValidationError
from server_db.people.queries import list_users


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
    """No new logins from the moment this transaction commits. Returns how many sessions the user has open:
    end them with `end_sessions` in the next transaction (ended before the commit, a client reconnecting at
    once would be let in again)."""
    return int(call(session, "disable_user", _login(login)))


def end_sessions(session: Session, login: str) -> int:
    """End the open sessions of a user who may no longer log in; how many were ended."""
    return int(call(session, "end_sessions", _login(login)))


def end_session(session: Session, pid: int) -> bool:
    """End one session on this database (one holding the others up), audited with whose it was."""
    number = validation.whole_number(pid, field="pid", label="The session", minimum=1, maximum=2**31 - 1)
    return bool(call(session, "end_session", number))


def change_my_password(session: Session, password: str) -> Changes:
    """The logged-in person's own new password (at least 6 characters), audited."""
    login = str(session.execute(text("SELECT session_user")).scalar_one())
    call(session, "change_my_password", _verifier(session, login, _password(password)))
    return changes_of_this_transaction(session)


def enable_user(session: Session, login: str) -> Changes:
    call(session, "enable_user", _login(login))
    return changes_of_this_transaction(session)


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
