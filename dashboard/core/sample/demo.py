"""Building the demo database from `sample_data/`."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from dashboard.core import settings
from dashboard.core.ingest.pipeline import ingest_file

EXPORT_SUFFIXES = {".csv", ".txt"}
STORE_FILES = {"visits.csv", "events.csv", "members.csv"}


def sample_files(root: Path | None = None) -> list[Path]:
    """Chat exports in sample_data/ (store records are loaded after them)."""
    base = root or settings.sample_data_dir()
    files = [p for p in sorted(base.rglob("*")) if p.suffix in EXPORT_SUFFIXES and p.is_file()]
    exports = [p for p in files if p.name not in STORE_FILES]
    stores = [p for p in files if p.name in STORE_FILES]
    return exports + stores


def build_demo(target: Path, rebuild: bool = False, progress: Callable[[str], None] | None = None) -> bool:
    """Ingest sample_data/ into `target` unless it exists. Built aside, then moved into place,
    so an interrupted build never leaves a half-filled demo."""
    target = Path(target)
    if target.exists() and not rebuild:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qunxi-demo-", dir=target.parent) as tmp:
        staging = Path(tmp) / "demo.duckdb"
        for f in sample_files():
            if progress:
                progress(f"导入示例数据 {f.name} …")
            ingest_file(f, staging)
        if target.exists():
            target.unlink()
        wal = Path(str(target) + ".wal")
        if wal.exists():
            wal.unlink()
        shutil.move(str(staging), str(target))
    return True
