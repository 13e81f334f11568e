"""The process an analyst's SQL runs in (core/sandbox.py starts one per run, then kills it).

A query that runs away inside one huge function call (`repeat('x', 2000000000)`) never looks at
DuckDB's interrupt flag, and DuckDB's memory_limit does not count such values; only a process of
its own can be stopped at the deadline and held to a memory ceiling. So this file is run as a
script (`python -P sandbox_child.py`): it imports nothing but DuckDB and Arrow, reads its
request (pickled by the parent) on stdin, caps its own data segment, opens the store read-only
with the sandbox settings, writes one byte when ready and then the result as an Arrow IPC stream
on stdout. A failure is one marked JSON line on stderr and a non-zero exit.

`refusal()` is the statement check both sides use: the parent refuses before starting a process,
the child checks again before running anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import sys
import threading
from collections.abc import Iterator
from typing import Any

import duckdb

READY = b"R"
ERROR_MARK = "QUNXI-SANDBOX-ERROR "
READ_STATEMENTS = (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN)
# Errors DuckDB raises while binding, before any row is read: cheap to raise again for the position.
BIND_ERRORS = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException)


def _kind_name(kind: duckdb.StatementType | None) -> str:
    return "UNKNOWN" if kind is None else str(kind).rsplit(".", 1)[-1]


def _type(statement: Any) -> duckdb.StatementType | None:
    """The statement's kind; None for a kind DuckDB's Python enum does not list (UPDATE EXTENSIONS
    is one): never a read statement."""
    try:
        return statement.type
    except ValueError:
        return None


def refusal(sql: str) -> tuple[str, str] | None:
    """Why `sql` may not run, as ("refused" | "error", message), or None when it is exactly one
    read statement (SELECT, WITH, FROM …, VALUES, DESCRIBE, SUMMARIZE, SHOW, or EXPLAIN [ANALYZE]
    of one of those) as DuckDB's own parser sees it."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        return "error", str(exc)
    if not statements:
        return "refused", "没有可运行的语句 · No statement to run"
    if len(statements) > 1:
        return "refused", (f"一次只能运行一条语句，这里有 {len(statements)} 条 · "
                           f"One statement at a time; this has {len(statements)}")
    kind = _type(statements[0])
    if kind not in READ_STATEMENTS:
        return "refused", _not_read(_kind_name(kind))
    if kind == duckdb.StatementType.EXPLAIN:
        inner = _explained(sql)
        if inner is not None:
            return "refused", _not_read(f"EXPLAIN {inner}")
    return None


def _not_read(name: str) -> str:
    return (f"只能运行只读查询（SELECT、WITH、FROM、DESCRIBE …），这是 {name} 语句 · "
            f"Only read queries run here (SELECT, WITH, FROM, DESCRIBE …); this is a {name} statement")


def _explained(sql: str) -> str | None:
    """None when the statement EXPLAIN wraps is a read one, else the inner statement's kind.

    EXPLAIN ANALYZE runs what it wraps, and DuckDB's parser reports any EXPLAIN as just that, so the
    wrapped statement is found with DuckDB's tokenizer (comments skipped; its positions are UTF-8
    byte offsets) and parsed on its own. `EXPLAIN (options) stmt` and `EXPLAIN (select …)` read
    alike to a tokenizer, so both readings are parsed: every one that parses must be a read
    statement, and at least one must parse."""
    raw = sql.encode("utf-8")
    tokens = duckdb.tokenize(sql)
    words: list[tuple[int, str, Any]] = []
    for i, (pos, kind) in enumerate(tokens):
        end = tokens[i + 1][0] if i + 1 < len(tokens) else len(raw)
        if kind != duckdb.token_type.comment:
            words.append((pos, raw[pos:end].decode("utf-8", "replace").strip(), kind))
    i = 0
    if i < len(words) and words[i][1].lower() == "explain":
        i += 1
    if i < len(words) and words[i][1].lower() in ("analyze", "analyse"):
        i += 1
    starts = [i]
    if i < len(words) and words[i][1].startswith("("):
        depth = 0
        for j in range(i, len(words)):
            if words[j][2] == duckdb.token_type.operator:
                depth += words[j][1].count("(") - words[j][1].count(")")
            if depth <= 0:
                starts.append(j + 1)
                break
    parsed = 0
    for start in starts:
        rest = raw[words[start][0]:].decode("utf-8", "replace") if start < len(words) else ""
        try:
            inner = duckdb.extract_statements(rest)
        except duckdb.Error:
            continue
        if len(inner) != 1:
            if inner:
                return "MULTI"
            continue
        parsed += 1
        if _type(inner[0]) != duckdb.StatementType.SELECT:
            return _kind_name(_type(inner[0]))
    return None if parsed else "UNKNOWN"


