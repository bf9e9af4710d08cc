"""`python main.py export KIND -o FILE`, run as a person would."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from tests.factories import World
from tests.integration.test_cli import main_py


def test_export_customers_to_xlsx(world: World, db_url: str, tmp_path: Path) -> None:
    output = tmp_path / "customers.xlsx"
    result = main_py("--db", db_url, "export", "customers", "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Exported 2 rows of customers to {output}."
    rows = list(openpyxl.load_workbook(output).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Code", "Name") and {row[0] for row in rows[1:]} == {"CN", "LIMIT"}


def test_export_products_to_gb18030_csv(world: World, db_url: str, tmp_path: Path) -> None:
    output = tmp_path / "products.csv"
    result = main_py("--db", db_url, "export", "products", "-o", str(output), "--gb18030")
    assert result.returncode == 0, result.stderr
    text = output.read_bytes().decode("gb18030").splitlines()
    assert len(text) == 5 and any(line.startswith("BUY-A,Bought A 轴承,") for line in text)


def test_bad_requests_are_one_sentence(tmp_path: Path) -> None:
    unknown = main_py("export", "planets", "-o", str(tmp_path / "x.xlsx"))
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr
    for args, sentence in (
        (["-o", str(tmp_path / "x.pdf")], "The file name must end in .xlsx or .csv (not .pdf)."),
        (["-o", str(tmp_path / "nowhere" / "x.csv")], f"The folder {tmp_path / 'nowhere'} does not exist."),
        (["-o", str(tmp_path / "x.xlsx"), "--gb18030"], "--gb18030 is for CSV files"),
        (["-o", str(tmp_path)], "is a folder"),
    ):
        result = main_py("export", "customers", *args)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1 and sentence in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_help() -> None:
    result = main_py("export", "--help")
    assert result.returncode == 0 and "sales_orders" in result.stdout
