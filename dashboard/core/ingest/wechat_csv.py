"""WeChat CSV exports: MemoTrace (留痕) 1.x and 2.x, PyWxDump, and raw message tables dumped to CSV.

Field meanings and quirks: export-formats.md §1.1–1.9. Each reader maps a CSV record to a raw
row (model.BatchBuilder); identity, events and de-duplication happen later, in `enrich`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from dashboard.core.ingest import wechat_content as wc
from dashboard.core.ingest.csvrows import ends_with_newline, iter_records
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import BatchBuilder, ChatInfo, Options, Parsed, ParseState
from dashboard.core.ingest.textio import Sniffed
from dashboard.core.ingest.timeparse import TimeFormatError, epoch_unit, from_epoch, parse_local

MEMOTRACE1_HEADER = ["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status",
                     "StrContent", "StrTime", "Remark", "NickName", "Sender"]
MEMOTRACE1_ALL_HEADER = MEMOTRACE1_HEADER[:9]
MEMOTRACE2_HEADER = ["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"]
PYWXDUMP_HEADER = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"]
SELF_NAMES = {"我", "self", "me"}
SYSTEM_TALKERS = {"系统", "系统消息", "system"}


@dataclass
class Decoded:
    kind: str
    text: str | None
    quote_id: str | None = None
    quote_name: str | None = None
    quote_text: str | None = None
    names_json: str | None = None


def _int(s: str | None, default: int = 0) -> int:
    try:
        return int(float(s)) if s not in (None, "") else default
    except ValueError:
        return default


def decode_pc(type_code: int, sub_type: int, content: str) -> Decoded | None:
    """Content of a PC-typed row (Type/SubType codes); None for rows that are not messages."""
    if type_code in wc.DROPPED_PC_TYPES:
        return None
    kind = wc.kind_from_pc(type_code, sub_type)
    content = (content or "").replace("\r\n", "\n")
    if kind == "system" or type_code in (10000, 10002):
        st = wc.system_text(content)
        if "revokemsg" in content:
            kind = "recall"
        return Decoded(kind, st.text, names_json=wc.names_json(st.names))
    app = wc.parse_appmsg(content) if "<appmsg" in content else None
    if app is not None:
        if type_code == 49 and app.sub_type is not None and sub_type == 0:
            kind = wc.APPMSG_KIND.get(app.sub_type, "link")
        if kind == "quote":
            return Decoded("quote", app.title, app.refer_svrid, app.refer_name, app.refer_content)
        return Decoded(kind, wc.appmsg_text(kind, app))
    if kind == "text":
        if content.lstrip().startswith(("#接龙", "#Group Note")):
            return Decoded("solitaire", content)
        return Decoded("text", content)
    if kind == "location":
        label = re.search(r'(?:poiname|label)="([^"]+)"', content)
        return Decoded("location", label.group(1) if label else None)
    if kind in ("call", "pat", "link", "file", "transfer", "red_packet", "solitaire", "other"):
        return Decoded(kind, content if content and "<" not in content[:1] else None)
    return Decoded(kind, None)


# ---------------------------------------------------------------------------------------------
# MemoTrace 1.x CSV (per-contact and "export all")

def _chat_key_from_path(path: Path, override: str | None) -> tuple[str, str]:
    """Per-contact exports name the file after the contact's remark: `<备注>_utf8.csv`."""
    if override:
        return override, override
    folder = re.match(r"^(.*)\(((?:wxid_|gh_)?[\w\-]+@chatroom|wxid_[\w\-]+)\)$", path.parent.name)
    if folder:
        return folder.group(2), folder.group(1)
    stem = re.sub(r"_utf8$", "", path.stem)
    return stem, stem


