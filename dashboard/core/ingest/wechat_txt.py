"""MemoTrace (留痕) TXT exports, 1.x and 2.x (docs/formats.md §1.8).

A record starts with a `YYYY-MM-DD HH:MM:SS` header line that follows a blank line (or opens
the file); requiring the blank line keeps body lines that look like headers inside their message.
1.x writes system rows as `time text` with no body; 2.x as `time` alone with the text below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import BatchBuilder, ChatInfo, Parsed, ParseState
from dashboard.core.ingest.textio import Sniffed, has_undecodable, open_text
from dashboard.core.ingest.timeparse import TimeFormatError, parse_local
from dashboard.core.ingest.wechat_content import system_text
from dashboard.core.ingest.wechat_csv import Options, _chat_key_from_path
from dashboard.core.ingest.wechat_kinds import Decoded

HEADER = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2})(?: (.*))?$")

_PLACEHOLDER = {
    "图片": "image", "语音": "voice", "视频": "video", "表情包": "sticker", "表情": "sticker",
    "文件": "file", "音乐分享": "link", "链接": "link", "分享链接": "link", "红包": "red_packet",
    "发起转账": "transfer", "转账": "transfer", "已收款": "transfer", "位置分享": "location", "位置": "location",
    "音视频通话": "call", "合并转发的聊天记录": "link", "名片": "other", "小程序": "link", "视频号": "link",
    "拍一拍": "pat", "收藏笔记": "link",
}
_TAGGED = re.compile(r"^[\[【](?P<tag>[^\]】]+)[\]】][:：]?\s*(?P<rest>.*)$", re.S)
_QUOTE = re.compile(r"^(?P<reply>.*?)\n引用[:：](?P<name>[^:：\n]*)[:：]\s?(?P<quoted>.*)$", re.S)


def decode_body(body: str) -> Decoded:
    m = _QUOTE.match(body)
    if m:
        name = m.group("name").strip()
        return Decoded("quote", m.group("reply"), None, None if name == "未知" else name, m.group("quoted"))
    if body.endswith("\n引用:未知") or body.endswith("\n引用：未知"):
        return Decoded("quote", body.rsplit("\n", 1)[0])
    m = _TAGGED.match(body)
    if m and m.group("tag") in _PLACEHOLDER:
        kind = _PLACEHOLDER[m.group("tag")]
        rest = m.group("rest").strip()
        if kind == "link" and rest.startswith("title:"):
            rest = rest[len("title:"):]
        return Decoded(kind, rest.split("\n", 1)[0].strip() or None)
    if body.lstrip().startswith(("#接龙", "#Group Note")):
        return Decoded("solitaire", body)
    return Decoded("text", body)


def _records(path: Path, sniffed: Sniffed) -> Iterator[tuple[int, str, str | None, list[str]]]:
    """(line, time text, rest of header, body lines)."""
    cur: tuple[int, str, str | None] | None = None
    body: list[str] = []
    prev_blank = True
    with open_text(path, sniffed) as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.rstrip("\r\n")
            if n == 1:
                line = line.lstrip("\ufeff")
            m = HEADER.match(line) if prev_blank else None
            if m:
                if cur:
                    yield (*cur, body)
                cur, body = (n, m.group(1), m.group(2)), []
            elif cur is not None:
                body.append(line)
            elif line.strip():
                raise IngestError(path, "开头不是消息时间行", line=n, expected="YYYY-MM-DD HH:MM:SS 名字")
            prev_blank = not line.strip()
    if cur:
        yield (*cur, body)


def parse_memotrace_txt(path: Path, sniffed: Sniffed, opts: Options) -> Parsed:
    state = ParseState()
    chat_key, chat_name = _chat_key_from_path(path, opts.chat_name)

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        people: set[str] = set()
        for line, when, rest, body_lines in _records(path, sniffed):
            state.n_read += 1
            while body_lines and not body_lines[-1].strip():
                body_lines.pop()
            body = "\n".join(body_lines)
            if has_undecodable(body) or (rest and has_undecodable(rest)):
                state.skip(line, "包含无法解码的字节", f"{when} {rest or ''}")
                continue
            try:
                ts = parse_local(when, opts.tz)
            except TimeFormatError:
                state.skip(line, "时间无法识别", when)
                continue
            name: str | None
            if rest and body_lines:
                name, dec = rest.strip(), decode_body(body)
                people.add(name)
            else:
                name = None
                st = system_text(rest if rest else body)
                dec = Decoded("system", st.text)
            b.add(chat_key=chat_key, line=line, ts=ts, kind=dec.kind, text=dec.text, raw_type="txt",
                  sender_name=name, quote_name=dec.quote_name, quote_text=dec.quote_text)
            if b.full():
                yield b.take()
        if len(b):
            yield b.take()
        if state.n_read == 0:
            raise IngestError(path, "文件里没有找到任何消息", expected="留痕 TXT: 时间 名字 + 内容")
        state.chats[chat_key] = ChatInfo(chat_key, chat_name, "group" if len(people) > 2 else "private")

    return Parsed("wechat_memotrace_txt", "wechat", sniffed.label, state, batches(), opts.tz)
