"""Delivery notes and invoices as PDF (A4), with reportlab and no Qt, so the CLI and batch jobs print
headless.

The flowing content (customer block, lines table, totals, signature area) is laid out by platypus; the
lines table repeats its header row on every page. Letterhead, barcodes, watermark and footer are drawn by
`pages`. Text is bilingual, Chinese first, in the system's Chinese font (see `fonts`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from server_db.pdf import formatting as fmt
from server_db.pdf import pages
from server_db.pdf.capital import to_chinese_capital
from server_db.pdf.data import DeliveryNoteData, DocumentKind, InvoiceData
from server_db.pdf.fonts import registered_font
from server_db.pdf.pages import CONTENT_WIDTH, INK, MUTED, RULE, PageDecor

# Binary rather than ASCII85-encoded streams: a quarter smaller, and encoding cost 2 ms per invoice in
# reportlab's pure-Python encoder. (A process-wide setting; nothing else here writes PDFs with reportlab.)
rl_config.useA85 = 0

Document = DeliveryNoteData | InvoiceData
BatchItem = tuple[DocumentKind, Document, bool]  # (kind, data, copy)

HEADER_FILL = colors.HexColor("#E4EBF2")
STRIPE_FILL = colors.HexColor("#F6F8FA")
TOTAL_FILL = colors.HexColor("#EEF2F6")
NOTE_FILL = colors.HexColor("#FDECEA")
CELL_FONT_SIZE = 7.5

INVOICE_COLUMNS: tuple[tuple[str, float, Literal["LEFT", "RIGHT", "CENTER"]], ...] = (
    ("#", 16, "RIGHT"),
    ("编码\nSKU", 56, "LEFT"),
    ("品名 / 规格\nDescription", 108, "LEFT"),
    ("数量\nQty", 38, "RIGHT"),
    ("单位\nUnit", 26, "LEFT"),
    ("单价\nUnit price", 50, "RIGHT"),
    ("折扣\nDisc.", 28, "RIGHT"),
    ("税率\nTax", 26, "RIGHT"),
    ("金额\nNet", 56, "RIGHT"),
    ("税额\nTax", 48, "RIGHT"),
    ("价税合计\nTotal", 58, "RIGHT"),
)
DELIVERY_COLUMNS: tuple[tuple[str, float, Literal["LEFT", "RIGHT", "CENTER"]], ...] = (
    ("#", 22, "RIGHT"),
    ("编码\nSKU", 86, "LEFT"),
    ("品名 / 规格\nDescription", 236, "LEFT"),
    ("数量\nQuantity", 62, "RIGHT"),
    ("单位\nUnit", 40, "LEFT"),
    ("实收数量\nReceived", 64, "CENTER"),
)
assert abs(sum(width for _, width, _ in INVOICE_COLUMNS) - CONTENT_WIDTH) < 1
assert abs(sum(width for _, width, _ in DELIVERY_COLUMNS) - CONTENT_WIDTH) < 1

TITLES = {
    "delivery_note": ("送货单", "DELIVERY NOTE"),
    "invoice": ("发票", "INVOICE"),
    "credit_note": ("红字发票", "CREDIT NOTE"),
}


def render_invoice(data: InvoiceData, *, copy: bool) -> bytes:
    """One invoice or credit note as a PDF; `copy` marks a reprint 副本 COPY."""
    return render_batch([("invoice", data, copy)])


def render_batch(documents: Sequence[BatchItem], *, on_document: Callable[[int], None] | None = None) -> bytes:
    """Several documents in one PDF, each starting on a new page and numbering its own pages.
    `on_document(index)` is called as each document starts (for a progress bar; it may raise to stop)."""
    if not documents:
        raise ValueError("There is nothing to print.")
    font = registered_font().regular
    styles = _styles(font)
    buffer = io.BytesIO()
    first = documents[0][1]
    title = (
        f"{_titles(first)[0]} {first.number}"
        if len(documents) == 1
        else f"{len(documents)} documents {first.number} - {documents[-1][1].number}"
    )
    # No margins: every page template brings its own frame. The canvas starts in our font, so the PDF
    # refers to no other (reportlab's default is an unembedded Helvetica).
    template = BaseDocTemplate(
        buffer,
        pagesize=pages.A4,
        title=title,
        subject=title,
        author=first.company.name,
        creator="erp-desktop",
        initialFontName=font,
    )
    story: list[Flowable] = []
    templates: list[PageTemplate] = []
    for index, (kind, data, copy) in enumerate(documents):
        if kind != data.kind:
            raise ValueError(f"{data.number} is not a {kind.replace('_', ' ')}.")
        title_cn, title_en = _titles(data)
        decor = PageDecor(font, data.company, title_cn, title_en, data.number, data.order_number, copy)
        templates += _page_templates(index, decor, on_document)
        if index:
            story += [NextPageTemplate(f"first-{index}"), PageBreak()]
        if isinstance(data, InvoiceData):
            story += _invoice_story(data, styles)
        else:
            story += _delivery_note_story(data, styles)
    template.addPageTemplates(templates)
    template.build(story, canvasmaker=pages.NumberedCanvas)
    return buffer.getvalue()


def _titles(data: Document) -> tuple[str, str]:
    if isinstance(data, InvoiceData):
        return TITLES["credit_note" if data.is_credit_note else "invoice"]
    return TITLES["delivery_note"]


def _page_templates(index: int, decor: PageDecor, on_document: Callable[[int], None] | None) -> list[PageTemplate]:
    def frame(top: float) -> Frame:
        return Frame(
            pages.MARGIN_X,
            pages.FRAME_BOTTOM,
            CONTENT_WIDTH,
            top - pages.FRAME_BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )

    return [
        PageTemplate(
            id=f"first-{index}",
            frames=[frame(pages.FIRST_FRAME_TOP)],
            pagesize=pages.A4,
            onPage=partial(_begin_page, decor, index, on_document),
            autoNextPageTemplate=f"later-{index}",
        ),
        PageTemplate(
            id=f"later-{index}",
            frames=[frame(pages.LATER_FRAME_TOP)],
            pagesize=pages.A4,
            onPage=partial(_begin_page, decor, index, None, first=False),
        ),
    ]


def _begin_page(
    decor: PageDecor,
    index: int,
    on_document: Callable[[int], None] | None,
    canvas: Canvas,
    _doc: Any,
    *,
    first: bool = True,
) -> None:
    if first and on_document is not None:
        on_document(index)
    # the canvas remembers which document each page belongs to, for "Page X of Y" per document
    canvas.erp_decor = decor
    canvas.erp_document = index
    if first:
        pages.draw_first_page(canvas, decor)
    else:
        pages.draw_later_page(canvas, decor)


# -- styles -------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _styles(font: str) -> dict[str, ParagraphStyle]:
    """Paragraph styles. Lines break at spaces, and a run of Chinese too long for the line is split between
    characters (splitLongWords), so mixed text keeps Latin words whole and nothing leaves its cell.
    (wordWrap="CJK" would break "warehouse" anywhere.)"""

    def style(name: str, size: float, leading: float, color: colors.Color = INK, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=leading, textColor=color, splitLongWords=True, **kw
        )

    return {
        "label": style("label", 6.8, 8.5, MUTED),
        "text": style("text", 8.5, 11),
        "name": style("name", 10.5, 13.5),
        "cell": style("cell", CELL_FONT_SIZE, 9.5),
        "note": style("note", 8, 11),
        "words": style("words", 11, 14),
        "small": style("small", 7, 9, MUTED),
        "right": style("right", 8.5, 11, alignment=TA_RIGHT),
    }


_GAP = "\xa0" * 6  # no-break spaces: a Paragraph would collapse a run of ordinary ones


def _table_style(font: str, commands: list[tuple[Any, ...]]) -> TableStyle:
    """Every table names our font: a cell without one would pull Helvetica into the PDF."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), font), *commands])


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class _Line(Flowable):
    """One line of text known to fit, placed as a Paragraph would place it. Parsing markup and measuring
    words to find line breaks made Paragraphs most of a short invoice's layout time."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = text
        self.style = style

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.style.leading

    def draw(self) -> None:
        style = self.style
        self.canv.setFont(style.fontName, style.fontSize)
        self.canv.setFillColor(style.textColor)
        baseline = style.leading - style.fontSize
        if style.alignment == TA_RIGHT:
            self.canv.drawRightString(self.width, baseline, self.text)
        else:
            self.canv.drawString(0, baseline, self.text)


def _text(text: str, style: ParagraphStyle, width: float) -> Flowable:
    """A single line when the text fits in `width`, else a paragraph that wraps."""
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width:
        return _Line(text, style)
    return _p(text, style)


# -- building blocks --------------------------------------------------------------------------------------


def _party_block(
    data: Document, styles: dict[str, ParagraphStyle], meta: list[tuple[str, str]], customer_label: str
) -> Table:
    """Customer, delivery address and the document's facts (dates, order, references) side by side."""
    font = styles["text"].fontName
    customer = data.customer
    who_width, where_width, label_width = 186 - 12, 150 - 12, 76
    value_width = CONTENT_WIDTH - 336 - 12 - label_width
    who = [_text(customer_label, styles["label"], who_width), _text(customer.name, styles["name"], who_width)]
    for line in (
        customer.address,
        f"税号 Tax ID: {customer.tax_id}" if customer.tax_id else "",
        f"联系人 Contact: {customer.contact}" if customer.contact else "",
        f"电话 Tel: {customer.phone}" if customer.phone else "",
    ):
        if line:
            who.append(_text(line, styles["text"], who_width))
    where = [
        _text("送货地址 Delivery address", styles["label"], where_width),
        _text(data.delivery_address or "-", styles["text"], where_width),
    ]
    facts = Table(
        [
            [_text(label, styles["small"], label_width - 2), _text(value, styles["text"], value_width - 2)]
            for label, value in meta
        ],
        colWidths=[label_width, value_width],
        style=_table_style(
            font,
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ],
        ),
    )
    block = Table([[who, where, facts]], colWidths=[186, 150, CONTENT_WIDTH - 336])
    block.setStyle(
        _table_style(
            font,
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("LINEBEFORE", (1, 0), (-1, 0), 0.5, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ],
        )
    )
    return block


