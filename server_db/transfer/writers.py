"""Writing rows to XLSX and CSV files that Excel opens right.

Each column has a kind that says how its values are written: numbers stay numbers (a Decimal becomes a
float only at the cell), money has two decimals, dates are real Excel dates, booleans TRUE/FALSE, text is
always text (a code such as "00123" or "=1+1" is never turned into a number or a formula). XLSX is written
with XlsxWriter in constant-memory mode, so 100,000 rows cost little memory; CSV with the csv module, with a
BOM so Excel reads UTF-8 (or in GB18030 for older Chinese Excel).

A file is written to a temporary name beside the target and renamed at the end: a cancelled or failed
export leaves no half-written file, and an existing file is replaced only by a complete one.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from math import isfinite
from pathlib import Path
from typing import Any

from server_db.core.errors import DomainError

KINDS = ("text", "int", "qty", "money", "rate", "percent", "date", "datetime", "bool")
PROGRESS_EVERY = 2000  # rows between progress calls and cancel checks
WIDTH_SAMPLE = 200  # rows looked at for the column widths

# Sentences for the person; {name} is the file's name.
CANNOT_WRITE = "The file {name} cannot be written: {reason}"
REASON_IN_USE = "it is open in another program (Excel?). Close it there and try again."
REASON_PERMISSION = "you may not write in that folder. Choose another folder."
REASON_NO_FOLDER = "the folder does not exist."
REASON_FULL = "the disk is full."
REASON_OTHER = "{error}."


@dataclass(frozen=True)
class OutColumn:
    """A column of an exported file: its header and the kind of its values (see KINDS)."""

    header: str
    kind: str = "text"


class ExportCancelled(Exception):
    """The person cancelled the export; no file was written."""


class ExportFileError(DomainError):
    """The file could not be written; the message is one sentence saying why."""


Progress = Callable[[int], None]
Cancelled = Callable[[], bool]


# -- XLSX -----------------------------------------------------------------------------------------------------

_NUMBER_FORMATS = {
    "int": ("#,##0", "#,##0"),
    "qty": ("#,##0", "#,##0.###"),  # (whole numbers, with decimals): Excel has no "up to 3 decimals"
    "money": ("#,##0.00", "#,##0.00"),
    "rate": ("0", "0.####"),
    "percent": ('0" %"', '0.##" %"'),  # 13 reads "13 %", as on screen; the cell holds the number 13
}


def write_xlsx(
    path: Path,
    columns: Sequence[OutColumn],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Data",
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> int:
    """Write `rows` under a bold, frozen header row with an autofilter; returns how many rows were written.
    Raises ExportCancelled when `cancelled()` turns true (checked every few thousand rows) and
    ExportFileError when the file cannot be written."""
    import xlsxwriter
    import xlsxwriter.exceptions

    path = Path(path)
    _check_kinds(columns)
    count = 0
    with _replacing(path) as temporary, tempfile.TemporaryDirectory(prefix="erp-xlsx-") as scratch:
        workbook = xlsxwriter.Workbook(
            str(temporary), {"constant_memory": True, "nan_inf_to_errors": True, "tmpdir": scratch}
        )
        try:
            worksheet = workbook.add_worksheet(_sheet_name(sheet))
            header = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1, "border_color": "#BBBBBB"})
            iterator = iter(rows)
            first = list(islice(iterator, WIDTH_SAMPLE))
            for col, width in enumerate(_widths(columns, first)):
                worksheet.set_column(col, col, width)
            for col, column in enumerate(columns):
                worksheet.write_string(0, col, column.header, header)
            worksheet.freeze_panes(1, 0)
            worksheet._write_single_row(1)  # the header row goes out; the data rows follow as XML
            count = _write_rows(worksheet, workbook, columns, _chain(first, iterator), progress, cancelled)
            if count:
                worksheet._check_dimensions(count, len(columns) - 1)
            if columns:
                worksheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
        except BaseException:
            _abandon(workbook)
            raise
        try:
            workbook.close()
        except xlsxwriter.exceptions.FileCreateError as exc:
            raise exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc)) from exc
    if progress is not None:
        progress(count)
    return count


def _write_rows(
    worksheet: Any,
    workbook: Any,
    columns: Sequence[OutColumn],
    rows: Iterator[Sequence[Any]],
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> int:
    """The data rows, written as sheet XML straight into the worksheet's row file (constant-memory mode).
    XlsxWriter's own per-cell path costs about 9 µs a cell, too slow for 100,000 rows of 18 columns; this one
    writes exactly the XML it would (inline strings, numbers with a style), a row at a time."""
    from xlsxwriter.utility import xl_col_to_name

    cells = [_cell_xml(worksheet, workbook, column.kind, xl_col_to_name(col)) for col, column in enumerate(columns)]
    width = len(cells)
    write = worksheet.fh.write
    count = 0
    for count, row in enumerate(rows, start=1):
        number = count + 1
        xml = "".join(
            [cell(number, value) for cell, value in zip(cells, row[:width], strict=False) if value is not None]
        )
        write(f'<row r="{number}">{xml}</row>')
        if count % PROGRESS_EVERY == 0:
            _tick(count, progress, cancelled)
    return count


_STRING_NEEDS_CARE = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()  # serial 1 is 1900-01-01 (Excel counts a 29 Feb 1900)
_FIRST_TRUE_DAY = dt.date(1900, 3, 1).toordinal()


def _string_xml(text: str) -> str:
    """`text` as the inside of an inline string cell: escaped as XlsxWriter escapes it."""
    if len(text) > 16383:
        from xlsxwriter.utility import _utf16_len, _utf16_truncate

        if _utf16_len(text) > 32767:
            text = _utf16_truncate(text, 32767)
    if not _STRING_NEEDS_CARE.search(text):
        return f"<t>{text}</t>"
    text = re.sub("(_x[0-9a-fA-F]{4}_)", r"_x005F\1", text)
    text = re.sub(r"([\x00-\x08\x0b-\x1f])", lambda match: f"_x{ord(match.group(1)):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    preserve = ' xml:space="preserve"' if re.search(r"^\s|\s$", text) else ""
    return f"<t{preserve}>{text}</t>"


def _cell_xml(worksheet: Any, workbook: Any, kind: str, letter: str) -> Callable[[int, Any], str]:
    """One function per column giving a cell's XML for a value of that kind (looked up once, not per cell)."""

    def text(row: int, value: Any) -> str:
        if type(value) is str and not _STRING_NEEDS_CARE.search(value):  # the usual case, inline
            return f'<c r="{letter}{row}" t="inlineStr"><is><t>{value}</t></is></c>'
        inside = _string_xml(value if type(value) is str else _text(value))
        return f'<c r="{letter}{row}" t="inlineStr"><is>{inside}</is></c>'

    def number_cell(row: int, number: float, style: int) -> str:
        if not isfinite(number):
            return text(row, str(number))
        return f'<c r="{letter}{row}" s="{style}"><v>{number:.16G}</v></c>'

    if kind in _NUMBER_FORMATS:
        whole, fraction = (workbook.add_format({"num_format": f})._get_xf_index() for f in _NUMBER_FORMATS[kind])

        def number(row: int, value: Any) -> str:
            kind_of = type(value)
            if kind_of is not Decimal and kind_of is not int and kind_of is not float:
                parsed = _as_number(value)
                if parsed is None:
                    return text(row, str(value))
                value = parsed
            value = float(value)
            if not isfinite(value):
                return text(row, str(value))
            return f'<c r="{letter}{row}" s="{whole if value.is_integer() else fraction}"><v>{value:.16G}</v></c>'

        return number
    if kind in ("date", "datetime"):
        date_style = workbook.add_format({"num_format": "yyyy-mm-dd"})._get_xf_index()
        time_style = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})._get_xf_index()

        def serial(value: dt.date) -> float:
            if value.toordinal() < _FIRST_TRUE_DAY:
                return float(worksheet._convert_date_time(value))
            days = float(value.toordinal() - _EXCEL_EPOCH)
            if isinstance(value, dt.datetime):
                days += (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
            return days

        def date(row: int, value: Any) -> str:
            if type(value) is dt.date and kind == "date" and value.toordinal() >= _FIRST_TRUE_DAY:  # usual, inline
                return f'<c r="{letter}{row}" s="{date_style}"><v>{value.toordinal() - _EXCEL_EPOCH}</v></c>'
            if isinstance(value, dt.datetime):  # a timestamp keeps its time, as on screen
                return number_cell(row, serial(_local(value)), time_style)
            if isinstance(value, dt.date):
                if kind == "datetime":
                    return number_cell(row, serial(value), time_style)
                return number_cell(row, serial(value), date_style)
            return text(row, str(value))

        return date
    if kind == "bool":
        return lambda row, value: f'<c r="{letter}{row}" t="b"><v>{1 if value else 0}</v></c>'
    return text


def _widths(columns: Sequence[OutColumn], rows: Sequence[Sequence[Any]]) -> list[float]:
    """Column widths in characters from the header and the first rows (CJK characters count double)."""
    widths: list[float] = []
    for col, column in enumerate(columns):
        longest = _display_width(column.header) + 3  # room for the autofilter's arrow
        for row in rows:
            if col < len(row) and row[col] is not None:
                longest = max(longest, _display_width(text_value(column.kind, row[col])))
        widths.append(min(max(longest + 1, 6), 60))
    return widths


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) >= 0x1100 and _wide(ch) else 1 for ch in text)


