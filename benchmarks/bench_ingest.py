"""End-to-end ingest speed (parse, events, segmentation, write, rollups) on the scaled sample.

    python benchmarks/bench_ingest.py 1000000 /tmp/qunxi-bench-ingest

Writes `qunxi sample --scale N` into DIR (kept between runs when it already holds N messages),
imports every chat export into a fresh database, and prints messages/s overall and the time spent
in each stage (docs/architecture.md §9: ≥ 150,000 messages/s end to end). Not a test; figures go in results.md.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

from dashboard.core.ingest.pipeline import import_order, ingest_file, record_kind
from dashboard.core.sample.generate import generate_scaled


def _sample(n: int, out: Path) -> Path:
    summary = out / "truth.json"
    if summary.exists() and json.loads(summary.read_text(encoding="utf-8")).get("requested") == n:
        return out
    shutil.rmtree(out, ignore_errors=True)
    generate_scaled(out, n)
    data = json.loads(summary.read_text(encoding="utf-8"))
    summary.write_text(json.dumps({**data, "requested": n}), encoding="utf-8")
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = _sample(n, Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp/qunxi-bench-ingest"))
    exports = [f for f in import_order([out]) if record_kind(f) is None]
    db = out.parent / f"{out.name}.duckdb"
    db.unlink(missing_ok=True)
    stages: dict[str, float] = defaultdict(float)
    total = 0
    t0 = time.perf_counter()
    for f in exports:
        mark = [time.perf_counter(), "start"]

        def progress(stage: str, done: int, mark: list = mark) -> None:
            now = time.perf_counter()
            if stage != mark[1]:
                stages[mark[1]] += now - mark[0]
                mark[:] = [now, stage]

        report = ingest_file(f, db, progress=progress)
        stages[mark[1]] += time.perf_counter() - mark[0]
        total += report.n_new
    took = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(exports)} exports, {total:,} messages in {took:.1f} s → {total / took:,.0f} messages/s; "
          f"peak RSS {rss:.0f} MiB; database {db.stat().st_size / 2**20:.0f} MiB")
    names = {"start": "detect + open", "parse": "parse + stage", "words": "events + words", "store": "write + rollups"}
    for stage, secs in stages.items():
        print(f"  {names.get(stage, stage):>16}: {secs:6.1f} s ({secs / took:4.0%})")


if __name__ == "__main__":
    main()
