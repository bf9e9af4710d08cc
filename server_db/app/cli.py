"""The command line: `python main.py db upgrade|status`, `python main.py demo`. No display needed.

Errors are one sentence on stderr and an exit code: 2 usage, 3 database unreachable, 4 schema mismatch,
5 refused by a business rule, 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from server_db.core.errors import DatabaseUnavailable, DomainError, SchemaMismatch

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_SCHEMA, EXIT_REFUSED = 0, 1, 2, 3, 4, 5


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser(
        "db",
        help="create, upgrade or inspect the database",
        description="Create, upgrade or inspect the database schema.",
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="{upgrade,status}", required=True)
    upgrade = db_commands.add_parser(
        "upgrade",
        help="bring the schema up to this program's version",
        description="Create the schema on an empty database, or upgrade it. A private database created by "
        "this command gets the demo company unless --no-demo is given.",
    )
    upgrade.add_argument(
        "--no-demo",
        action="store_true",
        help="start an empty company (a new private database only; a shared server never gets the demo by itself)",
    )
    upgrade.set_defaults(handler=cmd_db_upgrade)
    status = db_commands.add_parser(
        "status",
        help="schema revision, server version, documents per state",
        description="Show the schema revision, the server version and how many documents are in each state.",
    )
    status.set_defaults(handler=cmd_db_status)
    demo = subparsers.add_parser(
        "demo",
        help="load the demo company (safe to run twice)",
        description="Load the demo company: customers, suppliers, products, stock and "
        "orders in every state. Does nothing if it is already loaded.",
    )
    demo.set_defaults(handler=cmd_demo)
    print_parser = subparsers.add_parser(
        "print",
        help="print delivery notes or invoices to a PDF file",
        description="Print delivery notes or invoices (with credit notes) to one PDF file. The first print "
        "of a document is the original; every later print is marked COPY.",
    )
    print_kinds = print_parser.add_subparsers(dest="print_kind", metavar="{delivery-note,invoice}", required=True)
    for name, kind, example, unprinted in (
        ("delivery-note", "delivery_note", "DN-2026-00001", "every shipped delivery note not printed yet"),
        ("invoice", "invoice", "INV-2026-00001", "every posted invoice and credit note not printed yet"),
    ):
        label = name.replace("-", " ")
        command = print_kinds.add_parser(
            name,
            help=f"print {label}s by number, or all unprinted ones",
            description=f"Print {label}s to a PDF file, each starting on a new page.",
            epilog=f"Example: python main.py print {name} {example} -o {name}.pdf",
        )
        command.add_argument("numbers", nargs="*", metavar="NUMBER", help=f"{label} numbers, e.g. {example}")
        command.add_argument("--unprinted", action="store_true", help=unprinted)
        command.add_argument("-o", "--output", required=True, metavar="FILE", help="the PDF file to write")
        command.set_defaults(handler=cmd_print, document_kind=kind)


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

        logging.getLogger(__name__).debug("command failed", exc_info=True)  # the trace only with --verbose
        _say(f"Unexpected error: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        return EXIT_UNEXPECTED


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _open(args: argparse.Namespace, **kwargs):
    from server_db.app.bootstrap import open_database
    from server_db.app.embedded import EmbeddedServerError

    try:
        return open_database(args.db, **kwargs)
    except EmbeddedServerError as exc:
        raise DatabaseUnavailable(str(exc)) from None


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from server_db.app import migrate

    # a brand-new embedded cluster gets the demo, as the app would, unless the company starts empty
    with _open(args, upgrade=True, load_demo=not args.no_demo) as opened:
        print(f"Schema is at {migrate.current_revision(opened.database.engine)} (head {migrate.head_revision()}).")
    return EXIT_OK


def cmd_db_status(args: argparse.Namespace) -> int:
    from sqlalchemy import text

    from server_db.app import migrate
    from server_db.app.config import display_url
    from server_db.supervisor import board as board_queries

    with _open(args) as opened:
        db = opened.database
        with db.sessions() as session:
            version = session.execute(text("SHOW server_version")).scalar_one()
            counts = board_queries.document_state_counts(session)
            problems = board_queries.invariant_violations(session)
        current = migrate.current_revision(db.engine)
        head = migrate.head_revision()
        print(f"Database: {display_url(opened.url)} ({opened.choice.source})")
        print(f"Server:   PostgreSQL {version}")
        print(f"Schema:   {current}" + (" (up to date)" if current == head else f" (this program needs {head})"))
        print("Documents per state:")
        by_document: dict[str, list[str]] = {}
        for row in counts:
            by_document.setdefault(row["document"], []).append(f"{row['state'].replace('_', ' ')} {row['count']}")
        for document in (
            "sales order",
            "purchase request",
            "purchase order",
            "production order",
            "delivery note",
            "invoice",
            "credit note",
        ):
            print(f"  {document:<17} {', '.join(sorted(by_document.get(document, []))) or '-'}")
        print("Invariants: " + ("all hold" if not problems else f"{len(problems)} broken"))
        for rule, detail in problems[:20]:
            print(f"  {rule}: {detail}")
    return EXIT_OK if not problems else EXIT_UNEXPECTED


def cmd_demo(args: argparse.Namespace) -> int:
    from server_db.app import demo

    with _open(args, load_demo=False) as opened:
        demo.load(opened.database, progress=print)
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sqlalchemy.orm import Session

    from server_db.pdf import jobs
    from server_db.pdf.fonts import FontNotFound

    label = args.print_kind.replace("-", " ")
    if bool(args.numbers) == bool(args.unprinted):
        _say(f"Give the {label} numbers to print, or --unprinted (not both).")
        return EXIT_USAGE
    output = Path(args.output)
    if output.is_dir():
        _say(f"{output} is a folder; give the name of the PDF file to write, e.g. {output / 'print.pdf'}.")
        return EXIT_USAGE
    if not output.parent.is_dir():
        _say(f"The folder {output.parent} does not exist.")
        return EXIT_USAGE
    requests = (
        jobs.Unprinted(args.document_kind)
        if args.unprinted
        else [(args.document_kind, number) for number in args.numbers]
    )

    def print_and_save(session: Session) -> jobs.PrintResult:
        # the file is written inside the transaction: no file, no recorded print
        result = jobs.print_documents(session, requests)
        output.write_bytes(result.pdf)
        return result

    try:
        with _open(args, load_demo=False) as opened:
            result = opened.database.run(print_and_save)
    except FontNotFound as exc:
        _say(str(exc))
        return EXIT_UNEXPECTED
    except OSError as exc:
        _say(f"Cannot write {output}: {exc.strerror or exc}.")
        return EXIT_UNEXPECTED
    count = len(result.printed)
    print(
        f"Printed {count} {label}{'s' if count != 1 else ''} to {output}"
        + (f" ({result.copies} marked COPY)" if result.copies else "")
        + "."
    )
    for document in result.printed:
        copy = f"  copy, printed {document.print_count} times" if document.copy else ""
        print(f"  {document.number}{copy}")
    print(f"Font: {result.font}")
    return EXIT_OK
