"""The analyst's SQL sandbox (issue 10): hostile queries are refused by the statement check or
fail inside DuckDB (no file, no network, locked settings, read-only data), runaway queries stop at
the time limit, and the store's file is byte for byte what it was."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.core import db, sandbox


@pytest.fixture(scope="module")
def store(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sandbox") / "store.duckdb"
    shutil.copy(fixture_db, path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def before(store: Path) -> str:
    return _digest(store)


# Statements that are not one read statement: refused by DuckDB's parser before anything runs.
REFUSED = {
    "copy to a file": "copy (select * from messages) to '{tmp}/out.csv'",
    "copy from a file": "copy messages from '/etc/passwd'",
    "export the database": "export database '{tmp}/dump'",
    "attach another file": "attach '{tmp}/other.duckdb' as other",
    "detach the store": "detach data",
    "install an extension": "install httpfs",
    "load an extension": "load httpfs",
    "change a setting": "set enable_external_access = true",
    "unlock the settings": "set lock_configuration = false",
    "pragma": "pragma threads = 1",
    "reset": "reset memory_limit",
    "insert": "insert into messages select * from messages limit 1",
    "update": "update messages set text = 'x'",
    "delete": "delete from messages",
    "create table": "create table stolen as select * from messages",
    "create a macro": "create macro leak(x) as x",
    "drop": "drop table messages",
    "checkpoint": "checkpoint",
    "call": "call pragma_version()",
    "switch catalog": "use memory",
    "two statements": "select 1; drop table messages",
    "a read then a write": "select count(*) from messages; delete from messages",
    "pivot (creates a type first)": "pivot messages on kind using count(*)",
    "nothing": "  -- just a comment\n",
    # EXPLAIN ANALYZE runs what it wraps; DuckDB's parser calls every one of these an EXPLAIN
    "explain analyze copy out": "explain analyze copy (select * from messages) to '{tmp}/all.parquet'",
    "explain analyze copy into .tmp": "explain analyze copy (select * from messages) to '.tmp/all.parquet'",
    "explain copy (not run, still refused)": "explain copy (select * from messages) to '{tmp}/plan.csv'",
    "explain with options, copy": "explain (format json) copy (select 1) to '{tmp}/j.csv'",
    "explain analyze with options, copy": "explain (analyze, format json) copy (select 1) to '{tmp}/k.csv'",
    "explain behind comments": "/* 说明 */ EXPLAIN -- plan\n ANALYSE copy (select 1) to '{tmp}/c.csv'",
    "explain analyze copy from a file": "explain analyze copy messages from '/etc/passwd'",
    "explain analyze insert": "explain analyze insert into messages select * from messages limit 1",
    "explain analyze update": "explain analyze update messages set text = 'x'",
    "explain analyze delete": "explain analyze delete from messages",
    "explain analyze create table": "explain analyze create table stolen as select * from messages",
    "explain analyze create macro": "explain analyze create macro leak(x) as x",
    "explain analyze create type": "explain analyze create type mood as enum ('a', 'b')",
    "explain analyze create secret": "explain analyze create secret s (type s3, key_id 'k', secret 'v')",
    "explain analyze drop": "explain analyze drop table messages",
    "explain analyze alter": "explain analyze alter table messages add column x int",
    "explain analyze set": "explain analyze set enable_external_access = true",
    "explain analyze reset": "explain analyze reset lock_configuration",
    "explain analyze pragma": "explain analyze pragma version",
    "explain analyze call": "explain analyze call pragma_version()",
    "explain analyze load": "explain analyze load httpfs",
    "explain analyze install": "explain analyze install httpfs",
    "explain analyze checkpoint": "explain analyze checkpoint",
    "explain analyze vacuum": "explain analyze vacuum",
    "explain analyze prepare": "explain analyze prepare p as select 1",
    "explain analyze execute": "explain analyze execute p",
    "explain analyze begin": "explain analyze begin transaction",
    "explain analyze update extensions": "explain analyze update extensions",
    "update extensions (a kind DuckDB's Python enum lacks)": "update extensions",
    "explain analyze pivot": "explain analyze pivot messages on kind using count(*)",
    "with … insert": "with x as (select * from messages) insert into messages select * from x",
    "set a variable": "set variable x = 1",
    "prepare": "prepare p as select 1",
    "execute": "execute p",
    "begin": "begin transaction",
    "vacuum": "vacuum",
    "import a database": "import database '{tmp}'",
    "pragma behind a comment": "/* just a look */ pragma enable_profiling",
}

# Wrappers DuckDB's grammar does not let wrap a write: a parse error, nothing runs.
DOES_NOT_PARSE = {
    "summarize a copy": "summarize copy (select 1) to '{tmp}/s.csv'",
    "describe a copy": "describe copy (select 1) to '{tmp}/d.csv'",
    "explain explain": "explain explain copy (select 1) to '{tmp}/e.csv'",
    "explain analyze attach": "explain analyze attach '{tmp}/o.duckdb' as o",
    "explain analyze export": "explain analyze export database '{tmp}/dump'",
    "explain analyze detach": "explain analyze detach data",
}

# Read statements, wrapped or not, that stay read statements: they run.
STILL_READS = {
    "explain analyze": "explain analyze select count(*) from messages",
    "explain with options": "explain (format json) select count(*) from messages",
    "explain a parenthesised select": "explain (select count(*) from messages)",
    "explain analyze a with": "explain analyze with m as (select * from messages) select count(*) from m",
    "explain summarize": "explain summarize messages",
    "summarize a query": "summarize (select msg_id from messages)",
    "describe a query": "describe (select msg_id from messages)",
    "show tables": "show tables",
    "a checkpoint on a read-only store": "select * from checkpoint()",
}

# Read statements that try to reach outside: DuckDB itself says no (external access is off).
FAILS_INSIDE = {
    "read a system file": ("select * from read_csv('/etc/passwd', sep = ':')", "Permission"),
    "read text": ("select * from read_text('/etc/hostname')", "Permission"),
    "read bytes": ("select * from read_blob('/etc/hostname')", "Permission"),
    "list a directory": ("select * from glob('/etc/*')", "Permission"),
    "read parquet elsewhere": ("select * from read_parquet('{tmp}/x.parquet')", "Permission"),
    "reach the network": ("select * from read_csv('https://example.com/data.csv')", "Permission"),
    "environment": ("select getenv('HOME')", "getenv"),
    "write through query()": ("select * from query('copy (select 1) to ''{tmp}/q.csv''')", "SELECT"),
    "explain analyze through query()": (
        "select * from query('explain analyze copy (select 1) to ''{tmp}/q.csv''')", "SELECT"),
    "sniff a system file": ("select * from sniff_csv('/etc/passwd')", "Permission"),
    "read standard input": ("select * from read_csv('/dev/stdin')", "Permission"),
    "read the process's environment": ("select * from read_text('/proc/self/environ')", "Permission"),
    "list the store's folder": ("select * from glob('{store_dir}/*')", "Permission"),
    "read beside the store": ("select * from read_text('{store_dir}/*.duckdb.*')", "Permission"),
    "stored secrets": ("select * from duckdb_secrets()", "Permission"),
    "read from cloud storage": ("select * from read_parquet('s3://bucket/x.parquet')", "Permission"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_what_is_not_one_read_statement_is_refused(store: Path, before: str, tmp_path: Path, name: str) -> None:
    with pytest.raises(sandbox.SandboxError) as exc:
        sandbox.run(store, REFUSED[name].format(tmp=tmp_path))
    assert isinstance(exc.value, sandbox.Refused), str(exc.value)
    assert list(tmp_path.iterdir()) == []
    assert _digest(store) == before


@pytest.mark.parametrize("name", list(DOES_NOT_PARSE))
def test_wrappers_that_cannot_hold_a_write_do_not_parse(store: Path, before: str, tmp_path: Path, name: str) -> None:
    with pytest.raises(sandbox.SandboxError, match="Parser Error") as exc:
        sandbox.run(store, DOES_NOT_PARSE[name].format(tmp=tmp_path))
    assert "syntax error" in str(exc.value)
    assert list(tmp_path.iterdir()) == []
    assert _digest(store) == before


@pytest.mark.parametrize("name", list(STILL_READS))
def test_read_statements_in_wrappers_run(store: Path, before: str, name: str) -> None:
    got = sandbox.run(store, STILL_READS[name], timeout_s=20)
    assert got.frame.width >= 1 and not got.truncated
    assert _digest(store) == before


@pytest.mark.parametrize("name", list(FAILS_INSIDE))
def test_reads_outside_the_store_fail_inside_duckdb(store: Path, before: str, tmp_path: Path, name: str) -> None:
    sql, says = FAILS_INSIDE[name]
    (tmp_path / "x.parquet").write_bytes(b"PAR1")  # a file the sandbox must not read
    with pytest.raises(sandbox.SandboxError, match=says) as exc:
        sandbox.run(store, sql.format(tmp=tmp_path, store_dir=store.parent), timeout_s=10)
    assert not isinstance(exc.value, sandbox.TimedOut)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.parquet"]
    assert _digest(store) == before


def test_the_settings_inside_stay_locked(store: Path) -> None:
    got = sandbox.run(store, "select name, value from duckdb_settings() where name in "
                             "('enable_external_access', 'lock_configuration', 'autoload_known_extensions')").frame
    assert dict(got.rows()) == {"enable_external_access": "false", "lock_configuration": "true",
                                "autoload_known_extensions": "false"}


@pytest.mark.slow
def test_no_temp_folder_is_shared_with_sql(store: Path, before: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB lets SQL reach its temp folder even with external access off: it used to be `.tmp`
    under the working directory, shared with whatever else was there."""
    monkeypatch.chdir(tmp_path)
    shared = tmp_path / ".tmp"
    shared.mkdir()
    (shared / "secret.txt").write_text("planted", encoding="utf-8")
    for sql in ("select * from read_text('.tmp/secret.txt')", f"select * from read_text('{shared}/secret.txt')",
                "select * from glob('.tmp/*')", f"select * from glob('{shared}/*')"):
        try:
            got = sandbox.run(store, sql, timeout_s=10).frame
        except sandbox.SandboxError as exc:
            assert "planted" not in str(exc) and not isinstance(exc, sandbox.TimedOut)
        else:
            assert got.height == 0, sql
    with pytest.raises(sandbox.Refused):
        sandbox.run(store, "explain analyze copy (select * from messages) to '.tmp/all.parquet'")
    assert [p.name for p in shared.iterdir()] == ["secret.txt"]
    # each run has a folder of its own, empty, outside the working directory, gone afterwards
    sql = ("select current_setting('temp_directory') as d, "
           "(select count(*) from glob(current_setting('temp_directory') || '/*')) as n")
    first, second = (sandbox.run(store, sql).frame.row(0) for _ in range(2))
    assert first[0] != second[0] and first[1] == second[1] == 0
    assert not Path(first[0]).is_relative_to(tmp_path)
    assert not Path(first[0]).exists() and not Path(second[0]).exists()
    assert _digest(store) == before


