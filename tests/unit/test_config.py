from __future__ import annotations

import pytest

from server_db.app import config
from server_db.core.errors import DatabaseUnavailable


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("ERP_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv(config.ENV_VAR, raising=False)


def test_no_configuration_means_the_embedded_default() -> None:
    choice = config.choose_database(None)
    assert choice.embedded and choice.source == "embedded default"


def test_command_line_beats_environment_beats_saved_settings(monkeypatch) -> None:
    config.save_settings(database_url="postgresql://saved@host/erp")
    assert config.choose_database(None).source == "saved settings"
    monkeypatch.setenv(config.ENV_VAR, "postgresql://env@host/erp")
    assert config.choose_database(None).source == config.ENV_VAR
    assert config.choose_database("postgres://cli@host/erp").url == "postgresql+psycopg2://cli@host/erp"


def test_saved_urls_never_keep_a_password() -> None:
    config.save_settings(database_url="postgresql://anna:secret@host/erp")
    assert "secret" not in config.settings_path().read_text()
    assert config.load_settings()["database_url"] == "postgresql://anna@host/erp"


@pytest.mark.parametrize("bad", ["not a url", "mysql://root@localhost/erp", "http://example.com"])
def test_a_wrong_url_is_one_sentence(bad: str) -> None:
    with pytest.raises(DatabaseUnavailable) as error:
        config.normalise_url(bad)
    assert "\n" not in str(error.value)
