"""QQ exports (docs/formats.md §5): the PC QQ 消息管理器 TXT export and QQChatExporter JSON.

TXT (§5.1): an optional preamble, then per chat a `====` block naming 消息分组 and 消息对象, then
records `YYYY-MM-DD H:MM:SS [AM|PM] <nick>(<QQ号>)` (or `<nick><email>`, or just `<nick>`) followed
by body lines. A body may hold blank lines or be empty, so a record starts only where a line
matches the header pattern; the file is read in large blocks of lines and parsed with Polars.

JSON (§5.2): `{"metadata", "chatInfo", "statistics", "messages": [...]}` written by
shuakami/qq-chat-exporter, both the older message shape (`messageId`, ISO `timestamp`,
`isSystemMessage`, `isRecalled`, `content.reply`, `rawMessage`) and the newer one (`id`, ms
`timestamp`, `system`, `recalled`, a `reply` element in `content.elements`). Its row logic
(`qce_row`) is shared with the same exporter's TXT and HTML readers (qq_qce_txt, qq_qce_html).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from dashboard.core.ingest import jsonstream
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import (
    BATCH_ROWS,
    BatchBuilder,
    ChatInfo,
    Format,
    Options,
    Parsed,
    ParseState,
    Person,
    Probe,
    conform,
    event_json,
)
from dashboard.core.ingest.textio import Sniffed
from dashboard.core.ingest.timeparse import TimeFormatError, epoch_unit, from_epoch, parse_local, zone

# ---------------------------------------------------------------------------------------------
# shared: QQ system texts

_P = r"(?:本群|群聊|该群|群)"
_SYSTEM_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("join_invite", re.compile(rf"^(?P<actor>.+?)邀请(?P<subject>.+?)加入了?{_P}")),
    ("join", re.compile(rf"^(?P<subject>.+?)(?:已经)?加入了?{_P}")),
    ("recall", re.compile(r"^(?P<actor>.+?)撤回了一条(?:成员)?消息")),
    ("rename", re.compile(r"^(?P<actor>.+?)修改了群名称(?:为\s*[“\"「『]?(?P<title>.*?)[”\"」』]?[。.]?)?$")),
    ("remove", re.compile(rf"^(?P<subject>.+?)被(?P<actor>.+?)(?:移出|踢出|请出)了?{_P}")),
    ("leave", re.compile(rf"^(?P<subject>.+?)(?:已)?退出了?{_P}")),
)
_WITH_ID = re.compile(r"^(?P<name>.*?)\s*\((?P<key>\d{5,})\)$")
_SELF_WORDS = ("你", "您")


def _person(name: str | None, self_person: Person) -> Person:
    if name is None:
        return (None, None)
    name = name.strip().strip("“”\"「」『』")
    if name in _SELF_WORDS:
        return self_person
    m = _WITH_ID.match(name)
    if m:
        return (m.group("key"), m.group("name") or None)
    return (None, name or None)


def system_event(text: str | None, self_person: Person = (None, None)) -> str | None:
    """The event a QQ system text states (`XX加入本群。`, `XX撤回了一条消息` …), as event_json."""
    if not text:
        return None
    first = text.strip().split("\n", 1)[0]
    for kind, pattern in _SYSTEM_RULES:
        m = pattern.match(first)
        if not m:
            continue
        g = m.groupdict()
        if kind == "join_invite":
            return event_json("join", actor=_person(g["actor"], self_person),
                              subjects=[_person(s, self_person) for s in re.split(r"[、，,]", g["subject"]) if s],
                              method="invite")
        if kind == "join":
            return event_json("join", subjects=[_person(g["subject"], self_person)], method="unknown")
        if kind == "recall":
            return event_json("recall", actor=_person(g["actor"], self_person))
        if kind == "rename":
            return event_json("rename", actor=_person(g["actor"], self_person), title=g.get("title") or None)
        if kind == "remove":
            actor = None if g["actor"] in ("管理员", "群主") else _person(g["actor"], self_person)
            return event_json("remove", actor=actor, subjects=[_person(g["subject"], self_person)])
        if kind == "leave":
            who = _person(g["subject"], self_person)
            return event_json("leave", actor=who, subjects=[who])
    return None


# ---------------------------------------------------------------------------------------------
# TXT (§5.1)

PREAMBLE = "消息记录（此消息记录为文本格式，不支持重新导入）"
# the reference's header pattern: date, time, 12-hour marker, nick, then (QQ号) or <email>; the lazy
# nick makes the id the LAST `(digits)` group
HEADER = r"^(\d{4}-\d{2}-\d{2}) (\d{1,2}:\d{2}:\d{2})(?: ([AP]M))? (.+?)(?:\((\d+)\)|<([^>]+)>)?$"
_HEADER_RE = re.compile(HEADER)
_EQ = r"^={3,}\s*$"
_GROUP = r"^消息分组[:：]"
_OBJECT = r"^消息对象[:：]"
SYSTEM_IDS = ("10000", "1000000")
TXT_EXPECTED = "QQ 消息记录: 2019-07-16 18:15:05 昵称(QQ号) ↵ 内容"
BLOCK_CHARS = 1 << 20

_PLACEHOLDER_KIND = {
    "图片": "image", "闪照": "image", "表情": "sticker", "动画表情": "sticker", "超级表情": "sticker",
    "语音": "voice", "视频": "video", "文件": "file", "位置": "location", "链接": "link", "卡片消息": "link",
    "红包": "red_packet", "QQ红包": "red_packet", "转账": "transfer", "戳一戳": "pat",
}
_TAGS = "|".join(sorted(map(re.escape, _PLACEHOLDER_KIND), key=len, reverse=True))
_ONLY_PLACEHOLDERS = rf"^\s*(?:\[(?:{_TAGS})\]\s*)+$"
# placeholders whose text after the tag describes the item (file name, red-packet wish, card title)
_PREFIX_TAGS = "|".join(
    ("QQ红包", "红包", "转账", "文件", "位置", "链接", "卡片消息", "戳一戳", "闪照", "语音", "视频"))
_PREFIX = rf"^\[({_PREFIX_TAGS})\]"


def is_qq_header(line: str) -> bool:
    m = _HEADER_RE.match(line)
    return bool(m and (m.group(5) or (m.group(6) and "@" in m.group(6))))


def _txt_matches(p: Probe) -> bool:
    try:
        lines = [ln.strip() for ln in p.head[:65536].splitlines()[:40]]
        lines = [ln for ln in lines if ln]
        if not lines:
            return False
        if lines[0].startswith(PREAMBLE[:14]):
            return True
        if re.match(_EQ, lines[0]):
            return any(re.match(_GROUP, ln) or re.match(_OBJECT, ln) or is_qq_header(ln) for ln in lines[1:12])
        return is_qq_header(lines[0])
    except Exception:  # detection must never raise
        return False


def _open(path: Path, sniffed: Sniffed):
    # every codec keeps bytes it cannot decode as lone surrogates, so one bad record is skipped
    # instead of the whole GB18030 file failing
    return open(path, encoding=sniffed.encoding, errors="surrogateescape")


_SURROGATES = re.compile("[\udc80-\udcff]")


def _blocks(path: Path, sniffed: Sniffed) -> Iterator[tuple[list[str], list[int], bool]]:
    """(lines, line numbers of lines holding undecodable bytes, whether this is the last block), in
    blocks of ~BLOCK_CHARS."""
    n = 0
    try:
        with _open(path, sniffed) as fh:
            lines = fh.readlines(BLOCK_CHARS)
            if lines and lines[0].startswith("\ufeff"):
                lines[0] = lines[0][1:]
            while lines:
                ahead = fh.readlines(BLOCK_CHARS)
                bad: list[int] = []
                if _SURROGATES.search("".join(lines)):
                    for i, ln in enumerate(lines):
                        if _SURROGATES.search(ln):
                            bad.append(n + i + 1)
                            lines[i] = _SURROGATES.sub("\ufffd", ln)
                yield lines, bad, not ahead
                n += len(lines)
                lines = ahead
    except (OSError, UnicodeError) as e:
        raise IngestError(path, f"文件无法读取: {e}", line=n + 1) from None


def _chat_kind(group_label: str | None, n_senders: int) -> str:
    if group_label and ("群" in group_label or "讨论组" in group_label or "group" in group_label.lower()):
        return "group"
    return "group" if n_senders > 2 else "private"


def parse_txt(probe: Probe, opts: Options) -> Parsed:
    path, sniffed = probe.path, probe.sniffed
    if sniffed is None:
        raise IngestError(path, "这不是文本文件", expected="QQ 消息管理器导出的 TXT")
    state = ParseState()
    default_key = opts.chat_name or Path(probe.display_name).stem or path.stem

    def batches() -> Iterator[pl.DataFrame]:
        carry: pl.DataFrame | None = None  # rows from the last header on, waiting for the rest of their body
        chat: str | None = None  # the 消息对象 / 消息分组 in effect where the carry starts
        group: str | None = None
        started = False
        n_lines = 0
        bad_lines: list[int] = []
        senders: dict[str, set[str]] = {}
        labels: dict[str, str | None] = {}
        roles: dict[tuple[str, str | None, str], str | None] = {}
        for lines, bad, done in _blocks(path, sniffed):
            bad_lines.extend(bad)
            frame = pl.DataFrame({
                "n": pl.int_range(n_lines + 1, n_lines + 1 + len(lines), eager=True, dtype=pl.Int64),
                "s": pl.Series(lines, dtype=pl.String).str.strip_chars_end("\r\n"),
            })
            n_lines += len(lines)
            if carry is not None:
                frame = pl.concat([carry, frame])
            frame = _mark(frame, chat, group)
            if not started:
                first = frame.filter(pl.col("hdr")).get_column("n").first()
                if first is None and not done:
                    carry = frame.select("n", "s")
                    continue
                _check_preamble(path, frame, first)
                started = True
            if done:
                ready, carry = frame, None
            else:
                last = frame.filter(pl.col("hdr")).get_column("n").last()
                ready = frame.filter(pl.col("n") < last)
                rest = frame.filter(pl.col("n") >= last)
                chat, group = rest.get_column("chat")[0], rest.get_column("group")[0]
                carry = rest.select("n", "s")
            recs = _records(ready, bad_lines, opts.tz, default_key, opts.chat_name)
            keep_from = carry.get_column("n")[0] if carry is not None else n_lines + 1
            bad_lines = [b for b in bad_lines if b >= keep_from]
            if recs.height == 0:
                continue
            recs = _skip_bad(recs, state)
            _remember(recs, senders, labels, roles)
            for off in range(0, recs.height, BATCH_ROWS):
                yield conform(recs.slice(off, BATCH_ROWS))
        if state.n_read == 0:
            raise IngestError(path, "文件里没有找到任何消息", expected=TXT_EXPECTED)
        for key, label in labels.items():
            state.chats[key] = ChatInfo(key, key, _chat_kind(label, len(senders.get(key, ()))))
        for (key, member, role), name in roles.items():
            state.roles.append((key, member, name, role))

    return Parsed("qq_txt", "qq", sniffed.label, state, batches(), opts.tz)


def _mark(frame: pl.DataFrame, chat: str | None, group: str | None) -> pl.DataFrame:
    """Header fields, section lines, and the chat each line belongs to."""
    s = pl.col("s")
    eq = s.str.contains(_EQ)
    frame = frame.with_columns(
        s.str.extract_groups(HEADER).struct.rename_fields(["d", "t", "ap", "nick", "qq", "mail"]).alias("h"),
        eq.alias("eq"),
    ).unnest("h").with_columns(pl.col("d").is_not_null().alias("hdr"))
    prev_eq = pl.col("eq").shift(1, fill_value=False)
    frame = frame.with_columns(
        (s.str.contains(_GROUP) & prev_eq & ~pl.col("hdr")).alias("is_group"),
        (s.str.contains(_OBJECT) & prev_eq & ~pl.col("hdr")).alias("is_obj"),
    )
    label = pl.col("is_group") | pl.col("is_obj")
    frame = frame.with_columns(
        (label | (pl.col("eq") & (label.shift(1, fill_value=False) | label.shift(-1, fill_value=False))))
        .alias("section"),
        pl.when(pl.col("is_obj")).then(s.str.replace(_OBJECT, "").str.strip_chars())
        .otherwise(None).forward_fill().fill_null(pl.lit(chat, dtype=pl.String)).alias("chat"),
        pl.when(pl.col("is_group")).then(s.str.replace(_GROUP, "").str.strip_chars())
        .otherwise(None).forward_fill().fill_null(pl.lit(group, dtype=pl.String)).alias("group"),
    )
    return frame.with_columns(pl.col("hdr").cum_sum().alias("rec"))


def _check_preamble(path: Path, frame: pl.DataFrame, first_header: int | None) -> None:
    """Before the first message only the preamble and `====` blocks may stand."""
    head = frame if first_header is None else frame.filter(pl.col("n") < first_header)
    lines = head.filter(pl.col("s").str.strip_chars() != "")
    if lines.height == 0:
        if first_header is None:
            raise IngestError(path, "文件里没有找到任何消息",
                              expected=TXT_EXPECTED)
        return
    top = lines.get_column("s")[0].strip()
    if not (top.startswith("消息记录") or re.match(_EQ, top)):
        raise IngestError(path, "开头不是 QQ 消息记录的文件头或消息时间行", line=int(lines.get_column("n")[0]),
                          expected="消息记录（此消息记录为文本格式，不支持重新导入） 或 2019-07-16 18:15:05 昵称(QQ号)")
    if first_header is None:
        raise IngestError(path, "文件里没有找到任何消息", expected=TXT_EXPECTED)


def _records(frame: pl.DataFrame, bad_lines: list[int], tz: str, default_key: str,
             override: str | None) -> pl.DataFrame:
    """One row per record of `frame` (whose rows start at a header or are preamble, rec 0)."""
    frame = frame.filter(pl.col("rec") > 0)
    heads = frame.filter(pl.col("hdr"))
    bodies = (
        frame.filter(~pl.col("hdr") & ~pl.col("section"))
        .group_by("rec", maintain_order=True)
        .agg(pl.col("s").str.join("\n").alias("body"))
    )
    bad = frame.filter(pl.col("n").is_in(bad_lines)).select("rec").unique().with_columns(pl.lit(True).alias("bad"))
    recs = heads.join(bodies, on="rec", how="left").join(bad, on="rec", how="left")
    hour = pl.col("t").str.extract(r"^(\d{1,2}):", 1).cast(pl.Int32)
    hour = (pl.when(pl.col("ap").is_null()).then(hour)
            .otherwise(hour % 12 + pl.when(pl.col("ap") == "PM").then(12).otherwise(0)))
    local = pl.format("{} {}:{}", pl.col("d"), hour.cast(pl.String).str.zfill(2),
                      pl.col("t").str.extract(r"^\d{1,2}:(\d{2}:\d{2})$", 1))
    title = pl.col("nick").str.extract(r"^【([^】]*)】", 1)
    name = pl.col("nick").str.replace(r"^【[^】]*】\s*", "")
    system = pl.col("qq").is_in(SYSTEM_IDS)
    body = pl.col("body").fill_null("").str.replace(r"\s+$", "")
    prefix = body.str.extract(_PREFIX, 1)
    only = body.str.contains(_ONLY_PLACEHOLDERS)
    first_tag = body.str.extract(r"^\s*\[([^\]]+)\]", 1)
    kind = (
        pl.when(system).then(pl.lit("system"))
        .when(body == "").then(pl.lit("other"))
        .when(only).then(first_tag.replace_strict(_PLACEHOLDER_KIND, default="other"))
        .when(prefix.is_not_null()).then(prefix.replace_strict(_PLACEHOLDER_KIND, default="other"))
        .otherwise(pl.lit("text"))
    )
    rest = body.str.replace(_PREFIX, "").str.strip_chars()
    text = (
        pl.when(system | (kind == "text")).then(body)
        .when(only | (body == "")).then(None)
        .otherwise(pl.when(rest == "").then(None).otherwise(rest))
    )
    chat = pl.lit(override) if override else pl.col("chat").fill_null(default_key)
    chat = pl.when(chat.str.strip_chars() == "").then(pl.lit(default_key)).otherwise(chat)
    recs = recs.select(
        chat.alias("chat_key"),
        pl.col("n").alias("line"),
        local.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
        .dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC").alias("ts"),
        pl.when(system).then(None).otherwise(pl.coalesce("qq", "mail")).alias("sender_key"),
        pl.when(system).then(None).otherwise(pl.when(name == "").then(pl.col("nick")).otherwise(name))
        .alias("sender_name"),
        kind.alias("kind"),
        text.alias("text"),
        pl.when(system).then(pl.format("system:{}", pl.col("qq"))).otherwise(pl.lit("txt")).alias("raw_type"),
        title.alias("title"),
        pl.col("group"),
        pl.col("bad").fill_null(False),
        pl.format("{} {}{}", pl.col("d"), pl.col("t"),
                  pl.when(pl.col("ap").is_null()).then(pl.lit("")).otherwise(pl.format(" {}", pl.col("ap"))))
        .alias("when"),
    )
    if recs.height and recs.get_column("ts").null_count():
        recs = _fill_times(recs, tz)
    events: list[str | None] = [None] * recs.height
    if (recs.get_column("kind") == "system").any():
        for i, (k, t) in enumerate(recs.select("kind", "text").iter_rows()):
            if k == "system":
                events[i] = system_event(t)
    return recs.with_columns(pl.Series("event_json", events, dtype=pl.String))


def _fill_times(recs: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Wall times Polars could not place (a DST gap) are placed like timeparse does; impossible
    dates stay null and are skipped."""
    out = []
    for ts, when in zip(recs.get_column("ts").to_list(), recs.get_column("when").to_list(), strict=True):
        if ts is None:
            try:
                ts = parse_local(when, tz)
            except (TimeFormatError, ValueError):
                ts = None
        out.append(ts)
    return recs.with_columns(pl.Series("ts", out, dtype=pl.Datetime("us", "UTC")))


