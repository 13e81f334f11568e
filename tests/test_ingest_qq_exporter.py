"""QQChatExporter's own TXT and HTML exports (docs/formats.md §5.3, §5.4), read beside its JSON.

The fixtures show one chat in every format: `qce_v5_group.*` as the current (Rust) exporter writes
it (JSON, TXT, single-file HTML and the inlined-viewer HTML) and `qce_v4_group.*` as the older
TypeScript V4 wrote it. The tests assert that the formats give the JSON's rows, except the facts a
format does not carry, which each test names."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import TESTS, db_digest, rows

from dashboard.core.ingest import detect, qq, qq_qce_html, qq_qce_txt
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.pipeline import ingest_file

FIX = TESTS / "fixtures" / "qq"
V5 = {ext: FIX / f"qce_v5_group{ext}" for ext in (".json", ".txt", ".html", "_inline.html")}
V4 = {ext: FIX / f"qce_v4_group{ext}" for ext in (".json", ".txt", ".html")}
UTC = dt.UTC
QCE = (qq_qce_txt.FORMAT, qq_qce_html.FORMAT)


def _utc(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=UTC)


def _view(db: Path) -> list[tuple]:
    """(UTC instant, kind, text, member key, sender name, message id, is_self, instant of the
    quoted message) in time order: what a chat's rows say, without the format's line numbers."""
    return [tuple(v.astimezone(UTC) if isinstance(v, dt.datetime) else v for v in row) for row in rows(db, """
        select m.ts, m.kind, m.text, s.platform_key, m.sender_name, m.platform_msg_id, m.is_self,
               (select q.ts from messages q where q.msg_id = m.reply_to_msg_id)
        from messages m left join members s using (member_id) order by m.ts, m.source_line""")]


def _facts(db: Path) -> dict[str, list[tuple]]:
    return {
        "chats": rows(db, "select name, kind from chats"),
        "members": sorted(rows(db, "select platform_key, display_name from members")),
        "events": rows(db, """select e.kind, e.method, s.platform_key, a.platform_key from membership_events e
                              left join members s on s.member_id = e.member_id
                              left join members a on a.member_id = e.actor_member_id order by e.ts, e.event_id"""),
        "mentions": rows(db, """select m.ts, t.platform_key from messages m, unnest(m.mentions) u(x)
                                join members t on t.member_id = u.x order by m.ts"""),
        "exporter": rows(db, "select exporter_account, exporter_name from imports"),
    }


def _ingest(path: Path, tmp: Path, **kw: object) -> tuple[Path, object]:
    db = tmp / f"{path.stem}-{path.suffix[1:]}.duckdb"
    return db, ingest_file(path, db, **kw)


# ---------------------------------------------------------------------------------------------
# one chat, four files

V5_ROWS = [
    (_utc(2024, 6, 15, 2, 0), "text", "周六爬山\n集合：8:00 <南门> & 带水", "40002", "阿甲", "5001", False, None),
    (_utc(2024, 6, 15, 2, 1), "text", "好呀 😀 @阿甲", "40003", "乙乙", "5002", False, None),
    (_utc(2024, 6, 15, 2, 2), "image", None, "40001", "小我", "5003", True, None),
    (_utc(2024, 6, 15, 2, 3), "quote", "收到，明天见", "40002", "阿甲", "5004", False, _utc(2024, 6, 15, 2, 1)),
    (_utc(2024, 6, 15, 2, 4), "file", "路线 v2.pdf", "40003", "乙乙", "5005", False, None),
    (_utc(2024, 6, 15, 2, 5), "system", "阿甲邀请丙丙加入了群聊", None, None, "5006", False, None),
    (_utc(2024, 6, 15, 2, 6), "recall", "乙乙 撤回了一条消息", "40003", "乙乙", "5007", False, None),
    (_utc(2024, 6, 15, 2, 7), "voice", None, "40001", "小我", "5008", True, None),
    (_utc(2024, 6, 15, 2, 8), "text", "大家好 <3 & \"谢谢\" 'all'", "40004", "丙丙", "5009", False, None),
    (_utc(2024, 6, 15, 2, 9), "text", "/微笑 走起", "40002", "阿甲", "5010", False, None),
    (_utc(2024, 6, 15, 2, 10), "sticker", None, "40003", "乙乙", "5011", False, None),
]
V5_FACTS = {
    "chats": [("周末徒步群", "group")],
    "members": [("40001", "小我"), ("40002", "阿甲"), ("40003", "乙乙"), ("40004", "丙丙")],
    "events": [("join", "invite", "40004", "40002")],
    "mentions": [(dt.datetime(2024, 6, 15, 10, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))), "40002")],
    "exporter": [("40001", "小我")],
}


def _by_name(key: str | None, name: str | None) -> str | None:
    return f"name:周末徒步群:{name}" if key is not None else None


@pytest.mark.slow
def test_v5_txt_and_html_give_the_json_rows(tmp_path: Path) -> None:
    got = {}
    for ext, path in V5.items():
        db, r = _ingest(path, tmp_path)
        assert (r.n_read, r.n_new, r.n_skipped) == (11, 11, 0), ext
        got[ext] = (r.format, _view(db), _facts(db), rows(db, "select source_tz from imports"))
    assert got[".json"] == ("qq_qce_json", V5_ROWS, V5_FACTS, [(None,)])

    # The TXT names senders only (no QQ号, no uid), so members are keyed by name; it has no message
    # ids (a quote finds its target by who said what), no sign of the exporter's own messages, and
    # writes a market-face sticker as its text `[开心]`. Its times are wall times in --tz.
    txt_rows = [(ts, kind, text, _by_name(key, name), name, None, False, quoted)
                for ts, kind, text, key, name, _mid, _self, quoted in V5_ROWS]
    txt_rows[10] = (_utc(2024, 6, 15, 2, 10), "text", "[开心]", "name:周末徒步群:乙乙", "乙乙", None, False, None)
    txt_facts = {
        "chats": V5_FACTS["chats"],
        "members": sorted((f"name:周末徒步群:{n}", n) for n in ("小我", "阿甲", "乙乙", "丙丙")),
        "events": [("join", "invite", "name:周末徒步群:丙丙", "name:周末徒步群:阿甲")],
        "mentions": [(V5_FACTS["mentions"][0][0], "name:周末徒步群:阿甲")],
        "exporter": [(None, None)],
    }
    assert got[".txt"] == ("qq_qce_txt", txt_rows, txt_facts, [("Asia/Shanghai",)])

    # The HTML shows a system notice without its sender: the recall's actor is read from its text
    # (and found among the members by name). The single-file page has no ids on system notices
    # and shows wall times; the inlined viewer keeps both ids and exact instants.
    html_rows = list(V5_ROWS)
    html_rows[6] = (_utc(2024, 6, 15, 2, 6), "recall", "乙乙 撤回了一条消息", "40003", None, "5007", False, None)
    assert got["_inline.html"] == ("qq_qce_html", html_rows, V5_FACTS, [(None,)])
    html_rows[5] = (*html_rows[5][:5], None, False, None)
    html_rows[6] = (*html_rows[6][:5], None, False, None)
    assert got[".html"] == ("qq_qce_html", html_rows, V5_FACTS, [("Asia/Shanghai",)])


V4_JSON_ROWS = [
    (_utc(2024, 3, 1, 2, 0), "text", "早上好 @乙乙", "30002", "阿甲", "7001", False, None),
    (_utc(2024, 3, 1, 2, 1), "image", None, "30003", "乙乙", "7002", False, None),
    (_utc(2024, 3, 1, 2, 2), "quote", "同意", "30001", "群里的我", "7003", True, _utc(2024, 3, 1, 2, 0)),
    (_utc(2024, 3, 1, 2, 3), "system", "阿丙加入了群聊", None, None, "7004", False, None),
    (_utc(2024, 3, 1, 2, 4), "recall", "阿甲撤回了一条消息", "30002", "阿甲", "7005", False, None),
    (_utc(2024, 3, 1, 2, 5), "sticker", None, "30003", "乙乙", "7006", False, None),
    (_utc(2024, 3, 1, 2, 6), "video", None, "30004", "丁丁", "7007", False, None),
    (_utc(2024, 3, 1, 2, 7), "system", "阿甲邀请丁丁加入了群聊", None, None, "7008", False, None),
]


@pytest.mark.slow
def test_v4_txt_and_html_of_the_json_chat(tmp_path: Path) -> None:
    """V4 (TypeScript) wrote the TXT through another message parser than its JSON and HTML."""
    db, r = _ingest(V4[".json"], tmp_path)
    assert _view(db) == V4_JSON_ROWS

    db, r = _ingest(V4[".txt"], tmp_path)
    assert (r.format, r.n_read, r.n_new, r.exporter) == ("qq_qce_txt", 8, 8, None)
    k = "name:技术交流群:"
    assert _view(db) == [
        # V4's TXT names the QQ nickname (甲的昵称, 我), not the group card the JSON uses
        (_utc(2024, 3, 1, 2, 0), "text", "早上好 @乙乙", k + "甲的昵称", "甲的昵称", None, False, None),
        (_utc(2024, 3, 1, 2, 1), "image", None, k + "乙乙", "乙乙", None, False, None),  # `[图片: a.jpg]`
        # `[回复 u_a: …]` removed; V4 named the quoted sender by uid, so the quote stays unlinked
        (_utc(2024, 3, 1, 2, 2), "quote", "同意", k + "我", "我", None, False, None),
        (_utc(2024, 3, 1, 2, 3), "system", None, None, None, None, False, None),  # a gray tip shows as `[4]`
        (_utc(2024, 3, 1, 2, 4), "other", None, k + "甲的昵称", "甲的昵称", None, False, None),  # recall not shown
        (_utc(2024, 3, 1, 2, 5), "sticker", None, k + "乙乙", "乙乙", None, False, None),  # `[表情消息]`
        (_utc(2024, 3, 1, 2, 6), "video", None, k + "丁丁", "丁丁", None, False, None),
        (_utc(2024, 3, 1, 2, 7), "system", None, None, None, None, False, None),
    ]
    assert rows(db, "select name, kind from chats") == [("技术交流群", "group")]

    db, r = _ingest(V4[".html"], tmp_path)
    assert (r.format, r.n_read, r.n_new, r.exporter) == ("qq_qce_html", 8, 8, "群里的我")
    html_rows = [(*row[:5], None if row[1] in ("system", "recall") else row[5], row[6], None) for row in V4_JSON_ROWS]
    # V4's HTML gives a quote no target id, and its quoted name (the nickname) is not the card the
    # target shows, so the quote stays unlinked; the recall notice is written with a space
    html_rows[4] = (_utc(2024, 3, 1, 2, 4), "recall", "阿甲 撤回了一条消息", "30002", None, None, False, None)
    assert _view(db) == html_rows
    assert _facts(db)["events"] == [("join", "unknown", "name:技术交流群:阿丙", None), ("join", "invite", "30004", "30002")]


# ---------------------------------------------------------------------------------------------
# quirks

TXT_HEAD = ("\ufeff[QQChatExporter V5 / https://github.com/shuakami/qq-chat-exporter]\r\n"
            "[本软件是免费的开源项目~ 如果您是买来的，请立即退款！如果有帮助到您，欢迎给我点个Star~]\r\n\r\n"
            "===============================================\r\n           QQ聊天记录导出文件\r\n"
            "===============================================\r\n\r\n聊天名称: 老同学\r\n聊天类型: 私聊\r\n"
            "导出时间: 2024-05-02 08:00:00\r\n消息总数: 6\r\n\r\n\r\n")
TXT_RECORDS = [
    # numbered records, a 类型 line, and a text holding lines that look like the trailing fields
    "[1]\r\n小你:\r\n时间: 2024-05-01 15:00:00\r\n类型: text\r\n内容: 第一行\r\n\r\n资源: 2 个文件\r\n"
    "提及: 没有at\r\n最后一行:\r\n",
    "[2]\r\n小我:\r\n时间: 2024-05-01 15:01:00\r\n内容: [image、video消息]\r\n资源: 2 个文件\r\n"
    "  - image: a.jpg\r\n  - video: b.mp4\r\n",
    "[3]\r\n0:\r\n时间: 2024-05-01 15:02:00\r\n内容: [系统消息]\r\n",
    "[4]\r\n小你:\r\n时间: 2024-05-01 15:03:00\r\n内容: 小你 撤回了一条消息（打错字了）\r\n",
    "[5]\r\n小我:\r\n时间: 2024-05-01 15:04:00\r\n类型: system\r\n内容: 小他加入了群聊\r\n",
    "[6]\r\n[群主] 小你:\r\n时间: 2024-05-01 15:05:00\r\n内容: [文件:报告.pdf]\r\n资源: 1 个文件\r\n"
    "  - file: 报告.pdf\r\n",
]
TXT_FOOT = ("\r\n===============================================\r\n              导出完成\r\n"
            "===============================================\r\n总计导出 6 条消息\r\n导出时间: 2024-05-02 08:00:00")


def _txt(tmp: Path, records: list[str], name: str = "qce_quirks.txt", head: str = TXT_HEAD) -> Path:
    f = tmp / name
    f.write_text(head + "\r\n\r\n".join(records) + TXT_FOOT, encoding="utf-8", newline="")
    return f


@pytest.mark.slow
def test_txt_quirks(tmp_path: Path) -> None:
    db, r = _ingest(_txt(tmp_path, TXT_RECORDS), tmp_path)
    assert (r.format, r.encoding, r.n_read, r.n_new) == ("qq_qce_txt", "utf-8 (BOM)", 6, 6)
    k = "name:老同学:"
    assert rows(db, """select m.source_line, m.kind, m.text, s.platform_key, m.sender_name, m.raw_type
                       from messages m left join members s using (member_id) order by m.source_line""") == [
        (15, "text", "第一行\n\n资源: 2 个文件\n提及: 没有at\n最后一行:", k + "小你", "小你", "txt:text"),
        (26, "image", None, k + "小我", "小我", "txt"),  # `[image、video消息]`: the first resource decides
        (35, "system", None, None, None, "txt"),  # `0:` is a gray tip's sender; `[系统消息]` has no text
        (41, "recall", "小你 撤回了一条消息（打错字了）", k + "小你", "小你", "txt"),  # under the recaller's name
        (47, "system", "小他加入了群聊", None, None, "txt:system"),  # `类型: system`
        (54, "file", "报告.pdf", k + "小你", "小你", "txt"),  # `[群主] ` is a title, not part of the name
    ]
    assert rows(db, "select name, kind from chats") == [("老同学", "private")]


HTML_HEAD = """<!DOCTYPE html>
<html lang="zh-CN">
<!-- QCE_METADATA: {"messageCount":9,"chatName":"A & B <私聊>","chatType":"private","exportTime":"2024-05-02T00:00:00.000Z"} -->
<head>
<title>聊天记录 - A &amp; B &lt;私聊&gt;</title>
<script>var row = '<div class="message-block"><div class="message other" id="msg-x"><span class="time">2020/01/01 00:00:00</span></div></div>';</script>
</head>
<body><div class="chat-content">
"""


def _block(mid: str, minute: int, content: str, css: str = "other", uin: str = "50002", name: str = "B") -> str:
    return (f'<div class="message-block" data-date="2024-05-01">\n'
            f'<div class="message {css}" data-sender-uid="u_{uin}" id="msg-{mid}">\n'
            f'<div class="avatar"><img src="http://q.qlogo.cn/g?b=qq&nk={uin}&s=100" alt="{name}" /></div>\n'
            f'<div class="message-header"><span class="sender">{name}</span>\n'
            f'<span class="time">2024/05/01 15:{minute:02d}:00</span></div>\n'
            f'<div class="message-bubble"><div class="content">{content}</div></div>\n</div>\n</div>\n')


HTML_BLOCKS = [
    '<div class="message-block" data-date="2024-05-01"><div class="date-divider">2024-05-01 周三</div></div>\n',
    _block("1", 0, '<span class="text-content">打开 <a class="msg-link" href="https://x.cn/a?b=1&amp;c=2">'
                   'https://x.cn/a?b=1&amp;c=2</a> 看看 &lt;b&gt;</b></span>'),
    _block("2", 1, '<div class="audio-wrapper"><audio src="./resources/audios/a.amr" controls class="message-audio">'
                   '[语音:3秒]</audio><a href="./resources/audios/a.amr" download="a.amr" '
                   'class="audio-download-link">下载语音</a></div>'),
    _block("3", 2, '<a href="./resources/files/表.xlsx" class="message-file" download="表.xlsx">📎 表.xlsx</a>'),
    _block("4", 3, '<span class="face-emoji">表情14</span><span class="text-content">哈哈</span>'),
    _block("5", 4, '<span class="text-content">📷 photo.jpg</span>'),
    _block("6", 5, '<span class="text-content">[空消息]</span>'),
    _block("7", 6, '<div class="forward-card"><div class="forward-card-header"><span>聊天记录</span></div>'
                   '<div class="forward-card-content">A: 你好<br>B: 好</div>'
                   '<div class="forward-card-footer">转发消息 · 3条</div></div>', css="self", uin="50001", name="A"),
    _block("8", 7, '<div class="json-card">\n<div class="json-title">[QQ小程序]天气</div>\n</div>'),
    '<div class="message-block" data-date="2024-05-01">\n'
    '<div class="system-message-container" style="text-align: center; margin: 12px 0;">\n'
    '<span class="text-content">B 拍了拍 A</span>\n'
    '<div style="color: #999; font-size: 10px; margin-top: 2px;">2024/05/01 15:08:00</div>\n</div>\n</div>\n',
]
HTML_FOOT = "</div>\n<script>if (a < b) { x = '</div>'; }</script>\n</body>\n</html>\n"


def _html(tmp: Path, blocks: list[str], name: str = "qce_quirks.html", head: str = HTML_HEAD) -> Path:
    f = tmp / name
    f.write_text(head + "".join(blocks) + HTML_FOOT, encoding="utf-8")
    return f


@pytest.mark.slow
def test_html_quirks(tmp_path: Path) -> None:
    db, r = _ingest(_html(tmp_path, HTML_BLOCKS), tmp_path)
    assert (r.format, r.n_read, r.n_new, r.exporter) == ("qq_qce_html", 9, 9, "A")
    assert rows(db, """select m.source_line, m.kind, m.text, s.platform_key, m.platform_msg_id, m.is_self
                       from messages m left join members s using (member_id) order by m.source_line""") == [
        # entities decoded, a link's text kept, a stray end tag ignored
        (10, "text", "打开 https://x.cn/a?b=1&c=2 看看 <b>", "50002", "1", False),
        (18, "voice", None, "50002", "2", False),  # <audio>…[语音:3秒]</audio>
        (26, "file", "表.xlsx", "50002", "3", False),  # 📎 link
        (34, "text", "[表情14]哈哈", "50002", "4", False),  # a face written as the JSON does
        (42, "image", None, "50002", "5", False),  # an image without its file: `📷 photo.jpg`
        (50, "other", None, "50002", "6", False),  # [空消息]
        (58, "link", "[转发消息: 3条]", "50001", "7", True),
        (66, "link", "[JSON消息]", "50002", "8", False),
        (76, "system", "B 拍了拍 A", None, None, False),  # older versions: time in a bare div
    ]
    assert rows(db, "select name, kind from chats") == [("A & B <私聊>", "private")]


@pytest.mark.slow
def test_html_read_in_small_blocks_gives_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The HTML is read in blocks of whole lines; where a block ends (inside a message, inside an
    inlined chunk script) must not matter."""
    whole = {}
    for ext in (".html", "_inline.html"):
        db, _ = _ingest(V5[ext], tmp_path)
        whole[ext] = _view(db)
    monkeypatch.setattr(qq_qce_html, "BLOCK_CHARS", 37)
    small = tmp_path / "small"
    small.mkdir()
    for ext in (".html", "_inline.html"):
        db, _ = _ingest(V5[ext], small)
        assert _view(db) == whole[ext]


