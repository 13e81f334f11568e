"""QQ exports (docs/formats.md §5): the 消息管理器 TXT export and QQChatExporter JSON. Each fixture
holds one or more quirks of the reference section, asserted exactly; the conformance files are
real exports written by other projects."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import TESTS, conformance_dir, conformance_files, db_digest, requires_conformance, rows

from dashboard.core.ingest import detect, qq
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import Options
from dashboard.core.ingest.pipeline import ingest_file

FIX = TESTS / "fixtures" / "qq"
CONF = conformance_dir("qq")
BASIC = CONF / "log-painter__qq_export_12h_basic.txt"
EMAIL = CONF / "log-painter__qq_export_12h_email.txt"
HISTORY = CONF / "qq-chat-history__file.txt"
UTC = dt.UTC


def _utc(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=UTC)


def _msgs(db: Path) -> list[tuple]:
    """(source line, UTC instant, kind, text, sender key, sender name) in file order."""
    return [(line, ts.astimezone(UTC), kind, text, key, name) for line, ts, kind, text, key, name in rows(db, """
        select m.source_line, m.ts, m.kind, m.text, s.platform_key, m.sender_name
        from messages m left join members s using (member_id) order by m.source_line""")]


def _events(db: Path) -> list[tuple]:
    return rows(db, """
        select e.kind, e.method, s.platform_key, a.platform_key from membership_events e
        left join members s on s.member_id = e.member_id left join members a on a.member_id = e.actor_member_id
        order by e.ts, e.event_id""")



# ---------------------------------------------------------------------------------------------
# conformance: real exports (skipped when ../shared/conformance is missing; the own fixtures below
# hold the same quirks)


@pytest.mark.slow
@requires_conformance
def test_conformance_12h_basic(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    r = ingest_file(BASIC, db)
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("qq_txt", 9, 9, 0)
    assert rows(db, "select name, kind from chats") == [("湖之仆从（PST 8pm | BJT 11am）", "group")]
    # 12-hour, no zero padding, local Asia/Shanghai; system senders carry no member
    assert _msgs(db) == [
        (9, _utc(2019, 9, 23, 12, 43, 38), "text", "1", "87200175", "骰娘-Roll100"),
        (12, _utc(2019, 9, 23, 12, 43, 38), "system", "[图片]2", None, None),
        (15, _utc(2019, 9, 23, 12, 44, 9), "system", "3\n4", None, None),  # multi-line body
        (19, _utc(2019, 9, 23, 12, 46, 18), "other", None, "28084825", "暗夜"),  # empty body
        (22, _utc(2019, 9, 23, 12, 49, 12), "system", "真核生物独幕剧加入本群。", None, None),
        (25, _utc(2019, 9, 23, 13, 2, 42), "text", ".r test", "28084825", "暗夜"),
        (28, _utc(2019, 9, 23, 15, 26, 0), "text", "4", "36226407", "岁寒"),
        (31, _utc(2019, 9, 23, 23, 54, 29), "text", "5", "106505723", "黄山真君"),
        (34, _utc(2019, 9, 24, 1, 16, 35), "text", "6", "106505723", "黄山真君"),
    ]
    assert rows(db, "select raw_type from messages where kind = 'system' order by source_line") == [
        ("system:10000",), ("system:1000000",), ("system:1000000",)]
    assert _events(db) == [("join", "unknown", "name:湖之仆从（PST 8pm | BJT 11am）:真核生物独幕剧", None)]
    assert rows(db, "select raw_name from membership_events") == [("真核生物独幕剧",)]
    assert rows(db, "select encoding, source_tz from imports") == [("utf-8", "Asia/Shanghai")]


@pytest.mark.slow
@requires_conformance
def test_conformance_12h_email_ids(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    r = ingest_file(EMAIL, db)
    assert r.format == "qq_txt"  # no preamble: the first line is already a message
    assert (r.n_read, r.n_new) == (3, 3)
    assert _msgs(db) == [
        (1, _utc(2020, 3, 3, 16, 12, 29), "text", "1", "852649", "礼"),  # 12:12 AM is just after midnight
        (4, _utc(2020, 3, 3, 16, 12, 39), "text", "2", "100550", "kp"),
        (7, _utc(2020, 3, 3, 16, 13, 41), "text", "3", "indo@qq.com", "围观"),
    ]
    # no 消息对象 block: the chat is named after the file
    assert rows(db, "select name, platform_key, kind from chats") == [
        ("log-painter__qq_export_12h_email", "log-painter__qq_export_12h_email", "group")]
    assert sorted(rows(db, "select platform_key, key_kind from members")) == [
        ("100550", "id"), ("852649", "id"), ("indo@qq.com", "id")]


@pytest.mark.slow
@requires_conformance
def test_conformance_pseudo_header_24h(tmp_path: Path) -> None:
    # the sample is dated 1883: read, then refused as implausible times (docs/formats.md §0) ...
    with pytest.raises(IngestError, match="2 条记录全部无法读取"):
        ingest_file(HISTORY, tmp_path / "refused.duckdb")
    # ... and its pseudo header is read as written once the dates are plausible
    moved = tmp_path / HISTORY.name
    moved.write_text(HISTORY.read_text(encoding="utf-8").replace("1883-", "2023-"), encoding="utf-8")
    db = tmp_path / "c.duckdb"
    r = ingest_file(moved, db)
    assert (r.format, r.n_read, r.n_new) == ("qq_txt", 2, 2)
    local = [(line, ts.replace(tzinfo=None), kind, text, key, name) for line, ts, kind, text, key, name in rows(db, """
        select m.source_line, timezone('Asia/Shanghai', m.ts), m.kind, m.text, s.platform_key, m.sender_name
        from messages m join members s using (member_id) order by 1""")]
    assert local == [(5, dt.datetime(2023, 3, 7, 11, 22, 33), "text", "A", "123123", "A"),
                     (8, dt.datetime(2023, 3, 7, 12, 34, 56), "text", "B", "456456", "B")]
    assert rows(db, "select kind from chats") == [("private",)]


# ---------------------------------------------------------------------------------------------
# own fixtures holding the conformance samples' quirks, so a lone clone still tests them


@pytest.mark.slow
def test_12h_header_block_system_senders_join_and_bodies(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    r = ingest_file(FIX / "qq_12h_group_system.txt", db)
    assert (r.format, r.encoding, r.n_read, r.n_new, r.n_skipped) == ("qq_txt", "utf-8", 9, 9, 0)
    assert rows(db, "select name, kind from chats") == [("桌游夜（周五 9pm | 周日 2pm）", "group")]
    # 12-hour without zero padding, local Asia/Shanghai, past midnight; 系统消息 senders carry no member
    assert _msgs(db) == [
        (9, _utc(2021, 11, 5, 13, 1, 15), "text", "开团", "61000001", "掷骰-D20"),  # `-` in the nick
        (12, _utc(2021, 11, 5, 13, 1, 15), "system", "[图片]规则书", None, None),  # 系统消息(10000)
        (15, _utc(2021, 11, 5, 13, 3, 40), "system", "第一行说明\n第二行说明", None, None),  # multi-line body
        (19, _utc(2021, 11, 5, 13, 5, 2), "other", None, "61000002", "老猫"),  # empty body
        (22, _utc(2021, 11, 5, 13, 7, 30), "system", "小雨点加入本群。", None, None),  # join notice
        (25, _utc(2021, 11, 5, 13, 20), "text", ".r 3d6", "61000002", "老猫"),
        (28, _utc(2021, 11, 5, 14, 45, 9), "text", "先走了", "61000003", "阿青"),
        (31, _utc(2021, 11, 5, 16, 30), "text", "还有人吗", "61000004", "夜枭"),  # 12:30 AM = 00:30
        (34, _utc(2021, 11, 5, 23, 5, 44), "text", "早", "61000004", "夜枭"),  # 7:05:44 AM
    ]
    assert rows(db, "select raw_type from messages where kind = 'system' order by source_line") == [
        ("system:10000",), ("system:1000000",), ("system:1000000",)]
    assert _events(db) == [("join", "unknown", "name:桌游夜（周五 9pm | 周日 2pm）:小雨点", None)]
    assert rows(db, "select raw_name from membership_events") == [("小雨点",)]
    # one member per QQ号, and the joiner known only by name; none for the 系统消息 ids
    assert sorted(rows(db, "select platform_key, display_name from members")) == [
        ("61000001", "掷骰-D20"), ("61000002", "老猫"), ("61000003", "阿青"), ("61000004", "夜枭"),
        ("name:桌游夜（周五 9pm | 周日 2pm）:小雨点", "小雨点")]
    assert rows(db, "select encoding, source_tz from imports") == [("utf-8", "Asia/Shanghai")]


@pytest.mark.slow
def test_headerless_12h_with_email_ids(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    r = ingest_file(FIX / "qq_12h_headerless_email.txt", db)
    assert r.format == "qq_txt"  # no preamble: the first line is already a message
    assert (r.n_read, r.n_new, r.n_skipped) == (3, 3, 0)
    assert _msgs(db) == [
        (1, _utc(2022, 2, 13, 16, 3, 10), "text", "零点过三分", "330001", "月"),  # 12:03 AM = 00:03
        (4, _utc(2022, 2, 13, 16, 4, 55), "text", "还醒着", "330002", "星"),
        (7, _utc(2022, 2, 13, 16, 6), "text", "我也是", "night.owl@example.net", "旁观者"),  # <email>
    ]
    # no 消息对象 block: the chat is named after the file
    assert rows(db, "select name, platform_key, kind from chats") == [
        ("qq_12h_headerless_email", "qq_12h_headerless_email", "group")]
    assert sorted(rows(db, "select platform_key, key_kind from members")) == [
        ("330001", "id"), ("330002", "id"), ("night.owl@example.net", "id")]


@pytest.mark.slow
def test_pseudo_header_24h_before_1900(tmp_path: Path) -> None:
    # dated 1895, like the real sample: refused as implausible times, naming the first line ...
    with pytest.raises(IngestError, match="时间不合理"):
        ingest_file(FIX / "qq_24h_pseudo_header.txt", tmp_path / "refused.duckdb")
    # ... and read as written once the dates are plausible
    moved = tmp_path / "qq_24h_pseudo_header.txt"
    moved.write_text((FIX / moved.name).read_text(encoding="utf-8").replace("1895-", "2025-"), encoding="utf-8")
    db = tmp_path / "p.duckdb"
    r = ingest_file(moved, db)
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("qq_txt", 2, 2, 0)
    local = [(line, ts.replace(tzinfo=None), kind, text, key, name) for line, ts, kind, text, key, name in rows(db, """
        select m.source_line, timezone('Asia/Shanghai', m.ts), m.kind, m.text, s.platform_key, m.sender_name
        from messages m join members s using (member_id) order by 1""")]
    assert local == [(5, dt.datetime(2025, 6, 1, 8, 30), "text", "早安", "700700", "甲"),
                     (8, dt.datetime(2025, 6, 1, 9, 45, 10), "text", "午安", "800800", "乙")]
    # the `===` lines and the note between them are no chat section: named after the file, two people
    assert rows(db, "select name, kind from chats") == [("qq_24h_pseudo_header", "private")]


@pytest.mark.slow
def test_chat_name_override_on_a_headed_export(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    ingest_file(FIX / "qq_12h_group_system.txt", db, chat_name="周五桌游")
    assert rows(db, "select name, platform_key from chats") == [("周五桌游", "周五桌游")]
    assert rows(db, "select count(*) from messages") == [(9,)]


# ---------------------------------------------------------------------------------------------
# TXT quirks

GROUP_MSGS = [
    # title prefix 【群主】 stripped; a body with a blank line inside
    (9, _utc(2023, 5, 1, 1, 5, 7), "text", "大家好，欢迎新朋友\n\n第二段：中间有空行", "10001", "张三"),
    (14, _utc(2023, 5, 1, 1, 6), "system", "李四加入本群。", None, None),
    (17, _utc(2023, 5, 1, 1, 6, 30), "system", "张三邀请钱七加入本群。", None, None),
    (20, _utc(2023, 5, 1, 1, 7), "image", None, "10002", "王五"),
    (23, _utc(2023, 5, 1, 1, 8), "text", "/微笑 谢谢群主", "10003", "李四"),  # faces stay text
    (26, _utc(2023, 5, 1, 1, 8, 30), "sticker", None, "10004", "小明(大号)"),  # the LAST (digits) is the id
    (29, _utc(2023, 5, 1, 1, 9), "voice", None, "10003", "李四"),
    (32, _utc(2023, 5, 1, 1, 9, 30), "video", None, "10004", "小明(大号)"),
    (35, _utc(2023, 5, 1, 1, 10), "file", "群规.pdf", "10001", "张三"),
    (38, _utc(2023, 5, 1, 1, 10, 30), "location", None, "10002", "王五"),
    (41, _utc(2023, 5, 1, 1, 11), "link", None, "guest@example.com", "围观"),  # <email> instead of (QQ号)
    (44, _utc(2023, 5, 1, 1, 11, 30), "link", None, "10003", "李四"),  # [卡片消息]
    (47, _utc(2023, 5, 1, 1, 12), "red_packet", "我发了一个“专享红包”，请使用新版手机QQ查收红包。", "10001", "张三"),
    (50, _utc(2023, 5, 1, 1, 12, 30), "transfer", None, "10002", "王五"),
    (53, _utc(2023, 5, 1, 1, 13), "image", None, "10003", "李四"),  # [闪照]
    (56, _utc(2023, 5, 1, 1, 13, 30), "pat", None, "10004", "小明(大号)"),  # [戳一戳]
    (59, _utc(2023, 5, 1, 1, 14), "other", None, "10004", "小明(大号)"),  # empty body
    (62, _utc(2023, 5, 1, 1, 15), "recall", "王五撤回了一条消息", "10002", None),  # 系统消息(1000000)
    (65, _utc(2023, 5, 1, 1, 16), "system", "张三修改了群名称", None, None),
    (68, _utc(2023, 5, 1, 1, 17), "system", "赵六被管理员移出群聊", None, None),
    (71, _utc(2023, 5, 1, 1, 18), "system", "钱七退出了群聊", None, None),
    (74, _utc(2023, 5, 1, 1, 19), "red_packet", None, "10002", "王五"),
    (77, _utc(2023, 5, 1, 10, 20), "text", "改了群名片\n明天见", "10003", "四哥"),  # same QQ号, new nick
    # a body line that looks like a header starts a message (the reference's rule); nick only, no id
    (80, _utc(2023, 5, 2, 0, 0), "text", "这一行像正文", "name:宝妈交流群:伪造的时间行", "伪造的时间行"),
    # 我的好友 section: a private chat, nick only
    (89, _utc(2023, 5, 3, 12, 0), "text", "在吗", "name:老王:老王", "老王"),
    (92, _utc(2023, 5, 3, 12, 1), "text", "在的", "name:老王:我", "我"),
    # 我的讨论组 section
    (101, _utc(2023, 5, 3, 23, 30), "text", "几点出发？", "name:周末爬山:阿强", "阿强"),
    (104, _utc(2023, 5, 3, 23, 31), "text", "八点", "name:周末爬山:阿珍", "阿珍"),
]


def _check_groups_fixture(db: Path) -> None:
    assert _msgs(db) == GROUP_MSGS
    assert sorted(rows(db, "select name, platform_key, kind from chats")) == [
        ("周末爬山", "周末爬山", "group"), ("宝妈交流群", "宝妈交流群", "group"), ("老王", "老王", "private")]
    assert rows(db, """select c.name, count(*) from messages m join chats c using (chat_id)
                       group by 1 order by 2 desc, 1""") == [("宝妈交流群", 24), ("周末爬山", 2), ("老王", 2)]
    # join by name resolves to the member who spoke under that name; invite has the inviter as actor
    assert _events(db) == [
        ("join", "unknown", "10003", None),
        ("join", "invite", "name:宝妈交流群:钱七", "10001"),
        ("rename", None, "10001", "10001"),
        ("remove", None, "name:宝妈交流群:赵六", None),
        ("leave", None, "name:宝妈交流群:钱七", "name:宝妈交流群:钱七"),
    ]
    assert sorted(rows(db, "select r.role, m.platform_key from roles r join members m using (member_id)")) == [
        ("admin", "10002"), ("owner", "10001")]
    # one member per QQ号 whatever the nick
    assert sorted(rows(db, """select n.name from member_names n join members m using (member_id)
                              where m.platform_key = '10003'""")) == [("四哥",), ("李四",)]
    assert rows(db, "select display_name from members where platform_key = '10003'") == [("四哥",)]
    assert rows(db, "select count(*) from members where platform_key in ('10000', '1000000')") == [(0,)]


@pytest.mark.slow
def test_utf8_bom_crlf_sections_and_quirks(tmp_path: Path) -> None:
    db = tmp_path / "g.duckdb"
    r = ingest_file(FIX / "qq_groups_bom_crlf.txt", db)
    assert (r.format, r.encoding, r.n_read, r.n_new, r.n_skipped) == ("qq_txt", "utf-8 (BOM)", 28, 28, 0)
    _check_groups_fixture(db)
    assert rows(db, "select source_tz from imports") == [("Asia/Shanghai",)]


@pytest.mark.slow
def test_gb18030(tmp_path: Path) -> None:
    db = tmp_path / "g.duckdb"
    r = ingest_file(FIX / "qq_groups_gb18030.txt", db)
    assert (r.format, r.encoding, r.n_read, r.n_new) == ("qq_txt", "gb18030", 28, 28)
    _check_groups_fixture(db)


@pytest.mark.slow
def test_english_12_hour_clock(tmp_path: Path) -> None:
    db = tmp_path / "e.duckdb"
    r = ingest_file(FIX / "qq_12h_english.txt", db)
    assert (r.n_read, r.n_new) == (4, 4)
    assert _msgs(db) == [
        (9, _utc(2019, 9, 22, 16, 5), "text", "just after midnight", "20001", "Alice"),  # 12:05 AM
        (12, _utc(2019, 9, 23, 4, 30), "text", "half past noon", "20002", "Bob"),  # 12:30 PM
        (15, _utc(2019, 9, 23, 5, 2, 3), "text", "afternoon", "20001", "Alice"),  # 【Admin】 stripped
        (18, _utc(2019, 9, 23, 15, 59, 59), "text", "last one", "carol@example.com", "Carol"),
    ]
    assert rows(db, "select name, kind from chats") == [("Night Owls", "group")]
    assert rows(db, "select count(*) from roles") == [(0,)]


@pytest.mark.slow
def test_other_source_tz_and_dst_gap(tmp_path: Path) -> None:
    src = tmp_path / "ny.txt"
    src.write_text("2019-03-10 1:30:00 A(111111)\nbefore\n\n2019-03-10 2:30:00 B(222222)\nin the gap\n\n"
                   "2019-03-10 3:30:00 A(111111)\nafter\n", encoding="utf-8")
    db = tmp_path / "ny.duckdb"
    r = ingest_file(src, db, tz="America/New_York", fmt="qq_txt")
    assert (r.n_read, r.n_new, r.n_skipped) == (3, 3, 0)
    assert [m[1] for m in _msgs(db)] == [_utc(2019, 3, 10, 6, 30), _utc(2019, 3, 10, 7, 30),
                                         _utc(2019, 3, 10, 7, 30)]
    assert rows(db, "select source_tz from imports") == [("America/New_York",)]


@pytest.mark.slow
@requires_conformance
def test_chat_name_override(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    ingest_file(BASIC, db, chat_name="跑团群")
    assert rows(db, "select name, platform_key from chats") == [("跑团群", "跑团群")]
    assert rows(db, "select count(*) from messages") == [(9,)]


@pytest.mark.slow
def test_undecodable_record_is_skipped(tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    r = ingest_file(FIX / "qq_bad_bytes.txt", db)
    assert (r.n_read, r.n_new, r.n_skipped) == (3, 2, 1)
    assert r.skipped_samples == ["第 6 行: 包含无法解码的字节: 2023-06-01 10:01:00 乙"]
    assert [(m[0], m[3], m[4]) for m in _msgs(db)] == [(3, "正常", "50001"), (9, "继续", "50001")]


@pytest.mark.slow
def test_blocks_do_not_change_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Records that straddle the reader's blocks come out exactly as from one block."""

    def parse(path: Path) -> tuple[pl.DataFrame, object]:
        parsed = qq.parse_txt(detect.probe(path), Options(tz="Asia/Shanghai"))
        frame = pl.concat(list(parsed.batches))
        s = parsed.state
        return frame, (s.chats, s.roles, s.n_read, s.n_skipped, [x.line for x in s.skipped])

    for path in (FIX / "qq_groups_bom_crlf.txt", FIX / "qq_groups_gb18030.txt", FIX / "qq_bad_bytes.txt",
                 FIX / "qq_12h_group_system.txt", *[f for f in conformance_files("qq") if f == BASIC]):
        whole, facts = parse(path)
        for size in (1, 13, 90):
            monkeypatch.setattr(qq, "BLOCK_CHARS", size)
            part, part_facts = parse(path)
            assert part.equals(whole) and part_facts == facts, (path.name, size)
        monkeypatch.undo()


