"""A chain's store records imported shop by shop into a database at scale: what each import
costs once event effects are recounted only for the events it touches.

    python benchmarks/bench_store_imports.py /tmp/b10f.duckdb /tmp/qunxi-scale10m

DB is a database built from the scaled sample in FOLDER (`bench_pages.py` builds one). The script
imports every shop's events.csv not yet imported (each shop numbers its events E01…E06, so all
but the first shop's are kept as `shop:E01`), timing each import, then a small visits file for one
shop's customers, then a full recount of every event's effect for comparison. Not a test;
figures go in results.md.
"""

from __future__ import annotations

import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dashboard.core import db, rollups
from dashboard.core.ingest.pipeline import ingest_file


def _time(label: str, fn) -> float:
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    print(f"{label:<56} {seconds:8.2f} s", flush=True)
    return seconds


def _events(folder: Path, database: Path) -> None:
    files = sorted(folder.glob("shop_*/events.csv"))
    times = []
    for i, f in enumerate(files, 1):
        t0 = time.perf_counter()
        report = ingest_file(f, database)
        if report.status == "imported":
            times.append(time.perf_counter() - t0)
        if i % 100 == 0:
            print(f"  {i}/{len(files)} events files", flush=True)
    if times:
        q = statistics.quantiles(times, n=10)
        print(f"{len(times)} events.csv imported: median {statistics.median(times):.2f} s, p90 {q[-1]:.2f} s, "
              f"max {max(times):.2f} s, total {sum(times):.0f} s")


def _visits(folder: Path, database: Path) -> None:
    """Twenty new visits for the customers of one shop, as a later POS export would bring."""
    with open(folder / "shop_0005" / "visits.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh)][1:]
    members = [r for r in rows if r[2]][:20]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "visits_later.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["单号", "门店", "会员号", "时间", "金额"])
            for n, r in enumerate(members):
                w.writerow([f"LATER{n:04d}", r[1], r[2], r[3], "50.00"])
        _time("one visits file (20 visits of one shop's customers)", lambda: ingest_file(path, database))


def _full_recount(database: Path) -> None:
    def run() -> None:
        with db.writer(database) as con:
            con.execute("begin")
            chats = [r[0] for r in con.execute("select distinct chat_id from chat_events").fetchall()]
            rollups.refresh_events(con, chats)
            con.execute("rollback")

    _time("full recount of every event's effect (for comparison)", run)


def main() -> None:
    database, folder = Path(sys.argv[1]), Path(sys.argv[2])
    db.ensure_database(database)
    _events(folder, database)
    with db.reader(database) as con:
        n_events, n_effects = con.execute(
            "select (select count(*) from store_events), (select count(*) from event_effects)").fetchone()
    print(f"{n_events:,} store events, {n_effects:,} effect rows")
    _visits(folder, database)
    _full_recount(database)


if __name__ == "__main__":
    main()
