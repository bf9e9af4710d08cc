"""SQL functions, views and triggers as replaceable objects: each one's current definition lives in one
file beside the business document it belongs to, and `db upgrade` applies what changed.

Versioned migrations (alembic, `migrations/`) hold what must be versioned: tables, constraints, data
moves. Everything that can simply be replaced — functions, views, triggers, grants, and the data derived
from the Python definitions (the table of legal transitions) — is defined in the `sql/` folder of its
package (`server_db/<package>/sql/*.sql`) and kept in step by `sync`, the "repeatable migration" of Flyway:

- each statement of a file is one object: `CREATE OR REPLACE FUNCTION erp.x(...)`, `CREATE OR REPLACE VIEW
  erp.x`, `CREATE OR REPLACE TRIGGER x ... ON erp.t`; a comment directly above it and `COMMENT ON` lines
  below it belong to it. A file named `grants.sql` (its package's privileges) or `settings.sql` (settings kept
  in step, such as each person's session timeouts) is one script, applied whole at every sync that changes
  anything;
- `erp.replaceable_objects` remembers the checksum of each object's text as applied, and a fingerprint of
  the definition PostgreSQL printed back; `sync` re-applies the objects whose text changed (or whose
  definition was changed by hand since), creates new ones and drops the ones no file defines any more, in
  dependency order (functions, then views, then triggers, then scripts and grants), in the caller's
  transaction;
- every function, view and trigger in the managed schemas is one of these objects: one that no file
  defines is dropped, so the files are the whole truth and a reviewer diffs a function like Python.

Functions are created with `check_function_bodies` off (so their order does not matter, as in pg_dump) and
then checked again with it on. Objects are created as `erp_owner`, the role the workflow runs as.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # server_db/
MANAGED_SCHEMAS = ("erp",)
OWNER = "erp_owner"
TRACKING_TABLE = "erp.replaceable_objects"
# the order packages' files are read in; packages not listed follow in name order
FIRST_PACKAGES = ("core", "masterdata", "stock")
PHASES = ("function", "view", "trigger", "script", "grants")


class SchemaError(Exception):
    """A replaceable object could not be applied; the message names it and its file."""


@dataclass(frozen=True)
class SqlObject:
    kind: str  # one of PHASES
    name: str  # 'erp.confirm_sales_order', 'erp.sales_order_summary', 'erp.sales_orders.audit_row', 'grants: sales'
    text: str
    source: str  # the file, relative to the repository, or 'generated: ...'
    table: str | None = None  # a trigger's table

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.created or self.replaced or self.dropped)

    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.replaced)} replaced, {len(self.dropped)} dropped"


# -- reading the definitions ------------------------------------------------------------------------------

_FUNCTION = re.compile(r"^CREATE\s+OR\s+REPLACE\s+FUNCTION\s+([\w.]+)\s*\(", re.IGNORECASE)
_VIEW = re.compile(r"^CREATE\s+OR\s+REPLACE\s+VIEW\s+([\w.]+)", re.IGNORECASE)
_TRIGGER = re.compile(r"^CREATE\s+OR\s+REPLACE\s+TRIGGER\s+(\w+)\s.*?\bON\s+([\w.]+)", re.IGNORECASE | re.DOTALL)
_COMMENT_ON = re.compile(r"^COMMENT\s+ON\s", re.IGNORECASE)


def split_statements(sql: str) -> Iterator[str]:
    """The statements of a SQL text, each with the comment lines directly above it. Knows quotes, dollar
    quotes, identifiers and comments well enough for what our files hold."""
    i, n, start = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in ("'", '"'):
            i += 1
            while i < n:
                if sql[i] == ch:
                    if i + 1 < n and sql[i + 1] == ch:
                        i += 2
                        continue
                    break
                i += 1
            i += 1
        elif ch == "$":
            tag = re.match(r"\$[A-Za-z_]*\$", sql[i:])
            if tag:
                end = sql.find(tag.group(0), i + len(tag.group(0)))
                i = n if end < 0 else end + len(tag.group(0))
            else:
                i += 1
        elif ch == ";":
            statement = sql[start : i + 1].strip()
            if _has_code(statement):
                yield statement
            start = i + 1
            i += 1
        else:
            i += 1
    rest = sql[start:].strip()
    if _has_code(rest):
        raise SchemaError(f"a statement is not ended with ';': {rest[:60]!r}")


def _has_code(statement: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in statement.splitlines())


def _code_start(statement: str) -> str:
    """The statement without the comment lines above it."""
    lines = statement.splitlines()
    while lines and (not lines[0].strip() or lines[0].strip().startswith("--")):
        lines.pop(0)
    return "\n".join(lines)


def _qualified(name: str) -> str:
    if "." not in name:
        raise SchemaError(f"{name} must be named with its schema (erp.{name})")
    return name.lower()


def parse_file(path: Path, source: str) -> list[SqlObject]:
    text = path.read_text(encoding="utf-8")
    if path.name == "grants.sql":
        return [SqlObject("grants", f"grants: {path.parent.parent.name}", text.strip() + "\n", source)]
    if path.name == "settings.sql":
        # settings follow functions (erp._apply_person_settings) that may change without this file changing
        return [SqlObject("grants", f"settings: {path.parent.parent.name}", text.strip() + "\n", source)]
    objects: list[SqlObject] = []
    for statement in split_statements(text):
        code = _code_start(statement)
        if _COMMENT_ON.match(code):
            if not objects:
                raise SchemaError(f"{source}: COMMENT ON before any object")
            last = objects[-1]
            objects[-1] = SqlObject(last.kind, last.name, last.text + "\n" + statement, last.source, last.table)
            continue
        if match := _FUNCTION.match(code):
            objects.append(SqlObject("function", _qualified(match.group(1)), statement, source))
        elif match := _VIEW.match(code):
            objects.append(SqlObject("view", _qualified(match.group(1)), statement, source))
        elif match := _TRIGGER.match(code):
            table = _qualified(match.group(2))
            objects.append(SqlObject("trigger", f"{table}.{match.group(1).lower()}", statement, source, table))
        else:
            raise SchemaError(
                f"{source}: only CREATE OR REPLACE FUNCTION, VIEW or TRIGGER (and COMMENT ON) belong in an "
                f"object file; found {code[:60]!r}"
            )
    return objects


def _packages() -> list[Path]:
    found = sorted(p for p in PACKAGE_ROOT.iterdir() if (p / "sql").is_dir())
    first = [p for name in FIRST_PACKAGES for p in found if p.name == name]
    return first + [p for p in found if p not in first]


def _generated() -> list[SqlObject]:
    """The objects written from the Python definitions of the workflows and the departments (their source
    is the module that writes them)."""
    from server_db.core import departments, workflow
    from server_db.masterdata import rules

    flows, people, standards = (
        "server_db/core/workflow.py",
        "server_db/core/departments.py",
        "server_db/masterdata/rules.py",
    )
    return [
        *(SqlObject("function", name, sql, standards) for name, sql in rules.generated()),
        SqlObject("function", "erp.states", workflow.states_function(), flows),
        SqlObject("function", "erp.document_label", workflow.labels_function(), flows),
        SqlObject("function", "erp.departments", departments.departments_function(), people),
        SqlObject("script", "data: state transitions", workflow.transitions_script(), flows),
        SqlObject("script", "roles: departments", departments.roles_script(), people),
    ]


def definitions() -> list[SqlObject]:
    """Every replaceable object, in the order it is applied (read once per process)."""
    return list(_definitions())


@functools.cache
def _definitions() -> tuple[SqlObject, ...]:
    objects = _generated()
    for package in _packages():
        for path in sorted((package / "sql").glob("*.sql")):
            objects += parse_file(path, str(path.relative_to(PACKAGE_ROOT.parent)))
    seen: dict[str, str] = {}
    for obj in objects:
        if obj.name in seen:
            raise SchemaError(f"{obj.name} is defined twice: in {seen[obj.name]} and in {obj.source}")
        seen[obj.name] = obj.source
    order = {kind: i for i, kind in enumerate(PHASES)}
    # the script that creates the department roles comes before the other scripts and every grants script
    return tuple(sorted(objects, key=lambda o: (order[o.kind], o.kind == "script" and not o.name.startswith("roles:"))))


def digest(checksums: Iterable[tuple[str, str]]) -> str:
    """One fingerprint of a set of (name, checksum) pairs."""
    text = "".join(f"{name} {checksum}\n" for name, checksum in sorted(checksums))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def program_digest() -> str:
    """The fingerprint of this program's replaceable objects."""
    return digest((obj.name, obj.checksum) for obj in _definitions())