# ---------------------------------------------------------------------------------------------
# the child's side

def _fail(kind: str, message: str) -> None:
    sys.stderr.write(ERROR_MARK + json.dumps({"kind": kind, "message": message}, ensure_ascii=False) + "\n")
    sys.stderr.flush()
    os._exit(3)


def _cap_memory(cap_mb: int | None) -> None:
    """The data segment (heap and anonymous mappings, Linux counts both) held to cap_mb: an
    allocation beyond it fails inside DuckDB or Arrow as an out-of-memory error, which is
    reported, instead of the machine swapping."""
    if not cap_mb:
        return
    try:
        import resource
    except ImportError:  # Windows: DuckDB's memory_limit is the only bound there
        return
    cap = cap_mb * 2**20
    with contextlib.suppress(ValueError, OSError):  # a lower hard limit already set stays
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))


def _connect(req: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    literal = req["db"].replace("'", "''")
    try:
        con.execute(f"attach '{literal}' as data (read_only)")
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            _fail("busy", f"数据正在更新（{req['db']} 被另一个进程写入），请稍后再试 · "
                          "The data is being updated; try again shortly")
        raise
    con.execute("use data")
    con.execute(f"set TimeZone = '{req['tz']}'")
    con.execute(f"set memory_limit = '{req['memory_mb']}MB'")
    con.execute(f"set threads = {int(req['threads'])}")
    con.execute("set enable_progress_bar = false")
    con.execute("set autoinstall_known_extensions = false")
    con.execute("set autoload_known_extensions = false")
    # DuckDB always lets SQL reach its temp directory (for spilling): this run's own, empty folder,
    # which the parent removes afterwards, never a shared `.tmp` under the working directory
    temp = req["temp_dir"].replace("'", "''")
    con.execute(f"set temp_directory = '{temp}'")
    con.execute(f"set max_temp_directory_size = '{int(req['temp_max_mb'])}MB'")
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con


def _reader(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None,
            rows: int) -> Any:
    """The result as Arrow batches. The relation API streams them; its bind errors lack the
    "LINE 1: … ^^^" position that execute() gives, so such an error is raised again by execute()."""
    try:
        return con.sql(sql, params=params or None).to_arrow_reader(rows)
    except BIND_ERRORS:
        con.execute(sql, params or None)
        raise


class _TooWide(Exception):
    pass


def _pieces(batch: Any, max_bytes: int, row_max: int) -> Iterator[Any]:
    """A batch cut into pieces of at most max_bytes (rows are never cut): the parent holds one piece
    at a time, whatever the width of the rows."""
    if batch.num_rows <= 1:
        if batch.nbytes > row_max:
            raise _TooWide
        yield batch
    elif batch.nbytes <= max_bytes:
        yield batch
    else:
        half = batch.num_rows // 2
        yield from _pieces(batch.slice(0, half), max_bytes, row_max)
        yield from _pieces(batch.slice(half), max_bytes, row_max)


def main() -> None:
    req = pickle.load(sys.stdin.buffer)
    _cap_memory(req.get("cap_mb"))
    import pyarrow as pa

    # the result's own channel; whatever else writes to stdout (a library's print) goes to stderr
    out = os.fdopen(os.dup(1), "wb", buffering=1 << 16)
    os.dup2(2, 1)
    problem = refusal(req["sql"])
    if problem:
        _fail(*problem)
    try:
        con = _connect(req)
    except duckdb.Error as exc:
        _fail("error", str(exc))
    out.write(READY)
    out.flush()
    # an orphaned child (the parent died) still stops soon after its deadline
    guard = threading.Timer(req["deadline_s"], os._exit, (4,))
    guard.daemon = True
    guard.start()
    try:
        reader = _reader(con, req["sql"], req.get("params"), req["batch_rows"])
        with pa.ipc.new_stream(out, reader.schema) as writer:
            for batch in reader:
                for piece in _pieces(batch, req["batch_bytes"], req["row_max_bytes"]):
                    writer.write_batch(piece)
        out.flush()
    except _TooWide:
        _fail("too_wide", str(req["row_max_bytes"] // 2**20))
    except (duckdb.OutOfMemoryException, MemoryError, pa.ArrowMemoryError) as exc:
        _fail("memory", str(exc))
    except BrokenPipeError:  # the parent has what it wanted and stopped reading
        os._exit(0)
    except Exception as exc:  # DuckDB's own message, whatever its class: the parent shows it
        _fail("error", str(exc))
    os._exit(0)


if __name__ == "__main__":
    main()
