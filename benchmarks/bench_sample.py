"""Time and memory of `qunxi sample --scale N` (not a test; run by hand, figures go in results.md).

    python benchmarks/bench_sample.py 10000000 /tmp/qunxi-scale
"""

from __future__ import annotations

import resource
import shutil
import sys
import time
from pathlib import Path

from dashboard.core.sample.generate import generate_scaled


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp/qunxi-bench-sample")
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    summary = generate_scaled(out, n)
    took = time.perf_counter() - t
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"requested {n:,} messages → {summary['messages']:,} in {summary['shops']} shops, "
          f"{summary['visits']:,} visits")
    print(f"time {took:.1f} s ({summary['messages'] / took:,.0f} messages/s), output {size / 2**30:.2f} GiB")
    print(f"peak RSS: main {me:.0f} MiB, largest worker {kids:.0f} MiB")


if __name__ == "__main__":
    main()
