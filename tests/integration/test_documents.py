"""Printed delivery notes and invoices: real PDFs from a real database, read back with poppler (text,
fonts, pages) and zbar (barcodes), the way a customer's scanner or a clerk's eyes would."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from server_db.core.db import Database
from server_db.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from server_db.finance import services as finance
from server_db.masterdata import services as masterdata
from server_db.pdf import data as documents
from server_db.pdf import fonts, jobs, render
from server_db.pdf.capital import to_chinese_capital
from server_db.pdf.jobs import Cancelled, Unprinted
from server_db.people import services as people
from server_db.sales import services as sales
from server_db.sales.services import LineInput
from server_db.warehouse import services as warehouse
from tests.factories import CUSTOMER_NAME, World

ROOT = Path(__file__).resolve().parents[2]
LONG_DESCRIPTION = "超长描述的精密机械零件，含不锈钢外壳、密封圈和安装支架，适用于离心泵总成装配"


# -- reading PDFs back -----------------------------------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path: Path, *, page: int | None = None, layout: bool = False) -> str:
    path = tmp_path / "read.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else [])
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, check=True, text=True).stdout


def page_count(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert match, info
    return int(match.group(1))


def barcodes(pdf: bytes, tmp_path: Path, *, dpi: int = 200) -> set[str]:
    """What zbar reads from the first page rendered as a scan would be."""
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "scan")], check=True
    )
    image = next(tmp_path.glob("scan*.png"))
    result = subprocess.run(["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True)
    image.unlink()
    return {line.strip() for line in result.stdout.splitlines() if line.strip()}


def squeeze(value: str) -> str:
    return re.sub(r"\s+", "", value)


# -- a shipped and invoiced order ------------------------------------------------------------------------


@dataclass
class Shipped:
    order_number: str
    note_id: int
    note_number: str
    invoice_id: int
    invoice_number: str


def ship_and_invoice(world: World, lines: list[tuple[str, int]], **order: object) -> Shipped:
    for sku, qty in lines:
        world.stock(sku, qty)
    order_id = world.confirmed_order(lines, **order)
    note_id = world.ship_all(order_id)
    invoice_id = world.invoice(order_id)

    def numbers(session) -> tuple[str, str, str]:
        row = session.execute(
            text("""
            SELECT o.number, d.number, i.number FROM erp.sales_orders o
              JOIN erp.delivery_notes d ON d.id = :note JOIN erp.invoices i ON i.id = :invoice
             WHERE o.id = :order"""),
            {"order": order_id, "note": note_id, "invoice": invoice_id},
        ).one()
        return row[0], row[1], row[2]

    order_number, note_number, invoice_number = world.db.run(numbers)
    return Shipped(order_number, note_id, note_number, invoice_id, invoice_number)


@pytest.fixture
def shipped(world: World) -> Shipped:
    """10 x BUY-A at 10.00 and 60 x BUY-B at 20.00, 13 % tax: 1,300.00 + 169.00 = 1,469.00."""
    return ship_and_invoice(world, [("BUY-A", 10), ("BUY-B", 60)], customer_reference="采购单 HL-77")


def long_invoice(world: World, lines: int = 120) -> Shipped:
    """An invoice of `lines` products; every seventh has a description too long for one line."""
    skus = [f"LINE-{number:03d}" for number in range(1, lines + 1)]

    def products(session) -> None:
        for number, sku in enumerate(skus, start=1):
            name = f"{LONG_DESCRIPTION} {number}" if number % 7 == 0 else f"零件 {number} 号"
            masterdata.create_product(
                session,
                sku=sku,
                name=name,
                procurement="buy",
                price=f"{number}.50",
                cost="0.10",
                default_supplier="SUP",
                tax_rate="0.09" if number % 5 == 0 else "0.13",
            )
        for sku in skus:
            warehouse.adjust_stock(session, sku, quantity=5, reason="test stock")

    world.db.run(products)
    order_id = world.db.run(
        sales.create_order,
        customer="CN",
        lines=[LineInput(product=sku, quantity=number % 4 + 1) for number, sku in enumerate(skus, start=1)],
    ).id
    assert order_id is not None
    world.db.run(sales.confirm_order, order_id)
    note_id = world.ship_all(order_id)
    invoice_id = world.invoice(order_id)
    invoice = world.db.run(documents.invoice_data, invoice_id)
    return Shipped(invoice.order_number, note_id, "", invoice_id, invoice.number)


def print_one(world: World, kind: str, number: str) -> jobs.PrintResult:
    return world.db.run(jobs.print_documents, [(kind, number)])


# -- data -------------------------------------------------------------------------------------------------


def test_invoice_data_has_everything_the_paper_shows(world: World, shipped: Shipped) -> None:
    invoice = world.db.run(documents.invoice_data, shipped.invoice_number.lower())  # typed loosely
    assert invoice.number == shipped.invoice_number
    assert invoice.company.name == "测试公司 Test Co."
    assert invoice.customer.name == CUSTOMER_NAME and invoice.customer.tax_id == "911101056000012342"
    assert invoice.order_reference == f"{shipped.order_number} / 采购单 HL-77"
    assert [(line.sku, line.quantity, line.net, line.tax) for line in invoice.lines] == [
        ("BUY-A", 10, Decimal("100.00"), Decimal("13.00")),
        ("BUY-B", 60, Decimal("1200.00"), Decimal("156.00")),
    ]
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (1300, 169, 1469)
    assert [(row.rate, row.net, row.tax) for row in invoice.tax_summary] == [(Decimal("0.13"), 1300, 169)]
    assert invoice.payment_terms_days == 30
    assert (invoice.due_date - invoice.invoice_date).days == 30
    assert invoice.delivery_notes == (shipped.note_number,)
    assert invoice.print_count == 0 and not invoice.is_credit_note

    note = world.db.run(documents.delivery_note_data, shipped.note_id)
    assert note.number == shipped.note_number and note.shipped
    assert [(line.sku, line.quantity, line.unit) for line in note.lines] == [("BUY-A", 10, "pcs"), ("BUY-B", 60, "pcs")]
    assert note.delivery_address == "北京市朝阳区建国路 88 号"


def test_unknown_numbers_and_drafts_are_refused_with_a_sentence(world: World, shipped: Shipped) -> None:
    with pytest.raises(NotFound, match=r"^There is no invoice INV-2026-00099\.$"):
        world.db.run(documents.invoice_data, "INV-2026-00099")
    with pytest.raises(NotFound, match=r"^There is no delivery note DN-2026-00099\.$"):
        world.db.run(documents.delivery_note_data, "DN-2026-00099")
    with pytest.raises(NotFound, match="There is no invoice INV-2026-00099"):
        world.db.run(jobs.print_documents, [("invoice", shipped.invoice_number), ("invoice", "INV-2026-00099")])
    assert world.count("invoices", "print_count > 0") == 0  # nothing of the batch was recorded

    world.stock("BUY-A", 1)
    order = world.confirmed_order([("BUY-A", 1)])
    world.ship_all(order)
    draft = world.db.run(finance.create_invoice, order).id
    with pytest.raises(InvalidTransition, match="is a draft: post it first"):
        world.db.run(documents.invoice_data, draft)


# -- the invoice on paper ---------------------------------------------------------------------------------


def test_invoice_pdf_shows_customer_numbers_totals_and_capital_amount(
    world: World, shipped: Shipped, tmp_path: Path
) -> None:
    result = print_one(world, "invoice", shipped.invoice_number)
    assert result.pdf.startswith(b"%PDF-")
    assert [(p.number, p.print_count, p.copy) for p in result.printed] == [(shipped.invoice_number, 1, False)]
    words = pdf_text(result.pdf, tmp_path)
    for expected in (
        CUSTOMER_NAME,
        shipped.invoice_number,
        shipped.order_number,
        "采购单 HL-77",
        "发票",
        "INVOICE",
        "1,300.00",
        "169.00",
        "1,469.00",
        "壹仟肆佰陆拾玖元整",
        "911101056000012342",
        "Page 1 of 1",
        "30 days net",
        shipped.note_number,
    ):
        assert expected in words, expected
    assert to_chinese_capital(Decimal("1469.00")) == "壹仟肆佰陆拾玖元整"
    assert "COPY" not in words  # the first print is the original
    assert page_count(result.pdf, tmp_path) == 1


def test_the_chinese_font_is_embedded(world: World, shipped: Shipped, tmp_path: Path) -> None:
    pdf = print_one(world, "invoice", shipped.invoice_number).pdf
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert rows, listing
    family = fonts.registered_font().description.split(" (")[0].replace(" ", "")
    # name type encoding emb sub uni object id: every font is embedded, and it is the Chinese one
    assert all(row[-5] == "yes" for row in rows), listing
    assert any(family in row[0] for row in rows), listing


def test_latin_letters_with_accents_print(world: World, tmp_path: Path) -> None:
    world.db.run(
        masterdata.create_customer,
        code="MUELLER",
        name="Müller Maschinenbau GmbH",
        address="Straße des 17. Juni 135, Béziers",
    )
    order = ship_and_invoice(world, [("BUY-A", 1)], customer="MUELLER")
    words = pdf_text(print_one(world, "invoice", order.invoice_number).pdf, tmp_path)
    assert "Müller Maschinenbau GmbH" in words and "Straße des 17. Juni 135, Béziers" in words
    face = fonts.pdfmetrics.getFont(fonts.registered_font().regular).face
    assert all(ord(char) in face.charToGlyph for char in "üßé")  # drawn, not blank boxes


def test_barcode_and_qr_code_decode_to_the_numbers(world: World, shipped: Shipped, tmp_path: Path) -> None:
    invoice = print_one(world, "invoice", shipped.invoice_number).pdf
    assert {shipped.invoice_number, shipped.order_number} <= barcodes(invoice, tmp_path)
    note = print_one(world, "delivery_note", shipped.note_number).pdf
    assert {shipped.note_number, shipped.order_number} <= barcodes(note, tmp_path, dpi=150)


def test_a_reprint_is_marked_copy_and_the_first_print_is_kept(world: World, shipped: Shipped, tmp_path: Path) -> None:
    def print_state(session) -> tuple[int, object, str]:
        row = session.execute(
            text("SELECT print_count, printed_at, printed_by FROM erp.invoices WHERE id = :id"),
            {"id": shipped.invoice_id},
        ).one()
        return row[0], row[1], row[2]

    assert world.db.run(print_state)[0] == 0
    first = print_one(world, "invoice", shipped.invoice_number)
    count, printed_at, printed_by = world.db.run(print_state)
    assert count == 1 and printed_at is not None and printed_by

    second = print_one(world, "invoice", shipped.invoice_number)
    assert [(p.print_count, p.copy) for p in second.printed] == [(2, True)]
    assert world.db.run(print_state) == (2, printed_at, printed_by)  # who and when of the first print stay
    assert "COPY" not in pdf_text(first.pdf, tmp_path)
    words = pdf_text(second.pdf, tmp_path)
    assert "副本 COPY" in words
    assert world.db.run(documents.invoice_data, shipped.invoice_id).print_count == 2


def test_credit_note_prints_the_credited_invoice_reason_and_negative_amounts(
    world: World, shipped: Shipped, tmp_path: Path
) -> None:
    reason = "货物破损 damaged in transit"
    note_id = world.db.run(finance.create_credit_note, shipped.invoice_id, reason=reason).id
    credit = world.db.run(documents.invoice_data, note_id)
    assert credit.is_credit_note and credit.number.startswith("CN-")
    assert credit.credited_invoice_number == shipped.invoice_number
    words = pdf_text(print_one(world, "invoice", credit.number).pdf, tmp_path)
    for expected in (
        "红字发票",
        "CREDIT NOTE",
        credit.number,
        shipped.invoice_number,
        reason,
        "-1,469.00",
        "负壹仟肆佰陆拾玖元整",
    ):
        assert expected in words, expected
    with pytest.raises(NotFound, match=r"^There is no credit note CN-2026-00099\.$"):
        world.db.run(documents.invoice_data, "CN-2026-00099")


# -- the delivery note on paper ---------------------------------------------------------------------------


def test_delivery_note_pdf_shows_lines_and_a_signature_area(world: World, shipped: Shipped, tmp_path: Path) -> None:
    result = print_one(world, "delivery_note", shipped.note_number)
    words = pdf_text(result.pdf, tmp_path)
    for expected in (
        CUSTOMER_NAME,
        shipped.note_number,
        shipped.order_number,
        "采购单 HL-77",
        "送货单",
        "DELIVERY NOTE",
        "BUY-A",
        "Bought A 轴承",
        "北京市朝阳区建国路 88 号",
        "收货人签字",
        "Received by",
        "Page 1 of 1",
    ):
        assert expected in words, expected
    assert "1,300.00" not in words  # no prices on a delivery note
    layout = pdf_text(result.pdf, tmp_path, layout=True)
    assert re.search(r"BUY-B\s+Bought B\s+60\s+pcs", layout), layout


# -- many lines, many documents ---------------------------------------------------------------------------


def test_a_120_line_invoice_repeats_the_table_header_on_every_page(world: World, tmp_path: Path) -> None:
    order = long_invoice(world)
    result = print_one(world, "invoice", order.invoice_number)
    pages = page_count(result.pdf, tmp_path)
    # about 30 lines fit on the first page and 45 on each further one, and long descriptions take more
    assert pages >= 3
    seen: list[str] = []
    for page in range(1, pages + 1):
        words = pdf_text(result.pdf, tmp_path, page=page)
        assert "Description" in words and "Unit price" in words, f"no table header on page {page}"
        assert f"Page {page} of {pages}" in words
        assert order.invoice_number in words
        seen += re.findall(r"LINE-\d{3}", words)
    assert seen == [f"LINE-{number:03d}" for number in range(1, 121)]  # every line once, in order
    last = pdf_text(result.pdf, tmp_path, page=pages)
    invoice = world.db.run(documents.invoice_data, order.invoice_id)
    assert f"{invoice.gross_total:,.2f}" in last and to_chinese_capital(invoice.gross_total) in last
    assert {"9%", "13%"} <= set(re.findall(r"\d+%", last))  # the tax summary has both rates

    # in a batch, each document counts its own pages
    short = world.db.run(documents.invoice_data, ship_and_invoice(world, [("BUY-A", 1)]).invoice_id)
    batch = render.render_batch([("invoice", short, False), ("invoice", invoice, True)])
    assert page_count(batch, tmp_path) == pages + 1
    assert "Page 1 of 1" in pdf_text(batch, tmp_path, page=1)
    assert f"Page {pages} of {pages}" in pdf_text(batch, tmp_path, page=pages + 1)


def test_long_descriptions_wrap_inside_their_cell(world: World, tmp_path: Path) -> None:
    order = long_invoice(world, lines=14)
    pdf = print_one(world, "invoice", order.invoice_number).pdf
    path = tmp_path / "bbox.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    word_box = r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
    boxes = [(float(x0), float(x1), word) for x0, x1, word in re.findall(word_box, html)]
    left = render.pages.MARGIN_X + sum(width for _, width, _ in render.INVOICE_COLUMNS[:2])
    right = left + render.INVOICE_COLUMNS[2][1]
    pieces = [(x0, x1) for x0, x1, word in boxes if any(part in word for part in ("不锈钢", "密封圈", "离心泵"))]
    assert len(pieces) >= 2, "the long descriptions are on the page"
    assert all(left - 1 <= x0 and x1 <= right + 1 for x0, x1 in pieces), (left, right, pieces)
    assert squeeze(LONG_DESCRIPTION) in squeeze(pdf_text(pdf, tmp_path))


def test_unprinted_documents_print_as_one_batch_numbered_per_document(world: World, tmp_path: Path) -> None:
    first = ship_and_invoice(world, [("BUY-A", 2)])
    second = ship_and_invoice(world, [("BUY-B", 3)])
    unprinted = world.db.run(documents.unprinted_invoices)
    assert [row.number for row in unprinted] == [first.invoice_number, second.invoice_number]
    assert unprinted[0].customer_name == CUSTOMER_NAME and unprinted[0].gross_total == Decimal("22.60")
    assert [row.number for row in world.db.run(documents.unprinted_delivery_notes)] == [
        first.note_number,
        second.note_number,
    ]

    progress: list[tuple[int, int, str]] = []
    result = world.db.run(
        jobs.print_documents,
        Unprinted("invoice"),
        progress=lambda done, total, number: progress.append((done, total, number)),
    )
    assert [p.number for p in result.printed] == [first.invoice_number, second.invoice_number]
    assert progress == [(0, 2, first.invoice_number), (1, 2, second.invoice_number), (2, 2, "")]
    assert page_count(result.pdf, tmp_path) == 2
    for page, number in ((1, first.invoice_number), (2, second.invoice_number)):
        words = pdf_text(result.pdf, tmp_path, page=page)
        assert number in words and "Page 1 of 1" in words  # each invoice counts its own pages
    assert world.db.run(documents.unprinted_invoices) == []
    with pytest.raises(ValidationError, match="printed already"):
        world.db.run(jobs.print_documents, Unprinted("invoice"))


def test_cancelling_a_batch_records_no_print(world: World, shipped: Shipped) -> None:
    seen: list[str] = []

    def cancel_at_second(done: int, total: int, number: str) -> None:
        seen.append(number)
        if done == 1:
            raise Cancelled()

    with pytest.raises(Cancelled):
        world.db.run(
            jobs.print_documents,
            [("delivery_note", shipped.note_number), ("invoice", shipped.invoice_number)],
            progress=cancel_at_second,
        )
    assert seen == [shipped.note_number, shipped.invoice_number]
    assert world.count("invoices", "print_count > 0") == 0
    assert world.count("delivery_notes", "print_count > 0") == 0


def test_the_company_logo_prints_at_the_top(world: World, shipped: Shipped, tmp_path: Path) -> None:
    from PIL import Image

    logo = io.BytesIO()
    Image.new("RGB", (300, 120), (31, 78, 121)).save(logo, "PNG")
    world.db.run(masterdata.set_company, logo_png=logo.getvalue())
    path = tmp_path / "logo.pdf"
    path.write_bytes(print_one(world, "invoice", shipped.invoice_number).pdf)
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    assert [line.split()[2] for line in images.splitlines()[2:]] == ["image"]


def test_each_department_prints_its_own_documents_under_its_own_login(
    world: World, db_url: str, shipped: Shipped
) -> None:
    def login(department: str) -> Database:
        name = f"print_{department}_{uuid.uuid4().hex[:6]}"
        world.db.run(people.create_user, login=name, department=department, password="s3cret-pass")
        url = make_url(db_url)._replace(username=name, password="s3cret-pass")
        return Database(url.render_as_string(hide_password=False))

    warehouse_clerk, finance_clerk = login("warehouse"), login("finance")
    try:
        note = warehouse_clerk.run(jobs.print_documents, [("delivery_note", shipped.note_number)])
        assert note.printed[0].print_count == 1
        with pytest.raises(PermissionDenied, match="Finance prints invoices"):
            warehouse_clerk.run(jobs.print_documents, [("invoice", shipped.invoice_number)])
        invoice = finance_clerk.run(jobs.print_documents, [("invoice", shipped.invoice_number)])
        assert invoice.printed[0].print_count == 1 and not invoice.printed[0].copy
    finally:
        warehouse_clerk.dispose()
        finance_clerk.dispose()


# -- the font ---------------------------------------------------------------------------------------------


def test_the_font_comes_from_erp_cjk_font_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ERP_CJK_FONT", str(tmp_path / "mine.ttf"))
    assert next(fonts.candidates()) == str(tmp_path / "mine.ttf")


def test_unusable_font_files_are_skipped_and_none_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font at all" * 10)
    real = fonts.registered_font().path
    monkeypatch.setattr(fonts, "candidates", lambda: iter([str(tmp_path / "missing.ttc"), str(broken), real]))
    assert fonts._register().path == real
    monkeypatch.setattr(fonts, "candidates", lambda: iter([str(broken)]))
    with pytest.raises(fonts.FontNotFound, match=r"^No Chinese font found: install fonts-wqy-microhei"):
        fonts._register()


# -- the command line -------------------------------------------------------------------------------------


def run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--db", db_url, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_cli_prints_invoices_and_refuses_unknown_numbers(
    world: World, db_url: str, shipped: Shipped, tmp_path: Path
) -> None:
    output = tmp_path / "inv.pdf"
    done = run_cli(db_url, "print", "invoice", shipped.invoice_number, "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert output.read_bytes().startswith(b"%PDF-")
    assert shipped.invoice_number in done.stdout and "Font: " in done.stdout
    assert CUSTOMER_NAME in pdf_text(output.read_bytes(), tmp_path)

    missing = tmp_path / "missing.pdf"
    refused = run_cli(db_url, "print", "invoice", "INV-2026-00099", "-o", str(missing))
    assert refused.returncode == 5
    assert refused.stderr.strip().splitlines() == ["There is no invoice INV-2026-00099."]
    assert not missing.exists()


def test_cli_prints_all_unprinted_delivery_notes(world: World, db_url: str, shipped: Shipped, tmp_path: Path) -> None:
    output = tmp_path / "dn.pdf"
    done = run_cli(db_url, "print", "delivery-note", "--unprinted", "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert shipped.note_number in pdf_text(output.read_bytes(), tmp_path)
    again = run_cli(db_url, "print", "delivery-note", "--unprinted", "-o", str(output))
    assert again.returncode == 5 and "printed already" in again.stderr
    usage = run_cli(db_url, "print", "delivery-note", "-o", str(output))
    assert usage.returncode == 2
    folder = run_cli(db_url, "print", "delivery-note", shipped.note_number, "-o", str(tmp_path))
    assert folder.returncode == 2 and folder.stderr.strip() == (
        f"{tmp_path} is a folder; give the name of the PDF file to write, e.g. {tmp_path / 'print.pdf'}."
    )
