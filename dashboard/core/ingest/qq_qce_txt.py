"""QQChatExporter's TXT export (docs/formats.md §5.3).

A banner `[QQChatExporter V… / https://github.com/shuakami/qq-chat-exporter]`, a `====` block
titled `QQ聊天记录导出文件`, `聊天名称:`/`聊天类型:` … lines, then one record per message:

    [领队] 阿甲:                      ← `[群头衔] ` only when the member has a title
    时间: 2024-06-15 10:00:00         ← wall time of the exporting computer
    内容: 周六爬山                    ← the JSON's `content.text`; may go on over more lines
    集合：8:00
    资源: 1 个文件                    ← then `  - image: a.jpg` per resource
    提及: 乙乙, 丙丙
    回复: 06-15 10:01 乙乙 - 原消息

two blank lines between records, and a `==== 导出完成 ====` footer. Each record is rebuilt into
the JSON's message shape and handed to the JSON's row logic (qq.qce_row), so the rows match the
JSON's wherever the TXT carries the same facts. The file is read line by line with one line of
look-ahead: a record starts at a `name:` line followed by a `时间: YYYY-MM-DD HH:MM:SS` line, and
must go on with `内容:` (after an optional `类型:`); a record that does not is a damaged file.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import BatchBuilder, ChatInfo, Format, Options, Parsed, ParseState, Probe
from dashboard.core.ingest.qq import qce_row
from dashboard.core.ingest.textio import has_undecodable, open_text
from dashboard.core.ingest.timeparse import TimeFormatError, parse_local

NAME = "qq_qce_txt"
TITLE = "QQ聊天记录导出文件"
EXPECTED = "QQChatExporter 导出的 TXT: 发送者: ↵ 时间: 2024-06-15 10:00:00 ↵ 内容: 消息"

_BANNER = re.compile(r"^\[QQChatExporter\b")
_RULE = re.compile(r"^={3,}$")
_NAME_LINE = re.compile(r"^(?:\[(?P<title>[^\[\]\n]*)\] )?(?P<name>.*):$")
_TIME_LINE = re.compile(r"^时间: ?(?P<when>\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2})$")
_NUMBER_LINE = re.compile(r"^\[\d+\]$")
_HEAD_LINE = re.compile(r"^(?:\[.*\]|={3,}|" + TITLE + r"|(?:聊天名称|聊天类型|参与人数|导出时间|消息总数|时间范围|"
                        r"消息时间范围)[:：].*)$")
_HEAD_FIELD = re.compile(r"^(聊天名称|聊天类型)[:：] ?(.*)$")
_RESOURCES = re.compile(r"^资源: (\d+) 个文件$")
_RESOURCE = re.compile(r"^  - ([A-Za-z_]+): (.*)$")
_REPLY_TIME = re.compile(r"^\d{2}-\d{2} \d{2}:\d{2} ")
# placeholders the exporter writes when a message has no text (TextExporter.format_message)
_NO_TEXT = ("[无文本内容]", "[系统消息]", "[表情消息]")
_TYPES_ONLY = re.compile(r"^\[(?:image|video|audio|file)(?:、(?:image|video|audio|file))*消息\]$")
# gray tips written as their sub-type number by the V4 MessageParser (`[1]`, `[17]`)
_GRAY_TIP = re.compile(r"^\[\d{1,2}\]$")
# the names a gray tip's sender shows: its uin "0", or what older versions wrote
SYSTEM_SENDERS = frozenset({"0", "10000", "1000000", "未知", "未知用户", "系统消息"})
_RECALL = re.compile(r"^\S.*?\s?撤回了一条(?:成员)?消息(?:（.*）)?$")
_V4_REPLY = re.compile(r"^\[回复 ")


def matches(p: Probe) -> bool:
    try:
        lines = [ln.strip() for ln in p.head[:16384].splitlines()[:24]]
        lines = [ln for ln in lines if ln]
        if not lines:
            return False
        if _BANNER.match(lines[0]):
            return True
        # the banner may have been cut off; the title block is still this exporter's own
        return any(ln == TITLE and i > 0 and _RULE.match(lines[i - 1]) for i, ln in enumerate(lines[:8]))
    except Exception:  # detection must never raise
        return False


def _numbered(path: Path, probe: Probe) -> Iterator[tuple[int, str]]:
    sniffed = probe.sniffed
    assert sniffed is not None
    n = 0
    try:
        with open_text(path, sniffed) as fh:
            for n, raw in enumerate(fh, start=1):
                line = raw.rstrip("\r\n")
                yield n, line[1:] if n == 1 and line.startswith("\ufeff") else line
    except (OSError, UnicodeError) as e:
        raise IngestError(path, f"文件无法读取: {e}", line=n + 1) from None


class _Record:
    __slots__ = ("body", "line", "name", "when")

    def __init__(self, line: int, name: str, when: str) -> None:
        self.line = line
        self.name = name
        self.when = when
        self.body: list[tuple[int, str]] = []


def _split_tail(lines: list[str], starts_with_reply: bool) -> tuple[list[str], list[tuple[str, str]],
                                                                     list[str], str | None]:
    """(content lines, resources, mentions, reply) from a record's lines after `内容:`. The fields
    follow the text in a fixed order (资源, 提及, 回复), so they are taken from the end; each is read
    only where the text says it exists, so a message that merely contains such a line keeps it."""
    reply = None
    if starts_with_reply:
        k = max((i for i, ln in enumerate(lines) if i > 0 and ln.startswith("回复: ")), default=None)
        if k is not None:
            reply = "\n".join(lines[k:])[len("回复: "):]
            lines = lines[:k]
    mentions: list[str] = []
    if len(lines) > 1 and lines[-1].startswith("提及: ") and "@" in "\n".join(lines[:-1]):
        mentions = [m for m in lines[-1][len("提及: "):].split(", ") if m]
        lines = lines[:-1]
    resources: list[tuple[str, str]] = []
    for k in range(len(lines) - 1, 0, -1):
        m = _RESOURCES.match(lines[k])
        if m:
            items = [_RESOURCE.match(ln) for ln in lines[k + 1:]]
            if int(m.group(1)) == len(items) and all(items):
                resources = [(i.group(1), i.group(2)) for i in items if i]
                lines = lines[:k]
            break
    return lines, resources, mentions, reply


def _message(rec: _Record, lines: list[str], mtype: str | None) -> tuple[dict, str | None]:
    """The record as the JSON's message dict, and the sender name."""
    text = "\n".join(lines)
    lines, resources, mentions, reply = _split_tail(lines, text.startswith("[回复"))
    text = "\n".join(lines)
    m = _NAME_LINE.match(rec.name)
    name = (m.group("name") if m else rec.name).strip() or None
    elements: list[dict] = [{"type": t, "data": {"filename": f}} for t, f in resources]
    emojis: list[dict] = []
    system = mtype == "system" or text == "[系统消息]" or (name in SYSTEM_SENDERS if name else True)
    recalled = False
    if text in _NO_TEXT or _TYPES_ONLY.match(text):
        if text == "[表情消息]":
            emojis.append({"type": "face"})
        text = ""
    elif _GRAY_TIP.match(text) and system:
        text = ""
    elif not system and not resources and _RECALL.match(text):
        # a recalled message shows as the recall notice under the recaller's own name
        system = recalled = True
    if reply is not None:
        head, _, quoted = _REPLY_TIME.sub("", reply, count=1).partition(" - ")
        elements.insert(0, {"type": "reply", "data": {"senderName": head.strip() or None, "content": quoted}})
        if _V4_REPLY.match(text):  # V4 wrote `[回复 名字: 原文]` and a line break before the text
            prefix = f"[回复 {head.strip()}: {quoted}]"
            text = text[len(prefix):].lstrip("\n") if text.startswith(prefix) else text
    content = {"text": text, "elements": elements, "emojis": emojis,
               "resources": [{"type": t, "filename": f} for t, f in resources],
               "mentions": [{"name": x} for x in mentions]}
    msg = {"content": content, "system": system, "recalled": recalled}
    if mtype:
        msg["type"] = mtype
    return msg, name


