"""What a parser hands to the rest of the ingest: chats, raw message rows in batches, and counts.

Parsers only read; they never decide member or message ids. `enrich` does that once for every
format, so the rules for identity, system events and de-duplication live in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl

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
}

BATCH_ROWS = 50_000


@dataclass
class ChatInfo:
    key: str
    name: str | None
    kind: str = "group"  # group | private | unknown


@dataclass
class Skipped:
    line: int
    reason: str
    sample: str


@dataclass
class ParseState:
    """Facts a parser learns while streaming; read after the batches are consumed."""

    chats: dict[str, ChatInfo] = field(default_factory=dict)
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

    def __len__(self) -> int:
        return len(self._cols["line"])

    def full(self) -> bool:
        return len(self) >= BATCH_ROWS

    def take(self) -> pl.DataFrame:
        frame = pl.DataFrame(self._cols, schema=RAW_SCHEMA)
        self._cols = {k: [] for k in RAW_SCHEMA}
        return frame
