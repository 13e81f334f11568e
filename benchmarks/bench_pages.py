"""Every query the analysis pages run, timed warm at scale (docs/architecture.md §9:
a page's queries ≤ 300 ms warm at 10 million messages). Activity and Cold start draw only their
open tab, so each tab is a view of its own here.

    python benchmarks/bench_pages.py 10000000 /tmp/qunxi-bench-pages
    python benchmarks/bench_pages.py 10000000 /tmp/qunxi-bench-pages "events,activity · trend"

The optional third argument keeps only the views whose names start with one of its
comma-separated prefixes.

Writes `qunxi sample --scale N` into DIR (kept when it already holds N messages), imports all of
it (chat exports, visits, events, members.csv) into DIR.duckdb unless that database is already
there, then opens each page (and each tab) under Streamlit's AppTest, with the default filters (every chat) and
with one shop's view (its three largest chats picked), and records which
named queries it runs with which parameters. The recorded queries are then run again the way a
page runs them when nothing is cached (one read-only connection opened for the page, every query
in turn, as `ui.data.shared_connection` does), five times after one warm-up pass; the table shows
each query's median, the connection's and the page's total. Not a test; figures go in results.md.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

from dashboard.core import db, queries
from dashboard.core.ingest.pipeline import import_order, ingest_file
from dashboard.core.sample.generate import generate_scaled

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
# (view, page file, (tab widget key, catalog key of the tab's label)): a tabbed page draws only its open tab
ACTIVITY_TABS = ("trend", "when", "members", "participation", "conversations", "responses", "cohorts", "compare")
COLD_START_TABS = ("takeoff", "seeding", "spells", "alts")
ROLES_TABS = ("members", "rfm", "talk", "diversity", "experts", "replies", "links")
EVENTS_TABS = ("overview", "one", "detected", "links", "timeline")
GROWTH_TABS = ("joins", "tree", "inviters", "cohorts", "movement", "packets")
RULES_TABS = ("hits", "weeks", "members", "edit")
VIEWS = ([("overview", None, None)]
         + [(f"activity · {tab}", "app_pages/activity.py", ("act_tab", f"activity.tab_{tab}")) for tab in ACTIVITY_TABS]
         + [(f"cold start · {tab}", "app_pages/cold_start.py", ("cs_tab", f"cold.tab_{tab}"))
            for tab in COLD_START_TABS]
         + [(f"roles · {tab}", "app_pages/roles.py", ("roles_tab", f"roles.tab_{tab}")) for tab in ROLES_TABS]
         + [(f"events · {tab}", "app_pages/events.py", ("ev_tab", f"events.tab_{tab}")) for tab in EVENTS_TABS]
         + [(f"growth · {tab}", "app_pages/growth.py", ("gr_tab", f"growth.tab_{tab}")) for tab in GROWTH_TABS]
         + [(f"rules · {tab}", "app_pages/rules.py", ("ru_tab", f"rules.tab_{tab}")) for tab in RULES_TABS])
BUDGET_MS = 300
RUNS = 5


def _sample(n: int, out: Path) -> Path:
    summary = out / "truth.json"
    if summary.exists() and json.loads(summary.read_text(encoding="utf-8")).get("requested") == n:
        return out
    generate_scaled(out, n, force=True)
    data = json.loads(summary.read_text(encoding="utf-8"))
    summary.write_text(json.dumps({**data, "requested": n}), encoding="utf-8")
    return out


def _ingest(folder: Path, database: Path) -> None:
    files = import_order([folder])
    t0 = time.perf_counter()
    total = 0
    for i, f in enumerate(files, 1):
        total += ingest_file(f, database).n_new
        if i % 100 == 0:
            print(f"  {i}/{len(files)} files, {total:,} rows, {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"ingested {len(files)} files ({total:,} new rows) in {time.perf_counter() - t0:.0f} s")


def _record(database: Path, page: str | None, tab: tuple[str, str] | None,
            chats: list[str] | None) -> list[tuple[str, dict]]:
    """The (query, params) a page (with this tab open) runs with its default filters (or these chats
    picked), in order."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard.ui.i18n import catalog

    seen: list[tuple[str, dict]] = []
    real = queries.run

    def spy(con, name, **params):
        seen.append((name, params))
        return real(con, name, **params)

    os.environ["QUNXI_DB"] = str(database)
    st.cache_data.clear()  # each page records every query it runs, not what the last one cached
    queries.run = spy
    try:
        at = AppTest.from_file(str(APP), default_timeout=600)
        if chats:
            at.session_state["f_chats"] = chats
        if tab:
            key, label = tab
            at.session_state[key] = catalog()[label]["zh"]
        at.run()
        if page:  # the app opens on Overview: count only what the page switched to runs
            seen.clear()
            st.cache_data.clear()
            at.switch_page(page).run()
        if at.exception:
            raise SystemExit(f"page {page or 'overview'} failed: {[e.value for e in at.exception]}")
    finally:
        queries.run = real
    return [(n, p) for n, p in seen if n != "data/chat_list"]


