"""The `qunxi` command as an analyst and a shop owner use it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import FIXTURE_FILES, rows
from typer.testing import CliRunner

from dashboard.cli import app

runner = CliRunner()


@pytest.mark.slow
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
    table = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["chat_name"], r["day"], r["messages"]) for r in table] == [("新手妈妈群", "2024-05-01", "23")]  # 33 messages less 8 system and 2 recall stubs
    js = runner.invoke(app, ["query", "--sql", "select count(*) as n from members", "--db", str(db), "--format", "json"])
    assert json.loads(js.stdout) == [{"n": 5}]
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


@pytest.mark.slow
def test_sample_then_ingest_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "shop"
    r = runner.invoke(app, ["sample", "--out", str(out), "--scale", "3000", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "1家店" in "".join(r.output.split())  # however the terminal wraps it
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
    got = json.loads(js.stdout)[0]
    assert got["m"] == sum(c["messages"] for c in truth["chats"].values())
    assert got["v"] == truth["visits"]["rows"]
    assert got["r"] == truth["members_csv"]["rows"]


def test_formats_lists_every_format_with_a_sample() -> None:
    from dashboard.core.ingest.detect import FORMATS

    r = runner.invoke(app, ["formats"])
    assert r.exit_code == 0, r.output
    flat = r.output.replace("\n", "")
    for f in FORMATS:
        assert f.name in flat and f.sample.replace("\n", "")[:20] in flat
    for name in ("telegram_json", "whatsapp_txt", "qq_txt", "qq_qce_json", "wecom_json", "discord_json",
                 "discord_csv", "chatlab_json", "chatlab_jsonl", "generic_table", "store_visits"):
        assert name in flat


@pytest.mark.slow
def test_ingest_any_table_with_a_column_mapping(tmp_path: Path) -> None:
    table = tmp_path / "店铺群聊.csv"
    table.write_text("发送时间,发送人,内容\n2025-03-01 09:00:00,小红,早上好\n2025-03-01 09:05:00,阿芳,今天有活动吗？\n"
                     "2025-03-01 09:06:00,小红,有的\n", encoding="utf-8")
    db = tmp_path / "m.duckdb"
    plain = runner.invoke(app, ["ingest", str(table), "--db", str(db)])
    assert plain.exit_code == 2 and "--map" in plain.output.replace("\n", "")
    r = runner.invoke(app, ["ingest", str(table), "--db", str(db), "--map", "time=发送时间", "--map", "sender=发送人",
                            "--map", "text=内容"])
    assert r.exit_code == 0, r.output
    assert rows(db, "select strftime(ts, '%H:%M'), sender_name, text from messages order by ts") == [
        ("09:00", "小红", "早上好"), ("09:05", "阿芳", "今天有活动吗？"), ("09:06", "小红", "有的")]
    assert rows(db, "select format, platform from imports") == [("generic_table", "generic")]
    for bad, says in ((["--map", "time发送时间"], "字段=列名"), (["--map", "when=发送时间"], "when"),
                      (["--map", "time=发送时间"], "sender")):
        out = runner.invoke(app, ["ingest", str(table), "--db", str(tmp_path / "n.duckdb"), *bad])
        assert out.exit_code == 2 and says in out.output.replace("\n", ""), out.output


@pytest.mark.slow
def test_after_the_demo_the_analyst_commands_read_it(monkeypatch, tmp_path: Path, demo_db: Path) -> None:
    """The README's analyst commands work right after `qunxi demo`: with no database of her own the
    demo's is read, and each command says which database it read; after her first import, hers."""
    import shutil

    from dashboard.core import settings

    monkeypatch.delenv("QUNXI_DB", raising=False)
    monkeypatch.setattr(settings, "data_dir", lambda: tmp_path)
    shutil.copy(demo_db, tmp_path / "demo.duckdb")
    r = runner.invoke(app, ["query", "overview/chat_cards", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert sorted(c["name"] for c in json.loads(r.stdout)) == ["VIP老客群", "新手妈妈群", "福利群"]
    assert f"数据库 · database: {tmp_path / 'demo.duckdb'}" in r.stderr and "示例数据库" in r.stderr
    a = runner.invoke(app, ["analyze", "growth", "--format", "json"])
    assert a.exit_code == 0 and len(json.loads(a.stdout)["chats"]) == 3
    # her first import goes to her own database, never into the demo; from then on it is read
    i = runner.invoke(app, ["ingest", str(FIXTURE_FILES["memotrace1"]), "--chat-name", "新手妈妈群"])
    assert i.exit_code == 0, i.output
    assert (tmp_path / "qunxi.duckdb").exists()
    mine = runner.invoke(app, ["query", "overview/chat_cards", "--format", "json"])
    assert [c["name"] for c in json.loads(mine.stdout)] == ["新手妈妈群"]
    assert f"数据库 · database: {tmp_path / 'qunxi.duckdb'}" in mine.stderr and "示例" not in mine.stderr


def _table_lines(width: int, *args: str) -> list[str]:
    from dashboard import cli

    cli.console.width = width  # what a terminal of this width reports
    try:
        r = runner.invoke(app, ["query", *args])
    finally:
        cli.console.width = None  # type: ignore[assignment]  # back to asking the terminal
    assert r.exit_code == 0, r.output
    return r.stdout.splitlines()


@pytest.mark.slow
def test_table_is_readable_at_80_and_200_columns(demo_db: Path) -> None:
    for width in (80, 200):
        lines = _table_lines(width, "overview/chat_cards", "--db", str(demo_db))
        body = [ln for ln in lines if ln.startswith("│")]
        assert len(body) == 3 and all(len(ln) <= width for ln in lines if ln[:1] in "┏│└┡")
        header = next(ln for ln in lines if ln.startswith("┃"))
        shown = [h.strip() for h in header.strip("┃").split("┃")]
        assert shown[:2] == ["chat_id", "name"] and all("…" not in h for h in shown)
        assert all("…" not in cell for ln in body for cell in ln.split("│"))  # every value whole
        names = {ln.split("│")[2].strip() for ln in body}
        assert names == {"VIP老客群", "新手妈妈群", "福利群"}
        left = [ln for ln in lines if "more columns not shown" in ln]
        if width == 80:
            assert left and "speaker_rate" in left[0]  # what does not fit is named
        assert len(shown) >= (5 if width == 80 else 12)
    # --columns picks and orders
    lines = _table_lines(80, "overview/chat_cards", "--db", str(demo_db), "--columns", "name,members,speaker_rate")
    header = next(ln for ln in lines if ln.startswith("┃"))
    assert [h.strip() for h in header.strip("┃").split("┃")] == ["name", "members", "speaker_rate"]
    assert not [ln for ln in lines if "not shown" in ln]
    bad = runner.invoke(app, ["query", "overview/chat_cards", "--db", str(demo_db), "--columns", "name,nope"])
    assert bad.exit_code == 2 and "nope" in bad.output and "Traceback" not in bad.output
