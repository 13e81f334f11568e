"""The layer rules of docs/architecture.md §1, checked by import-linter, and ruff-clean code."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports")
    assert exe, "import-linter is part of the test extra"
    r = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_sql_in_page_code() -> None:
    for f in (ROOT / "dashboard" / "app_pages").glob("*.py"):
        text = f.read_text(encoding="utf-8").lower()
        for word in ("select ", " from ", "insert ", "duckdb"):
            assert word not in text, f"{f.name} contains {word!r}"


def test_pages_stay_thin() -> None:
    for f in (ROOT / "dashboard" / "app_pages").glob("*.py"):
        assert len(f.read_text(encoding="utf-8").splitlines()) <= 150, f.name
