"""Importing a file: map its columns, stream it into a temporary table, validate every row at once in SQL,
then write all of it (or, when asked, only the valid rows) through the database's import functions.

All or nothing by default: one bad cell and nothing is written, and the result lists every problem found
(row, column, value, sentence), not just the first. The file is read once, streaming (COPY from a
generator), so memory stays flat whatever its size; a second pass writes the rejected rows to a file when
only the valid rows are written. Cancelling, a dry run or a refusal roll the transaction back: nothing
written, no event sent.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from server_db.core import errors
from server_db.core.calls import as_json, step
from server_db.core.db import Database
from server_db.core.errors import DomainError, ValidationError
from server_db.transfer.kinds import CHOICE_WORDS, KINDS, Field, Kind
from server_db.transfer.reading import (
    FILE_SENTENCES,
    VALUE_SENTENCES,
    BadValue,
    ImportFileError,
    SourceTable,
    cell_text,
    convert,
    open_table,
)

PROGRESS_EVERY = 5000
OPENING_STOCK_REASON = "Opening stock"

# Every sentence of this module, in one place.
SENTENCES = {
    "unknown_kind": "There is no import of {kind}; choose one of {kinds}.",
    "unmapped": "The file has no column for {label}; name a column {label} or map one to it.",
    "mapped_twice": "The columns {first} and {second} both map to {label}; keep one of them.",
    "unknown_field": "{field} is not a column of the {kind} import.",
    "duplicate": "{value} is already in row {first} of the file.",
    "tax_id_taken": "{other} already has this unified social credit code.",
    "missing": "There is no {what} {value}.",
    "not_made": "{value} is bought, so it has no bill of materials; make it a made product first.",
    "self": "A product cannot be its own component.",
    "cycle": "{value} contains {product} already; a product cannot contain itself.",
    "positive": "The quantity must be more than zero.",
    "not_negative": "The quantity cannot be below zero.",
    "below_reserved": "{reserved} are reserved for orders; the count cannot be below that.",
    "order_refused": "Order {value}: {sentence}",
    "no_warehouse": "There is no warehouse to deliver from; import the warehouses first.",
}

REFERENCES = {  # field -> (table, column, what the sentence calls it)
    "default_supplier": ("suppliers", "code", "supplier"),
    "work_centre": ("work_centres", "code", "work centre"),
    "customer": ("customers", "code", "customer"),
    "warehouse": ("warehouses", "code", "warehouse"),
    "product": ("products", "sku", "product"),
    "component": ("products", "sku", "product"),
}
MASTER_DATA = ("customers", "suppliers", "products", "warehouses", "work_centres")
SQL_TYPES = {
    "text": "text",
    "code": "text",
    "int": "integer",
    "qty": "numeric",
    "money": "numeric",
    "rate": "numeric",
    "date": "date",
    "bool": "boolean",
}


@dataclass
class Problem:
    """One thing wrong with one cell: the row as Excel numbers it (header = row 1), the file's column."""

    row: int
    column: str
    field: str
    value: str
    sentence: str


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    rejects_path: Path | None = None


class ImportCancelled(Exception):
    """The person cancelled the import; nothing was written."""


def _normalised(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).strip().lower().rstrip("*").strip()
    for ch in " _-*":
        text = text.replace(ch, "")
    return text


def suggest_mapping(kind: Kind, headers: Sequence[str]) -> dict[str, str | None]:
    """Each header mapped to the field it names (by field name, label or alias, English or Chinese), or None;
    a field is taken by the first header that names it."""
    names: dict[str, str] = {}
    for f in kind.fields:
        for name in (f.name, f.label, *f.aliases):
            names.setdefault(_normalised(name), f.name)
    taken: set[str] = set()
    mapping: dict[str, str | None] = {}
    for header in headers:
        found = names.get(_normalised(header))
        if found is not None and found in taken:
            found = None
        if found is not None:
            taken.add(found)
        mapping[header] = found
    return mapping


@dataclass
class _Plan:
    kind: Kind
    columns: list[tuple[int, str, str]]  # (index in the row, header, field)

    @property
    def fields(self) -> list[str]:
        return [f for _i, _h, f in self.columns]

    def header_of(self, field_name: str) -> str:
        for _i, header, f in self.columns:
            if f == field_name:
                return header
        return field_name


def _needed(kind: Kind, f: Field) -> bool:
    """Whether every row must give the field: master data needs only its code (an existing record keeps what
    the file leaves out, and a new one is held to the data standards, which require the rest); the other
    kinds need every required field."""
    return f.required and (kind.name not in MASTER_DATA or f.name in kind.key)


def _plan(kind: Kind, headers: list[str], mapping: dict[str, str | None] | None) -> _Plan:
    chosen = suggest_mapping(kind, headers) if mapping is None else mapping
    known = {f.name for f in kind.fields}
    columns: list[tuple[int, str, str]] = []
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        target = chosen.get(header)
        if not target:
            continue
        if target not in known:
            raise ImportFileError(SENTENCES["unknown_field"].format(field=target, kind=kind.label.lower()))
        if target in seen:
            raise ImportFileError(
                SENTENCES["mapped_twice"].format(first=seen[target], second=header, label=kind.field(target).label)
            )
        seen[target] = header
        columns.append((index, header, target))
    for f in kind.fields:
        if _needed(kind, f) and f.name not in seen:
            raise ImportFileError(SENTENCES["unmapped"].format(label=f.label))
    return _Plan(kind, columns)


# -- streaming into the staging table -----------------------------------------------------------------------


