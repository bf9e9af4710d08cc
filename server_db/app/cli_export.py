"""`python main.py export KIND -o FILE`: master data and documents to an XLSX or CSV file."""

from __future__ import annotations

import argparse
from pathlib import Path

from server_db.app.cli import EXIT_OK, EXIT_USAGE, _open, _say

EXPORTED = "Exported {rows} rows of {label} to {path}."
NOT_A_FILE = "{path} is a folder; give the name of the file to write, e.g. {example}."
NO_FOLDER = "The folder {folder} does not exist."
WRONG_SUFFIX = "The file name must end in .xlsx or .csv (not {suffix})."
GB18030_ONLY_CSV = "--gb18030 is for CSV files; an .xlsx file has no encoding to choose."


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Registers the `export` command."""
    from server_db.transfer.export import EXPORTS

    names = list(EXPORTS)
    command = subparsers.add_parser(
        "export",
        help="export master data or documents to an XLSX or CSV file",
        description="Write master data or documents to an Excel (.xlsx) or CSV file. Master data files have "
        "the columns their import reads, so an exported file can be edited and imported back.",
        epilog="Example: python main.py export customers -o customers.xlsx",
    )
    command.add_argument("kind", choices=names, metavar="KIND", help="one of: " + ", ".join(names))
    command.add_argument("-o", "--output", required=True, metavar="FILE", help="the .xlsx or .csv file to write")
    command.add_argument(
        "--gb18030", action="store_true", help="write the CSV in GB18030 (older Chinese Excel) instead of UTF-8"
    )
    command.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from server_db.transfer.export import EXPORTS, export

    output = Path(args.output)
    suffix = output.suffix.lower()
    if output.is_dir():
        _say(NOT_A_FILE.format(path=output, example=output / f"{args.kind}.xlsx"))
        return EXIT_USAGE
    if suffix not in (".xlsx", ".csv"):
        _say(WRONG_SUFFIX.format(suffix=suffix or "nothing"))
        return EXIT_USAGE
    if args.gb18030 and suffix == ".xlsx":
        _say(GB18030_ONLY_CSV)
        return EXIT_USAGE
    if not output.parent.is_dir():
        _say(NO_FOLDER.format(folder=output.parent))
        return EXIT_USAGE
    with _open(args, load_demo=False) as opened:
        rows = export(opened.database, args.kind, output, encoding="gb18030" if args.gb18030 else "utf-8-sig")
    print(EXPORTED.format(rows=f"{rows:,}", label=EXPORTS[args.kind].label.lower(), path=output))
    return EXIT_OK
