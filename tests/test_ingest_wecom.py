"""WeCom 会话内容存档 (decrypted archive JSON, docs/formats.md §2): each hand-written fixture gives
exactly the chats, senders, kinds, instants and events its records were written to hold.

Fixtures, one per shape or quirk:
- archive.jsonl: JSON Lines with every msgtype, a recall, a `switch` log, a line that is not JSON, a
  bad msgtime, a robot (`wb…`) and external customers (`wm…`), and a 1:1 chat (empty roomid);
- relay_array.json: a JSON array from a relay: stringified msgtime, null unused payloads, payloads and
  `content` strings that are JSON, a missing msgtype, `tolist` as a JSON string, roomid null;
- api_envelope.json: the API's {"errcode":0,"chatdata":[…]} with decrypted fields inline, a decrypted
  message as a JSON string, and one item still encrypted;
- relay_envelope.json: a relay's own envelope {"code":0,"data":{"list":[…]}} on one line.
There are no real WeCom samples among the shared conformance exports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import TESTS, conformance_files, db_digest, examples, rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.ingest import detect, wecom
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import Options
from dashboard.core.ingest.pipeline import ingest_file

WECOM = TESTS / "fixtures" / "wecom"
ARCHIVE = WECOM / "archive.jsonl"
RELAY_ARRAY = WECOM / "relay_array.json"
API_ENVELOPE = WECOM / "api_envelope.json"
RELAY_ENVELOPE = WECOM / "relay_envelope.json"
FIXTURES = [ARCHIVE, RELAY_ARRAY, API_ENVELOPE, RELAY_ENVELOPE]
UTC = dt.UTC


def _utc(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=UTC)


def _ingest(tmp_path: Path, path: Path, **kw) -> tuple[Path, object]:
    db = tmp_path / "w.duckdb"
    return db, ingest_file(path, db, **kw)


def _timeline(db: Path) -> list[tuple]:
    return rows(db, """
        select m.platform_msg_id, m.ts, m.kind, m.text, s.platform_key, m.raw_type
        from messages m left join members s using (member_id) order by m.ts, m.source_line""")



# ---------------------------------------------------------------------------------------------
# detection


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_each_fixture_is_detected_as_wecom(path: Path) -> None:
    assert detect.detect(detect.probe(path)).name == "wecom_json"


def _other_exports() -> list[Path]:
    files = [f for f in sorted((TESTS / "fixtures").rglob("*")) if f.is_file() and "wecom" not in f.parts]
    return files + conformance_files()


@pytest.mark.parametrize("path", _other_exports(), ids=lambda p: p.name)
def test_no_other_export_is_taken_for_wecom(path: Path) -> None:
    try:
        p = detect.probe(path)
    except IngestError:
        return
    assert not wecom.matches(p)


# ---------------------------------------------------------------------------------------------
# JSON Lines: every msgtype


@pytest.mark.slow
def test_archive_jsonl_every_msgtype(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, ARCHIVE)
    # 33 lines: 30 messages, 1 switch log (read, not a message), 1 line that is not JSON, 1 bad msgtime
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("wecom_json", 33, 30, 2)
    assert r.skipped_samples[0].startswith("第 29 行: 这一行不是 JSON: this line is not JSON")
    assert r.skipped_samples[1].startswith("第 30 行: 时间无法识别")
    assert sorted(rows(db, "select platform_key, name, kind from chats")) == [
        ("wmCustomer2|zhangsan", "wmCustomer2 与 zhangsan", "private"), ("wrGroupA", "wrGroupA", "group")]
    assert rows(db, "select format, source_tz from imports") == [("wecom_json", None)]
    t = 1709254800  # 2024-03-01 01:00:00 UTC; one message a minute
    expected = [
        ("g01", "text", "大家好，本周活动安排如下", "zhangsan", "text"),
        ("g02", "text", "**日报** 已生成", "wbRobot1", "markdown"),
        ("g03", "image", None, "lisi", "image"),
        ("g04", "voice", None, "wmCustomer1", "voice"),
        ("g05", "video", None, "lisi", "video"),
        ("g06", "sticker", None, "wmCustomer1", "emotion"),
        ("g07", "file", "活动方案.pdf", "zhangsan", "file"),
        ("g08", "other", "群析科技", "lisi", "card"),
        ("g09", "location", "会议室A", "zhangsan", "location"),
        ("g10", "link", "报名链接", "lisi", "link"),
        ("g11", "link", "打卡小程序", "wmCustomer1", "weapp"),
        ("g12", "link", "群聊的聊天记录", "zhangsan", "chatrecord"),
        ("g13", "other", "周五前提交", "zhangsan", "todo"),
        ("g14", "other", "聚餐时间", "zhangsan", "vote"),
        ("g15", "solitaire", "#接龙 周末活动报名\n\n表项: 姓名\n表项: 人数", "zhangsan", "collect"),
        ("g16", "red_packet", "恭喜发财，大吉大利", "lisi", "redpacket"),
        ("g17", "red_packet", "新年快乐", "wmCustomer1", "external_redpacket"),
        ("g18", "other", "周会", "zhangsan", "meeting"),
        ("g19", "link", "会议纪要", "lisi", "doc"),
        ("g20", "link", "行业快讯", "wbRobot1", "news"),
        ("g21", "other", "季度复盘", "zhangsan", "calendar"),
        ("g22", "text", "看这张图\n和这张", "lisi", "mixed"),
        ("g23", "call", None, "zhangsan", "meeting_voice_call"),
        ("g24", "file", "演示.pptx", "lisi", "voip_doc_share"),
        ("g25", "link", "新品发布", "wmCustomer1", "sphfeed"),
        ("g26", "system", "wmCustomer1 不同意存档会话内容", None, "disagree"),  # a notice: no sender, no event
        ("g27", "recall", "lisi 撤回了一条消息", "lisi", "revoke"),  # the recall event re-kinds it, actor = from
    ]
    group = [(mid, _utc(2024, 3, 1, 1, i), kind, text, who, raw)
             for i, (mid, kind, text, who, raw) in enumerate(expected)]
    private = [("p01", _utc(2024, 3, 1, 2, 0), "text", "您好，请问需要什么帮助？", "zhangsan", "text"),
               ("p02", _utc(2024, 3, 1, 2, 1), "text", "想咨询一下价格", "wmCustomer2", "text"),
               ("p03", _utc(2024, 3, 1, 2, 2), "system", "wmCustomer2 同意存档会话内容", None, "agree")]
    assert _timeline(db) == group + private
    assert dt.datetime.fromtimestamp(t, UTC) == group[0][1]
    # both directions of the 1:1 chat land in one chat
    assert rows(db, """select c.platform_key, count(*) from messages join chats c using (chat_id)
                       group by 1 order by 1""") == [("wmCustomer2|zhangsan", 3), ("wrGroupA", 27)]
    assert rows(db, "select count(*) from messages where platform_msg_id = 'sw1'") == [(0,)]
    # the robot is a bot; external customers are ordinary keyed members
    assert rows(db, """select c.platform_key, m.platform_key, r.role from roles r join members m using (member_id)
                       join chats c using (chat_id)""") == [("wrGroupA", "wbRobot1", "bot")]
    assert sorted(rows(db, "select platform_key, key_kind from members")) == [
        ("lisi", "id"), ("wbRobot1", "id"), ("wmCustomer1", "id"), ("wmCustomer2", "id"), ("zhangsan", "id")]
    assert rows(db, "select title from red_packets order by ts") == [("恭喜发财，大吉大利",), ("新年快乐",)]
    # a 填表 form is a 接龙 list with its title; its questions are not sign-ups
    assert rows(db, "select title, n_versions from solitaires") == [("周末活动报名", 1)]
    assert rows(db, "select count(*) from solitaire_entries") == [(0,)]
    assert rows(db, "select count(*) from membership_events") == [(0,)]  # joins are not in the archive


@pytest.mark.slow
def test_re_import_adds_nothing(tmp_path: Path) -> None:
    db, first = _ingest(tmp_path, ARCHIVE)
    before = rows(db, "select count(*), count(distinct msg_id) from messages")
    second = ingest_file(ARCHIVE, db)
    assert (first.status, second.status) == ("imported", "already imported")
    # another file (one blank line more) with the same msgids: nothing new either
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(ARCHIVE.read_bytes() + b"\n")
    third = ingest_file(copy, db)
    assert (third.n_new, third.n_duplicate) == (0, 30)
    assert rows(db, "select count(*), count(distinct msg_id) from messages") == before == [(30, 30)]


@pytest.mark.slow
def test_chat_name_overrides_the_chat(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, RELAY_ENVELOPE, chat_name="客户服务群")
    assert rows(db, "select platform_key, name, kind from chats") == [("客户服务群", "客户服务群", "group")]


# ---------------------------------------------------------------------------------------------
# relay quirks and envelopes


@pytest.mark.slow
def test_relay_array_quirks(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, RELAY_ARRAY)
    assert (r.n_read, r.n_new, r.n_skipped) == (6, 6, 0)
    assert _timeline(db) == [
        ("r01", _utc(2024, 3, 1, 8, 0), "text", "中转平台的消息", "zhangsan", "text"),  # msgtime as a string; null payloads
        ("r02", _utc(2024, 3, 1, 8, 1, 0) + dt.timedelta(milliseconds=123), "text", "载荷是 JSON 字符串", "lisi",
         "text"),
        ("r03", _utc(2024, 3, 1, 8, 2), "text", "content 里还套着 JSON", "wmCustomer1", "text"),
        ("r04", _utc(2024, 3, 1, 8, 3), "file", "报价单.xlsx", "zhangsan", "file"),  # payload in `content`
        ("r05", _utc(2024, 3, 1, 8, 4), "link", "没有 msgtype 的链接", "lisi", "link"),  # msgtype from the payload
        ("r06", _utc(2024, 3, 1, 8, 5), "text", "单聊，tolist 是字符串", "lisi", "text"),
    ]
    assert sorted(rows(db, "select platform_key, name, kind from chats")) == [
        ("lisi|wmCustomer9", "lisi 与 wmCustomer9", "private"), ("wrGroupB", "wrGroupB", "group")]


@pytest.mark.slow
def test_api_envelope_with_decrypted_items(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, API_ENVELOPE)
    assert (r.n_read, r.n_new, r.n_skipped) == (3, 2, 1)
    assert r.skipped_samples[0].startswith("第 3 行: 消息仍是加密的（encrypt_chat_msg）")
    assert _timeline(db) == [
        ("e01", _utc(2024, 3, 1, 10, 46, 40), "text", "解密后直接放在 chatdata 里", "zhangsan", "text"),
        ("e02", _utc(2024, 3, 1, 10, 47, 40), "text", "解密结果是一个 JSON 字符串", "lisi", "text"),
    ]


@pytest.mark.slow
def test_relay_envelope_and_robot(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, RELAY_ENVELOPE)
    assert (r.n_read, r.n_new) == (2, 2)
    assert _timeline(db) == [
        ("v01", _utc(2024, 3, 1, 13, 33, 20), "text", "机器人提醒：请填写日报", "wbRobot2", "text"),
        ("v02", _utc(2024, 3, 1, 13, 34, 20), "text", "收到", "zhangsan", "text"),
    ]
    assert rows(db, "select m.platform_key, r.role from roles r join members m using (member_id)") == [
        ("wbRobot2", "bot")]


@pytest.mark.slow
def test_wechat_style_solitaire_text(tmp_path: Path) -> None:
    lines = [{"msgid": f"s{i}", "action": "send", "from": who, "tolist": ["x"], "roomid": "wrGroupE",
              "msgtime": 1709254800000 + i * 60000, "msgtype": "text", "text": {"content": text}}
             for i, (who, text) in enumerate([("zhangsan", "#接龙\n周六聚餐\n\n1. zhangsan"),
                                              ("lisi", "#接龙\n周六聚餐\n\n1. zhangsan\n2. lisi")])]
    path = tmp_path / "solitaire.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    db, _ = _ingest(tmp_path, path)
    assert rows(db, "select kind, count(*) from messages group by 1") == [("solitaire", 2)]
    assert rows(db, """select e.position, m.platform_key from solitaire_entries e join members m using (member_id)
                       order by e.position""") == [(1, "zhangsan"), (2, "lisi")]


@pytest.mark.slow
def test_single_message_file(tmp_path: Path) -> None:
    one = json.loads(ARCHIVE.read_text(encoding="utf-8").splitlines()[0])
    path = tmp_path / "one.json"
    path.write_text(json.dumps(one, ensure_ascii=False, indent=2), encoding="utf-8")
    db, r = _ingest(tmp_path, path)
    assert (r.n_read, r.n_new) == (1, 1)
    assert _timeline(db) == [("g01", _utc(2024, 3, 1, 1, 0), "text", "大家好，本周活动安排如下", "zhangsan", "text")]


@pytest.mark.slow
def test_gb18030_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "gbk.jsonl"
    path.write_bytes(ARCHIVE.read_text(encoding="utf-8").encode("gb18030"))
    db, r = _ingest(tmp_path, path)
    assert (r.encoding, r.n_new) == ("gb18030", 30)
    assert rows(db, "select text from messages where platform_msg_id = 'g01'") == [("大家好，本周活动安排如下",)]


# ---------------------------------------------------------------------------------------------
# bad input


@pytest.fixture
def loaded_db(tmp_path: Path) -> Path:
    db = tmp_path / "base.duckdb"
    ingest_file(RELAY_ENVELOPE, db)
    return db


def _bad(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.slow
def test_truncated_array_is_one_error_and_the_db_is_unchanged(loaded_db: Path, tmp_path: Path) -> None:
    text = RELAY_ARRAY.read_text(encoding="utf-8")
    path = _bad(tmp_path, "cut.json", text[: text.index('"r04"')])
    before = db_digest(loaded_db)
    with pytest.raises(IngestError) as info:
        ingest_file(path, loaded_db)
    assert info.value.file == str(path) and info.value.line is not None and info.value.line > 30
    assert "JSON 格式错误" in str(info.value) and "cut.json" in str(info.value)
    assert db_digest(loaded_db) == before


@pytest.mark.slow
def test_only_encrypted_items_say_so(loaded_db: Path, tmp_path: Path) -> None:
    item = {"seq": 1, "msgid": "x1", "publickey_ver": 3, "encrypt_random_key": "abc", "encrypt_chat_msg": "def"}
    path = _bad(tmp_path, "enc.json", json.dumps({"errcode": 0, "errmsg": "ok", "chatdata": [item, item]}))
    assert detect.detect(detect.probe(path)).name == "wecom_json"
    before = db_digest(loaded_db)
    with pytest.raises(IngestError) as info:
        ingest_file(path, loaded_db)
    assert "2 条记录全部无法读取" in str(info.value) and "加密" in str(info.value)
    assert db_digest(loaded_db) == before


@pytest.mark.slow
def test_jsonl_of_switch_logs_only_has_no_messages(loaded_db: Path, tmp_path: Path) -> None:
    line = '{"msgid":"s%d","action":"switch","time":1554119421840,"user":"XuJinSheng"}'
    path = _bad(tmp_path, "switch.jsonl", "\n".join(line % i for i in range(3)) + "\n")
    before = db_digest(loaded_db)
    with pytest.raises(IngestError):
        ingest_file(path, loaded_db)
    assert db_digest(loaded_db) == before


# ---------------------------------------------------------------------------------------------
# any field may hold anything: the reader never raises on it

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_FIELDS = ["msgid", "action", "from", "tolist", "roomid", "msgtime", "msgtype", "text", "content", "info", "mixed",
           "collect", "revoke", "redpacket", "news", "vote", "votetitle", "chatdata", "decrypt_chat_msg"]


@pytest.mark.slow
@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(_FIELDS), _JSON | st.sampled_from(["send", "recall", "switch", "text",
                                                                             "mixed", "collect", "1709254800000"])))
def test_read_message_takes_any_values(msg: dict) -> None:
    for m in wecom._messages_in(msg)[0]:
        row = wecom.read_message(m)
        assert row is None or isinstance(row, str | wecom.Row)


_FUZZ = settings(max_examples=examples(20), deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FUZZ
@given(src=st.sampled_from(FIXTURES), at=st.floats(0, 1), cut=st.integers(1, 60), junk=st.binary(max_size=12))
def test_mutated_fixtures_parse_or_raise_the_import_error(tmp_path_factory: pytest.TempPathFactory, src: Path,
                                                         at: float, cut: int, junk: bytes) -> None:
    data = src.read_bytes()
    i = int(at * len(data))
    path = tmp_path_factory.mktemp("wecom") / src.name
    path.write_bytes(data[:i] + junk + data[i + cut:])
    try:
        p = detect.probe(path)
        parsed = wecom.parse(p, Options(tz="Asia/Shanghai"))
        for _ in parsed.batches:
            pass
    except IngestError:
        pass