RUNAWAY = {
    "a cross join of two huge ranges": "select sum(a.range * b.range) from range(100000000) a, range(100000000) b",
    "a recursive CTE with no end": "with recursive r(n) as (select 1 union all select n + 1 from r) "
                                   "select count(*) from r",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RUNAWAY))
def test_a_runaway_query_is_interrupted_and_says_so(store: Path, before: str, name: str) -> None:
    with pytest.raises(sandbox.TimedOut, match="1 秒"):
        sandbox.run(store, RUNAWAY[name], timeout_s=1)
    assert _digest(store) == before


@pytest.mark.slow
def test_one_huge_function_call_stops_at_the_deadline(store: Path) -> None:
    """repeat() builds its 2 GB value in one call that never looks at DuckDB's interrupt flag (it
    ran 48 s past a 5 s limit): the process it runs in is killed at the deadline."""
    start = time.perf_counter()
    with pytest.raises(sandbox.TimedOut, match="1 秒"):
        sandbox.run(store, "select length(repeat('x', 2000000000)) as n", timeout_s=1)
    assert time.perf_counter() - start < 4  # the limit, the process's start and its end


@pytest.mark.skipif(sys.platform != "linux", reason="the process's memory ceiling is Linux's RLIMIT_DATA")
def test_memory_is_capped_for_the_whole_process(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB's memory_limit does not count a value one function builds; the ceiling on the
    process does, and DuckDB's out-of-memory error is reported as the sandbox's."""
    monkeypatch.setattr(sandbox, "memory_mb", lambda: 256)  # a ceiling of 256 + 768 MB
    with pytest.raises(sandbox.TooBig, match="内存超过沙盒的上限"):
        sandbox.run(store, "select length(repeat('x', 2000000000)) as n", timeout_s=30)
    assert sandbox.run(store, "select count(*) as n from messages").frame.height == 1  # the next run is fine


@pytest.mark.slow
def test_wide_results_come_back_in_small_pieces(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent holds one piece of a streamed result at a time, whatever the width of its rows,
    and a page keeps at most RESULT_BYTES."""
    sql = "select range as n, repeat('x', 100000) as wide from range(1000)"  # 100 MB in all
    with sandbox.stream(store, sql) as reader:
        sizes = [(b.num_rows, b.nbytes) for b in reader]
    assert sum(n for n, _ in sizes) == 1000 and max(size for _, size in sizes) <= sandbox.PIECE_BYTES
    monkeypatch.setattr(sandbox, "RESULT_BYTES", 20 * 2**20)
    got = sandbox.run(store, sql, max_rows=100_000)
    assert got.truncated and 0 < got.frame.height < 1000
    assert got.frame["n"].to_list() == list(range(got.frame.height))
    assert got.frame.estimated_size() <= 20 * 2**20 + 2**20
    monkeypatch.setattr(sandbox, "ROW_MAX_BYTES", 2**20)
    with pytest.raises(sandbox.TooBig, match="一行超过 1 MB"):
        sandbox.run(store, "select repeat('x', 2000000) as one_wide_row")


CUT_SHORT = """
import os, sys
import pyarrow as pa
sys.stdin.buffer.read()
out = os.fdopen(1, "wb")
out.write(b"R")
schema = pa.schema([("n", pa.int64())])
writer = pa.ipc.new_stream(out, schema)
writer.write_batch(pa.record_batch([pa.array([1, 2])], schema=schema))
out.flush()
os._exit(9)  # no end-of-stream marker: the stream stops between two batches
"""


@pytest.mark.slow
def test_a_result_cut_short_is_an_error_not_fewer_rows(store: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream that stops between two batches reads like a whole one: the child's exit code tells."""
    child = tmp_path / "child.py"
    child.write_text(CUT_SHORT, encoding="utf-8")
    monkeypatch.setattr(sandbox, "CHILD", child)
    with pytest.raises(sandbox.SandboxError, match=r"意外结束（退出码 9）"):
        sandbox.run(store, "select 1 as n")
    child.write_text("import sys\nsys.exit(1)\n", encoding="utf-8")
    with pytest.raises(sandbox.SandboxError, match=r"意外结束（退出码 1）"):
        sandbox.run(store, "select 1 as n")


@pytest.mark.slow
def test_other_readers_go_on_while_a_query_runs_away(store: Path) -> None:
    """The sandbox's query holds neither the GIL nor the store: pages read meanwhile."""
    outcome: list[str] = []

    def runaway() -> None:
        try:
            sandbox.run(store, RUNAWAY["a cross join of two huge ranges"], timeout_s=4)
        except sandbox.TimedOut:
            outcome.append("timed out")

    worker = threading.Thread(target=runaway)
    worker.start()
    counts = []
    for _ in range(5):
        with db.reader(store) as con:
            counts.append(con.execute("select count(*) from messages").fetchall()[0][0])
    still_running = worker.is_alive()
    worker.join()
    assert still_running and outcome == ["timed out"]
    assert len(set(counts)) == 1 and counts[0] > 0


@pytest.mark.slow
def test_results_are_capped_and_the_stream_has_every_row(store: Path) -> None:
    sql = "select range as n from range(250000)"
    got = sandbox.run(store, sql, max_rows=100_000)
    assert got.truncated and got.frame["n"].to_list() == list(range(100_000))
    exact = sandbox.run(store, "select range as n from range(100000)", max_rows=100_000)
    assert not exact.truncated and exact.frame.height == 100_000
    with sandbox.stream(store, sql) as reader:
        total = sum(b.num_rows for b in reader)
    assert total == 250_000


@pytest.mark.slow
def test_named_parameters_are_bound_not_pasted(store: Path) -> None:
    sql = "select $who as who, $n + 1 as next, $days as days"
    got = sandbox.run(store, sql, params={"who": "x'); drop table messages; --", "n": 41, "days": ["a", "b"]})
    assert got.frame.row(0) == ("x'); drop table messages; --", 42, ["a", "b"])
    with pytest.raises(sandbox.SandboxError, match=r"(?i)param"):
        sandbox.run(store, "select $missing as m")


@pytest.mark.slow
def test_reads_see_the_store_and_the_local_time_zone(store: Path) -> None:
    with db.reader(store) as con:
        expected = con.execute("select count(*), min(ts) from messages").fetchall()[0]
    got = sandbox.run(store, "select count(*) as n, min(ts) as first from messages").frame.row(0)
    assert got == expected
    names = sandbox.run(store, "describe messages").frame["column_name"].to_list()
    assert "msg_id" in names and "text" in names
    plan = sandbox.run(store, "explain select count(*) from messages").frame
    assert plan.height >= 1


def test_errors_are_duckdbs_own_with_the_position(store: Path) -> None:
    with pytest.raises(sandbox.SandboxError) as exc:
        sandbox.run(store, "select * from mesages")
    assert 'Did you mean "messages"' in str(exc.value) and "LINE 1" in str(exc.value)
    with pytest.raises(sandbox.SandboxError) as exc:
        sandbox.run(store, "selec count(*) from messages")
    assert "syntax error" in str(exc.value) and "^" in str(exc.value)


def test_a_missing_store_is_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(db.NoDatabase):
        sandbox.run(tmp_path / "none.duckdb", "select 1")


@pytest.mark.slow
def test_the_cli_runs_sql_in_the_same_sandbox(store: Path, before: str, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["query", "--db", str(store), "--sql", "select count(*) as n from messages",
                             "--format", "json"])
    assert ok.exit_code == 0, ok.output
    with db.reader(store) as con:
        assert json.loads(ok.stdout) == [{"n": con.execute("select count(*) from messages").fetchall()[0][0]}]
    refused = runner.invoke(app, ["query", "--db", str(store), "--sql", f"copy messages to '{tmp_path}/m.csv'"])
    assert refused.exit_code == 2 and "COPY" in refused.output and not (tmp_path / "m.csv").exists()
    stopped = runner.invoke(app, ["query", "--db", str(store), "--timeout", "0.5",
                                  "--sql", RUNAWAY["a recursive CTE with no end"]])
    assert stopped.exit_code == 2 and "0.5 秒" in stopped.output
    every = runner.invoke(app, ["query", "--db", str(store), "--sql", "select range from range(150000)",
                                "--format", "csv", "--out", str(tmp_path / "all.csv")])
    assert every.exit_code == 0, every.output
    assert pl.read_csv(tmp_path / "all.csv").height == 150_000  # the CLI is not capped
    assert _digest(store) == before


def test_types_polars_cannot_hold_come_back_as_text(store: Path) -> None:
    got = sandbox.run(store, "select interval 3 hour as i, union_value(k := 'u') as u, 1 as n").frame
    assert got.row(0) == ("03:00:00", "u", 1)