# ---------------------------------------------------------------------------------------------
# QQChatExporter JSON


@pytest.mark.slow
def test_qce_v4_group(tmp_path: Path) -> None:
    db = tmp_path / "j.duckdb"
    r = ingest_file(FIX / "qce_v4_group.json", db)
    assert (r.format, r.n_read, r.n_new, r.exporter) == ("qq_qce_json", 8, 8, "群里的我")
    assert _msgs(db) == [
        (1, _utc(2024, 3, 1, 2, 0), "text", "早上好 @乙乙", "30002", "阿甲"),  # sendMemberName first
        (2, _utc(2024, 3, 1, 2, 1), "image", None, "30003", "乙乙"),  # sendNickName without a card
        (3, _utc(2024, 3, 1, 2, 2), "quote", "同意", "30001", "群里的我"),
        (4, _utc(2024, 3, 1, 2, 3), "system", "阿丙加入了群聊", None, None),
        (5, _utc(2024, 3, 1, 2, 4), "recall", "阿甲撤回了一条消息", "30002", "阿甲"),
        (6, _utc(2024, 3, 1, 2, 5), "sticker", None, "30003", "乙乙"),  # emojis only
        (7, _utc(2024, 3, 1, 2, 6), "video", None, "30004", "丁丁"),  # sender.name without rawMessage
        (8, _utc(2024, 3, 1, 2, 7), "system", "阿甲邀请丁丁加入了群聊", None, None),
    ]
    assert rows(db, "select platform_msg_id from messages order by source_line") == [
        (str(i),) for i in range(7001, 7009)]
    assert rows(db, "select q.platform_msg_id, t.platform_msg_id, t.text from messages q "
                    "join messages t on t.msg_id = q.reply_to_msg_id") == [("7003", "7001", "早上好 @乙乙")]
    assert rows(db, "select platform_msg_id from messages where is_self") == [("7003",)]
    assert rows(db, """select m.platform_msg_id, t.platform_key from messages m, unnest(m.mentions) u(x)
                       join members t on t.member_id = u.x""") == [("7001", "30003")]
    assert _events(db) == [("join", "unknown", "name:技术交流群:阿丙", None), ("join", "invite", "30004", "30002")]
    assert rows(db, "select name, kind from chats") == [("技术交流群", "group")]
    assert rows(db, "select exporter_account, exporter_name, source_tz from imports") == [("30001", "群里的我", None)]


