"""Building the demo database from `sample_data/`."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from dashboard.core import settings
from dashboard.core.ingest.pipeline import import_order, ingest_file


def sample_files(root: Path | None = None) -> list[Path]:
    """The scenario's exports and store records, in import order."""
    return import_order([root or settings.sample_data_dir()])


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
