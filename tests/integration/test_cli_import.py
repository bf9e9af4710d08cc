"""`python main.py import`: problems listed by row and column, counts, exit codes; templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.clerks import Clerk
from tests.factories import World
from tests.integration.test_cli import main_py
from tests.integration.test_import import as_clerk, scalar, write_csv, write_xlsx

__all__ = ["as_clerk"]

HEADER = ["编码", "名称", "电话", "账期(天)"]


def test_import_prints_counts_and_exits_0(world: World, db_url: str, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "c.xlsx", [HEADER, ["CLI1", "命令行公司", "021-6888 1000", 30]])
    result = main_py("--db", db_url, "import", "customers", str(path))
    assert result.returncode == 0, result.stderr
    assert "Rows: 1. New: 1, changed: 0, unchanged: 0, rejected: 0." in result.stdout
    assert scalar(world.db, "SELECT name FROM erp.customers WHERE code = 'CLI1'") == "命令行公司"


def test_problems_are_listed_by_row_and_column_and_exit_1(world: World, db_url: str, tmp_path: Path) -> None:
    rows = [HEADER] + [[f"E{i}", f"Error {i}", "12", 30] for i in range(60)] + [["OK1", "Fine", "", "x"]]
    path = write_csv(tmp_path / "c.csv", rows)
    result = main_py("--db", db_url, "import", "customers", str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("row 2, column 电话: The phone number is not one that can be dialled")
    assert "... and 11 more problems." in lines
    assert lines[-1].startswith("Nothing was written")
    assert "Traceback" not in result.stderr
    assert scalar(world.db, "SELECT count(*) FROM erp.customers WHERE code LIKE 'E%' OR code = 'OK1'") == 0

    dry = main_py("--db", db_url, "import", "customers", str(path), "--dry-run")
    assert dry.returncode == 1 and "Dry run: nothing was written." in dry.stdout

    rejects = tmp_path / "rejected.csv"
    partial = main_py("--db", db_url, "import", "customers", str(path), "--valid-only", "--rejects", str(rejects))
    assert partial.returncode == 0, partial.stdout + partial.stderr
    assert f"The rejected rows are in {rejects}." in partial.stdout
    assert rejects.read_text(encoding="utf-8-sig").count("\n") == 62  # header + 61 rejected rows


def test_a_bad_file_is_one_sentence_and_exit_2(world: World, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "c.pdf"
    path.write_bytes(b"%PDF-1.4")
    result = main_py("--db", db_url, "import", "customers", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == "c.pdf is not a spreadsheet: import an XLSX, XLS, ODS or CSV file."
    assert main_py("--db", db_url, "import", "nonsense", str(path)).returncode == 2


def test_a_duty_the_person_lacks_is_exit_5(
    world: World,
    clerks: dict[str, Clerk],
    as_clerk: Any,
    tmp_path: Path,
) -> None:
    as_clerk("sales")  # grants the staging table's privilege
    path = write_xlsx(tmp_path / "s.xlsx", [["编码", "名称"], ["S9", "Supplier"]])
    result = main_py("--db", clerks["sales"].sqlalchemy_url(), "import", "suppliers", str(path))
    assert result.returncode == 5
    assert "Only admin or purchasing may give the code of suppliers" in result.stderr


def test_template_command_writes_a_template_that_imports(world: World, db_url: str, tmp_path: Path) -> None:
    output = tmp_path / "wc.xlsx"
    result = main_py("import", "template", "work_centres", "-o", str(output))
    assert result.returncode == 0 and output.exists()
    assert [c.value for c in load_workbook(output).worksheets[0][1]][:3] == ["Code", "Name", "Daily capacity (hours)"]
    imported = main_py("--db", db_url, "import", "work_centres", str(output))
    assert imported.returncode == 0 and "Rows: 1. New: 0, changed: 1," in imported.stdout  # ASM is there
    assert main_py("import", "template", "work_centres").returncode == 2


def test_mapping_on_the_command_line_or_from_a_json_file(world: World, db_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [["Kunde", "Firma", "Notiz"], ["MAP1", "Mapped GmbH", "ignored"]])
    result = main_py(
        "--db", db_url, "import", "customers", str(path), "--mapping", "Kunde=code", "--mapping", "Firma=name"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert scalar(world.db, "SELECT name FROM erp.customers WHERE code = 'MAP1'") == "Mapped GmbH"
    mapping = tmp_path / "mapping.json"
    # a JSON mapping names every column: without the code, nothing can be matched
    mapping.write_text('{"Kunde": "name", "Firma": "address"}', encoding="utf-8")
    unmapped = main_py("--db", db_url, "import", "customers", str(path), "--mapping", str(mapping))
    assert unmapped.returncode == 2
    assert unmapped.stderr.strip() == "The file has no column for Code; name a column Code or map one to it."
    # the code alone is enough to change a known customer; a new one would need its name
    mapping.write_text('{"Kunde": "code", "Firma": "address"}', encoding="utf-8")
    changed = main_py("--db", db_url, "import", "customers", str(path), "--mapping", str(mapping))
    assert changed.returncode == 0, changed.stderr
    assert scalar(world.db, "SELECT address FROM erp.customers WHERE code = 'MAP1'") == "Mapped GmbH"
    assert main_py("--db", db_url, "import", "customers", str(path), "--mapping", "nonsense").returncode == 2


def test_a_pair_on_the_command_line_changes_only_its_column_of_the_automatic_mapping(
    world: World, db_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "p.csv", [["客户编码", "Firma"], ["PAIR1", "配对贸易有限公司"]])
    result = main_py("--db", db_url, "import", "customers", str(path), "--mapping", "Firma=name")
    assert result.returncode == 0, result.stderr
    assert scalar(world.db, "SELECT name FROM erp.customers WHERE code = 'PAIR1'") == "配对贸易有限公司"