def database_digest(connection: Any) -> str | None:
    """The fingerprint of the objects the database has applied; None before revision r0003."""
    cursor = _dbapi_cursor(connection)
    tracked = _tracked(cursor)
    return None if tracked is None else digest((name, checksum) for name, (checksum, _) in tracked.items())


# -- what the database holds ------------------------------------------------------------------------------


@dataclass
class _Catalog:
    """The managed objects the database has now, each with a fingerprint of its definition as PostgreSQL
    prints it back (so a function changed by hand, outside any file, is noticed and put right)."""

    functions: dict[str, list[str]]  # name -> signatures (more than one when an argument list changed)
    views: set[str]
    triggers: dict[str, tuple[str, str]]  # name -> (table, trigger)
    fingerprints: dict[str, str]

    def has(self, obj: SqlObject) -> bool:
        if obj.kind == "function":
            return obj.name in self.functions
        if obj.kind == "view":
            return obj.name in self.views
        if obj.kind == "trigger":
            return obj.name in self.triggers
        return True


def _catalog(cursor: Any) -> _Catalog:
    # definitions print names relative to the search path: read them under one fixed path
    cursor.execute("SELECT current_setting('search_path'), set_config('search_path', 'pg_catalog', true)")
    search_path = cursor.fetchone()[0]
    try:
        return _read_catalog(cursor)
    finally:
        cursor.execute("SELECT set_config('search_path', %s, true)", (search_path,))


