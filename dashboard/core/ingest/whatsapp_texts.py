"""What WhatsApp writes inside a message: media placeholders, attachments, deleted and edited
markers, and the system texts that state group events (docs/formats.md §4.3), plus the chat name
hidden in an export's file name.

The texts are data: whatsapp_grammar.toml holds them per language of the phone (one table, like the
WeChat grammar in system_events.py). This module compiles it once. The vectorised parser
(`whatsapp.py`) handles ordinary messages column-wise; rows that need these rules one by one come
here.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dashboard.core.ingest.model import Person, event_json
from dashboard.core.ingest.system_events import SELF

SPACES = " \u00a0\u202f\u2009"  # the spaces WhatsApp puts in headers and names
MARKS_STRIP = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
GRAMMAR = Path(__file__).resolve().parent / "whatsapp_grammar.toml"

# The event lists of a language, in the order they are tried (the specific before the general:
# "X changed this group's icon" before "X removed Y", "joined using the link" before "joined"):
# list name -> (event kind, method, states a group-only event). A kind of None is a notice with no
# event.
EVENTS: dict[str, tuple[str | None, str | None, bool]] = {
    "create": ("create", None, True),
    "rename": ("rename", None, True),
    "icon": ("icon", None, True),
    "description": ("description", None, True),
    "settings": ("settings", None, False),
    "join_link": ("join", "link", True),
    "admin": ("admin", None, True),
    "add": ("join", "invite", True),
    "remove": ("remove", None, True),
    "join": ("join", None, True),
    "leave": ("leave", None, True),
    "notice": (None, None, False),
}
_LISTS = ("deleted", "deleted_prefix", "banner", "attached", "attached_ios")
MESSAGE_KINDS = frozenset({"image", "video", "voice", "sticker", "file", "other", "location", "call"})

# ---------------------------------------------------------------------------------------------
# templates -> regular expressions

_QUOTES = "\"“”„«»「」『』"
_SP = "[ \u00a0\u202f]"
_TOKEN = re.compile(r"\{(a|s|t|x|n|\*)(?:=([^{}]*))?\}")
_SLOTS = {"a": "(?P<a>.+?)", "s": "(?P<s>.+?)", "t": "(?P<t>.*?)", "x": ".*?", "n": r"\+?[0-9 ()\-]+",
          "*": ".*"}


class GrammarError(ValueError):
    """whatsapp_grammar.toml does not say what the parser needs (a mistake of whoever edited it)."""


def _literal(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        if ch in _QUOTES:
            out.append(f"{_SP}?[{re.escape(_QUOTES)}]{_SP}?")
        elif ch in "'’":
            out.append("['’]")
        elif ch == " ":
            # « Club » on one phone, "Club" on another: a space beside a quotation mark may be missing
            beside_quote = text[i - 1:i] in tuple(_QUOTES) or text[i + 1:i + 2] in tuple(_QUOTES)
            out.append(_SP + "?" if beside_quote else _SP)
        else:
            out.append(re.escape(ch))
    return "".join(out)


@dataclass(frozen=True)
class Template:
    pattern: re.Pattern
    actor_self: bool  # {a=…}: the exporter acted
    subject_self: bool  # {s=…}: it happened to the exporter
    before_title: str | None  # regex of the words between the actor and a quoted group name
    wording: int  # how many characters of it are fixed text


def compile_template(template: str, where: str = "") -> Template:
    """One template of the table as a regex matching a whole line."""
    def bad(problem: str) -> GrammarError:
        return GrammarError(f"{where}: 模板 “{template}” {problem}")

    parts, pos, fixed, seen = ["^"], 0, {"a": False, "s": False}, set()
    before_title, wording = None, 0
    for m in _TOKEN.finditer(template):
        head = template[pos:m.start()]
        if "{" in head or "}" in head:
            raise bad("有无法识别的占位符 (expected {a} {s} {t} {x} {n} {*} {a=…} {s=…})")
        parts.append(_literal(head))
        wording += len(head)
        slot, text = m.group(1), m.group(2)
        if slot in seen and slot in "ast":
            raise bad(f"里 {{{slot}}} 出现了两次")
        seen.add(slot)
        if text is not None:
            if slot not in "as":
                raise bad("只有 {a=…} 和 {s=…} 可以代表导出者本人")
            fixed[slot] = True
            parts.append(_literal(text))
            wording += len(text)
            pos = m.end()
            continue
        if slot == "*" and m.end() != len(template):
            raise bad("的 {*} 只能放在最后")
        if slot in "tx" and before_title is None and head:
            before_title = _literal(head)
        parts.append(_SLOTS[slot])
        pos = m.end()
    tail = template[pos:]
    if "{" in tail or "}" in tail:
        raise bad("有无法识别的占位符 (expected {a} {s} {t} {x} {n} {*} {a=…} {s=…})")
    parts.append(_literal(tail))
    if not template.endswith("{*}"):
        parts.append("[.。]?$")
    return Template(re.compile("".join(parts)), fixed["a"], fixed["s"], before_title, wording + len(tail))


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern
    kind: str | None  # event kind; None = a notice with no event
    method: str | None
    group: bool  # a group-only notice (makes the chat a group)
    language: str
    you: frozenset[str]  # words that stand for the exporter where a name goes
    separators: re.Pattern  # between the names of a list
    actor_self: bool = False
    subject_self: bool = False
    wording: int = 0


@dataclass(frozen=True)
class Grammar:
    rules: tuple[_Rule, ...]  # in matching order
    placeholders: dict[str, str]
    deleted: tuple[str, ...]
    deleted_prefix: tuple[str, ...]
    banners: tuple[str, ...]
    attached: tuple[str, ...]
    attached_ios: tuple[str, ...]
    not_author: re.Pattern
    languages: tuple[str, ...]


def _strings(table: dict, key: str, where: str) -> list[str]:
    raw = table.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        raise GrammarError(f"{where} {key}: 应为非空字符串的列表 (expected a list of non-empty strings)")
    return raw


def load_grammar(text: str, name: str = "whatsapp_grammar.toml") -> Grammar:
    """The table compiled: rules in matching order, placeholders and the marker lists."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise GrammarError(f"{name}: 不是有效的 TOML ({e})") from None
    by_event: dict[str, list[_Rule]] = {k: [] for k in EVENTS}
    lists: dict[str, list[str]] = {k: [] for k in _LISTS}
    placeholders: dict[str, str] = {}
    before_titles: list[str] = []
    for lang, table in data.items():
        where = f"{name} [{lang}]"
        if not isinstance(table, dict):
            raise GrammarError(f"{where}: 应为一张表 (expected a table)")
        if unknown := sorted(set(table) - set(EVENTS) - set(_LISTS) - {"you", "and", "media"}):
            raise GrammarError(f"{where}: 未知的键 {unknown}")
        you = frozenset(_strings(table, "you", where))
        seps = sorted(_strings(table, "and", where) or [", "], key=len, reverse=True)
        separators = re.compile("|".join(_literal(x) for x in seps))
        for event, (kind, method, group) in EVENTS.items():
            for template in _strings(table, event, where):
                t = compile_template(template, f"{where} {event}")
                if kind is not None and t.before_title:
                    before_titles.append(t.before_title)
                by_event[event].append(_Rule(t.pattern, kind, method, group, lang, you, separators,
                                             t.actor_self, t.subject_self, t.wording))
        for key in _LISTS:
            lists[key] += _strings(table, key, where)
        media = table.get("media", {})
        if not isinstance(media, dict):
            raise GrammarError(f"{where}: media 应为一张表 (expected [{lang}.media])")
        for placeholder, kind in media.items():
            if kind not in MESSAGE_KINDS:
                raise GrammarError(f"{where}.media: “{placeholder}” = “{kind}”, 应为 {sorted(MESSAGE_KINDS)} 之一")
            if placeholders.setdefault(placeholder, kind) != kind:
                raise GrammarError(f"{where}.media: “{placeholder}” 已在别处代表 {placeholders[placeholder]}")
    deleted = []
    for d in lists["deleted"]:  # the stub with and without its full stop
        base = d.rstrip(".。")
        deleted += [base, base + ".", base + "。"]
    for event_rules in by_event.values():
        # the longer wording first: "X telah bergabung menggunakan tautan" is not "X telah" joining
        # by "X bergabung menggunakan tautan"; "Se añadió a X" is not "Se" adding X
        event_rules.sort(key=lambda r: -r.wording)
    return Grammar(
        rules=tuple(r for event in EVENTS for r in by_event[event]),
        placeholders=placeholders,
        deleted=tuple(dict.fromkeys(deleted)),
        deleted_prefix=tuple(lists["deleted_prefix"]),
        banners=tuple(lists["banner"]),
        attached=tuple(lists["attached"]),
        attached_ios=tuple(lists["attached_ios"]),
        not_author=re.compile("|".join(dict.fromkeys(before_titles)) or "(?!)"),
        languages=tuple(data),
    )