def parse_memotrace1(path: Path, sniffed: Sniffed, header: list[str], opts: Options) -> Parsed:
    state = ParseState()
    export_all = header == MEMOTRACE1_ALL_HEADER
    names = [*MEMOTRACE1_ALL_HEADER, "MsgSvrID"] if export_all else header
    idx = {n: i for i, n in enumerate(names)}
    chat_key, chat_name = _chat_key_from_path(path, opts.chat_name)

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        senders: dict[str, set] = {}
        for line, row, readable in iter_records(path, sniffed):
            state.n_read += 1
            if not readable:
                state.skip(line, "包含无法解码的字节", ",".join(row))
                continue
            if len(row) != len(names):
                state.skip(line, f"字段数为 {len(row)}，应为 {len(names)}", ",".join(row))
                continue
            get = row.__getitem__
            try:
                created = get(idx["CreateTime"])
                if created.strip().lstrip("-").isdigit():
                    ts = from_epoch(created, epoch_unit(float(created)))
                else:
                    ts = parse_local(get(idx["StrTime"]), opts.tz)
            except (TimeFormatError, ValueError, OverflowError):
                state.skip(line, "时间无法识别", ",".join(row))
                continue
            dec = decode_pc(_int(get(idx["Type"])), _int(get(idx["SubType"])), get(idx["StrContent"]))
            if dec is None:
                continue
            is_self = get(idx["IsSender"]).strip() == "1"
            if export_all:
                key = f"talker:{get(idx['TalkerId'])}"
                state.chats.setdefault(key, ChatInfo(key, f"会话 {get(idx['TalkerId'])}", "unknown"))
                prefix_key, body = wc.split_sender_prefix(get(idx["StrContent"]))
                if prefix_key and dec.text and dec.text.startswith(prefix_key + ":\n"):
                    dec.text = body
                sender_key, sender_name = (None, None) if is_self else (prefix_key, None)
                platform_id = get(idx["MsgSvrID"]).strip() or None
            else:
                key = chat_key
                sender_key = get(idx["Sender"]).strip() or None
                nick = get(idx["NickName"]).strip()
                sender_name = get(idx["Remark"]).strip() or nick or None
                platform_id = None
                if sender_key and nick and nick != sender_name:
                    # system texts name people by nickname; remember it for this wxid
                    dec.names_json = dec.names_json or wc.names_json({nick: sender_key})
                if is_self and sender_key:
                    state.exporter_key = sender_key
                    state.exporter_name = sender_name
            if dec.kind in ("system", "recall") and not is_self:
                sender_key, sender_name = None, None
            if sender_key and not is_self:
                senders.setdefault(key, set()).add(sender_key)
            b.add(chat_key=key, line=line, ts=ts, kind=dec.kind, text=dec.text,
                  raw_type=f"{get(idx['Type'])}/{get(idx['SubType'])}", sender_key=sender_key,
                  sender_name=sender_name, is_self=is_self, platform_msg_id=platform_id,
                  quote_id=dec.quote_id, quote_name=dec.quote_name, quote_text=dec.quote_text,
                  names_json=dec.names_json)
            if b.full():
                yield b.take()
        if len(b):
            yield b.take()
        if not export_all:
            n_other = len(senders.get(chat_key, ()))
            kind = "private" if n_other == 1 and not chat_key.endswith("@chatroom") else "group"
            state.chats[chat_key] = ChatInfo(chat_key, chat_name, kind)

    return Parsed("wechat_memotrace_csv", "wechat", sniffed.label, state, batches(), opts.tz)


# ---------------------------------------------------------------------------------------------
# MemoTrace 2.x CSV (Chinese header; names only, local times)

_QUOTE2 = re.compile(r"^(?P<reply>.*)\n引用[：:](?P<name>[^:：\n]+)[:：] ?(?P<quoted>.*)$", re.S)
_BRACKET = re.compile(r"^【(?P<tag>[^】]+)】[:：]? ?(?P<rest>.*)$", re.S)