def _read_catalog(cursor: Any) -> _Catalog:
    schemas = list(MANAGED_SCHEMAS)
    cursor.execute(
        """
        SELECT n.nspname || '.' || p.proname, array_agg(p.oid::regprocedure::text ORDER BY p.oid),
               md5(string_agg(pg_get_functiondef(p.oid), '' ORDER BY p.oid))
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = ANY(%s) AND p.prokind = 'f'
           AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
         GROUP BY 1
        """,
        (schemas,),
    )
    fingerprints: dict[str, str] = {}
    functions = {}
    for name, signatures, fingerprint in cursor.fetchall():
        functions[name] = list(signatures)
        fingerprints[name] = fingerprint
    cursor.execute(
        """
        SELECT n.nspname || '.' || c.relname, md5(pg_get_viewdef(c.oid))
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY(%s) AND c.relkind = 'v'
        """,
        (schemas,),
    )
    views = set()
    for name, fingerprint in cursor.fetchall():
        views.add(name)
        fingerprints[name] = fingerprint
    cursor.execute(
        """
        SELECT n.nspname || '.' || c.relname || '.' || t.tgname, n.nspname || '.' || c.relname, t.tgname,
               md5(pg_get_triggerdef(t.oid))
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY(%s) AND NOT t.tgisinternal
        """,
        (schemas,),
    )
    triggers = {}
    for name, table, trigger, fingerprint in cursor.fetchall():
        triggers[name] = (table, trigger)
        fingerprints[name] = fingerprint
    return _Catalog(functions, views, triggers, fingerprints)


def _tracked(cursor: Any) -> dict[str, tuple[str, str | None]] | None:
    """What `sync` applied: name -> (checksum of the text, fingerprint of the catalog's definition)."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (TRACKING_TABLE,))
    if not cursor.fetchone()[0]:
        return None
    cursor.execute(f"SELECT name, checksum, fingerprint FROM {TRACKING_TABLE}")
    return {name: (checksum, fingerprint) for name, checksum, fingerprint in cursor.fetchall()}


# -- applying -------------------------------------------------------------------------------------------


def _dbapi_cursor(connection: Any) -> Any:
    """A DB-API cursor on the connection SQLAlchemy (or alembic) hands over: the files hold % and : that
    SQLAlchemy's text() would take for parameters."""
    raw = getattr(connection, "connection", connection)
    raw = getattr(raw, "dbapi_connection", raw)
    return raw.cursor()


def _execute(cursor: Any, obj: SqlObject) -> None:
    cursor.execute("SAVEPOINT replaceable_object")
    try:
        cursor.execute(obj.text)
    except Exception as exc:
        cursor.execute("ROLLBACK TO SAVEPOINT replaceable_object")
        raise SchemaError(f"{obj.kind} {obj.name} ({obj.source}): {str(exc).strip()}") from exc
    cursor.execute("RELEASE SAVEPOINT replaceable_object")


