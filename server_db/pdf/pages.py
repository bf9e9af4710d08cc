"""What is drawn straight onto each page around the flowing content: the letterhead and title with the
barcodes on a document's first page, a short header on the pages after it, the COPY watermark and the
"Page X of Y" footer.

Y is known only once the whole PDF is laid out, so the canvas keeps every finished page and draws the
footers when the file is saved (reportlab's "numbered canvas" recipe); pages are counted per document, so
a batch of invoices numbers each invoice from 1.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.graphics.barcode import code128, qrencoder
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from server_db.pdf.data import CompanyHeader

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 15 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
TOP = PAGE_HEIGHT - 12 * mm
COMPANY_BAND = 74  # letterhead: name and up to four lines
TITLE_BAND = 74  # title, number, barcode and QR code
FIRST_FRAME_TOP = TOP - COMPANY_BAND - TITLE_BAND - 6
LATER_FRAME_TOP = TOP - 42
FRAME_BOTTOM = 20 * mm
FOOTER_RULE = 14 * mm

INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#616E7C")
RULE = colors.HexColor("#9AA5B1")
ACCENT = colors.HexColor("#1F4E79")
COPY_RED = colors.HexColor("#C62828")

# Code128 with 1.1 pt modules and a QR code of about 22 mm: both decode from a 150 dpi scan or render.
BAR_MODULE = 1.1
BAR_HEIGHT = 32
QR_SIZE = 64


@dataclass(frozen=True)
class PageDecor:
    """What one document's pages show around the content."""

    font: str
    company: CompanyHeader
    title_cn: str  # 发票
    title_en: str  # INVOICE
    number: str
    order_number: str  # in the QR code
    copy: bool