_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_text(value: str | None) -> str:
    if value is None:
        return "\\N"
    if not _SPECIAL.search(value):
        return value
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _RowStream(io.RawIOBase):
    """The file's rows as COPY text, converted cell by cell while PostgreSQL reads them."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = size if size and size > 0 else 1 << 16
        while len(self._buffer) < size:
            chunk = "".join(line for _n, line in zip(range(500), self._lines, strict=False))
            if not chunk:
                break
            self._buffer += chunk.encode()
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


class _Reader:
    """Converts the rows of a table into staging lines, collecting the problems of single cells."""

    def __init__(
        self,
        plan: _Plan,
        table: SourceTable,
        result: ImportResult,
        progress: Callable[[int, int | None], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self.plan, self.table, self.result = plan, table, result
        self.progress, self.cancelled = progress, cancelled
        self.specs = [
            (index, header, plan.kind.field(name), CHOICE_WORDS.get(name), _needed(plan.kind, plan.kind.field(name)))
            for index, header, name in plan.columns
        ]
        self.failure: Exception | None = None

    def lines(self) -> Iterator[str]:
        try:
            yield from self._lines()
        except (ImportCancelled, ImportFileError) as exc:
            self.failure = exc
            raise

    def _lines(self) -> Iterator[str]:
        problems = self.result.problems
        count = 0
        for number, cells in self.table.numbered_rows():
            ok = True
            values: list[str] = [str(number), ""]
            for index, header, f, words, needed in self.specs:
                raw = cells[index]
                try:
                    value = convert(f.kind, raw, choices=f.choices, words=words)
                except BadValue as bad:
                    problems.append(Problem(number, header, f.name, _shown(raw), str(bad)))
                    ok, value = False, None
                else:
                    if value is None and needed:
                        problems.append(Problem(number, header, f.name, "", VALUE_SENTENCES["required"]))
                        ok = False
                values.append(_copy_text(value))
            values[1] = "t" if ok else "f"
            count += 1
            if count % PROGRESS_EVERY == 0:
                self._tick(count)
            yield "\t".join(values) + "\n"
        self.result.rows = count
        self._tick(count, final=True)

    def _tick(self, count: int, *, final: bool = False) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ImportCancelled()
        if self.progress is not None:
            self.progress(count, count if final else self.table.estimated_rows)


def _shown(value: Any) -> str:
    return cell_text(value)


# -- the run ------------------------------------------------------------------------------------------------


def run_import(
    database: Database,
    kind: str,
    path: str | Path,
    *,
    mapping: dict[str, str | None] | None = None,
    sheet: str | None = None,
    valid_only: bool = False,
    dry_run: bool = False,
    rejects_path: str | Path | None = None,
    confirm_orders: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportResult:
    """Import `path` as `kind` with the rights of whoever `database` is logged in as; see the module doc.
    Raises ImportFileError for a file that cannot be read, ImportCancelled, or a DomainError when the
    database refuses the whole import (a duty the person does not have)."""
    if kind not in KINDS:
        raise ValidationError(SENTENCES["unknown_kind"].format(kind=kind, kinds=", ".join(KINDS)))
    definition = KINDS[kind]
    path = Path(path)
    result = ImportResult(kind=kind)
    with open_table(path, sheet=sheet) as table:
        plan = _plan(definition, table.headers, mapping)
        reader = _Reader(plan, table, result, progress, cancelled)
        try:
            with database.sessions() as session, session.begin():
                _stage(session, plan, reader)
                if result.rows == 0:
                    raise ImportFileError(FILE_SENTENCES["no_rows"].format(name=path.name))
                result.problems += _validate(session, plan)
                result.problems.sort(key=lambda p: (p.row, p.column))
                bad_rows = sorted({p.row for p in result.problems})
                result.rejected = len(bad_rows)
                if result.problems and not valid_only and not dry_run:
                    session.rollback()
                    return result
                if bad_rows:
                    _mark_rejected(session, bad_rows)
                counts = _write(session, plan, result, confirm_orders=confirm_orders)
                result.rejected = len({p.row for p in result.problems})
                result.inserted, result.updated, result.unchanged = counts
                if dry_run or (result.problems and not valid_only):
                    session.rollback()
                    return result
                if cancelled is not None and cancelled():
                    raise ImportCancelled()
            result.written = True
        except DBAPIError as exc:
            translated = errors.translate(exc)
            if translated is exc:
                raise
            if isinstance(translated, errors.PermissionDenied) and translated.raw:
                translated = _explained(database, translated)
            raise translated from exc
    if valid_only and result.problems:
        result.rejects_path = _write_rejects(path, sheet, plan, result, rejects_path)
    return result


def _explained(database: Database, refusal: errors.PermissionDenied) -> errors.PermissionDenied:
    """A permission refusal that says whose duty it is and who is logged in (as Database.run does)."""
    from server_db.people.identity import explain_refusal, my_department

    return errors.PermissionDenied(explain_refusal(refusal.raw, database.run(my_department)))


def _stage(session: Session, plan: _Plan, reader: _Reader) -> None:
    columns = ", ".join(f"{name} {SQL_TYPES[plan.kind.field(name).kind]}" for name in plan.fields)
    session.execute(_sql("SET LOCAL statement_timeout = 0"))
    session.execute(
        _sql(
            "CREATE TEMP TABLE import_rows (row_no integer PRIMARY KEY, ok boolean NOT NULL"
            + (", " + columns if columns else "")
            + ") ON COMMIT DROP"
        )
    )
    session.execute(_sql("GRANT SELECT ON import_rows TO erp_owner"))
    raw: Any = session.connection().connection.dbapi_connection
    with raw.cursor() as cursor:
        try:
            cursor.copy_expert(
                f"COPY import_rows (row_no, ok{''.join(', ' + f for f in plan.fields)}) FROM STDIN",
                _RowStream(reader.lines()),
                size=1 << 16,
            )
        except Exception:
            # an exception raised while reading the file (cancel, a bad file) comes back wrapped by the driver
            if reader.failure is not None:
                raise reader.failure from None
            raise
    for key in plan.kind.key:
        if key in plan.fields and key not in ("sku",):
            session.execute(_sql(f"CREATE INDEX ON import_rows ({key})"))
    if "sku" in plan.fields:
        session.execute(_sql("CREATE INDEX ON import_rows (sku)"))
    session.execute(_sql("ANALYZE import_rows"))


def _sql(statement: str) -> Any:
    from sqlalchemy import text

    return text(statement)


def _mark_rejected(session: Session, rows: list[int]) -> None:
    session.execute(_sql("UPDATE import_rows SET ok = false WHERE row_no = ANY (:rows)"), {"rows": rows})


# -- validation, set-based ----------------------------------------------------------------------------------


def _validate(session: Session, plan: _Plan) -> list[Problem]:
    """Every problem that needs the other rows or the database: duplicates inside the file, references to
    records that do not exist, the data rules, and what each kind needs besides."""
    found: list[Problem] = []
    fields = plan.fields
    kind = plan.kind

    def add(rows: Any, field_name: str, sentence: str, **extra: Any) -> None:
        for row in rows:
            values = dict(row._mapping)
            value = "" if values.get("value") is None else str(values["value"])
            found.append(
                Problem(
                    values["row_no"],
                    plan.header_of(field_name),
                    field_name,
                    value,
                    sentence.format(value=value, **{k: values.get(k, v) for k, v in extra.items()}),
                )
            )

    # duplicates of the key inside the file: each row after the first is named
    key = [k for k in kind.key if k in fields]
    if key and kind.name != "sales_orders":
        cols = ", ".join(key)
        rows = session.execute(
            _sql(
                f"SELECT row_no, {key[-1]}::text AS value, first FROM ("
                f" SELECT row_no, {cols}, min(row_no) OVER (PARTITION BY {cols}) AS first FROM import_rows"
                f" WHERE {' AND '.join(f'{k} IS NOT NULL' for k in key)}) d WHERE row_no > first ORDER BY row_no"
            )
        )
        add(rows, key[-1], SENTENCES["duplicate"], first=None)

    # references to records that must exist already
    for name in fields:
        target = REFERENCES.get(name)
        if name == "sku" and kind.name != "products":
            target = ("products", "sku", "product")
        if target is None:
            continue
        table, column, what = target
        rows = session.execute(
            _sql(
                f"SELECT s.row_no, s.{name} AS value FROM import_rows s WHERE s.{name} IS NOT NULL"
                f" AND NOT EXISTS (SELECT FROM erp.{table} r WHERE r.{column} = s.{name}) ORDER BY s.row_no"
            )
        )
        add(rows, name, SENTENCES["missing"].replace("{what}", what))

    if kind.name in MASTER_DATA:
        found += _rule_problems(session, plan)
    if kind.name in ("customers", "suppliers") and "tax_id" in fields:
        # one unified social credit code, one company: inside the file and against the others already there
        rows = session.execute(
            _sql(
                "SELECT row_no, tax_id AS value, first FROM (SELECT row_no, tax_id,"
                " min(row_no) OVER (PARTITION BY tax_id) AS first FROM import_rows WHERE tax_id IS NOT NULL) d"
                " WHERE row_no > first ORDER BY row_no"
            )
        )
        add(rows, "tax_id", SENTENCES["duplicate"], first=None)
        rows = session.execute(
            _sql(
                f"SELECT s.row_no, s.tax_id AS value, o.code AS other FROM import_rows s"
                f" JOIN erp.{kind.name} o ON o.tax_id = s.tax_id AND o.code <> s.code ORDER BY s.row_no"
            )
        )
        add(rows, "tax_id", SENTENCES["tax_id_taken"], other=None)
    if kind.name == "bom":
        _bom_checks(session, add)
    if kind.name in ("opening_stock", "sales_orders", "bom"):
        rows = session.execute(
            _sql("SELECT row_no, quantity AS value FROM import_rows WHERE quantity < 0 ORDER BY row_no")
            if kind.name == "opening_stock"
            else _sql("SELECT row_no, quantity AS value FROM import_rows WHERE quantity <= 0 ORDER BY row_no")
        )
        add(rows, "quantity", SENTENCES["not_negative" if kind.name == "opening_stock" else "positive"])
    if kind.name == "opening_stock":
        rows = session.execute(
            _sql(
                "SELECT s.row_no, s.quantity AS value, erp.fmt_qty(l.reserved) AS reserved FROM import_rows s"
                " JOIN erp.warehouses w ON w.code = s.warehouse JOIN erp.products p ON p.sku = s.sku"
                " JOIN erp.stock_levels l ON l.product_id = p.id AND l.warehouse_id = w.id"
                " WHERE s.quantity < l.reserved ORDER BY s.row_no"
            )
        )
        add(rows, "quantity", SENTENCES["below_reserved"], reserved=None)
    return found


RULE_COLUMNS = re.compile(r"\br\.(\w+)")
ID_COLUMNS = {"default_supplier_id": "default_supplier", "work_centre_id": "work_centre"}


def _rule_problems(session: Session, plan: _Plan) -> list[Problem]:
    """The data standards of the master data (erp.data_rules()): each rule's check over the record as it
    would be after the import (the file's cells over what is there). A record already there is held only to
    the rules that read a column the file sets, as the tables' trigger does."""
    table = plan.kind.name
    key = plan.kind.key[0]
    fields = set(plan.fields)
    _normalise_staged(session, fields)
    rules = session.execute(
        _sql("SELECT field, check_sql, sentence FROM erp.data_rules() WHERE table_name = :t"), {"t": table}
    ).all()
    ids = " || ".join(
        f"jsonb_build_object('{column}', (SELECT x.id FROM erp.{REFERENCES[name][0]} x WHERE x.code = s.{name}))"
        for column, name in ID_COLUMNS.items()
        if name in fields
    )
    staged = "jsonb_strip_nulls(to_jsonb(s) - 'row_no' - 'ok')" + (f" || jsonb_strip_nulls({ids})" if ids else "")
    # the records as they would be, once: each rule then reads them
    session.execute(
        _sql(
            f"CREATE TEMP TABLE import_records ON COMMIT DROP AS SELECT s.row_no AS import_row_no,"
            f" t.{key} IS NULL AS import_is_new, r.* FROM import_rows s LEFT JOIN erp.{table} t ON t.{key} = s.{key}"
            f" CROSS JOIN LATERAL jsonb_populate_record(t, {staged}) r"
        )
    )
    checks: list[str] = []
    kept: list[tuple[str, str]] = []
    for rule_field, check_sql, sentence in rules:
        if not check_sql:
            continue
        reads = {ID_COLUMNS.get(c, c) for c in RULE_COLUMNS.findall(check_sql)}
        touches_existing = "true" if reads & fields else "false"
        checks.append(
            f"SELECT r.import_row_no AS row_no, {len(kept)} AS rule FROM import_records r"
            f" WHERE (r.import_is_new OR {touches_existing}) AND NOT coalesce(({check_sql}), true)"
        )
        kept.append((rule_field, sentence))
    problems: list[Problem] = []
    if checks:
        broken = session.execute(
            _sql(
                "SELECT b.row_no, b.rule, to_jsonb(s) AS staged FROM (" + " UNION ALL ".join(checks) + ") b"
                " JOIN import_rows s ON s.row_no = b.row_no ORDER BY b.row_no, b.rule"
            )
        ).all()
        for row_no, rule, staged_row in broken:
            rule_field, sentence = kept[rule]
            value = staged_row.get(rule_field)
            problems.append(
                Problem(row_no, plan.header_of(rule_field), rule_field, "" if value is None else str(value), sentence)
            )
    session.execute(_sql("DROP TABLE import_records"))
    return problems


def _normalise_staged(session: Session, fields: set[str]) -> None:
    """Units as the table of units spells them, tax ids without spaces: as the tables' trigger will store them."""
    if "unit" in fields:
        session.execute(
            _sql(
                # each unit typed is looked up once (not once per row), and only rows that change are written
                "WITH typed AS MATERIALIZED (SELECT DISTINCT unit FROM import_rows WHERE unit IS NOT NULL),"
                " n AS MATERIALIZED (SELECT unit AS typed, erp.normalise_unit(unit) AS unit FROM typed)"
                " UPDATE import_rows s SET unit = n.unit FROM n WHERE s.unit = n.typed AND n.typed <> n.unit"
            )
        )
    if "tax_id" in fields:
        session.execute(
            _sql(
                "UPDATE import_rows SET tax_id = nullif(replace(erp.normalise_code(tax_id), ' ', ''), '')"
                " WHERE tax_id IS NOT NULL"
            )
        )


def _bom_checks(session: Session, add: Callable[..., None]) -> None:
    rows = session.execute(
        _sql(
            "SELECT s.row_no, s.product AS value FROM import_rows s JOIN erp.products p ON p.sku = s.product"
            " WHERE p.procurement <> 'make' ORDER BY s.row_no"
        )
    )
    add(rows, "product", SENTENCES["not_made"])
    rows = session.execute(
        _sql("SELECT row_no, component AS value FROM import_rows WHERE component = product ORDER BY row_no")
    )
    add(rows, "component", SENTENCES["self"])
    # cycles: the bills as they would be (those of the file's products replaced by the file's lines); a line
    # whose component leads back down to its product closes a cycle
    rows = session.execute(
        _sql(
            """
            WITH RECURSIVE staged AS (
                SELECT s.row_no, p.id AS product_id, c.id AS component_id, s.component, s.product
                  FROM import_rows s JOIN erp.products p ON p.sku = s.product JOIN erp.products c ON c.sku = s.component
                 WHERE p.id <> c.id
            ), edges AS (
                SELECT b.product_id, b.component_id FROM erp.bom_lines b
                 WHERE b.product_id NOT IN (SELECT product_id FROM staged)
                UNION ALL
                SELECT product_id, component_id FROM staged
            ), walk (row_no, origin, node) AS (
                SELECT row_no, product_id, component_id FROM staged
                UNION
                SELECT w.row_no, w.origin, e.component_id FROM walk w JOIN edges e ON e.product_id = w.node
                 WHERE w.node <> w.origin
            )
            SELECT s.row_no, s.component AS value, s.product FROM staged s
             WHERE EXISTS (SELECT FROM walk w WHERE w.row_no = s.row_no AND w.node = w.origin)
             ORDER BY s.row_no
            """
        )
    )
    add(rows, "component", SENTENCES["cycle"], product=None)


# -- writing ------------------------------------------------------------------------------------------------


def _write(session: Session, plan: _Plan, result: ImportResult, *, confirm_orders: bool) -> tuple[int, int, int]:
    name = plan.kind.name
    if name == "sales_orders":
        return _write_orders(session, plan, result, confirm_orders=confirm_orders)
    if name in MASTER_DATA:
        counts = step(session, "import_master_data", name, list(plan.fields), returns=_json)[0]
    elif name == "prices":
        counts = step(session, "import_prices", list(plan.fields), returns=_json)[0]
    elif name == "bom":
        counts = step(session, "import_bom", returns=_json)[0]
    elif name == "opening_stock":
        counts = step(session, "import_opening_stock", OPENING_STOCK_REASON, returns=_json)[0]
    else:  # pragma: no cover - KINDS and this function list the same kinds
        raise AssertionError(name)
    return int(counts["inserted"]), int(counts["updated"]), int(counts["unchanged"])


def _json(text: str) -> Any:
    import json

    return json.loads(text)


def _write_orders(session: Session, plan: _Plan, result: ImportResult, *, confirm_orders: bool) -> tuple[int, int, int]:
    """Each reference becomes one draft (entered as the sales clerk enters one), confirmed when asked;
    a reference the customer already has is skipped. A refused order is a problem of its first row."""
    fields = plan.fields
    warehouse = "coalesce(w.id, (SELECT min(id) FROM erp.warehouses))"
    rows = session.execute(
        _sql(
            f"""
            SELECT s.row_no, s.reference, c.id AS customer_id, p.id AS product_id, s.quantity,
                   {"s.unit_price" if "unit_price" in fields else "NULL::numeric"} AS unit_price,
                   {"s.requested_date" if "requested_date" in fields else "NULL::date"} AS requested_date,
                   {warehouse} AS warehouse_id,
                   EXISTS (SELECT FROM erp.sales_orders o WHERE o.customer_id = c.id
                                                           AND o.customer_reference = s.reference) AS known
              FROM import_rows s
              JOIN erp.customers c ON c.code = s.customer
              JOIN erp.products p ON p.sku = s.sku
              LEFT JOIN erp.warehouses w ON w.code = {"s.warehouse" if "warehouse" in fields else "NULL"}
             WHERE s.ok
             ORDER BY s.reference, c.id, s.row_no
            """
        )
    ).all()
    orders: dict[tuple[str, int], list[Any]] = {}
    for row in rows:
        orders.setdefault((row.reference, row.customer_id), []).append(row)
    inserted = unchanged = 0
    for (reference, _customer), lines in orders.items():
        first = lines[0]
        if first.known:
            unchanged += 1
            continue
        if first.warehouse_id is None:
            result.problems.append(
                Problem(first.row_no, plan.header_of("reference"), "reference", reference, SENTENCES["no_warehouse"])
            )
            continue
        header = {
            "customer_id": first.customer_id,
            "warehouse_id": first.warehouse_id,
            "requested_date": first.requested_date.isoformat() if first.requested_date else None,
            "customer_reference": reference,
        }
        order_lines = [
            {
                "line_no": n,
                "product_id": line.product_id,
                "quantity": str(line.quantity),
                "unit_price": None if line.unit_price is None else str(line.unit_price),
            }
            for n, line in enumerate(lines, start=1)
        ]
        savepoint = session.begin_nested()
        try:
            order_id = step(session, "enter_sales_order", as_json(header), as_json(order_lines), returns=int)[0]
            if confirm_orders:
                step(session, "confirm_sales_order", order_id, None)
            savepoint.commit()
            inserted += 1
        except DBAPIError as exc:
            savepoint.rollback()
            translated = errors.translate(exc)
            if not isinstance(translated, DomainError) or isinstance(translated, errors.PermissionDenied):
                raise
            result.problems.append(
                Problem(
                    first.row_no,
                    plan.header_of("reference"),
                    "reference",
                    reference,
                    SENTENCES["order_refused"].format(value=reference, sentence=str(translated)),
                )
            )
    return inserted, 0, unchanged


# -- the rejects file ---------------------------------------------------------------------------------------

PROBLEM_COLUMN = "Problem"


def default_rejects_path(path: Path) -> Path:
    suffix = ".csv" if path.suffix.lower() in (".csv", ".txt", ".tsv") else ".xlsx"
    return path.with_name(f"{path.stem}.rejected{suffix}")


def _write_rejects(
    path: Path, sheet: str | None, plan: _Plan, result: ImportResult, rejects_path: str | Path | None
) -> Path:
    """The rejected rows as they were in the file, with a last column saying what is wrong with each."""
    from server_db.transfer.writers import OutColumn, write_csv, write_xlsx

    target = Path(rejects_path) if rejects_path is not None else default_rejects_path(path)
    why: dict[int, list[str]] = {}
    for problem in result.problems:
        why.setdefault(problem.row, []).append(f"{problem.column}: {problem.sentence}")
    with open_table(path, sheet=sheet) as table:
        columns = [OutColumn(header or f"column {i + 1}") for i, header in enumerate(table.headers)]
        columns.append(OutColumn(PROBLEM_COLUMN))

        def rows() -> Iterator[list[Any]]:
            for number, cells in table.numbered_rows():
                if number in why:
                    yield [_shown(cell) for cell in cells] + ["; ".join(why[number])]

        if target.suffix.lower() == ".csv":
            write_csv(target, columns, rows())
        else:
            write_xlsx(target, columns, rows(), sheet="Rejected")
    return target
