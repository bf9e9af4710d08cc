"""The login window remembers the servers used last, newest first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from erp_desktop.login import PRIVATE, Credentials, LoginDialog


def test_recent_servers_are_remembered_newest_first(qtbot, tmp_path: Path) -> None:
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))
    # after a restart, QSettings reads a list of one entry back as a plain string: as here
    QSettings().setValue("login/recent_servers", "postgresql://server-a/erp")
    first = LoginDialog()
    qtbot.addWidget(first)
    first.remember(Credentials("postgresql://server-b/erp", "anna", "secret"))

    again = LoginDialog()
    qtbot.addWidget(again)
    servers = [again.server.itemText(i) for i in range(again.server.count())]
    assert servers == [PRIVATE, "postgresql://server-b/erp", "postgresql://server-a/erp"]
    assert again.server.currentText() == "postgresql://server-b/erp"
    assert again.user.text() == "anna"
