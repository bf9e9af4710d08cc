"""Opening the database a client should use: the chosen server, or the embedded default started,
upgraded and (when brand new) filled with the demo company."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from server_db.app import migrate
from server_db.app.config import DatabaseChoice, choose_database
from server_db.app.embedded import EmbeddedServer
from server_db.core.db import Database
from server_db.core.errors import DatabaseUnavailable
from server_db.people.identity import Identity

log = logging.getLogger(__name__)


@dataclass
class OpenDatabase:
    database: Database
    choice: DatabaseChoice
    server: EmbeddedServer | None = None
    created: bool = False

    @property
    def url(self) -> str:
        return self.database.url

    def __enter__(self) -> OpenDatabase:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database; the last client of an embedded server stops it."""
        self.database.dispose()
        if self.server is not None:
            self.server.release()
            self.server = None


def open_database(
    cli_url: str | None = None, *, upgrade: bool = False, load_demo: bool = True, application_name: str = "erp-desktop"
) -> OpenDatabase:
    """Connect to the chosen database. The embedded one is ours, so its schema is upgraded on the spot;
    a shared server's schema must already match (`upgrade=True` is `db upgrade`)."""
    choice = choose_database(cli_url)
    if choice.embedded:
        server = EmbeddedServer()
        created = server.acquire()
        database = Database(server.url(), application_name=application_name)
        opened = OpenDatabase(database, choice, server, created)
        try:
            current = migrate.current_revision(database.engine)
            if current is not None and current not in migrate.known_revisions():
                migrate.check_schema(database.engine)  # raises: the data is newer than this program
            migrate.upgrade(database.engine)
            if created and load_demo:
                from server_db.app import demo

                demo.load(database)
        except BaseException:
            opened.close()
            raise
        return opened
    assert choice.url is not None
    database = Database(choice.url, application_name=application_name)
    try:
        database.ping()
        if upgrade:
            migrate.upgrade(database.engine)
        else:
            migrate.check_schema(database.engine)
    except BaseException:
        database.dispose()
        raise
    return OpenDatabase(database, choice)


def login(
    server: str | None,
    user: str,
    password: str,
    *,
    private_url: str | None = None,
    application_name: str = "erp-desktop",
) -> tuple[Database, Identity, str]:
    """Connect as a person: to `server` (a URL), or with None to the private database at `private_url`.
    Returns the database handle, who they are, and a label for the server. Every refusal is a sentence."""
    from sqlalchemy.engine import make_url

    from server_db.app.config import normalise_url
    from server_db.people.identity import require_department, whoami

    if server is None:
        if private_url is None:
            raise DatabaseUnavailable("The private database is not running.")
        base, label = make_url(private_url), "this PC"
    else:
        base = make_url(normalise_url(server))
        label = f"{base.host or 'local'}{':' + str(base.port) if base.port else ''}/{base.database or ''}"
    url = base._replace(username=user, password=password).render_as_string(hide_password=False)
    database = Database(url, application_name=application_name)
    try:
        database.ping()
        migrate.check_schema(database.engine)
        identity = database.run(whoami)
        require_department(identity)
    except BaseException:
        database.dispose()
        raise
    return database, identity, label