def decode_typename(kind: str, content: str) -> Decoded:
    """Content as MemoTrace 2.x / PyWxDump render it, given the kind from the type name."""
    c = (content or "").replace("\r\n", "\n")
    if kind in ("system", "recall"):
        st = wc.system_text(c)
        if "revokemsg" in c:
            kind = "recall"
        return Decoded(kind, st.text, names_json=wc.names_json(st.names))
    if kind == "quote":
        m = _QUOTE2.match(c)
        if m:
            return Decoded("quote", m.group("reply"), None, m.group("name").strip(), m.group("quoted"))
        m = _PYWX_QUOTE.match(c)
        if m:
            return Decoded("quote", m.group("reply"), None, m.group("name").strip(), m.group("quoted"),
                           names_json=json.dumps({"quote_time": m.group("time")}))
        return Decoded("quote", c)
    if kind == "text":
        if c.lstrip().startswith(("#接龙", "#Group Note")):
            return Decoded("solitaire", c)
        return Decoded("text", c)
    m = _BRACKET.match(c)
    if m:
        rest = m.group("rest").strip()
        if kind == "link":  # 【分享链接】\n标题：…\n描述：…: the title line
            rest = re.sub(r"^标题[:：]\s*", "", rest.split("\n", 1)[0])
        return Decoded(kind, rest or None)
    if kind in ("image", "video", "sticker", "voice") and c in ("图片", "视频", "表情", "语音"):
        return Decoded(kind, None)
    if kind == "voice":  # 语音时长：3.20秒[\n翻译结果：…]: keep the transcript only
        transcript = re.search(r"翻译结果[:：](.*)$", c, re.S)
        return Decoded(kind, transcript.group(1).strip() if transcript else None)
    if kind == "link":
        return Decoded(kind, c.split("\n", 1)[0] or None)
    if kind == "solitaire":
        return Decoded(kind, c if c.lstrip().startswith("#接龙") else None)
    if kind == "red_packet" and c.strip() in ("红包", "[红包]"):
        return Decoded(kind, None)
    return Decoded(kind, c or None)


def parse_memotrace2(path: Path, sniffed: Sniffed, header: list[str], opts: Options) -> Parsed:
    state = ParseState()
    idx = {n: i for i, n in enumerate(header)}
    chat_key, chat_name = _chat_key_from_path(path, opts.chat_name)

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        people: set[str] = set()
        for line, row, readable in iter_records(path, sniffed):
            state.n_read += 1
            if not readable or len(row) != len(header):
                state.skip(line, "包含无法解码的字节" if not readable else f"字段数为 {len(row)}，应为 {len(header)}",
                           ",".join(row))
                continue
            try:
                ts = parse_local(row[idx["时间"]], opts.tz)
            except TimeFormatError:
                state.skip(line, "时间无法识别", ",".join(row))
                continue
            kind = wc.kind_from_type_name(row[idx["类型"]])
            dec = decode_typename(kind, row[idx["内容"]])
            name = row[idx["发送人"]].strip() or None
            if dec.kind in ("system", "recall"):
                name = None
            elif name:
                people.add(name)
            b.add(chat_key=chat_key, line=line, ts=ts, kind=dec.kind, text=dec.text,
                  raw_type=row[idx["类型"]], sender_name=name,
                  platform_msg_id=row[idx["消息ID"]].strip() or None,
                  quote_name=dec.quote_name, quote_text=dec.quote_text, names_json=dec.names_json)
            if b.full():
                yield b.take()
        if len(b):
            yield b.take()
        kind = "group" if len(people) > 2 or chat_key.endswith("@chatroom") else "private"
        state.chats[chat_key] = ChatInfo(chat_key, chat_name, kind)

    return Parsed("wechat_memotrace_csv", "wechat", sniffed.label, state, batches(), opts.tz)


# ---------------------------------------------------------------------------------------------
# PyWxDump CSV (+ users.json)

_PYWX_QUOTE = re.compile(
    r"^(?P<reply>.*?)\n\n\[引用\]\((?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\)"
    r"(?P<name>[^:\n]+):(?P<quoted>.*)$",
    re.S,
)
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+\d+$", re.I)


def _load_users(path: Path) -> dict[str, dict]:
    f = path.parent / "users.json"
    if not f.exists():
        return {}
    try:
        data = json.loads(f.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return {}
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if isinstance(v, dict)}
    if isinstance(data, list):
        return {d.get("wxid") or d.get("username"): d for d in data if isinstance(d, dict)}
    return {}


