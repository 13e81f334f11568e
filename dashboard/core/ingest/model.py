"""What a parser hands to the rest of the ingest: chats, raw message rows in batches, and counts.

Parsers only read; they never decide member or message ids. `enrich` does that once for every
format, so the rules for identity, system events and de-duplication live in one place.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from dashboard.core.ingest.textio import Sniffed

# The columns of a raw batch, in order, with their Polars types.
RAW_SCHEMA: dict[str, pl.DataType] = {
    "chat_key": pl.String(),
    "line": pl.Int64(),
    "ts": pl.Datetime("us", "UTC"),
    "platform_msg_id": pl.String(),
    "sender_key": pl.String(),
    "sender_name": pl.String(),
    "is_self": pl.Boolean(),
    "kind": pl.String(),
    "text": pl.String(),
    "raw_type": pl.String(),
    "quote_id": pl.String(),
    "quote_name": pl.String(),
    "quote_text": pl.String(),
    "quote_ts": pl.Datetime("us", "UTC"),
    "names_json": pl.String(),  # system rows: {"name": "wxid", ...} from template XML
    "event_json": pl.String(),  # a structured system event (see `event_json` below)
    "edited_ts": pl.Datetime("us", "UTC"),
    "reactions_json": pl.String(),  # [{"emoji": "👍", "count": 3, "keys": ["user1", ...], "names": {key: name}}]
    "mentions_json": pl.String(),  # [[key, name], ...] when the export lists who a message mentions
}

BATCH_ROWS = 50_000

# Kinds a structured system event may carry. join/leave/remove/create/rename feed membership
# metrics; pin/icon/description/settings/other keep the rest of a platform's service messages;
# recall/pat re-kind the message itself; owner/admin become roles.
EVENT_KINDS = frozenset({"join", "leave", "remove", "create", "rename", "pin", "icon", "description", "settings",
                         "other", "recall", "pat", "owner", "admin"})
EVENT_METHODS = frozenset({"invite", "qr", "link", "creator", "request", "unknown"})

Person = tuple[str | None, str | None]  # (platform key, display name); either may be missing


def event_json(
    kind: str,
    actor: Person | None = None,
    subjects: list[Person] | None = None,
    method: str | None = None,
    title: str | None = None,
) -> str:
    """A system event a parser read from structured fields (Telegram actions, Discord types …).

    enrich turns it into membership_events exactly as it does the events it reads from WeChat's
    system texts, so every platform's joins, removals and renames land in the same rows."""
    assert kind in EVENT_KINDS, kind
    assert method is None or method in EVENT_METHODS, method
    return json.dumps({"kind": kind, "actor": list(actor) if actor else None,
                       "subjects": [list(p) for p in subjects or []], "method": method, "title": title},
                      ensure_ascii=False)


# Fields a column mapping (`--map field=column`) may name, for tables no format recognises.
MAP_FIELDS = ("time", "sender", "sender_id", "text", "chat", "chat_id", "kind", "msg_id", "reply_to", "platform")


@dataclass
class Options:
    tz: str
    chat_name: str | None = None
    mapping: dict[str, str] | None = None  # generic tables: canonical field → the file's column


@dataclass
class ChatInfo:
    key: str
    name: str | None
    kind: str = "group"  # group | private | channel


@dataclass
class Skipped:
    line: int
    reason: str
    sample: str


@dataclass
class ParseState:
    """Facts a parser learns while streaming; read after the batches are consumed."""

    chats: dict[str, ChatInfo] = field(default_factory=dict)
    # (chat key, member key, member name, role) the export states: owner, admin, bot
    roles: list[tuple[str, str | None, str | None, str]] = field(default_factory=list)
    exporter_key: str | None = None
    exporter_name: str | None = None
    n_read: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    n_skipped: int = 0

    def skip(self, line: int, reason: str, sample: str, keep: int = 20) -> None:
        self.n_skipped += 1
        if len(self.skipped) < keep:
            # undecodable bytes arrive as lone surrogates; show them as � in the sample
            clean = sample[:200].encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            self.skipped.append(Skipped(line, reason, clean))


@dataclass
class Parsed:
    format: str
    platform: str
    encoding: str
    state: ParseState
    batches: Iterator[pl.DataFrame]
    source_tz: str | None = None


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """A parser's frame with every raw column, in order and typed; missing columns become nulls.
    Lets vectorised parsers build only the columns they know."""
    cols = []
    for name, dtype in RAW_SCHEMA.items():
        if name in frame.columns:
            cols.append(frame.get_column(name).cast(dtype))
        elif name == "is_self":
            cols.append(pl.repeat(False, frame.height, eager=True).alias(name))
        else:
            cols.append(pl.repeat(None, frame.height, dtype=dtype, eager=True).alias(name))
    return pl.DataFrame(cols)


@dataclass
class Probe:
    """What detection looks at: the file's start as text (None for binary files), its first CSV
    record when the first line has a comma, and its first bytes."""

    path: Path
    sniffed: Sniffed | None
    header: list[str] | None
    magic: bytes
    display_name: str  # the name the user gave (the .zip for a zipped WhatsApp chat)

    @property
    def head(self) -> str:
        return self.sniffed.head.lstrip("\ufeff") if self.sniffed is not None else ""

    def first_line(self) -> str:
        for line in self.head.splitlines():
            if line.strip():
                return line.strip()
        return ""


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    platform: str
    sample: str  # one line of what it recognises, for `qunxi formats` and error messages
    matches: Callable[[Probe], bool]
    parse: Callable[[Probe, Options], Parsed]


class BatchBuilder:
    """Collects raw rows column-wise and cuts them into Polars frames of BATCH_ROWS."""

    def __init__(self) -> None:
        self._cols: dict[str, list] = {k: [] for k in RAW_SCHEMA}

    def add(
        self,
        *,
        chat_key: str,
        line: int,
        ts: dt.datetime,
        kind: str,
        text: str | None,
        raw_type: str,
        sender_key: str | None = None,
        sender_name: str | None = None,
        is_self: bool = False,
        platform_msg_id: str | None = None,
        quote_id: str | None = None,
        quote_name: str | None = None,
        quote_text: str | None = None,
        quote_ts: dt.datetime | None = None,
        names_json: str | None = None,
        event_json: str | None = None,
        edited_ts: dt.datetime | None = None,
        reactions_json: str | None = None,
        mentions_json: str | None = None,
    ) -> None:
        c = self._cols
        c["chat_key"].append(chat_key)
        c["line"].append(line)
        c["ts"].append(ts)
        c["platform_msg_id"].append(platform_msg_id)
        c["sender_key"].append(sender_key)
        c["sender_name"].append(sender_name)
        c["is_self"].append(is_self)
        c["kind"].append(kind)
        c["text"].append(text)
        c["raw_type"].append(raw_type)
        c["quote_id"].append(quote_id)
        c["quote_name"].append(quote_name)
        c["quote_text"].append(quote_text)
        c["quote_ts"].append(quote_ts)
        c["names_json"].append(names_json)
        c["event_json"].append(event_json)
        c["edited_ts"].append(edited_ts)
        c["reactions_json"].append(reactions_json)
        c["mentions_json"].append(mentions_json)

    def __len__(self) -> int:
        return len(self._cols["line"])

    def full(self) -> bool:
        return len(self) >= BATCH_ROWS

    def take(self) -> pl.DataFrame:
        frame = pl.DataFrame(self._cols, schema=RAW_SCHEMA)
        self._cols = {k: [] for k in RAW_SCHEMA}
        return frame
