"""Print preview and printing of delivery notes and invoices.

The PDF comes from `server_db.pdf.jobs.print_documents`, which records each print in the same
transaction (a reprint comes out marked COPY); it runs on a worker thread and its progress reaches the GUI
thread by signal. The preview shows that PDF; printing paints its pages on a QPrinter, also off the GUI
thread. Cancelling raises `Cancelled` inside the transaction, so nothing counts as printed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QDir,
    QEvent,
    QIODevice,
    QMargins,
    QObject,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QColor, QImage, QKeySequence, QPageSize, QPainter, QPalette, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from erp_desktop.widgets import MessageBar, describe_error
from server_db.pdf import jobs
from server_db.pdf.fonts import FontNotFound

if TYPE_CHECKING:
    from erp_desktop.context import ClientContext

MAX_PRINT_DPI = 300
"""Pages go to the printer as images of at most this resolution: an A4 page at a printer's native 1200 dpi
would be a 550 MB image; at 300 dpi it is 35 MB and prints text crisply."""

CANCELLED_TEXT = "Printing cancelled; nothing was recorded as printed."


def open_print_preview(parent: QWidget, context: ClientContext, kind: str, ids: Sequence[int]) -> PrintPreviewDialog:
    """Record and render the documents off the GUI thread and show them in a non-modal preview."""
    dialog = PrintPreviewDialog(context, kind, parent, expected=len(ids))
    dialog.show()
    dialog.start_render([(kind, document_id) for document_id in ids])
    return dialog


def print_batch(parent: QWidget, context: ClientContext, kind: str, ids: Sequence[int] | None = None) -> BatchPrint:
    """Print the chosen documents, or every one not printed yet, with progress and a working Cancel; the
    preview opens with the one combined PDF at the end."""
    batch = BatchPrint(parent, context, kind, ids)
    batch.start()
    return batch


def _kind(kind: str) -> jobs.DocumentKind:
    """A document kind the printing module knows ('delivery_note' or 'invoice')."""
    for known in jobs.KINDS:
        if known == kind:
            return known
    raise ValueError(f"Only delivery notes and invoices are printed, not {kind!r}.")


def plural(count: int, kind: str) -> str:
    label = jobs.KIND_LABELS.get(kind, kind)
    return f"1 {label}" if count == 1 else f"{count} {label}s"


def describe(exc: BaseException) -> str:
    """The sentence a person reads when printing fails."""
    if isinstance(exc, (FontNotFound, PrintFailed)):
        return str(exc)
    if isinstance(exc, OSError):
        return f"The file could not be written: {exc.strerror or exc}."
    return describe_error(exc)


def tell(parent: QWidget | None, text: str, *, error: bool = False) -> None:
    """Show a sentence in the window's message bar, or in a non-modal message box."""
    bar = getattr(parent, "message", None)
    if isinstance(bar, MessageBar):
        bar.show_message(text, error=error)
        return
    box = QMessageBox(
        QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information,
        "Printing",
        text,
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


# -- rendering the PDF (records the prints) -------------------------------------------------------------


class _Cancelled:
    """What a cancelled render returns: Cancelled was raised inside the transaction, which rolled back."""


class RenderJob(QObject):
    """One call of print_documents on a worker thread. Created on the GUI thread, so `progress`, emitted
    by the worker, is queued to the GUI thread. `cancel()` is safe from any thread."""

    progress = Signal(int, int, str)  # (done, total, number being rendered; "" at the end)

    def __init__(self, context: ClientContext, requests: Any) -> None:
        super().__init__()
        self.context = context
        self.requests = requests
        self.cancel_requested = threading.Event()

    def start(
        self,
        owner: QObject,
        on_done: Callable[[jobs.PrintResult], None],
        on_cancelled: Callable[[], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        def finished(result: Any) -> None:
            if isinstance(result, _Cancelled):
                on_cancelled()
            else:
                on_done(result)

        # raw: the transaction is opened inside `_work`, so Cancelled can roll it back and still be told apart
        self.context.operations.run(self._work, raw=True, on_done=finished, on_error=on_error, owner=owner)

    def cancel(self) -> None:
        self.cancel_requested.set()

    def _work(self) -> jobs.PrintResult | _Cancelled:
        try:
            return self.context.database.run(jobs.print_documents, self.requests, progress=self._report)
        except jobs.Cancelled:
            return _Cancelled()

    def _report(self, done: int, total: int, number: str) -> None:  # on the worker thread
        if self.cancel_requested.is_set():
            raise jobs.Cancelled()
        self.progress.emit(done, total, number)


def rendering_text(done: int, total: int, number: str) -> str:
    return f"Rendering {number} ({done + 1} of {total})…" if number else "Finishing…"


# -- painting a PDF on a printer ------------------------------------------------------------------------


class PrintFailed(Exception):
    """The printer refused the job; the message says so in a sentence."""


def paint_pages(
    pdf: bytes, printer: QPrinter, pages: Sequence[int], progress: Callable[[int, int], None] = lambda done, total: None
) -> int:
    """Paint the PDF's pages on the printer, one page per sheet, scaled to fit the paper. Runs on a worker
    thread (painting on a QPrinter is allowed there); returns how many pages were printed."""
    document = QPdfDocument()
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)  # a QBuffer loads synchronously
    if document.status() != QPdfDocument.Status.Ready:
        raise PrintFailed("The document could not be read for printing.")
    printer.setFullPage(True)  # the PDF pages carry their own margins
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintFailed(
            f"The printer {printer.printerName() or printer.outputFileName()!r} could not be "
            "started; check that it is switched on and try again."
        )
    try:
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        paper = printer.paperRect(QPrinter.Unit.DevicePixel)
        for done, page in enumerate(pages):
            progress(done, len(pages))
            if done and not printer.newPage():
                raise PrintFailed(f"The printer stopped after {done} page{'s' if done != 1 else ''}.")
            points = document.pagePointSize(page)
            image = document.render(page, QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72)))
            image = _on_white(image)  # printer drivers handle opaque images best
            image_size = image.size().toSizeF()
            fitted = image_size.scaled(paper.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(
                QPointF(
                    paper.left() + (paper.width() - fitted.width()) / 2,
                    paper.top() + (paper.height() - fitted.height()) / 2,
                ),
                fitted,
            )
            painter.drawImage(target, image)
        progress(len(pages), len(pages))
    finally:
        painter.end()
        document.close()
    return len(pages)


def _on_white(image: QImage) -> QImage:
    sheet = QImage(image.size(), QImage.Format.Format_RGB32)
    sheet.fill(QColor("white"))
    painter = QPainter(sheet)
    painter.drawImage(0, 0, image)
    painter.end()
    return sheet


def new_printer() -> QPrinter:
    """A high-resolution A4 printer: the system's default until the print dialog says otherwise."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    return printer


class _PrintRelay(QObject):
    """Lives on the GUI thread; the print worker reports pages through it."""

    progress = Signal(int, int)


# -- the preview ----------------------------------------------------------------------------------------


class PrintPreviewDialog(QDialog):
    """The rendered documents, as they will come out of the printer, with Print…, Save as PDF… and Close.
    Closing it while it still renders cancels: nothing counts as printed."""

    ready = Signal()  # the PDF is loaded and shown
    failed = Signal(str)  # rendering failed: the sentence shown
    printed = Signal(int)  # pages sent to the printer
    saved = Signal(str)  # path of the saved PDF

    ZOOM_STEP = 1.25

    def __init__(self, context: ClientContext, kind: str, parent: QWidget | None = None, *, expected: int = 1) -> None:
        super().__init__(parent)
        self.context = context
        self.kind = kind
        self.expected = expected
        # what was printed; shadows QDialog.result(), which nothing here uses (tests read this one)
        self.result: jobs.PrintResult | None = None  # type: ignore[assignment]
        self.pdf: bytes | None = None
        self.job: RenderJob | None = None
        self.printing = False
        self._print_relay: _PrintRelay | None = None
        self.setObjectName("printPreview")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setModal(False)
        what = jobs.KIND_LABELS.get(kind, kind).capitalize() if expected == 1 else plural(expected, kind)
        self.setWindowTitle(f"{what} — print preview")
        self._build()
        self._size_to_screen()

    # -- building -------------------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.message = MessageBar(self)
        layout.addWidget(self.message)

        bar = QHBoxLayout()
        self.zoom_out_button = self._tool_button("−", "Zoom out (Ctrl+-)", self.zoom_out)
        self.zoom_label = QLabel("", self)
        self.zoom_label.setObjectName("zoom")
        self.zoom_label.setMinimumWidth(64)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_in_button = self._tool_button("+", "Zoom in (Ctrl++)", self.zoom_in)
        self.fit_button = self._tool_button("Fit width", "Fit the page to the window width (Ctrl+0)", self.fit_width)
        self.fit_button.setCheckable(True)
        self.fit_button.setChecked(True)
        for widget in (self.zoom_out_button, self.zoom_label, self.zoom_in_button, self.fit_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        self.note_label = QLabel(self)
        self.note_label.setObjectName("printedNote")
        self.note_label.setTextFormat(Qt.TextFormat.RichText)
        bar.addWidget(self.note_label)
        self.page_count_label = QLabel(self)
        self.page_count_label.setObjectName("pageCount")
        self.page_count_label.setStyleSheet("font-weight: bold; margin-left: 12px;")
        bar.addWidget(self.page_count_label)
        layout.addLayout(bar)

        self.document = QPdfDocument(self)
        self.buffer = QBuffer(self)  # QPdfDocument reads from it for as long as the document is open
        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(14)
        self.view.setDocumentMargins(QMargins(18, 18, 18, 18))
        palette = self.view.palette()
        palette.setColor(QPalette.ColorRole.Dark, QColor("#6b7177"))  # the desk the paper lies on
        self.view.setPalette(palette)
        self.view.viewport().installEventFilter(self)
        self.status_label = QLabel("Rendering…", self)
        self.status_label.setObjectName("renderStatus")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet("color: #555; font-size: 15px;")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.status_label)
        self.stack.addWidget(self.view)
        layout.addWidget(self.stack, 1)

        self.progress = QProgressBar(self)
        self.progress.setObjectName("progress")
        self.progress.setTextVisible(True)
        self.progress.hide()
        layout.addWidget(self.progress)

        self.buttons = QDialogButtonBox(self)
        self.print_button = QPushButton("&Print…", self)
        self.print_button.setObjectName("print")
        self.print_button.setToolTip("Choose a printer and print (Ctrl+P)")
        self.save_button = QPushButton("&Save as PDF…", self)
        self.save_button.setObjectName("saveAsPdf")
        self.save_button.setToolTip("Save the document as a PDF file (Ctrl+S)")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.clicked.connect(self.open_print_dialog)
        self.save_button.clicked.connect(self.open_save_dialog)
        self.buttons.rejected.connect(self.reject)
        self.print_button.setDefault(True)
        layout.addWidget(self.buttons)
        for keys, slot in (
            (QKeySequence.StandardKey.Print, self.open_print_dialog),
            (QKeySequence.StandardKey.Save, self.open_save_dialog),
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            ("Ctrl+=", self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
            ("Ctrl+0", self.fit_width),
        ):
            QShortcut(QKeySequence(keys), self).activated.connect(slot)
        self._update_buttons()

    def _tool_button(self, text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _size_to_screen(self) -> None:
        screen = (self.parentWidget() or self).screen()
        available = screen.availableGeometry() if screen is not None else None
        height = 1000 if available is None else max(480, min(1000, available.height() - 60))
        self.resize(round(height * 0.82), height)

    def _update_buttons(self) -> None:
        has_pdf = self.pdf is not None
        self.print_button.setEnabled(has_pdf and not self.printing)
        self.save_button.setEnabled(has_pdf)
        for widget in (self.zoom_in_button, self.zoom_out_button, self.fit_button, self.zoom_label):
            widget.setVisible(has_pdf)  # nothing to zoom until the document is there

    # -- rendering ------------------------------------------------------------------------------------------

    def start_render(self, requests: Any) -> None:
        """Record and render `requests` (as print_documents takes them) on a worker thread."""
        self.job = RenderJob(self.context, requests)
        self.job.progress.connect(self._rendering)
        self.status_label.setText(f"Rendering {plural(self.expected, self.kind)}…")
        self.job.start(self, self.show_result, self._cancelled, self.show_error)

    def _rendering(self, done: int, total: int, number: str) -> None:
        self.status_label.setText(rendering_text(done, total, number))
        if total > 1:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat("%v of %m")
            self.progress.show()

    def show_result(self, result: jobs.PrintResult) -> None:
        """Show an already rendered (and recorded) PDF."""
        self.job = None
        self.result = result
        self.pdf = result.pdf
        self.progress.hide()
        self.buffer.close()
        self.buffer.setData(QByteArray(result.pdf))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self.buffer)
        if self.document.status() != QPdfDocument.Status.Ready:
            self.pdf = None
            self.show_error("The printed document could not be shown; save it again from the list.")
            return
        printed = result.printed
        if len(printed) == 1:
            self.setWindowTitle(f"{printed[0].number} — print preview")
        else:
            self.setWindowTitle(f"{plural(len(printed), self.kind)} — print preview")
        pages = self.document.pageCount()
        self.page_count_label.setText(f"{pages} page{'s' if pages != 1 else ''}")
        self.note_label.setText(self._printed_note(result))
        self.stack.setCurrentWidget(self.view)
        self._update_buttons()
        self._show_zoom()
        self.print_button.setFocus()
        self.ready.emit()

    @staticmethod
    def _printed_note(result: jobs.PrintResult) -> str:
        copy = "<span style='color:#c62828; font-weight:bold'>COPY</span>"
        if len(result.printed) == 1:
            document = result.printed[0]
            if document.copy:
                return f"{copy} · printed {document.print_count} times"
            return "original · first print"
        copies = result.copies
        if not copies:
            return "all originals"
        return f"{copies} of them marked {copy} (printed before)"

    def show_error(self, exc: BaseException | str) -> None:
        self.job = None
        text = exc if isinstance(exc, str) else describe(exc)
        self.progress.hide()
        self.message.show_message(text, error=True)
        self.status_label.setText("Nothing was printed.")
        self.stack.setCurrentWidget(self.status_label)
        self._update_buttons()
        self.failed.emit(text)

    def _cancelled(self) -> None:
        self.job = None
        if not self.isVisible():
            return
        self.show_error(CANCELLED_TEXT)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.job is not None:  # closed before the preview appeared: nothing should count as printed
            self.job.cancel()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        if self.job is not None:
            self.job.cancel()
        super().done(result)

    # -- zoom -----------------------------------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    def _effective_zoom(self) -> float:
        if self.view.zoomMode() == QPdfView.ZoomMode.Custom or self.page_count == 0:
            return self.view.zoomFactor()
        margins = self.view.documentMargins()
        width = self.view.viewport().width() - margins.left() - margins.right()
        page_width = max(self.document.pagePointSize(p).width() for p in range(self.page_count))
        screen_points = page_width * self.logicalDpiX() / 72
        return max(0.1, width / screen_points) if screen_points else 1.0

    def _set_zoom(self, factor: float) -> None:
        factor = min(8.0, max(0.25, factor))
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(factor)
        self.fit_button.setChecked(False)
        self._show_zoom()

    def zoom_in(self) -> None:
        if self.pdf is not None:
            self._set_zoom(self._effective_zoom() * self.ZOOM_STEP)

    def zoom_out(self) -> None:
        if self.pdf is not None:
            self._set_zoom(self._effective_zoom() / self.ZOOM_STEP)

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.fit_button.setChecked(True)
        self._show_zoom()

    def _show_zoom(self) -> None:
        self.zoom_label.setText(f"{round(self._effective_zoom() * 100)} %" if self.pdf is not None else "")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view.viewport()
            and event.type() == QEvent.Type.Resize
            and self.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
        ):
            self._show_zoom()  # fitting to the width changes the zoom as the window is resized
        return super().eventFilter(watched, event)

    # -- printing -------------------------------------------------------------------------------------------

    def open_print_dialog(self) -> QPrintDialog | None:
        """The system's print dialog on an A4 printer; accepting it prints (see print_to)."""
        if self.pdf is None or self.printing:
            return None
        printer = new_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("printDialog")
        dialog.setMinMax(1, self.page_count)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, True)
        dialog.accepted.connect(lambda: self.print_to(printer))
        dialog.finished.connect(lambda _: dialog.deleteLater())
        self.print_dialog = dialog  # kept: the dialog is shown with open(), not exec()
        QDialog.open(dialog)  # QPrintDialog.open in PySide6 insists on a receiver and a slot
        return dialog

    def pages_to_print(self, printer: QPrinter) -> list[int]:
        count = self.page_count
        if printer.printRange() == QPrinter.PrintRange.CurrentPage:
            return [self.view.pageNavigator().currentPage()]
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            first, last = printer.fromPage(), printer.toPage() or count
            return list(range(max(1, first) - 1, min(last, count)))
        return list(range(count))

    def print_to(self, printer: QPrinter) -> None:
        """Paint the pages on `printer` on a worker thread; `printed(pages)` when it is done."""
        if self.pdf is None or self.printing:
            return
        pages = self.pages_to_print(printer)
        self.printing = True
        self._update_buttons()
        relay = _PrintRelay()
        relay.progress.connect(self._printing)
        self._print_relay = relay  # kept alive until the job is over
        pdf = self.pdf
        self._printing(0, len(pages))

        def done(count: int) -> None:
            self._print_finished()
            where = (
                printer.outputFileName()
                if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat
                else printer.printerName()
            )
            self.message.show_message(f"{count} page{'s' if count != 1 else ''} sent to {where or 'the printer'}.")
            self.printed.emit(count)

        def failed(exc: BaseException) -> None:
            self._print_finished()
            self.message.show_message(describe(exc), error=True)

        self.context.operations.run(
            paint_pages, pdf, printer, pages, relay.progress.emit, raw=True, on_done=done, on_error=failed, owner=self
        )

    def _printing(self, done: int, total: int) -> None:
        if total > 1:  # a single page needs no progress bar
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"Printing page {min(done + 1, total)} of {total}…" if done < total else "Printed")
            self.progress.show()

    def _print_finished(self) -> None:
        self.printing = False
        self._print_relay = None
        self.progress.hide()
        self._update_buttons()

    # -- saving ---------------------------------------------------------------------------------------------

    def suggested_file_name(self) -> str:
        if self.result is not None and len(self.result.printed) == 1:
            return f"{self.result.printed[0].number}.pdf"
        return f"{jobs.KIND_LABELS.get(self.kind, self.kind).replace(' ', '-')}s.pdf"

    def open_save_dialog(self) -> QFileDialog | None:
        if self.pdf is None:
            return None
        folder = Path(QDir.homePath()) / "Documents"
        start = folder if folder.is_dir() else Path(QDir.homePath())
        dialog = QFileDialog(self, "Save as PDF", str(start / self.suggested_file_name()), "PDF files (*.pdf)")
        dialog.setObjectName("saveDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.fileSelected.connect(self.save_to)
        dialog.finished.connect(lambda _: dialog.deleteLater())
        self.save_dialog = dialog
        dialog.open()
        return dialog

    def save_to(self, path: str) -> None:
        """Write the PDF to `path` off the GUI thread (a network drive may be slow); `saved(path)` after."""
        if self.pdf is None or not path:
            return
        pdf = self.pdf

        def done(_: Any) -> None:
            self.message.show_message(f"Saved {Path(path).name} in {Path(path).parent}.")
            self.saved.emit(path)

        self.context.operations.run(
            Path(path).write_bytes,
            pdf,
            raw=True,
            on_done=done,
            on_error=lambda exc: self.message.show_message(describe(exc), error=True),
            owner=self,
        )


# -- batch printing -------------------------------------------------------------------------------------


class BatchPrint(QObject):
    """Batch printing with a progress dialog whose Cancel really cancels; opens the preview at the end."""

    finished = Signal(object)  # the PrintPreviewDialog, or None if cancelled or refused
    progressed = Signal(str)  # the progress dialog's new label, on the GUI thread

    def __init__(self, parent: QWidget, context: ClientContext, kind: str, ids: Sequence[int] | None = None) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.context = context
        self.kind = kind
        self.requests: Any = (
            jobs.Unprinted(_kind(kind)) if ids is None else [(kind, document_id) for document_id in ids]
        )
        self.preview: PrintPreviewDialog | None = None
        self.outcome = ""  # "printed", "cancelled" or the error sentence
        self.job = RenderJob(context, self.requests)
        self.job.progress.connect(self._progress)
        what = plural(len(ids), kind) if ids is not None else f"the unprinted {jobs.KIND_LABELS.get(kind, kind)}s"
        self.dialog = QProgressDialog(f"Preparing {what}…", "Cancel", 0, 0, parent)
        self.dialog.setObjectName("batchProgress")
        self.dialog.setWindowTitle(f"Printing {what}")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumWidth(420)
        self.dialog.canceled.connect(self.cancel)

    def start(self) -> None:
        self.dialog.show()
        self.job.start(self, self._done, self._cancelled, self._failed)

    def cancel(self) -> None:
        self.job.cancel()
        self.dialog.setLabelText("Cancelling…")

    @property
    def label_text(self) -> str:
        return self.dialog.labelText()

    def _progress(self, done: int, total: int, number: str) -> None:
        if self.job.cancel_requested.is_set():
            return
        self.dialog.setMaximum(total)
        self.dialog.setLabelText(rendering_text(done, total, number))
        self.progressed.emit(self.dialog.labelText())
        # last: a modal progress dialog processes events in setValue, perhaps the next report already
        self.dialog.setValue(done)

    def _close_progress(self) -> None:
        self.dialog.hide()
        self.dialog.deleteLater()

    def _done(self, result: jobs.PrintResult) -> None:
        self._close_progress()
        self.outcome = "printed"
        self.preview = PrintPreviewDialog(self.context, self.kind, self.parent_widget, expected=len(result.printed))
        self.preview.show()
        self.preview.show_result(result)
        self.finished.emit(self.preview)

    def _cancelled(self) -> None:
        self._close_progress()
        self.outcome = "cancelled"
        tell(self.parent_widget, CANCELLED_TEXT)
        self.finished.emit(None)

    def _failed(self, exc: BaseException) -> None:
        self._close_progress()
        self.outcome = describe(exc)
        tell(self.parent_widget, self.outcome, error=True)
        self.finished.emit(None)
