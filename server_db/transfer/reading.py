"""Reading a spreadsheet or CSV file as a header and a stream of rows, refusing with one sentence a file that
cannot be imported as it is; and reading each cell as the value its column takes (numbers with thousands
separators, 13%, dates written several ways, 是/否), or a sentence saying why not.

XLSX, XLSM, XLS and ODS are read with calamine (fast, Rust); before that an XLSX is looked into for what
calamine would pass over silently: a password (the file is then not a zip but an OLE container), formulas
(their cached value may be stale or missing: the person is asked to paste values) and merged cells (a value
that seems to stand for several cells). CSV is streamed with the csv module: UTF-8 with or without BOM,
else GB18030 (which contains GBK), delimiter , ; or tab taken from the header line.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from server_db.core.errors import DomainError

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_FILES = (".csv", ".txt", ".tsv")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SNIFF_BYTES = 4 * 1024 * 1024
SHOWN_CELLS = 5  # formula cells or merged ranges named in a refusal

# Every sentence about a file, in one place ({name} is the file's name).
FILE_SENTENCES = {
    "missing": "The file {name} does not exist.",
    "unreadable": "The file {name} cannot be opened: {reason}.",
    "extension": "{name} is not a spreadsheet: import an XLSX, XLS, ODS or CSV file.",
    "password": "{name} is protected by a password; open it in Excel, save it without a password and import it again.",
    "damaged": "{name} is damaged or not really an Excel file; open it in Excel and save it again as XLSX.",
    "not_read": "{name} cannot be read as a spreadsheet ({reason}); save it again as XLSX or CSV.",
    "formulas": "{name} holds formulas (cell {cells}); copy the sheet and paste it as values, then import again.",
    "merged": "{name} has merged cells ({cells}); unmerge them so that each row has its own values.",
    "no_sheet": "{name} has no sheet called {sheet}; its sheets are {sheets}.",
    "empty": "{name} is empty: the first row must hold the column names.",
    "no_rows": "{name} has column names but no rows under them.",
    "encoding": "{name} is not a text file in UTF-8 or GBK; save it again as CSV UTF-8.",
}

# Every sentence about a cell, in one place.
VALUE_SENTENCES = {
    "number": "{value} is not a number.",
    "whole": "{value} is not a whole number.",
    "places": "{value} has more than {places} decimals.",
    "negative": "{value} is below zero.",
    "rate": "{value} is not a rate such as 13% or 0.13.",
    "date": "{value} is not a date; write it as 2026-03-31.",
    "bool": "{value} is not yes or no (是/否).",
    "choice": "{value} is not one of {choices}.",
    "required": "This column must be filled in.",
    "too_long": "The text is longer than {length} characters.",
}
MAX_TEXT = 4000


class ImportFileError(DomainError):
    """The file cannot be imported as it is; the message says why and what to do."""


def _file_error(key: str, path: Path, **values: Any) -> ImportFileError:
    return ImportFileError(FILE_SENTENCES[key].format(name=path.name, **values))


class SourceTable:
    """A file's header (the first non-empty row) and its data rows, read as they are asked for."""

    def __init__(
        self,
        headers: list[str],
        rows: Iterator[tuple[int, list[Any]]],
        *,
        sheets: list[str],
        sheet: str | None,
        estimated_rows: int | None,
        closer: Any = None,
        fmt: str = "xlsx",
    ) -> None:
        self.headers = headers
        self.sheets = sheets
        self.sheet = sheet
        self.estimated_rows = estimated_rows
        self.format = fmt
        self._rows = rows
        self._closer = closer

    def numbered_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number as the spreadsheet shows it, cells padded to the header's width); empty rows skipped."""
        width = len(self.headers)
        for number, cells in self._rows:
            if len(cells) < width:
                cells = list(cells) + [""] * (width - len(cells))
            elif len(cells) > width:
                cells = list(cells[:width])
            yield number, cells

    def rows(self) -> Iterator[list[Any]]:
        for _number, cells in self.numbered_rows():
            yield cells

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
            self._closer = None

    def __enter__(self) -> SourceTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_table(path: str | Path, *, sheet: str | None = None) -> SourceTable:
    """Open a spreadsheet or CSV file for reading; ImportFileError with a sentence when it cannot be."""
    path = Path(path)
    if not path.is_file():
        raise _file_error("missing", path)
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as probe:
            start = probe.read(8)
    except OSError as exc:
        raise _file_error("unreadable", path, reason=exc.strerror or str(exc)) from None
    if suffix in TEXT_FILES:
        return _open_csv(path)
    if suffix not in SPREADSHEETS:
        raise _file_error("extension", path)
    if suffix in (".xlsx", ".xlsm"):
        if start.startswith(OLE_SIGNATURE):
            raise _file_error("password", path)
        if not zipfile.is_zipfile(path):
            raise _file_error("damaged", path)
    return _open_workbook(path, sheet)


