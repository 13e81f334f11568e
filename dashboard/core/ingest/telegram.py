"""Telegram Desktop "Machine-readable JSON" exports, `result.json` (docs/formats.md §3).

Two shapes: a single-chat export is the chat object itself (`name`, `type`, `id`, `messages`); a
full-account export lists chats under `chats.list` and `left_chats.list`, after the exporter's
`personal_information`. Both are read as one ijson event stream: the chat's scalars are picked up
as they pass and each message object is built on its own, so memory holds one message, never a
whole chat, however big the export is. `\\xNN` escapes and UTF-16 files are repaired by jsonstream.

Decisions the reference leaves open:
- `animation` (GIFs, which Telegram stores as silent MP4s) counts as video.
- `audio_file` (a shared song or recording sent as a file) counts as file, not voice: `voice` is
  kept for voice notes, so voice metrics measure people talking.
- `phone_call` / `group_call` service messages are kind `call`, sent by the actor.
- A member who adds themself (`invite_members` with members == [actor], a public-group join) is a
  join with method unknown; a member who removes themself is a leave.
- An old export whose `from_id`/`actor_id` is a bare number is read as `user<number>`.
- In a one-to-one (`personal_chat`) export, the chat `id` is the other person's user id, so the
  sender that is not `user<id>` is the exporting account.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.jsonstream import iter_events
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
from dashboard.core.ingest.timeparse import from_epoch, parse_local

CHAT_KINDS = {
    "personal_chat": "private", "bot_chat": "private", "saved_messages": "private", "replies": "private",
    "private_group": "group", "private_supergroup": "group", "public_supergroup": "group",
    "private_channel": "channel", "public_channel": "channel",
}
_UNNAMED = {"saved_messages": "Saved Messages", "replies": "Replies"}

# media_type → kind; a document without media_type is a file
MEDIA_KINDS = {
    "sticker": "sticker", "voice_message": "voice", "video_message": "video", "animation": "video",
    "video_file": "video", "audio_file": "file",
}
_OTHER_MEDIA = ("contact_information", "poll", "game_title", "invoice_information")

_LIST_CHATS = ("chats.list.item", "left_chats.list.item")
_SCALARS = ("string", "number", "boolean", "null")
_STARTS = ("start_map", "start_array")
_ENDS = ("end_map", "end_array")

_MESSAGE_TYPE = re.compile(r'"type"\s*:\s*"(?:message|service|unsupported)"')
_CHAT_TYPE = re.compile(r'"type"\s*:\s*"(?:' + "|".join(CHAT_KINDS) + r')"')
_EXPORT_DATE = re.compile(r'"date"\s*:\s*"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"')
_DIGITS = re.compile(r"^-?\d{1,18}$")

SAMPLE = '{"name": "…", "type": "private_supergroup", "id": 123, "messages": [{"id": 1, "type": "message", …}]}'


def matches(p: Probe) -> bool:
    """A JSON object whose start shows Telegram's own keys: the exporter's personal_information, or
    `messages` holding message/service objects dated the Telegram way."""
    head = p.head.lstrip()
    if not head.startswith("{"):
        return False
    start = head[:65536]
    if re.search(r'"personal_information"\s*:\s*\{', start):
        return True
    if not re.search(r'"messages"\s*:\s*\[', head):
        return False
    if _MESSAGE_TYPE.search(head) and ('"date_unixtime"' in head or _EXPORT_DATE.search(head)):
        return True
    # a chat with no messages at all still names its Telegram chat type
    return bool(_CHAT_TYPE.search(start)) and '"id"' in start


def parse(p: Probe, opts: Options) -> Parsed:
    if p.sniffed is None:
        raise IngestError(p.path, "这不是文本文件", expected="Telegram Desktop 导出的 result.json")
    state = ParseState()
    parsed = Parsed("telegram_json", "telegram", p.sniffed.label, state, iter(()), None)
    parsed.batches = _Reader(p, opts, state, parsed).batches()
    return parsed


FORMATS: tuple[Format, ...] = (
    Format("telegram_json", "Telegram Desktop JSON (result.json)", "telegram", SAMPLE, matches, parse),
)


# ---------------------------------------------------------------------------------------------

@dataclass
class _Chat:
    prefix: str  # "" for a single-chat export, else "chats.list.item" / "left_chats.list.item"
    index: int  # 1-based position among the file's chats
    id: str | None = None
    name: str | None = None
    type: str | None = None
    key: str | None = None  # fixed when the first message arrives
    id_prefix: str = ""  # message ids of several chats merged by --chat-name stay apart
    peer_key: str | None = None  # personal chats: the other person
    senders: set[str] = field(default_factory=set)
    n_rows: int = 0

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key


class _Reader:
    def __init__(self, p: Probe, opts: Options, state: ParseState, parsed: Parsed) -> None:
        self.p = p
        self.path = p.path
        self.opts = opts
        self.state = state
        self.parsed = parsed
        self.stem = Path(p.display_name).stem or "telegram"
        self.me_first: str | None = None
        self.me_last: str | None = None

    # -- the event walk -----------------------------------------------------------------------
    def batches(self) -> Iterator[pl.DataFrame]:
        b = BatchBuilder()
        root = _Chat("", 1)
        chat = root
        n_chats = 0
        item = "messages.item"
        stack: list | None = None  # the message being built: containers from the outside in
        key: str | None = None
        first = True
        for prefix, ev, val in iter_events(self.path, self.p.sniffed):  # type: ignore[arg-type]
            if stack is not None:
                if ev == "map_key":
                    key = val
                    continue
                top = stack[-1]
                if ev in _STARTS:
                    new: dict | list = {} if ev == "start_map" else []
                    if type(top) is dict:
                        top[key] = new
                    else:
                        top.append(new)
                    stack.append(new)
                elif ev in _ENDS:
                    done = stack.pop()
                    if not stack:
                        stack = None
                        self._message(b, chat, done)
                        if b.full():
                            yield b.take()
                elif type(top) is dict:
                    top[key] = val
                else:
                    top.append(val)
                continue
            if first:
                first = False
                if ev != "start_map":
                    raise IngestError(self.path, "JSON 顶层不是对象", line=1,
                                      expected="Telegram Desktop 导出的 result.json: {\"name\", \"type\", \"id\", "
                                               "\"messages\": [...]}")
                continue
            if prefix == item:
                if ev == "start_map":
                    self._fix_key(chat)
                    stack, key = [{}], None
                elif ev in _SCALARS or ev == "start_array":
                    self.state.n_read += 1
                    self.state.skip(self.state.n_read, "消息不是 JSON 对象", "[…]" if ev == "start_array" else str(val))
                continue
            if ev in _SCALARS:
                self._scalar(chat, prefix, val)
            elif ev == "start_map" and prefix in _LIST_CHATS:
                n_chats += 1
                chat = _Chat(prefix, n_chats)
                item = prefix + ".messages.item"
            elif ev == "end_map" and prefix in _LIST_CHATS and chat is not root:
                self._finish(chat)
                chat, item = root, "messages.item"
        if chat is not root:  # unreachable for well-formed JSON; ijson reports truncation first
            self._finish(chat)
        self._finish(root)
        if len(b):
            yield b.take()
        if self.state.n_read == 0:
            raise IngestError(self.path, "文件里没有找到任何消息", expected="Telegram Desktop 导出的 result.json，"
                                                                "含 messages 或 chats.list[].messages")
        if self.me_first is not None or self.me_last is not None:
            name = " ".join(x for x in (self.me_first, self.me_last) if x)
            self.state.exporter_name = name or self.state.exporter_name

    def _scalar(self, chat: _Chat, prefix: str, val: object) -> None:
        if prefix == "personal_information.user_id":
            uid = _id_str(val)
            if uid:
                self.state.exporter_key = f"user{uid}"
        elif prefix == "personal_information.first_name" and isinstance(val, str):
            self.me_first = val.strip()
        elif prefix == "personal_information.last_name" and isinstance(val, str):
            self.me_last = val.strip()
        elif prefix == chat.path("id"):
            chat.id = _id_str(val)
        elif prefix == chat.path("name"):
            chat.name = val if isinstance(val, str) and val.strip() else None
        elif prefix == chat.path("type"):
            chat.type = val if isinstance(val, str) else None

    def _fix_key(self, chat: _Chat) -> None:
        """The chat key is decided when its first message begins (tdesktop writes name, type and id
        before messages): the chat id, else its name, else the file name."""
        if chat.key is not None:
            return
        own = chat.id or chat.name or (self.stem if not chat.prefix else f"{self.stem}#{chat.index}")
        if self.opts.chat_name:
            chat.key = self.opts.chat_name
            if chat.prefix:
                chat.id_prefix = f"{own}:"
        else:
            chat.key = own
        if chat.type in ("personal_chat", "bot_chat") and chat.id:
            chat.peer_key = f"user{chat.id}"

    def _finish(self, chat: _Chat) -> None:
        if chat.key is None or chat.n_rows == 0:
            return
        kind = CHAT_KINDS.get(chat.type or "")
        if kind is None:
            kind = "group" if len(chat.senders) > 2 else "private"
        name = self.opts.chat_name or chat.name or _UNNAMED.get(chat.type or "") or chat.key
        if chat.key not in self.state.chats:
            self.state.chats[chat.key] = ChatInfo(chat.key, name, kind)
        if chat.type == "bot_chat" and chat.peer_key:
            self.state.roles.append((chat.key, chat.peer_key, chat.name, "bot"))

    # -- one message ----------------------------------------------------------------------------
    def _message(self, b: BatchBuilder, chat: _Chat, msg: dict) -> None:
        state = self.state
        state.n_read += 1
        line = state.n_read
        mtype = msg.get("type")
        if "date_unixtime" not in msg and "date" not in msg:
            reason = "不支持的消息（unsupported），导出里没有时间" if mtype == "unsupported" else "消息没有时间"
            state.skip(line, reason, _sample(msg))
            return
        ts, local = _instant(msg.get("date_unixtime"), msg.get("date"), self.opts.tz)
        if ts is None:
            state.skip(line, "时间无法识别", _sample(msg))
            return
        edited, edited_local = _instant(msg.get("edited_unixtime"), msg.get("edited"), self.opts.tz)
        if (local or (edited is not None and edited_local)) and self.parsed.source_tz is None:
            self.parsed.source_tz = self.opts.tz
        mid = _id_str(msg.get("id"))
        platform_id = f"{chat.id_prefix}{mid}" if mid is not None else None
        text = _text(msg)
        row = self._service(chat, msg, text) if mtype == "service" else self._plain(chat, msg, text, mtype)
        sender_key, sender_name = row["sender_key"], row["sender_name"]
        if sender_key or sender_name:
            chat.senders.add(sender_key or sender_name)
        b.add(chat_key=chat.key or self.stem, line=line, ts=ts, platform_msg_id=platform_id,
              edited_ts=edited, reactions_json=_reactions(msg.get("reactions")), mentions_json=_mentions(msg),
              **row)
        chat.n_rows += 1

    def _plain(self, chat: _Chat, msg: dict, text: str, mtype: object) -> dict:
        sender_key = _peer_key(msg.get("from_id"))
        frm = msg.get("from")
        sender_name = frm if isinstance(frm, str) and frm else None
        is_self = sender_key is not None and sender_key == self.state.exporter_key
        if (not is_self and chat.peer_key and sender_key and sender_key != chat.peer_key
                and sender_key.startswith("user") and self.state.exporter_key in (None, sender_key)):
            is_self = True
            self.state.exporter_key = sender_key
            self.state.exporter_name = self.state.exporter_name or sender_name
        kind, raw_type = _media_kind(msg)
        if mtype == "unsupported":
            kind, raw_type = "other", "unsupported"
        quote_id = None
        reply = _id_str(msg.get("reply_to_message_id"))
        if reply is not None:
            kind = "quote"
            peer = msg.get("reply_to_peer_id")
            # a reply to a message of another chat cannot point into this one
            if peer is None or (chat.id is not None and _id_str(re.sub(r"^[a-z]+", "", str(peer))) == chat.id):
                quote_id = f"{chat.id_prefix}{reply}"
        return {"sender_key": sender_key, "sender_name": sender_name, "is_self": is_self, "kind": kind,
                "text": text or None, "raw_type": raw_type, "quote_id": quote_id}

    def _service(self, chat: _Chat, msg: dict, text: str) -> dict:
        action = msg.get("action") if isinstance(msg.get("action"), str) else None
        actor_key = _peer_key(msg.get("actor_id"))
        actor_raw = msg.get("actor")
        actor_name = actor_raw if isinstance(actor_raw, str) and actor_raw else None
        who = actor_name or ("Deleted Account" if actor_key else "Someone")
        actor: Person | None = (actor_key, actor_name) if (actor_key or actor_name) else None
        members = msg.get("members")
        names = [m if isinstance(m, str) and m else None for m in members] if isinstance(members, list) else []
        shown = ", ".join(n or "Deleted Account" for n in names)
        title = msg.get("title") if isinstance(msg.get("title"), str) else None
        kind, ev, sentence = "system", None, None

        if action is None:
            info = msg.get("information_text")
            sentence = info if isinstance(info, str) and info else (text or None)
            ev = event_json("other", actor=actor) if actor else None
            return self._service_row(actor_key, actor_name, kind, sentence, "custom", ev)
        if action == "create_group":
            sentence = f"{who} created the group “{title or ''}”" + (f" with {shown}" if names else "")
            ev = event_json("create", actor=actor, subjects=_people(names, actor), title=title)
        elif action == "invite_members":
            if actor and len(names) == 1 and names[0] is not None and names[0] == actor_name:
                sentence = f"{who} joined the group"
                ev = event_json("join", actor=actor, subjects=[actor], method="unknown")
            else:
                sentence = f"{who} invited {shown}"
                ev = event_json("join", actor=actor, subjects=_people(names, actor), method="invite")
        elif action == "join_group_by_link":
            inviter = msg.get("inviter") if isinstance(msg.get("inviter"), str) else None
            by = inviter if inviter and not _is_chat_name(inviter, chat.name) else None
            sentence = f"{who} joined the group via invite link" + (f" from {by}" if by else "")
            ev = event_json("join", actor=(None, by) if by else None, subjects=[(actor_key, actor_name)],
                            method="link")
        elif action == "join_group_by_request":
            sentence = f"{who} joined the group after a join request"
            ev = event_json("join", subjects=[(actor_key, actor_name)], method="request")
        elif action == "remove_members":
            if actor and len(names) == 1 and names[0] is not None and names[0] == actor_name:
                sentence = f"{who} left the group"
                ev = event_json("leave", actor=actor, subjects=[actor])
            else:
                sentence = f"{who} removed {shown}"
                ev = event_json("remove", actor=actor, subjects=_people(names, actor))
        elif action == "pin_message":
            pinned = _id_str(msg.get("message_id"))
            sentence = f"{who} pinned message {pinned}" if pinned else f"{who} pinned a message"
            ev = event_json("pin", actor=actor, title=f"{chat.id_prefix}{pinned}" if pinned else None)
        elif action == "edit_group_title":
            sentence = f"{who} changed the group name to “{title or ''}”"
            ev = event_json("rename", actor=actor, title=title)
        elif action in ("edit_group_photo", "delete_group_photo"):
            sentence = f"{who} {'changed' if action == 'edit_group_photo' else 'removed'} the group photo"
            ev = event_json("icon", actor=actor)
        elif action in ("phone_call", "group_call"):
            secs = msg.get("duration_seconds", msg.get("duration"))
            reason = msg.get("discard_reason")
            what = "Call" if action == "phone_call" else "Group call"
            if isinstance(secs, (int, float)) and not isinstance(secs, bool) and secs > 0:
                sentence = f"{what}, {int(secs)} s"
            elif isinstance(reason, str) and reason:
                sentence = f"{what} ({reason})"
            else:
                sentence = what
            return self._service_row(actor_key, actor_name, "call", sentence, action, None)
        else:
            phrase = _PHRASES.get(action)
            sentence = (f"{who} {phrase}" if phrase else f"{who}: {action.replace('_', ' ')}") + (
                f" “{title}”" if title else "")
            ev = event_json("other", actor=actor, title=title or action) if actor else None
        return self._service_row(actor_key, actor_name, kind, sentence, action, ev)

    @staticmethod
    def _service_row(key: str | None, name: str | None, kind: str, text: str | None, raw_type: str,
                     ev: str | None) -> dict:
        return {"sender_key": key, "sender_name": name, "is_self": False, "kind": kind, "text": text,
                "raw_type": raw_type, "event_json": ev}


_PHRASES = {
    "create_channel": "created the channel",
    "migrate_to_supergroup": "upgraded the group to a supergroup",
    "migrate_from_group": "upgraded the group to a supergroup from",
    "clear_history": "cleared the history",
    "score_in_game": "scored in a game",
    "send_payment": "sent a payment",
    "take_screenshot": "took a screenshot",
    "allow_sending_messages": "allowed the bot to send messages",
    "attach_menu_bot_allowed": "allowed the bot in the attachment menu",
    "send_passport_values": "shared Telegram Passport data",
    "joined_telegram": "joined Telegram",
    "proximity_reached": "came within reach",
    "requested_phone_number": "asked for a phone number",
    "invite_to_group_call": "invited members to the group call",
    "set_messages_ttl": "changed the auto-delete timer",
    "group_call_scheduled": "scheduled a group call",
    "edit_chat_theme": "changed the chat theme",
    "send_webview_data": "sent data from a web app",
    "send_premium_gift": "sent a Premium gift",
    "topic_created": "created the topic",
    "topic_edit": "edited a topic",
    "suggest_profile_photo": "suggested a profile photo",
    "requested_peer": "shared a chat with the bot",
    "set_chat_wallpaper": "set a chat wallpaper",
    "set_same_chat_wallpaper": "set the same chat wallpaper",
}


# ---------------------------------------------------------------------------------------------
# field readers: every one accepts whatever a damaged file holds and never raises

def _id_str(v: object) -> str | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str) and _DIGITS.match(v.strip()):
        return v.strip()
    return None


def _peer_key(v: object) -> str | None:
    """`from_id` / `actor_id`: "user123", "channel123", "chat123"; a bare number in old exports."""
    if isinstance(v, str) and v.strip():
        v = v.strip()
        return f"user{v}" if _DIGITS.match(v) else v
    n = _id_str(v)
    return f"user{n}" if n is not None else None


def _instant(unix: object, local: object, tz: str) -> tuple[dt.datetime | None, bool]:
    """(instant, whether it came from the exporter-local `date`). `date_unixtime` is preferred."""
    if isinstance(unix, (str, int, float)) and not isinstance(unix, bool):
        try:
            return from_epoch(unix), False
        except (ValueError, OverflowError, OSError):
            pass
    if isinstance(local, str):
        try:
            return parse_local(local, tz), True
        except (ValueError, OverflowError):
            pass
    return None, False


def _text(msg: dict) -> str:
    ents = msg.get("text_entities")
    if isinstance(ents, list):
        joined = "".join(e["text"] for e in ents if isinstance(e, dict) and isinstance(e.get("text"), str))
        if joined:
            return joined
    t = msg.get("text")
    if isinstance(t, str):
        return t
    if isinstance(t, list):
        return "".join(_part(x) for x in t)
    return ""


def _mentions(msg: dict) -> str | None:
    """People mentioned by a `mention_name` entity: users without a @username, named with their id."""
    ents = msg.get("text_entities") if isinstance(msg.get("text_entities"), list) else msg.get("text")
    if not isinstance(ents, list):
        return None
    people = []
    for e in ents:
        if isinstance(e, dict) and e.get("type") == "mention_name" and isinstance(e.get("user_id"), (int, str)) \
                and not isinstance(e.get("user_id"), bool):
            name = e.get("text") if isinstance(e.get("text"), str) else None
            people.append([_peer_key(e["user_id"]), name.lstrip("@") if name else None])
    people = [p for p in people if p[0]]
    return json.dumps(people, ensure_ascii=False) if people else None


def _part(x: object) -> str:
    if isinstance(x, str):
        return x
    if isinstance(x, dict) and isinstance(x.get("text"), str):
        return x["text"]
    return ""


def _media_kind(msg: dict) -> tuple[str, str]:
    """(kind, raw_type) from the media keys; a caption stays the message's text."""
    if "photo" in msg:
        return "image", "photo"
    mt = msg.get("media_type")
    if isinstance(mt, str) and mt in MEDIA_KINDS:
        return MEDIA_KINDS[mt], mt
    if "file" in msg:
        return "file", mt if isinstance(mt, str) and mt else "file"
    if "location_information" in msg or "place_name" in msg:
        return "location", "location_information"
    for k in _OTHER_MEDIA:
        if k in msg:
            return "other", k
    return "text", "message"


