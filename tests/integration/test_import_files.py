"""Files as people have them: bad files refused with a sentence (nothing written), Chinese CSV in GBK or
UTF-8 with a BOM, semicolons, and the template filled in and imported back."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from openpyxl import load_workbook

from server_db.transfer.imports import run_import, suggest_mapping
from server_db.transfer.kinds import KINDS
from server_db.transfer.reading import ImportFileError, open_table
from server_db.transfer.templates import write_template
from tests.factories import World
from tests.integration.test_import import events, scalar, write_csv, write_xlsx

HEADER = ["客户编码", "客户名称", "地址", "联系人"]
ROWS = [["C200", "杭州某某有限公司", "浙江省杭州市西湖区", "张三"], ["C201", "广州某某商行", "广东省广州市", "李四"]]


def refused(world: World, path: Path, kind: str = "customers") -> str:
    before = (scalar(world.db, "SELECT count(*) FROM erp.customers"), events(world.db))
    with pytest.raises(ImportFileError) as error:
        run_import(world.db, kind, path)
    assert (scalar(world.db, "SELECT count(*) FROM erp.customers"), events(world.db)) == before
    return str(error.value)


def test_a_file_that_is_not_a_spreadsheet(world: World, tmp_path: Path) -> None:
    path = tmp_path / "letter.docx"
    path.write_bytes(b"PK\x03\x04 not a sheet")
    assert refused(world, path) == "letter.docx is not a spreadsheet: import an XLSX, XLS, ODS or CSV file."


def test_a_password_protected_workbook(world: World, tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert "protected by a password; open it in Excel, save it without a password" in refused(world, path)


def test_a_damaged_workbook(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "good.xlsx", [HEADER, *ROWS])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    assert "broken.xlsx is damaged" in refused(world, broken)
    not_a_workbook = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "cannot be read as a spreadsheet" in refused(world, not_a_workbook)


def test_formulas_are_refused_naming_the_cells(world: World, tmp_path: Path) -> None:
    path = tmp_path / "formulas.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["code", "name", "payment_terms_days"])
    sheet.write_row(1, 0, ["F1", "Formula Ltd"])
    sheet.write_formula(1, 2, "=10*3", None, 30)
    sheet.write_row(2, 0, ["F2", "Plain Ltd", 30])
    sheet.write_formula(3, 1, '="Name"&"X"', None, "NameX")
    workbook.close()
    sentence = refused(world, path)
    assert sentence == (
        "formulas.xlsx holds formulas (cell C2, B4); copy the sheet and paste it as values, then import again."
    )


def test_merged_cells_are_refused_naming_the_ranges(world: World, tmp_path: Path) -> None:
    path = tmp_path / "merged.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.merge_range("A2:A3", "C300")
    sheet.write_row(1, 1, ["Merged Ltd"])
    workbook.close()
    assert "merged.xlsx has merged cells (A2:A3); unmerge them" in refused(world, path)


def test_empty_files_and_files_without_rows(world: World, tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    xlsxwriter.Workbook(str(empty)).close()
    assert refused(world, empty) == "empty.xlsx is empty: the first row must hold the column names."
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "empty.csv is empty" in refused(world, tmp_path / "empty.csv")
    header_only = write_xlsx(tmp_path / "header.xlsx", [HEADER, [None, None], [" ", None]])
    assert refused(world, header_only) == "header.xlsx has column names but no rows under them."
    unmapped = write_xlsx(tmp_path / "unmapped.xlsx", [["客户名称", "something"], ["X1", "y"]])
    assert refused(world, unmapped) == "The file has no column for Code; name a column Code or map one to it."


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("gbk", ","), ("utf-8-sig", ","), ("utf-8", ";"), ("gb18030", "\t")]
)
def test_chinese_csv_in_every_encoding_and_delimiter(
    world: World, tmp_path: Path, encoding: str, delimiter: str
) -> None:
    path = write_csv(tmp_path / "customers.csv", [HEADER, [], *ROWS], encoding=encoding, delimiter=delimiter)
    with open_table(path) as table:
        assert table.headers == HEADER
        assert list(table.numbered_rows()) == [(3, ROWS[0]), (4, ROWS[1])]
    result = run_import(world.db, "customers", path)
    assert result.written and result.inserted == 2
    assert scalar(world.db, "SELECT address FROM erp.customers WHERE code = 'C200'") == "浙江省杭州市西湖区"


def test_suggest_mapping_maps_chinese_and_english_headers() -> None:
    headers = ["物料编码", "品名", "计量单位", "采购/自制", "售价", "税率", "默认供应商", "备注", "Work centre"]
    assert suggest_mapping(KINDS["products"], headers) == {
        "物料编码": "sku",
        "品名": "name",
        "计量单位": "unit",
        "采购/自制": "procurement",
        "售价": "price",
        "税率": "tax_rate",
        "默认供应商": "default_supplier",
        "备注": None,
        "Work centre": "work_centre",
    }
    assert suggest_mapping(KINDS["customers"], ["Code", "CODE", "账期(天)"]) == {
        "Code": "code",
        "CODE": None,
        "账期(天)": "payment_terms_days",
    }


@pytest.mark.parametrize("kind", ["suppliers", "customers", "products", "warehouses", "work_centres"])
def test_template_round_trip(world: World, tmp_path: Path, kind: str) -> None:
    path = write_template(kind, tmp_path / f"{kind}.xlsx")
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [f.label for f in KINDS[kind].fields]
    assert [cell.font.b for cell in sheet[1]] == [f.required for f in KINDS[kind].fields]
    assert "Notes" in workbook.sheetnames
    if kind == "products":
        # the example row refers to supplier S001, which this company does not have: make it real
        column = headers.index("Default supplier") + 1
        sheet.cell(row=2, column=column, value="SUP")
        workbook.save(path)
        validations = [v.sqref for v in sheet.data_validations.dataValidation]
        assert len(validations) == 3  # unit, procurement, active
    result = run_import(world.db, kind, path)
    assert (result.problems, result.written, result.inserted + result.updated) == ([], True, 1)


def cells(path: Path) -> list[Any]:
    return [c.value for c in load_workbook(path).worksheets[0][2]]


def test_a_template_offers_the_units_of_the_database(world: World, tmp_path: Path) -> None:
    from server_db.transfer.templates import database_units

    units = world.db.run(database_units)
    assert "pcs" in units and "kg" in units
    path = write_template("products", tmp_path / "p.xlsx", units=["pcs", "箱"])
    lists = load_workbook(path)["Lists"]
    assert [row[0] for row in lists.iter_rows(values_only=True) if row[0]][:2] == ["pcs", "箱"]