@pytest.mark.slow
def test_qce_v5_private(tmp_path: Path) -> None:
    db = tmp_path / "j.duckdb"
    r = ingest_file(FIX / "qce_v5_private.json", db)
    assert (r.format, r.n_read, r.n_new, r.exporter) == ("qq_qce_json", 10, 10, "小我")
    assert _msgs(db) == [
        (1, _utc(2024, 5, 1, 7, 0), "text", "在吗", "40001", "小我"),
        (2, _utc(2024, 5, 1, 7, 1), "video", None, "40002", "小你"),  # nickname before a remark-named name
        (3, _utc(2024, 5, 1, 7, 2), "quote", "收到", "40002", "小你"),  # reply element
        (4, _utc(2024, 5, 1, 7, 3), "file", "报告.pdf", "40001", "小我"),
        (5, _utc(2024, 5, 1, 7, 4), "sticker", None, "40002", "小你"),  # image with subType sticker
        (6, _utc(2024, 5, 1, 7, 5), "voice", None, "40002", "小你"),
        (7, _utc(2024, 5, 1, 7, 6), "link", "[合并转发: 聊天记录]", "40001", "小我"),  # forward
        (8, _utc(2024, 5, 1, 7, 7), "recall", "小你撤回了一条消息", "40002", "小你"),  # recalled: true
        (9, _utc(2024, 5, 1, 7, 8), "recall", "你撤回了一条消息", "40001", None),  # 你 = the exporter
        (10, _utc(2024, 5, 1, 7, 10), "text", "晚上见 /微笑", "40002", "小你"),  # ISO-string timestamp
    ]
    assert rows(db, "select q.platform_msg_id, t.platform_msg_id from messages q "
                    "join messages t on t.msg_id = q.reply_to_msg_id") == [("9003", "9001")]
    assert rows(db, "select platform_msg_id from messages where is_self order by 1") == [
        ("9001",), ("9004",), ("9007",)]
    assert rows(db, "select name, kind from chats") == [("老同学", "private")]
    assert sorted(rows(db, "select platform_key, display_name from members")) == [("40001", "小我"), ("40002", "小你")]


