"""The analyst's SQL sandbox (issue 10): one read statement, in a process and a DuckDB of its own.

Before anything starts, DuckDB's own parser must find exactly one statement, and a read one; a
statement EXPLAIN wraps (EXPLAIN ANALYZE runs it) must be a read one too. Then each run gets a
child process (core/sandbox_child.py) with a private, empty temp folder as its working directory
and DuckDB's spill folder, removed afterwards. The child attaches the store read-only, switches off
external access (no file, directory or network: read_csv('/etc/passwd'), ATTACH, INSTALL/LOAD all
fail inside DuckDB itself; the only folder DuckDB still lets SQL name is that temp folder, which
holds nothing but the query's own spill) and locks its configuration (SET and PRAGMA cannot switch
anything back). It runs with a memory_limit for DuckDB and a ceiling on the whole process.

The parent kills the child at the time limit, wherever it is: DuckDB checks its interrupt flag only
between vectors, and one huge function call (`repeat('x', 2000000000)`) never reaches the check.
Results come back as an Arrow stream in pieces of at most a few MB, so a page holds only the rows it
shows and a download or `qunxi query` writes every row without ever holding them. Other users'
pages read the store meanwhile (the child takes a shared, read-only lock).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import duckdb
import polars as pl
import pyarrow as pa

from dashboard.core import db, result_files, sandbox_child, settings

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_ROWS = 100_000
BATCH_ROWS = 10_000
# a runaway query must not starve the pages the app draws beside it: a quarter of the memory for
# DuckDB, and every core but one
MEMORY_SHARE = 0.25
THREADS = max(1, (os.cpu_count() or 2) - 1)
# the child process as a whole: DuckDB's limit covers its buffers, not every value it builds
PROCESS_HEADROOM_MB = 768
PIECE_BYTES = 8 * 2**20     # the most the parent holds of a streamed result at once
ROW_MAX_BYTES = 256 * 2**20  # one row wider than this is refused rather than carried
RESULT_BYTES = 512 * 2**20   # what run() keeps for a page, whatever max_rows says
STARTUP_S = 60.0             # a child that is not ready by then is stuck (a starved machine)
CHILD = Path(__file__).with_name("sandbox_child.py")


class SandboxError(ValueError):
    """A query the sandbox refused, one DuckDB rejected (its own message, with the position), or
    one stopped at the time or memory limit."""


class Refused(SandboxError):
    """Not a single read statement."""


class TimedOut(SandboxError):
    """Stopped at the time limit."""


class TooBig(SandboxError):
    """Stopped at the memory limit."""


@dataclass(frozen=True)
class Result:
    frame: pl.DataFrame   # the first max_rows rows (fewer when they pass RESULT_BYTES)
    truncated: bool       # the query had more rows than these
    elapsed_s: float


def check(sql: str) -> str:
    """The statement if it is exactly one read statement (SELECT, WITH, FROM …, VALUES, DESCRIBE,
    SUMMARIZE, SHOW, EXPLAIN [ANALYZE] of one of those), as DuckDB's parser sees it; else Refused,
    or SandboxError with the parser's message."""
    problem = sandbox_child.refusal(sql)
    if problem:
        kind, message = problem
        raise (Refused if kind == "refused" else SandboxError)(message)
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


def memory_mb() -> int:
    """DuckDB's memory_limit in the child."""
    return db.memory_limit_mb(MEMORY_SHARE)


def _timed_out(timeout_s: float) -> TimedOut:
    return TimedOut(f"查询超过 {timeout_s:g} 秒，已中断 · Stopped after {timeout_s:g} s")


