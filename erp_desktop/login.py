"""The login window: which server, who, and the password. The last server and user are remembered
(QSettings); the password never is."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from erp_desktop.widgets import MessageBar
from server_db.app.config import strip_password
from server_db.core.departments import DEPARTMENTS
from server_db.people.services import DEMO_PASSWORD, demo_login

PRIVATE = "This PC (private database)"


@dataclass(frozen=True)
class Credentials:
    server: str | None  # None: the private database on this PC
    user: str
    password: str


class LoginDialog(QDialog):
    """Emits `submitted(Credentials)`; the application answers with `failed(message)` or closes it."""

    submitted = Signal(object)

    def __init__(self, *, server: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("login")
        self.setWindowTitle("Log in — Order collaboration ERP")
        self.setMinimumWidth(460)
        settings = QSettings()
        layout = QVBoxLayout(self)
        title = QLabel("<h2>Order collaboration ERP</h2>", self)
        layout.addWidget(title)
        form = QFormLayout()
        self.server = QComboBox(self)
        self.server.setEditable(True)
        self.server.setObjectName("server")
        self.server.addItem(PRIVATE)
        for url in _recent_servers(settings):
            if url != PRIVATE:
                self.server.addItem(url)
        chosen = server or str(settings.value("login/server", PRIVATE) or "")
        self.server.setCurrentText(chosen or PRIVATE)
        editor = self.server.lineEdit()
        if editor is not None:
            editor.setPlaceholderText("postgresql://erp-server:5432/erp")
        self.user = QLineEdit(str(settings.value("login/user", "")), self)
        self.user.setObjectName("user")
        self.user.setPlaceholderText("your user name")
        self.password = QLineEdit(self)
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&Server", self.server)
        form.addRow("&User", self.user)
        form.addRow("&Password", self.password)
        layout.addLayout(form)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #666;")
        self.hint.setText(
            "Demo users: " + ", ".join(demo_login(d) for d in DEPARTMENTS) + f" — password <b>{DEMO_PASSWORD}</b>"
        )
        layout.addWidget(self.hint)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setStyleSheet("color: #666;")
        layout.addWidget(self.status)
        self.message = MessageBar(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.login_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.login_button.setText("&Log in")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.server.currentTextChanged.connect(self._server_changed)
        self._server_changed(self.server.currentText())
        (self.password if self.user.text() else self.user).setFocus(Qt.FocusReason.OtherFocusReason)

    def _server_changed(self, text: str) -> None:
        self.hint.setVisible(text == PRIVATE)

    def credentials(self) -> Credentials:
        text = self.server.currentText().strip()
        return Credentials(None if text in ("", PRIVATE) else text, self.user.text().strip(), self.password.text())

    def _submit(self) -> None:
        creds = self.credentials()
        if not creds.user:
            self.message.show_error("Type your user name.")
            self.user.setFocus()
            return
        if not creds.password:
            self.message.show_error("Type your password.")
            self.password.setFocus()
            return
        self.set_busy("Connecting…")
        self.submitted.emit(creds)

    def set_busy(self, text: str | None) -> None:
        busy = bool(text)
        self.status.setText(text or "")
        for widget in (self.server, self.user, self.password, self.login_button):
            widget.setEnabled(not busy)

    def failed(self, message: str) -> None:
        self.set_busy(None)
        self.message.show_error(message)
        self.password.selectAll()
        self.password.setFocus()

    def remember(self, creds: Credentials) -> None:
        settings = QSettings()
        server = strip_password(creds.server) if creds.server else PRIVATE
        settings.setValue("login/server", server)
        settings.setValue("login/user", creds.user)
        recent = [s for s in _recent_servers(settings) if s != server]
        if creds.server:
            recent.insert(0, server)
        settings.setValue("login/recent_servers", recent[:8])


def _recent_servers(settings: QSettings) -> list[str]:
    """The servers last used, newest first (QSettings hands back a lone entry as a plain string)."""
    recent = settings.value("login/recent_servers", []) or []
    return [str(url) for url in (recent if isinstance(recent, list) else [recent]) if url]
