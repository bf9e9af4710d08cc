"""`python main.py import KIND FILE` and `python main.py import template KIND -o FILE`.

Exit status: 0 written (or a dry run without problems), 1 nothing written because of problems in the file,
2 a file that cannot be read or a wrong command line, 5 refused (a duty the person does not have)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from server_db.app.cli import EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, _open, _say

SHOWN_PROBLEMS = 50

# Every sentence of the command, in one place.
SENTENCES = {
    "progress": "Read {done} of about {total} rows",
    "progress_open": "Read {done} rows",
    "problem": "row {row}, column {column}: {sentence}",
    "more": "... and {count} more problems.",
    "counts": "Rows: {rows}. New: {inserted}, changed: {updated}, unchanged: {unchanged}, rejected: {rejected}.",
    "nothing_written": "Nothing was written: correct the rows above and import again, or use --valid-only to write "
    "the valid rows.",
    "dry_run": "Dry run: nothing was written.",
    "rejects": "The rejected rows are in {path}.",
    "template_written": "Wrote the {label} template to {path}.",
    "template_usage": "Give the kind of template, e.g. python main.py import template customers -o customers.xlsx.",
    "template_output": "Give the file to write with -o, e.g. -o {kind}.xlsx.",
    "usage": "Give the file to import, e.g. python main.py import {kind} {kind}.xlsx.",
    "unknown_kind": "There is no import of {kind}; choose one of {kinds}.",
    "bad_mapping": "--mapping takes a JSON file or header=field pairs; {value} is neither.",
    "no_folder": "The folder {folder} does not exist.",
    "cancelled": "Cancelled: nothing was written.",
}


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Registers the `import` command."""
    from server_db.transfer.kinds import KINDS

    names = ", ".join(KINDS)
    command = subparsers.add_parser(
        "import",
        help="import master data, opening stock or open orders from XLSX or CSV",
        description="Import a spreadsheet (XLSX, XLS, ODS) or CSV file. Every row is checked first; with any "
        "problem nothing is written (unless --valid-only) and each problem is listed by row and column. "
        "`import template KIND -o FILE` writes a template to fill in.",
        epilog=f"Kinds: {names}. Example: python main.py import customers customers.xlsx",
    )
    command.add_argument("kind", metavar="KIND", help=f"one of: {names}; or 'template'")
    command.add_argument("file", metavar="FILE", nargs="?", help="the file to import (or, after 'template', the kind)")
    command.add_argument("--sheet", metavar="NAME", help="the sheet to read (default: the first)")
    command.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    command.add_argument("--valid-only", action="store_true", help="write the valid rows, list the others in a file")
    command.add_argument("--rejects", metavar="PATH", help="where --valid-only writes the rejected rows")
    command.add_argument("--confirm", action="store_true", help="confirm imported sales orders")
    command.add_argument(
        "--mapping",
        action="append",
        metavar="MAP",
        help="a JSON file {header: field} naming every column, or header=field to change the automatic mapping of "
        "one column (repeat it; field empty: leave the column out)",
    )
    command.add_argument("-o", "--output", metavar="FILE", help="the template file to write (with 'template')")
    command.set_defaults(handler=cmd_import)