@pytest.mark.slow
def test_qce_reexport_adds_nothing(tmp_path: Path) -> None:
    """A later export of the same chat (different bytes, same message ids) adds no message."""
    db = tmp_path / "r.duckdb"
    src = FIX / "qce_v5_private.json"
    ingest_file(src, db)
    again = tmp_path / "again.json"
    again.write_text(src.read_text(encoding="utf-8").replace('"version": "5.1.3"', '"version": "5.1.4"'),
                     encoding="utf-8")
    r = ingest_file(again, db)
    assert (r.status, r.n_new, r.n_duplicate) == ("imported", 0, 10)
    assert rows(db, "select count(*) from messages") == [(10,)]


# ---------------------------------------------------------------------------------------------
# detection, bad input, idempotency

OWN = [(FIX / "qq_groups_bom_crlf.txt", "qq_txt"), (FIX / "qq_groups_gb18030.txt", "qq_txt"),
       (FIX / "qq_12h_english.txt", "qq_txt"), (FIX / "qq_bad_bytes.txt", "qq_txt"),
       (FIX / "qce_v4_group.json", "qq_qce_json"), (FIX / "qce_v5_private.json", "qq_qce_json"),
       (FIX / "qq_12h_group_system.txt", "qq_txt"), (FIX / "qq_12h_headerless_email.txt", "qq_txt"),
       (FIX / "qq_24h_pseudo_header.txt", "qq_txt"),
       *[(f, "qq_txt") for f in conformance_files("qq") if f in (BASIC, HISTORY)]]


