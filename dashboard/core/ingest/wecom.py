"""WeCom (企业微信) 会话内容存档: decrypted archive messages as JSON (docs/formats.md §2).

Shapes accepted, told apart from the start of the file:
- JSON Lines, one decrypted message per line (a line that is not JSON is skipped and counted);
- a JSON array of messages;
- one JSON object that wraps the messages: the API envelope `{"errcode":0,…,"chatdata":[…]}` with the
  decrypted fields inline, or a relay's own envelope (`{"code":0,"data":{"list":[…]}}`). The first
  array whose objects carry a `msgid` is streamed; items still encrypted are skipped with a reason.

Third-party relays stringify `msgtime`, write unused payloads as `null`, nest the payload in a
`content` field, and serialise payloads or their `content` as JSON strings: all are unwrapped.

Not messages: `action: switch` (a company-switch log: `time`, `user`, no msgtype) is counted as read
and dropped without a skip, like WeChat's Type 51 sync rows. Joins and leaves are not in the archive.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ijson
import polars as pl

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.jsonstream import head_object_keys, iter_items, iter_lines
from dashboard.core.ingest.model import BatchBuilder, ChatInfo, Format, Options, Parsed, ParseState, Probe, event_json
from dashboard.core.ingest.textio import Sniffed, has_undecodable
from dashboard.core.ingest.timeparse import epoch_unit, from_epoch

EXPECTED = "企业微信会话内容存档解密后的 JSON：每行一条消息，或消息数组，或 {\"chatdata\":[…]}"
SAMPLE = '{"msgid":"…","action":"send","from":"zhangsan","tolist":["lisi"],"roomid":"wr…",' \
         '"msgtime":1547087894783,"msgtype":"text","text":{"content":"你好"}}'

# msgtype → kind; text comes from the payload (see _content)
KINDS = {
    "text": "text", "markdown": "text", "image": "image", "voice": "voice", "video": "video", "emotion": "sticker",
    "file": "file", "card": "other", "location": "location", "link": "link", "weapp": "link", "chatrecord": "link",
    "todo": "other", "vote": "other", "collect": "solitaire", "redpacket": "red_packet",
    "external_redpacket": "red_packet", "meeting": "other", "doc": "link", "docmsg": "link", "news": "link",
    "calendar": "other", "mixed": "text", "meeting_voice_call": "call", "voip_doc_share": "file", "sphfeed": "link",
    "qydiskfile": "file", "agree": "system", "disagree": "system", "revoke": "system",
}
# payload keys other than the msgtype itself
_ALT_KEYS = {"markdown": ("info",), "news": ("info",), "external_redpacket": ("redpacket",), "docmsg": ("doc",),
             "qydiskfile": ("info",)}
_WRAPPERS = ("decrypt_chat_msg", "decrypted_chat_msg", "chat_msg", "chatmsg", "message", "msg", "data")


# ---------------------------------------------------------------------------------------------
# detection

def matches(p: Probe) -> bool:
    """A decrypted archive message (msgid + action + msgtime/from) near the start, or the API envelope."""
    try:
        head = p.head.lstrip()
        if not head.startswith(("{", "[")):
            return False
        keys = head_object_keys(head[:16384])
        if {"msgid", "action"} <= keys and keys & {"msgtime", "from", "time"}:
            return True
        return {"chatdata", "msgid"} <= keys
    except Exception:  # detection must never raise
        return False


# ---------------------------------------------------------------------------------------------
# small, type-safe readers: relays and fuzzed files put anything anywhere

def _str(v: object) -> str | None:
    if isinstance(v, str):
        return v
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float):
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
    return None


def _obj(v: object) -> dict | None:
    """A dict, or a JSON string that decodes to one."""
    if isinstance(v, dict):
        return v
    if isinstance(v, str) and v.lstrip().startswith("{"):
        try:
            d = json.loads(v)
        except ValueError:
            return None
        return d if isinstance(d, dict) else None
    return None


def _list(v: object) -> list:
    if isinstance(v, list):
        return v
    if isinstance(v, str) and v.lstrip().startswith("["):
        try:
            d = json.loads(v)
        except ValueError:
            return []
        return d if isinstance(d, list) else []
    return []


def _text(v: object) -> str | None:
    """A text field; a `content` that is itself JSON (`{"content": "…"}`) is unwrapped."""
    for _ in range(4):
        d = _obj(v)
        if d is None or "content" not in d:
            break
        v = d["content"]
    s = _str(v)
    return s if s and s.strip() else None


def _instant(v: object) -> dt.datetime | None:
    """msgtime: UTC milliseconds as a number or a string of digits (seconds are told by magnitude)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        v = v.strip()
        if not re.fullmatch(r"\d{9,16}(?:\.\d+)?", v):
            return None
    if not isinstance(v, int | float | str):
        return None
    try:
        f = float(v)
        return from_epoch(f, epoch_unit(f))
    except (ValueError, OverflowError, OSError):
        return None


