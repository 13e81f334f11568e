"""The analyst's SQL sandbox (issue 10): hostile queries are refused by the statement check or
fail inside DuckDB (no file, no network, locked settings, read-only data), runaway queries stop at
the time limit, and the store's file is byte for byte what it was."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
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
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_what_is_not_one_read_statement_is_refused(store: Path, before: str, tmp_path: Path, name: str) -> None:
    with pytest.raises(sandbox.SandboxError) as exc:
        sandbox.run(store, REFUSED[name].format(tmp=tmp_path))
    assert isinstance(exc.value, sandbox.Refused), str(exc.value)
    assert list(tmp_path.iterdir()) == []
    assert _digest(store) == before


@pytest.mark.parametrize("name", list(FAILS_INSIDE))
def test_reads_outside_the_store_fail_inside_duckdb(store: Path, before: str, tmp_path: Path, name: str) -> None:
    sql, says = FAILS_INSIDE[name]
    (tmp_path / "x.parquet").write_bytes(b"PAR1")  # a file the sandbox must not read
    with pytest.raises(sandbox.SandboxError, match=says) as exc:
        sandbox.run(store, sql.format(tmp=tmp_path), timeout_s=10)
    assert not isinstance(exc.value, sandbox.TimedOut)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.parquet"]
    assert _digest(store) == before


def test_the_settings_inside_stay_locked(store: Path) -> None:
    got = sandbox.run(store, "select name, value from duckdb_settings() where name in "
                             "('enable_external_access', 'lock_configuration', 'autoload_known_extensions')").frame
    assert dict(got.rows()) == {"enable_external_access": "false", "lock_configuration": "true",
                                "autoload_known_extensions": "false"}


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


def test_results_are_capped_and_the_stream_has_every_row(store: Path) -> None:
    sql = "select range as n from range(250000)"
    got = sandbox.run(store, sql, max_rows=100_000)
    assert got.truncated and got.frame["n"].to_list() == list(range(100_000))
    exact = sandbox.run(store, "select range as n from range(100000)", max_rows=100_000)
    assert not exact.truncated and exact.frame.height == 100_000
    with sandbox.stream(store, sql) as reader:
        total = sum(b.num_rows for b in reader)
    assert total == 250_000


def test_named_parameters_are_bound_not_pasted(store: Path) -> None:
    sql = "select $who as who, $n + 1 as next, $days as days"
    got = sandbox.run(store, sql, params={"who": "x'); drop table messages; --", "n": 41, "days": ["a", "b"]})
    assert got.frame.row(0) == ("x'); drop table messages; --", 42, ["a", "b"])
    with pytest.raises(sandbox.SandboxError, match=r"(?i)param"):
        sandbox.run(store, "select $missing as m")


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