def _is_blank(cells: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _header(cells: list[Any]) -> list[str]:
    headers = [unicodedata.normalize("NFKC", str(cell if cell is not None else "")).strip() for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    return headers


# -- spreadsheets --------------------------------------------------------------------------------------------


def _open_workbook(path: Path, sheet: str | None) -> SourceTable:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors for every kind of bad file
        reason = str(exc).splitlines()[0][:120] if str(exc) else exc.__class__.__name__
        if "password" in reason.lower() or "encrypt" in reason.lower():
            raise _file_error("password", path) from None
        raise _file_error("not_read", path, reason=reason) from None
    names = list(workbook.sheet_names)
    if sheet is not None and sheet not in names:
        raise _file_error("no_sheet", path, sheet=sheet, sheets=", ".join(names))
    name = sheet if sheet is not None else names[0] if names else None
    if name is None:
        raise _file_error("empty", path)
    try:
        data = workbook.get_sheet_by_name(name)
    except Exception as exc:
        raise _file_error("not_read", path, reason=str(exc).splitlines()[0][:120]) from None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        formulas = _formula_cells(path, names.index(name))
        if formulas:
            raise _file_error("formulas", path, cells=_listed(formulas))
    merged = getattr(data, "merged_cell_ranges", None) or []
    if merged:
        ranges = [f"{_cell_name(a[0], a[1])}:{_cell_name(b[0], b[1])}" for a, b in merged]
        raise _file_error("merged", path, cells=_listed(ranges))
    first_row = data.start[0] if data.start else 0
    iterator = iter(data.iter_rows())
    number = first_row
    headers: list[str] = []
    for cells in iterator:
        number += 1
        if not _is_blank(cells):
            headers = _header(cells)
            break
    if not headers:
        raise _file_error("empty", path)
    total = data.height - (number - first_row)

    def numbered(start: int) -> Iterator[tuple[int, list[Any]]]:
        row_no = start
        for cells in iterator:
            row_no += 1
            if not _is_blank(cells):
                yield row_no, cells

    return SourceTable(
        headers,
        numbered(number),
        sheets=names,
        sheet=name,
        estimated_rows=max(total, 0),
        closer=getattr(workbook, "close", None),
        fmt="xlsx",
    )


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN_CELLS])
    return shown + (f" and {len(items) - SHOWN_CELLS} more" if len(items) > SHOWN_CELLS else "")


def _cell_name(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


_FORMULA = re.compile(rb'<(?:\w+:)?c r="([A-Z]+[0-9]+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _sheet_part(archive: zipfile.ZipFile, index: int) -> str | None:
    """The zip member holding the index-th sheet of the workbook."""
    try:
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return None
    sheets = workbook.findall("m:sheets/m:sheet", _NS)
    if index >= len(sheets):
        return None
    rel_id = sheets[index].get(f"{{{_NS['r']}}}id")
    for rel in rels.findall("rel:Relationship", _NS):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _formula_cells(path: Path, index: int) -> list[str]:
    """The cells of the sheet that hold a formula, found by streaming its XML (cheap even for 100,000 rows)."""
    found: list[str] = []
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, index)
        if part is None or part not in archive.namelist():
            return found
        with archive.open(part) as stream:
            tail = b""
            while chunk := stream.read(1 << 20):
                text = tail + chunk
                for match in _FORMULA.finditer(text):
                    found.append(match.group(1).decode())
                    if len(found) > SHOWN_CELLS + 1000:
                        return found
                tail = text[-512:]
    return list(dict.fromkeys(found))


# -- CSV -----------------------------------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig, utf-8 or gb18030 for the first bytes of a text file."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def detect_delimiter(line: str) -> str:
    counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _open_csv(path: Path) -> SourceTable:
    with path.open("rb") as probe:
        sample = probe.read(SNIFF_BYTES)
    encoding = detect_encoding(sample)
    size = path.stat().st_size
    try:
        stream = path.open("r", encoding=encoding, newline="")
    except OSError as exc:
        raise _file_error("unreadable", path, reason=exc.strerror or str(exc)) from None
    try:
        first_line = ""
        for line in io.StringIO(sample.decode(encoding, errors="ignore")):
            if line.strip():
                first_line = line
                break
        reader = csv.reader(stream, delimiter=detect_delimiter(first_line))
        headers: list[str] = []
        for cells in reader:
            if not _is_blank(cells):
                headers = _header(cells)
                break
        if not headers:
            raise _file_error("empty", path)
        header_line = reader.line_num
        sample_lines = sample.count(b"\n") or 1
        estimate = int(sample_lines * size / max(len(sample), 1)) - header_line if size > len(sample) else None
    except UnicodeDecodeError:
        stream.close()
        raise _file_error("encoding", path) from None
    except (ImportFileError, csv.Error):
        stream.close()
        raise

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            for cells in reader:
                if not _is_blank(cells):
                    yield reader.line_num, cells
        except UnicodeDecodeError:
            raise _file_error("encoding", path) from None

    if estimate is None:
        estimate = max(sample_lines - header_line, 0)
    return SourceTable(
        headers, numbered(), sheets=[], sheet=None, estimated_rows=estimate, closer=stream.close, fmt="csv"
    )


# -- cells ---------------------------------------------------------------------------------------------------


class BadValue(Exception):
    """A cell that cannot be read as its column's kind; str() is the sentence."""


PLACES = {"money": 2, "qty": 3, "rate": 4}
_TRUE = {"1", "true", "yes", "y", "是", "对", "启用", "有效", "在用", "√", "✓", "x"}
_FALSE = {"0", "false", "no", "n", "否", "不", "停用", "无效", "禁用", "×", "✗", ""}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}([, ]\d{3})+(\.\d+)?$")
# 1.234,5 and 1.234.567 (dots between thousands, a decimal comma); a lone 1.234 is a decimal point
_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$|^[+-]?\d{1,3}(\.\d{3}){2,}$|^[+-]?\d+,\d+$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def _sentence(key: str, value: Any, **extra: Any) -> BadValue:
    return BadValue(VALUE_SENTENCES[key].format(value=_shown(value), **extra))


