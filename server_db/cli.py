"""The command line: `python main.py db upgrade|status`, `python main.py demo`. No display needed.

Errors are one sentence on stderr and an exit code: 2 usage, 3 database unreachable, 4 schema mismatch,
5 refused by a business rule, 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from server_db.errors import DatabaseUnavailable, DomainError, SchemaMismatch

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_SCHEMA, EXIT_REFUSED = 0, 1, 2, 3, 4, 5


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="create, upgrade or inspect the database",
                               description="Create, upgrade or inspect the database schema.")
    db_commands = db.add_subparsers(dest="db_command", metavar="{upgrade,status}", required=True)
    upgrade = db_commands.add_parser("upgrade", help="bring the schema up to this program's version",
                                     description="Create the schema on an empty database, or upgrade it.")
    upgrade.set_defaults(handler=cmd_db_upgrade)
    status = db_commands.add_parser("status", help="schema revision, server version, documents per state",
                                    description="Show the schema revision, the server version and how many "
                                                "documents are in each state.")
    status.set_defaults(handler=cmd_db_status)
    demo = subparsers.add_parser("demo", help="load the demo company (safe to run twice)",
                                 description="Load the demo company: customers, suppliers, products, stock and "
                                             "orders in every state. Does nothing if it is already loaded.")
    demo.set_defaults(handler=cmd_demo)


def run_command(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except DatabaseUnavailable as exc:
        _say(f"{exc}")
        return EXIT_UNAVAILABLE
    except SchemaMismatch as exc:
        _say(f"{exc}")
        return EXIT_SCHEMA
    except DomainError as exc:
        _say(f"{exc}")
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear sentence rather than a trace; the detail goes to the log
        import logging

        logging.getLogger(__name__).exception("command failed")
        _say(f"Unexpected error: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        return EXIT_UNEXPECTED


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _open(args: argparse.Namespace, **kwargs):
    from server_db.bootstrap import open_database
    from server_db.embedded import EmbeddedServerError

    try:
        return open_database(args.db, **kwargs)
    except EmbeddedServerError as exc:
        raise DatabaseUnavailable(str(exc)) from None


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from server_db import migrate

    opened = _open(args, upgrade=True, load_demo=False)
    try:
        print(f"Schema is at {migrate.current_revision(opened.database.engine)} (head {migrate.head_revision()}).")
    finally:
        opened.close()
    return EXIT_OK


def cmd_db_status(args: argparse.Namespace) -> int:
    from sqlalchemy import text

    from server_db import migrate, queries
    from server_db.config import strip_password

    opened = _open(args, load_demo=False)
    try:
        db = opened.database
        with db.sessions() as session:
            version = session.execute(text("SHOW server_version")).scalar_one()
            counts = queries.document_state_counts(session)
            problems = queries.invariant_violations(session)
        current = migrate.current_revision(db.engine)
        head = migrate.head_revision()
        print(f"Database: {strip_password(opened.url).replace('postgresql+psycopg2://', 'postgresql://')}"
              f" ({opened.choice.source})")
        print(f"Server:   PostgreSQL {version}")
        print(f"Schema:   {current}" + (" (up to date)" if current == head else f" (this program needs {head})"))
        print("Documents per state:")
        by_document: dict[str, list[str]] = {}
        for row in counts:
            by_document.setdefault(row["document"], []).append(f"{row['state'].replace('_', ' ')} {row['count']}")
        for document in ("sales order", "purchase request", "purchase order", "production order", "delivery note",
                         "invoice", "credit note"):
            print(f"  {document:<17} {', '.join(sorted(by_document.get(document, []))) or '-'}")
        print("Invariants: " + ("all hold" if not problems else f"{len(problems)} broken"))
        for rule, detail in problems[:20]:
            print(f"  {rule}: {detail}")
    finally:
        opened.close()
    return EXIT_OK if not problems else EXIT_UNEXPECTED


def cmd_demo(args: argparse.Namespace) -> int:
    from server_db import demo

    opened = _open(args, load_demo=False)
    try:
        demo.load(opened.database, progress=print)
    finally:
        opened.close()
    return EXIT_OK