def _skip_bad(recs: pl.DataFrame, state: ParseState) -> pl.DataFrame:
    state.n_read += recs.height
    broken = recs.filter(pl.col("bad") | pl.col("ts").is_null())
    for line, bad, when, name in broken.select("line", "bad", "when", "sender_name").iter_rows():
        state.skip(line, "包含无法解码的字节" if bad else "时间无法识别", f"{when} {name or ''}")
    return recs.filter(~pl.col("bad") & pl.col("ts").is_not_null())


def _remember(recs: pl.DataFrame, senders: dict[str, set[str]], labels: dict[str, str | None],
              roles: dict[tuple[str, str | None, str], str | None]) -> None:
    for key, group in recs.select("chat_key", "group").unique(maintain_order=True).iter_rows():
        if key not in labels or labels[key] is None:
            labels[key] = group
    people = recs.filter(pl.col("kind") != "system").select(
        "chat_key", pl.coalesce("sender_key", "sender_name").alias("who")).unique()
    for key, who in people.iter_rows():
        if who is not None and len(senders.setdefault(key, set())) < 3:
            senders[key].add(who)
    titled = recs.filter(pl.col("title").is_in(["群主", "管理员"]))
    for key, member, name, title in titled.select("chat_key", "sender_key", "sender_name", "title").iter_rows():
        roles[(key, member, "owner" if title == "群主" else "admin")] = name