def _shown(value: Any) -> str:
    text = str(value)
    return f"'{text[:60]}'"


def cell_text(value: Any) -> str:
    """A cell as the person sees it: whole floats without .0, dates ISO, text stripped (NFKC: full-width
    digits and letters become plain ones)."""
    if type(value) is str and value.isascii():
        return value.strip()  # NFKC changes nothing in ASCII: the common case, kept cheap
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def to_decimal(value: Any) -> Decimal:
    """A number from a cell: 1,234.5, 1 234,5, ¥12, (full-width) digits; BadValue if it is none."""
    if isinstance(value, bool):
        raise _sentence("number", value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(format(value, ".15g"))
    if isinstance(value, Decimal):
        return value
    text = cell_text(value).replace("¥", "").replace("￥", "").replace("元", "").strip()
    text = text.replace("\u00a0", " ")
    if _THOUSANDS.match(text):
        text = text.replace(",", "").replace(" ", "")
    elif _DECIMAL_COMMA.match(text):
        text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _sentence("number", value) from None
    if not number.is_finite():
        raise _sentence("number", value)
    return number


def _fixed(number: Decimal, places: int, value: Any) -> str:
    try:
        fixed = number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise _sentence("number", value) from None
    if fixed != number:
        raise _sentence("places", value, places=places)
    return format(number.normalize(), "f")


def convert(kind: str, value: Any, *, choices: tuple[str, ...] = (), words: dict[str, str] | None = None) -> str | None:
    """A cell as canonical text for its column's kind (what PostgreSQL reads back without doubt: numbers
    plain, dates ISO, booleans true/false), None for an empty cell; BadValue with a sentence otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind in ("text", "code"):
        text = cell_text(value)
        if kind == "code":
            text = text.upper()
        if len(text) > MAX_TEXT:
            raise BadValue(VALUE_SENTENCES["too_long"].format(length=MAX_TEXT))
        if choices:
            lowered = text.lower()
            chosen = (words or {}).get(lowered, lowered)
            if chosen not in choices:
                raise _sentence("choice", value, choices=" or ".join(choices))
            return chosen
        return text or None
    if kind in ("int", "qty", "money"):
        number = to_decimal(value)
        if kind == "int":
            if number != number.to_integral_value():
                raise _sentence("whole", value)
            return str(int(number))
        return _fixed(number, PLACES[kind], value)
    if kind == "rate":
        return _rate(value)
    if kind == "date":
        return _date(value).isoformat()
    if kind == "bool":
        return "true" if _bool(value) else "false"
    raise ValueError(f"unknown kind {kind}")


def _rate(value: Any) -> str:
    text = cell_text(value)
    percent = text.endswith("%") or text.endswith("％")
    try:
        number = to_decimal(text.rstrip("%％").strip() if percent else value)
    except BadValue:
        raise _sentence("rate", value) from None
    if percent or number >= 1:
        number = number / 100
    if number < 0 or number >= 1:
        raise _sentence("rate", value)
    return _fixed(number, PLACES["rate"], value)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 < value < 80000:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))  # an Excel serial day number
    text = cell_text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                break
    raise _sentence("date", value)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = cell_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _sentence("bool", value)