def _user_name(info: dict | None) -> str | None:
    if not info:
        return None
    for k in ("roomNickname", "room_nickname", "remark", "nickname", "nickName", "NickName", "Remark"):
        v = info.get(k)
        if v:
            return str(v)
    return None


def parse_pywxdump(path: Path, sniffed: Sniffed, header: list[str], opts: Options) -> Parsed:
    state = ParseState()
    idx = {n: i for i, n in enumerate(header)}
    users = _load_users(path)
    folder_wxid = path.parent.name if re.match(r"^(wxid_|[\w\-]+@chatroom)", path.parent.name) else None

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        people: dict[str, set] = {}
        for line, row, readable in iter_records(path, sniffed):
            state.n_read += 1
            if not readable or len(row) != len(header):
                state.skip(line, "包含无法解码的字节" if not readable else f"字段数为 {len(row)}，应为 {len(header)}",
                           ",".join(row))
                continue
            try:
                ts = parse_local(row[idx["CreateTime"]], opts.tz)
            except TimeFormatError:
                state.skip(line, "时间无法识别", ",".join(row))
                continue
            room = row[idx["room_name"]].strip() or folder_wxid or path.stem
            chat_key = opts.chat_name or room
            if chat_key not in state.chats:
                state.chats[chat_key] = ChatInfo(
                    chat_key, opts.chat_name or _user_name(users.get(room)) or room,
                    "group" if room.endswith("@chatroom") else "private")
            kind = wc.kind_from_type_name(row[idx["type_name"]])
            dec = decode_typename(kind, row[idx["msg"]])
            talker = row[idx["talker"]].strip()
            is_self = row[idx["is_sender"]].strip() == "1"
            sender_key: str | None = None
            if is_self:
                if talker and talker not in SELF_NAMES:
                    sender_key = talker
                    state.exporter_key = talker
            elif talker and talker not in SYSTEM_TALKERS and talker != "未知" and dec.kind not in ("system", "recall"):
                sender_key = talker
            if sender_key and not is_self:
                people.setdefault(chat_key, set()).add(sender_key)
            svr = row[idx["MsgSvrID"]].strip()
            platform_id = svr if svr and svr.isdigit() and not _SCIENTIFIC.match(svr) else None
            quote_ts = None
            if dec.names_json and "quote_time" in dec.names_json:
                try:
                    quote_ts = parse_local(json.loads(dec.names_json)["quote_time"], opts.tz)
                except TimeFormatError:
                    quote_ts = None
                dec.names_json = None
            b.add(chat_key=chat_key, line=line, ts=ts, kind=dec.kind, text=dec.text,
                  raw_type=row[idx["type_name"]], sender_key=sender_key,
                  sender_name=_user_name(users.get(sender_key)) if sender_key else None,
                  is_self=is_self, platform_msg_id=platform_id, quote_name=dec.quote_name,
                  quote_text=dec.quote_text, quote_ts=quote_ts, names_json=dec.names_json)
            if b.full():
                yield b.take()
        if len(b):
            yield b.take()
        if state.exporter_key:
            state.exporter_name = _user_name(users.get(state.exporter_key))

    return Parsed("wechat_pywxdump_csv", "wechat", sniffed.label, state, batches(), opts.tz)


# ---------------------------------------------------------------------------------------------
# raw message tables dumped to CSV (PC 3.x MSG, Android message, Weixin 4.x Msg_*)

@dataclass(frozen=True)
class RawFlavour:
    name: str
    required: tuple[str, ...]
    time: str
    content: str
    talker: str | None
    svr_id: str
    is_send: str | None
    decode_type: Callable[[dict], tuple[int, int]]  # the row's (PC Type, SubType)
    time_unit: str | None = None  # None: decide by magnitude


def _pc_type(r: dict) -> tuple[int, int]:
    return _int(r.get("Type")), _int(r.get("SubType"))


def _android_type(r: dict) -> tuple[int, int]:
    return wc.ANDROID_TYPE_PC.get(_int(r.get("type")), (11000, 0))