@pytest.mark.parametrize(("path", "name"), OWN, ids=[p.name for p, _ in OWN])
def test_detected_as_own_format(path: Path, name: str) -> None:
    probe = detect.probe(path)
    assert detect.detect(probe).name == name
    assert [f.name for f in detect.FORMATS if f.platform == "qq" and f.matches(probe)] == [name]


@requires_conformance
def test_headerless_qq_file_detected_as_qq() -> None:
    assert detect.detect(detect.probe(EMAIL)).name == "qq_txt"


def test_qq_matchers_reject_other_fixtures() -> None:
    others = [f for f in sorted((TESTS / "fixtures").rglob("*")) if f.is_file() and "qq" not in f.parts
              and f.suffix in (".txt", ".csv", ".json", ".jsonl")]
    assert others
    for f in others:
        try:
            probe = detect.probe(f)
        except IngestError:
            continue
        assert not any(fmt.matches(probe) for fmt in qq.FORMATS), f


@pytest.mark.slow
def test_txt_with_foreign_first_line_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    ingest_file(FIX / "qq_12h_english.txt", db)
    before = db_digest(db)
    bad = tmp_path / "bad.txt"
    bad.write_text("这不是聊天记录\n2020-01-01 10:00:00 A(123456)\nhi\n", encoding="utf-8")
    with pytest.raises(IngestError) as e:
        ingest_file(bad, db, fmt="qq_txt")
    assert (Path(e.value.file).name, e.value.line) == ("bad.txt", 1)
    assert db_digest(db) == before