# ---------------------------------------------------------------------------------------------
# QQChatExporter JSON (§5.2)

def _json_matches(p: Probe) -> bool:
    try:
        head = p.head
        if not head.lstrip().startswith("{"):
            return False
        keys = jsonstream.head_object_keys(head)
        if not {"metadata", "chatInfo"} <= keys:
            return False
        return "QQChatExporter" in head[:8192] or "statistics" in keys or "rawMessage" in keys
    except Exception:  # detection must never raise
        return False


_RESOURCE_KIND = {"image": "image", "video": "video", "voice": "voice", "audio": "voice", "file": "file",
                  "location": "location"}
_ELEMENT_KIND = {"image": "image", "video": "video", "audio": "voice", "file": "file", "location": "location",
                 "market_face": "sticker", "forward": "link", "json": "link", "av_record": "call"}
_TYPE_KIND = {"file": "file", "video": "video", "audio": "voice", "forward": "link", "json": "link",
              "type_8": "file", "type_9": "video", "type_6": "voice", "type_11": "link", "type_7": "link"}
_MESSAGE_TYPE_KIND = {3: "image", 7: "video"}
_MEDIA_TOKEN = re.compile(r"\[(?:图片|视频|文件|语音|表情|动画表情|闪照)[^\[\]]*\]")
_FILE_TOKEN = re.compile(r"\[文件[:：]([^\[\]]+)\]")
_MEDIA_KINDS = frozenset({"image", "sticker", "voice", "video", "file"})
_REPLY_MARK = re.compile(r"^\s*\[回复消息\]\s*")


