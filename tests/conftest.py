"""Shared fixtures: the fixture exports and databases built from them."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from dashboard.core import db as store
from dashboard.core.ingest.pipeline import ingest_file
from dashboard.core.sample.demo import build_demo

TESTS = Path(__file__).resolve().parent
# pytest-xdist already runs a test on every core: DuckDB threads of their own in each worker only
# contend for the same two cores (12% slower over the ingest tests)
os.environ.setdefault("QUNXI_DUCKDB_THREADS", "1")
WECHAT = TESTS / "fixtures" / "wechat"


def _conformance() -> Path | None:
    """Real exports written by other projects, read in place from the shared folder beside the
    checkout (`../shared/conformance`, or `$QUNXI_SHARED/conformance`); its SOURCES.md says what each
    holds. CI has it; a lone clone does not, and then the tests that read these samples skip while
    the hand-written fixtures in tests/fixtures/ cover the same quirks."""
    roots = [Path(os.environ["QUNXI_SHARED"])] if os.environ.get("QUNXI_SHARED") else []
    roots.append(TESTS.parents[1] / "shared")
    for root in roots:
        if (root / "conformance" / "SOURCES.md").exists():
            return root / "conformance"
    return None


CONFORMANCE = _conformance()
NO_CONFORMANCE = "real export samples not found: ../shared/conformance is not beside this checkout"
requires_conformance = pytest.mark.skipif(CONFORMANCE is None, reason=NO_CONFORMANCE)


def conformance_dir(*parts: str) -> Path:
    """A folder of the real samples (a path that does not exist when they are missing: tests that
    open a file in it carry @requires_conformance)."""
    return (CONFORMANCE or TESTS / "no-conformance-samples").joinpath(*parts)


def conformance_files(*parts: str, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """Every sample file below a folder of the real samples; none when they are missing."""
    folder = conformance_dir(*parts)
    if not folder.is_dir():
        return []
    return sorted(f for f in folder.rglob("*") if f.is_file() and f.suffix != ".md"
                  and (suffixes is None or f.suffix in suffixes))


def conformance_params(files: list[Path]) -> list:
    """Parameters for a test over real samples: one skipped case saying why when there are none."""
    if files:
        return [pytest.param(f, id=f.name) for f in files]
    return [pytest.param(None, id="no-samples", marks=pytest.mark.skip(reason=NO_CONFORMANCE))]


def examples(n: int) -> int:
    """Hypothesis examples for a fuzz test that imports each one (about a second apiece): n in the
    everyday suite, more for a deep run with QUNXI_FUZZ_SCALE (e.g. 10)."""
    return max(1, round(n * float(os.environ.get("QUNXI_FUZZ_SCALE", "1"))))


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


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every pytest-xdist worker of this run sees (the parent of the workers' own)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]) -> Path:
    """A database built by the first worker that asks for it and read by all the others: the
    builder holds a lock on the folder, and the file appears under its name only when complete."""
    shared = _shared_dir(tmp_path_factory)
    target = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            partial = shared / f"building-{name}"
            partial.unlink(missing_ok=True)
            build(partial)
            partial.rename(target)
    return target


@pytest.fixture(scope="session", autouse=True)
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new database starts as a copy of one migrated empty database made once per run, instead of
    running every migration again for each test's database (about a second each)."""
    template = built_once(tmp_path_factory, "empty.duckdb", store.ensure_database)
    real = store._connect_with_retry

    def connect(path: Path, read_only: bool, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not read_only and not Path(path).exists():
            shutil.copyfile(template, path)
        return real(path, read_only, *args, **kwargs)

    store._connect_with_retry = connect
    yield template
    store._connect_with_retry = real


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    """Every WeChat fixture ingested into one database, shared read-only by every worker: a test
    that writes works on a copy (fresh_copy)."""
    def build(target: Path) -> None:
        for key, path in FIXTURE_FILES.items():
            ingest_file(path, target, chat_name="新手妈妈群" if key == "memotrace1" else None)

    return built_once(tmp_path_factory, "fixtures.duckdb", build)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    """The demo scenario, built once per run and shared read-only by every worker: a test that
    writes works on a copy."""
    return built_once(tmp_path_factory, "demo.duckdb", lambda target: build_demo(target))


@pytest.fixture
def fresh_copy(fixture_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(fixture_db, target)
    return target


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the demo for a test that writes."""
    target = tmp_path / "demo_copy.duckdb"
    shutil.copy(demo_db, target)
    return target


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright, one per test module (browser tests only)."""
    from browser_helpers import CHROMIUM, CHROMIUM_ARGS, chromium_available

    if not chromium_available():
        pytest.skip("chromium is not installed (.ci/run installs it with apt)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