def test_txt_without_messages_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    empty = tmp_path / "empty.txt"
    empty.write_text("消息记录（此消息记录为文本格式，不支持重新导入）\n\n" + "=" * 64 + "\n消息分组:我的群聊\n" + "=" * 64
                     + "\n消息对象:空群\n" + "=" * 64 + "\n\n", encoding="utf-8")
    with pytest.raises(IngestError) as e:
        ingest_file(empty, db)
    assert "没有找到任何消息" in e.value.problem
    assert not db.exists() or rows(db, "select count(*) from messages") == [(0,)]


@pytest.mark.slow
def test_truncated_json_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    ingest_file(FIX / "qce_v4_group.json", db)
    before = db_digest(db)
    text = (FIX / "qce_v5_private.json").read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"id": "9004"')], encoding="utf-8")
    with pytest.raises(IngestError) as e:
        ingest_file(cut, db)
    assert Path(e.value.file).name == "cut.json" and e.value.line is not None and e.value.line > 1
    assert db_digest(db) == before


def test_json_without_chat_info_or_messages_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"metadata": {"name": "QQChatExporter V5"}, "chatInfo": {"name": "群"}, '
                        '"statistics": {}, "chunked": {"format": "jsonl", "chunks": []}}', encoding="utf-8")
    with pytest.raises(IngestError, match="分块"):
        ingest_file(manifest, db)
    odd = tmp_path / "odd.json"
    odd.write_text('{"metadata": {"name": "QQChatExporter V5"}, "chatInfo": 5, "statistics": {}, "messages": []}',
                   encoding="utf-8")
    with pytest.raises(IngestError, match="chatInfo"):
        ingest_file(odd, db)