def _drop(cursor: Any, what: str, statement: str) -> None:
    cursor.execute("SAVEPOINT drop_object")
    try:
        cursor.execute(statement)
    except Exception as exc:
        cursor.execute("ROLLBACK TO SAVEPOINT drop_object")
        raise SchemaError(f"{what} is no longer defined but cannot be dropped: {str(exc).strip()}") from exc
    cursor.execute("RELEASE SAVEPOINT drop_object")


def _as_owner(cursor: Any) -> bool:
    """Act as the schema's owner once it owns the schema (from revision r0002 on), so that what is created
    belongs to it; before that, objects belong to the migrator and r0002 hands them over."""
    cursor.execute(
        "SELECT EXISTS (SELECT FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner"
        " WHERE n.nspname = 'erp' AND r.rolname = %s)",
        (OWNER,),
    )
    if not cursor.fetchone()[0]:
        return False
    cursor.execute(f"SET LOCAL ROLE {OWNER}")
    return True


def sync(connection: Any) -> SyncReport:
    """Bring every replaceable object up to its definition, in the caller's transaction: re-apply those whose
    text changed (or whose definition in the database no longer is what was applied), create the new ones,
    drop the ones no file defines. Does nothing when all is in step."""
    cursor = _dbapi_cursor(connection)
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext('erp replaceable objects'))")
    objects = definitions()
    tracked = _tracked(cursor)
    if tracked is None:
        raise SchemaError(f"{TRACKING_TABLE} does not exist yet: run the versioned migrations first")
    catalog = _catalog(cursor)
    wanted = {obj.name for obj in objects}
    changed = [
        obj
        for obj in objects
        if obj.name not in tracked
        or tracked[obj.name][0] != obj.checksum
        or not catalog.has(obj)
        or (obj.name in catalog.fingerprints and catalog.fingerprints[obj.name] != tracked[obj.name][1])
    ]
    stale_functions = [name for name in catalog.functions if name not in wanted]
    stale_views = [name for name in catalog.views if name not in wanted]
    stale_triggers = [name for name in catalog.triggers if name not in wanted]
    report = SyncReport()
    if not changed and not stale_functions and not stale_views and not stale_triggers:
        return report

    cursor.execute("SET LOCAL check_function_bodies = off")
    cursor.execute("SET LOCAL search_path = erp, pg_catalog")
    owner = _as_owner(cursor)
    names = {obj.name for obj in changed}

    # views are cheap and hang on functions and tables: they are all dropped and created again below
    for name in sorted(catalog.views):
        cursor.execute(f"DROP VIEW IF EXISTS {name} CASCADE")
    for name in stale_triggers:
        table, trigger = catalog.triggers[name]
        _drop(cursor, f"trigger {name}", f'DROP TRIGGER "{trigger}" ON {table}')
        report.dropped.append(f"trigger {name}")
    for obj in objects:
        if obj.kind == "function" and obj.name in names:
            _apply_function(cursor, obj, catalog.functions.get(obj.name, []))
            (report.replaced if obj.name in catalog.functions else report.created).append(f"function {obj.name}")
    _create_views(cursor, [obj for obj in objects if obj.kind == "view"], catalog, names, report)
    report.dropped += [f"view {name}" for name in stale_views]
    for obj in objects:
        if obj.kind == "trigger" and obj.name in names:
            _execute(cursor, obj)
            (report.replaced if obj.name in catalog.triggers else report.created).append(f"trigger {obj.name}")
    # a function no file defines goes once the triggers that called it call their new function
    for name in stale_functions:
        for signature in catalog.functions[name]:
            _drop(cursor, f"function {signature}", f"DROP FUNCTION {signature}")
        report.dropped.append(f"function {name}")
    for obj in objects:
        if obj.kind == "script" and obj.name in names:
            _execute(cursor, obj)
            report.replaced.append(obj.name)
    # privileges are granted on objects that may just have been created: every grants script runs again
    for obj in objects:
        if obj.kind == "grants":
            _execute(cursor, obj)
            if obj.name in names:
                report.replaced.append(obj.name)

    # functions were created without their bodies checked (their order does not matter); check them now
    cursor.execute("SET LOCAL check_function_bodies = on")
    for obj in objects:
        if obj.kind == "function" and obj.name in names:
            _execute(cursor, obj)

    _remember(cursor, objects, changed)
    if owner:
        cursor.execute("RESET ROLE")
    cursor.execute("RESET search_path")
    log.info("replaceable objects: %s", report.summary())
    return report


