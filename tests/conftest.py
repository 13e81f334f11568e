"""Shared fixtures: the fixture exports and databases built from them."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from dashboard.core.ingest.pipeline import ingest_file
from dashboard.core.sample.demo import build_demo

TESTS = Path(__file__).resolve().parent
WECHAT = TESTS / "fixtures" / "wechat"


def _conformance() -> Path:
    """Real exports, read in place (../shared/conformance beside the checkout; SOURCES.md says what
    each holds). Missing samples fail the run loudly rather than shrinking what is tested."""
    for root in (os.environ.get("QUNXI_SHARED"), TESTS.parents[1] / "shared", "/work/shared"):
        if root and (Path(root) / "conformance" / "SOURCES.md").exists():
            return Path(root) / "conformance"
    raise RuntimeError("shared/conformance not found beside the checkout: set QUNXI_SHARED to the shared folder")


CONFORMANCE = _conformance()

FIXTURE_FILES = {
    "memotrace1": WECHAT / "memotrace_1x_group_utf8.csv",
    "memotrace1_all": WECHAT / "memotrace_1x_export_all.csv",
    "memotrace2": WECHAT / "memotrace2x" / "宝妈福利群(34567@chatroom)" / "宝妈福利群.csv",
    "memotrace_txt": WECHAT / "宝妈群.txt",
    "pywxdump": WECHAT / "pywxdump" / "777888@chatroom" / "777888@chatroom_1_9.csv",
    "pywxdump_excel": WECHAT / "pywxdump_excel" / "奶粉团购群_excel.csv",
    "raw_pc": WECHAT / "raw_msg_pc.csv",
    "raw_android": WECHAT / "raw_message_android.csv",
}


def db_digest(db: Path) -> str:
    """The database file's bytes, hashed: a failed import must leave it exactly as it was."""
    return hashlib.sha256(db.read_bytes()).hexdigest()


def rows(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session", autouse=True)
def user_queries_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder for saved queries, so no test reads or writes the developer's own."""
    folder = tmp_path_factory.mktemp("user_queries")
    os.environ["QUNXI_USER_QUERIES"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every WeChat fixture ingested into one database."""
    db = tmp_path_factory.mktemp("fixture") / "fixtures.duckdb"
    for key, path in FIXTURE_FILES.items():
        ingest_file(path, db, chat_name="新手妈妈群" if key == "memotrace1" else None)
    return db


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(db)
    return db


@pytest.fixture
def fresh_copy(fixture_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(fixture_db, target)
    return target
