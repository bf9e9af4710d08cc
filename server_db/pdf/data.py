"""Everything a printed delivery note or invoice shows, loaded in two queries per batch of documents.

The values are frozen dataclasses, so rendering (which may run in another thread) needs no session.
Documents are asked for by number as a person types it ("inv-2026-00001") or by record id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core.errors import InvalidTransition, NotFound, ValidationError
from server_db.finance.states import INVOICE

DocumentKind = Literal["delivery_note", "invoice"]


@dataclass(frozen=True)
class CompanyHeader:
    """The company printing the document (erp.company)."""

    name: str
    address: str
    tax_id: str
    phone: str
    email: str
    bank_account: str
    logo_png: bytes | None
    currency: str


@dataclass(frozen=True)
class Party:
    """The customer as printed: who is billed and whom the driver asks for."""

    code: str
    name: str
    address: str
    tax_id: str
    contact: str
    phone: str


@dataclass(frozen=True)
class DeliveryLine:
    line_no: int
    sku: str
    description: str
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class InvoiceLine:
    line_no: int
    sku: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_pct: Decimal  # 0 to 100
    tax_rate: Decimal  # 0.13 for 13 %
    net: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class TaxRateTotal:
    """One row of the tax summary: the lines taxed at `rate`, added up."""

    rate: Decimal
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class DeliveryNoteData:
    id: int
    number: str
    state: str
    company: CompanyHeader
    customer: Party
    delivery_address: str
    warehouse: str
    order_number: str
    customer_reference: str
    order_date: dt.date
    date: dt.date  # shipped on, or picked on while not shipped yet
    shipped: bool
    lines: tuple[DeliveryLine, ...]
    print_count: int

    kind: ClassVar[DocumentKind] = "delivery_note"

    @property
    def order_reference(self) -> str:
        return _order_reference(self.order_number, self.customer_reference)


@dataclass(frozen=True)
class InvoiceData:
    id: int
    number: str
    kind_of_invoice: Literal["invoice", "credit_note"]
    state: str
    company: CompanyHeader
    customer: Party
    delivery_address: str
    order_number: str
    customer_reference: str
    order_date: dt.date
    invoice_date: dt.date
    due_date: dt.date
    payment_terms_days: int
    delivery_notes: tuple[str, ...]  # the order's shipped delivery notes, for the customer's matching
    lines: tuple[InvoiceLine, ...]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    tax_summary: tuple[TaxRateTotal, ...]
    credited_invoice_number: str | None  # credit notes only
    reason: str  # why a credit note was issued
    print_count: int

    kind: ClassVar[DocumentKind] = "invoice"

    @property
    def is_credit_note(self) -> bool:
        return self.kind_of_invoice == "credit_note"

    @property
    def order_reference(self) -> str:
        return _order_reference(self.order_number, self.customer_reference)


@dataclass(frozen=True)
class UnprintedDocument:
    """A row of the batch-print form."""

    kind: DocumentKind
    id: int
    number: str
    date: dt.date
    customer_name: str
    order_number: str
    gross_total: Decimal | None  # invoices only


def _order_reference(order_number: str, customer_reference: str) -> str:
    return f"{order_number} / {customer_reference}" if customer_reference else order_number


# -- loading one document -------------------------------------------------------------------------------


def delivery_note_data(session: Session, number_or_id: str | int) -> DeliveryNoteData:
    """A delivery note by number (DN-2026-00001) or id. NotFound names the number asked for."""
    note = load_requested(session, [("delivery_note", number_or_id)])[0]
    assert isinstance(note, DeliveryNoteData)
    return note


def invoice_data(session: Session, number_or_id: str | int) -> InvoiceData:
    """An invoice or credit note by number (INV-2026-00001, CN-2026-00001) or id. Drafts have no number yet
    and cannot be printed."""
    invoice = load_requested(session, [("invoice", number_or_id)])[0]
    assert isinstance(invoice, InvoiceData)
    return invoice


def load_requested(
    session: Session, requests: Sequence[tuple[DocumentKind, str | int]]
) -> list[DeliveryNoteData | InvoiceData]:
    """Documents by (kind, number or id), in the order asked for, with one load per kind and way of asking
    (not one per document). NotFound names the first one that does not exist."""
    labels = {"delivery_note": "delivery note", "invoice": "invoice"}
    loaders: dict[str, Callable[..., Sequence[DeliveryNoteData | InvoiceData]]] = {
        "delivery_note": load_delivery_notes,
        "invoice": load_invoices,
    }
    wanted = [(kind, asked, *_lookup_key(asked, labels[kind])) for kind, asked in requests]
    found: dict[tuple[str, str, Any], DeliveryNoteData | InvoiceData] = {}
    for kind, column in dict.fromkeys((kind, column) for kind, _, column, _ in wanted):
        keys = [key for k, _, c, key in wanted if (k, c) == (kind, column)]
        for document in loaders[kind](session, **{column: keys}):
            found[(kind, column, document.id if column == "ids" else document.number)] = document
    result = []
    for kind, asked, column, key in wanted:
        match = found.get((kind, column, key))
        if match is None:
            credit = kind == "invoice" and isinstance(key, str) and key.startswith("CN-")
            raise NotFound(_missing("credit note" if credit else labels[kind], asked))
        result.append(match)
    return result


def _lookup_key(value: str | int, label: str) -> tuple[str, Any]:
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise NotFound(f"There is no {label} #{value}.")
        return "ids", value
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"Enter the number of the {label} to print.", field="number")
    return "numbers", value.strip().upper()


def _missing(label: str, value: str | int) -> str:
    shown = f"#{value}" if isinstance(value, int) else str(value).strip().upper()
    return f"There is no {label} {shown}."


# -- loading many: two queries whatever the number of documents ------------------------------------------

_COMPANY_COLUMNS = """
       co.name AS co_name, co.address AS co_address, coalesce(co.tax_id, '') AS co_tax_id,
       co.phone AS co_phone, co.email AS co_email, co.bank_account AS co_bank_account,
       co.logo_png AS co_logo_png, co.currency AS co_currency"""

_CUSTOMER_COLUMNS = """
       c.code AS c_code, c.name AS c_name, c.address AS c_address, coalesce(c.tax_id, '') AS c_tax_id,
       c.contact AS c_contact, c.phone AS c_phone"""


def load_delivery_notes(
    session: Session, *, ids: Sequence[int] | None = None, numbers: Sequence[str] | None = None
) -> list[DeliveryNoteData]:
    """Delivery notes by ids or numbers, in the order asked for (unknown ones are left out)."""
    rows = _header_rows(
        session,
        f"""
        SELECT d.id, d.number, d.state, d.delivery_address, d.print_count, w.name AS warehouse,
               (d.shipped_at IS NOT NULL) AS shipped, coalesce(d.shipped_at, d.created_at)::date AS date,
               o.number AS order_number, o.customer_reference, o.order_date,
               {_CUSTOMER_COLUMNS}, {_COMPANY_COLUMNS}
          FROM erp.delivery_notes d
          JOIN erp.sales_orders o ON o.id = d.sales_order_id
          JOIN erp.customers c ON c.id = o.customer_id
          JOIN erp.warehouses w ON w.id = d.warehouse_id
          LEFT JOIN erp.company co ON co.id = 1
         WHERE {{where}}
    """,
        "d",
        ids,
        numbers,
    )
    if not rows:
        return []
    for row in rows:
        if row["state"] == "cancelled":
            raise InvalidTransition(f"Delivery note {row['number']} was cancelled; it cannot be printed.")
    lines: dict[int, list[DeliveryLine]] = {row["id"]: [] for row in rows}
    for line in session.execute(
        text("""
        SELECT dl.delivery_note_id, dl.line_no, p.sku,
               coalesce(nullif(sl.description, ''), p.name) AS description, dl.quantity, p.unit
          FROM erp.delivery_note_lines dl
          JOIN erp.sales_order_lines sl ON sl.id = dl.sales_order_line_id
          JOIN erp.products p ON p.id = dl.product_id
         WHERE dl.delivery_note_id = ANY(:ids)
         ORDER BY dl.delivery_note_id, dl.line_no
    """),
        {"ids": list(lines)},
    ).mappings():
        lines[line["delivery_note_id"]].append(
            DeliveryLine(line["line_no"], line["sku"], line["description"], line["quantity"], line["unit"])
        )
    return [
        DeliveryNoteData(
            id=row["id"],
            number=row["number"],
            state=row["state"],
            company=_company(row),
            customer=_customer(row),
            delivery_address=row["delivery_address"] or row["c_address"],
            warehouse=row["warehouse"],
            order_number=row["order_number"],
            customer_reference=row["customer_reference"],
            order_date=row["order_date"],
            date=row["date"],
            shipped=row["shipped"],
            lines=tuple(lines[row["id"]]),
            print_count=row["print_count"],
        )
        for row in rows
    ]


def load_invoices(
    session: Session, *, ids: Sequence[int] | None = None, numbers: Sequence[str] | None = None
) -> list[InvoiceData]:
    """Posted invoices and credit notes by ids or numbers, in the order asked for (unknown ones are left
    out). Asking for a draft is refused: it has no number yet."""
    rows = _header_rows(
        session,
        f"""
        SELECT i.id, i.number, i.kind, i.state, i.invoice_date, i.due_date, i.net_total, i.tax_total,
               i.gross_total, i.reason, i.print_count, ci.number AS credited_invoice_number,
               o.number AS order_number, o.customer_reference, o.order_date,
               coalesce(nullif(o.delivery_address, ''), nullif(c.delivery_address, ''), c.address)
                   AS delivery_address,
               c.payment_terms_days,
               ARRAY(SELECT dn.number FROM erp.delivery_notes dn
                      WHERE dn.sales_order_id = o.id AND dn.state = 'shipped'
                      ORDER BY dn.id) AS delivery_notes,
               {_CUSTOMER_COLUMNS}, {_COMPANY_COLUMNS}
          FROM erp.invoices i
          JOIN erp.sales_orders o ON o.id = i.sales_order_id
          JOIN erp.customers c ON c.id = i.customer_id
          LEFT JOIN erp.invoices ci ON ci.id = i.credited_invoice_id
          LEFT JOIN erp.company co ON co.id = 1
         WHERE {{where}}
    """,
        "i",
        ids,
        numbers,
    )
    if not rows:
        return []
    for row in rows:
        if row["number"] is None or row["state"] in ("draft", "cancelled"):
            raise InvalidTransition(
                f"Invoice #{row['id']} is a draft: post it first; only posted invoices "
                "have a number and can be printed."
            )
    lines: dict[int, list[InvoiceLine]] = {row["id"]: [] for row in rows}
    for line in session.execute(
        text("""
        SELECT il.invoice_id, il.line_no, p.sku, il.description, il.quantity, il.unit, il.unit_price,
               il.discount_pct, il.tax_rate, il.net_amount, il.tax_amount
          FROM erp.invoice_lines il
          JOIN erp.products p ON p.id = il.product_id
         WHERE il.invoice_id = ANY(:ids)
         ORDER BY il.invoice_id, il.line_no
    """),
        {"ids": list(lines)},
    ).mappings():
        lines[line["invoice_id"]].append(
            InvoiceLine(
                line["line_no"],
                line["sku"],
                line["description"],
                line["quantity"],
                line["unit"],
                line["unit_price"],
                line["discount_pct"],
                line["tax_rate"],
                line["net_amount"],
                line["tax_amount"],
            )
        )
    return [
        InvoiceData(
            id=row["id"],
            number=row["number"],
            kind_of_invoice=row["kind"],
            state=row["state"],
            company=_company(row),
            customer=_customer(row),
            delivery_address=row["delivery_address"],
            order_number=row["order_number"],
            customer_reference=row["customer_reference"],
            order_date=row["order_date"],
            invoice_date=row["invoice_date"],
            due_date=row["due_date"],
            payment_terms_days=row["payment_terms_days"],
            delivery_notes=tuple(row["delivery_notes"]),
            lines=tuple(lines[row["id"]]),
            net_total=row["net_total"],
            tax_total=row["tax_total"],
            gross_total=row["gross_total"],
            tax_summary=tax_summary(lines[row["id"]]),
            credited_invoice_number=row["credited_invoice_number"],
            reason=row["reason"],
            print_count=row["print_count"],
        )
        for row in rows
    ]


def tax_summary(lines: Sequence[InvoiceLine]) -> tuple[TaxRateTotal, ...]:
    """Net and tax per tax rate, highest rate first. Adds up to the invoice totals: the database sums the
    same rounded line amounts."""
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        net, tax = by_rate.get(line.tax_rate, (Decimal(0), Decimal(0)))
        by_rate[line.tax_rate] = (net + line.net, tax + line.tax)
    return tuple(TaxRateTotal(rate, net, tax) for rate, (net, tax) in sorted(by_rate.items(), reverse=True))


def _header_rows(
    session: Session, sql: str, alias: str, ids: Sequence[int] | None, numbers: Sequence[str] | None
) -> list[dict[str, Any]]:
    """Rows of `sql` for the ids or numbers, in the order given, refusing to print without a company."""
    if (ids is None) == (numbers is None):
        raise TypeError("give either ids or numbers")
    keys = list(ids if ids is not None else numbers or [])
    if not keys:
        return []
    column = "id" if ids is not None else "number"
    rows = [
        dict(row)
        for row in session.execute(text(sql.format(where=f"{alias}.{column} = ANY(:keys)")), {"keys": keys}).mappings()
    ]
    if rows and rows[0]["co_name"] is None:
        raise ValidationError(
            "The company's name and address are not set up yet, so documents cannot be "
            "printed; ask your administrator to enter them."
        )
    position = {key: index for index, key in enumerate(keys)}
    rows.sort(key=lambda row: position[row[column]])
    return rows


def _company(row: dict[str, Any]) -> CompanyHeader:
    logo = row["co_logo_png"]
    return CompanyHeader(
        row["co_name"],
        row["co_address"],
        row["co_tax_id"],
        row["co_phone"],
        row["co_email"],
        row["co_bank_account"],
        bytes(logo) if logo is not None else None,
        row["co_currency"],
    )


def _customer(row: dict[str, Any]) -> Party:
    return Party(row["c_code"], row["c_name"], row["c_address"], row["c_tax_id"], row["c_contact"], row["c_phone"])


# -- what the batch form offers ---------------------------------------------------------------------------


def unprinted_delivery_notes(session: Session) -> list[UnprintedDocument]:
    """Shipped delivery notes nobody has printed yet, oldest first."""
    return [
        UnprintedDocument("delivery_note", row.id, row.number, row.date, row.customer_name, row.order_number, None)
        for row in session.execute(
            text("""
        SELECT d.id, d.number, d.shipped_at::date AS date, c.name AS customer_name, o.number AS order_number
          FROM erp.delivery_notes d
          JOIN erp.sales_orders o ON o.id = d.sales_order_id
          JOIN erp.customers c ON c.id = o.customer_id
         WHERE d.state = 'shipped' AND d.print_count = 0
         ORDER BY d.id
    """)
        )
    ]


def unprinted_invoices(session: Session) -> list[UnprintedDocument]:
    """Posted invoices and credit notes nobody has printed yet, oldest first."""
    return [
        UnprintedDocument(
            "invoice", row.id, row.number, row.invoice_date, row.customer_name, row.order_number, row.gross_total
        )
        for row in session.execute(
            text("""
        SELECT i.id, i.number, i.invoice_date, i.gross_total, c.name AS customer_name,
               o.number AS order_number
          FROM erp.invoices i
          JOIN erp.sales_orders o ON o.id = i.sales_order_id
          JOIN erp.customers c ON c.id = i.customer_id
         WHERE i.state = ANY(:posted) AND i.print_count = 0
         ORDER BY i.id
    """),
            {"posted": INVOICE.group("posted")},
        )
    ]
