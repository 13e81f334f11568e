"""How often the event verdicts are wrong: many sample scenarios in calibration mode, each event's
visit effect planted at a known size (0, 0.5, 1 or 1.5 × the story's own, drawn from the seed),
then imported and analysed as the Events page does. Not a test; figures go in results.md.

    python benchmarks/bench_event_calibration.py                 # 40 scenarios, seeds 1…40
    python benchmarks/bench_event_calibration.py --seeds 80 --keep /tmp/qunxi-calibration

Per event it compares the verdict and the 90% / 80% intervals of the shown estimate (extra
visit-days over days 1–7, docs/metrics.md §5.3) with the planted extra visit-days of the same
customers (truth.json, `visit_effect.planted_extra_visit_days_linked`). With --keep DIR the
scenarios and their databases stay in DIR and a later run re-analyses them (the analysis runs on
the current code either way; only the import is skipped), which is how a rule change is compared.
At most 2 worker processes.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from dashboard.core import db
from dashboard.core.analytics import events
from dashboard.core.analytics.event_effect import VERDICTS, verdict
from dashboard.core.ingest.pipeline import import_order, ingest_file
from dashboard.core.sample.generate import generate
from dashboard.core.sample.records import CALIBRATION_SIZES, EXTRA_VISITS

MAX_WORKERS = 2
COLUMNS = (*VERDICTS, None)  # None: not enough data for any estimate


def scenario(args: tuple[str, int]) -> dict:
    """One seed: generate (unless kept), import (unless kept), analyse. Returns one row per event."""
    work, seed = Path(args[0]), args[1]
    folder, store = work / f"seed_{seed:04d}", work / f"seed_{seed:04d}.duckdb"
    t0 = time.perf_counter()
    if not (folder / "truth.json").exists():
        generate(folder, seed, force=True, calibrate=True)
    truth = json.loads((folder / "truth.json").read_text("utf-8"))
    t1 = time.perf_counter()
    if not store.exists():
        staging = work / f"seed_{seed:04d}.staging.duckdb"
        staging.unlink(missing_ok=True)
        for f in import_order([folder]):
            ingest_file(f, staging)
        staging.rename(store)
    t2 = time.perf_counter()
    with db.reader(store) as con:
        reports = events.analyze(con)
    t3 = time.perf_counter()
    planted = {e["id"]: e["visit_effect"] for e in truth["events"]}
    rows = []
    for r in reports:
        p = planted[r.funnel["event_id"]]
        e = r.effect
        # the planted effect on the very customers the estimate counts: the DiD's matched signed-up
        # customers (all linked ones unless a stratum had no control), or every linked member (baseline)
        per = p["planted_extra_visit_days_per_linked_signed_up"]
        if r.method == "did":
            target = per * r.did.treated if per is not None else None
        else:
            target = p["planted_extra_visit_days_linked"]
        rows.append({
            "seed": seed, "event_id": r.funnel["event_id"], "size": p["effect_size"], "method": r.method,
            "verdict": r.verdict, "planted": target, "planted_per_customer": per,
            "treated": r.did.treated if r.did else None, "unmatched": r.did.unmatched if r.did else None,
            "linked_signed_up": p["linked_signed_up_customers"], "caveats": list(r.caveats),
            **({k: getattr(e, k) for k in ("estimate", "low90", "high90", "low80", "high80", "se")} if e else {}),
            # the baseline (method A) too, shown only where the DiD cannot run: every linked
            # exposed member's visit-days, so its target is every linked signed-up customer's
            "baseline": None if r.baseline is None else {
                "verdict": verdict(r.baseline.lift), "planted": p["planted_extra_visit_days_linked"],
                "holiday": r.baseline.holiday_in_window, "weeks": r.baseline.weeks_used,
                **{k: getattr(r.baseline.lift, k) for k in ("estimate", "low90", "high90", "low80", "high80")}},
        })
    return {"seed": seed, "rows": rows, "generate_s": t1 - t0, "import_s": t2 - t1, "analyse_s": t3 - t2}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson interval of a proportion k/n."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, mid - half), min(1.0, mid + half)


def rate(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{k}/{n} = {100 * k / n:.1f}% (95% CI {100 * lo:.1f}–{100 * hi:.1f}%)" if n else "—"


def covers(r: dict, level: int) -> bool:
    return r[f"low{level}"] <= r["planted"] <= r[f"high{level}"]


def calibration(rows: list[dict], title: str) -> list[str]:
    """False verdicts on the zero-size events and the 90% coverage of rows (verdict, planted, intervals)."""
    zero = [r for r in rows if r["size"] == 0]
    v = Counter(r["verdict"] for r in zero)
    return [f"| {title} | {len(rows)} | {rate(sum(covers(r, 90) for r in rows), len(rows))} | "
            f"{rate(v['clear_lift'] + v['clear_drop'], len(zero))} | "
            f"{rate(v['possible_lift'] + v['possible_drop'], len(zero))} |"]


def summary(rows: list[dict]) -> str:
    base = sum(n * w for n, w in EXTRA_VISITS)
    out = ["Confusion matrix (events; rows: planted size, × the story's 0.85 extra visits per signed-up customer; "
           "mean planted extra visit-days per linked signed-up customer in brackets):", "",
           "| planted | events | " + " | ".join(str(c) if c else "no estimate" for c in COLUMNS) + " |",
           "|---|---|" + "---|" * len(COLUMNS)]
    for size in CALIBRATION_SIZES:
        part = [r for r in rows if r["size"] == size]
        per = [r["planted_per_customer"] for r in part if r["planted_per_customer"] is not None]
        counts = Counter(r["verdict"] for r in part)
        mean = sum(per) / len(per) if per else float("nan")
        out.append(f"| {size:g}× ({size * base:.3g} visits, {mean:.2f} visit-days) | {len(part)} | "
                   + " | ".join(str(counts.get(c, 0)) for c in COLUMNS) + " |")
    measured = [r for r in rows if r["verdict"] is not None and r["planted"] is not None]
    out += ["", "Coverage of the planted extra visit-days by the shown estimate's intervals:", "",
            "| planted | events | 90% interval | 80% interval |", "|---|---|---|---|"]
    for label, part in ([(f"{s:g}×", [r for r in measured if r["size"] == s]) for s in CALIBRATION_SIZES]
                        + [("all", measured)]):
        out.append(f"| {label} | {len(part)} | {rate(sum(covers(r, 90) for r in part), len(part))} | "
                   f"{rate(sum(covers(r, 80) for r in part), len(part))} |")
    zero = [r for r in measured if r["size"] == 0]
    v = Counter(r["verdict"] for r in zero)
    out += ["", f"Zero-effect events ({len(zero)}):", "",
            f"* false clear (明显提升 or 明显下降): {rate(v['clear_lift'] + v['clear_drop'], len(zero))}; "
            f"明显提升 alone {rate(v['clear_lift'], len(zero))}",
            f"* false possible (可能有提升 or 可能有下降): {rate(v['possible_lift'] + v['possible_drop'], len(zero))}; "
            f"可能有提升 alone {rate(v['possible_lift'], len(zero))}"]
    nonzero = [r for r in measured if r["size"] > 0]
    wrong_way = sum(r["verdict"] in ("clear_drop", "possible_drop") for r in nonzero)
    out.append(f"* planted lifts read as a drop: {rate(wrong_way, len(nonzero))}")
    by_event = []
    for eid in sorted({r["event_id"] for r in rows}):
        part = [r for r in measured if r["event_id"] == eid]
        zp = [r for r in part if r["size"] == 0]
        treated = sorted(r["treated"] or 0 for r in part)
        by_event.append(f"| {eid} | {treated[len(treated) // 2] if treated else '—'} | "
                        f"{sum(covers(r, 90) for r in part)}/{len(part)} | "
                        f"{sum(r['verdict'] in ('clear_lift', 'clear_drop') for r in zp)}/{len(zp)} | "
                        f"{sum(r['verdict'] in ('possible_lift', 'possible_drop') for r in zp)}/{len(zp)} |")
    out += ["", "| event | median signed-up linked | 90% covers | false clear (zero) | false possible (zero) |",
            "|---|---|---|---|---|", *by_event]
    base = [{**r["baseline"], "size": r["size"]} for r in rows if r["baseline"] is not None]
    out += ["", "The baseline (method A) on the same events, shown only where the DiD cannot run:", "",
            "| baseline | events | 90% covers | false clear (zero) | false possible (zero) |", "|---|---|---|---|---|",
            *calibration(base, "all"),
            *calibration([r for r in base if not r["holiday"]], "no holiday in days 1–7"),
            *calibration([r for r in base if r["holiday"]], "holiday in days 1–7")]
    unmatched = sum(1 for r in measured if r["unmatched"])
    methods = Counter(r["method"] for r in rows)
    out += ["", f"methods: {dict(methods)}; DiD events with unmatched signed-up customers "
                f"(planted scaled to the matched ones): {unmatched}"]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=40, help="number of scenarios (default 40)")
    ap.add_argument("--first", type=int, default=1, help="first seed (default 1)")
    ap.add_argument("--workers", type=int, default=MAX_WORKERS, help=f"worker processes (at most {MAX_WORKERS})")
    ap.add_argument("--keep", type=Path, help="keep scenarios and databases here, and reuse those already there")
    ap.add_argument("--json", type=Path, help="also write every event's row here")
    a = ap.parse_args()
    workers = max(1, min(a.workers, MAX_WORKERS, a.seeds))
    work = a.keep or Path(tempfile.mkdtemp(prefix="qunxi-calibration-"))
    work.mkdir(parents=True, exist_ok=True)
    jobs = [(str(work), s) for s in range(a.first, a.first + a.seeds)]
    t0 = time.perf_counter()
    try:
        if workers == 1:
            results = [scenario(j) for j in jobs]
        else:
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                results = list(pool.imap_unordered(scenario, jobs))
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    wall = time.perf_counter() - t0
    results.sort(key=lambda x: x["seed"])
    rows = [r for x in results for r in x["rows"]]
    if a.json:
        a.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(summary(rows))
    stage = {k: sum(x[k] for x in results) for k in ("generate_s", "import_s", "analyse_s")}
    print(f"\nseeds {a.first}…{a.first + a.seeds - 1} ({a.seeds} scenarios, {len(rows)} events), {workers} workers: "
          f"{wall:.0f} s wall; summed over scenarios generate {stage['generate_s']:.0f} s, "
          f"import {stage['import_s']:.0f} s, analyse {stage['analyse_s']:.0f} s")


if __name__ == "__main__":
    main()