@pytest.mark.slow
def test_json_odd_messages_are_skipped(tmp_path: Path) -> None:
    src = tmp_path / "odd.json"
    src.write_text('{"metadata": {"name": "QQChatExporter V5"}, "chatInfo": {"name": "群", "type": "group"}, '
                   '"statistics": {}, "messages": [5, {"id": "1", "timestamp": "not a time"}, '
                   '{"id": "2", "timestamp": 1714546800000, "sender": {"uin": 123456, "name": "甲"}, '
                   '"content": {"text": "hi"}}]}', encoding="utf-8")
    db = tmp_path / "odd.duckdb"
    r = ingest_file(src, db)
    assert (r.n_read, r.n_new, r.n_skipped) == (3, 1, 2)
    assert _msgs(db) == [(3, _utc(2024, 5, 1, 7, 0), "text", "hi", "123456", "甲")]


@pytest.mark.slow
@pytest.mark.parametrize("path", [FIX / "qq_groups_bom_crlf.txt", FIX / "qce_v4_group.json"],
                         ids=["txt", "json"])
def test_same_file_twice_adds_nothing(tmp_path: Path, path: Path) -> None:
    db = tmp_path / "i.duckdb"
    first = ingest_file(path, db)
    tables = ["messages", "members", "member_names", "membership_events", "roles", "chats"]
    before = {t: rows(db, f"select count(*) from {t}") for t in tables}
    second = ingest_file(path, db)
    assert (first.status, second.status) == ("imported", "already imported")
    assert {t: rows(db, f"select count(*) from {t}") for t in tables} == before


@pytest.mark.slow
def test_overlapping_txt_export_adds_only_new_messages(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    ingest_file(FIX / "qq_12h_english.txt", db)
    longer = tmp_path / "longer.txt"
    shutil.copy(FIX / "qq_12h_english.txt", longer)
    with open(longer, "a", encoding="utf-8") as fh:
        fh.write("\n2019-09-24 8:00:00 AM Bob(20002)\ngood morning\n")
    r = ingest_file(longer, db)
    assert (r.n_new, r.n_duplicate) == (1, 4)
    assert rows(db, "select count(*) from messages") == [(5,)]
