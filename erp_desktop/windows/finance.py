"""Finance: what was shipped and waits for an invoice, the invoices with their payments and credit notes,
and the receivables by age. Invoicing posts at once (posted invoices are immutable: corrections are credit
notes); payments may be partial; every list is live."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from erp_desktop import format as fmt
from erp_desktop.context import ClientContext
from erp_desktop.table_models import Column
from erp_desktop.widgets import MessageBar, RecordTable, ask_reason
from erp_desktop.windows.base import RoleWindow
from erp_desktop.windows.masterdata.page import MasterDataActions, MasterDataPage
from erp_desktop.windows.masterdata.records import CUSTOMERS
from server_db.core.changes import Changes
from server_db.core.workflow import can_become, label
from server_db.finance import queries as finance_queries
from server_db.finance import services as finance
from server_db.finance.states import InvoiceState

TO_INVOICE_COLUMNS = [
    Column("number", "Sales order", width=130),
    Column("customer_name", "Customer", width=260),
    Column("state", "Order state", "state", width=130),
    Column("last_shipped_at", "Last shipped", "datetime", width=140),
    Column("net_amount", "To invoice (net)", "money", width=130, tooltip="shipped and not yet invoiced, before tax"),
]

INVOICE_COLUMNS = [
    Column("number", "Invoice", width=112),
    Column("kind_label", "Kind", width=68),
    Column("state", "State", "state", width=88),
    Column("customer_name", "Customer", width=165),
    Column("order_number", "Sales order", width=104),
    Column("invoice_date", "Date", "date", width=76),
    Column("due_date", "Due", "date", width=76, tooltip="due date; overdue invoices are red"),
    Column("gross_total", "Gross", "money", width=80),
    Column("amount_paid", "Paid", "money", width=76),
    Column("amount_credited", "Credited", "money", width=68),
    Column("open_amount", "Open", "money", width=80),
    Column("print_count", "Printed", "qty", width=50, tooltip="how many times it was printed"),
]

AGEING_COLUMNS = [
    Column("code", "Customer", width=90),
    Column("name", "Name", width=250),
    Column("current", "Not yet due", "money", width=110),
    Column("days_1_30", "1-30 days", "money", width=105),
    Column("days_31_60", "31-60 days", "money", width=105),
    Column("days_61_90", "61-90 days", "money", width=105),
    Column("over_90", "> 90 days", "money", width=105),
    Column("total", "Total open", "money", width=120),
]
BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90", "total")


def invoice_display(row: dict[str, Any]) -> None:
    """How an invoice reads in the list: its kind in words; a credit note shows no open amount (it is
    settled against the invoice it corrects); a draft, which has no number yet, is called by its id."""
    row["kind_label"] = "credit note" if row["kind"] == "credit_note" else "invoice"
    if row["kind"] == "credit_note":
        row["open_amount"] = None
    if row["number"] is None:
        row["number"] = f"draft #{row['id']}"


def overdue_in_red(record: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    if record.get("overdue"):
        return (fmt.LATE_BACKGROUND, fmt.LATE_COLOUR, True)
    if record.get("kind") == "credit_note":
        return (None, "#6a1b9a", False)
    return fmt.PLAIN


def settleable(record: dict[str, Any] | None) -> bool:
    """An invoice (not a credit note) that a payment or a credit note can still settle."""
    record = record or {}
    return record.get("kind") == "invoice" and can_become("invoice", record.get("state"), InvoiceState.PAID)


class PaymentDialog(QDialog):
    """Amount (the open amount by default), date, method and reference of a payment. OK records it; a
    refusal (an overpayment, a date in the future) shows here and the dialog stays open."""

    recorded = Signal(str)  # the message for the window

    def __init__(self, context: ClientContext, invoice: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.invoice = invoice
        self.setObjectName("paymentDialog")
        self.setWindowTitle(f"Record payment — {invoice['number']}")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        summary = QLabel(
            f"<b>{invoice['number']}</b> · {invoice['customer_name']}<br>gross "
            f"{fmt.money(invoice['gross_total'])} · paid {fmt.money(invoice['amount_paid'])} · "
            f"credited {fmt.money(invoice['amount_credited'])} · <b>open "
            f"{fmt.money(invoice['open_amount'])}</b>",
            self,
        )
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(summary)
        form = QFormLayout()
        self.amount = QLineEdit(fmt.money(invoice["open_amount"]), self)
        self.amount.setObjectName("amount")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.setToolTip("A part of the open amount may be paid; the rest stays open.")
        self.date = QDateEdit(QDate.currentDate(), self)
        self.date.setObjectName("paidOn")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.method = QComboBox(self)
        self.method.setObjectName("method")
        for method in finance.PAYMENT_METHODS:
            self.method.addItem(label(method), method)
        self.reference = QLineEdit(self)
        self.reference.setObjectName("reference")
        self.reference.setPlaceholderText("bank reference, receipt number…")
        form.addRow("&Amount", self.amount)
        form.addRow("&Date", self.date)
        form.addRow("&Method", self.method)
        form.addRow("&Reference", self.reference)
        layout.addLayout(form)
        self.message = MessageBar(self)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        self.buttons = QDialogButtonBox(buttons, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Record payment")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.amount.selectAll()
        self.amount.setFocus()

    def submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        invoice_id, number = self.invoice["id"], self.invoice["number"]
        amount, paid_on = self.amount.text().strip(), self.date.date().toPython()
        method, reference = self.method.currentData(), self.reference.text().strip()
        self.ok_button.setEnabled(False)
        self.message.hide()

        def done(_: object) -> None:
            self.recorded.emit(f"Payment of {_money_text(amount)} recorded on {number} ({label(method)}, {paid_on}).")
            self.accept()

        def failed(exc: BaseException) -> None:
            self.ok_button.setEnabled(True)
            self.message.show_error(exc)
            self.amount.setFocus()
            self.amount.selectAll()

        self.context.operations.run(
            finance.record_payment,
            invoice_id,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reference=reference,
            on_done=done,
            on_error=failed,
            owner=self,
        )


def _money_text(text: str) -> str:
    try:
        return fmt.money(Decimal(text.replace(",", "").replace("，", "")))
    except Exception:
        return text


class FinanceWindow(RoleWindow):
    department = "finance"
    title = "Finance"

    def __init__(self, context: ClientContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.to_invoice = self.live_list(
            TO_INVOICE_COLUMNS,
            finance_queries.to_invoice_queue,
            lambda c: c.sales_orders,
            search="Search orders, customers (Ctrl+F)",
            sort=None,
        )
        self.to_invoice.table.setObjectName("toInvoice")
        # no invoicing on Enter or double-click: a posted invoice cannot be taken back, only credited

        self.invoices = self.live_list(
            INVOICE_COLUMNS,
            finance_queries.invoices,
            lambda c: c.invoices,
            display=invoice_display,
            states=list(InvoiceState),
            extra_fields=("kind", "sales_order_id", "overdue", "version"),
            search="Search invoices, customers, orders (Ctrl+F)",
        )
        self.invoices.table.setObjectName("invoices")
        self.invoices.table.source.row_style = overdue_in_red
        self.invoices.table.activated_id.connect(lambda _: self.record_payment())

        self.ageing = RecordTable(AGEING_COLUMNS, key="customer_id", sort=(7, Qt.SortOrder.DescendingOrder))
        self.ageing.setObjectName("receivables")
        self.ageing_totals = RecordTable(AGEING_COLUMNS, key="customer_id", sort=None)
        self.ageing_totals.setObjectName("receivablesTotals")
        self.ageing_totals.setSortingEnabled(False)
        self.ageing_totals.horizontalHeader().hide()
        self.ageing_totals.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.ageing_totals.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.ageing_totals.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.ageing_totals.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.ageing_totals.setFixedHeight(28)
        self.ageing_totals.source.row_style = lambda record: ("#eef1f5", None, True)
        self.ageing.horizontalHeader().sectionResized.connect(
            lambda i, _old, new: self.ageing_totals.setColumnWidth(i, new)
        )
        self.ageing.horizontalScrollBar().valueChanged.connect(self.ageing_totals.horizontalScrollBar().setValue)
        self.ageing_totals.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.ageing_note = QLabel(self)
        self.ageing_note.setObjectName("ageingNote")
        self.ageing_note.setContentsMargins(4, 4, 4, 6)
        receivables = QWidget(self)
        receivables_layout = QVBoxLayout(receivables)
        receivables_layout.setContentsMargins(0, 0, 0, 0)
        receivables_layout.setSpacing(0)
        receivables_layout.addWidget(self.ageing_note)
        receivables_layout.addWidget(self.ageing, 1)
        receivables_layout.addWidget(self.ageing_totals)
        self.ageing_rows: list[dict[str, Any]] = []

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("financeTabs")
        self.tabs.addTab(self.to_invoice.container, "&To invoice")
        self.tabs.addTab(self.invoices.container, "In&voices")
        self.tabs.addTab(receivables, "Rec&eivables")
        self.customers = MasterDataPage(self, CUSTOMERS)
        self.tabs.addTab(self.customers, "C&ustomers")
        self.tabs.currentChanged.connect(lambda _: self.update_actions())
        self.tab_shortcuts(self.tabs)
        self.central(self.tabs)
        self.resizeDocks([self.inbox], [190], Qt.Orientation.Horizontal)

        on_tab = lambda widget: lambda: self.tabs.currentWidget() is widget  # noqa: E731
        chosen_settleable = lambda: settleable(self.invoices.table.current_record())  # noqa: E731
        self.invoice_action = self.action(
            "&Invoice",
            self.invoice,
            shortcut="Ctrl+I",
            duty="invoice",
            enabled=lambda: on_tab(self.to_invoice.container)() and self.to_invoice.table.current_id() is not None,
            tip="Invoice what was shipped for the selected order and post the invoice",
        )
        self.payment_action = self.action(
            "Record &payment…",
            self.record_payment,
            shortcut="Ctrl+Shift+P",
            duty="record_payments",
            enabled=lambda: on_tab(self.invoices.container)() and chosen_settleable(),
        )
        self.credit_action = self.action(
            "&Credit note…",
            self.credit_note,
            shortcut="Ctrl+Shift+K",
            duty="credit_notes",
            enabled=lambda: on_tab(self.invoices.container)() and chosen_settleable(),
            tip="Credit the whole open invoice; its quantities can be invoiced again",
        )
        self.print_action = self.action(
            "P&rint…",
            self.print_selected,
            shortcut="Ctrl+P",
            duty="print_invoices",
            enabled=lambda: on_tab(self.invoices.container)() and bool(self.invoices.table.selected_ids()),
            tip="Print the selected invoices and credit notes",
        )
        self.batch_action = self.action(
            "Print &unprinted",
            self.print_unprinted,
            duty="print_invoices",
            tip="Print every posted invoice and credit note not printed yet, in one batch (with progress and cancel)",
        )
        self.payment_dialog: PaymentDialog | None = None
        self.print_offer: QMessageBox | None = None
        self.master_data = MasterDataActions(
            self,
            self.tabs,
            [self.invoice_action, self.payment_action, self.credit_action, self.print_action, self.batch_action],
        )
        self.master_data.add(self.customers)
        self.update_actions()

    # -- live -----------------------------------------------------------------------------------------------

    def reload(self) -> None:
        super().reload()
        self.load_ageing()

    def apply_changes(self, changes: Changes) -> None:
        super().apply_changes(changes)
        if changes.invoices:
            self.load_ageing()

    def load_ageing(self) -> None:
        self.run(finance_queries.receivables_ageing, on_done=self._ageing_loaded)

    def _ageing_loaded(self, rows: list[dict[str, Any]]) -> None:
        self.ageing_rows = rows
        current = self.ageing.current_id()
        self.ageing.source.reset(rows)
        if current is not None:
            self.ageing.select_id(current)
        totals = {bucket: sum((row[bucket] or Decimal(0) for row in rows), Decimal(0)) for bucket in BUCKETS}
        self.ageing_totals.source.reset(
            [
                {
                    "customer_id": 0,
                    "code": "Total",
                    "name": f"{len(rows)} customer{'s' if len(rows) != 1 else ''}",
                    **totals,
                }
            ]
        )
        overdue = totals["total"] - totals["current"]
        self.ageing_note.setText(
            f"Open receivables {fmt.money(totals['total'])}"
            + (
                f" · <span style='color:{fmt.LATE_COLOUR}'><b>overdue {fmt.money(overdue)}</b></span>"
                if overdue
                else " · nothing overdue"
            )
        )

    @property
    def ageing_total(self) -> Decimal:
        return sum((row["total"] or Decimal(0) for row in self.ageing_rows), Decimal(0))

    def show_order(self, order_id: int) -> None:
        """Bring the order forward: in the queue if it waits for an invoice, else its latest invoice."""
        if self.to_invoice.table.select_id(order_id):
            self.tabs.setCurrentWidget(self.to_invoice.container)
            return
        source = self.invoices.table.source
        for invoice_id in sorted(source.ids(), reverse=True):
            if (source.record_by_id(invoice_id) or {}).get("sales_order_id") == order_id:
                self.tabs.setCurrentWidget(self.invoices.container)
                self.invoices.reveal(invoice_id)
                return

    # -- actions --------------------------------------------------------------------------------------------

    def invoice(self) -> None:
        record = self.to_invoice.table.current_record()
        if not record or not self.context.may("invoice"):
            return
        self.run(finance.invoice_order, record["id"], on_done=lambda changes: self._invoiced(record, changes))

    def _invoiced(self, order: dict[str, Any], changes: Changes) -> None:
        """The posting event carries the invoice's number and total; the order's row says whose it is."""
        invoice_id = changes.id
        posted = changes.latest("invoice", invoice_id) if invoice_id is not None else None
        if invoice_id is None or posted is None:
            self.message.show_message(f"{order['number']} invoiced.")
            return
        text = f"{posted.document_no} posted: {fmt.money(posted.payload.get('gross_total'))}"
        self.message.show_message(f"{text} ({order['customer_name']}, {order['number']}).", seconds=12)
        if not self.context.may("print_invoices"):
            return
        offer = QMessageBox(
            QMessageBox.Icon.Question,
            "Print invoice",
            f"{text}.\n\nPrint it now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        offer.setObjectName("printOffer")
        offer.setDefaultButton(QMessageBox.StandardButton.Yes)
        offer.finished.connect(lambda result: self._print_offer_answered(offer, invoice_id, result))
        self.print_offer = offer
        offer.open()

    def _print_offer_answered(self, offer: QMessageBox, invoice_id: int, result: int) -> None:
        offer.deleteLater()
        if self.print_offer is offer:
            self.print_offer = None
        if result == QMessageBox.StandardButton.Yes:
            self.print_invoice(invoice_id)

    def print_invoice(self, invoice_id: int) -> None:
        self.print_invoices([invoice_id])

    def print_invoices(self, invoice_ids: list[int]) -> None:
        try:
            from erp_desktop.printing import open_print_preview
        except ImportError:
            self.message.show_message("Printing is not available yet.", error=True)
            return
        try:
            open_print_preview(self, self.context, "invoice", list(invoice_ids))
        except Exception as exc:  # a broken printer set-up must not take the window down
            self.show_error(exc)

    def print_unprinted(self) -> None:
        try:
            from erp_desktop.printing import print_batch
        except ImportError:
            self.message.show_message("Printing is not available yet.", error=True)
            return
        self.batch = print_batch(self, self.context, "invoice")

    def print_selected(self) -> None:
        ids = [i for i in self.invoices.table.selected_ids() if i is not None]
        records = [self.invoices.table.source.record_by_id(i) or {} for i in ids]
        printable = [r["id"] for r in records if r.get("state") not in (None, "draft", "cancelled")]
        if not printable:
            self.message.show_message("Choose posted invoices to print; drafts are not printed.", error=True)
            return
        self.print_invoices(printable)

    def record_payment(self) -> None:
        record = self.invoices.table.current_record()
        if not record or not settleable(record) or not self.context.may("record_payments"):
            return
        dialog = PaymentDialog(self.context, record, self)
        dialog.recorded.connect(lambda text: self.message.show_message(text))
        dialog.finished.connect(lambda _: self._payment_dialog_closed(dialog))
        self.payment_dialog = dialog
        dialog.open()

    def _payment_dialog_closed(self, dialog: PaymentDialog) -> None:
        if self.payment_dialog is dialog:
            self.payment_dialog = None
        dialog.deleteLater()

    def credit_note(self) -> None:
        record = self.invoices.table.current_record()
        if not record or not settleable(record):
            return
        reason = ask_reason(
            self,
            "Credit note",
            f"Credit all of {record['number']} ({record['customer_name']}, open "
            f"{fmt.money(record['open_amount'])})? The invoice stays as it is; a credit "
            "note corrects it and its quantities can be invoiced again.\n\n"
            "Why? The reason is printed on the credit note.",
        )
        if reason is None:
            return
        self.run(
            finance.create_credit_note,
            record["id"],
            reason=reason,
            on_done=lambda changes: self._credited(record, changes),
        )

    def _credited(self, record: dict[str, Any], changes: Changes) -> None:
        """The credit note's last event carries its number and total."""
        note = changes.latest("invoice", changes.id) if changes.id is not None else None
        if note is None:
            self.message.show_message(f"{record['number']} credited.")
            return
        self.message.show_message(
            f"{note.document_no or 'Credit note'} credits {record['number']}: "
            f"{fmt.money(note.payload.get('gross_total'))}."
        )

    def has_unsaved_work(self) -> bool:
        return self.master_data.has_unsaved_work()
