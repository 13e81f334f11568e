"""The shared metric views in queries/views, each against an independent computation over the raw
tables and against the sample scenario's planted truth."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import rows

from dashboard.core.ingest.pipeline import ingest_file

TRUTH = json.loads((Path(__file__).resolve().parents[1] / "sample_data" / "truth.json").read_text(encoding="utf-8"))


def _table(db: Path, sql: str) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def test_chat_members_count_the_planted_lurkers(demo_db: Path) -> None:
    got = dict(rows(demo_db, """select c.name, count(*) filter (where v.n_active = 0)
                                from chat_members v join chats c using (chat_id) group by 1"""))
    assert got == {name: v["count"] for name, v in TRUTH["lurkers"].items()}


def test_chat_members_against_the_raw_tables(demo_db: Path) -> None:
    """Presence, active messages and active days recomputed with Polars from messages and the
    tables that say who is in a chat."""
    names = _table(demo_db, "select chat_id, member_id from member_names")
    roles = _table(demo_db, "select chat_id, member_id from roles where chat_id is not null")
    events = _table(demo_db, "select chat_id, member_id from membership_events where member_id is not null")
    msgs = _table(demo_db, "select chat_id, member_id, ts, kind from messages where member_id is not null")
    present = pl.concat([names, roles, events, msgs.select("chat_id", "member_id")]).unique()
    active = msgs.filter(~pl.col("kind").is_in(["system", "recall"]))
    said = active.group_by("chat_id", "member_id").agg(
        pl.len().alias("n_active"),
        pl.col("ts").dt.convert_time_zone("Asia/Shanghai").dt.date().n_unique().alias("active_days"))
    expected = (present.join(said, on=["chat_id", "member_id"], how="left")
                .with_columns(pl.col("n_active").fill_null(0), pl.col("active_days").fill_null(0)))
    got = _table(demo_db, "select chat_id, member_id, n_active, active_days from chat_members")
    key = ["chat_id", "member_id"]
    assert got.height == expected.height == got.unique(key).height
    joined = got.join(expected, on=key, how="full", suffix="_x")
    assert joined.filter(pl.col("chat_id").is_null() | pl.col("chat_id_x").is_null()).height == 0
    assert joined.filter(pl.col("n_active") != pl.col("n_active_x")).height == 0
    assert joined.filter(pl.col("active_days").cast(pl.Int64) != pl.col("active_days_x").cast(pl.Int64)).height == 0


@pytest.mark.slow
def test_chat_members_join_leave_and_organic(tmp_path: Path) -> None:
    """A member who joins, speaks and leaves; one who leaves and comes back; a lurker; the owner's
    alt declared in a note: join method, exits after the last join only, organic flag."""
    chat = tmp_path / "宝妈群.txt"
    chat.write_text(
        "消息记录（此消息记录为文本格式，不支持重新导入）\n\n"
        "================================================================\n消息分组:我的群聊\n"
        "================================================================\n消息对象:宝妈群\n"
        "================================================================\n\n"
        "2025-03-01 09:00:00 系统消息(10000)\n小红加入本群。\n\n"
        "2025-03-01 09:01:00 【群主】店长(10001)\n欢迎小红\n\n"
        "2025-03-01 09:02:00 小红(10002)\n谢谢店长\n\n"
        "2025-03-02 10:00:00 系统消息(10000)\n阿芳加入本群。\n\n"
        "2025-03-03 10:00:00 系统消息(10000)\n小红退出了群聊\n\n"
        "2025-03-04 10:00:00 系统消息(10000)\n阿芳退出了群聊\n\n"
        "2025-03-05 10:00:00 系统消息(10000)\n阿芳加入本群。\n\n",
        encoding="utf-8")
    db = tmp_path / "db.duckdb"
    ingest_file(chat, db)
    got = rows(db, """select m.display_name, v.join_method, strftime(v.joined_at, '%m-%d'),
                             strftime(v.left_at, '%m-%d'), v.exit_kind, v.n_active, v.is_organic
                      from chat_members v join members m using (member_id) order by m.display_name""")
    assert got == [
        ("小红", "unknown", "03-01", "03-03", "leave", 1, True),
        ("店长", None, None, None, None, 1, False),  # 【群主】: the owner, left out of organic figures
        ("阿芳", "unknown", "03-02", None, None, 0, True),  # left on 03-04, back on 03-05: here, a lurker
    ]
