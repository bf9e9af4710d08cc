"""Who is connected, and who holds whom up: the sessions of the ERP database, longest-open transaction first.
A forgotten psql transaction or a frozen PC can hold a lock the office waits for; the administrator sees it
here and ends that session (the database records who ended whose session, and what it was doing)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from erp_desktop.dialogs import ask
from erp_desktop.table_models import Column
from erp_desktop.widgets import RecordTable
from erp_desktop.windows.base import RoleWindow
from server_db.people import queries as people_queries
from server_db.people import services as people

SESSION_COLUMNS = [
    Column("pid", "Session", width=70),
    Column("login", "Login", width=120),
    Column("application", "Program", width=150),
    Column("client", "From", width=110),
    Column("state", "State", width=130),
    Column("transaction_since", "Transaction open since", "datetime", width=150),
    Column("blocks", "Holds up", "qty", width=70, tooltip="How many other sessions wait for a lock this one holds"),
    Column("query", "Last statement", width=320),
]
REFRESH_MS = 3000


def holding_up(record: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    """A session others wait for stands out."""
    return ("#fdecea", "#b71c1c", True) if record.get("blocks") else (None, None, False)


class SessionsPanel(QWidget):
    """The sessions list, read again every few seconds while it is shown; `End session` for an administrator."""

    def __init__(self, window: RoleWindow, *, may_end: bool) -> None:
        super().__init__(window)
        self.window_ = window
        self.table = RecordTable(SESSION_COLUMNS, key="pid", sort=None, parent=self)
        self.table.setObjectName("sessions")
        self.table.source.row_style = holding_up
        self.waits = QLabel(self)
        self.waits.setObjectName("waits")
        self.waits.setWordWrap(True)
        self.end_button = QPushButton("&End session…", self)
        self.end_button.setObjectName("endSession")
        self.end_button.setToolTip("End the chosen session: its open transaction is rolled back")
        self.end_button.setVisible(may_end)
        self.end_button.clicked.connect(self.end_selected)
        self.table.current_changed.connect(lambda _: self._enable())
        refresh = QPushButton("&Refresh", self)
        refresh.clicked.connect(self.load)
        buttons = QHBoxLayout()
        buttons.addWidget(self.waits, 1)
        buttons.addWidget(refresh)
        buttons.addWidget(self.end_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.load)
        self._enable()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.load()
        self.timer.start()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def load(self) -> None:
        self.window_.run(people_queries.session_overview, on_done=self._loaded)

    def _loaded(self, overview: people_queries.SessionOverview) -> None:
        rows, waits = overview.sessions, overview.waits
        current = self.table.current_id()
        self.table.source.reset(rows)
        if current is not None:
            self.table.select_id(current)
        self.waits.setText(
            "<br>".join(
                f"<b>{w['waiting_login']}</b> (session {w['waiting_pid']}) waits for <b>{w['blocking_login']}</b> "
                f"(session {w['blocking_pid']}, {w['blocking_state']})"
                for w in waits
            )
            or "Nobody waits for anybody."
        )
        self._enable()

    def _enable(self) -> None:
        self.end_button.setEnabled(self.table.current_record() is not None)

    def end_selected(self) -> None:
        record = self.table.current_record()
        if record is None:
            return
        pid, login = record["pid"], record["login"]
        question = (
            f"End session {pid} of {login} ({record['application'] or 'unknown program'})? "
            "Whatever it has not committed is rolled back."
        )

        def end() -> None:
            def done(ended: bool) -> None:
                self.window_.message.show_message(
                    f"Session {pid} of {login} ended." if ended else f"Session {pid} could not be ended."
                )
                self.load()

            self.window_.run(people.end_session, pid, on_done=done)

        ask(self, "End session", question, end, destructive=True)
