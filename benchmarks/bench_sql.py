"""The SQL page at scale: its schema browser's queries, the sandbox's own cost, analyst queries
through it, the row cap on a huge result, and downloads streamed to each format. Warm: median of
5 after one pass (downloads: one pass each). Not a test; figures go in results.md.

    python benchmarks/bench_sql.py /tmp/qunxi-bench-pages.duckdb

DB is a store built by bench_pages.py (or any store at the current schema).
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from dashboard.core import db, queries, result_files, sandbox

RUNS = 5


def _median_ms(fn: Callable[[], object]) -> tuple[float, object]:
    out = fn()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), out


def _download(path: Path, sql: str, fmt: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    out = io.BytesIO()
    with sandbox.stream(path, sql, timeout_s=600) as reader:
        written = result_files.write(reader, reader.schema, fmt, out, "Asia/Shanghai")
    return time.perf_counter() - start, written.rows, len(out.getvalue())


def main(path: Path) -> None:
    db.ensure_database(path)
    with db.reader(path) as con:
        n = con.execute("select count(*) from messages").fetchall()[0][0]
        chats = [r[0] for r in con.execute("select chat_id from chats").fetchall()]
    print(f"store: {path} · {n:,} messages · {len(chats)} chats")

    with db.reader(path) as con:
        for name in ("sql/schema_objects", "sql/schema_columns"):
            ms, frame = _median_ms(lambda name=name: queries.run(con, name))
            print(f"page query {name:<28} {ms:8.1f} ms  ({frame.height} rows)")

    cases = {
        "sandbox: select 1 (attach + settings)": "select 1",
        "sandbox: messages by kind": "select kind, count(*) as n from messages group by 1",
        "sandbox: daily speakers, all chats": "select chat_id, ts::date as day, count(distinct member_id) as speakers "
                                              "from messages group by all",
    }
    for label, sql in cases.items():
        ms, got = _median_ms(lambda sql=sql: sandbox.run(path, sql, timeout_s=600))
        print(f"{label:<40} {ms:8.1f} ms  ({got.frame.height:,} rows)")

    q = queries.get("activity/daily_activity")
    params = queries.bind(q, {})
    ms_sandbox, _ = _median_ms(lambda: sandbox.run(path, q.sql, timeout_s=600, params=params))
    with db.reader(path) as con:
        ms_reader, _ = _median_ms(lambda: queries.run(con, "activity/daily_activity"))
    print(f"named activity/daily_activity: sandbox {ms_sandbox:.1f} ms, page's connection {ms_reader:.1f} ms")

    ms, got = _median_ms(lambda: sandbox.run(path, "select * from messages", timeout_s=600))
    print(f"select * from messages, first {sandbox.DEFAULT_MAX_ROWS:,} shown: {ms:.1f} ms "
          f"({got.frame.height:,} rows, truncated={got.truncated})")

    for fmt, limit in (("csv", 1_000_000), ("parquet", 1_000_000), ("xlsx", 100_000)):
        sql = f"select msg_id, chat_id, member_id, ts, kind, n_chars from messages limit {limit}"
        s, rows, size = _download(path, sql, fmt)
        print(f"download {fmt:<8} {rows:>9,} rows in {s:6.2f} s = {rows / s:>10,.0f} rows/s, {size / 1e6:7.1f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
