"""Any CSV or Parquet table read through a column mapping (`--map time=发送时间 …`): every time
format, encodings, typed Parquet columns, and the errors a wrong mapping gives."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest
from conftest import TESTS, db_digest, examples, rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.ingest import detect, generic
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import BATCH_ROWS
from dashboard.core.ingest.pipeline import ingest_file

GENERIC = TESTS / "fixtures" / "generic"
GROUP_CSV = GENERIC / "宝妈群聊天.csv"
GBK_CSV = GENERIC / "店铺群_gbk.csv"
GROUP_MAP = {"time": "发送时间", "sender": "发送人", "sender_id": "微信号", "text": "内容", "kind": "消息类型",
             "msg_id": "消息ID", "reply_to": "回复ID", "platform": "wechat"}
GBK_MAP = {"time": "时间", "sender": "昵称", "text": "消息"}


def _utc(*a: int) -> dt.datetime:
    """A UTC wall time, as `ts at time zone 'UTC'` returns it."""
    return dt.datetime(*a)


def _timeline(db: Path) -> list[tuple]:
    return rows(db, """
        select m.ts at time zone 'UTC', m.kind, m.text, s.platform_key, m.platform_msg_id, m.source_line
        from messages m left join members s using (member_id) order by m.ts, m.source_line""")



# ---------------------------------------------------------------------------------------------
# detection: only with a mapping


@pytest.mark.parametrize("path", [GROUP_CSV, GBK_CSV])
def test_tables_are_generic_only_when_asked(path: Path) -> None:
    p = detect.probe(path)
    assert detect.FORMAT_NAMES["generic_table"].matches(p)
    assert detect.detect(p, "generic_table").name == "generic_table"
    with pytest.raises(IngestError) as info:
        detect.detect(p)  # never auto-detected: a table without a mapping is not a chat export
    assert "--map" in str(info.value)


def test_parquet_matches_generic_only(tmp_path: Path) -> None:
    f = tmp_path / "t.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(f)
    p = detect.probe(f)
    assert [fmt.name for fmt in detect.FORMATS if fmt.matches(p)] == ["generic_table"]


# ---------------------------------------------------------------------------------------------
# a Chinese-header CSV (UTF-8 with BOM, CRLF, a quoted multi-line text, a blank line)


@pytest.mark.slow
def test_chinese_header_csv(tmp_path: Path) -> None:
    db = tmp_path / "g.duckdb"
    r = ingest_file(GROUP_CSV, db, mapping=GROUP_MAP)
    # 11 records (the blank line is none); two have no readable time ("昨天下午", an empty cell) and
    # are skipped with their real line: the quoted two-line text and the blank line count
    assert (r.format, r.encoding, r.n_read, r.n_new, r.n_skipped) == ("generic_table", "utf-8 (BOM)", 11, 9, 2)
    assert r.skipped_samples == ["第 10 行: 时间无法识别: 昨天下午", "第 12 行: 时间无法识别: （空）"]
    # no chat column: the file names the chat; --map platform=wechat keys members as WeChat's
    assert rows(db, "select platform, platform_key, name, kind from chats") == [
        ("wechat", "宝妈群聊天", "宝妈群聊天", "group")]
    assert rows(db, "select format, encoding, source_tz from imports") == [
        ("generic_table", "utf-8 (BOM)", "Asia/Shanghai")]
    assert rows(db, "select platform, platform_key, key_kind, display_name from members order by 2") == [
        ("wechat", "wxid_li", "id", "李妈妈"), ("wechat", "wxid_owner", "id", "小雨点店长"),
        ("wechat", "wxid_wang", "id", "王妈妈"), ("wechat", "wxid_zhao", "id", "赵妈妈")]
    assert _timeline(db) == [
        (_utc(2024, 5, 1, 2, 0), "text", "大家好，今天奶粉到货了", "wxid_owner", "m1", 2),  # local time in --tz
        (_utc(2024, 5, 1, 2, 1), "text", "几点开门？\n我下午过去", "wxid_li", "m2", 3),  # no seconds
        (_utc(2024, 5, 1, 2, 2, 30), "image", None, "wxid_wang", "m3", 6),  # 2024/05/01; "[图片]" dropped
        (_utc(2024, 5, 1, 2, 3), "quote", "九点开门", "wxid_owner", "m4", 7),  # 2024/5/1 10:03; reply to m2
        (_utc(2024, 5, 1, 2, 4), "text", "收到", "wxid_zhao", "m5", 8),  # ISO with +08:00
        (_utc(2024, 5, 1, 2, 5), "red_packet", "恭喜发财，大吉大利", "wxid_li", "m6", 9),  # ISO with Z
        (_utc(2024, 5, 1, 2, 6), "system", '"小雨点店长"邀请"赵妈妈"加入了群聊', None, "m8", 11),  # no sender
        (_utc(2024, 5, 1, 2, 7), "recall", "王妈妈撤回了一条消息", "wxid_wang", "m10", 13),
        (_utc(2024, 5, 1, 2, 8), "sticker", None, "wxid_zhao", "m11", 14)]
    # the kind column is kept as raw_type; an empty one is "generic"
    assert rows(db, "select raw_type from messages order by ts") == [
        ("文本",), ("文本",), ("图片",), ("generic",), ("text",), ("红包",), ("系统消息",), ("撤回",), ("动画表情",)]
    # the system text is WeChat wording: names resolve through the senders' names to their wxids
    assert rows(db, """select e.kind, e.method, s.platform_key, a.platform_key from membership_events e
                       left join members s on s.member_id = e.member_id
                       left join members a on a.member_id = e.actor_member_id""") == [
        ("join", "invite", "wxid_zhao", "wxid_owner")]
    assert rows(db, """select q.platform_msg_id, t.platform_msg_id from messages q
                       join messages t on t.msg_id = q.reply_to_msg_id""") == [("m4", "m2")]


@pytest.mark.slow
def test_reimport_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    first = ingest_file(GROUP_CSV, db, mapping=GROUP_MAP)
    before = rows(db, "select (select count(*) from messages), (select count(*) from members)")
    second = ingest_file(GROUP_CSV, db, mapping=GROUP_MAP)
    # the same rows in another file are the same messages (their ids come from the msg_id column)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(GROUP_CSV.read_bytes() + "2024-05-01 10:09:00,李妈妈,wxid_li,新的一条,文本,m12,\r\n".encode())
    third = ingest_file(copy, db, mapping=GROUP_MAP, chat_name="宝妈群聊天")
    assert (first.status, second.status, third.n_new, third.n_duplicate) == ("imported", "already imported", 1, 9)
    assert before == [(9, 4)]
    assert rows(db, "select count(*) from messages") == [(10,)]


# ---------------------------------------------------------------------------------------------
# a GBK CSV with epoch times


@pytest.mark.slow
def test_gbk_csv_with_epoch_times(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    r = ingest_file(GBK_CSV, db, mapping=GBK_MAP)
    assert (r.encoding, r.n_read, r.n_new, r.n_skipped) == ("gb18030", 4, 4, 0)
    # epochs are instants: no time zone was assumed
    assert rows(db, "select encoding, source_tz from imports") == [("gb18030", None)]
    assert rows(db, "select platform, platform_key, name from chats") == [("generic", "店铺群_gbk", "店铺群_gbk")]
    assert rows(db, "select key_kind, display_name from members order by 2") == [("name", "小王"), ("name", "店长")]
    assert rows(db, """select m.ts at time zone 'UTC', m.kind, m.text, s.display_name from messages m
                       left join members s using (member_id) order by m.ts""") == [
        (_utc(2024, 5, 1, 2, 0), "text", "欢迎新朋友", "店长"),  # milliseconds
        (_utc(2024, 5, 1, 2, 1), "text", "谢谢店长", "小王"),  # seconds
        (dt.datetime(2024, 5, 1, 2, 2, 0, 500000), "text", "今天特价", "店长"),  # ms keep their fraction
        (_utc(2024, 5, 1, 2, 3), "system", "小王 加入了群聊", None)]  # no sender: a system row


@pytest.mark.slow
def test_every_time_format(tmp_path: Path) -> None:
    times = ["1714528800", "1714528800000", "1714528800.5", "2024-05-01 10:00:00", "2024-05-01 10:00",
             "2024/05/01 10:00:00", "2024/5/1 10:00", "2024-05-01T10:00:00", "2024-05-01T10:00:00.250",
             "2024-05-01T10:00:00+08:00", "2024-05-01 02:00:00Z", "2024-05-01T02:00:00.5+00:00",
             "2024-05-01 10:00:00 +0800", "20240501100000", "2024.05.01 10:00", "下午3点", "2024-05-01", "1714"]
    p = tmp_path / "times.csv"
    p.write_text("t,who\n" + "".join(f"{t},p{i}\n" for i, t in enumerate(times)), encoding="utf-8")
    db = tmp_path / "t.duckdb"
    r = ingest_file(p, db, mapping={"time": "t", "sender": "who"}, tz="Asia/Shanghai")
    got = dict(rows(db, "select sender_name, ts at time zone 'UTC' from messages"))
    base = _utc(2024, 5, 1, 2, 0)
    assert got == {"p0": base, "p1": base, "p2": base.replace(microsecond=500000), "p3": base, "p4": base,
                   "p5": base, "p6": base, "p7": base, "p8": base.replace(microsecond=250000), "p9": base,
                   "p10": base, "p11": base.replace(microsecond=500000), "p12": base, "p13": base, "p14": base}
    assert [s.split(": ", 1)[1] for s in r.skipped_samples] == [
        "时间无法识别: 下午3点", "时间无法识别: 2024-05-01", "时间无法识别: 1714"]
    # another --tz moves the local times only
    db2 = tmp_path / "t2.duckdb"
    p2 = tmp_path / "times2.csv"
    p2.write_text("t,who\n1714528800,a\n2024-05-01 10:00:00,b\n", encoding="utf-8")
    ingest_file(p2, db2, mapping={"time": "t", "sender": "who"}, tz="Europe/Berlin")
    assert rows(db2, "select sender_name, ts at time zone 'UTC' from messages order by 1") == [
        ("a", base), ("b", _utc(2024, 5, 1, 8, 0))]


# ---------------------------------------------------------------------------------------------
# Parquet, typed columns


@pytest.mark.slow
def test_parquet_with_typed_columns_and_two_chats(tmp_path: Path) -> None:
    f = tmp_path / "导出.parquet"
    pl.DataFrame({
        "when": [dt.datetime(2024, 5, 1, 2, 0, tzinfo=dt.UTC), dt.datetime(2024, 5, 1, 2, 1, tzinfo=dt.UTC),
                 None, dt.datetime(2024, 5, 1, 2, 3, tzinfo=dt.UTC)],
        "uid": [101, 102, 103, 101],
        "nick": ["甲", "乙", "丙", "甲"],
        "body": ["早", "[图片]", "丢了时间", "好"],
        "type": ["text", "image", "text", "reply"],
        "room": ["一群", "二群", "一群", "一群"],
        "room_id": ["r1", "r2", "r1", "r1"],
        "id": [1, 2, 3, 4],
        "re": [None, None, None, 1],
        "app": ["qq", "qq", "qq", "qq"],
    }).write_parquet(f)
    db = tmp_path / "p.duckdb"
    r = ingest_file(f, db, mapping={"time": "when", "sender": "nick", "sender_id": "uid", "text": "body",
                                    "kind": "type", "chat": "room", "chat_id": "room_id", "msg_id": "id",
                                    "reply_to": "re", "platform": "app"})
    assert (r.format, r.encoding, r.n_read, r.n_new, r.n_skipped) == ("generic_table", "parquet", 4, 3, 1)
    assert r.skipped_samples == ["第 3 行: 时间无法识别: （空）"]
    assert rows(db, "select source_tz from imports") == [(None,)]
    assert rows(db, "select platform, platform_key, name from chats order by 2") == [
        ("qq", "r1", "一群"), ("qq", "r2", "二群")]
    assert rows(db, """select m.ts at time zone 'UTC', c.platform_key, m.kind, m.text, s.platform_key,
                              m.platform_msg_id, m.source_line
                       from messages m join chats c using (chat_id) left join members s using (member_id)
                       order by m.ts""") == [
        (_utc(2024, 5, 1, 2, 0), "r1", "text", "早", "101", "1", 1),
        (_utc(2024, 5, 1, 2, 1), "r2", "image", None, "102", "2", 2),
        (_utc(2024, 5, 1, 2, 3), "r1", "quote", "好", "101", "4", 4)]
    assert rows(db, """select q.text, t.text from messages q join messages t on t.msg_id = q.reply_to_msg_id""") == [
        ("好", "早")]


@pytest.mark.slow
def test_parquet_naive_datetimes_and_epoch_integers(tmp_path: Path) -> None:
    naive = tmp_path / "naive.parquet"
    pl.DataFrame({"t": [dt.datetime(2024, 5, 1, 10, 0)], "who": ["甲"]}).write_parquet(naive)
    epoch = tmp_path / "epoch.parquet"
    pl.DataFrame({"t": [1714528800000, 1714528860], "who": ["甲", "乙"]}).write_parquet(epoch)
    db = tmp_path / "n.duckdb"
    ingest_file(naive, db, mapping={"time": "t", "sender": "who"}, chat_name="群")
    ingest_file(epoch, db, mapping={"time": "t", "sender": "who"}, chat_name="群")
    assert rows(db, "select source_tz from imports order by import_id") == [("Asia/Shanghai",), (None,)]
    # the naive 10:00 in Shanghai and the epoch of 02:00 UTC are one message from 甲
    assert rows(db, "select sender_name, ts at time zone 'UTC' from messages order by ts") == [
        ("甲", _utc(2024, 5, 1, 2, 0)), ("乙", _utc(2024, 5, 1, 2, 1))]


# ---------------------------------------------------------------------------------------------
# batches


@pytest.mark.slow
def test_a_big_table_is_read_in_batches_with_exact_lines(tmp_path: Path) -> None:
    n = BATCH_ROWS + 7_000
    bad_at = BATCH_ROWS + 10  # a record in the second batch, after a multi-line one
    p = tmp_path / "big.csv"
    with open(p, "w", encoding="utf-8") as fh:
        fh.write("time,who,text\n")
        for i in range(n):
            if i == bad_at:
                fh.write("not a time,x,y\n")
            elif i == 5:
                fh.write(f'{1714528800 + i},u{i % 50},"line one\nline two\nline three"\n')
            else:
                fh.write(f"{1714528800 + i},u{i % 50},message {i}\n")
    db = tmp_path / "b.duckdb"
    r = ingest_file(p, db, mapping={"time": "time", "sender": "who", "text": "text"})
    assert (r.n_read, r.n_new, r.n_skipped) == (n, n - 1, 1)
    assert r.skipped_samples == [f"第 {bad_at + 2 + 2} 行: 时间无法识别: not a time"]
    assert rows(db, "select max(source_line), count(distinct member_id) from messages") == [(n + 1 + 2, 50)]


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16"])
def test_runs_of_records_never_split_a_quoted_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    encoding: str) -> None:
    records = []
    for i in range(40):
        text = f'第{i}条, 有逗号' if i % 3 else f'"多行\n第{i}条 ""引号"",\n结束"'
        when = "坏时间" if i == 29 else f"2024-05-01 10:{i:02d}:00"
        records.append(f"{when},用户{i % 4},{text}")
    p = tmp_path / f"runs_{encoding}.csv"
    p.write_bytes(("时间,人,话\n" + "\n".join(records) + "\n").encode(encoding))
    mapping = {"time": "时间", "sender": "人", "text": "话"}
    whole = ingest_file(p, tmp_path / "whole.duckdb", mapping=mapping)
    monkeypatch.setattr(generic, "BLOCK_BYTES", 37)  # many runs, cut inside quoted fields and characters
    runs = ingest_file(p, tmp_path / "runs.duckdb", mapping=mapping)
    query = "select source_line, sender_name, text, ts from messages order by source_line"
    assert rows(tmp_path / "runs.duckdb", query) == rows(tmp_path / "whole.duckdb", query)
    assert (runs.n_read, runs.n_new, runs.skipped_samples) == (40, 39, ["第 51 行: 时间无法识别: 坏时间"])  # 2 + 29 + 2 × 10
    assert whole.skipped_samples == runs.skipped_samples
    assert rows(tmp_path / "runs.duckdb", "select text from messages where source_line = 2") == [
        ('多行\n第0条 "引号",\n结束',)]


# ---------------------------------------------------------------------------------------------
# wrong mappings and bad files: one clear error, the database unchanged


@pytest.fixture
def loaded_db(tmp_path: Path) -> Path:
    db = tmp_path / "base.duckdb"
    ingest_file(GBK_CSV, db, mapping=GBK_MAP)
    return db


@pytest.mark.slow
def test_missing_mapped_columns_are_named_with_the_files_columns(loaded_db: Path) -> None:
    before = db_digest(loaded_db)
    with pytest.raises(IngestError) as info:
        ingest_file(GROUP_CSV, loaded_db, mapping={"time": "时间", "sender": "发送人", "text": "正文"})
    e = info.value
    assert "宝妈群聊天.csv" in str(e)
    assert e.problem == ("映射的列在文件中不存在: time=时间、text=正文；文件里的列是: "
                         "发送时间、发送人、微信号、内容、消息类型、消息ID、回复ID")
    assert db_digest(loaded_db) == before


@pytest.mark.parametrize(("mapping", "says"), [
    ({"time": "发送时间", "sender": "发送人", "txet": "内容"}, "未知的映射字段: txet"),
    ({"sender": "发送人"}, "映射缺少 time"),
    ({"time": "发送时间", "text": "内容"}, "映射缺少 sender 或 sender_id"),
    ({"time": "发送时间", "sender": "发送人", "platform": "微信"}, "平台名"),
])
@pytest.mark.slow
def test_wrong_mapping(loaded_db: Path, mapping: dict, says: str) -> None:
    before = db_digest(loaded_db)
    with pytest.raises(IngestError) as info:
        ingest_file(GROUP_CSV, loaded_db, mapping=mapping)
    assert says in str(info.value)
    assert db_digest(loaded_db) == before


def test_forced_generic_without_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as info:
        ingest_file(GROUP_CSV, tmp_path / "x.duckdb", fmt="generic_table")
    assert "--map" in str(info.value)
    assert not (tmp_path / "x.duckdb").exists()


@pytest.mark.parametrize(("content", "says"), [
    (b"time,who\n1714528800,a\n1714528860,\"b\n", "CSV 无法读取"),  # cut inside a quoted field
    ("time,who\n昨天,a\n前天,b\n".encode(), "2 条记录全部无法读取"),
    (b"time,who\n", "只有表头"),
])
@pytest.mark.slow
def test_bad_tables(loaded_db: Path, tmp_path: Path, content: bytes, says: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    before = db_digest(loaded_db)
    with pytest.raises(IngestError) as info:
        ingest_file(p, loaded_db, mapping={"time": "time", "sender": "who"})
    assert "bad.csv" in str(info.value) and says in str(info.value)
    assert db_digest(loaded_db) == before


@pytest.mark.slow
def test_broken_parquet_is_the_import_error(loaded_db: Path, tmp_path: Path) -> None:
    p = tmp_path / "broken.parquet"
    p.write_bytes(b"PAR1" + b"\x00" * 50)
    before = db_digest(loaded_db)
    with pytest.raises(IngestError) as info:
        ingest_file(p, loaded_db, mapping={"time": "t", "sender": "who"})
    assert "Parquet 无法读取" in str(info.value)
    assert db_digest(loaded_db) == before


@pytest.mark.slow
def test_undecodable_record_is_skipped(tmp_path: Path) -> None:
    p = tmp_path / "u.csv"
    p.write_bytes("time,who,text\n1714528800,甲,好\n1714528860,乙,坏".encode() + b"\xff\xfe\n"
                  + "1714528920,丙,好\n".encode())
    db = tmp_path / "u.duckdb"
    r = ingest_file(p, db, mapping={"time": "time", "sender": "who", "text": "text"})
    assert (r.encoding, r.n_read, r.n_new, r.n_skipped) == ("utf-8", 3, 2, 1)
    assert r.skipped_samples == ["第 3 行: 包含无法解码的字节: 1714528860"]
    assert rows(db, "select sender_name from messages order by ts") == [("甲",), ("丙",)]


@pytest.mark.slow
@settings(max_examples=examples(25), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(src=st.sampled_from([GROUP_CSV, GBK_CSV]),
       edits=st.lists(st.tuples(st.integers(0, 2000), st.sampled_from(["flip", "cut", "insert", "delete"]),
                                st.binary(min_size=1, max_size=12)), min_size=1, max_size=4))
def test_mutated_tables_import_or_raise_the_import_error(tmp_path: Path, src: Path, edits: list) -> None:
    data = bytearray(src.read_bytes())
    for at, op, blob in edits:
        at %= max(1, len(data))
        if op == "flip" and data:
            data[at] ^= blob[0] or 1
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = blob
        else:
            del data[at:at + len(blob) * 8]
    work = tmp_path / hashlib.sha256(bytes(data) + repr(edits).encode()).hexdigest()[:16]
    work.mkdir()
    p = work / src.name
    p.write_bytes(bytes(data))
    try:
        ingest_file(p, work / "db.duckdb", mapping=GROUP_MAP if src == GROUP_CSV else GBK_MAP)
    except IngestError as e:
        assert str(e)