class NumberedCanvas(Canvas):
    """A canvas that holds back finished pages until save() so each footer can say "Page X of Y"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict[str, Any]] = []
        self.erp_decor: PageDecor | None = None  # set by the page template of the page being drawn
        self.erp_document = 0  # the document of the page being drawn, counted from 0 in a batch

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        totals: dict[int, int] = {}
        for page in self._held_pages:
            totals[page["erp_document"]] = totals.get(page["erp_document"], 0) + 1
        seen: dict[int, int] = {}
        for page in self._held_pages:
            self.__dict__.update(page)
            document = page["erp_document"]
            seen[document] = seen.get(document, 0) + 1
            if self.erp_decor is not None:
                if self.erp_decor.copy:
                    draw_watermark(self, self.erp_decor.font)
                draw_footer(self, self.erp_decor, seen[document], totals[document])
            super().showPage()
        super().save()


# -- drawing ----------------------------------------------------------------------------------------------


def draw_first_page(canvas: Canvas, decor: PageDecor) -> None:
    """Letterhead, logo, title with number, the number as a barcode and the order as a QR code."""
    font = decor.font
    company = decor.company
    logo_width = _draw_logo(canvas, company.logo_png)
    text_width = CONTENT_WIDTH - logo_width - (8 if logo_width else 0)

    draw_bold(canvas, MARGIN_X, TOP - 14, company.name, font, 15, max_width=text_width)
    lines = [line for line in company.address.splitlines() if line.strip()]
    details = []
    if company.tax_id:
        details.append(f"税号 Tax ID: {company.tax_id}")
    if company.phone:
        details.append(f"电话 Tel: {company.phone}")
    if company.email:
        details.append(f"邮箱 Email: {company.email}")
    lines.append("    ".join(details))
    wrapped = [part for line in lines for part in wrap(line, font, 8, text_width)][:5]
    canvas.setFont(font, 8)
    canvas.setFillColor(MUTED)
    for index, line in enumerate(wrapped):
        canvas.drawString(MARGIN_X, TOP - 28 - index * 10.5, line)

    rule_y = TOP - COMPANY_BAND
    _rule(canvas, rule_y, ACCENT, 1.2)

    # title and number on the left
    draw_bold(canvas, MARGIN_X, rule_y - 27, decor.title_cn, font, 21, color=ACCENT)
    title_width = stringWidth(decor.title_cn, font, 21)
    canvas.setFillColor(ACCENT)
    canvas.setFont(font, 13)
    canvas.drawString(MARGIN_X + title_width + 8, rule_y - 27, decor.title_en)
    draw_bold(canvas, MARGIN_X, rule_y - 50, f"No. {decor.number}", font, 13)
    if decor.copy:
        number_width = stringWidth(f"No. {decor.number}", font, 13)
        _copy_stamp(canvas, font, MARGIN_X + number_width + 12, rule_y - 54)

    # the QR code of the order at the right edge, the barcode of the number left of it
    qr_x = PAGE_WIDTH - MARGIN_X - QR_SIZE
    qr_y = rule_y - 4 - QR_SIZE
    _draw_operators(canvas, qr_x, qr_y, qr_code_operators(decor.order_number, QR_SIZE))
    canvas.setFont(font, 6.5)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(PAGE_WIDTH - MARGIN_X, qr_y - 1, f"订单 Order {decor.order_number}")

    bars, bars_width = code128_operators(decor.number)
    bar_x = qr_x - 14 - bars_width
    bar_y = rule_y - 10 - BAR_HEIGHT
    _draw_operators(canvas, bar_x, bar_y, bars)
    canvas.setFont(font, 7.5)
    canvas.setFillColor(INK)
    canvas.drawCentredString(bar_x + bars_width / 2, bar_y - 10, decor.number)

    _rule(canvas, TOP - COMPANY_BAND - TITLE_BAND, RULE, 0.6)


def draw_later_page(canvas: Canvas, decor: PageDecor) -> None:
    """The header of the second and further pages: company, title and number, marked continued."""
    font = decor.font
    draw_bold(canvas, MARGIN_X, TOP - 12, decor.company.name, font, 10, max_width=CONTENT_WIDTH / 2)
    right = PAGE_WIDTH - MARGIN_X
    label = f"{decor.title_cn} {decor.title_en}  No. {decor.number}"
    draw_bold(canvas, right - stringWidth(label, font, 10), TOP - 12, label, font, 10, color=ACCENT)
    canvas.setFont(font, 7.5)
    canvas.setFillColor(MUTED)
    continued = "续页 continued"
    canvas.drawRightString(right, TOP - 27, continued)
    if decor.copy:
        _copy_stamp(canvas, font, right - stringWidth(continued, font, 7.5) - 8 - 54, TOP - 31, small=True)
    _rule(canvas, TOP - 36, ACCENT, 0.8)


def draw_footer(canvas: Canvas, decor: PageDecor, page: int, pages: int) -> None:
    font = decor.font
    canvas.saveState()
    _rule(canvas, FOOTER_RULE, RULE, 0.5)
    canvas.setFont(font, 7)
    canvas.setFillColor(MUTED)
    y = FOOTER_RULE - 10
    left = decor.company.name
    if decor.company.phone:
        left += f" · {decor.company.phone}"
    canvas.drawString(MARGIN_X, y, left)
    canvas.drawCentredString(
        PAGE_WIDTH / 2, y, f"{decor.title_en.title()} {decor.number}" + ("  副本 COPY" if decor.copy else "")
    )
    canvas.setFillColor(INK)
    canvas.drawRightString(PAGE_WIDTH - MARGIN_X, y, f"第 {page} 页 / 共 {pages} 页   Page {page} of {pages}")
    canvas.restoreState()


def draw_watermark(canvas: Canvas, font: str) -> None:
    """A large diagonal 副本 COPY across every page of a reprint. It is drawn over the content, translucent,
    because shaded table rows would hide anything drawn beneath them."""
    canvas.saveState()
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2 - 40)
    canvas.rotate(35)
    canvas.setFillColor(COPY_RED)
    canvas.setFillAlpha(0.13)
    canvas.setFont(font, 110)
    canvas.drawCentredString(0, 30, "副本")
    canvas.setFont(font, 90)
    canvas.drawCentredString(0, -70, "COPY")
    canvas.restoreState()


def draw_bold(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    font: str,
    size: float,
    *,
    color: colors.Color = INK,
    max_width: float | None = None,
) -> None:
    """Text thickened by stroking its outline: Chinese system fonts rarely have a bold face."""
    if max_width is not None:
        while len(text) > 1 and stringWidth(text, font, size) > max_width:
            size -= 0.5  # a long company name is set smaller rather than cut
    canvas.saveState()
    obj = canvas.beginText(x, y)
    obj.setFont(font, size)
    obj.setTextRenderMode(2)  # fill, then stroke the outline
    canvas.setFillColor(color)
    canvas.setStrokeColor(color)
    canvas.setLineWidth(size * 0.04)
    obj.textOut(text)
    canvas.drawText(obj)
    canvas.restoreState()


@lru_cache(maxsize=256)
def wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """Lines of at most `width`, broken at spaces where possible and anywhere in Chinese text. Cached: a
    batch prints the same letterhead on every document."""
    lines: list[str] = []
    line, line_width = "", 0.0
    for char in text:
        char_width = stringWidth(char, font, size)
        if line_width + char_width <= width:
            line, line_width = line + char, line_width + char_width
            continue
        space = line.rfind(" ")
        if char == " ":
            lines.append(line)
            line = ""
        elif space > 0 and line[space + 1 :].isascii():  # keep a Latin word whole
            lines.append(line[:space])
            line = line[space + 1 :] + char
        else:
            lines.append(line)
            line = char
        line_width = stringWidth(line, font, size)
    if line:
        lines.append(line)
    return tuple(lines)


# -- barcodes -----------------------------------------------------------------------------------------------
# reportlab's barcode widgets draw one rectangle at a time through its pure-Python number formatting, which
# took a third of an invoice's time. The bars are worked out once per value and drawn as one path.


@lru_cache(maxsize=1024)
def qr_code_operators(value: str, size: float) -> str:
    """PDF operators filling a size x size QR code (error correction M, 4-module quiet zone) at the origin."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(value)
    qr.make()
    count, border = qr.getModuleCount(), 4
    box = size / (count + 2 * border)
    rects = []
    for row in range(count):
        column = 0
        while column < count:
            if not qr.isDark(row, column):
                column += 1
                continue
            start = column
            while column < count and qr.isDark(row, column):
                column += 1
            # a hair taller than a module, so no seam shows between rows
            x, y = (start + border) * box, size - (row + border + 1) * box
            rects.append(f"{x:.3f} {y:.3f} {(column - start) * box:.3f} {box * 1.04:.3f} re")
    return "0 g\n" + "\n".join(rects) + "\nf\n"