def _s(v: object) -> str | None:
    """A JSON scalar as a non-empty string (ids come as numbers or strings)."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (str, int, float)):
        t = str(v).strip()
        return t or None
    return None


def _d(v: object) -> dict:
    return v if isinstance(v, dict) else {}


def _l(v: object) -> list:
    return v if isinstance(v, list) else []


def _instant(msg: dict, tz: str) -> tuple[dt.datetime | None, bool]:
    """(UTC instant, whether it came from a local wall time)."""
    raw = msg.get("timestamp")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        try:
            return from_epoch(raw, epoch_unit(float(raw))), False
        except (OverflowError, OSError, ValueError):
            return None, False
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        if re.fullmatch(r"\d{9,16}(?:\.\d+)?", text):
            try:
                return from_epoch(text, epoch_unit(float(text))), False
            except (OverflowError, OSError, ValueError):
                return None, False
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            when = None
        if when is not None:
            if when.tzinfo is not None:
                return when.astimezone(dt.UTC), False
            return when.replace(tzinfo=zone(tz)).astimezone(dt.UTC), True
    local = msg.get("time")
    if isinstance(local, str):
        try:
            return parse_local(local.replace("T", " ").rstrip("Z"), tz), True
        except (TimeFormatError, ValueError):
            return None, False
    return None, False


def _sender(msg: dict) -> tuple[str | None, str | None, str | None]:
    """(QQ号 or uid, display name, uid)."""
    sender, raw = _d(msg.get("sender")), _d(msg.get("rawMessage"))
    key = None
    for v in (sender.get("uin"), raw.get("senderUin"), sender.get("uid"), raw.get("senderUid")):
        k = _s(v)
        if k and k not in ("0", "未知"):
            key = k
            break
    uid = _s(sender.get("uid")) or _s(raw.get("senderUid"))
    name = None
    for v in (raw.get("sendMemberName"), sender.get("groupCard"), raw.get("sendNickName"), sender.get("nickname"),
              sender.get("name")):
        n = _s(v)
        if n and n not in (uid, "未知"):
            name = n
            break
    return key, name, uid


def _reply(content: dict) -> dict | None:
    reply = content.get("reply")
    if isinstance(reply, dict):
        return reply
    for el in _l(content.get("elements")):
        el = _d(el)
        if el.get("type") == "reply":
            return _d(el.get("data"))
    return None


def _bare(content: dict, text: str) -> str:
    """The text without media tokens and market-face (sticker) names: what the sender typed."""
    bare = _MEDIA_TOKEN.sub("", text)
    for el in _l(content.get("elements")):
        el = _d(el)
        if el.get("type") == "market_face":
            name = _s(_d(el.get("data")).get("name"))
            if name:
                bare = bare.replace(f"[{name}]", "", 1)
    return bare.strip()


def _kind(msg: dict, content: dict, text: str) -> str:
    bare = _bare(content, text)
    elements = [_d(e) for e in _l(content.get("elements"))]
    if not bare:
        for el in elements:
            t = el.get("type")
            if t == "image" and _d(el.get("data")).get("subType") == "sticker":
                return "sticker"
            if t in _ELEMENT_KIND:
                return _ELEMENT_KIND[t]
        for res in _l(content.get("resources")):
            t = _d(res).get("type")
            if t in _RESOURCE_KIND:
                return _RESOURCE_KIND[t]
        if _l(content.get("emojis")):
            return "sticker"
    else:
        for el in elements:
            if el.get("type") in ("forward", "json", "location", "av_record"):
                return _ELEMENT_KIND[el["type"]]
    if re.match(r"^\[(?:QQ)?红包\]", text) or "发出了红包" in text:
        return "red_packet"
    if text.startswith("[转账]"):
        return "transfer"
    if re.match(r"^\[(?:戳一戳|拍一拍)\]", text):
        return "pat"
    if not bare:
        mt = msg.get("messageType")
        if isinstance(mt, (int, float)) and not isinstance(mt, bool) and int(mt) in _MESSAGE_TYPE_KIND:
            return _MESSAGE_TYPE_KIND[int(mt)]
        t = msg.get("type")
        if isinstance(t, str) and t in _TYPE_KIND:
            return _TYPE_KIND[t]
        if not text:
            return "other"
    return "text"


def qce_row(b: BatchBuilder, state: ParseState, *, chat_key: str, line: int, ts: dt.datetime, msg: dict,
            key: str | None, name: str | None, is_self: bool, raw_type: str) -> bool:
    """Add one QQChatExporter message, in the JSON's message shape, as a raw row. The TXT and HTML
    readers rebuild that shape from what their files show, so all three exports of a chat give the
    same rows wherever they carry the same facts. Returns whether the sender counts as a person."""
    content = _d(msg.get("content"))
    text = content.get("text") if isinstance(content.get("text"), str) else ""
    system = bool(msg.get("system", msg.get("isSystemMessage")))
    recalled = bool(msg.get("recalled", msg.get("isRecalled")))
    mid = _s(msg.get("id")) or _s(msg.get("messageId"))
    me: Person = (state.exporter_key, state.exporter_name)
    quote_id = quote_name = quote_text = None
    ev = None
    person = False
    if recalled:
        kind = "system"
        ev = event_json("recall", actor=(key, name))
        text = text.strip() or f"{name or key or ''}撤回了一条消息"
    elif system:
        kind = "system"
        ev = system_event(text, me)
    else:
        reply = _reply(content)
        mt = msg.get("messageType")
        if reply is not None or msg.get("type") == "reply" or (
                isinstance(mt, (int, float)) and not isinstance(mt, bool) and int(mt) == 9):
            kind = "quote"
            reply = reply or {}
            quote_id = _s(reply.get("referencedMessageId")) or _s(reply.get("messageId"))
            quote_name = _s(reply.get("senderName"))
            quote_text = reply.get("content") if isinstance(reply.get("content"), str) else None
            text = _REPLY_MARK.sub("", text)
        else:
            kind = _kind(msg, content, text)
            if kind in _MEDIA_KINDS and not _bare(content, text):
                m = _FILE_TOKEN.search(text) if kind == "file" else None
                text = m.group(1).strip() if m else ""
        person = bool(key or name)
    b.add(chat_key=chat_key, line=line, ts=ts, kind=kind, text=text or None, raw_type=raw_type,
          sender_key=None if system and not recalled else key,
          sender_name=None if system and not recalled else name, is_self=is_self,
          platform_msg_id=mid, quote_id=quote_id, quote_name=quote_name, quote_text=quote_text,
          event_json=ev)
    return person


def _chat_info(path: Path, sniffed: Sniffed) -> dict:
    items = jsonstream.iter_items(path, sniffed, "chatInfo")
    try:
        info = next(items, None)
    finally:
        items.close()
    if not isinstance(info, dict):
        raise IngestError(path, "缺少 chatInfo（聊天信息）",
                          expected="QQChatExporter 导出的 JSON: metadata、chatInfo、messages")
    return info


def parse_qce_json(probe: Probe, opts: Options) -> Parsed:
    path, sniffed = probe.path, probe.sniffed
    if sniffed is None:
        raise IngestError(path, "这不是文本文件", expected="QQChatExporter 导出的 JSON")
    if "chunked" in jsonstream.head_object_keys(sniffed.head) and '"messages"' not in sniffed.head:
        raise IngestError(path, "这是分块导出的 manifest.json，暂不支持分块 JSONL 导出",
                          expected="QQChatExporter 导出的单个 JSON 文件（含 messages）")
    info = _chat_info(path, sniffed)
    state = ParseState()
    self_uin, self_uid = _s(info.get("selfUin")), _s(info.get("selfUid"))
    state.exporter_key = self_uin
    state.exporter_name = _s(info.get("selfName"))
    chat_name = _s(info.get("name"))
    chat_key = opts.chat_name or chat_name or Path(probe.display_name).stem or path.stem
    chat_type = _s(info.get("type"))
    parsed = Parsed("qq_qce_json", "qq", sniffed.label, state, iter(()), None)

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        people: set[str] = set()
        local_used = False
        for n, msg in enumerate(jsonstream.iter_items(path, sniffed, "messages.item"), start=1):
            state.n_read += 1
            if not isinstance(msg, dict):
                state.skip(n, "消息不是 JSON 对象", str(msg))
                continue
            ts, local = _instant(msg, opts.tz)
            if ts is None:
                state.skip(n, "时间无法识别", str(msg.get("timestamp") or msg.get("time")))
                continue
            local_used |= local
            key, name, uid = _sender(msg)
            is_self = bool((self_uin and key == self_uin) or (self_uid and uid == self_uid))
            if is_self and state.exporter_key is None and key:
                state.exporter_key = key
            if is_self and state.exporter_name is None and name:
                state.exporter_name = name
            if qce_row(b, state, chat_key=chat_key, line=n, ts=ts, msg=msg, key=key, name=name, is_self=is_self,
                       raw_type=_raw_type(msg)):
                people.add(key or name or "")
            if b.full():
                yield b.take()
        if len(b):
            yield b.take()
        if state.n_read == 0:
            raise IngestError(path, "文件里没有找到任何消息", expected="QQChatExporter 导出的 JSON: messages 数组")
        if local_used:
            parsed.source_tz = opts.tz
        kind = ("group" if chat_type == "group" else "private" if chat_type in ("private", "friend", "c2c")
                else "group" if len(people) > 2 else "private")
        state.chats[chat_key] = ChatInfo(chat_key, opts.chat_name or chat_name or chat_key, kind)

    parsed.batches = batches()
    return parsed


def _raw_type(msg: dict) -> str:
    for k in ("type", "messageType"):
        v = _s(msg.get(k))
        if v:
            return v
    return "qce"


FORMATS: tuple[Format, ...] = (
    Format("qq_txt", "QQ 消息管理器 TXT", "qq", "2019-07-16 18:15:05 昵称(QQ号) ↵ 消息内容", _txt_matches, parse_txt),
    Format("qq_qce_json", "QQ Chat Exporter JSON", "qq",
           '{"metadata": {"name": "QQChatExporter V5"}, "chatInfo": {…}, "messages": […]}', _json_matches,
           parse_qce_json),
)