GRAMMAR_TABLE = load_grammar(GRAMMAR.read_text(encoding="utf-8"), GRAMMAR.name)

# ---------------------------------------------------------------------------------------------
# bodies: placeholders, attachments, system texts

PLACEHOLDERS: dict[str, str] = GRAMMAR_TABLE.placeholders
DELETED: tuple[str, ...] = GRAMMAR_TABLE.deleted
DELETED_BY_ADMIN: tuple[str, ...] = GRAMMAR_TABLE.deleted_prefix
BANNERS: tuple[str, ...] = GRAMMAR_TABLE.banners
FILE_ATTACHED: tuple[str, ...] = GRAMMAR_TABLE.attached  # Android: "<file> (file attached)"
IOS_ATTACHED: tuple[str, ...] = GRAMMAR_TABLE.attached_ios  # iOS: "<attached: <file>>"
# A header line whose "author" is really the start of a notice: the name in quotes holds ": "
NOT_AUTHOR: re.Pattern = GRAMMAR_TABLE.not_author
_RULES = GRAMMAR_TABLE.rules

_ODD_BASE = ["<", "\u200e", "\u200f", "ocation: ", "POLL:", "end-to-end", "are now secured", "omitted",
             "已略去", "已省略"]
# rows holding none of these are plain text (each placeholder, stub and attachment marker holds one)
ODD_MARKS = list(dict.fromkeys(_ODD_BASE + [p for p in (*PLACEHOLDERS, *DELETED, *FILE_ATTACHED)
                                            if not any(m in p for m in _ODD_BASE)]))
