"""QQChatExporter's HTML export (docs/formats.md §5.4), its default format.

Two layouts, both starting `<!DOCTYPE html>` with a `<!-- QCE_METADATA: {"chatName", "chatType", …} -->`
comment:

- single file: every message is a `<div class="message-block">` inside `div.chat-content`,
  holding either `div.message (self|other)#msg-<id>` (avatar `…&nk=<QQ号>…`, `span.sender`,
  `span.time` = `2024/06/15 10:00:00`, `div.content` with one node per element) or a
  `div.system-message-container` (`recalled-message` for a recall);
- the newer inlined viewer: the same message HTML, one JSON record per line inside
  `<script>window.__QCE_CHUNK__ && window.__QCE_CHUNK__({id:…,messages:[` … `]});` with the exact
  millisecond `ts`, and a `window.__QCE_MANIFEST__(…)` line naming the exporter.

The file is read in blocks and fed to the standard library's incremental HTML parser; record lines
go to a JSON decoder instead, so a 50 MB chunk script is never buffered by the HTML parser. Each
message is rebuilt into the JSON's message shape (element texts as the JSON writes them: `[图片:a.jpg]`,
`[回复消息]` …) and handed to the JSON's row logic (qq.qce_row).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import polars as pl

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import BatchBuilder, ChatInfo, Format, Options, Parsed, ParseState, Probe
from dashboard.core.ingest.qq import qce_row
from dashboard.core.ingest.textio import has_undecodable, open_text
from dashboard.core.ingest.timeparse import TimeFormatError, from_epoch, parse_local

NAME = "qq_qce_html"
EXPECTED = "QQChatExporter 导出的 HTML（含 <!-- QCE_METADATA --> 与 message-block 消息）"
BLOCK_CHARS = 1 << 20

_CHUNK_START = "<script>window.__QCE_CHUNK__"
_MANIFEST_START = "<script>window.__QCE_MANIFEST__"
_INDEX_START = "<script>window.__QCE_MSGID_INDEX__"
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})
_NK = re.compile(r"[?&]nk=(\d+)")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)")
_VOICE_TEXT = re.compile(r"^\[语音[:：]\s*(\d+(?:\.\d+)?)秒\]$")
_FORWARD_COUNT = re.compile(r"(\d+)\s*条")
_DEFAULT_FACE = re.compile(r"^表情(\d+)$")
# fallbacks an element renders as when it has no file to link (includeResourceLinks off)
_FALLBACK_VOICE = re.compile(r"^🎤 \[语音[:：](\d+(?:\.\d+)?)秒\]$")
_FALLBACK_MEDIA = {"📷": "image", "🎬": "video", "📎": "file"}
_FALLBACK_NAMES = {"图片", "视频", "文件"}
_FILE_NAME = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_TIME_SHAPE = re.compile(r"^\s*\d{4}[/-]\d{1,2}[/-]\d{1,2} \d{1,2}:\d{2}(?::\d{2})?\s*$")


def matches(p: Probe) -> bool:
    try:
        head = p.head[:8192]
        if "<!-- QCE_METADATA:" in head:
            return True
        lower = head.lower()
        return lower.lstrip().startswith(("<!doctype html", "<html")) and "qq chat exporter" in lower
    except Exception:  # detection must never raise
        return False


class _Node:
    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Node | str] = []

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find(self, cls: str | None = None, tag: str | None = None) -> _Node | None:
        """The first descendant with that class (and tag), depth first."""
        for c in self.children:
            if isinstance(c, _Node):
                if (cls is None or cls in c.classes) and (tag is None or c.tag == tag):
                    return c
                hit = c.find(cls, tag)
                if hit is not None:
                    return hit
        return None


def _is_root(tag: str, cls: list[str]) -> bool:
    return tag == "div" and ("message-block" in cls or "system-message-container" in cls
                             or ("message" in cls and ("self" in cls or "other" in cls)))


class _Reader(HTMLParser):
    """Collects each message-block as a small tree; the page around it is only scanned."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Node] = []
        self.start_line = 0
        self.done: list[tuple[int, _Node]] = []
        self.metadata: dict = {}
        self.hero: list[str] | None = None
        self.hero_title: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if not self.stack:
            cls = a.get("class", "").split()
            if _is_root(tag, cls):
                self.start_line = self.getpos()[0]
            elif tag == "h1" and "hero-title" in cls:
                self.hero = []
                return
            else:
                return
        node = _Node(tag, a)
        if self.stack:
            self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stack:
            self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if self.hero is not None and tag == "h1":
            self.hero_title = "".join(self.hero).strip() or None
            self.hero = None
            return
        if not self.stack or all(n.tag != tag for n in self.stack):
            return  # a stray end tag; browsers ignore it too
        while self.stack:
            node = self.stack.pop()
            if node.tag == tag:
                break
        if not self.stack:
            self.done.append((self.start_line, node))

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1].children.append(data)
        elif self.hero is not None:
            self.hero.append(data)

    def handle_comment(self, data: str) -> None:
        text = data.strip()
        if text.startswith("QCE_METADATA:") and not self.metadata:
            try:
                meta = json.loads(text[len("QCE_METADATA:"):])
            except ValueError:
                return
            if isinstance(meta, dict):
                self.metadata = meta