def _cell(text: str, width: float, styles: dict[str, ParagraphStyle], font: str) -> str | Paragraph:
    """Plain text when it fits (fast), a wrapping paragraph when it does not."""
    if "\n" not in text and stringWidth(text, font, CELL_FONT_SIZE) <= width - 6:
        return text
    return _p(text, styles["cell"])


def _lines_table(
    header: list[str], rows: list[list[Any]], widths: list[float], aligns: list[str], *, font: str
) -> Table:
    """The lines, with the header row repeated on every page."""
    table = Table([header, *rows], colWidths=widths, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONTSIZE", (0, 0), (-1, -1), CELL_FONT_SIZE),
        ("LEADING", (0, 0), (-1, -1), 9.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("TEXTCOLOR", (0, 0), (-1, 0), pages.ACCENT),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, pages.ACCENT),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, pages.ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE_FILL]),
    ]
    commands += [("ALIGN", (column, 0), (column, -1), align) for column, align in enumerate(aligns)]
    table.setStyle(_table_style(font, commands))
    return table


# -- delivery note ----------------------------------------------------------------------------------------


def _delivery_note_story(data: DeliveryNoteData, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    font = styles["cell"].fontName
    meta = [
        ("发货日期 Shipped" if data.shipped else "拣货日期 Picked", fmt.date(data.date)),
        ("订单号 Our order", data.order_number),
        ("订单日期 Order date", fmt.date(data.order_date)),
    ]
    if data.customer_reference:
        meta.append(("客户订单 Your ref.", data.customer_reference))
    meta += [("客户编号 Customer", data.customer.code), ("发货仓库 From", data.warehouse)]

    widths = [width for _, width, _ in DELIVERY_COLUMNS]
    rows = [
        [
            str(line.line_no),
            _cell(line.sku, widths[1], styles, font),
            _cell(line.description, widths[2], styles, font),
            fmt.quantity(line.quantity),
            line.unit,
            "",
        ]
        for line in data.lines
    ]
    table = _lines_table(
        [title for title, _, _ in DELIVERY_COLUMNS],
        rows,
        widths,
        [align for _, _, align in DELIVERY_COLUMNS],
        font=font,
    )

    units = {line.unit for line in data.lines}
    summary = f"共 {len(data.lines)} 行 / {len(data.lines)} line{'s' if len(data.lines) != 1 else ''}"
    if len(units) == 1:
        total = sum((line.quantity for line in data.lines), Decimal(0))
        summary += f"    合计 Total: {fmt.quantity(total)} {units.pop()}"

    def box(label: str) -> list[Flowable]:
        return [_p(label, styles["small"])]

    signatures = Table(
        [
            [
                box("发货人 Shipped by"),
                box("承运人 / 司机 Carrier / driver"),
                box("收货人签字 Received by (name, signature)"),
                box("收货日期 Date received"),
                box("收货单位盖章 Customer stamp"),
            ]
        ],
        colWidths=[82, 98, 128, 92, CONTENT_WIDTH - 400],
        rowHeights=[62],
    )
    signatures.setStyle(
        _table_style(
            font,
            [
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
            ],
        )
    )
    closing = KeepTogether(
        [
            Spacer(0, 4),
            _text(summary, styles["right"], CONTENT_WIDTH),
            Spacer(0, 10),
            _text("请当面验收货物，如有短缺或破损请在本单注明并签字。", styles["note"], CONTENT_WIDTH),
            _text(
                "Please check the goods on delivery and note any shortage or damage on this note before signing.",
                styles["note"],
                CONTENT_WIDTH,
            ),
            Spacer(0, 6),
            signatures,
        ]
    )
    return [_party_block(data, styles, meta, "收货单位 Customer"), Spacer(0, 10), table, closing]


# -- invoice ----------------------------------------------------------------------------------------------


def _invoice_story(data: InvoiceData, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    font = styles["cell"].fontName
    credit = data.is_credit_note
    # a credit note (红字发票) prints its quantities and amounts negative
    sign = Decimal(-1) if credit else Decimal(1)
    currency = data.company.currency

    meta = [("开票日期 Date", fmt.date(data.invoice_date))]
    if not credit:
        meta.append(("到期日 Due date", fmt.date(data.due_date)))
    meta.append(("订单号 Our order", data.order_number))
    if data.customer_reference:
        meta.append(("客户订单 Your ref.", data.customer_reference))
    if data.delivery_notes:
        meta.append(("送货单 Delivery", ", ".join(data.delivery_notes)))
    meta.append(("客户编号 Customer", data.customer.code))
    story: list[Flowable] = [_party_block(data, styles, meta, "购货单位 Bill to")]

    if credit:
        note = Table(
            [
                [
                    [
                        _p(
                            f"本红字发票冲销发票 {data.credited_invoice_number}。 This credit note corrects invoice "
                            f"{data.credited_invoice_number}.",
                            styles["note"],
                        ),
                        _text(f"原因 Reason: {data.reason}", styles["note"], CONTENT_WIDTH - 12),
                    ]
                ]
            ],
            colWidths=[CONTENT_WIDTH],
        )
        note.setStyle(
            _table_style(
                font, [("BACKGROUND", (0, 0), (-1, -1), NOTE_FILL), ("BOX", (0, 0), (-1, -1), 0.6, pages.COPY_RED)]
            )
        )
        story += [Spacer(0, 6), note]

    widths = [width for _, width, _ in INVOICE_COLUMNS]
    rows = [
        [
            str(line.line_no),
            _cell(line.sku, widths[1], styles, font),
            _cell(line.description, widths[2], styles, font),
            fmt.quantity(sign * line.quantity),
            line.unit,
            fmt.money(line.unit_price),
            fmt.percent(line.discount_pct),
            fmt.tax_rate(line.tax_rate),
            fmt.money(sign * line.net),
            fmt.money(sign * line.tax),
            fmt.money(sign * line.total),
        ]
        for line in data.lines
    ]
    story += [
        Spacer(0, 10),
        _lines_table(
            [title for title, _, _ in INVOICE_COLUMNS],
            rows,
            widths,
            [align for _, _, align in INVOICE_COLUMNS],
            font=font,
        ),
    ]

    gross = sign * data.gross_total
    tax_rows = [["税率 Tax rate", "金额 Net", "税额 Tax", "价税合计 Gross"]] + [
        [fmt.tax_rate(row.rate), fmt.money(sign * row.net), fmt.money(sign * row.tax), fmt.money(sign * row.gross)]
        for row in data.tax_summary
    ]
    tax_table = Table(tax_rows, colWidths=[56, 66, 58, 70])
    tax_table.setStyle(
        _table_style(
            font,
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
                ("TEXTCOLOR", (0, 1), (-1, -1), INK),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
                ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ],
        )
    )
    totals = Table(
        [
            ["金额合计 Net total", fmt.money(sign * data.net_total)],
            ["税额合计 Tax total", fmt.money(sign * data.tax_total)],
            [f"价税合计 Total ({currency})", fmt.money(gross)],
        ],
        colWidths=[120, 100],
    )
    totals.setStyle(
        _table_style(
            font,
            [
                ("FONTSIZE", (0, 0), (-1, 1), 8.5),
                ("FONTSIZE", (0, 2), (-1, 2), 10.5),
                ("LEADING", (0, 2), (-1, 2), 13),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("BACKGROUND", (0, 2), (-1, 2), TOTAL_FILL),
                ("LINEABOVE", (0, 2), (-1, 2), 0.8, pages.ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 2), (-1, 2), 4),
                ("BOTTOMPADDING", (0, 2), (-1, 2), 5),
            ],
        )
    )
    figures = Table([[tax_table, totals]], colWidths=[CONTENT_WIDTH - 225, 225])
    figures.setStyle(
        _table_style(
            font,
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ],
        )
    )

    symbol = "¥" if currency == "CNY" else f"{currency} "
    in_figures = f"{'-' if gross < 0 else ''}{symbol}{fmt.money(abs(gross))}"  # -¥3,028.40
    in_words = Table(
        [
            [
                _p("价税合计（大写）\nTotal in words", styles["small"]),
                _text(f"⊗ {to_chinese_capital(gross)}", styles["words"], CONTENT_WIDTH - 86 - 130 - 12),
                _text(f"（小写）{in_figures}", styles["right"], 130 - 12),
            ]
        ],
        colWidths=[86, CONTENT_WIDTH - 86 - 130, 130],
    )
    in_words.setStyle(
        _table_style(
            font,
            [
                ("BOX", (0, 0), (-1, -1), 0.6, pages.ACCENT),
                ("LINEAFTER", (0, 0), (0, 0), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ],
        )
    )

    payment: list[Flowable] = []
    if credit:
        credited = data.credited_invoice_number
        payment.append(
            _text(
                f"本红字发票金额从发票 {credited} 的应收款中扣除。 The amount is deducted from "
                f"what is owed on invoice {credited}.",
                styles["note"],
                CONTENT_WIDTH,
            )
        )
    else:
        days = data.payment_terms_days
        payment.append(
            _text(
                f"付款条件 Payment terms: {days} 天 / {days} days net{_GAP}到期日 Due date: {fmt.date(data.due_date)}",
                styles["note"],
                CONTENT_WIDTH,
            )
        )
        payment.append(
            _text(
                f"付款时请注明发票号 {data.number}。{_GAP[0]}Please quote {data.number} with your payment.",
                styles["note"],
                CONTENT_WIDTH,
            )
        )
    if data.company.bank_account:
        payment.append(_text(f"开户行及账号 Bank account: {data.company.bank_account}", styles["note"], CONTENT_WIDTH))
    if data.company.tax_id:
        payment.append(_text(f"销售方税号 Seller's tax ID: {data.company.tax_id}", styles["note"], CONTENT_WIDTH))

    story.append(KeepTogether([Spacer(0, 8), figures, Spacer(0, 8), in_words, Spacer(0, 8), *payment]))
    return story