def _is_chat_name(name: str, chat_name: str | None) -> bool:
    """Whether a join_group_by_link inviter is the group itself, which it often is (§3). The real
    sample is anonymised and shortens it to a word of the chat name ("Группа" in "Анонимная Группа
    [Обезличено]"), so a whole-word match counts too."""
    if not chat_name:
        return False
    n, c = name.strip().casefold(), chat_name.strip().casefold()
    return bool(n) and (n == c or re.search(rf"(?<!\w){re.escape(n)}(?!\w)", c) is not None)


def _people(names: list[str | None], actor: Person | None) -> list[Person]:
    """Subjects by name; a name equal to the actor's also gets the actor's key."""
    out: list[Person] = []
    for n in names:
        if n is None:
            continue
        out.append((actor[0], n) if actor and actor[1] == n else (None, n))
    return out


def _reactions(v: object) -> str | None:
    if not isinstance(v, list):
        return None
    out = []
    for r in v:
        if not isinstance(r, dict):
            continue
        emoji = next((r[k] for k in ("emoji", "document_id") if isinstance(r.get(k), (str, int))
                      and not isinstance(r.get(k), bool) and str(r.get(k))), None)
        if emoji is None:
            emoji = r.get("type") if isinstance(r.get("type"), str) and r.get("type") else "?"
        recent = r.get("recent")
        people = [(_peer_key(x.get("from_id")), x.get("from")) for x in recent
                  if isinstance(x, dict)] if isinstance(recent, list) else []
        keys = [k for k, _ in people if k]
        names = {k: n for k, n in people if k and isinstance(n, str) and n}
        count = r.get("count")
        ok = isinstance(count, (int, float)) and not isinstance(count, bool) and 0 < count < 2**31
        n = int(count) if ok else len(keys) or 1  # type: ignore[arg-type]
        out.append({"emoji": str(emoji), "count": n, "keys": keys, "names": names})
    return json.dumps(out, ensure_ascii=False) if out else None


def _sample(msg: dict) -> str:
    try:
        return json.dumps(msg, ensure_ascii=False)[:200]
    except (TypeError, ValueError):
        return repr(msg)[:200]
