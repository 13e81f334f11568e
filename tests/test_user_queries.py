"""An analyst's own saved queries: written in the shipped format, listed beside the built-in ones,
run only in the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import db_digest, rows
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.core import db, queries, user_queries

runner = CliRunner()

PER_CHAT = "select chat_id, count(*) as n from messages where ts::date >= $since group by chat_id order by chat_id"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "mine"
    monkeypatch.setenv("QUNXI_USER_QUERIES", str(target))
    return target


def test_a_saved_query_is_listed_and_runs_with_its_parameters(folder: Path, fixture_db: Path) -> None:
    q = user_queries.save("per_chat", "每群消息数", "Messages per chat since a day.",
                          "$since date = '2020-01-01'", PER_CHAT + ";")
    assert q.name == "mine/per_chat" and not q.builtin
    assert [p.name for p in q.params] == ["since"] and q.params[0].default == "'2020-01-01'"
    assert (folder / "per_chat.sql").read_text(encoding="utf-8").startswith("-- title: 每群消息数\n")
    assert queries.registry()["mine/per_chat"].sql == PER_CHAT
    # listed after every built-in one
    assert list(queries.registry())[-1] == "mine/per_chat"

    listed = runner.invoke(app, ["queries"])
    assert listed.exit_code == 0 and "mine/per_chat" in listed.stdout and "每群消息数" in listed.stdout

    expected = rows(fixture_db, "select chat_id, count(*) from messages where ts::date >= date '2020-01-01' "
                                "group by chat_id order by chat_id")
    got = runner.invoke(app, ["query", "mine/per_chat", "--db", str(fixture_db), "--format", "json"])
    assert got.exit_code == 0, got.output
    assert [(r["chat_id"], r["n"]) for r in json.loads(got.stdout)] == [tuple(r) for r in expected]
    later = runner.invoke(app, ["query", "mine/per_chat", "-p", "since=2100-01-01", "--db", str(fixture_db),
                                "--format", "json"])
    assert later.exit_code == 0 and json.loads(later.stdout) == []


def test_a_saved_query_only_ever_runs_in_the_sandbox(folder: Path, fixture_db: Path) -> None:
    user_queries.save("peek", "Peek", "reads a file", "", "select * from read_csv('/etc/passwd')")
    before = db_digest(fixture_db)
    got = runner.invoke(app, ["query", "mine/peek", "--db", str(fixture_db)])
    assert got.exit_code == 2 and "root:" not in got.output
    assert "disabled" in got.output.lower() or "external" in got.output.lower()
    with db.reader(fixture_db) as con, pytest.raises(queries.QueryError, match="sandbox"):
        queries.run(con, "mine/peek")
    assert db_digest(fixture_db) == before


@pytest.mark.parametrize(("name", "title", "params", "sql", "why"), [
    ("Bad-Name", "t", "", "select 1", "lower-case"),
    ("ok", " ", "", "select 1", "title"),
    ("ok", "t", "", "delete from messages", "SELECT"),
    ("ok", "t", "", "select 1; select 2", "one statement"),
    ("ok", "t", "", "select $n as n", "declared"),
    ("ok", "t", "$n integer", "select 1", "declared"),
    ("ok", "t", "$n number", "select $n", "unsupported type"),
    ("ok", "t", "n integer", "select $n", "cannot read parameter"),
    ("ok", "t", "", "selec 1", "parse"),
])
def test_what_cannot_be_saved_says_why_and_writes_nothing(folder: Path, name: str, title: str, params: str,
                                                         sql: str, why: str) -> None:
    with pytest.raises(user_queries.SaveError, match=why):
        user_queries.save(name, title, "", params, sql)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_saving_over_a_query_needs_overwrite_and_delete_removes_it(folder: Path) -> None:
    user_queries.save("daily", "Daily", "first", "", "select 1 as one")
    with pytest.raises(user_queries.SaveError, match="exists"):
        user_queries.save("daily", "Daily", "second", "", "select 2 as two")
    user_queries.save("daily", "Daily", "second", "", "select 2 as two", overwrite=True)
    assert queries.get("mine/daily").description == "second"
    user_queries.delete("mine/daily")
    assert "mine/daily" not in queries.registry()
    with pytest.raises(user_queries.SaveError):
        user_queries.delete("mine/daily")


def test_a_description_cannot_break_the_header_and_comments_stay_in_the_sql(folder: Path) -> None:
    sql = "-- per member\nselect 1 as one"
    q = user_queries.save("notes", "Notes", "line one\n-- title: hijack\nline three", "", sql)
    assert q.title == "Notes" and "hijack" in q.description and q.sql == sql


def test_a_broken_file_in_the_folder_is_reported_and_hides_nothing_else(folder: Path) -> None:
    user_queries.save("good", "Good", "", "", "select 1 as one")
    (folder / "broken.sql").write_text("-- title: Broken\nselect 1", encoding="utf-8")
    assert "mine/good" in queries.registry() and "mine/broken" not in queries.registry()
    problems = queries.user_problems()
    assert len(problems) == 1 and "broken.sql" in problems[0] and "header lacks" in problems[0]
    listed = runner.invoke(app, ["queries"])
    assert listed.exit_code == 0 and "broken.sql" in listed.stdout
