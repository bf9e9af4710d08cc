"""Dialogs the windows share: a dialog whose OK runs an operation and stays open on a refusal, the
quantities-per-line dialog (shipping, receiving), and a yes/no question that does not block the window."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from erp_desktop import format as fmt
from erp_desktop.table_models import Column
from erp_desktop.widgets import MessageBar

# whole pieces: the spin boxes show no decimals for these units
COUNTED_UNITS = frozenset(
    {"pcs", "pc", "ea", "each", "set", "sets", "box", "boxes", "pair", "个", "件", "台", "套", "箱", "只", "把", "支"}
)


def decimals_for(unit: str | None, *quantities: Any) -> int:
    """Counted units ship in whole pieces; anything weighed or measured to the gram (3 places)."""
    whole = all(Decimal(q or 0) == Decimal(q or 0).to_integral_value() for q in quantities)
    return 0 if whole and (unit or "").strip().lower() in COUNTED_UNITS else 3


def ask(
    parent: QWidget, title: str, text: str, on_yes: Callable[[], None], *, destructive: bool = False
) -> QMessageBox:
    """A yes/no question that does not block the event loop; `on_yes` runs only on Yes."""
    box = QMessageBox(
        QMessageBox.Icon.Warning if destructive else QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setObjectName("question")
    box.setDefaultButton(QMessageBox.StandardButton.No if destructive else QMessageBox.StandardButton.Yes)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    yes = box.button(QMessageBox.StandardButton.Yes)
    box.finished.connect(lambda _: on_yes() if box.clickedButton() is yes else None)
    box.open()
    return box


class WorkDialog(QDialog):
    """A dialog whose OK runs an operation: while it runs, OK and Cancel wait (the work cannot be called
    back); on failure the reason shows in place and the person corrects what they typed."""

    def __init__(self, parent: QWidget, title: str, object_name: str) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.working = False
        self.message = MessageBar(self)
        self.buttons = QDialogButtonBox(self)

    def add_ok_cancel(self, ok_text: str) -> None:
        self.ok_button = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("ok")
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)

    def _ok(self) -> None:
        if not self.working:
            self.submit()

    def submit(self) -> None:
        raise NotImplementedError

    def start_work(self) -> None:
        self.working = True
        self.ok_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.message.show_message("Working…", seconds=0)

    def finished_ok(self) -> None:
        self.working = False
        self.accept()

    def failed(self, exc: BaseException) -> None:
        self.working = False
        self.ok_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.message.show_error(exc)

    def reject(self) -> None:
        if not self.working:
            super().reject()


class QuantitiesDialog(WorkDialog):
    """One spin box per document line, between 0 and what may be taken; `submitted({line id: qty})` on OK.
    The caller runs the service and calls `finished_ok()` or `failed(exc)`; on failure the dialog stays."""

    submitted = Signal(object)  # {line id: quantity}

    def __init__(
        self,
        parent: QWidget,
        *,
        title: str,
        intro: str,
        columns: Sequence[Column],
        lines: Sequence[dict],
        key: str,
        default: Callable[[dict], Any],
        maximum: Callable[[dict], Any],
        quantity_title: str,
        ok_text: str,
    ) -> None:
        super().__init__(parent, title, "quantitiesDialog")
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        heading = QLabel(intro, self)
        heading.setWordWrap(True)
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(heading)

        grid_holder = QFrame(self)
        grid_holder.setObjectName("linesGrid")
        grid_holder.setStyleSheet("QFrame#linesGrid { background: white; }")
        grid = QGridLayout(grid_holder)
        grid.setHorizontalSpacing(14)
        for column, spec in enumerate([*columns, Column("", quantity_title, "qty")]):
            head = QLabel(f"<b>{spec.title}</b>", grid_holder)
            if spec.right_aligned:
                head.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(head, 0, column)
        self.spin_boxes: dict[int, QDoubleSpinBox] = {}
        for row, line in enumerate(lines, start=1):
            for column, spec in enumerate(columns):
                if spec.field == "product_name":
                    grid.setColumnStretch(column, 1)
                cell = QLabel(fmt.format_value(spec.kind, line.get(spec.field)), grid_holder)
                if spec.right_aligned:
                    cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                grid.addWidget(cell, row, column)
            most = Decimal(maximum(line) or 0)
            spin = QDoubleSpinBox(grid_holder)
            spin.setObjectName(f"qty-{line[key]}")
            spin.setDecimals(decimals_for(line.get("unit"), most))
            spin.setRange(0, float(max(most, Decimal(0))))
            spin.setValue(float(min(max(Decimal(default(line) or 0), Decimal(0)), most)))
            spin.setSuffix(f" {line.get('unit') or ''}".rstrip())
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.PlusMinus)
            spin.setMinimumWidth(110)
            spin.setEnabled(most > 0)
            spin.setToolTip(f"0 to {fmt.quantity(most)}")
            grid.addWidget(spin, row, len(columns))
            self.spin_boxes[int(line[key])] = spin
        grid.setRowStretch(len(lines) + 1, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_holder)
        scroll.setMinimumHeight(min(90 + 34 * len(lines), 420))
        layout.addWidget(scroll, 1)

        self.all_button = QPushButton("&All", self)
        self.all_button.setToolTip("Take the most each line allows")
        self.none_button = QPushButton("&None", self)
        self.add_ok_cancel(ok_text)
        self.buttons.addButton(self.all_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.buttons.addButton(self.none_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.all_button.clicked.connect(lambda: self._set_all(lambda spin: spin.maximum()))
        self.none_button.clicked.connect(lambda: self._set_all(lambda spin: 0.0))
        layout.addWidget(self.buttons)
        first = next((s for s in self.spin_boxes.values() if s.isEnabled()), None)
        if first is not None:
            first.setFocus()
            first.selectAll()

    def _set_all(self, value: Callable[[QDoubleSpinBox], float]) -> None:
        for spin in self.spin_boxes.values():
            spin.setValue(value(spin))

    def quantities(self) -> dict[int, Decimal]:
        return {line_id: Decimal(f"{spin.value():.{spin.decimals()}f}") for line_id, spin in self.spin_boxes.items()}

    def submit(self) -> None:
        self.start_work()
        self.submitted.emit(self.quantities())


def work_done(dialog: WorkDialog) -> None:
    """The operation went through: close the dialog, if the person has not closed it meanwhile."""
    if shiboken6.isValid(dialog):
        dialog.finished_ok()


def work_failed(dialog: WorkDialog, exc: BaseException, otherwise: Callable[[BaseException], None]) -> None:
    """Show a refusal in the dialog the person is looking at (or `otherwise`, if it is gone)."""
    if shiboken6.isValid(dialog):
        dialog.failed(exc)
    else:
        otherwise(exc)


class ChangePasswordDialog(WorkDialog):
    """The logged-in person's own new password, typed twice; `submitted(password)` on OK. The database applies
    the rule (at least 6 characters) and records the change in the audit trail."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget, login: str) -> None:
        super().__init__(parent, f"Change the password of {login}", "changePasswordDialog")
        self.setMinimumWidth(420)
        self.password = QLineEdit(self)
        self.password.setObjectName("password")
        self.repeat = QLineEdit(self)
        self.repeat.setObjectName("passwordRepeat")
        for edit, hint in ((self.password, "at least 6 characters"), (self.repeat, "the same password again")):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(hint)
        form = QFormLayout()
        form.addRow("&New password:", self.password)
        form.addRow("&Repeat it:", self.repeat)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(form)
        self.add_ok_cancel("Change password")
        layout.addWidget(self.buttons)
        self.password.setFocus()

    def submit(self) -> None:
        if self.password.text() != self.repeat.text():
            self.message.show_error("The two passwords differ; type the same password twice.")
            self.repeat.clear()
            self.repeat.setFocus()
            return
        self.start_work()
        self.submitted.emit(self.password.text())