# ---------------------------------------------------------------------------------------------
# one message's tree → the JSON's message shape

def _el(kind: str, text: str, **data: object) -> dict:
    return {"type": kind, "data": data, "text": text}


def _media(kind: str, filename: str) -> dict:
    token = {"image": "图片", "video": "视频", "file": "文件"}[kind]
    return _el(kind, f"[{token}:{filename}]", filename=filename)


def _text_span(node: _Node) -> dict:
    return _el("text", node.text())


def _walk(node: _Node, out: list[dict]) -> None:
    """The elements a content node shows, in order, with the text the JSON writes for each."""
    for c in node.children:
        if isinstance(c, str):
            if c.strip():
                out.append(_el("text", c))
            continue
        cls = c.classes
        if "text-content" in cls:
            out.append(_text_span(c))
        elif "at-mention" in cls or "mention" in cls:
            out.append(_el("at", c.text(), name=c.text().lstrip("@")))
        elif "face-emoji" in cls:
            name = c.text().strip()
            m = _DEFAULT_FACE.match(name)
            out.append(_el("face", f"[表情{m.group(1)}]" if m else name, name=name))
        elif "image-content" in cls:
            img = c.find(tag="img")
            out.append(_media("image", img.attrs.get("alt", "") if img else ""))
        elif "sticker-wrap" in cls or (c.tag == "img" and "market-face" in cls):
            img = c if c.tag == "img" else c.find(tag="img")
            alt = img.attrs.get("alt", "") if img else ""
            if img is not None and "market-face" in img.classes:
                out.append(_el("market_face", f"[{alt}]", name=alt))
            else:
                out.append(_el("image", f"[图片:{alt}]", filename=alt, subType="sticker"))
        elif "audio-wrapper" in cls:
            m = _VOICE_TEXT.match(c.text().strip())
            out.append(_el("audio", f"[语音:{m.group(1) if m else 0}秒]", filename=""))
        elif "voice-bubble" in cls:
            sec = c.find("vsec")
            m = _DURATION.search(sec.text()) if sec else None
            out.append(_el("audio", f"[语音:{m.group(1) if m else 0}秒]", filename=c.attrs.get("data-name", "")))
        elif c.tag == "video" or "video-bubble" in cls:
            name = c.attrs.get("data-name") or c.text().strip().removeprefix("[视频:").removesuffix("]").strip()
            out.append(_media("video", name))
        elif "message-file" in cls:
            fname = c.find("fname")
            name = fname.text() if fname else c.attrs.get("download") or c.text().strip().removeprefix("📎").strip()
            out.append(_media("file", name))
        elif "reply-content" in cls:
            to = c.attrs.get("data-reply-to", "")
            strong = c.find(tag="strong")
            body = c.find("reply-content-text")
            out.append(_el("reply", "[回复消息]", referencedMessageId=to.removeprefix("msg-") or None,
                           senderName=strong.text().strip() if strong else None,
                           content=body.text() if body else None))
        elif "json-card" in cls:
            title = c.find("json-title")
            out.append(_el("json", "[JSON消息]", title=title.text() if title else ""))
        elif "forward-card" in cls:
            footer = c.find("forward-card-footer")
            m = _FORWARD_COUNT.search(footer.text()) if footer else None
            out.append(_el("forward", f"[转发消息: {m.group(1)}条]" if m else "[转发消息]"))
        elif "system-message" in cls:
            out.append(_el("system", c.text().strip()))
        elif "system-message-time" in cls or "date-divider" in cls or c.tag in ("script", "style", "svg"):
            continue
        else:
            _walk(c, out)


def _fallback(el: dict) -> dict:
    """A lone text span that is how an element renders without its file (📷 a.jpg, 🎤 [语音:3秒])."""
    if el["type"] != "text":
        return el
    t = el["text"]
    m = _FALLBACK_VOICE.match(t)
    if m:
        return _el("audio", f"[语音:{m.group(1)}秒]", filename="")
    if t.startswith("📍 "):
        return _el("location", "[位置消息]")
    mark, _, rest = t.partition(" ")
    if mark in _FALLBACK_MEDIA and rest and "\n" not in rest and (rest in _FALLBACK_NAMES or _FILE_NAME.search(rest)):
        return _media(_FALLBACK_MEDIA[mark], rest)
    if t == "[空消息]":
        return _el("text", "")
    return el


