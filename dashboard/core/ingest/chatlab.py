"""ChatLab JSON / JSONL: an open interchange format for chat history (ChatLab, hellodigua/ChatLab).

Several exporters write it: WeFlow and CipherTalk (Weixin 4), ChatLab's own merge tool, and
converters for QQ, Discord, WhatsApp … Facts below were read in public sources; each names it:
[spec] = ChatLab's format document `docs/cn/chatlab-format.md` ("ChatLab 标准化格式规范 v0.0.2");
[types] = its TypeScript types `src/types/base.ts` / `src/types/format.ts`; [parser] = its own
readers `electron/main/parser/formats/chatlab.ts` and `chatlab-jsonl.ts`; [weflow] = WeFlow's
writer `electron/services/export/formatters/ChatLabFormatter.ts` and `exportService.ts`.

JSON, one object [spec][types `ChatLabFormat`]:
- `chatlab`: {version ("0.0.1", "0.0.2"), exportedAt (Unix **seconds**), generator?, description?}.
  Readers recognise the file by a `"chatlab": {` in its head [parser: head /"chatlab"\\s*:\\s*\\{/].
- `meta`: {name, platform, type ("group" | "private"), groupId? (group chats only), groupAvatar?
  (data URL, can be large), ownerId? ("所有者/导出者的 platformId": the exporting account),
  sources? (merge tool: [{filename, platform?, messageCount}])}. `platform` is free text: the spec
  names qq / wechat / discord / whatsapp; ChatLab's own constant for WeChat is `weixin`
  [types KNOWN_PLATFORMS], WeFlow writes `wechat` [weflow getExportMeta], a merge writes `mixed`.
  WeFlow sets groupId to the room id (`…@chatroom`) and members' platformId to wxids [weflow].
- `members[]`: {platformId, accountName, groupNickname?, aliases?[], avatar?, roles?[{id, name?}]}.
  Standard role ids are `owner` (群主) and `admin` (管理员); others are custom [spec].
- `messages[]`: {sender (a platformId), accountName, groupNickname?, timestamp (Unix **seconds**),
  type (number, below), content (string | null), platformMessageId?, replyToMessageId? (the
  platform id of the replied-to message)} [spec]. WeFlow adds `chatRecords` (the items of a
  forwarded chat record) [weflow]; they are not messages of this chat and are ignored here.
- Message type numbers [types MessageType]: TEXT 0, IMAGE 1, VOICE 2, VIDEO 3, FILE 4, EMOJI 5,
  LINK 7, LOCATION 8, RED_PACKET 20, TRANSFER 21, POKE 22, CALL 23, SHARE 24, REPLY 25, FORWARD 26,
  CONTACT 27, SYSTEM 80 (joins, leaves, notices), RECALL 81, OTHER 99. There is no 6.
  WeFlow maps WeChat 10000 → 80 (the readable system text), app-message 57 → 25, transfers (2000)
  → 99 and chat records (19) → 7 [weflow convertMessageType]; so a WeChat system text arrives as
  type 80 with the WeChat wording, which enrich's grammar reads.

JSONL [spec "JSONL 流式格式"][parser chatlab-jsonl.ts]: one object per line, told apart by
`_type`: `header` (must be the first line; holds `chatlab` and `meta`), then optional `member` lines
(the member fields), then `message` lines (the message fields). Lines starting with `#` are
comments; a line that does not parse may be skipped and the rest read.

Mapping to raw rows:
- platform: meta.platform when it is wechat (or weixin), qq, telegram, whatsapp or discord, so
  members key alike with the other exports of that platform; otherwise "chatlab".
- chat key: meta.groupId, else the file name; name = meta.name. kind = meta.type.
- sender_key = sender; sender_name = groupNickname, else accountName (else the member list's).
- meta.ownerId → the exporter (is_self on its messages).
- members' roles owner/admin → state.roles.
- kinds: 0 text, 1 image, 2 voice, 3 video, 4 file, 5 sticker, 7 link, 8 location, 20 red_packet,
  21 transfer, 22 pat, 23 call, 24 link, 25 quote, 26 link (a forwarded record), 27 other (a
  contact card), 80 system (no event_json: enrich reads WeChat-style texts itself; `names_json`
  lists the members whose names the text contains, as for pats), 81 recall (a system row carrying
  event_json("recall", actor=sender), which enrich re-kinds), 99 and unknown numbers other.
- a replyToMessageId on a text/link/other/REPLY message → kind quote with quote_id.
- a bracket placeholder that opens a media or link message's content (`[图片]`, `[链接] 标题`) is dropped
  from its text; `other` keeps it (the tag is all that says what it was: `[名片] 张医生`).
- timestamp: seconds per the spec; milliseconds are told by magnitude; ISO strings with an offset
  are accepted too. A message without a readable instant is skipped and counted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import ijson
import polars as pl

from dashboard.core.ingest import jsonstream
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import (
    BatchBuilder,
    ChatInfo,
    Format,
    Options,
    Parsed,
    ParseState,
    Probe,
    event_json,
)
from dashboard.core.ingest.timeparse import epoch_unit, from_epoch

TYPE_KINDS: dict[int, str] = {
    0: "text", 1: "image", 2: "voice", 3: "video", 4: "file", 5: "sticker", 7: "link", 8: "location",
    20: "red_packet", 21: "transfer", 22: "pat", 23: "call", 24: "link", 25: "quote", 26: "link", 27: "other",
    80: "system", 81: "recall", 99: "other",
}
PLATFORMS = {"wechat": "wechat", "weixin": "wechat", "qq": "qq", "telegram": "telegram", "whatsapp": "whatsapp",
             "discord": "discord"}
CHAT_KINDS = {"group": "group", "private": "private", "channel": "channel"}
STANDARD_ROLES = ("owner", "admin")

_MEDIA = {"image", "voice", "video", "sticker", "file", "location", "red_packet", "transfer", "call", "link"}
_REPLYABLE = {"text", "link", "other", "quote"}
_PLACEHOLDER = re.compile(r"^\s*[\[【][^\[\]【】\n]{1,12}[\]】]\s*")
_HEAD = re.compile(r'(?<!\\)"chatlab"\s*:\s*\{')
_JSONL_HEADER = re.compile(r'"_type"\s*:\s*"header"')
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

SAMPLE_JSON = '{"chatlab": {"version": "0.0.2", "exportedAt": …}, "meta": {…}, "members": […], "messages": […]}'
SAMPLE_JSONL = '{"_type": "header", "chatlab": {"version": "0.0.2", …}, "meta": {…}} ↵ {"_type": "message", …}'


# ---------------------------------------------------------------------------------------------
# detection

def _first_record_line(p: Probe) -> str:
    for line in p.head.splitlines():
        s = line.strip()
        if s and not s.startswith("#"):
            return s
    return ""


def _is_jsonl(p: Probe) -> bool:
    if p.sniffed is None:
        return False
    first = _first_record_line(p)
    return first.startswith("{") and bool(_JSONL_HEADER.search(first)) and bool(_HEAD.search(first))


def _is_json(p: Probe) -> bool:
    if p.sniffed is None:
        return False
    head = p.head.lstrip()
    if not head.startswith("{") or _JSONL_HEADER.search(_first_record_line(p)):
        return False
    return bool(_HEAD.search(head[:65536]))


# ---------------------------------------------------------------------------------------------
# small readers that never raise on odd values

def _str(v: object) -> str | None:
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e18:
        return str(int(v))
    return None


def _text(v: object) -> str | None:
    if isinstance(v, str):
        return v if v.strip() else None
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return _str(v) or str(v)
    try:
        return json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        return None


def _int(v: object) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and v.strip().isascii() and v.strip().isdigit():
        return int(v.strip())
    return None


def _instant(v: object) -> dt.datetime | None:
    """Seconds (the spec), milliseconds (by magnitude), digit strings, or ISO text with an offset."""
    if isinstance(v, bool):
        return None
    num: float | None = None
    if isinstance(v, (int, float)):
        num = float(v)
    elif isinstance(v, str):
        s = v.strip()
        try:
            num = float(s)
        except ValueError:
            if not _ISO.match(s):
                return None
            try:
                t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
            except ValueError:
                return None
            return t.astimezone(dt.UTC) if t.tzinfo is not None else None
    if num is None or num != num or num <= 0:
        return None
    try:
        return from_epoch(num, epoch_unit(num))
    except (OverflowError, OSError, ValueError):
        return None


def _encodable(*values: str | None) -> bool:
    """Lone surrogates (undecodable bytes, or `\\ud800` escapes) cannot be stored."""
    try:
        for v in values:
            if v is not None:
                v.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def platform_of(meta: dict) -> str:
    raw = meta.get("platform")
    return PLATFORMS.get(raw.strip().lower(), "chatlab") if isinstance(raw, str) else "chatlab"


# ---------------------------------------------------------------------------------------------
# the shared reader: meta, members, then messages one by one

class _Reader:
    def __init__(self, probe: Probe, opts: Options, meta: dict, fmt: str) -> None:
        self.probe = probe
        self.state = ParseState()
        self.platform = platform_of(meta)
        stem = re.sub(r"\.chatlab$", "", Path(probe.display_name).stem, flags=re.I) or Path(probe.path).stem
        name = _str(meta.get("name"))
        group_id = _str(meta.get("groupId"))
        if opts.chat_name:
            self.chat_key, chat_name = opts.chat_name, opts.chat_name
        else:
            self.chat_key, chat_name = group_id or stem, name or group_id or stem
        kind = CHAT_KINDS.get(str(meta.get("type") or "").strip().lower(), "group")
        self.state.chats[self.chat_key] = ChatInfo(self.chat_key, chat_name, kind)
        self.state.exporter_key = _str(meta.get("ownerId"))
        self.fmt = fmt
        # name → platformId, for system texts; None once a name is shared by two people
        self.directory: dict[str, str | None] = {}
        self.member_names: dict[str, str] = {}

    # members ----------------------------------------------------------------------------
    def _learn(self, name: str | None, key: str) -> None:
        if name and _encodable(name):
            old = self.directory.get(name, key)
            self.directory[name] = key if old == key else None

    def member(self, m: object) -> None:
        if not isinstance(m, dict):
            return
        key = _str(m.get("platformId"))
        if key is None or not _encodable(key):
            return
        account, nick = _str(m.get("accountName")), _str(m.get("groupNickname"))
        name = nick or account
        if name and _encodable(name):
            self.member_names[key] = name
        self._learn(account, key)
        self._learn(nick, key)
        if key == self.state.exporter_key and name and _encodable(name):
            self.state.exporter_name = name
        roles = m.get("roles")
        if isinstance(roles, list):
            for r in roles:
                rid = _str(r.get("id")) if isinstance(r, dict) else _str(r)
                if rid in STANDARD_ROLES:
                    self.state.roles.append((self.chat_key, key, self.member_names.get(key), rid))

    # messages ---------------------------------------------------------------------------
    def message(self, b: BatchBuilder, m: object, line: int) -> None:
        state = self.state
        state.n_read += 1
        if not isinstance(m, dict):
            state.skip(line, "消息不是 JSON 对象", str(m)[:200])
            return
        ts = _instant(m.get("timestamp"))
        if ts is None:
            state.skip(line, "时间无法识别", repr(m.get("timestamp"))[:200])
            return
        type_no = _int(m.get("type"))
        content = _text(m.get("content"))
        kind = TYPE_KINDS.get(type_no, "other") if type_no is not None else ("text" if content else "other")
        sender = _str(m.get("sender"))
        account, nick = _str(m.get("accountName")), _str(m.get("groupNickname"))
        name = nick or account or (self.member_names.get(sender) if sender else None)
        pmid, reply = _str(m.get("platformMessageId")), _str(m.get("replyToMessageId"))
        if not _encodable(content, sender, name, account, nick, pmid, reply):
            state.skip(line, "包含无法解码的字符", (content or "")[:200].encode("utf-8", "replace").decode())
            return
        if sender:
            self._learn(account, sender)
            self._learn(nick, sender)
        quote_id = None
        if reply and kind in _REPLYABLE:
            kind, quote_id = "quote", reply
        text = content
        if kind in _MEDIA and text:
            text = _PLACEHOLDER.sub("", text, count=1).strip() or None
        names_json = event = None
        if kind in ("system", "pat") and text:
            hits = {n: k for n, k in self.directory.items() if k is not None and n in text}
            names_json = json.dumps(hits, ensure_ascii=False) if hits else None
        if kind == "system":
            sender = name = None
        elif kind == "recall":
            event = event_json("recall", actor=(sender, name))
            kind = "system"
        raw_type = str(type_no) if type_no is not None else "?"
        b.add(chat_key=self.chat_key, line=line, ts=ts, kind=kind, text=text, raw_type=f"chatlab:{raw_type}",
              sender_key=sender, sender_name=name,
              is_self=sender is not None and sender == state.exporter_key,
              platform_msg_id=pmid, quote_id=quote_id, names_json=names_json, event_json=event)

    def done(self) -> None:
        if self.state.n_read == 0:
            raise IngestError(self.probe.path, "文件里没有找到任何消息", expected=SAMPLE_JSON if self.fmt == "json"
                              else SAMPLE_JSONL)


# ---------------------------------------------------------------------------------------------
# JSON

def _prelude(probe: Probe) -> tuple[dict, list]:
    """`chatlab`, `meta` and `members`, read before the messages. They come first in every writer
    we know, so the scan stops at `messages`; a file that puts them later is scanned through."""
    path, sniffed = probe.path, probe.sniffed
    assert sniffed is not None
    header: object = None
    meta: object = None
    members: list = []
    seen_messages = False
    builder: ijson.ObjectBuilder | None = None
    target = ""
    events = jsonstream.iter_events(path, sniffed)
    try:
        first = True
        for prefix, event, value in events:
            if first:
                first = False
                if event != "start_map":
                    raise IngestError(path, "ChatLab JSON 的最外层应是一个对象", line=1, expected=SAMPLE_JSON)
                continue
            if builder is not None:
                builder.event(event, value)
                if prefix == target and event in ("end_map", "end_array"):
                    if target == "chatlab":
                        header = builder.value
                    elif target == "meta":
                        meta = builder.value
                    else:
                        members.append(builder.value)
                    builder = None
                continue
            if prefix == "" and event == "map_key":
                if value == "messages":
                    seen_messages = True
                    if header is not None and meta is not None:
                        break
                continue
            if prefix in ("chatlab", "meta", "members.item"):
                if event in ("start_map", "start_array"):
                    builder, target = ijson.ObjectBuilder(), prefix
                    builder.event(event, value)
                elif prefix == "members.item":
                    members.append(value)
                elif prefix == "chatlab":
                    header = value
                else:
                    meta = value
    finally:
        events.close()
    if not isinstance(header, dict):
        raise IngestError(path, "缺少 chatlab 文件头对象", line=1, expected=SAMPLE_JSON)
    if not seen_messages:
        raise IngestError(path, "缺少 messages 消息列表", expected=SAMPLE_JSON)
    return (meta if isinstance(meta, dict) else {}), members


def parse_json(probe: Probe, opts: Options) -> Parsed:
    assert probe.sniffed is not None
    meta, members = _prelude(probe)
    reader = _Reader(probe, opts, meta, "json")
    for m in members:
        reader.member(m)

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        for n, item in enumerate(jsonstream.iter_items(probe.path, probe.sniffed, "messages.item"), start=1):
            reader.message(b, item, n)
            if b.full():
                yield b.take()
        if len(b):
            yield b.take()
        reader.done()

    return Parsed("chatlab_json", reader.platform, probe.sniffed.label, reader.state, batches())


# ---------------------------------------------------------------------------------------------
# JSONL

def _records(probe: Probe) -> Iterator[tuple[int, object | None, str]]:
    assert probe.sniffed is not None
    for n, obj, raw in jsonstream.iter_lines(probe.path, probe.sniffed):
        if raw.startswith("#"):
            continue
        yield n, obj, raw


def _jsonl_header(probe: Probe) -> dict:
    records = _records(probe)
    try:
        for n, obj, _raw in records:
            if isinstance(obj, dict) and obj.get("_type") == "header" and isinstance(obj.get("chatlab"), dict):
                meta = obj.get("meta")
                return meta if isinstance(meta, dict) else {}
            raise IngestError(probe.path, "第一行应是 ChatLab 文件头（_type 为 header）", line=n,
                              expected=SAMPLE_JSONL)
    finally:
        records.close()
    raise IngestError(probe.path, "文件里没有找到任何消息", expected=SAMPLE_JSONL)


def parse_jsonl(probe: Probe, opts: Options) -> Parsed:
    assert probe.sniffed is not None
    reader = _Reader(probe, opts, _jsonl_header(probe), "jsonl")
    state = reader.state

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        for n, obj, raw in _records(probe):
            kind = obj.get("_type") if isinstance(obj, dict) else None
            if kind == "message":
                reader.message(b, obj, n)
            elif kind == "member":
                reader.member(obj)
            elif kind == "header":
                continue
            else:
                state.n_read += 1
                why = "不是合法的 JSON" if obj is None else "未知的行类型（_type 应为 header / member / message）"
                state.skip(n, why, raw[:200])
            if b.full():
                yield b.take()
        if len(b):
            yield b.take()
        reader.done()

    return Parsed("chatlab_jsonl", reader.platform, probe.sniffed.label, state, batches())


FORMATS: tuple[Format, ...] = (
    Format("chatlab_json", "ChatLab JSON", "chatlab", SAMPLE_JSON, _is_json, parse_json),
    Format("chatlab_jsonl", "ChatLab JSONL", "chatlab", SAMPLE_JSONL, _is_jsonl, parse_jsonl),
)
