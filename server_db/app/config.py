"""Which database to use: `--db URL`, then ERP_DATABASE_URL, then saved settings, then the embedded default."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from server_db.core.errors import DatabaseUnavailable

ENV_VAR = "ERP_DATABASE_URL"
APP_NAME = "erp-desktop"


@dataclass(frozen=True)
class DatabaseChoice:
    """A server URL, or None for the embedded default; `source` says where the choice came from."""

    url: str | None
    source: str

    @property
    def embedded(self) -> bool:
        return self.url is None


def settings_path() -> Path:
    override = os.environ.get("ERP_CONFIG_DIR")
    if override:
        return Path(override) / "settings.json"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.json"


def load_settings() -> dict:
    try:
        return json.loads(settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_settings(**values: object) -> None:
    """Merge values into the settings file. Passwords are never written: URLs are saved without one."""
    settings = load_settings()
    for key, value in values.items():
        if key == "database_url" and isinstance(value, str):
            value = strip_password(value)
        settings[key] = value
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(settings, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def strip_password(url: str) -> str:
    try:
        return make_url(url)._replace(password=None).render_as_string(hide_password=False)
    except ArgumentError:
        return url


def display_url(url: str) -> str:
    """A URL as a person reads it: no password, no driver name."""
    return strip_password(url).replace("postgresql+psycopg2://", "postgresql://")


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL for psycopg2 from what a person typed; a clear error if it is not one."""
    text = url.strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"'{url}' is not a database address; it looks like postgresql://user@host:5432/erp."
        ) from None
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseUnavailable(f"'{url}' is not a PostgreSQL address; only PostgreSQL is supported.")
    return parsed.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


def choose_database(cli_url: str | None = None) -> DatabaseChoice:
    if cli_url:
        return DatabaseChoice(normalise_url(cli_url), "--db")
    if os.environ.get(ENV_VAR):
        return DatabaseChoice(normalise_url(os.environ[ENV_VAR]), ENV_VAR)
    saved = load_settings().get("database_url")
    if saved:
        return DatabaseChoice(normalise_url(saved), "saved settings")
    return DatabaseChoice(None, "embedded default")