class _Child:
    """One run's process, its temp folder and its deadline."""

    def __init__(self, db_path: Path, sql: str, tz: str, params: dict[str, Any] | None, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.timed_out = threading.Event()
        self.stuck = threading.Event()
        limit = memory_mb()
        request = {
            "db": str(db_path.resolve()), "sql": sql, "tz": db.safe_tz(tz), "params": params or None,
            "memory_mb": limit, "cap_mb": limit + max(PROCESS_HEADROOM_MB, limit // 2), "threads": THREADS,
            "batch_rows": BATCH_ROWS, "batch_bytes": PIECE_BYTES, "row_max_bytes": ROW_MAX_BYTES,
            "deadline_s": timeout_s + 5.0,
        }
        self.workdir = tempfile.mkdtemp(prefix="qunxi-sql-")
        request["temp_dir"] = self.workdir
        request["temp_max_mb"] = max(256, shutil.disk_usage(self.workdir).free // 2**21)  # half the free disk
        self.errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close()); no name: SQL cannot reach it
        try:
            self.proc = subprocess.Popen([sys.executable, "-P", str(CHILD)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self.errors, cwd=self.workdir)
        except OSError as exc:
            self.errors.close()
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise SandboxError(f"无法启动沙盒进程 · Could not start the sandbox process: {exc}") from exc
        self.timer = threading.Timer(STARTUP_S, self._stop, (self.stuck,))
        self.timer.daemon = True
        self.timer.start()
        try:
            assert self.proc.stdin is not None
            pickle.dump(request, self.proc.stdin)
            self.proc.stdin.close()
        except OSError:
            pass  # it died at once: its message (or its exit code) says why

    def _stop(self, why: threading.Event | None = None) -> None:
        if why is not None:
            why.set()
        with contextlib.suppress(OSError):
            self.proc.kill()

    def reader(self) -> pa.RecordBatchReader:
        assert self.proc.stdout is not None
        if self.proc.stdout.read(1) != sandbox_child.READY:
            raise self._failure()
        # the query's clock starts once the store is open: the process's start is not its time
        self.timer.cancel()
        self.timer = threading.Timer(self.timeout_s, self._stop, (self.timed_out,))
        self.timer.daemon = True
        self.timer.start()
        try:
            ipc = pa.ipc.open_stream(self.proc.stdout)
        except (pa.ArrowException, OSError):
            raise self._failure() from None
        return pa.RecordBatchReader.from_batches(ipc.schema, self._batches(ipc))

    def _batches(self, ipc: pa.RecordBatchStreamReader) -> Iterator[pa.RecordBatch]:
        try:
            yield from ipc
        except (pa.ArrowException, OSError):
            raise self._failure() from None
        # a stream cut between two batches ends like a whole one: only the exit code tells them apart
        if self.proc.wait() != 0:
            raise self._failure()

    def _failure(self) -> SandboxError:
        if self.timed_out.is_set():
            return _timed_out(self.timeout_s)
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._stop()
            code = self.proc.wait()
        if self.timed_out.is_set():
            return _timed_out(self.timeout_s)
        if self.stuck.is_set():
            return SandboxError(f"沙盒进程 {STARTUP_S:g} 秒内没有准备好（机器太忙？）· "
                                f"The sandbox process was not ready within {STARTUP_S:g} s")
        self.errors.seek(0)
        lines = self.errors.read().decode("utf-8", "replace").splitlines()
        marked = [ln for ln in lines if ln.startswith(sandbox_child.ERROR_MARK)]
        if not marked:
            tail = lines[-1] if lines else ""
            return SandboxError(f"沙盒进程意外结束（退出码 {code}）· The sandbox process ended unexpectedly"
                                + (f": {tail}" if tail else ""))
        got = json.loads(marked[-1].removeprefix(sandbox_child.ERROR_MARK))
        kind, message = got["kind"], got["message"]
        if kind == "refused":
            return Refused(message)
        if kind == "memory":
            first = message.splitlines()[0] if message else ""
            return TooBig(f"查询需要的内存超过沙盒的上限（约 {memory_mb():,} MB），已停止 · "
                          f"The query needed more memory than the sandbox allows and was stopped ({first})")
        if kind == "too_wide":
            return TooBig(f"结果中有一行超过 {message} MB，已停止 · A row of the result is wider than {message} MB")
        return SandboxError(message)

    def close(self) -> None:
        self.timer.cancel()
        if self.proc.poll() is None:
            self._stop()
        self.proc.wait()
        for pipe in (self.proc.stdout, self.proc.stdin):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self.errors.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextlib.contextmanager
def stream(path: str | Path | None, sql: str, timeout_s: float = DEFAULT_TIMEOUT_S,
           tz: str = settings.DEFAULT_TZ, params: dict[str, Any] | None = None) -> Iterator[pa.RecordBatchReader]:
    """Every row of the query's result as Arrow batches of at most PIECE_BYTES (for downloads and
    the CLI). The time limit covers the whole block, reading and whatever is done with the
    batches; leaving the block early stops the query. Raises Refused, TimedOut, TooBig or
    SandboxError (DuckDB's message), here or while the batches are read."""
    check(sql)
    db_path = Path(path) if path else settings.default_db_path()
    if not db_path.exists():
        raise db.NoDatabase(f"还没有数据库 {db_path}")
    child = _Child(db_path, sql, tz, params, timeout_s)
    try:
        yield child.reader()
    finally:
        child.close()


def run(path: str | Path | None, sql: str, timeout_s: float = DEFAULT_TIMEOUT_S,
        max_rows: int = DEFAULT_MAX_ROWS, tz: str = settings.DEFAULT_TZ,
        params: dict[str, Any] | None = None) -> Result:
    """Run one read statement in the sandbox, with `params` bound to its $names: its first max_rows
    rows (fewer when they pass RESULT_BYTES), whether there were more, and the time it took. Raises
    Refused, TimedOut, TooBig or SandboxError (DuckDB's message)."""
    start = time.perf_counter()
    kept: list[pa.RecordBatch] = []
    n = size = 0
    truncated = False
    with stream(path, sql, timeout_s, tz, params) as reader:
        for batch in reader:
            take = min(batch.num_rows, max_rows - n)
            if take < batch.num_rows or (kept and size + batch.nbytes > RESULT_BYTES):
                if size + batch.nbytes <= RESULT_BYTES:
                    kept.append(batch.slice(0, take))
                truncated = True
                break  # leaving the block stops the query: the rest is never read
            kept.append(batch)
            n += batch.num_rows
            size += batch.nbytes
        table = pa.Table.from_batches(kept, schema=reader.schema)
    return Result(result_files.to_frame(table), truncated, time.perf_counter() - start)
