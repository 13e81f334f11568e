"""ChatLab JSON and JSONL (the interchange format WeFlow, CipherTalk and ChatLab's merge tool write):
each hand-written fixture gives exactly the chats, members, roles, kinds, events and reply links its
records were written to hold. The format's facts are in dashboard/core/ingest/chatlab.py."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import TESTS, conformance_files, db_digest, examples, rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.ingest import detect
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.pipeline import ingest_file

CHATLAB = TESTS / "fixtures" / "chatlab"
GROUP = CHATLAB / "宝妈交流群.json"
QQ_JSONL = CHATLAB / "摄影爱好者.jsonl"
PRIVATE = CHATLAB / "与小明的对话.json"


def _utc(*a: int) -> dt.datetime:
    """A UTC wall time, as `ts at time zone 'UTC'` returns it."""
    return dt.datetime(*a)


def _kinds(db: Path) -> dict[str, int]:
    return dict(rows(db, "select kind, count(*) from messages group by 1"))


def _timeline(db: Path) -> list[tuple]:
    return rows(db, """
        select m.ts at time zone 'UTC', m.kind, m.text, s.platform_key, m.is_self, m.platform_msg_id, m.raw_type
        from messages m left join members s using (member_id) order by m.ts, m.source_line""")


def _ingest(tmp_path: Path, path: Path, **kw) -> tuple[Path, object]:
    db = tmp_path / "c.duckdb"
    return db, ingest_file(path, db, **kw)


# ---------------------------------------------------------------------------------------------
# detection


@pytest.mark.parametrize(("path", "name"), [(GROUP, "chatlab_json"), (PRIVATE, "chatlab_json"),
                                            (QQ_JSONL, "chatlab_jsonl")])
def test_each_fixture_is_detected_as_its_format(path: Path, name: str) -> None:
    assert detect.detect(detect.probe(path)).name == name


def _other_exports() -> list[Path]:
    files = [f for f in sorted((TESTS / "fixtures").rglob("*")) if f.is_file() and "chatlab" not in f.parts
             and f.suffix in (".csv", ".txt", ".json", ".jsonl")]
    files += conformance_files(suffixes=(".txt", ".json", ".csv"))
    return files


def test_no_other_export_is_taken_for_chatlab() -> None:
    chatlab_formats = [f for f in detect.FORMATS if f.name.startswith("chatlab")]
    checked = 0
    for f in _other_exports():
        try:
            p = detect.probe(f)
        except IngestError:
            continue
        checked += 1
        assert not any(fmt.matches(p) for fmt in chatlab_formats), f.name
    assert checked > 5


def test_a_chatlab_key_inside_a_message_text_is_not_a_chatlab_file(tmp_path: Path) -> None:
    p = tmp_path / "other.json"
    p.write_text(json.dumps({"messages": [{"text": '{"chatlab": {"version": "0.0.2"}}'}]}), encoding="utf-8")
    assert not any(f.matches(detect.probe(p)) for f in detect.FORMATS if f.name.startswith("chatlab"))


# ---------------------------------------------------------------------------------------------
# JSON, a WeChat group (as WeFlow writes it)


@pytest.mark.slow
def test_wechat_group_json(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, GROUP)
    # 23 messages; one has a timestamp that is not a number ("昨天") and is skipped and sampled
    assert (r.format, r.encoding, r.n_read, r.n_new, r.n_skipped) == ("chatlab_json", "utf-8", 23, 22, 1)
    assert r.skipped_samples == ["第 22 行: 时间无法识别: '昨天'"]
    assert r.exporter == "小雨点店长"  # meta.ownerId → its member's group nickname
    assert rows(db, "select platform, platform_key, name, kind from chats") == [
        ("wechat", "5566@chatroom", "宝妈交流群", "group")]
    assert rows(db, "select format, source_tz from imports") == [("chatlab_json", None)]
    # every ChatLab type number → our kind (there is one message of each type)
    assert _kinds(db) == {"text": 2, "image": 1, "voice": 1, "video": 1, "file": 1, "sticker": 1, "link": 3,
                          "location": 1, "red_packet": 1, "transfer": 1, "pat": 1, "call": 1, "quote": 2,
                          "other": 2, "system": 2, "recall": 1}
    assert rows(db, "select platform, platform_key, key_kind, display_name from members order by 2") == [
        ("wechat", "wxid_li", "id", "李妈妈"), ("wechat", "wxid_owner", "id", "小雨点店长"),
        ("wechat", "wxid_wang", "id", "王妈妈"), ("wechat", "wxid_zhao", "id", "赵妈妈")]
    # members[].roles: owner and admin are kept, the custom "vip" role is not a role we track
    assert rows(db, """select r.role, m.platform_key from roles r join members m using (member_id)
                       order by 1, 2""") == [("admin", "wxid_li"), ("owner", "wxid_owner")]
    t = _timeline(db)
    assert [(x[1], x[6]) for x in t] == [
        ("text", "chatlab:0"), ("image", "chatlab:1"), ("voice", "chatlab:2"), ("video", "chatlab:3"),
        ("file", "chatlab:4"), ("sticker", "chatlab:5"), ("link", "chatlab:7"), ("location", "chatlab:8"),
        ("red_packet", "chatlab:20"), ("transfer", "chatlab:21"), ("pat", "chatlab:22"), ("call", "chatlab:23"),
        ("link", "chatlab:24"), ("quote", "chatlab:25"), ("link", "chatlab:26"), ("other", "chatlab:27"),
        ("system", "chatlab:80"), ("recall", "chatlab:81"), ("other", "chatlab:99"), ("quote", "chatlab:0"),
        ("text", "chatlab:0"), ("system", "chatlab:80")]
    assert t[0] == (_utc(2024, 5, 1, 2, 0), "text", "大家好，欢迎来到宝妈交流群", "wxid_owner", True, "1001",
                    "chatlab:0")
    # placeholders that open media and link contents are dropped; other keeps its tag
    assert [x[2] for x in t[1:16]] == [None, None, None, "五月活动安排.pdf", None, "宝宝辅食怎么做", "幸福路12号",
                                       "恭喜发财，大吉大利", "88.00元", '"王妈妈" 拍了拍 "李妈妈"', "通话时长 01:23",
                                       "团购接龙", "好的，收到", "群聊的聊天记录", "[名片] 张医生"]
    # a millisecond timestamp is told by its magnitude
    assert t[20][:4] == (_utc(2024, 5, 1, 3, 0), "text", "毫秒时间戳", "wxid_li")
    # system rows have no sender; the recall belongs to whoever recalled
    assert [(x[1], x[3], x[5]) for x in t if x[1] in ("system", "recall")] == [
        ("system", None, None), ("recall", "wxid_wang", "1018"), ("system", None, None)]
    # is_self: exactly the exporter's messages (meta.ownerId)
    assert {x[3] for x in t if x[4]} == {"wxid_owner"}
    assert sum(1 for x in t if x[4]) == 5


@pytest.mark.slow
def test_wechat_group_json_events_replies_and_pats(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, GROUP)
    # the type-80 text is WeChat wording: the grammar reads it, names resolve to the members' wxids
    assert rows(db, """select e.kind, e.method, s.platform_key, a.platform_key, e.ts at time zone 'UTC'
                       from membership_events e
                       left join members s on s.member_id = e.member_id
                       left join members a on a.member_id = e.actor_member_id""") == [
        ("join", "invite", "wxid_zhao", "wxid_owner", _utc(2024, 5, 1, 2, 16))]
    # REPLY (25) and a text (0) with replyToMessageId both link to the message they answer
    assert rows(db, """select q.platform_msg_id, t.platform_msg_id, t.text from messages q
                       join messages t on t.msg_id = q.reply_to_msg_id order by q.ts""") == [
        ("1014", "1001", "大家好，欢迎来到宝妈交流群"), ("1020", "1005", "五月活动安排.pdf")]
    # the poke names its target: "王妈妈" patted "李妈妈"
    assert rows(db, """select s.platform_key, t.platform_key from messages m join members s using (member_id),
                       unnest(m.mentions) u(x) join members t on t.member_id = u.x where m.kind = 'pat'""") == [
        ("wxid_wang", "wxid_li")]
    assert rows(db, """select p.title, s.platform_key from red_packets p
                       join members s on s.member_id = p.sender_member_id""") == [("恭喜发财，大吉大利", "wxid_owner")]


@pytest.mark.slow
def test_private_chat_of_an_unknown_platform(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, PRIVATE)
    assert (r.n_read, r.n_new, r.n_skipped, r.exporter) == (3, 3, 0, None)
    # "line" is not a platform we key: members stay ChatLab's; no groupId: the file names the chat
    assert rows(db, "select platform, platform_key, name, kind from chats") == [
        ("chatlab", "与小明的对话", "与小明的对话", "private")]
    assert _timeline(db) == [
        (_utc(2023, 12, 19, 16, 0), "text", "在吗？", "u1", False, None, "chatlab:0"),
        (_utc(2023, 12, 19, 16, 1), "text", "在", "u2", False, None, "chatlab:0"),
        (_utc(2023, 12, 19, 16, 2), "sticker", None, "u2", False, None, "chatlab:5")]


@pytest.mark.slow
def test_chat_name_option_overrides_key_and_name(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, GROUP, chat_name="宝妈群")
    assert rows(db, "select platform_key, name from chats") == [("宝妈群", "宝妈群")]


@pytest.mark.slow
def test_meta_and_members_after_the_messages_are_still_read(tmp_path: Path) -> None:
    doc = json.loads(GROUP.read_text(encoding="utf-8"))
    reordered = {"messages": doc["messages"], "members": doc["members"], "meta": doc["meta"],
                 "chatlab": doc["chatlab"]}
    # the detector finds "chatlab": { anywhere in the file's head
    text = json.dumps(reordered, ensure_ascii=False)
    p = tmp_path / "late.json"
    p.write_text(text, encoding="utf-8")
    assert detect.detect(detect.probe(p)).name == "chatlab_json"
    db, r = _ingest(tmp_path, p)
    assert (r.n_new, r.exporter) == (22, "小雨点店长")
    assert rows(db, "select platform, platform_key from chats") == [("wechat", "5566@chatroom")]
    assert rows(db, "select count(*) from roles") == [(2,)]


@pytest.mark.slow
def test_weixin_is_wechat_and_a_merge_is_chatlab(tmp_path: Path) -> None:
    doc = json.loads(PRIVATE.read_text(encoding="utf-8"))
    for platform, expected in [("weixin", "wechat"), ("QQ", "qq"), ("mixed", "chatlab"), (None, "chatlab")]:
        doc["meta"]["platform"] = platform
        p = tmp_path / f"{platform}.json"
        p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        db = tmp_path / f"{platform}.duckdb"
        ingest_file(p, db)
        assert rows(db, "select platform from chats") == [(expected,)], platform


# ---------------------------------------------------------------------------------------------
# JSONL, a QQ group


@pytest.mark.slow
def test_qq_group_jsonl(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, QQ_JSONL)
    # 7 message lines read; a comment line is ignored; a line that is not JSON and a line of an
    # unknown _type are skipped and counted, the rest of the file is read
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("chatlab_jsonl", 9, 7, 2)
    assert r.skipped_samples == ["第 9 行: 不是合法的 JSON: this line is not json",
                                 '第 15 行: 未知的行类型（_type 应为 header / member / message）: '
                                 '{"_type":"stats","messageCount":7}']
    assert rows(db, "select platform, platform_key, name, kind from chats") == [
        ("qq", "摄影爱好者", "摄影爱好者", "group")]
    assert rows(db, "select platform_key, display_name from members order by 1") == [
        ("10001", "群主老张"), ("10002", "小李"), ("10003", "阿王"), ("10004", "新人")]
    assert rows(db, """select r.role, m.platform_key from roles r join members m using (member_id)
                       order by 1""") == [("admin", "10002"), ("owner", "10001")]
    assert _timeline(db) == [
        (_utc(2024, 6, 1, 0, 0), "text", "周末去拍日出吗", "10001", False, "q1", "chatlab:0"),
        (_utc(2024, 6, 1, 0, 1), "quote", "去！", "10002", False, "q2", "chatlab:25"),
        (_utc(2024, 6, 1, 0, 2), "image", None, "10003", False, "q3", "chatlab:1"),
        (_utc(2024, 6, 1, 0, 3), "recall", "阿王撤回了一条消息", "10003", False, "q4", "chatlab:81"),
        # QQ wording states no event our grammar knows: a plain system row
        (_utc(2024, 6, 1, 0, 4), "system", "小李 邀请 阿王 加入了本群", None, False, None, "chatlab:80"),
        (_utc(2024, 6, 1, 0, 5), "pat", "老张 戳了戳 小李", "10001", False, "q6", "chatlab:22"),  # ms timestamp
        (_utc(2024, 6, 1, 0, 6), "red_packet", "新人报到", "10004", False, "q7", "chatlab:20")]
    assert rows(db, "select count(*) from membership_events") == [(0,)]
    assert rows(db, """select q.text, t.text from messages q join messages t on t.msg_id = q.reply_to_msg_id""") == [
        ("去！", "周末去拍日出吗")]
    assert rows(db, "select source_line from messages order by ts") == [(6,), (7,), (8,), (10,), (11,), (12,), (14,)]


@pytest.mark.slow
def test_jsonl_exporter_from_owner_id(tmp_path: Path) -> None:
    lines = QQ_JSONL.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[1])
    header["meta"]["ownerId"] = "10002"
    lines[1] = json.dumps(header, ensure_ascii=False)
    p = tmp_path / "owned.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db, r = _ingest(tmp_path, p)
    assert r.exporter == "小李"
    assert rows(db, "select platform_msg_id from messages where is_self") == [("q2",)]


# ---------------------------------------------------------------------------------------------
# bad input and re-import



@pytest.fixture
def loaded_db(tmp_path: Path) -> Path:
    db = tmp_path / "base.duckdb"
    ingest_file(PRIVATE, db)
    return db


def _bad_cases() -> dict[str, tuple[str, str, str, int | None]]:
    group = GROUP.read_text(encoding="utf-8")
    jsonl = QQ_JSONL.read_text(encoding="utf-8")
    return {
        # name: (file name, content, what the error says, line)
        "cut_json": ("cut.json", group[: group.index('"platformMessageId": "1010"')], "JSON 格式错误", None),
        "no_messages": ("none.json", '{"chatlab": {"version": "0.0.2"}, "meta": {"name": "x"}}', "缺少 messages", None),
        "messages_not_a_list": ("arr.json", '{"chatlab": {"version": "0.0.2"}, "messages": 5}', "没有找到任何消息", None),
        "empty_messages": ("empty.json", '{"chatlab": {"version": "0.0.2"}, "meta": {}, "messages": []}',
                           "没有找到任何消息", None),
        "jsonl_only_header": ("h.jsonl", jsonl.splitlines()[1] + "\n", "没有找到任何消息", None),
        "jsonl_all_bad": ("b.jsonl", jsonl.splitlines()[1] + "\nnot json\n{\"_type\": \"x\"}\n", "全部无法读取", 2),
    }


@pytest.mark.slow
@pytest.mark.parametrize("case", list(_bad_cases()))
def test_bad_file_is_one_clear_error_and_leaves_the_db_unchanged(loaded_db: Path, tmp_path: Path,
                                                                 case: str) -> None:
    name, content, says, line = _bad_cases()[case]
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    before = db_digest(loaded_db)
    with pytest.raises(IngestError) as info:
        ingest_file(p, loaded_db)
    assert name in str(info.value) and says in str(info.value)
    if line is not None:
        assert info.value.line == line
    assert db_digest(loaded_db) == before


def test_forced_format_on_another_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as info:
        ingest_file(PRIVATE, tmp_path / "f.duckdb", fmt="chatlab_jsonl")
    assert "ChatLab JSONL" in str(info.value)


@pytest.mark.slow
def test_reimport_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    first = ingest_file(GROUP, db)
    counts = rows(db, "select (select count(*) from messages), (select count(*) from members),"
                      " (select count(*) from membership_events), (select count(*) from roles)")
    second = ingest_file(GROUP, db)
    assert (first.status, second.status) == ("imported", "already imported")
    # the same messages in another file (JSONL of the same export) are recognised by their ids
    doc = json.loads(GROUP.read_text(encoding="utf-8"))
    p = tmp_path / "宝妈交流群.jsonl"
    with open(p, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"_type": "header", "chatlab": doc["chatlab"], "meta": doc["meta"]}, ensure_ascii=False))
        for m in doc["members"]:
            fh.write("\n" + json.dumps({"_type": "member", **m}, ensure_ascii=False))
        for m in doc["messages"]:
            fh.write("\n" + json.dumps({"_type": "message", **m}, ensure_ascii=False))
    third = ingest_file(p, db)
    assert (third.format, third.n_new, third.n_duplicate) == ("chatlab_jsonl", 0, 22)
    assert rows(db, "select (select count(*) from messages), (select count(*) from members),"
                    " (select count(*) from membership_events), (select count(*) from roles)") == counts


# ---------------------------------------------------------------------------------------------
# odd values never escape as anything but the import error


ODD = [None, True, -5, 0, 1e300, "", "abc", "17", [], {}, {"a": 1}, "\ud800", 3.5, "2024-05-01T10:00:00+08:00"]
FIELDS = ["sender", "accountName", "groupNickname", "timestamp", "type", "content", "platformMessageId",
          "replyToMessageId", "_type"]


@pytest.mark.slow
@settings(max_examples=examples(20), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(jsonl=st.booleans(), edits=st.lists(st.tuples(st.integers(0, 30), st.sampled_from(FIELDS),
                                                      st.sampled_from(ODD)), min_size=1, max_size=6),
       meta=st.sampled_from([None, {}, [], "x", {"platform": 5, "type": [], "groupId": {}, "ownerId": 1.5}]),
       members=st.sampled_from([None, [], [1, "x", None], [{"platformId": {}, "roles": "owner"}],
                                [{"platformId": "a", "roles": [1, None, {"id": []}, {"id": "admin"}]}]]))
def test_odd_values_import_or_raise_the_import_error(tmp_path: Path, jsonl: bool, edits: list, meta: object,
                                                     members: object) -> None:
    doc = json.loads(GROUP.read_text(encoding="utf-8"))
    msgs = doc["messages"]
    for i, field, value in edits:
        msgs[i % len(msgs)][field] = value
    doc["meta"] = meta
    doc["members"] = members
    work = tmp_path / f"w{abs(hash((jsonl, repr(edits), repr(meta), repr(members))))}"
    work.mkdir()
    if jsonl:
        p = work / "x.jsonl"
        out = [json.dumps({"_type": "header", "chatlab": doc["chatlab"], "meta": meta})]
        out += [json.dumps({"_type": "member", **m}) if isinstance(m, dict) else json.dumps(m)
                for m in (members or [])]
        out += [json.dumps({"_type": "message", **m}) for m in msgs]
        p.write_text("\n".join(out), encoding="utf-8")
    else:
        p = work / "x.json"
        p.write_text(json.dumps(doc), encoding="utf-8")
    db = work / "db.duckdb"
    try:
        ingest_file(p, db)
    except IngestError as e:
        assert str(e)
    shutil.rmtree(work)
