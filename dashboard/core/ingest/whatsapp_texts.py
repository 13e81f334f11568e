"""What WhatsApp writes inside a message: media placeholders in many languages, attachments,
deleted and edited markers, and the English system texts that state group events
(docs/formats.md §4.3), plus the chat name hidden in an export's file name.

The vectorised parser (`whatsapp.py`) handles ordinary messages column-wise; rows that need these
rules one by one come here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dashboard.core.ingest.model import Person, event_json
from dashboard.core.ingest.system_events import SELF

SPACES = " \u00a0\u202f\u2009"  # the spaces WhatsApp puts in headers and names

# ---------------------------------------------------------------------------------------------
# bodies: placeholders, attachments, system texts

PLACEHOLDERS: dict[str, str] = {
    "<Media omitted>": "other", "<media omitted>": "other", "<省略影音内容>": "other", "<省略影音內容>": "other",
    "<Medien ausgeschlossen>": "other", "<Medien ausgelassen>": "other", "<Médias omis>": "other",
    "<Multimedia omitido>": "other", "<Mídia oculta>": "other", "<Media omessi>": "other",
    "<Media weggelaten>": "other", "<Без медиафайлов>": "other",
    "image omitted": "image", "video omitted": "video", "audio omitted": "voice", "sticker omitted": "sticker",
    "GIF omitted": "image", "Contact card omitted": "other", "document omitted": "file",
    "圖片已略去": "image", "影片已略去": "video", "音訊已略去": "voice", "貼圖已略去": "sticker",
    "图片已省略": "image", "视频已省略": "video", "音频已省略": "voice", "贴图已省略": "sticker",
    "View once photo omitted": "image", "View once video omitted": "video",
    "View once voice message omitted": "voice", "null": "other",
    "live location shared": "location", "Live location shared": "location",
    "Missed voice call": "call", "Missed video call": "call", "Missed group voice call": "call",
    "Missed group video call": "call",
}
_ODD_BASE = ["<", "\u200e", "\u200f", "(file attached)", "ocation: ", "POLL:", "message was deleted",
             "deleted this message", "end-to-end", "are now secured", "omitted", "已略去", "已省略"]
# rows holding none of these are plain text (each placeholder holds one)
ODD_MARKS = _ODD_BASE + [p for p in PLACEHOLDERS if not any(m in p for m in _ODD_BASE)]
PLACEHOLDER_LIST = list(PLACEHOLDERS)
ATTACHED_PREFIX = {"IMG-": "image", "VID-": "video", "PTT-": "voice", "AUD-": "voice", "STK-": "sticker"}
ATTACHED_IOS = {"-PHOTO-": "image", "-VIDEO-": "video", "-AUDIO-": "voice", "-STICKER-": "sticker",
                 "-GIF-": "image"}
EDITED = "<This message was edited>"
DELETED = ("This message was deleted", "This message was deleted.", "You deleted this message",
            "You deleted this message.")
DELETED_BY_ADMIN = "This message was deleted by admin"
BANNERS = ("Messages and calls are end-to-end encrypted", "Messages to this group are now secured",
            "Messages to this chat and calls are now secured", "Your messages and calls are end-to-end encrypted",
            "Messages you send to this group are now secured")
MARKS_STRIP = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_YOU = ("You", "you")
NOT_AUTHOR = re.compile(r' changed the (?:subject|group name|group description) | created group [“"]')
_PHONE = re.compile(r"^\+[0-9][0-9 \u00a0\u202f()\-.]{4,}[0-9]$")


def person(name: str | None) -> Person | None:
    """(key, name) of a name as written: "You" is the exporter, phone numbers key by digits."""
    if name is None:
        return None
    name = name.strip(MARKS_STRIP + SPACES).strip('"“”').strip()
    if name.startswith("~"):
        name = name[1:].lstrip(SPACES)
    if not name:
        return None
    if name in _YOU:
        return (None, SELF)
    if _PHONE.match(name):
        return ("+" + re.sub(r"[^0-9]", "", name), name)
    return (None, name)


def people(names: str) -> list[Person]:
    parts = [p for p in re.split(r", | and ", names.rstrip(".")) if p.strip()]
    return [x for x in (person(p) for p in parts) if x is not None]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern
    kind: str | None  # event kind; None = a notice with no event
    method: str | None = None
    group: bool = True  # a group-only notice (makes the chat a group)


def _rule(pattern: str, kind: str | None, method: str | None = None, group: bool = True) -> _Rule:
    return _Rule(re.compile(pattern), kind, method, group)


# English client texts (docs/formats.md §4.3). Groups: a = actor, s = subjects, t = title.
_RULES: tuple[_Rule, ...] = (
    _rule(r'^(?P<a>.+?) created group [“"](?P<t>.*)[”"]$', "create"),
    _rule(r"^(?P<a>.+?) created this group$", "create"),
    _rule(r"^(?P<s>You) were added$", "join", "invite"),
    _rule(r'^(?P<a>.+?) changed the subject from [“"].*[”"] to [“"](?P<t>.*)[”"]$', "rename"),
    _rule(r'^(?P<a>.+?) changed the subject to [“"](?P<t>.*)[”"]$', "rename"),
    _rule(r'^(?P<a>.+?) changed the group name from [“"].*[”"] to [“"](?P<t>.*)[”"]$', "rename"),
    _rule(r'^(?P<a>.+?) changed the group name to [“"](?P<t>.*)[”"]$', "rename"),
    _rule(r"^(?P<a>.+?) (?:changed|deleted|removed) this group's icon$", "icon"),
    _rule(r"^(?P<a>.+?) (?:changed|deleted) the group description$", "description"),
    _rule(r"^(?P<a>.+?) (?:changed this group's settings|changed the group settings|changed the settings|"
          r"turned (?:on|off) disappearing messages|turned (?:on|off) admin approval|"
          r"updated the message timer|changed the message timer)", "settings", group=False),
    _rule(r"^(?P<s>.+?) joined using this group's invite link$", "join", "link"),
    _rule(r"^(?P<s>.+?) joined using (?:an|this) invite link$", "join", "link"),
    _rule(r"^(?P<s>.+?) joined from the community$", "join"),
    _rule(r"^(?P<s>.+?) joined$", "join"),
    _rule(r"^(?P<a>.+?) added (?P<s>.+?)$", "join", "invite"),
    _rule(r"^(?P<a>.+?) removed (?P<s>.+?)$", "remove"),
    _rule(r"^(?P<s>.+?) left$", "leave"),
    _rule(r"^(?P<s>You)'re now an admin$", "admin"),
    _rule(r"^(?P<s>.+?) (?:is|are) now an admin$", "admin"),
    _rule(r"^.+?'s security code changed", None, group=False),
    _rule(r"^Your security code with .+ changed", None, group=False),
    _rule(r"^.+? changed their phone number", None, group=False),
    _rule(r"^.+? changed to \+?[0-9 ()\-]+$", None, group=False),
    _rule(r"^(?:Disappearing messages|Messages now|This chat is|This group|Waiting for this message)", None,
          group=False),
)


@dataclass
class _Row:
    kind: str
    text: str | None
    raw_type: str
    sender: Person | None = None
    event: str | None = None


@lru_cache(maxsize=8192)
def classify(author: str | None, body: str, attributed: bool) -> tuple[_Row, bool]:
    """A row the vectorised path left to Python: (row, states a group event).
    `author` is None when the header line has no `author: `; `attributed` when the body is an iOS
    notice (its body starts with LRM) placed under an author (often the group's name)."""
    text = body.lstrip(MARKS_STRIP)
    first = text.split("\n", 1)[0].strip()
    sender = person(author)
    if first.startswith(BANNERS):
        return _Row("system", text, "encryption"), False
    if author is not None and (first in DELETED or first.startswith(DELETED_BY_ADMIN)):
        return _Row("system", text, "deleted", sender, event_json("recall", actor=sender)), False
    if author is None or attributed:
        for rule in _RULES:
            m = rule.pattern.match(first)
            if not m:
                continue
            if rule.kind is None:
                return _Row("system", text, "system"), rule.group
            g = m.groupdict()
            actor = person(g.get("a"))
            subjects = people(g["s"]) if g.get("s") else []
            if rule.kind == "leave":
                actor = subjects[0] if subjects else None
            if rule.kind in ("join", "remove", "leave", "admin") and not subjects:
                continue
            ev = event_json(rule.kind, actor=actor, subjects=subjects, method=rule.method, title=g.get("t"))
            return _Row("system", text, "system", None, ev), rule.group
        if first in PLACEHOLDERS and PLACEHOLDERS[first] == "call":
            return _Row("call", None, first, sender), False
        if author is None:
            # `Name:.` — an author with no space after the colon (not a known system text)
            m = re.match(r"^([^:\"“”]{1,60}):(\S.*)?$", body, re.S)
            if m and not m.group(1).endswith(" "):
                return _vector_like(m.group(1), m.group(2) or ""), False
            return _Row("system", text, "system"), False
        # iOS puts LRM before notices and media placeholders. An unknown short one is taken for a
        # localised placeholder (`‎Bild weggelassen`), anything longer for a localised notice.
        if len(first.split()) <= 3 and "\n" not in text:
            return _Row("other", None, first, sender), False
        return _Row("system", text, "system"), False
    return _vector_like(author, body), False


def _vector_like(author: str | None, body: str) -> _Row:
    """What the vectorised path does to an ordinary message, for rows that arrive here."""
    text = body.lstrip(MARKS_STRIP)
    raw_type = "text"
    if text.rstrip().endswith(EDITED):
        text = text.rstrip()[: -len(EDITED)].rstrip(SPACES + MARKS_STRIP)
        raw_type = "edited"
    first = text.split("\n", 1)[0]
    sender = person(author)
    if first in DELETED or first.startswith(DELETED_BY_ADMIN):
        return _Row("system", text, "deleted", sender, event_json("recall", actor=sender))
    if text in PLACEHOLDERS:
        return _Row(PLACEHOLDERS[text], None, text, sender)
    if first.endswith("(file attached)") or "<attached: " in first:
        kind = next((k for p, k in ATTACHED_PREFIX.items() if first.startswith(p)), None)
        kind = kind or next((k for p, k in ATTACHED_IOS.items() if p in first), "file")
        return _Row(kind, text, "attached", sender)
    if first.startswith(("location: ", "Location: ")):
        return _Row("location", text, "location", sender)
    if first.startswith("POLL:"):
        return _Row("other", text, "poll", sender)
    return _Row("text", text, raw_type, sender)


# ---------------------------------------------------------------------------------------------
# chat name

_NAME_PATTERNS = (
    re.compile(r"^WhatsApp[ -]Chat(?: -| with| mit| met| con| com| avec| med| z| s)? (?P<n>.+)$", re.I),
    re.compile(r"^(?:Conversa do WhatsApp com|Chat de WhatsApp con|Chat de WhatsApp com|Discussion WhatsApp avec|"
               r"Chat WhatsApp con|Чат WhatsApp с|WhatsApp Sohbeti:?) (?P<n>.+)$", re.I),
    re.compile(r"^与(?P<n>.+?)的 ?WhatsApp ?聊天$"),
    re.compile(r"^和(?P<n>.+?)的 ?WhatsApp ?(?:聊天|對話)$"),
    re.compile(r"^(?P<n>.+?)とのWhatsApp ?チャット$"),
    re.compile(r"^(?P<n>.+?)(?:님)?과의 WhatsApp 대화$"),
)


def chat_name_from(display_name: str) -> str:
    stem = Path(display_name).name
    for suffix in (".zip", ".txt"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    stem = re.sub(r" \(\d+\)$", "", stem).strip()
    for pattern in _NAME_PATTERNS:
        m = pattern.match(stem)
        if m and m.group("n").strip():
            return m.group("n").strip()
    return stem or display_name
