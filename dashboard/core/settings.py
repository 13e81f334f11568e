"""Where things live and the defaults every layer shares.

Values come from (highest first) explicit arguments, environment variables, then defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "qunxi"
DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_LANG = "zh"
PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    return candidates[0]


def queries_dir() -> Path:
    """The SQL metric layer: the repo's `queries/` in a checkout, the packaged copy in a wheel."""
    return _first_existing(REPO_DIR / "queries", PACKAGE_DIR / "_queries")


def sample_data_dir() -> Path:
    return _first_existing(REPO_DIR / "sample_data", PACKAGE_DIR / "_sample_data")


def streamlit_config_dir() -> Path:
    return _first_existing(REPO_DIR / ".streamlit", PACKAGE_DIR / "_streamlit")


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_queries_dir() -> Path:
    """Where an analyst's own saved queries live (QUNXI_USER_QUERIES overrides): outside the
    checkout, so an upgrade never touches them."""
    env = os.environ.get("QUNXI_USER_QUERIES")
    return Path(env).expanduser() if env else data_dir() / "queries"


def default_db_path() -> Path:
    env = os.environ.get("QUNXI_DB")
    if env:
        return Path(env).expanduser()
    return data_dir() / "qunxi.duckdb"


def demo_db_path() -> Path:
    return data_dir() / "demo.duckdb"


def reading_db_path() -> Path:
    """The database a reading command opens when none is named: $QUNXI_DB, else the user's own
    database, else (before her first import) the demo database `qunxi demo` built, so the README's
    analyst commands work right after the demo. Imports always go to default_db_path(), never
    into the demo."""
    own = default_db_path()
    if os.environ.get("QUNXI_DB") or own.exists():
        return own
    demo = demo_db_path()
    return demo if demo.exists() else own


@dataclass(frozen=True)
class Settings:
    db_path: Path
    tz: str = DEFAULT_TZ
    lang: str = DEFAULT_LANG


def load(db_path: str | Path | None = None, tz: str | None = None, lang: str | None = None) -> Settings:
    return Settings(
        db_path=Path(db_path).expanduser() if db_path else default_db_path(),
        tz=tz or os.environ.get("QUNXI_TZ", DEFAULT_TZ),
        lang=lang or os.environ.get("QUNXI_LANG", DEFAULT_LANG),
    )