def _wide(ch: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F")


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, not blank."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", name).strip().strip("'")[:31]
    return cleaned or "Data"


def _abandon(workbook: Any) -> None:
    """Give up a workbook without assembling it (a cancel of 100,000 rows must not wait for the zip): close
    its row files, which the scratch folder's removal then deletes."""
    for worksheet in workbook.worksheets():
        handle = getattr(worksheet, "row_data_fh", None)
        if handle is not None and not handle.closed:
            handle.close()
    workbook.fileclosed = True  # no "file not closed" warning when it is collected


# -- CSV ------------------------------------------------------------------------------------------------------


def write_csv(
    path: Path,
    columns: Sequence[OutColumn],
    rows: Iterable[Sequence[Any]],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> int:
    """Write a header line and `rows`; numbers plain (no thousands separators), dates ISO, booleans
    TRUE/FALSE. `utf-8-sig` puts a BOM first so Excel reads UTF-8 right; `gb18030` suits older Chinese
    Excel. Returns how many rows were written; raises ExportCancelled or ExportFileError like write_xlsx."""
    path = Path(path)
    _check_kinds(columns)
    converters = [_CSV_TEXT.get(column.kind, _text) for column in columns]
    count = 0
    with (
        _replacing(path) as temporary,
        open(temporary, "w", encoding=encoding, errors="replace", newline="") as handle,
    ):
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow([column.header for column in columns])
        for count, row in enumerate(rows, start=1):
            writer.writerow(
                ["" if value is None else convert(value) for convert, value in zip(converters, row, strict=False)]
            )
            if count % PROGRESS_EVERY == 0:
                _tick(count, progress, cancelled)
    if progress is not None:
        progress(count)
    return count


def text_value(kind: str, value: Any) -> str:
    """A value as plain text the way CSV files hold it: numbers without thousands separators, ISO dates."""
    if value is None:
        return ""
    return _CSV_TEXT.get(kind, _text)(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _plain(value)
    return str(value)


def _plain(number: Decimal) -> str:
    """A Decimal without exponent and without trailing zeros after the point (1.500 -> 1.5, 2.000 -> 2)."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _decimals(places: int) -> Callable[[Any], str]:
    quantum = Decimal(1).scaleb(-places)
    spec = f".{places}f"

    def convert(value: Any) -> str:
        if type(value) is Decimal:  # the usual case, quickly: rounds half-even like quantize
            return format(value, spec)
        number = _as_number(value)
        if number is None:
            return str(value)
        if isinstance(number, float):
            number = Decimal(repr(number))
        return format(Decimal(number).quantize(quantum), "f")

    return convert


def _up_to(places: int) -> Callable[[Any], str]:
    exact = _decimals(places)

    def convert(value: Any) -> str:
        if type(value) is int:
            return str(value)
        text = exact(value)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    return convert


def _date_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _datetime_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    return _text(value)


_CSV_TEXT: dict[str, Callable[[Any], str]] = {
    "int": _up_to(0),
    "qty": _up_to(3),
    "money": _decimals(2),
    "rate": _up_to(4),
    "percent": _up_to(4),
    "date": _date_text,
    "datetime": _datetime_text,
    "bool": lambda value: "TRUE" if value else "FALSE",
}


# -- shared ---------------------------------------------------------------------------------------------------


def _check_kinds(columns: Sequence[OutColumn]) -> None:
    unknown = sorted({column.kind for column in columns} - set(KINDS))
    if unknown:
        raise ValueError(f"unknown column kind(s): {', '.join(unknown)}")


def _as_number(value: Any) -> int | float | Decimal | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, Decimal)):
        return value
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except ArithmeticError:
        return None


def _local(value: dt.datetime) -> dt.datetime:
    """A timestamp as the local wall-clock time Excel shows (Excel has no time zones)."""
    return value.astimezone().replace(tzinfo=None) if value.tzinfo is not None else value


def _chain(first: list[Sequence[Any]], rest: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield from first
    yield from rest


def _tick(count: int, progress: Progress | None, cancelled: Cancelled | None) -> None:
    if progress is not None:
        progress(count)
    if cancelled is not None and cancelled():
        raise ExportCancelled()


class _replacing:
    """A temporary file beside `path`, renamed to `path` when the block ends well and removed otherwise."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temporary = path

    def __enter__(self) -> Path:
        try:
            handle, name = tempfile.mkstemp(prefix=".~", suffix=self.path.suffix, dir=self.path.parent or ".")
        except OSError as exc:
            raise _file_error(self.path, exc) from exc
        os.close(handle)
        self.temporary = Path(name)
        return self.temporary

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if kind is None:
            try:
                os.replace(self.temporary, self.path)
                return
            except OSError as error:
                self._remove()
                raise _file_error(self.path, error) from error
        self._remove()
        if isinstance(exc, OSError):
            raise _file_error(self.path, exc) from exc

    def _remove(self) -> None:
        with contextlib.suppress(OSError):
            self.temporary.unlink(missing_ok=True)


def _file_error(path: Path, exc: BaseException) -> ExportFileError:
    import errno

    number = getattr(exc, "errno", None)
    if isinstance(exc, PermissionError) and path.exists():
        reason = REASON_IN_USE  # Windows refuses to replace a file Excel has open
    elif isinstance(exc, PermissionError):
        reason = REASON_PERMISSION
    elif isinstance(exc, FileNotFoundError) or number == errno.ENOENT:
        reason = REASON_NO_FOLDER
    elif number == errno.ENOSPC:
        reason = REASON_FULL
    else:
        reason = REASON_OTHER.format(error=getattr(exc, "strerror", None) or exc)
    return ExportFileError(CANNOT_WRITE.format(name=path.name, reason=reason))