def _person(v: object) -> str | None:
    """A userid; relays sometimes write {"userid": …} instead of the bare string."""
    d = _obj(v) if not isinstance(v, str) else None
    if d is not None:
        for k in ("userid", "user_id", "external_userid", "id"):
            if _str(d.get(k)):
                return _str(d.get(k))
        return None
    s = _str(v)
    return s.strip() if s and s.strip() else None


def _tolist(v: object) -> list[str]:
    items = _list(v)
    if not items and isinstance(v, str) and v.strip() and not v.lstrip().startswith("["):
        items = [p for p in re.split(r"[,;，]", v) if p.strip()]
    return [p for p in (_person(x) for x in items) if p]


# ---------------------------------------------------------------------------------------------
# one message → one raw row

@dataclass
class Row:
    chat_key: str
    chat_kind: str  # group | private
    ts: dt.datetime
    msgid: str | None
    sender: str | None
    kind: str
    text: str | None
    raw_type: str
    event: str | None = None


def _msgtype(msg: dict) -> str:
    t = (_str(msg.get("msgtype")) or "").strip().lower()
    if t:
        return t
    # a relay that dropped msgtype: the one known payload that is not null
    for k in KINDS:
        if msg.get(k) not in (None, "", {}, []):
            return k
    if "votetitle" in msg:
        return "vote"
    return ""


def _payload(msg: dict, msgtype: str) -> dict:
    for key in (msgtype, *_ALT_KEYS.get(msgtype, ())):
        v = msg.get(key)
        d = _obj(v)
        if d is not None:
            return d
        if isinstance(v, str) and v.strip():
            return {"content": v}
    c = msg.get("content")
    d = _obj(c)
    if d is not None:
        return d
    if isinstance(c, str) and c.strip():
        return {"content": c}
    return {}


def _first(payload: dict, *keys: str) -> str | None:
    for k in keys:
        s = _text(payload.get(k))
        if s:
            return s.strip()
    return None


def _collect_text(p: dict) -> str | None:
    """A 填表/接龙 form as a 接龙 list with its title as the topic. Its details are the form's
    questions, not sign-ups, so they follow a blank line and become no entries."""
    title = _first(p, "title", "room_name")
    questions = [q for q in (_first(_obj(d) or {}, "ques") for d in _list(p.get("details"))) if q]
    if not title and not questions:
        return None
    text = f"#接龙 {title or '填表'}"
    if questions:
        text += "\n\n" + "\n".join(f"表项: {q}" for q in questions)
    return text


def _mixed(p: dict) -> tuple[str, str | None]:
    texts: list[str] = []
    has_image = False
    for it in _list(p.get("item")):
        d = _obj(it) or {}
        t = (_str(d.get("type")) or "").lower()
        if t in ("text", "markdown"):
            s = _text(d.get("content"))
            if s:
                texts.append(s.strip())
        elif t in ("image", "emotion"):
            has_image = True
    if texts:
        return "text", "\n".join(texts)
    return ("image" if has_image else "other"), None


