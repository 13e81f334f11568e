"""Property tests: whatever bytes arrive, an import either works or raises the project's one import
error, and a failed import leaves the database byte for byte as it was."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import TESTS, conformance_files, db_digest, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.pipeline import ingest_file

SUFFIXES = [".txt", ".csv", ".json", ".jsonl", ".zip", ".parquet"]


def _real_files() -> list[Path]:
    files = [f for f in sorted((TESTS / "fixtures").rglob("*")) if f.is_file() and f.suffix in SUFFIXES
             and f.stat().st_size < 200_000]
    files += conformance_files(suffixes=tuple(SUFFIXES))
    return files


REAL = _real_files()



def _import_or_error(path: Path, db: Path) -> None:
    before = db_digest(db)
    try:
        ingest_file(path, db)
    except IngestError as e:
        assert str(e), "an import error must say what went wrong"
        assert db_digest(db) == before, f"a failed import of {path.name} changed the database"


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("fuzz") / "base.duckdb"
    ingest_file(TESTS / "fixtures" / "wechat" / "memotrace_1x_group_utf8.csv", db)
    return db


FUZZ = settings(max_examples=examples(25), deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.slow
@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_bytes_raise_only_the_import_error(base_db: Path, tmp_path_factory: pytest.TempPathFactory,
                                                      data: bytes, suffix: str) -> None:
    work = tmp_path_factory.mktemp("bytes")
    db = work / "db.duckdb"
    shutil.copy(base_db, db)
    path = work / f"export{suffix}"
    path.write_bytes(data)
    _import_or_error(path, db)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    src = draw(st.sampled_from(REAL))
    data = bytearray(src.read_bytes())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete", "duplicate"]))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 200))]
        elif op == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 400))]
    return src.name, bytes(data)


@pytest.mark.slow
@FUZZ
@given(case=mutated())
def test_mutated_real_files_raise_only_the_import_error(base_db: Path, tmp_path_factory: pytest.TempPathFactory,
                                                        case: tuple[str, bytes]) -> None:
    name, data = case
    work = tmp_path_factory.mktemp("mutated")
    db = work / "db.duckdb"
    shutil.copy(base_db, db)
    path = work / name
    path.write_bytes(data)
    _import_or_error(path, db)


@pytest.mark.slow
@FUZZ
@given(case=mutated(), inner=st.sampled_from(["_chat.txt", "WhatsApp Chat with 宝妈.txt", "notes.md"]))
def test_mutated_zips_raise_only_the_import_error(base_db: Path, tmp_path_factory: pytest.TempPathFactory,
                                                  case: tuple[str, bytes], inner: str) -> None:
    _, data = case
    work = tmp_path_factory.mktemp("zipped")
    db = work / "db.duckdb"
    shutil.copy(base_db, db)
    path = work / "WhatsApp Chat - 宝妈.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(inner, data)
    _import_or_error(path, db)
