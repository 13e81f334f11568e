"""Each tab of the Growth and Group rules pages at scale, with the work done on what it reads:
the named queries *and* the Polars/NumPy steps of core.analytics its view calls (bench_pages.py
times the queries alone). Warm, no Streamlit cache: median of 5 after one pass, with every chat
chosen and with the 3 largest chats (one shop's view). Not a test; figures go in results.md.

    python benchmarks/bench_growth_rules.py /tmp/qunxi-bench-pages.duckdb

DB is a store built by bench_pages.py (or any store at the current schema).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable

import duckdb
import polars as pl

from dashboard.core import db, queries, rules
from dashboard.core.analytics import growth, red_packets, rule_audit
from dashboard.core.analytics.activity import MAX_CHAT_LINES

RUNS = 5
BUDGET_MS = 300


def _period(con: duckdb.DuckDBPyConnection, ids: list[str] | None, tree: pl.DataFrame) -> tuple[dt.date, dt.date]:
    """The views' default period: the latest referral campaign to 30 days later, else every join."""
    joined = tree.filter(pl.col("joined_at").is_not_null())
    last = joined["joined_at"].max().date()
    found = queries.run(con, "growth/campaigns", chat_ids=ids)
    if found.height:
        start = found.sort("ts").row(-1, named=True)["ts"].date()
        return start, min(start + dt.timedelta(days=growth.HORIZON_DAYS), last)
    return joined["joined_at"].min().date(), last


def _joined(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    full = queries.run(con, "growth/tree", chat_ids=ids)
    return full, growth.in_period(full, *_period(con, ids, full))


def joins(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> str:
    queries.run(con, "growth/joins_weekly", chat_ids=ids)
    return f"{len(growth.analyze(con, ids))} chats"


def tree(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> str:
    full, joined = _joined(con, ids)
    sun = growth.sunburst_nodes(full, joined)
    return f"{joined.height:,} joined in the period, {sun.nodes.height:,} wedges of {sun.chats_shown}/{sun.chats} chats"


def inviters(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> str:
    _, joined = _joined(con, ids)
    table = growth.inviters(joined)
    growth.bunching(growth.referrer_counts(joined), 10)
    growth.threshold_groups(joined, 10)
    return f"{table.height:,} inviters"


def cohorts(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> str:
    full = queries.run(con, "growth/tree", chat_ids=ids)
    growth.cohorts(full, "join_kind")
    growth.cohorts(full, "regime")
    queries.run(con, "data/chat_list")
    queries.run(con, "growth/regimes", chat_ids=ids or [])
    return f"{full.height:,} members"


def movement(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> str:
    return f"{queries.run(con, 'growth/movement', chat_ids=ids).height:,} flows"


def packets(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> str:
    per = red_packets.packets(con, ids)
    red_packets.pooled(per)
    chats = sorted(set(per["chat_id"]))
    queries.run(con, "activity/daily_activity", chat_ids=chats, organic=True, by_chat=len(chats) <= MAX_CHAT_LINES)
    queries.run(con, "red_packets/dependency_weeks", chat_ids=ids)
    return f"{per.height:,} packets"


def rule_hits(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> str:
    found = queries.run(con, "rules/hits", chat_ids=ids)
    rule_audit.by_rule(rules.current(con), found)
    return f"{found.height:,} hits"


def rule_weeks(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> str:
    weekly = queries.run(con, "rules/weekly", chat_ids=ids)
    queries.run(con, "rules/hits", chat_ids=ids)
    marked = rule_audit.changes(rules.current(con), queries.run(con, "rules/announcements", chat_ids=ids))
    rule_audit.around_changes(marked, weekly)
    return f"{len(marked):,} rule changes"


def rule_members(con: duckdb.DuckDBPyConnection, ids: list[str] | None) -> str:
    return f"{rule_audit.by_member(queries.run(con, 'rules/hits', chat_ids=ids)).height:,} members"


TABS: dict[str, Callable[[duckdb.DuckDBPyConnection, list[str] | None], str]] = {
    "growth · joins": joins, "growth · tree": tree, "growth · inviters": inviters, "growth · cohorts": cohorts,
    "growth · movement": movement, "growth · packets": packets,
    "rules · hits": rule_hits, "rules · weeks": rule_weeks, "rules · members": rule_members,
}


def main(path: str) -> None:
    with db.reader(path) as con:
        big = [r[0] for r in con.execute(
            "select chat_id from daily_chat_activity group by 1 order by sum(messages) desc limit 3").fetchall()]
        print(f"{'tab':20} {'all chats':>10} {'3 largest':>10}  what the view gets (all chats)")
        for name, tab in TABS.items():
            cells, note = [], ""
            for ids in (None, big):
                out = tab(con, ids)
                note = note or out
                times = []
                for _ in range(RUNS):
                    t0 = time.perf_counter()
                    tab(con, ids)
                    times.append(time.perf_counter() - t0)
                ms = statistics.median(times) * 1000
                cells.append(f"{ms:7.0f} ms{'!' if ms > BUDGET_MS else ' '}")
            print(f"{name:20} {cells[0]:>10} {cells[1]:>10}  {note}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