def parse(probe: Probe, opts: Options) -> Parsed:
    path, sniffed = probe.path, probe.sniffed
    if sniffed is None:
        raise IngestError(path, "这不是文本文件", expected=EXPECTED)
    head = sniffed.head.lstrip("\ufeff")
    if "Streaming Mode" in head.split("\n", 1)[0]:
        raise IngestError(path, "这是 QQChatExporter V4 流式模式（Streaming Mode）导出的 TXT，暂不支持", line=1,
                          expected="普通模式导出的 TXT，或同一聊天的 JSON 导出")
    state = ParseState()
    parsed = Parsed(NAME, "qq", sniffed.label, state, iter(()), opts.tz)

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        fields: dict[str, str] = {}
        people: set[str] = set()
        chat_key = ""
        numbered = False  # `[n]` lines before each record (showMessageNumber)
        rec: _Record | None = None
        in_head, done = True, False
        window: deque[tuple[int, str]] = deque()
        source = _numbered(path, probe)

        def finish(r: _Record) -> None:
            body = list(r.body)
            while body and (not body[-1][1].strip() or (numbered and _NUMBER_LINE.match(body[-1][1]))):
                body.pop()
            mtype = None
            if body and body[0][1].startswith("类型:"):
                mtype = body.pop(0)[1][len("类型:"):].strip() or None
            if not body or not body[0][1].startswith("内容:"):
                # the line right after `时间:` (and `类型:`), where the text should begin
                raise IngestError(path, "这条消息缺少“内容:”行", line=r.line + (3 if mtype else 2),
                                  expected="发送者: ↵ 时间: … ↵ 内容: 消息文字")
            state.n_read += 1
            lines = [body[0][1][len("内容:"):].removeprefix(" ")] + [ln for _, ln in body[1:]]
            if has_undecodable(r.name) or any(has_undecodable(ln) for ln in lines):
                state.skip(r.line, "包含无法解码的字节", r.name)
                return
            try:
                ts = parse_local(r.when, opts.tz)
            except TimeFormatError:
                state.skip(r.line, "时间无法识别", f"{r.name} {r.when}")
                return
            msg, name = _message(r, lines, mtype)
            if qce_row(b, state, chat_key=chat_key, line=r.line, ts=ts, msg=msg, key=None, name=name,
                       is_self=False, raw_type=f"txt:{mtype}" if mtype else "txt"):
                people.add(name or "")

        while not done:
            while len(window) < 2:
                nxt = next(source, None)
                if nxt is None:
                    break
                window.append(nxt)
            if not window:
                break
            n, line = window[0]
            if len(window) == 2 and _NAME_LINE.match(line) and _TIME_LINE.match(window[1][1]):
                if in_head:
                    in_head = False
                    chat_key = opts.chat_name or fields.get("聊天名称") or Path(probe.display_name).stem
                elif rec is not None:
                    finish(rec)
                    if b.full():
                        yield b.take()
                m = _TIME_LINE.match(window[1][1])
                rec = _Record(n, line, m.group("when") if m else "")
                window.popleft()
                window.popleft()
                continue
            window.popleft()
            if _RULE.match(line.strip()) and window and window[0][1].strip().startswith("导出完成"):
                done = True  # the footer; what follows is totals only
                continue
            if in_head:
                stripped = line.strip()
                if _NUMBER_LINE.match(stripped):
                    numbered = True
                elif stripped and not _HEAD_LINE.match(stripped):
                    raise IngestError(path, "文件头之后、第一条消息之前有无法识别的内容", line=n,
                                      expected="聊天名称: … 等文件头，或第一条消息的“发送者:”行")
                m = _HEAD_FIELD.match(stripped)
                if m:
                    fields[m.group(1)] = m.group(2).strip()
            elif rec is not None:
                rec.body.append((n, line))
        if rec is not None:
            finish(rec)
        if len(b):
            yield b.take()
        if state.n_read == 0:
            raise IngestError(path, "文件里没有找到任何消息", expected=EXPECTED)
        label = fields.get("聊天类型", "")
        kind = ("group" if label == "群聊" else "private" if label in ("私聊", "临时会话")
                else "group" if len(people) > 2 else "private")
        state.chats[chat_key] = ChatInfo(chat_key, opts.chat_name or fields.get("聊天名称") or chat_key, kind)

    parsed.batches = batches()
    return parsed


FORMAT = Format(NAME, "QQ Chat Exporter TXT", "qq", "[QQChatExporter V5 / …] ↵ 发送者: ↵ 时间: … ↵ 内容: …",
                matches, parse)
