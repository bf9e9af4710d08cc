"""Entry point: `python main.py` opens the desktop client; `python main.py COMMAND --help` for the rest."""

from __future__ import annotations

import argparse
import logging
import os
import sys


def build_parser() -> argparse.ArgumentParser:
    from server_db.app import cli, cli_admin, cli_export, cli_import, cli_server
    from server_db.core.departments import DEPARTMENTS

    parser = argparse.ArgumentParser(
        prog="python main.py",
        description="Order collaboration ERP. Without a command, opens the desktop client.",
        epilog="With no --db, ERP_DATABASE_URL or saved server, a private database is started for you.",
    )
    parser.add_argument("--db", metavar="URL", help="database server, e.g. postgresql://anna@erp-server/erp")
    parser.add_argument(
        "--role",
        choices=DEPARTMENTS,
        metavar="ROLE",
        help=f"open this department's window straight away as its demo user: {', '.join(DEPARTMENTS)}",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    cli.add_commands(commands)
    cli_admin.add_commands(commands)
    cli_server.add_commands(commands)
    cli_import.add_commands(commands)
    cli_export.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.db is not None and not args.db.strip():
        parser.error("--db needs a database URL, e.g. postgresql://anna@erp-server/erp")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command:
        from server_db.app import cli

        return cli.run_command(args)
    os.environ.setdefault("QT_API", "pyside6")
    from erp_desktop.app import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
