"""Independent computations over the raw tables that the rollup and query tests share: member
classes from roles, messages with their local day, hour and class, and covered days from imports.
None of it reuses the SQL under test."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import polars as pl
from conftest import rows

TRUTH = json.loads((Path(__file__).resolve().parents[1] / "sample_data" / "truth.json").read_text(encoding="utf-8"))

LOCAL = "Asia/Shanghai"
TZ = ZoneInfo(LOCAL)
ORGANIC = ("customer", "expert")
INACTIVE = ("system", "recall")
RANK = {"bot": 4, "owner": 3, "admin": 3, "staff": 3, "alt": 2, "expert": 1}
CLASS_OF_RANK = {4: "bot", 3: "staff", 2: "alt", 1: "expert"}
GAPS = (10, 30, 60, 90)
DAY = dt.timedelta(days=1)


def frame(db: Path, sql: str, params: dict | None = None) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute(f"set TimeZone = '{LOCAL}'")
        return con.sql(sql, params=params or {}).pl()
    finally:
        con.close()


def local_day(ts: dt.datetime) -> dt.date:
    return ts.astimezone(TZ).date()


def monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def month(d: dt.date) -> dt.date:
    return d.replace(day=1)


def classes(db: Path) -> dict[tuple[str, str], str]:
    """(chat, member) → class. Declared or system roles first: a role with no chat holds in every
    chat, the strongest wins (bot > staff > alt > expert), a declared customer role holds the member
    at customer. The account a chat was exported from is staff unless given a role. Members with no
    role take the class the app inferred (table class_inferences, taken as given here: the tests of
    inference check it against planted truths), suspected alts only while the owner has not kept
    them organic. Absent = customer."""
    chats = [r[0] for r in rows(db, "select chat_id from chats")]
    best: dict[tuple[str, str], int] = {}
    for chat, member, role, source in rows(db, "select chat_id, member_id, role, source from roles"):
        if source in ("declared", "system") and (role in RANK or role == "customer"):
            for c in chats if chat is None else [chat]:
                best[(c, member)] = max(best.get((c, member), 0), RANK.get(role, 0))
    exported = rows(db, """select c.chat_id, mb.member_id
                           from (select unnest(chat_ids) as chat_id, exporter_account from imports) i
                           join chats c using (chat_id)
                           join members mb on mb.platform = c.platform and mb.platform_key = i.exporter_account""")
    for key in exported:
        best.setdefault(key, RANK["owner"])
    out = {k: CLASS_OF_RANK[v] for k, v in best.items() if v > 0}
    keep_alts = rows(db, "select value from meta where key = 'suspected_alts_organic'") == [("1",)]
    for chat, member, cls, basis in rows(db, "select chat_id, member_id, member_class, basis from class_inferences"):
        if (chat, member) not in best and not (keep_alts and basis == "suspected_alt"):
            out[(chat, member)] = cls
    return out


def messages(db: Path) -> pl.DataFrame:
    """Every message with its local day and hour, its sender's class (unknown sender = customer)
    and whether it is active."""
    known = classes(db)
    raw = frame(db, """select msg_id, chat_id, member_id, ts, kind, text, n_chars, reply_to_msg_id, mentions
                       from messages""")
    local = pl.col("ts").dt.convert_time_zone(LOCAL)
    cls = [known.get((c, m), "customer") for c, m in raw.select("chat_id", "member_id").iter_rows()]
    return raw.with_columns(day=local.dt.date(), hour=local.dt.hour().cast(pl.Int64),
                            member_class=pl.Series(cls, dtype=pl.String),
                            active=~pl.col("kind").is_in(INACTIVE))


def covered(db: Path) -> dict[str, list[dt.date]]:
    """chat → the local days from the first to the last message of each of its imports, sorted."""
    days: dict[str, set[dt.date]] = defaultdict(set)
    for chats, start, end in rows(db, "select chat_ids, coverage_start, coverage_end from imports"):
        if start is None or end is None:
            continue
        d, last = local_day(start), local_day(end)
        while d <= last:
            for c in chats:
                days[c].add(d)
            d += DAY
    return {c: sorted(v) for c, v in days.items()}