PLACEHOLDER_LIST = list(PLACEHOLDERS)
ATTACHED_PREFIX = {"IMG-": "image", "VID-": "video", "PTT-": "voice", "AUD-": "voice", "STK-": "sticker"}
ATTACHED_IOS = {"-PHOTO-": "image", "-VIDEO-": "video", "-AUDIO-": "voice", "-STICKER-": "sticker",
                 "-GIF-": "image"}
EDITED = "<This message was edited>"
_YOU = ("You", "you")
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


def _who(name: str | None, rule: _Rule) -> Person | None:
    if name is not None and name.strip(MARKS_STRIP + SPACES) in rule.you:
        return (None, SELF)
    return person(name)


def people(names: str, rule: _Rule) -> list[Person]:
    """The names of a list as written in the rule's language ("Cleo, Dan and +44 …")."""
    parts = rule.separators.split(names.rstrip(".。"))
    return [x for x in (_who(p, rule) for p in parts if p.strip(SPACES)) if x is not None]


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
            actor = (None, SELF) if rule.actor_self else _who(g.get("a"), rule)
            if rule.subject_self:
                subjects: list[Person] = [(None, SELF)]
            else:
                subjects = people(g["s"], rule) if g.get("s") else []
            if rule.kind == "leave":
                actor = subjects[0] if subjects else None
            if rule.kind in ("join", "remove", "leave", "admin") and not subjects:
                continue
            title = g["t"].strip(SPACES) if g.get("t") is not None else None
            ev = event_json(rule.kind, actor=actor, subjects=subjects, method=rule.method, title=title)
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
    if first.endswith(FILE_ATTACHED) or any(m in first for m in IOS_ATTACHED):
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
