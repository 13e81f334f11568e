"""DiscordChatExporter (Tyrrrz) JSON and CSV exports (docs/formats.md §6).

JSON: `guild` and `channel` come first, then `messages` (streamed item by item). Message `type`
names the system kinds; their `content` is DCE's fallback text. Times are ISO-8601 with an offset,
so they are instants. Reactions keep the reacting users' ids, edits the last edit's instant.

CSV: `AuthorID,Author,Date,Content,Attachments,Reactions`, every field quoted. The channel is only
in the file name (`Guild - Category - channel [id].csv`, `[part N]` for partitions). Dates are ISO
with an offset in current versions; older ones wrote culture-formatted local times
(`01-Jan-20 01:33 AM`, `1/17/2023 7:33 PM`, `17/01/2023 19:33`): the style is decided once per file
from its first rows, and local times are read in `--source-tz`. System rows are recognised by
their fallback texts (`Joined the server.`, `Added X to the group.` …).

Chat kinds: direct messages are private, group DMs and guild channels are groups (people talk in
them), announcement (news) channels are channels.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import polars as pl

from dashboard.core.ingest.csvrows import iter_records
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.jsonstream import iter_events, iter_items
from dashboard.core.ingest.model import (
    BatchBuilder,
    ChatInfo,
    Format,
    Options,
    Parsed,
    ParseState,
    Person,
    Probe,
    event_json,
)
from dashboard.core.ingest.textio import Sniffed, has_undecodable
from dashboard.core.ingest.timeparse import UTC, TimeFormatError, parse_local, zone

CSV_HEADER = ["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"]
JSON_EXPECTED = 'DiscordChatExporter 导出的 JSON：{"guild":{…},"channel":{…},"messages":[…]}'
CSV_EXPECTED = "DiscordChatExporter 导出的 CSV：" + ",".join(CSV_HEADER)

# MessageKind names, and the numbers newer kinds are written as
KIND_NUMBERS = {"0": "Default", "1": "RecipientAdd", "2": "RecipientRemove", "3": "Call", "4": "ChannelNameChange",
                "5": "ChannelIconChange", "6": "ChannelPinnedMessage", "7": "GuildMemberJoin", "18": "ThreadCreated",
                "19": "Reply"}
_IMAGE = {"png", "jpg", "jpeg", "gif", "webp", "bmp", "heic", "avif", "svg"}
_VIDEO = {"mp4", "mov", "webm", "mkv", "avi", "m4v"}

# fallback texts DCE writes for system messages (CSV has nothing else to go on)
_ADDED = re.compile(r"^Added (?P<name>.+) to the group\.$")
_REMOVED = re.compile(r"^Removed (?P<name>.+) from the group\.$")
_RENAMED = re.compile(r"^Changed the channel name: (?P<title>.*)$", re.S)
_CALL = re.compile(r"^Started a call that lasted \d+ minutes?\.$")
_FALLBACK_KIND = {"Left the group.": "RecipientRemove", "Joined the server.": "GuildMemberJoin",
                  "Changed the channel name.": "ChannelNameChange", "Changed the channel icon.": "ChannelIconChange",
                  "Pinned a message.": "ChannelPinnedMessage", "Started a thread.": "ThreadCreated",
                  "Added a recipient.": "RecipientAdd", "Removed a recipient.": "RecipientRemove"}


# ---------------------------------------------------------------------------------------------
# detection

def _json_matches(p: Probe) -> bool:
    try:
        head = p.head.lstrip()
        return bool(re.match(r'\{\s*"guild"\s*:\s*\{', head)) and bool(
            re.search(r'"channel"\s*:\s*\{', head[:65536])) and '"messages"' in head[:1 << 20]
    except Exception:  # detection must never raise
        return False


def _csv_matches(p: Probe) -> bool:
    return p.header == CSV_HEADER


# ---------------------------------------------------------------------------------------------
# helpers shared by JSON and CSV

def _str(v: object) -> str | None:
    if isinstance(v, str):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return None


def _dict(v: object) -> dict:
    return v if isinstance(v, dict) else {}


def _list(v: object) -> list:
    return v if isinstance(v, list) else []


def _instant(v: object, tz: str | None = None) -> dt.datetime | None:
    """ISO-8601 with an offset; a time without one is local in `tz` (or unreadable without tz)."""
    s = _str(v)
    if not s or not s.strip():
        return None
    try:
        t = dt.datetime.fromisoformat(s.strip())
    except ValueError:
        return None
    if t.tzinfo is None:
        if tz is None:
            return None
        try:
            t = t.replace(tzinfo=zone(tz))
        except TimeFormatError:
            return None
    try:
        return t.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _file_kind(name: str) -> str:
    base = name.lower()
    if base.startswith("voice-message") and base.endswith(".ogg"):
        return "voice"
    ext = base.rsplit(".", 1)[-1] if "." in base else ""
    return "image" if ext in _IMAGE else "video" if ext in _VIDEO else "file"


def _url_name(url: str) -> str:
    try:
        return unquote(PurePosixPath(urlsplit(url).path).name) or url
    except ValueError:
        return url


def _attachment_body(names: list[str]) -> tuple[str, str | None]:
    kind = _file_kind(names[0])
    return kind, (names[0] if kind == "file" else None)


@dataclass
class Row:
    kind: str
    text: str | None
    event: str | None = None
    quote_id: str | None = None


def _system(mtype: str, content: str, author: Person, mentioned: Person | None, ref_id: str | None) -> Row:
    """A system kind (DCE MessageKind) as a raw row: its event and readable text."""
    text = content or mtype
    if mtype == "RecipientAdd":
        subject = mentioned
        if subject is None and (m := _ADDED.match(content)):
            subject = (None, m.group("name"))
        return Row("system", text, event_json("join", actor=author, subjects=[subject] if subject else [],
                                              method="invite"))
    if mtype == "RecipientRemove":
        if content == "Left the group." or (mentioned is not None and mentioned[0] == author[0]):
            return Row("system", text, event_json("leave", actor=author, subjects=[author]))
        subject = mentioned
        if subject is None and (m := _REMOVED.match(content)):
            subject = (None, m.group("name"))
        return Row("system", text, event_json("remove", actor=author, subjects=[subject] if subject else []))
    if mtype == "GuildMemberJoin":
        return Row("system", text, event_json("join", subjects=[author], method="unknown"))
    if mtype == "ChannelNameChange":
        m = _RENAMED.match(content)
        title = m.group("title") if m else (None if content in ("", "Changed the channel name.") else content)
        return Row("system", text, event_json("rename", actor=author, title=title))
    if mtype == "ChannelIconChange":
        return Row("system", text, event_json("icon", actor=author))
    if mtype == "ChannelPinnedMessage":
        return Row("system", text, event_json("pin", actor=author, title=ref_id))
    if mtype == "ThreadCreated":
        title = None if content in ("", "Started a thread.") else content
        return Row("system", text, event_json("other", actor=author, title=title))
    if mtype == "Call":
        return Row("call", content or None)
    return Row("system", content or None)  # a kind this reader does not know


def _name_of(user: dict) -> str | None:
    for k in ("nickname", "name"):
        s = _str(user.get(k))
        if s and s.strip():
            return s.strip()
    return None


def _person(user: object) -> Person | None:
    u = _dict(user)
    key, name = _str(u.get("id")), _name_of(u)
    return (key, name) if key or name else None


class _Chats:
    """Registers chats and bot roles once each."""

    def __init__(self, state: ParseState) -> None:
        self.state = state
        self.bots: set[tuple[str, str]] = set()

    def bot(self, chat_key: str, key: str | None, name: str | None) -> None:
        if key and (chat_key, key) not in self.bots:
            self.bots.add((chat_key, key))
            self.state.roles.append((chat_key, key, name, "bot"))


# ---------------------------------------------------------------------------------------------
# JSON

@dataclass
class _Head:
    values: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        return self.values.get(key)


_HEAD_KEYS = {"guild.id", "guild.name", "channel.id", "channel.type", "channel.name", "channel.category"}


def _read_head(path: Path, sniffed: Sniffed) -> _Head:
    """guild and channel, which DCE writes before the messages; reading stops at the array."""
    head = _Head()
    events = iter_events(path, sniffed)
    try:
        for prefix, event, value in events:
            if prefix == "messages" and event == "start_array":
                break
            if prefix in _HEAD_KEYS and event in ("string", "number"):
                # a bad byte in a name is shown as �, never stored as a lone surrogate
                head.values[prefix] = str(value).encode("utf-8", "replace").decode("utf-8")
    finally:
        events.close()
    return head


def _json_chat(head: _Head, path: Path, opts: Options) -> ChatInfo:
    ctype = head.get("channel.type") or ""
    guild_id, guild = head.get("guild.id"), head.get("guild.name")
    channel = head.get("channel.name")
    direct = ctype.startswith("Direct") or guild_id == "0"
    kind = ("private" if ctype == "DirectTextChat" else "group" if direct
            else "channel" if ctype in ("GuildNews", "GuildAnnouncement") else "group")
    if opts.chat_name:
        return ChatInfo(opts.chat_name, opts.chat_name, kind)
    key = head.get("channel.id") or path.stem
    in_guild = not direct and guild and channel
    return ChatInfo(key, f"{guild} / {channel}" if in_guild else channel or guild or path.stem, kind)


def _reactions(v: object) -> str | None:
    out = []
    for r in _list(v):
        d = _dict(r)
        emoji = _dict(d.get("emoji"))
        name = _str(emoji.get("name")) or _str(emoji.get("code"))
        if not name:
            continue
        count = d.get("count")
        keys = [k for k in (_str(_dict(u).get("id")) for u in _list(d.get("users"))) if k]
        n = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else len(keys) or 1
        out.append({"emoji": name, "count": n, "keys": keys})
    return json.dumps(out, ensure_ascii=False) if out else None


def _json_body(m: dict, content: str) -> Row:
    if content.strip():
        return Row("text", content)
    names = []
    for a in _list(m.get("attachments")):
        d = _dict(a)
        n = _str(d.get("fileName")) or _url_name(_str(d.get("url")) or "")
        if n:
            names.append(n)
    if names:
        kind, text = _attachment_body(names)
        return Row(kind, text)
    stickers = [_dict(s) for s in _list(m.get("stickers"))]
    if stickers:
        return Row("sticker", _str(stickers[0].get("name")))
    embeds = [_dict(e) for e in _list(m.get("embeds"))]
    if embeds:
        e = embeds[0]
        return Row("link", (_str(e.get("title")) or "").strip() or _str(e.get("url")) or None)
    return Row("other", None)


def _mentions(m: dict) -> str | None:
    """The users a message mentions, as DCE lists them (the text shows only their names)."""
    people = [p for p in (_person(u) for u in _list(m.get("mentions"))) if p]
    return json.dumps([list(p) for p in people], ensure_ascii=False) if people else None


def _json_row(m: dict) -> Row:
    raw = _str(m.get("type")) or "Default"
    mtype = KIND_NUMBERS.get(raw, raw)
    content = _str(m.get("content")) or ""
    author = _person(m.get("author")) or (None, None)
    ref = _dict(m.get("reference"))
    ref_id = _str(ref.get("messageId"))
    if mtype in ("Default", "Reply"):
        forwarded = _dict(m.get("forwardedMessage"))
        row = _json_body(m if not forwarded or content else forwarded, content or _str(forwarded.get("content")) or "")
        if mtype == "Reply" and ref_id:
            return Row("quote", row.text, quote_id=ref_id)
        return row
    mentions = [p for p in (_person(u) for u in _list(m.get("mentions"))) if p]
    return _system(mtype, content, author, mentions[0] if mentions else None, ref_id)


def parse_json(probe: Probe, opts: Options) -> Parsed:
    path, sniffed = probe.path, probe.sniffed
    if sniffed is None:
        raise IngestError(path, "这是一个二进制文件，不是文本导出", expected=JSON_EXPECTED)
    state = ParseState()
    chat = _json_chat(_read_head(path, sniffed), path, opts)
    state.chats[chat.key] = chat
    chats = _Chats(state)

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        for n, m in enumerate(iter_items(path, sniffed, "messages.item"), start=1):
            state.n_read += 1
            if not isinstance(m, dict):
                state.skip(n, "不是消息对象", str(m))
                continue
            sample = f"{m.get('timestamp')} {_str(m.get('content')) or ''}"
            ts = _instant(m.get("timestamp"))
            if ts is None:
                state.skip(n, "时间无法识别", sample)
                continue
            author = _dict(m.get("author"))
            key, name = _str(author.get("id")), _name_of(author)
            row = _json_row(m)
            msg_id, raw_type, reactions = _str(m.get("id")), _str(m.get("type")) or "", _reactions(m.get("reactions"))
            if has_undecodable("\n".join(v for v in (key, name, row.text, row.quote_id, row.event, msg_id, raw_type,
                                                     reactions) if v)):
                state.skip(n, "包含无法解码的字节", sample)
                continue
            if author.get("isBot") is True:
                chats.bot(chat.key, key, name)
            b.add(chat_key=chat.key, line=n, ts=ts, kind=row.kind, text=row.text, raw_type=raw_type, sender_key=key,
                  sender_name=name, platform_msg_id=msg_id, quote_id=row.quote_id, event_json=row.event,
                  edited_ts=_instant(m.get("timestampEdited")), reactions_json=reactions,
                  mentions_json=_mentions(m) if row.kind in ("text", "quote") else None)
            if b.full():
                yield b.take()
        if len(b):
            yield b.take()
        if state.n_read == 0:
            raise IngestError(path, "文件里没有任何消息", expected=JSON_EXPECTED)

    return Parsed("discord_json", "discord", sniffed.label, state, batches(), None)


# ---------------------------------------------------------------------------------------------
# CSV

_FILE_NAME = re.compile(
    r"^(?P<guild>.+?) - (?P<rest>.+) \[(?P<id>\d+)\](?: \([^()]*\))?(?: \[part \d+\])?$")
_MON = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                    "dec"), start=1)}
_D_MON_Y = re.compile(r"^(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")
_NUMERIC = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")


def _csv_chat(path: Path, opts: Options) -> ChatInfo:
    m = _FILE_NAME.match(path.stem)
    if m is None:
        name = opts.chat_name or path.stem
        return ChatInfo(name, name, "group")
    guild, rest, cid = m.group("guild"), m.group("rest"), m.group("id")
    category, _, channel = rest.rpartition(" - ")
    direct = guild == "Direct Messages"
    kind = "private" if direct and category.lower() == "private" else "group"
    name = channel if direct else f"{guild} / {channel}"
    if opts.chat_name:
        return ChatInfo(opts.chat_name, opts.chat_name, kind)
    return ChatInfo(cid, name, kind)


def _clock(h: str, ampm: str | None) -> int:
    hour = int(h)
    if ampm:
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    return hour


def _local(y: int, mo: int, d: int, h: int, mi: int, s: int, tz: str) -> dt.datetime | None:
    try:
        return dt.datetime(y, mo, d, h, mi, s, tzinfo=zone(tz)).astimezone(UTC)
    except (ValueError, OverflowError, TimeFormatError):
        return None


def _parse_date(s: str, style: str, tz: str) -> dt.datetime | None:
    s = s.strip()
    if style == "iso":
        return _instant(s, tz)
    if style == "d-mon-y":
        m = _D_MON_Y.match(s)
        if not m or m.group(2).lower() not in _MON:
            return None
        d, mon, y, h, mi, sec, ampm = m.groups()
        year = int(y) + (2000 if len(y) == 2 else 0)
        return _local(year, _MON[mon.lower()], int(d), _clock(h, ampm), int(mi), int(sec or 0), tz)
    if style in ("m/d/y", "d/m/y"):
        m = _NUMERIC.match(s)
        if not m:
            return None
        a, b, y, h, mi, sec, ampm = m.groups()
        mo, d = (int(a), int(b)) if style == "m/d/y" else (int(b), int(a))
        return _local(int(y), mo, d, _clock(h, ampm), int(mi), int(sec or 0), tz)
    try:
        return parse_local(s, tz)  # y-m-d, with or without seconds or a 12-hour marker
    except TimeFormatError:
        return None


def _date_style(head: str, tz: str) -> str:
    """The file's date style, from the Date column of its first rows. Day/month order is told by a
    part above 12; when every date is ambiguous, a 12-hour marker means en-US (month first)."""
    samples: list[str] = []
    try:
        for i, row in enumerate(csv.reader(io.StringIO(head))):
            if i > 0 and len(row) >= 3 and row[2].strip():
                samples.append(row[2].strip())
            if len(samples) >= 200:
                break
    except csv.Error:
        pass
    if not samples:
        return "iso"
    scores = {st: sum(_parse_date(s, st, tz) is not None for s in samples)
              for st in ("iso", "d-mon-y", "y-m-d", "m/d/y", "d/m/y")}
    best = max(scores.values())
    tied = [st for st, n in scores.items() if n == best]
    if {"m/d/y", "d/m/y"} <= set(tied):
        return "m/d/y" if any(re.search(r"[AaPp][Mm]$", s) for s in samples) else "d/m/y"
    return tied[0]


_REACTION = re.compile(r"(?:^|,)(?P<emoji>[^,]+?) \((?P<n>\d+)\)(?=,|$)")


def _csv_reactions(s: str) -> str | None:
    out = [{"emoji": m.group("emoji").strip(), "count": int(m.group("n")), "keys": []}
           for m in _REACTION.finditer(s.strip())]
    return json.dumps(out, ensure_ascii=False) if out else None


def _csv_row(content: str, attachments: str, author: Person) -> tuple[Row, str]:
    """(row, raw type) of a CSV record: system rows are known by their fallback texts."""
    mtype = _FALLBACK_KIND.get(content)
    if mtype is None:
        if _ADDED.match(content):
            mtype = "RecipientAdd"
        elif _REMOVED.match(content):
            mtype = "RecipientRemove"
        elif _RENAMED.match(content):
            mtype = "ChannelNameChange"
        elif _CALL.match(content):
            mtype = "Call"
    if mtype is not None:
        return _system(mtype, content, author, None, None), mtype
    if content.strip():
        return Row("text", content), "Default"
    names = [_url_name(u.strip()) for u in attachments.split(",") if u.strip()]
    if names:
        kind, text = _attachment_body(names)
        return Row(kind, text), "Default"
    return Row("other", None), "Default"


def parse_csv(probe: Probe, opts: Options) -> Parsed:
    path, sniffed = probe.path, probe.sniffed
    if sniffed is None:
        raise IngestError(path, "这是一个二进制文件，不是文本导出", expected=CSV_EXPECTED)
    state = ParseState()
    style = _date_style(probe.head, opts.tz)
    parsed = Parsed("discord_csv", "discord", sniffed.label, state, iter(()), None if style == "iso" else opts.tz)

    def batches() -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        chat = _csv_chat(path, opts)
        state.chats[chat.key] = chat
        naive_iso = False
        for line, row, readable in iter_records(path, sniffed):
            state.n_read += 1
            if not readable:
                state.skip(line, "包含无法解码的字节", ",".join(row))
                continue
            if len(row) != len(CSV_HEADER):
                state.skip(line, f"字段数为 {len(row)}，应为 {len(CSV_HEADER)}", ",".join(row))
                continue
            author_id, author_name, date, content, attachments, reactions = row
            ts = _parse_date(date, style, opts.tz)
            if ts is None:
                state.skip(line, "时间无法识别", date)
                continue
            if style == "iso" and _instant(date) is None:
                naive_iso = True  # an ISO time without an offset was read as local time
            key = author_id.strip() or None
            name = author_name.strip() or None
            r, raw_type = _csv_row(content, attachments, (key, name))
            b.add(chat_key=chat.key, line=line, ts=ts, kind=r.kind, text=r.text, raw_type=raw_type, sender_key=key,
                  sender_name=name, event_json=r.event, reactions_json=_csv_reactions(reactions))
            if b.full():
                yield b.take()
        if len(b):
            yield b.take()
        if state.n_read == 0:
            raise IngestError(path, "文件只有表头，没有任何消息", expected=CSV_EXPECTED)
        if naive_iso:
            parsed.source_tz = opts.tz

    parsed.batches = batches()
    return parsed


FORMATS: tuple[Format, ...] = (
    Format("discord_json", "DiscordChatExporter JSON", "discord",
           '{"guild":{"id":…,"name":…},"channel":{"id":…,"type":"GuildTextChat",…},"messages":[…]}',
           _json_matches, parse_json),
    Format("discord_csv", "DiscordChatExporter CSV", "discord", ",".join(CSV_HEADER), _csv_matches, parse_csv),
)