# ---------------------------------------------------------------------------------------------
# detection

QCE_FIXTURES = [(V5[".txt"], "qq_qce_txt"), (V4[".txt"], "qq_qce_txt"), (V5[".html"], "qq_qce_html"),
                (V5["_inline.html"], "qq_qce_html"), (V4[".html"], "qq_qce_html")]


@pytest.mark.parametrize(("path", "name"), QCE_FIXTURES, ids=[p.name for p, _ in QCE_FIXTURES])
def test_detected_as_own_format_and_no_other(path: Path, name: str) -> None:
    probe = detect.probe(path)
    assert detect.detect(probe).name == name
    assert [f.name for f in detect.FORMATS if f.name != detect.GENERIC and f.matches(probe)] == [name]


def test_detected_by_content_not_name(tmp_path: Path) -> None:
    for src, name in ((V5[".txt"], "qq_qce_txt"), (V5[".html"], "qq_qce_html")):
        renamed = tmp_path / f"{name}.dat"
        renamed.write_bytes(src.read_bytes())
        assert detect.detect(detect.probe(renamed)).name == name
    # a TXT whose banner was cut off is still known by its title block
    cut = tmp_path / "cut.txt"
    cut.write_text(V5[".txt"].read_text(encoding="utf-8").split("\n", 3)[3], encoding="utf-8")
    assert cut.read_text(encoding="utf-8").startswith("====")
    assert detect.detect(detect.probe(cut)).name == "qq_qce_txt"


