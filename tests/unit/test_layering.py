"""server_db never imports Qt: every module imports with PySide6 blocked."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import server_db

ROOT = Path(__file__).resolve().parents[2]


def test_server_db_imports_without_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages(server_db.__path__, "server_db.")]
    assert "server_db.sales.services" in modules
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'erp_desktop', 'shiboken6'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for name in {modules!r}:\n"
        "    __import__(name)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_desktop_code_writes_no_sql() -> None:
    offenders = []
    for path in (ROOT / "erp_desktop").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("sqlalchemy", "psycopg2", "SELECT ", "INSERT ", "UPDATE ", "DELETE FROM"):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []
