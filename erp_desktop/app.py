"""Starting the client: the login window first (fast), the private database prepared behind it, then the
window of the person's department."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction, QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from erp_desktop import departments
from erp_desktop.context import ClientContext
from erp_desktop.login import Credentials, LoginDialog
from erp_desktop.operations import Operations
from erp_desktop.widgets import describe_error

if TYPE_CHECKING:
    from erp_desktop.windows.base import RoleWindow

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
CJK_FAMILIES = (
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "PingFang SC",
    "SimHei",
    "Source Han Sans SC",
)


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setOrganizationName("erp-desktop")
    app.setApplicationName("Order collaboration ERP")
    app.setWindowIcon(QIcon(str(RESOURCES / "icons" / "app.svg")))
    families = set(QFontDatabase.families())
    cjk = next((f for f in CJK_FAMILIES if f in families), None)
    if cjk:  # Chinese names must read well everywhere: put a CJK face behind the default one
        font = app.font()
        QFont.insertSubstitution(font.family(), cjk)
        font.setFamilies([font.family(), cjk])
        app.setFont(font)
    style = RESOURCES / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


class Application(QObject):
    """Login, the private database's lifetime, and the open windows."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__()
        self.args = args
        self.prepare_ops = Operations(None, threads=2, parent=self)
        self.private: Any = None  # server_db.bootstrap.OpenDatabase of the embedded server
        self.private_error: BaseException | None = None
        self.private_ready = False
        self.waiting: Credentials | None = None
        self.context: ClientContext | None = None
        self.dialog: LoginDialog | None = None
        self.windows: dict[str, RoleWindow] = {}

    # -- start ------------------------------------------------------------------------------------------

    def start(self) -> None:
        from server_db.app.config import choose_database

        try:
            choice = choose_database(self.args.db)
        except Exception as exc:
            QMessageBox.critical(None, "Database", describe_error(exc))
            raise SystemExit(3) from None
        server = None if choice.embedded else choice.url
        if choice.embedded:
            self.prepare_ops.run(self._prepare_private, on_done=self._private_prepared, on_error=self._private_failed)
        else:
            self.private_ready = True
        if self.args.role:
            from server_db.people.services import DEMO_PASSWORD, demo_login

            role = self.args.role.lower()
            if role not in departments.WINDOWS:
                QMessageBox.critical(
                    None, "Role", f"There is no role {role}; choose one of {', '.join(departments.WINDOWS)}."
                )
                raise SystemExit(2)
            self._login(Credentials(server, demo_login(role), DEMO_PASSWORD))
            return
        self.dialog = LoginDialog(server=server)
        self.dialog.submitted.connect(self._login)
        self.dialog.rejected.connect(QApplication.quit)
        self.dialog.show()
        if choice.embedded:
            self.dialog.status.setText("Starting the private database…")

    @staticmethod
    def _prepare_private() -> Any:
        from server_db.app.bootstrap import open_database

        opened = open_database(None)
        opened.database.dispose()  # the superuser connection was only for start-up work
        return opened

    def _private_prepared(self, opened: Any) -> None:
        self.private = opened
        self.private_ready = True
        if self.dialog is not None and self.waiting is None:
            self.dialog.status.setText("")
        if self.waiting is not None:
            creds, self.waiting = self.waiting, None
            self._login(creds)

    def _private_failed(self, exc: BaseException) -> None:
        self.private_error = exc
        self.private_ready = True
        if self.dialog is not None:
            self.dialog.failed(f"The private database could not start: {describe_error(exc)}")
        elif self.args.role:
            QMessageBox.critical(None, "Database", describe_error(exc))
            QApplication.exit(3)

    # -- login ------------------------------------------------------------------------------------------

    def _login(self, creds: Credentials) -> None:
        if creds.server is None and not self.private_ready:
            self.waiting = creds  # the private database is still starting; log in as soon as it is up
            if self.dialog:
                self.dialog.set_busy("Starting the private database…")
            return
        if creds.server is None and self.private is None:
            message = (
                describe_error(self.private_error) if self.private_error else "The private database is not running."
            )
            self._login_failed(RuntimeError(message))
            return
        from server_db.app.bootstrap import login

        private_url = self.private.url if self.private is not None else None
        self.prepare_ops.run(
            login,
            creds.server,
            creds.user,
            creds.password,
            private_url=private_url,
            on_done=lambda result: self._logged_in(creds, result),
            on_error=self._login_failed,
        )

    def _login_failed(self, exc: BaseException) -> None:
        message = str(exc) if isinstance(exc, RuntimeError) else describe_error(exc)
        if self.dialog is not None:
            self.dialog.failed(message)
        else:
            QMessageBox.critical(None, "Log in", message)
            QApplication.exit(3)

    def _logged_in(self, creds: Credentials, result: tuple) -> None:
        database, identity, label = result
        self.context = ClientContext.create(database, identity, server_label=label, parent=self)
        if self.dialog is not None:
            self.dialog.remember(creds)
            self.dialog.hide()
        department = self.context.department
        self.open_window(department if department in departments.WINDOWS else "supervisor")

    def open_window(self, department: str) -> RoleWindow:
        assert self.context is not None
        window = self.windows.get(department)
        if window is None:
            window = departments.window_class(department)(self.context)
            self.windows[department] = window
            if self.context.department == "admin":
                self._add_window_menu(window)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _add_window_menu(self, window: RoleWindow) -> None:
        menu = QMenu("&Windows", window)
        for department, entry in departments.WINDOWS.items():
            act = QAction(entry.title, window)
            act.triggered.connect(lambda _=False, d=department: self.open_window(d))
            menu.addAction(act)
        window.menuBar().addMenu(menu)

    # -- end --------------------------------------------------------------------------------------------

    def shutdown(self) -> None:
        for window in self.windows.values():
            window.close()
        if self.context is not None:
            self.context.close()
        self.prepare_ops.wait(60000)
        # a start-up that finished meanwhile hands its result over by a queued signal: take it now, so a
        # window closed while the private database was starting still stops it
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
        if self.private is not None:
            self.private.close()  # the last client on this PC stops the private server
            self.private = None


def run_app(args: argparse.Namespace) -> int:
    app = make_application()
    controller = Application(args)
    app.aboutToQuit.connect(controller.shutdown)
    try:
        controller.start()
    except SystemExit as exit_:
        controller.shutdown()
        return int(exit_.code or 0)
    return app.exec()