def test_exporter_matchers_reject_every_other_fixture() -> None:
    others = [f for f in sorted((TESTS / "fixtures").rglob("*")) if f.is_file()
              and f.suffix in (".txt", ".csv", ".json", ".jsonl", ".html") and not f.name.startswith("qce_")]
    assert any("qq" in f.parts for f in others)  # the 消息管理器 TXT files are among them
    for f in others:
        try:
            probe = detect.probe(f)
        except IngestError:
            continue
        assert not any(fmt.matches(probe) for fmt in QCE), f
    for path, _ in QCE_FIXTURES:
        assert not any(fmt.matches(detect.probe(path)) for fmt in qq.FORMATS), path


# ---------------------------------------------------------------------------------------------
# bad input: one message naming the file and line, the database unchanged


@pytest.fixture
def db_with_data(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "keep.duckdb"
    ingest_file(V5[".json"], db)
    return db, db_digest(db)


def _refused(path: Path, db: Path) -> IngestError:
    with pytest.raises(IngestError) as e:
        ingest_file(path, db)
    assert Path(e.value.file).name == path.name
    return e.value


@pytest.mark.slow
def test_txt_record_without_content_line(tmp_path: Path, db_with_data: tuple[Path, str]) -> None:
    db, before = db_with_data
    broken = list(TXT_RECORDS)
    broken[2] = "[3]\r\n0:\r\n时间: 2024-05-01 15:02:00\r\n[系统消息]\r\n"
    err = _refused(_txt(tmp_path, broken, "no_content.txt"), db)
    assert ("内容" in err.problem, err.line) == (True, 37)
    assert db_digest(db) == before


@pytest.mark.slow
def test_txt_unknown_line_in_the_head(tmp_path: Path, db_with_data: tuple[Path, str]) -> None:
    db, before = db_with_data
    head = TXT_HEAD.replace("聊天类型: 私聊\r\n", "聊天类型: 私聊\r\n这一行是后来加的\r\n")
    err = _refused(_txt(tmp_path, TXT_RECORDS, "bad_head.txt", head=head), db)
    assert err.line == 10
    assert db_digest(db) == before


def test_txt_streaming_mode_and_empty_files_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    stream = tmp_path / "stream.txt"
    stream.write_text("[QQChatExporter V4 / Streaming Mode]\n[感谢使用QQ聊天记录导出工具]\n\n"
                      "[#1] 2024/5/1 15:00:00 小你\n在吗\n", encoding="utf-8")
    assert detect.detect(detect.probe(stream)).name == "qq_qce_txt"
    err = _refused(stream, db)
    assert ("Streaming Mode" in err.problem, err.line) == (True, 1)
    empty = _txt(tmp_path, [], "empty.txt")
    assert "没有找到任何消息" in _refused(empty, db).problem
    assert not db.exists()


@pytest.mark.slow
def test_truncated_html_is_refused(tmp_path: Path, db_with_data: tuple[Path, str]) -> None:
    db, before = db_with_data
    text = V5[".html"].read_text(encoding="utf-8")
    cut = text.index('id="msg-5004"') + 200
    start = text[:text.index('id="msg-5004"')].rindex('<div class="message-block"')
    f = tmp_path / "cut.html"
    f.write_text(text[:cut], encoding="utf-8")
    err = _refused(f, db)
    assert (err.problem, err.line) == ("文件在一条消息的中途结束（HTML 不完整）", text[:start].count("\n") + 1)
    assert db_digest(db) == before


@pytest.mark.slow
def test_html_message_without_time_is_refused(tmp_path: Path, db_with_data: tuple[Path, str]) -> None:
    db, before = db_with_data
    text = V5[".html"].read_text(encoding="utf-8")
    f = tmp_path / "no_time.html"
    f.write_text(re.sub(r'<span class="time">2024/06/15 10:02:00</span>', "", text), encoding="utf-8")
    start = text[:text.index('id="msg-5003"')].rindex('<div class="message-block"')
    err = _refused(f, db)
    assert ("没有时间" in err.problem, err.line) == (True, text[:start].count("\n") + 1)
    assert db_digest(db) == before


@pytest.mark.slow
def test_broken_inline_record_is_refused(tmp_path: Path, db_with_data: tuple[Path, str]) -> None:
    db, before = db_with_data
    lines = V5["_inline.html"].read_text(encoding="utf-8").split("\n")
    n = next(i for i, ln in enumerate(lines) if ln.startswith('{"id":"msg-5003"'))
    lines[n] = lines[n][:80]
    f = tmp_path / "broken.html"
    f.write_text("\n".join(lines), encoding="utf-8")
    err = _refused(f, db)
    assert ("JSON" in err.problem, err.line) == (True, n + 1)
    assert db_digest(db) == before


def test_html_without_messages_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    index = tmp_path / "index.html"
    index.write_text('<!DOCTYPE html>\n<html lang="zh-CN">\n<!-- QCE_METADATA: {"messageCount":3,"chatName":"群",'
                     '"chatType":"group","mode":"chunked"} -->\n<head><script src="data/manifest.js" defer></script>'
                     '</head>\n<body><div class="chat-content" id="chatContent"></div></body></html>\n', encoding="utf-8")
    assert "分块" in _refused(index, db).problem
    empty = _html(tmp_path, [], "empty.html")
    assert "没有找到任何消息" in _refused(empty, db).problem
    assert not db.exists()
