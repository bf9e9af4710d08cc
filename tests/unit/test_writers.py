"""Exported files open in Excel with the right types: read back with openpyxl and the csv module."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from server_db.transfer.writers import (
    ExportCancelled,
    ExportFileError,
    OutColumn,
    text_value,
    write_csv,
    write_xlsx,
)

COLUMNS = [
    OutColumn("Code", "text"),
    OutColumn("名称", "text"),
    OutColumn("Qty", "qty"),
    OutColumn("Price", "money"),
    OutColumn("Due", "date"),
    OutColumn("Count", "int"),
    OutColumn("Active", "bool"),
]
ROWS = [
    ("00123", "北京华联 轴承", Decimal("1234.500"), Decimal("10.5"), dt.date(2026, 3, 1), 7, True),
    ("=1+1", "Plain", Decimal("2"), Decimal("1234567.891"), None, 0, False),
]


def test_xlsx_keeps_numbers_dates_and_text_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    assert write_xlsx(path, COLUMNS, ROWS, sheet="Products") == 2
    book = openpyxl.load_workbook(path)
    sheet = book["Products"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Code", "名称", "Qty", "Price", "Due", "Count", "Active")
    first, second = rows[1], rows[2]
    assert first[0] == "00123" and isinstance(first[0], str)  # a code keeps its zeros
    assert second[0] == "=1+1" and sheet.cell(3, 1).data_type == "s"  # text, never a formula
    assert first[1] == "北京华联 轴承"
    assert first[2] == 1234.5 and isinstance(first[2], float)
    assert first[3] == 10.5 and sheet.cell(2, 4).number_format == "#,##0.00"  # money shows two decimals
    assert first[4] == dt.datetime(2026, 3, 1) and sheet.cell(2, 5).is_date
    assert second[4] is None
    assert first[5] == 7 and second[5] == 0
    assert first[6] is True and second[6] is False
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"


def test_csv_utf8_has_a_bom_and_plain_numbers(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert write_csv(path, COLUMNS, ROWS) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Code", "名称", "Qty", "Price", "Due", "Count", "Active"]
    assert rows[1] == ["00123", "北京华联 轴承", "1234.5", "10.50", "2026-03-01", "7", "TRUE"]
    assert rows[2] == ["=1+1", "Plain", "2", "1234567.89", "", "0", "FALSE"]


def test_csv_in_gb18030_reads_back_in_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, COLUMNS, ROWS, encoding="gb18030")
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    with open(path, encoding="gb18030", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][1] == "北京华联 轴承"


def test_text_value_is_what_a_paste_into_excel_reads_as_a_number() -> None:
    assert text_value("money", Decimal("1234.5")) == "1234.50"
    assert text_value("qty", Decimal("1234.500")) == "1234.5"
    assert text_value("date", dt.date(2026, 1, 2)) == "2026-01-02"
    assert text_value("text", None) == ""


@pytest.mark.parametrize("writer", [write_xlsx, write_csv])
def test_a_cancelled_export_leaves_no_file_and_keeps_the_old_one(tmp_path: Path, writer) -> None:
    rows = ((f"{i:05d}", "x", i, i, None, i, True) for i in range(10_000))
    fresh = tmp_path / "fresh.out"
    with pytest.raises(ExportCancelled):
        writer(fresh, COLUMNS, rows, cancelled=lambda: True)
    assert not fresh.exists()
    existing = tmp_path / "existing.out"
    existing.write_text("the old export")
    rows = ((f"{i:05d}", "x", i, i, None, i, True) for i in range(10_000))
    with pytest.raises(ExportCancelled):
        writer(existing, COLUMNS, rows, cancelled=lambda: True)
    assert existing.read_text() == "the old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.out"]  # no temporary left behind


def test_progress_is_reported_and_counts_rows(tmp_path: Path) -> None:
    seen: list[int] = []
    rows = ((str(i), "x", i, i, None, i, True) for i in range(5_000))
    assert write_xlsx(tmp_path / "p.xlsx", COLUMNS, rows, progress=seen.append) == 5000
    assert seen[-1] == 5000 and seen[0] == 2000


def test_a_missing_folder_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ExportFileError, match="folder does not exist"):
        write_csv(tmp_path / "nowhere" / "x.csv", COLUMNS, ROWS)


def test_an_unknown_kind_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_csv(tmp_path / "x.csv", [OutColumn("A", "colour")], [])


def test_xlsx_text_survives_escaping_and_timestamps_keep_their_time(tmp_path: Path) -> None:
    texts = ["<a & b>", "  leading and trailing  ", "tab\there", "bell\x07", "_x0041_ literal", "多行\n文本", ""]
    columns = [OutColumn("Text"), OutColumn("When", "datetime"), OutColumn("Day", "date")]
    moment = dt.datetime(2026, 11, 30, 14, 35)
    rows = [(text, moment, dt.date(1900, 1, 15)) for text in texts]
    write_xlsx(tmp_path / "t.xlsx", columns, rows)
    read = list(openpyxl.load_workbook(tmp_path / "t.xlsx").active.iter_rows(values_only=True))[1:]
    # Excel and calamine (what the import reads with) undo the _xHHHH_ escapes; openpyxl does not
    shown = CalamineWorkbook.from_path(str(tmp_path / "t.xlsx")).get_sheet_by_index(0).to_python()[1:]
    assert [row[0] for row in shown] == texts
    assert read[-1][0] in ("", None)
    assert read[0][1] == moment
    assert read[0][2] == dt.datetime(1900, 1, 15)  # before Excel's 29 February 1900 too


def test_xlsx_numbers_that_are_text_stay_readable(tmp_path: Path) -> None:
    columns = [OutColumn("Qty", "qty"), OutColumn("Money", "money")]
    write_xlsx(tmp_path / "n.xlsx", columns, [("1,234.5", "n/a"), (float("nan"), Decimal("-0.005"))])
    read = list(openpyxl.load_workbook(tmp_path / "n.xlsx").active.iter_rows(values_only=True))[1:]
    assert read[0] == (1234.5, "n/a")  # a number typed as text is a number; words stay words
    assert read[1] == ("nan", -0.005)