def _content(elements: list[dict]) -> dict:
    if len(elements) == 1:
        elements = [_fallback(elements[0])]
    resources = [{"type": e["type"], "filename": e["data"].get("filename", "")} for e in elements
                 if e["type"] in ("image", "video", "audio", "file")]
    return {"text": "".join(e["text"] for e in elements).strip(),
            "elements": [{"type": e["type"], "data": e["data"]} for e in elements], "resources": resources}


def _message(root: _Node) -> dict | None:
    """The JSON-shaped message a block shows, with `_time` (the wall time shown) and `_self`; None
    for a block without a message (a lone date divider)."""
    if "system-message-container" in root.classes:
        sys_node: _Node | None = root
        node = None
    else:
        node = root if "message" in root.classes else root.find("message")
        sys_node = root.find("system-message-container")
    if node is not None and ("self" in node.classes or "other" in node.classes):
        avatar = node.find("avatar")
        img = avatar.find(tag="img") if avatar else None
        nk = _NK.search(img.attrs.get("src", "")) if img else None
        sender = node.find("sender")
        time = node.find("time")
        body = node.find("content")
        elements: list[dict] = []
        if body is not None:
            _walk(body, elements)
        return {"id": node.attrs.get("id", "").removeprefix("msg-") or None,
                "sender": {"uin": nk.group(1) if nk else None, "uid": node.attrs.get("data-sender-uid") or None,
                           "name": sender.text().strip() if sender else None},
                "content": _content(elements), "system": False, "recalled": False,
                "_time": time.text().strip() if time is not None else None, "_self": "self" in node.classes}
    if sys_node is not None:
        # the time is the last div: classed `system-message-time`, or (older versions) a bare div
        clock = next((c for c in reversed(sys_node.children) if isinstance(c, _Node) and c.tag == "div" and (
            "system-message-time" in c.classes or (not c.classes and _TIME_SHAPE.match(c.text())))), None)
        shown = _Node("div", {})
        shown.children = [c for c in sys_node.children if c is not clock]
        elements = []
        _walk(shown, elements)
        # a recall notice names its actor in the text (`乙乙 撤回了一条消息`); the block has no sender
        return {"content": _content(elements), "system": True,
                "_time": clock.text().strip() if clock is not None else None, "_self": False}
    return None


# ---------------------------------------------------------------------------------------------

def _record(path: Path, n: int, line: str) -> dict:
    text = line.strip().removesuffix(",")
    try:
        rec = json.loads(text)
    except ValueError as e:
        raise IngestError(path, f"内联数据里的消息记录不是完整的 JSON（{e.msg}）", line=n,
                          expected='{"id":"msg-…","ts":…,"html":"…"}') from None
    if not isinstance(rec, dict) or not isinstance(rec.get("html"), str):
        raise IngestError(path, "内联数据里的消息记录缺少 html", line=n, expected='{"id":"msg-…","ts":…,"html":"…"}')
    return rec


