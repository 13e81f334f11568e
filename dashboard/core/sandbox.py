"""The analyst's SQL sandbox (issue 10): one read statement, in a DuckDB instance of its own.

Every run gets a fresh in-memory DuckDB that attaches the store read-only, then switches off
external access (no file, directory or network: COPY … TO, read_csv('/etc/passwd'), ATTACH,
INSTALL/LOAD all fail inside DuckDB itself) and locks its configuration (SET and PRAGMA cannot
switch anything back). Before that, DuckDB's own parser must find exactly one statement, and a
read one. A timer interrupts the query after the time limit; results are read in Arrow batches, so
a page shows the first rows of a huge result without holding the rest, and a download streams all
of it. DuckDB releases the GIL while it works, so other users' pages keep drawing meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from dashboard.core import db, result_files, settings

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_ROWS = 100_000
BATCH_ROWS = 10_000
# a runaway query must not starve the pages the app draws beside it: a quarter of the memory, and
# every core but one
MEMORY_SHARE = 0.25
THREADS = max(1, (os.cpu_count() or 2) - 1)
READ_STATEMENTS = (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN)


class SandboxError(ValueError):
    """A query the sandbox refused, one DuckDB rejected (its own message, with the position), or
    one stopped at the time limit."""


class Refused(SandboxError):
    """Not a single read statement."""


class TimedOut(SandboxError):
    """Interrupted at the time limit."""


@dataclass(frozen=True)
class Result:
    frame: pl.DataFrame   # the first max_rows rows
    truncated: bool       # the query had more rows than these
    elapsed_s: float


def check(sql: str) -> str:
    """The statement if it is exactly one read statement (SELECT, WITH, FROM …, VALUES, DESCRIBE,
    SUMMARIZE, SHOW, EXPLAIN), as DuckDB's parser sees it; else Refused, or SandboxError with the
    parser's message."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise SandboxError(str(exc)) from exc
    if not statements:
        raise Refused("没有可运行的语句 · No statement to run")
    if len(statements) > 1:
        raise Refused(f"一次只能运行一条语句，这里有 {len(statements)} 条 · "
                      f"One statement at a time; this has {len(statements)}")
    kind = statements[0].type
    if kind not in READ_STATEMENTS:
        name = str(kind).rsplit(".", 1)[-1]
        raise Refused(f"只能运行只读查询（SELECT、WITH、FROM、DESCRIBE …），这是 {name} 语句 · "
                      f"Only read queries run here (SELECT, WITH, FROM, DESCRIBE …); this is a {name} statement")
    return sql


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def parameters(sql: str) -> list[str]:
    """The statement's $names in the order they first appear, as DuckDB's parser finds them (a
    `$x` inside a string or a comment is not one); none when it does not parse."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return []
    if len(statements) != 1:
        return []
    found = statements[0].named_parameters
    return list(dict.fromkeys(n for n in _PARAM.findall(sql) if n in found))


@contextlib.contextmanager
def connect(path: str | Path | None = None, tz: str = settings.DEFAULT_TZ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A sandboxed connection to the store at `path`: attached read-only as the default catalog,
    no external access, configuration locked."""
    db_path = Path(path) if path else settings.default_db_path()
    if not db_path.exists():
        raise db.NoDatabase(f"还没有数据库 {db_path}")
    con = duckdb.connect(":memory:")
    try:
        literal = str(db_path).replace("'", "''")
        con.execute(f"attach '{literal}' as data (read_only)")
        con.execute("use data")
        con.execute(f"set TimeZone = '{db.safe_tz(tz)}'")
        con.execute(f"set memory_limit = '{db.memory_limit_mb(MEMORY_SHARE)}MB'")
        con.execute(f"set threads = {THREADS}")
        con.execute("set autoinstall_known_extensions = false")
        con.execute("set autoload_known_extensions = false")
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        yield con
    finally:
        con.close()


# Errors DuckDB raises while binding, before any row is read: cheap to raise again for the position.
BIND_ERRORS = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException)


def _reader(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None) -> pa.RecordBatchReader:
    """The result as Arrow batches. The relation API streams them; its bind errors lack the
    "LINE 1: … ^^^" position that execute() gives, so such an error is raised again by execute()."""
    try:
        return con.sql(sql, params=params or None).to_arrow_reader(BATCH_ROWS)
    except BIND_ERRORS:
        con.execute(sql, params or None)
        raise


@contextlib.contextmanager
def _time_limit(con: duckdb.DuckDBPyConnection, timeout_s: float) -> Iterator[None]:
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    except duckdb.InterruptException as exc:
        raise TimedOut(f"查询超过 {timeout_s:g} 秒，已中断 · Stopped after {timeout_s:g} s") from exc
    except duckdb.Error as exc:
        raise SandboxError(str(exc)) from exc
    finally:
        timer.cancel()


@contextlib.contextmanager
def stream(path: str | Path | None, sql: str, timeout_s: float = DEFAULT_TIMEOUT_S,
           tz: str = settings.DEFAULT_TZ, params: dict[str, Any] | None = None) -> Iterator[pa.RecordBatchReader]:
    """Every row of the query's result as Arrow batches (for downloads). The time limit covers
    the whole block, reading and whatever is done with the batches."""
    check(sql)
    with connect(path, tz) as con, _time_limit(con, timeout_s):
        yield _reader(con, sql, params)


def run(path: str | Path | None, sql: str, timeout_s: float = DEFAULT_TIMEOUT_S,
        max_rows: int = DEFAULT_MAX_ROWS, tz: str = settings.DEFAULT_TZ,
        params: dict[str, Any] | None = None) -> Result:
    """Run one read statement in the sandbox, with `params` bound to its $names: its first max_rows
    rows, whether there were more, and the time it took. Raises Refused, TimedOut or SandboxError
    (DuckDB's message)."""
    start = time.perf_counter()
    kept: list[pa.RecordBatch] = []
    n = 0
    truncated = False
    with stream(path, sql, timeout_s, tz, params) as reader:
        for batch in reader:
            if n + batch.num_rows > max_rows:
                kept.append(batch.slice(0, max_rows - n))
                truncated = True
                break
            kept.append(batch)
            n += batch.num_rows
        table = pa.Table.from_batches(kept, schema=reader.schema)
    return Result(result_files.to_frame(table), truncated, time.perf_counter() - start)
