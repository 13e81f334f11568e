"""Each WeChat fixture, ingested alone, gives exactly the chats, members, kinds and events its rows
were written to hold (docs/formats.md §1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURE_FILES, rows

from dashboard.core.ingest.pipeline import ingest_file


def _ingest(tmp_path: Path, key: str, **kw) -> tuple[Path, object]:
    db = tmp_path / f"{key}.duckdb"
    report = ingest_file(FIXTURE_FILES[key], db, **kw)
    return db, report


def _kinds(db: Path) -> dict[str, int]:
    return dict(rows(db, "select kind, count(*) from messages group by 1"))


def _events(db: Path) -> list[tuple]:
    return rows(db, """
        select e.kind, e.method, s.platform_key, a.platform_key from membership_events e
        left join members s on s.member_id = e.member_id left join members a on a.member_id = e.actor_member_id
        order by e.ts, e.event_id""")


@pytest.mark.slow
def test_memotrace_1x_group(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, "memotrace1", chat_name="新手妈妈群")
    # 35 records: one damaged (8 fields) is skipped and sampled, one Type 51 sync op is dropped.
    assert (r.n_read, r.n_new, r.n_skipped) == (35, 33, 1)
    assert "字段数为 8" in r.skipped_samples[0] and r.skipped_samples[0].startswith("第 7 行")
    assert r.exporter == "小雨点店长" and r.encoding == "utf-8 (BOM)"
    assert _kinds(db) == {"text": 6, "image": 1, "sticker": 1, "voice": 1, "video": 1, "quote": 2, "link": 1,
                          "file": 1, "location": 1, "red_packet": 1, "system": 8, "transfer": 1, "solitaire": 4,
                          "pat": 2, "recall": 2}
    assert rows(db, "select name, kind, platform_key from chats") == [("新手妈妈群", "group", "新手妈妈群")]
    assert sorted(rows(db, "select platform_key, key_kind from members")) == [
        ("wxid_li", "id"), ("wxid_owner", "id"), ("wxid_sun", "id"), ("wxid_wang", "id"), ("wxid_zhao", "id")]
    assert _events(db) == [
        ("join", "invite", "wxid_li", "wxid_owner"),  # template XML: wxids from <username>
        ("join", "invite", "wxid_wang", "wxid_owner"),
        ("join", "qr", "wxid_zhao", "wxid_li"),  # plain text: names resolved to the wxids that used them
        ("join", "qr", "wxid_sun", "wxid_wang"),
        ("remove", None, "wxid_zhao", "wxid_owner"),
        ("rename", None, "wxid_owner", "wxid_owner"),
    ]
    assert rows(db, "select raw_name from membership_events where kind = 'rename'") == [("小雨点新手妈妈群",)]
    # both quotes found their target: one by svrid-less fallback (name + text), one by text
    assert rows(db, """select q.text, t.text from messages q join messages t on t.msg_id = q.reply_to_msg_id
                       order by q.ts""") == [("我也想问这个", "谢谢店长！请问一段奶粉还有货吗？"),
                                             ("可以用我们店的护臀膏", "宝宝湿疹\n用什么护臀膏比较好？")]
    # @mention with U+2005, and pats point at the patted member
    assert sorted(rows(db, """select m.kind, t.platform_key from messages m, unnest(m.mentions) u(x)
                              join members t on t.member_id = u.x""")) == [
        ("pat", "wxid_wang"), ("pat", "wxid_zhao"), ("text", "wxid_li")]
    assert sorted(rows(db, """select m.kind, s.platform_key from messages m join members s using (member_id)
                              where kind in ('pat', 'recall')""")) == [
        ("pat", "wxid_li"), ("pat", "wxid_owner"), ("recall", "wxid_owner"), ("recall", "wxid_wang")]
    assert rows(db, """select c.platform_key, s.platform_key, p.title from red_packet_claims x
                       join members c on c.member_id = x.claimer_member_id
                       join members s on s.member_id = x.sender_member_id
                       join red_packets p using (packet_id) order by x.ts""") == [
        ("wxid_li", "wxid_owner", "恭喜发财，大吉大利"), ("wxid_wang", "wxid_owner", "恭喜发财，大吉大利")]
    assert rows(db, """select s.title, e.position, e.raw_name, m.platform_key from solitaire_entries e
                       join solitaires s using (solitaire_id) left join members m using (member_id)
                       order by s.first_seen_at, e.position""") == [
        ("周六蛋糕DIY 下午3点 到店", 1, "小雨点店长", "wxid_owner"),
        ("周六蛋糕DIY 下午3点 到店", 2, "李妈妈", "wxid_li"),
        ("周六蛋糕DIY 下午3点 到店", 3, "赵妈妈", "wxid_zhao"),
        ("周日插花课", 1, "王妈妈", "wxid_wang")]
    assert rows(db, "select n_versions from solitaires order by first_seen_at") == [(3,), (1,)]
    # the remark is the display name; the nickname is remembered as another name
    assert sorted(rows(db, """select n.name from member_names n join members m using (member_id)
                              where m.platform_key = 'wxid_wang'""")) == [("王妈妈",), ("王姐",)]
    assert rows(db, "select count(*) from terms where term = '护臀膏'") == [(2,)]
    assert rows(db, "select count(*) from terms where term in ('了', '的', '[玫瑰]', '玫瑰')") == [(0,)]


@pytest.mark.slow
def test_memotrace_1x_export_all_pads_the_short_header(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, "memotrace1_all")
    assert (r.n_read, r.n_new, r.n_skipped) == (6, 6, 0)
    assert sorted(rows(db, "select platform_key, name, kind from chats")) == [
        ("talker:3", "会话 3", "unknown"), ("talker:5", "会话 5", "unknown")]
    assert rows(db, "select count(*) from messages where platform_msg_id like '74372700000000000%'") == [(6,)]
    assert sorted(rows(db, "select distinct m.platform_key from messages join members m using (member_id)")) == [
        ("self",), ("wxid_aa",), ("wxid_bb",)]
    assert rows(db, "select text from messages where platform_msg_id = '7437270000000000003'") == [("群里有人吗",)]


@pytest.mark.slow
def test_memotrace_2x_csv(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, "memotrace2")
    assert (r.n_read, r.n_new) == (10, 10)
    # the folder name `<备注>(<chatroom id>)` gives the chat its key and name
    assert rows(db, "select platform_key, name, kind from chats") == [("34567@chatroom", "宝妈福利群", "group")]
    assert _kinds(db) == {"system": 1, "text": 3, "image": 1, "quote": 1, "red_packet": 1, "sticker": 1,
                          "recall": 1, "link": 1}
    assert rows(db, "select text from messages where kind = 'red_packet'") == [("恭喜发财，大吉大利",)]
    assert rows(db, "select text from messages where kind = 'link'") == [("插花课报名",)]
    assert rows(db, """select t.text from messages q join messages t on t.msg_id = q.reply_to_msg_id""") == [
        ("欢迎林老师！下周的插花课由林老师来上",)]
    assert _events(db) == [("join", "qr", "name:34567@chatroom:花艺师林老师", "name:34567@chatroom:店长小雨")]
    assert rows(db, "select m.display_name from messages join members m using (member_id) where kind='recall'") == [
        ("陈妈妈",)]


@pytest.mark.slow
def test_memotrace_txt(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, "memotrace_txt")
    assert (r.n_read, r.n_new, r.encoding) == (10, 10, "utf-8")
    assert rows(db, "select name from chats") == [("宝妈群",)]
    assert _kinds(db) == {"system": 2, "text": 2, "image": 1, "quote": 1, "link": 1, "sticker": 1, "recall": 1,
                          "solitaire": 1}
    # a body line shaped like a header, not after a blank line, stays in its message
    assert rows(db, "select text from messages where text like '谢谢店长%'") == [
        ("谢谢店长\n2024-07-01 08:02:31 这一行看起来像消息头，但它在正文里",)]
    assert rows(db, "select text from messages where kind = 'link'") == [("夏季新品",)]
    assert rows(db, """select q.text, t.text from messages q join messages t on t.msg_id = q.reply_to_msg_id""") == [
        ("下午几点开门？", "欢迎新朋友！")]
    assert _events(db) == [("join", "invite", "name:宝妈群:张妈妈", "name:宝妈群:店长"),
                           ("join", "invite", "name:宝妈群:刘妈妈", "name:宝妈群:店长"),
                           ("rename", None, "name:宝妈群:店长", "name:宝妈群:店长")]
    assert rows(db, "select raw_name, text from solitaire_entries order by position") == [
        ("张妈妈", "张妈妈"), ("刘妈妈", "刘妈妈 带宝宝")]


@pytest.mark.slow
def test_pywxdump_with_users_json(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, "pywxdump")
    assert (r.n_read, r.n_new, r.exporter) == (9, 9, "小雨点店长")
    assert rows(db, "select platform_key, name, kind from chats") == [("777888@chatroom", "奶粉团购群", "group")]
    assert _kinds(db) == {"system": 2, "text": 2, "voice": 1, "quote": 1, "link": 1, "recall": 1, "solitaire": 1}
    assert rows(db, "select text from messages where kind = 'voice'") == [("奶粉多少钱",)]
    assert rows(db, "select text from messages where kind = 'link'") == [("奶粉团购",)]
    assert _events(db) == [("join", "invite", "wxid_c1", "wxid_staff1"), ("join", "invite", "wxid_c2", "wxid_staff1"),
                           ("join", "invite", "name:777888@chatroom:顾客三", "wxid_c1")]
    assert rows(db, """select t.text from messages q join messages t on t.msg_id = q.reply_to_msg_id""") == [("你好呀",)]
    assert rows(db, "select display_name from members where platform_key = 'wxid_staff1'") == [("店员小美",)]
    assert rows(db, "select count(*) from messages where platform_msg_id is not null") == [(9,)]


@pytest.mark.slow
def test_pywxdump_resaved_by_excel(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, "pywxdump_excel")
    assert (r.n_read, r.n_new, r.n_skipped) == (5, 5, 0)
    # ids in scientific notation are useless as keys; lost seconds become :00; ?? stays as text
    assert rows(db, "select count(*) from messages where platform_msg_id is not null") == [(0,)]
    assert rows(db, "select strftime(min(ts), '%Y-%m-%d %H:%M:%S') from messages") == [("2024-08-02 09:05:00",)]
    assert rows(db, "select count(*) from messages where text = '好的??'") == [(2,)]
    assert _kinds(db) == {"text": 4, "image": 1}


@pytest.mark.slow
def test_raw_pc_msg_table(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, "raw_pc")
    assert (r.n_read, r.n_new) == (7, 6)  # the Type 51 row is not a message
    assert sorted(rows(db, "select platform_key, kind from chats")) == [
        ("556677@chatroom", "group"), ("wxid_friend", "private")]
    assert sorted(rows(db, """select m.platform_key, count(*) from messages join members m using (member_id)
                              group by 1""")) == [("self", 1), ("wxid_friend", 1), ("wxid_m1", 2), ("wxid_m2", 1)]
    assert rows(db, "select text from messages where platform_msg_id = '7437290000000000001'") == [("请问有婴儿推车吗",)]
    assert rows(db, """select t.platform_msg_id from messages q join messages t on t.msg_id = q.reply_to_msg_id""") == [
        ("7437290000000000002",)]
    assert _events(db) == [("join", "qr", "name:556677@chatroom:小王", "name:556677@chatroom:小李")]


@pytest.mark.slow
def test_raw_android_message_table(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, "raw_android")
    assert (r.n_read, r.n_new) == (5, 5)
    assert _kinds(db) == {"text": 1, "red_packet": 1, "system": 1, "sticker": 1, "quote": 1}
    # createTime is in milliseconds
    assert rows(db, "select strftime(min(ts), '%Y-%m-%d %H:%M') from messages") == [("2024-08-02 10:00",)]
    assert rows(db, """select c.platform_key, s.platform_key, p.title from red_packet_claims x
                       join members c on c.member_id = x.claimer_member_id
                       join members s on s.member_id = x.sender_member_id
                       join red_packets p using (packet_id)""") == [("name:889900@chatroom:阿一", "self", "早安红包")]
    assert rows(db, """select t.text from messages q join messages t on t.msg_id = q.reply_to_msg_id""") == [("早上好",)]


@pytest.mark.parametrize("key", sorted(FIXTURE_FILES))
def test_forced_format_must_fit(tmp_path: Path, key: str) -> None:
    from dashboard.core.ingest.detect import detect, probe

    p = probe(FIXTURE_FILES[key])
    fmt = detect(p)
    assert detect(p, forced=fmt.name) is fmt