def _v4_type(r: dict) -> tuple[int, int]:
    return wc.unpack_v4_type(_int(r.get("local_type")))


RAW_FLAVOURS = (
    RawFlavour("pc3", ("StrTalker", "StrContent", "CreateTime", "Type", "IsSender"), "CreateTime", "StrContent",
               "StrTalker", "MsgSvrID", "IsSender", _pc_type, "s"),
    RawFlavour("android", ("talker", "content", "createTime", "type", "isSend"), "createTime", "content",
               "talker", "msgSvrId", "isSend", _android_type, "ms"),
    RawFlavour("v4", ("local_type", "create_time", "message_content"), "create_time", "message_content",
               None, "server_id", None, _v4_type, "s"),
)


def raw_flavour(header: list[str]) -> RawFlavour | None:
    names = set(header)
    for f in RAW_FLAVOURS:
        if all(c in names for c in f.required):
            return f
    return None


def parse_raw_table(path: Path, sniffed: Sniffed, header: list[str], opts: Options) -> Parsed:
    flavour = raw_flavour(header)
    assert flavour is not None
    state = ParseState()
    fallback_key, fallback_name = _chat_key_from_path(path, opts.chat_name)

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        for line, row, readable in iter_records(path, sniffed):
            state.n_read += 1
            if not readable or len(row) != len(header):
                state.skip(line, "包含无法解码的字节" if not readable else f"字段数为 {len(row)}，应为 {len(header)}",
                           ",".join(row))
                continue
            r = dict(zip(header, row, strict=True))
            try:
                raw_time = r[flavour.time].strip()
                ts = from_epoch(raw_time, flavour.time_unit or epoch_unit(float(raw_time)))
            except (ValueError, OverflowError):
                state.skip(line, "时间无法识别", ",".join(row))
                continue
            talker = (r.get(flavour.talker) or "").strip() if flavour.talker else ""
            chat_key = opts.chat_name or talker or fallback_key
            is_group = chat_key.endswith("@chatroom") or talker.endswith("@chatroom")
            if chat_key not in state.chats:
                name = opts.chat_name or talker or fallback_name
                state.chats[chat_key] = ChatInfo(chat_key, name, "group" if is_group else "private")
            type_code, sub_type = flavour.decode_type(r)
            content = r.get(flavour.content) or ""
            is_self = (r.get(flavour.is_send) or "").strip() == "1" if flavour.is_send else False
            sender_key, body = wc.split_sender_prefix(content)
            dec = decode_pc(type_code, sub_type, body)
            if dec is None:
                continue
            if not is_group and not is_self and sender_key is None:
                sender_key = talker or None
            if is_self:
                sender_key = None
            if dec.kind in ("system", "recall"):
                sender_key = None
            b.add(chat_key=chat_key, line=line, ts=ts, kind=dec.kind, text=dec.text,
                  raw_type=f"{type_code}/{sub_type}", sender_key=sender_key, is_self=is_self,
                  platform_msg_id=(r.get(flavour.svr_id) or "").strip() or None,
                  quote_id=dec.quote_id, quote_name=dec.quote_name, quote_text=dec.quote_text,
                  names_json=dec.names_json)
            if b.full():
                yield b.take()
        if len(b):
            yield b.take()

    return Parsed(f"wechat_raw_{flavour.name}_csv", "wechat", sniffed.label, state, batches(), opts.tz)


def check_not_truncated(path: Path, header: list[str]) -> None:
    """A CSV whose last record lacks fields and a final newline was cut off mid-write."""
    if ends_with_newline(path):
        return
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        tail = fh.read().decode("utf-8", errors="replace")
    last = tail.splitlines()[-1] if tail.splitlines() else ""
    try:
        fields = next(csv.reader([last]))
    except (StopIteration, csv.Error):
        fields = []
    if len(fields) < len(header) and not (header == MEMOTRACE1_ALL_HEADER and len(fields) == len(header) + 1):
        raise IngestError(path, "文件末尾被截断，最后一条记录不完整", expected="完整导出的 CSV 文件，请重新导出")