def _apply_function(cursor: Any, obj: SqlObject, before: list[str]) -> None:
    try:
        _execute(cursor, obj)
    except SchemaError:
        if not before:
            raise
        # a new return type or new argument names cannot be replaced: drop the old one (refused, with the
        # reason, if a table or another object relies on it) and create it anew
        for signature in before:
            _drop(cursor, f"function {signature}", f"DROP FUNCTION {signature}")
        _execute(cursor, obj)
    cursor.execute(
        "SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname || '.' || p.proname = %s",
        (obj.name,),
    )
    after = cursor.fetchone()[0] or []
    if len(after) > 1:  # the argument list changed: the old signature is gone from the file
        for signature in set(before) & set(after):
            _drop(cursor, f"function {signature}", f"DROP FUNCTION {signature}")


def _create_views(
    cursor: Any, views: list[SqlObject], catalog: _Catalog, changed: set[str], report: SyncReport
) -> None:
    """Create the views in file order; one that needs a view defined later waits for it."""
    waiting = list(views)
    while waiting:
        failed: list[tuple[SqlObject, SchemaError]] = []
        for obj in waiting:
            try:
                _execute(cursor, obj)
            except SchemaError as exc:
                failed.append((obj, exc))
                continue
            if obj.name not in catalog.views:
                report.created.append(f"view {obj.name}")
            elif obj.name in changed:
                report.replaced.append(f"view {obj.name}")
        if len(failed) == len(waiting):
            raise failed[0][1]
        waiting = [obj for obj, _ in failed]


def _remember(cursor: Any, objects: list[SqlObject], changed: list[SqlObject]) -> None:
    """Record what was applied: each object's checksum, and the fingerprint of what the database now holds."""
    cursor.execute(f"DELETE FROM {TRACKING_TABLE} WHERE NOT (name = ANY(%s))", ([obj.name for obj in objects],))
    for obj in changed:
        cursor.execute(
            f"INSERT INTO {TRACKING_TABLE} (name, kind, checksum, source) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, checksum = EXCLUDED.checksum,"
            " source = EXCLUDED.source, applied_at = now()",
            (obj.name, obj.kind, obj.checksum, obj.source),
        )
    fingerprints = _catalog(cursor).fingerprints
    names = [obj.name for obj in objects if obj.name in fingerprints]
    cursor.execute(
        f"UPDATE {TRACKING_TABLE} t SET fingerprint = f.fingerprint"
        " FROM unnest(%s::text[], %s::text[]) AS f(name, fingerprint)"
        " WHERE t.name = f.name AND t.fingerprint IS DISTINCT FROM f.fingerprint",
        (names, [fingerprints[name] for name in names]),
    )


def require(connection: Any, *names: str) -> None:
    """Create these objects now, from their current definition: for a versioned migration whose tables
    use a function (a CHECK constraint, a column default). `sync` records them afterwards."""
    cursor = _dbapi_cursor(connection)
    by_name = {obj.name: obj for obj in definitions()}
    cursor.execute("SET LOCAL check_function_bodies = off")
    owner = _as_owner(cursor)
    for name in names:
        if name not in by_name:
            raise SchemaError(f"{name} is not defined in any file")
        _execute(cursor, by_name[name])
    if owner:
        cursor.execute("RESET ROLE")
    cursor.execute("SET LOCAL check_function_bodies = on")


def drop_all(connection: Any) -> None:
    """Drop every replaceable object that no table relies on, and forget what was applied: before the
    versioned migrations are taken back (a downgrade), so that nothing hangs on what they remove."""
    cursor = _dbapi_cursor(connection)
    catalog = _catalog(cursor)
    for name in catalog.views:
        cursor.execute(f"DROP VIEW IF EXISTS {name} CASCADE")
    for table, trigger in catalog.triggers.values():
        cursor.execute(f'DROP TRIGGER IF EXISTS "{trigger}" ON {table}')
    for signatures in catalog.functions.values():
        for signature in signatures:
            cursor.execute("SAVEPOINT drop_function")
            try:
                cursor.execute(f"DROP FUNCTION {signature}")
            except Exception:  # a table relies on it (a CHECK, a default): it stays with the table
                cursor.execute("ROLLBACK TO SAVEPOINT drop_function")
            else:
                cursor.execute("RELEASE SAVEPOINT drop_function")
    if _tracked(cursor) is not None:
        cursor.execute(f"DELETE FROM {TRACKING_TABLE}")


def object_files() -> Iterable[Path]:
    for package in _packages():
        yield from sorted((package / "sql").glob("*.sql"))
