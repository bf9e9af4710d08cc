"""Printing as a business operation: record each print in the database and render the PDF, in the
caller's transaction.

The first print of a document is the original; every later one is marked 副本 COPY. The database counts
prints (erp.record_print) and keeps who printed first and when, so two clerks printing the same invoice
at once cannot both get an original. If rendering fails or the person cancels, the transaction rolls back
and nothing counts as printed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import get_args

from sqlalchemy import text
from sqlalchemy.orm import Session

from server_db.core.errors import ValidationError
from server_db.pdf import data as loader
from server_db.pdf.data import DeliveryNoteData, DocumentKind, InvoiceData
from server_db.pdf.fonts import registered_font
from server_db.pdf.render import BatchItem, render_batch

KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)
KIND_LABELS = {"delivery_note": "delivery note", "invoice": "invoice"}

Progress = Callable[[int, int, str], None]
"""progress(done, total, number) as each document is rendered, and (total, total, "") at the end; raise
Cancelled in it to stop."""


class Cancelled(Exception):
    """Raised by a progress callback to stop printing; nothing is recorded as printed."""


@dataclass(frozen=True)
class Unprinted:
    """Every document of `kind` not printed yet: shipped delivery notes, posted invoices."""

    kind: DocumentKind


@dataclass(frozen=True)
class PrintedDocument:
    kind: DocumentKind
    id: int
    number: str
    print_count: int  # including this print
    copy: bool  # printed before: this one is marked COPY


@dataclass(frozen=True)
class PrintResult:
    pdf: bytes
    printed: tuple[PrintedDocument, ...]
    font: str  # which font the PDF uses, e.g. "WenQuanYi Micro Hei (/usr/share/fonts/...)"

    @property
    def copies(self) -> int:
        return sum(1 for document in self.printed if document.copy)


def print_documents(
    session: Session,
    requests: Iterable[tuple[DocumentKind, str | int]] | Unprinted,
    *,
    progress: Progress | None = None,
) -> PrintResult:
    """Record and render the documents asked for, as (kind, number or id) pairs in the order given, or
    every unprinted document of one kind. Unknown numbers raise NotFound before anything is recorded."""
    font = registered_font()  # a missing font is reported before anything counts as printed
    documents = _load(session, requests)
    if not documents:
        if isinstance(requests, Unprinted):
            raise ValidationError(
                f"Every {KIND_LABELS[requests.kind]} is printed already; there is nothing new to print."
            )
        raise ValidationError("Choose at least one document to print.")
    batch: list[BatchItem] = []
    printed: list[PrintedDocument] = []
    for document, count in zip(documents, record_prints(session, documents), strict=True):
        copy = count >= 2
        batch.append((document.kind, replace(document, print_count=count), copy))
        printed.append(PrintedDocument(document.kind, document.id, document.number, count, copy))

    def starting(index: int) -> None:
        if progress is not None:
            progress(index, len(documents), documents[index].number)

    pdf = render_batch(batch, on_document=starting)
    if progress is not None:
        progress(len(documents), len(documents), "")
    return PrintResult(pdf, tuple(printed), font.description)


def record_prints(session: Session, documents: Sequence[DeliveryNoteData | InvoiceData]) -> list[int]:
    """Count one print of each document, in one statement; returns how many times each has now been printed."""
    rows = session.execute(
        text(
            "SELECT erp.record_print(d.kind, d.id) FROM unnest(CAST(:kinds AS text[]), CAST(:ids AS bigint[]))"
            " WITH ORDINALITY AS d(kind, id, n) ORDER BY d.n"
        ),
        {"kinds": [document.kind for document in documents], "ids": [document.id for document in documents]},
    )
    return [int(count) for (count,) in rows]


def _load(
    session: Session, requests: Iterable[tuple[DocumentKind, str | int]] | Unprinted
) -> list[DeliveryNoteData | InvoiceData]:
    if isinstance(requests, Unprinted):
        if requests.kind == "delivery_note":
            ids = [row.id for row in loader.unprinted_delivery_notes(session)]
            return list(loader.load_delivery_notes(session, ids=ids))
        ids = [row.id for row in loader.unprinted_invoices(session)]
        return list(loader.load_invoices(session, ids=ids))
    return loader.load_requested(session, _checked(requests))


def _checked(requests: Iterable[tuple[DocumentKind, str | int]]) -> Sequence[tuple[DocumentKind, str | int]]:
    checked = list(requests)
    for kind, _ in checked:
        if kind not in KINDS:
            raise ValidationError(f"Only delivery notes and invoices are printed, not {kind!r}.")
    return checked
