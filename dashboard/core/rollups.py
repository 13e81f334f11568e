"""Rollups: the small tables pages read instead of scanning messages.

Each rollup table has a SELECT of the same name in `queries/rollups/` that computes its rows for a
list of chats. They are recomputed per chat at the end of every import and for every chat whose
roles changed, because organic figures depend on who is staff.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from dashboard.core import rules, settings
from dashboard.core.analytics import (
    cold_start,
    diversity_weeks,
    event_detect,
    events,
    inferred_classes,
    member_roles,
    red_packets,
)
from dashboard.core.sqlfile import read_sql_file

# Later rollups read earlier ones (and the views over the base tables).
ORDER = (
    "covered_days",
    "daily_member_activity",
    "daily_chat_activity",
    "chat_members",
    "invitation_tree",
    "chat_day_speakers",
    "chat_period_speakers",
    "hourly_activity",
    "conversations",
    "conversation_days",
    "questions",
    "chat_age_days",
    "chat_cold_start",
    "topic_days",
    "member_topics",
    "reply_edges",
    "member_profiles",
    "alt_evidence",
    "class_inferences",
    "diversity_weeks",
    "chat_events",
    "event_announcements",
    "event_effects",
    "red_packet_windows",
    "red_packet_lifts",
    "red_packet_weeks",
    "checkin_messages",
    "staff_notices",
    "rule_hits",
)

# The inferences about members (roles from behaviour, alt-account evidence) and the classes they
# give (table class_inferences, read by view member_classes). They are measured against the
# declared classes only, so they never feed on themselves: a refresh first counts every rollup with
# the chats' inferred classes set aside, then, when it inferred any, counts the other rollups again
# with them (docs/architecture.md §4).
INFERENCES = ("member_profiles", "alt_evidence", "class_inferences")

# The rollups that read the store's records (visits, events, member ↔ customer links): recounted
# for the chats whose events those touch (see chats_of_shops, chats_of_customers).
STORE_ROLLUPS = ("event_effects",)

# What a member ↔ customer link moves: the effects of events (whose visits count) and the alt-account
# evidence's commerce criterion, hence the inferred classes (docs/metrics.md §3.4).
LINK_ROLLUPS = (*STORE_ROLLUPS, "class_inferences")

# The rollups that read table terms or topic_words, in ORDER: recounted alone when the owner adds
# her own words or edits the topic lexicon.
TERM_ROLLUPS = ("topic_days", "member_topics", "member_profiles", "diversity_weeks")

# Rollups computed in Python rather than by a SELECT: a chat's cold-start end needs PELT, a red
# packet's interval a bootstrap.
COMPUTED: dict[str, Callable[[duckdb.DuckDBPyConnection, list[str]], pl.DataFrame]] = {
    "chat_cold_start": cold_start.end_rows,
    "member_profiles": member_roles.profile_rows,
    "diversity_weeks": diversity_weeks.rows,
    "chat_events": event_detect.rows,
    "event_effects": events.effect_rows,
    "red_packet_lifts": red_packets.lift_rows,
    "rule_hits": rules.hit_rows,
    "class_inferences": inferred_classes.rows,
}

# Rows are written in this order (chat_id unless named here): rows of one chat together, so a page
# asking for a few chats skips the rest by DuckDB's per-row-group min/max instead of scanning
# every chat's rows. Conversations are read one silence gap at a time, so the gap comes first.
SORT_KEYS = {"conversations": "gap_minutes, chat_id"}


def rollup_dir() -> Path:
    return settings.queries_dir() / "rollups"


@cache
def _body(name: str) -> str:
    return read_sql_file(rollup_dir() / f"{name}.sql").body


def refresh(con: duckdb.DuckDBPyConnection, chat_ids: list[str], names: tuple[str, ...] = ORDER) -> None:
    """Recompute the rollups `names` (every one unless told) of the given chats (local days in the
    session's time zone), in dependency order, inside the caller's transaction. Asked for an
    inference, it recounts everything: what is inferred moves every organic figure."""
    if not chat_ids:
        return
    ids = {"chat_ids": sorted(set(chat_ids))}
    if not set(names) & set(INFERENCES):
        _recount(con, ids, names)
        return
    con.execute("delete from class_inferences where list_contains($chat_ids, chat_id)", ids)
    _recount(con, ids, ORDER)
    if con.execute("select count(*) from class_inferences where list_contains($chat_ids, chat_id)", ids).fetchone()[0]:
        _recount(con, ids, tuple(n for n in ORDER if n not in INFERENCES))


def _recount(con: duckdb.DuckDBPyConnection, ids: dict, names: tuple[str, ...]) -> None:
    for name in (n for n in ORDER if n in names):
        con.execute(f"delete from {name} where list_contains($chat_ids, chat_id)", ids)
        if name in COMPUTED:
            con.register("computed_rows", COMPUTED[name](con, ids["chat_ids"]))
            try:
                con.execute(f"insert into {name} by name select * from computed_rows order by chat_id")
            finally:
                con.unregister("computed_rows")
            continue
        order = SORT_KEYS.get(name, "chat_id")
        con.execute(f"insert into {name} by name select * from ({_body(name)}) order by {order}", ids)


def refresh_all(con: duckdb.DuckDBPyConnection) -> None:
    refresh(con, [r[0] for r in con.execute("select chat_id from chats").fetchall()])
    refresh_store_days(con)


def refresh_store_days(con: duckdb.DuckDBPyConnection) -> None:
    """Store visits are not per chat: table store_days is rebuilt whole (one pass over visits)."""
    con.execute("delete from store_days")
    body = read_sql_file(settings.queries_dir() / "store" / "store_days.sql").body
    con.execute(f"insert into store_days by name select * from ({body})")


def refresh_events(con: duckdb.DuckDBPyConnection, chat_ids: list[str]) -> None:
    """Recount the effects of the events announced in these chats."""
    refresh(con, chat_ids, STORE_ROLLUPS)


def chats_of_shops(con: duckdb.DuckDBPyConnection, stores: set[str | None]) -> list[str]:
    """The chats announcing an event of these shops, or an event whose shop is unknown: one shop's
    events leave each other's days out of their baselines. A shop unknown (None) is every shop."""
    rows = con.execute(
        """
        select distinct chat_id from event_links
        where chat_id is not null and ($every or store_id is null or list_contains($stores, store_id))
        """,
        {"every": None in stores, "stores": sorted(s for s in stores if s is not None)},
    ).fetchall()
    return [r[0] for r in rows]


def rematch_events(con: duckdb.DuckDBPyConnection, starts: list, stores: set[str | None],
                   also: set[str] = frozenset()) -> None:
    """Pair again the chat events of the local days of these start times with the store events
    (rollup event_announcements), in the chats where these shops' events can be announced: a chat
    of one of the shops, or of no known shop whose announcements name one (a shop unknown, None,
    is every shop); and in the chats `also` (where the events were announced before a change)."""
    rows = con.execute(
        """
        with days as (select distinct cast(unnest($starts::timestamptz[]) as date) as day)
        select distinct c.chat_id
        from chat_events c join chats h using (chat_id) join days d on d.day = cast(c.start_at as date)
        where $every or list_contains($stores, h.store_id)
           or (h.store_id is null and len(list_filter($stores, lambda s: contains(c.texts, s))) > 0)
        """,
        {"starts": starts, "every": None in stores, "stores": sorted(s for s in stores if s is not None)},
    ).fetchall()
    refresh(con, sorted(also | {r[0] for r in rows}), ("event_announcements",))


def chats_of_customers(con: duckdb.DuckDBPyConnection, customers: list[str]) -> list[str]:
    """The chats announcing an event where a member linked to one of these customers is: where
    those customers' visits count."""
    rows = con.execute(
        """
        select distinct l.chat_id
        from event_links l
        join chat_members m on m.chat_id = l.chat_id
        join member_customers c on c.member_id = m.member_id and c.status = 'confirmed'
        where c.customer_id in (select unnest($customers))
        """,
        {"customers": customers},
    ).fetchall()
    return [r[0] for r in rows]


def chats_of_members(con: duckdb.DuckDBPyConnection, member_ids: list[str]) -> list[str]:
    """The chats where any of these members appears: where a change to their roles shows (a role for
    every chat holds only where the member is, see view member_classes)."""
    rows = con.execute(
        """
        select distinct chat_id from (
            select chat_id, member_id from member_names
            union all select chat_id, member_id from daily_member_activity
            union all select chat_id, member_id from membership_events
            union all select chat_id, member_id from roles where chat_id is not null
        ) where member_id in (select unnest($m))
        """,
        {"m": member_ids},
    ).fetchall()
    return [r[0] for r in rows]