def _manifest(line: str) -> dict:
    body = line.strip().removeprefix(_MANIFEST_START).strip()
    body = body[body.find("(") + 1:] if "(" in body else ""
    body = body.rstrip().removesuffix("</script>").rstrip().removesuffix(";").rstrip().removesuffix(")")
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def parse(probe: Probe, opts: Options) -> Parsed:
    path, sniffed = probe.path, probe.sniffed
    if sniffed is None:
        raise IngestError(path, "这不是文本文件", expected=EXPECTED)
    state = ParseState()
    parsed = Parsed(NAME, "qq", sniffed.label, state, iter(()), None)

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        reader = _Reader()
        people: set[str] = set()
        chat: dict[str, str | None] = {}
        local_used = False
        manifest: dict = {}

        def chat_key() -> str:
            if "key" not in chat:
                name = reader.metadata.get("chatName") or (manifest.get("chat") or {}).get("name") or reader.hero_title
                chat["name"] = name if isinstance(name, str) and name.strip() else None
                chat["key"] = opts.chat_name or chat["name"] or Path(probe.display_name).stem
            return chat["key"] or ""

        def emit(line: int, msg: dict | None, ts_ms: object = None) -> None:
            nonlocal local_used
            if msg is None:
                return
            state.n_read += 1
            when = msg.pop("_time", None)
            is_self = bool(msg.pop("_self", False))
            sender = msg.get("sender") or {}
            key = sender.get("uin") or sender.get("uid")
            name = sender.get("name") or None
            if any(has_undecodable(str(v)) for v in (name, msg["content"]["text"])):
                state.skip(line, "包含无法解码的字节", str(name or ""))
                return
            if isinstance(ts_ms, (int, float)) and not isinstance(ts_ms, bool) and ts_ms > 0:
                ts = from_epoch(ts_ms, "ms")
            elif when is None:
                raise IngestError(path, "这条消息没有时间", line=line,
                                  expected='<span class="time">2024/06/15 10:00:00</span>')
            else:
                try:
                    ts = parse_local(when, opts.tz)
                except TimeFormatError:
                    state.skip(line, "时间无法识别", f"{name or ''} {when}")
                    return
                local_used = True
            if is_self:
                state.exporter_key = state.exporter_key or key
                state.exporter_name = state.exporter_name or name
            if qce_row(b, state, chat_key=chat_key(), line=line, ts=ts, msg=msg, key=key, name=name,
                       is_self=is_self, raw_type="html"):
                people.add(key or name or "")

        def drain() -> None:
            for line, root in reader.done:
                emit(line, _message(root))
            reader.done.clear()

        def emit_record(line: int, rec: dict) -> None:
            sub = _Reader()
            sub.feed(rec["html"])
            sub.close()
            msg = _message(sub.done[0][1]) if sub.done else None
            if msg is None:
                raise IngestError(path, "内联数据里的这条记录没有消息内容", line=line, expected=EXPECTED)
            if not msg.get("id") and isinstance(rec.get("id"), str):  # system rows carry it only here
                msg["id"] = rec["id"].removeprefix("msg-") or None
            emit(line, msg, rec.get("ts"))

        def read_manifest(raw: str) -> None:
            manifest.update(_manifest(raw))
            me = manifest.get("chat") if isinstance(manifest.get("chat"), dict) else {}
            state.exporter_key = state.exporter_key or _str(me.get("selfUin")) or _str(me.get("selfUid"))
            state.exporter_name = state.exporter_name or _str(me.get("selfName"))

        mode = None  # inside an inlined chunk script, or a message-id index script
        n = 0
        pending: list[str] = []

        def flush() -> None:
            reader.feed("".join(pending))
            pending.clear()
            drain()

        try:
            with open_text(path, sniffed) as fh:
                while lines := fh.readlines(BLOCK_CHARS):
                    for raw in lines:
                        n += 1
                        head = raw.lstrip()[:40]
                        if mode == "chunk" and head.startswith("{"):
                            emit_record(n, _record(path, n, raw))
                            pending.append("\n")  # keeps the HTML parser's line count
                            continue
                        if mode == "index" and head.startswith("["):
                            pending.append("\n")
                            continue
                        mode = None
                        if head.startswith(_MANIFEST_START):
                            read_manifest(raw)
                            pending.append("\n")
                            continue
                        pending.append(raw)
                        if head.startswith(_CHUNK_START):
                            mode = "chunk"
                            flush()  # the page's metadata before the first record
                        elif head.startswith(_INDEX_START):
                            mode = "index"
                    flush()
                    if b.full():
                        yield b.take()
        except (OSError, UnicodeError) as e:
            raise IngestError(path, f"文件无法读取: {e}", line=n + 1) from None
        reader.close()
        drain()
        if reader.stack:
            raise IngestError(path, "文件在一条消息的中途结束（HTML 不完整）", line=reader.start_line,
                              expected="完整的 HTML 导出文件")
        if len(b):
            yield b.take()
        if state.n_read == 0:
            if reader.metadata.get("mode") == "chunked" and not manifest:
                raise IngestError(path, "这是分块导出的 index.html，消息在旁边的 data/chunks/ 文件里，暂不支持",
                                  expected="单文件 HTML 导出，或同一聊天的 JSON 导出")
            raise IngestError(path, "文件里没有找到任何消息", expected=EXPECTED)
        if local_used:
            parsed.source_tz = opts.tz
        ctype = reader.metadata.get("chatType") or (manifest.get("chat") or {}).get("type")
        kind = ("group" if ctype == "group" else "private" if ctype in ("private", "friend", "c2c", "temp")
                else "group" if len(people) > 2 else "private")
        key = chat_key()
        state.chats[key] = ChatInfo(key, opts.chat_name or chat.get("name") or key, kind)

    parsed.batches = batches()
    return parsed


def _str(v: object) -> str | None:
    if isinstance(v, (str, int)) and not isinstance(v, bool):
        s = str(v).strip()
        return s or None
    return None


FORMAT = Format(NAME, "QQ Chat Exporter HTML", "qq", "<!DOCTYPE html> <!-- QCE_METADATA: {…} --> … message-block",
                matches, parse)