def _content(msgtype: str, msg: dict, p: dict) -> tuple[str, str | None]:
    """(kind, text) of a message."""
    kind = KINDS.get(msgtype, "other")
    if msgtype in ("text", "markdown"):
        text = _text(p.get("content"))
        # a WeChat-style 接龙 pasted into an external group reads like WeChat's own
        return ("solitaire" if text and text.lstrip().startswith(("#接龙", "#Group Note")) else kind), text
    if msgtype == "mixed":
        return _mixed(p)
    if msgtype == "collect":
        text = _collect_text(p)
        return ("solitaire", text) if text else ("other", None)
    if msgtype == "vote":
        return kind, _first(p, "votetitle") or _first(msg, "votetitle")
    if msgtype == "news":
        items = _list(p.get("item"))
        first = _obj(items[0]) if items else None
        return kind, _first(first or {}, "title", "description", "url") or _first(p, "title")
    if msgtype == "file":
        return kind, _first(p, "filename")
    if msgtype in ("voip_doc_share", "qydiskfile"):
        return kind, _first(p, "filename", "title")
    if msgtype in ("redpacket", "external_redpacket"):
        return kind, _first(p, "wish")
    if msgtype == "location":
        return kind, _first(p, "title", "address")
    if msgtype == "card":
        return kind, _first(p, "corpname", "userid")
    if msgtype == "meeting":
        return kind, _first(p, "topic")
    if msgtype == "sphfeed":
        return kind, _first(p, "feed_desc", "sph_name")
    if msgtype == "weapp":
        return kind, _first(p, "title", "displayname", "description")
    if msgtype in ("link", "chatrecord", "doc", "docmsg", "todo", "calendar"):
        return kind, _first(p, "title", "description", "link_url", "content")
    if kind == "other":  # a msgtype this reader does not know: keep a title or text if there is one
        return kind, _first(p, "title", "content", "description")
    return kind, None


def _chat(msg: dict, sender: str | None) -> tuple[str, str]:
    room = (_str(msg.get("roomid")) or "").strip()
    if room:
        return room, "group"
    to = _tolist(msg.get("tolist"))
    pair = sorted({p for p in (sender, to[0] if to else None) if p})
    return ("|".join(pair) or "unknown"), "private"


def read_message(msg: dict) -> Row | str | None:
    """A raw row; a reason (str) to skip the record; None for records that are not messages."""
    action = (_str(msg.get("action")) or "send").strip().lower()
    if action == "switch":
        return None
    ts = _instant(msg.get("msgtime"))
    if ts is None:
        return "时间无法识别（msgtime 应为毫秒时间戳）"
    sender = _person(msg.get("from"))
    chat_key, chat_kind = _chat(msg, sender)
    msgid = _str(msg.get("msgid"))
    msgid = (msgid.strip() or None) if msgid else None
    msgtype = _msgtype(msg)
    if action == "recall" or msgtype == "revoke":
        who = sender or "有人"
        return Row(chat_key, chat_kind, ts, msgid, sender, "system", f"{who} 撤回了一条消息", "revoke",
                   event_json("recall", actor=(sender, None)))
    p = _payload(msg, msgtype)
    if msgtype in ("agree", "disagree"):
        who = _first(p, "userid") or sender or "客户"
        verb = "同意" if msgtype == "agree" else "不同意"
        return Row(chat_key, chat_kind, ts, msgid, sender, "system", f"{who} {verb}存档会话内容", msgtype)
    kind, text = _content(msgtype, msg, p)
    return Row(chat_key, chat_kind, ts, msgid, sender, kind, text, msgtype or "unknown")


def _messages_in(obj: object) -> tuple[list[dict], str | None]:
    """The messages one record holds: itself, an envelope's chatdata, or a wrapped decrypted
    message (an object or a JSON string). A reason when it holds none."""
    d = obj if isinstance(obj, dict) else None
    if d is None:
        return [], "不是 JSON 对象"
    if "action" in d or "msgtype" in d or ("msgid" in d and ("msgtime" in d or "from" in d)):
        return [d], None
    inner = d.get("chatdata")
    if isinstance(inner, list):
        out: list[dict] = []
        reason = None
        for item in inner:
            msgs, why = _messages_in(item)
            out += msgs
            reason = reason or why
        return out, (reason if not out else None)
    for key in _WRAPPERS:
        w = _obj(d.get(key))
        if w is not None and ("action" in w or "msgtype" in w):
            return [w], None
    if "encrypt_chat_msg" in d:
        return [], "消息仍是加密的（encrypt_chat_msg），请先用会话存档 SDK 解密"
    return [], "不是会话存档消息（没有 msgid/action/msgtype）"


# ---------------------------------------------------------------------------------------------
# the file's shape

