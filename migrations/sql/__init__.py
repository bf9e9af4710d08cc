"""The SQL of the versioned revisions, one folder each: tables, constraints, data moves. Functions, views,
triggers and grants are not here: they are replaceable objects beside their documents (server_db/core/schema.py)."""

from pathlib import Path

from alembic import op

SQL_DIR = Path(__file__).parent


def run_sql_folder(name: str) -> None:
    """Execute every .sql file of one revision's folder, in name order."""
    # Straight to the driver: the files hold % and : that SQLAlchemy's text() would take for parameters.
    cursor = op.get_bind().connection.dbapi_connection.cursor()
    for path in sorted((SQL_DIR / name).glob("*.sql")):
        cursor.execute(path.read_text(encoding="utf-8"))
    cursor.execute("RESET search_path")  # the files set it for themselves; alembic's own table is in public