def _mapping(values: list[str] | None) -> dict[str, str | None] | None:
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        try:
            loaded = json.loads(Path(values[0]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise ValueError(values[0]) from None
        if not isinstance(loaded, dict):
            raise ValueError(values[0])
        return {str(k): (str(v) if v else None) for k, v in loaded.items()}
    mapping: dict[str, str | None] = {}
    for value in values:
        header, sep, target = value.partition("=")
        if not sep:
            raise ValueError(value)
        mapping[header.strip()] = target.strip() or None
    return mapping


def _with_suggested(args: argparse.Namespace, mapping: dict[str, str | None]) -> dict[str, str | None]:
    """The automatic mapping of the file's headers, with the pairs given on the command line instead."""
    from server_db.transfer.imports import suggest_mapping
    from server_db.transfer.kinds import KINDS
    from server_db.transfer.reading import open_table

    with open_table(args.file, sheet=args.sheet) as table:
        merged = suggest_mapping(KINDS[args.kind], table.headers)
    merged.update(mapping)
    return merged


def cmd_import(args: argparse.Namespace) -> int:
    from server_db.transfer.kinds import KINDS

    if args.kind == "template":
        return _template(args)
    if args.kind not in KINDS:
        _say(SENTENCES["unknown_kind"].format(kind=args.kind, kinds=", ".join(KINDS)))
        return EXIT_USAGE
    if not args.file:
        _say(SENTENCES["usage"].format(kind=args.kind))
        return EXIT_USAGE
    try:
        mapping = _mapping(args.mapping)
    except ValueError as bad:
        _say(SENTENCES["bad_mapping"].format(value=bad))
        return EXIT_USAGE
    return _import(args, mapping)


def _import(args: argparse.Namespace, mapping: dict[str, str | None] | None) -> int:
    from server_db.transfer.imports import ImportCancelled, run_import
    from server_db.transfer.reading import ImportFileError

    interactive = sys.stderr.isatty()

    def progress(done: int, total: int | None) -> None:
        if not interactive:
            return
        line = (
            SENTENCES["progress"].format(done=f"{done:,}", total=f"{total:,}")
            if total
            else SENTENCES["progress_open"].format(done=f"{done:,}")
        )
        print("\r" + line, end="", file=sys.stderr, flush=True)

    try:
        if mapping is not None and args.mapping and "=" in args.mapping[0]:
            mapping = _with_suggested(args, mapping)  # header=field pairs change the automatic mapping
        with _open(args, load_demo=False) as opened:
            result = run_import(
                opened.database,
                args.kind,
                args.file,
                mapping=mapping,
                sheet=args.sheet,
                valid_only=args.valid_only,
                dry_run=args.dry_run,
                rejects_path=args.rejects,
                confirm_orders=args.confirm,
                progress=progress,
            )
    except ImportFileError as bad:
        _say(str(bad))
        return EXIT_USAGE
    except ImportCancelled:
        _say(SENTENCES["cancelled"])
        return EXIT_UNEXPECTED
    finally:
        if interactive:
            print(file=sys.stderr)
    for problem in result.problems[:SHOWN_PROBLEMS]:
        print(SENTENCES["problem"].format(row=problem.row, column=problem.column, sentence=problem.sentence))
    if len(result.problems) > SHOWN_PROBLEMS:
        print(SENTENCES["more"].format(count=f"{len(result.problems) - SHOWN_PROBLEMS:,}"))
    print(
        SENTENCES["counts"].format(
            rows=f"{result.rows:,}",
            inserted=f"{result.inserted:,}",
            updated=f"{result.updated:,}",
            unchanged=f"{result.unchanged:,}",
            rejected=f"{result.rejected:,}",
        )
    )
    if result.rejects_path is not None:
        print(SENTENCES["rejects"].format(path=result.rejects_path))
    if args.dry_run:
        print(SENTENCES["dry_run"])
        return EXIT_OK if not result.problems else EXIT_UNEXPECTED
    if not result.written:
        print(SENTENCES["nothing_written"])
        return EXIT_UNEXPECTED
    return EXIT_OK


def _template(args: argparse.Namespace) -> int:
    from server_db.transfer.kinds import KINDS
    from server_db.transfer.templates import write_template

    kind = args.file
    if not kind:
        _say(SENTENCES["template_usage"])
        return EXIT_USAGE
    if kind not in KINDS:
        _say(SENTENCES["unknown_kind"].format(kind=kind, kinds=", ".join(KINDS)))
        return EXIT_USAGE
    if not args.output:
        _say(SENTENCES["template_output"].format(kind=kind))
        return EXIT_USAGE
    output = Path(args.output)
    if not output.parent.is_dir():
        _say(SENTENCES["no_folder"].format(folder=output.parent))
        return EXIT_USAGE
    write_template(kind, output)
    print(SENTENCES["template_written"].format(label=KINDS[kind].label.lower(), path=output))
    return EXIT_OK