def _first_line_object(head: str) -> dict | None:
    """The first line as a JSON object when the file is JSON Lines (a complete line followed by more)."""
    lines = head.split("\n")
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None or not any(ln.strip() for ln in lines[first + 1:]):
        return None
    try:
        d = json.loads(lines[first].strip().lstrip("\ufeff"))
    except ValueError:
        return None
    return d if isinstance(d, dict) else None


def _array_prefix(head: str) -> str | None:
    """The ijson prefix of the first array of messages inside one big JSON object."""
    first_items = None
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head.encode("utf-8", "surrogateescape"))):
            if event == "map_key" and value == "msgid" and prefix.endswith("item"):
                return prefix
            if event == "start_map" and prefix.endswith(".item") and first_items is None:
                first_items = prefix
    except (ijson.JSONError, UnicodeDecodeError):
        pass  # the head is cut off mid-file; what was seen before is enough
    return first_items


def _whole_object(head: str) -> dict | None:
    """The head as one complete JSON object (a file of a single message)."""
    try:
        d = json.loads(head.strip().lstrip("\ufeff"))
    except ValueError:
        return None
    return d if isinstance(d, dict) else None


def _records(path: Path, sniffed: Sniffed, head: str) -> Iterator[tuple[int, object | None, str]]:
    """(line or ordinal, the decoded record or None when it is not JSON, raw text for the sample)."""
    start = head.lstrip()
    if start.startswith("{") and _first_line_object(head) is not None:
        yield from iter_lines(path, sniffed)  # JSON Lines
        return
    prefix = "item" if start.startswith("[") else _array_prefix(head)
    if prefix is None:
        whole = _whole_object(head)
        if whole is not None:
            yield 1, whole, ""
            return
        raise IngestError(path, "JSON 里找不到消息数组", line=1, expected=EXPECTED)
    for n, item in enumerate(iter_items(path, sniffed, prefix), start=1):
        yield n, item, ""


def _dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)[:200]


# ---------------------------------------------------------------------------------------------

def parse(probe: Probe, opts: Options) -> Parsed:
    path, sniffed = probe.path, probe.sniffed
    if sniffed is None:
        raise IngestError(path, "这是一个二进制文件，不是文本导出", expected=EXPECTED)
    state = ParseState()

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        bots: set[tuple[str, str]] = set()
        for line, obj, raw in _records(path, sniffed, probe.head):
            if obj is None:
                state.n_read += 1
                state.skip(line, "这一行不是 JSON", raw)
                continue
            msgs, why = _messages_in(obj)
            if not msgs:
                state.n_read += 1
                state.skip(line, why or "无法读取", raw or _dump(obj))
                continue
            for msg in msgs:
                state.n_read += 1
                row = read_message(msg)
                if row is None:
                    continue
                if isinstance(row, str):
                    state.skip(line, row, raw or _dump(msg))
                    continue
                if has_undecodable("\n".join(v for v in (row.text, row.sender, row.chat_key, row.msgid,
                                                           row.raw_type, row.event) if v)):
                    state.skip(line, "包含无法解码的字节", raw or _dump(msg))
                    continue
                chat_key = opts.chat_name or row.chat_key
                if chat_key not in state.chats:
                    name = opts.chat_name or (row.chat_key if row.chat_kind == "group"
                                              else " 与 ".join(row.chat_key.split("|")))
                    state.chats[chat_key] = ChatInfo(chat_key, name, row.chat_kind)
                if row.sender and row.sender.startswith("wb") and (chat_key, row.sender) not in bots:
                    bots.add((chat_key, row.sender))
                    state.roles.append((chat_key, row.sender, None, "bot"))
                b.add(chat_key=chat_key, line=line, ts=row.ts, kind=row.kind, text=row.text, raw_type=row.raw_type,
                      sender_key=row.sender, platform_msg_id=row.msgid, event_json=row.event)
                if b.full():
                    yield b.take()
        if len(b):
            yield b.take()
        if state.n_read == 0:
            raise IngestError(path, "文件里没有找到任何会话存档消息", expected=EXPECTED)

    return Parsed("wecom_json", "wecom", sniffed.label, state, batches(), None)


FORMATS: tuple[Format, ...] = (
    Format("wecom_json", "企业微信 会话内容存档 JSON", "wecom", SAMPLE, matches, parse),
)
