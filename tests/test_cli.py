"""The `qunxi` command as an analyst and a shop owner use it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import FIXTURE_FILES
from typer.testing import CliRunner

from dashboard.cli import app

runner = CliRunner()


def test_ingest_then_query(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    r = runner.invoke(app, ["ingest", str(FIXTURE_FILES["memotrace1"]), "--db", str(db), "--chat-name", "新手妈妈群"])
    assert r.exit_code == 0, r.output
    assert "新手妈妈群" in r.output and "33" in r.output
    again = runner.invoke(app, ["ingest", str(FIXTURE_FILES["memotrace1"]), "--db", str(db)])
    assert again.exit_code == 0 and "已经导入过" in again.output
    out = runner.invoke(app, ["query", "activity/daily_activity", "--db", str(db), "--param", "start=2024-05-01",
                              "--format", "csv"])
    assert out.exit_code == 0, out.output
    table = list(csv.DictReader(io.StringIO(out.output)))
    assert [(r["chat_name"], r["day"], r["messages"]) for r in table] == [("新手妈妈群", "2024-05-01", "23")]  # 33 messages less 8 system and 2 recall stubs
    js = runner.invoke(app, ["query", "--sql", "select count(*) as n from members", "--db", str(db), "--format", "json"])
    assert json.loads(js.output) == [{"n": 5}]
    pq = tmp_path / "x.parquet"
    assert runner.invoke(app, ["query", "data/imports", "--db", str(db), "--format", "parquet", "--out", str(pq)]
                         ).exit_code == 0
    assert pq.stat().st_size > 0


def test_queries_lists_the_registry() -> None:
    r = runner.invoke(app, ["queries"])
    assert r.exit_code == 0 and "activity/daily_activity" in r.output


def test_bad_input_exits_2_with_one_message(tmp_path: Path) -> None:
    bad = tmp_path / "notes.csv"
    bad.write_text("日期,金额\n2024-01-01,5\n", encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(bad), "--db", str(tmp_path / "d.duckdb")])
    assert r.exit_code == 2
    assert "notes.csv" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "d.duckdb").exists()


def test_query_errors_are_clear(tmp_path: Path) -> None:
    r = runner.invoke(app, ["query", "activity/daily_activity", "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 2 and "还不存在" in r.output


def test_sample_then_ingest_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "shop"
    r = runner.invoke(app, ["sample", "--out", str(out), "--scale", "3000", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "1 家店" in r.output.replace("\n", "")
    again = runner.invoke(app, ["sample", "--out", str(out)])
    assert again.exit_code == 2 and "不是空文件夹" in again.output
    db = tmp_path / "shop.duckdb"
    # the folder holds exports and store records; members.csv must go in after the chats it names
    ing = runner.invoke(app, ["ingest", str(out / "shop_0001"), "--db", str(db)])
    assert ing.exit_code == 0, ing.output
    truth = json.loads((out / "shop_0001" / "truth.json").read_text("utf-8"))
    js = runner.invoke(app, ["query", "--sql", "select (select count(*) from messages) as m, "
                             "(select count(*) from visits) as v, (select count(*) from roles) as r",
                             "--db", str(db), "--format", "json"])
    got = json.loads(js.output)[0]
    assert got["m"] == sum(c["messages"] for c in truth["chats"].values())
    assert got["v"] == truth["visits"]["rows"]
    assert got["r"] == truth["members_csv"]["rows"]
