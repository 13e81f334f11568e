"""`qunxi sample`: write the scenario (three group exports, store records, truth.json) to a folder.

The default is one shop's story, about 16,000 messages, committed as `sample_data/`. `--scale N`
writes the same story for as many shops as it takes to reach about N messages, one folder per
shop, generated in parallel; each shop's seed derives from the main seed and its number, so the
output does not depend on how many workers ran or in which order they finished.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import random
import shutil
from collections.abc import Callable
from pathlib import Path

from dashboard.core.sample.exporters import WRITERS
from dashboard.core.sample.records import (
    calibration_sizes,
    members_rows,
    simulate_visits,
    write_events,
    write_members,
    write_regimes,
    write_visits,
)
from dashboard.core.sample.story import Simulator
from dashboard.core.sample.truth import build_truth

DEFAULT_SEED = 20250501
MESSAGES_PER_SHOP = 16_500  # what one shop's story holds at rate 1 (measured; used to size --scale)
KEEP = {"README.md"}  # hand-written files a regeneration leaves in place


class OutputNotEmpty(Exception):
    pass


def prepare(out: Path, force: bool) -> None:
    """`out` must be new or empty; with force, everything but KEEP is removed first."""
    if out.exists() and any(p.name not in KEEP for p in out.iterdir()):
        if not force:
            raise OutputNotEmpty(str(out))
        for p in out.iterdir():
            if p.name in KEEP:
                continue
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    out.mkdir(parents=True, exist_ok=True)


def write_shop(out: Path, seed: int, rate: float = 1.0, shop: int | None = None, calibrate: bool = False) -> dict:
    """One shop's story into `out`; returns its truth. `calibrate`: each event's visit effect is
    drawn from records.CALIBRATION_SIZES (zero included) by the seed, and the truth says which
    (benchmarks/bench_event_calibration.py); only the halo visits differ from the story's own."""
    suffix = "" if shop is None else f"·{shop + 1}号店"
    prefix = "" if shop is None else f"S{shop + 1:04d}-"
    story = Simulator(seed, rate, id_prefix=prefix, name_suffix=suffix).run()
    files_rng = random.Random(seed ^ 0x5EED)
    files: dict[str, list[str]] = {}
    for key, chat in story.chats.items():
        paths = WRITERS[chat.fmt](chat, out, files_rng)
        files[key] = [p.relative_to(out).as_posix() for p in paths]
    sizes = calibration_sizes(seed, [ev["id"] for ev in story.events]) if calibrate else None
    records = simulate_visits(story, random.Random(seed + 1), sizes, random.Random(seed ^ 0x51E5))
    write_visits(story, records, out / "visits.csv")
    write_events(story, out / "events.csv")
    rows = members_rows(story, random.Random(seed + 2))
    write_members(rows, out / "members.csv")
    write_regimes(story, out / "regimes.csv")
    roles: dict[str, int] = {}
    for r in rows:
        roles[r[3]] = roles.get(r[3], 0) + 1
    members_csv = {"rows": len(rows), "by_role": dict(sorted(roles.items())),
                   "with_customer_id": sum(1 for r in rows if r[5]), "declared_alts": sum(1 for r in rows if r[7])}
    truth = build_truth(story, records, files, seed, members_csv)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return truth


def generate(out: Path, seed: int = DEFAULT_SEED, force: bool = False, calibrate: bool = False) -> dict:
    prepare(out, force)
    return write_shop(out, seed, calibrate=calibrate)


def _shop_job(args: tuple[str, int, float, int]) -> dict:
    out, seed, rate, shop = args
    truth = write_shop(Path(out), seed, rate, shop)
    return {"shop": shop + 1, "folder": Path(out).name, "seed": seed, "stores": truth["stores"],
            "messages": sum(c["messages"] for c in truth["chats"].values()),
            "chats": {c["name"]: c["messages"] for c in truth["chats"].values()}, "visits": truth["visits"]["rows"]}


def shop_seed(seed: int, shop: int) -> int:
    return (seed * 1_000_003 + shop * 7_919) % (2**63)


def generate_scaled(
    out: Path, messages: int, seed: int = DEFAULT_SEED, force: bool = False, workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """About `messages` messages: whole shops at full rate, the last ones' talk thinned to fit."""
    prepare(out, force)
    shops = max(1, math.ceil(messages / MESSAGES_PER_SHOP))
    rate = min(1.0, messages / (shops * MESSAGES_PER_SHOP))
    jobs = [(str(out / f"shop_{i + 1:04d}"), shop_seed(seed, i), rate, i) for i in range(shops)]
    workers = max(1, min(workers or multiprocessing.cpu_count(), shops))
    results: list[dict] = []
    if workers == 1:
        for i, job in enumerate(jobs):
            results.append(_shop_job(job))
            if progress:
                progress(i + 1, shops)
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            for i, r in enumerate(pool.imap(_shop_job, jobs)):
                results.append(r)
                if progress:
                    progress(i + 1, shops)
    summary = {"seed": seed, "requested_messages": messages, "shops": shops, "rate": round(rate, 4),
               "messages": sum(r["messages"] for r in results), "visits": sum(r["visits"] for r in results),
               "shop_truth": results}
    (out / "truth.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return summary