@lru_cache(maxsize=1024)
def code128_operators(value: str) -> tuple[str, float]:
    """PDF operators filling the Code128 bars of `value` at the origin (no quiet zone), and their width."""
    barcode = code128.Code128(value, barWidth=BAR_MODULE, barHeight=BAR_HEIGHT, quiet=0)
    barcode._calculate()  # validate, encode and decompose into bar and space widths
    rects = []
    left = 0.0
    for element in barcode.decomposed:  # "A".."D": a bar of 1..4 modules, "a".."d": a space
        modules = ord(element.lower()) - ord("a") + 1
        if element.isupper():
            rects.append(f"{left:.3f} 0 {modules * BAR_MODULE:.3f} {BAR_HEIGHT} re")
        left += modules * BAR_MODULE
    return "0 g\n" + "\n".join(rects) + "\nf\n", left


def _draw_operators(canvas: Canvas, x: float, y: float, operators: str) -> None:
    canvas.saveState()
    canvas.translate(x, y)
    canvas.addLiteral(operators)
    canvas.restoreState()


def _copy_stamp(canvas: Canvas, font: str, x: float, y: float, *, small: bool = False) -> None:
    """副本 COPY in a red box, its lower left corner at (x, y)."""
    width, height, size = (54, 13, 8.5) if small else (66, 18, 11)
    canvas.saveState()
    canvas.setStrokeColor(COPY_RED)
    canvas.setFillColor(COPY_RED)
    canvas.setLineWidth(1.2 if not small else 0.9)
    canvas.roundRect(x, y, width, height, 3, stroke=1, fill=0)
    canvas.setFont(font, size)
    canvas.drawCentredString(x + width / 2, y + (height - size) / 2 + size * 0.18, "副本 COPY")
    canvas.restoreState()


def _draw_logo(canvas: Canvas, png: bytes | None) -> float:
    """The logo at the top right, at most 50 x 20 mm; returns the width used (0 without a logo)."""
    if not png:
        return 0
    try:
        image = ImageReader(io.BytesIO(png))
        width, height = image.getSize()
    except Exception:  # a damaged logo must not stop the invoice from printing
        return 0
    scale = min(50 * mm / width, 20 * mm / height)
    w, h = width * scale, height * scale
    canvas.drawImage(image, PAGE_WIDTH - MARGIN_X - w, TOP - h + 4, w, h, mask="auto")
    return w


def _rule(canvas: Canvas, y: float, color: colors.Color, width: float) -> None:
    canvas.saveState()
    canvas.setStrokeColor(color)
    canvas.setLineWidth(width)
    canvas.line(MARGIN_X, y, PAGE_WIDTH - MARGIN_X, y)
    canvas.restoreState()