def _time_page(database: Path, calls: list[tuple[str, dict]]) -> tuple[float, list[tuple[float, int]], float]:
    """Median over RUNS of (connect ms, per query (ms, rows), whole page ms), after one warm-up."""
    passes = []
    for _ in range(RUNS + 1):
        t0 = time.perf_counter()
        with db.reader(database) as con:
            connect = (time.perf_counter() - t0) * 1000
            timings = []
            for name, params in calls:
                t1 = time.perf_counter()
                frame = queries.run(con, name, **params)
                timings.append(((time.perf_counter() - t1) * 1000, frame.height))
        passes.append((connect, timings, (time.perf_counter() - t0) * 1000))
    passes = passes[1:]
    per_query = [(statistics.median(p[1][i][0] for p in passes), passes[0][1][i][1]) for i in range(len(calls))]
    return statistics.median(p[0] for p in passes), per_query, statistics.median(p[2] for p in passes)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp/qunxi-bench-pages")
    database = folder.parent / f"{folder.name}.duckdb"
    if not database.exists():
        _ingest(_sample(n, folder), database)
    db.ensure_database(database)
    with db.reader(database) as con:
        n_msgs = con.execute("select count(*) from messages").fetchall()[0][0]
        n_chats = con.execute("select count(*) from chats").fetchall()[0][0]
    print(f"{database}: {n_msgs:,} messages in {n_chats:,} chats; median of {RUNS} warm runs per query\n")
    with db.reader(database) as con:
        shop = [r[0] for r in con.execute(
            "select chat_id from daily_chat_activity group by 1 order by sum(messages) desc limit 3").fetchall()]
    wanted = tuple(sys.argv[3].split(",")) if len(sys.argv) > 3 else ("",)
    views = [v for v in VIEWS if v[0].startswith(wanted)]
    totals: dict[str, list[float]] = {}
    for scenario, chats in (("all chats", None), ("one shop's view: the 3 largest chats", shop)):
        print(f"== {scenario}\n")
        for page, path, tab in views:
            calls = _record(database, path, tab, chats)
            connect, per_query, total = _time_page(database, calls)
            print(f"{'page ' + page:<48} {'rows':>9} {'ms':>8}")
            print(f"  {'(open the database)':<46} {'':>9} {connect:>8.1f}")
            for (name, params), (ms, rows) in zip(calls, per_query, strict=True):
                extra = ",".join(f"{k}={v}" for k, v in params.items() if k in ("period", "gap_minutes") or
                                 (k == "start" and v))
                print(f"  {name + (' ' + extra if extra else ''):<46} {rows:>9,} {ms:>8.1f}")
            verdict = "within" if total <= BUDGET_MS else "OVER"
            label = f"page total ({len(calls)} queries)"
            print(f"  {label:<46} {'':>9} {total:>8.1f}  {verdict} {BUDGET_MS} ms\n")
            totals.setdefault(page, []).append(total)
    print(f"{'view':<28} {'all chats':>10} {'one shop':>10}")
    for page, (every, one) in totals.items():
        print(f"{page:<28} {every:>8.0f} ms {one:>7.0f} ms")


if __name__ == "__main__":
    main()
