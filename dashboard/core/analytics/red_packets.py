"""Red packets: the 60-minute lift against the same hour on earlier weeks (metrics.md §7.2).

Query red_packets/windows counts each packet's hour and its control hours; this module turns the
counts into expectations, lifts and intervals, because the resampling is easier in NumPy than in
SQL. A packet's own interval is a parametric bootstrap: its hour is one Poisson draw and each
control hour a draw with the controls' mean and (when larger than the mean) their variance, so a
packet with jumpy controls gets a wide interval. The pooled figures resample packets, whole days
at a time, since packets sent on the same day share that day's mood.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from dashboard.core import queries

LEVEL = 0.90
DRAWS = 1999
SEED = 20250513
# Pre-check: the hour before the packet against its own expectation, (obs + 1) / (exp + 1).
QUIET_BELOW = 0.67
BUSY_ABOVE = 1.5
COUNTS = ("msgs_60", "speakers_60", "thanks_60", "substantive_60", "new_voices_60", "msgs_pre_60")


def _controls(w: pl.DataFrame) -> pl.DataFrame:
    """The control hours each packet is compared with: its usable earlier weeks, or, for a packet
    with none (a young group), its usable later weeks."""
    usable = w.filter((pl.col("k") != 0) & pl.col("usable"))
    has_before = usable.filter(pl.col("k") > 0).select("packet_id").unique()
    before = usable.filter(pl.col("k") > 0)
    after = usable.filter(pl.col("k") < 0).join(has_before, on="packet_id", how="anti")
    return pl.concat([before, after])


def _draw_lifts(observed: float, controls: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap draws of observed − expected for one packet and one count."""
    n = len(controls)
    mean = float(controls.mean())
    var = float(controls.var(ddof=1)) if n > 1 else mean
    o = rng.poisson(observed, DRAWS)
    if mean <= 0:
        return o.astype(float)
    if var > mean:  # overdispersed controls: negative binomial with their mean and variance
        r = mean * mean / (var - mean)
        c = rng.negative_binomial(r, r / (r + mean), (DRAWS, n))
    else:
        c = rng.poisson(mean, (DRAWS, n))
    return o - c.mean(axis=1)


def _interval(draws: np.ndarray) -> tuple[float, float]:
    tail = (1 - LEVEL) / 2 * 100
    lo, hi = np.percentile(draws, [tail, 100 - tail])
    return float(lo), float(hi)


def _pre_state(observed: int, expected: float | None) -> str | None:
    if expected is None:
        return None
    ratio = (observed + 1) / (expected + 1)
    return "quiet" if ratio < QUIET_BELOW else "busy" if ratio > BUSY_ABOVE else "usual"


def estimate(windows: pl.DataFrame) -> pl.DataFrame:
    """One row per packet: observed and expected counts, lifts of messages and speakers with their
    intervals, thanks vs substantive talk, new voices, the day after, and the pre-check."""
    own = windows.filter(pl.col("k") == 0).sort("w0", "packet_id")
    ctl = _controls(windows)
    exp = ctl.group_by("packet_id").agg(
        pl.len().alias("n_controls"), *(pl.col(c).mean().alias(f"exp_{c}") for c in COUNTS),
        pl.col("msgs_24").filter(pl.col("usable_24")).mean().alias("exp_msgs_24"),
        (pl.col("k") < 0).any().alias("later_controls"),
    )
    out = own.join(exp, on="packet_id", how="left").with_columns(pl.col("n_controls").fill_null(0))
    rng = np.random.default_rng(SEED)
    per_ctl = {p: g for (p,), g in ctl.group_by("packet_id")}
    bounds: dict[str, list] = {f"{m}_{e}": [] for m in ("msgs", "speakers") for e in ("lo", "hi")}
    for row in out.iter_rows(named=True):
        g = per_ctl.get(row["packet_id"])
        for m in ("msgs", "speakers"):
            if g is None:
                lo = hi = None
            else:
                lo, hi = _interval(_draw_lifts(row[f"{m}_60"], g[f"{m}_60"].to_numpy(), rng))
            bounds[f"{m}_lo"].append(lo)
            bounds[f"{m}_hi"].append(hi)
    out = out.with_columns(
        (pl.col("msgs_60") - pl.col("exp_msgs_60")).alias("lift_msgs"),
        (pl.col("speakers_60") - pl.col("exp_speakers_60")).alias("lift_speakers"),
        (pl.col("substantive_60") - pl.col("exp_substantive_60")).alias("lift_substantive"),
        (pl.col("new_voices_60") - pl.col("exp_new_voices_60")).alias("lift_new_voices"),
        pl.when(pl.col("usable_24")).then(pl.col("msgs_24") - pl.col("exp_msgs_24")).alias("lift_msgs_24"),
        *(pl.Series(k, v, dtype=pl.Float64).alias(f"lift_{k}") for k, v in bounds.items()),
    )
    pre = [_pre_state(o, e) for o, e in zip(out["msgs_pre_60"], out["exp_msgs_pre_60"], strict=True)]
    return out.with_columns(pl.Series("pre_state", pre, dtype=pl.String)).drop("k")


def pooled(per_packet: pl.DataFrame, day_col: str = "day") -> dict:
    """Aggregate lift over the packets with an expectation: Σ observed / Σ expected and the mean
    lift per packet, each with a 90% interval resampling whole days of packets."""
    p = per_packet.filter(pl.col("exp_msgs_60").is_not_null())
    out: dict = {"packets": p.height, "level": LEVEL}
    if p.height == 0:
        return out
    days = p[day_col].to_list()
    unique = sorted(set(days))
    idx = np.array([unique.index(d) for d in days])
    rng = np.random.default_rng(SEED)
    pick = rng.integers(0, len(unique), (DRAWS, len(unique)))
    # weight[b, j] = how often packet j's day was drawn in resample b
    counts = np.stack([np.bincount(r, minlength=len(unique)) for r in pick])[:, idx]
    for m in ("msgs", "speakers"):
        o = p[f"{m}_60"].to_numpy().astype(float)
        e = p[f"exp_{m}_60"].to_numpy()
        so, se = counts @ o, counts @ e
        n = counts.sum(axis=1)
        ratio = np.divide(so, se, out=np.full(DRAWS, np.nan), where=se > 0)
        out[m] = {
            "observed": float(o.sum()), "expected": float(e.sum()),
            "ratio": float(o.sum() / e.sum()) if e.sum() > 0 else None,
            "ratio_ci": _interval(ratio[~np.isnan(ratio)]) if e.sum() > 0 else None,
            "mean_lift": float((o - e).mean()),
            "mean_lift_ci": _interval((so - se) / n),
        }
    return out


def packets(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None) -> pl.DataFrame:
    """Each packet with its claims, the owner's amount and its estimated lift."""
    info = queries.run(con, "red_packets/packets", chat_ids=chat_ids)
    if info.is_empty():
        return info
    est = estimate(queries.run(con, "red_packets/windows", chat_ids=chat_ids))
    out = info.join(est.drop("chat_id", "w0"), on="packet_id", how="left").with_columns(
        pl.col("amount").cast(pl.Float64))
    return out.with_columns(
        pl.when(pl.col("lift_speakers") > 0).then(pl.col("amount") / pl.col("lift_speakers"))
        .alias("cost_per_extra_speaker"),
        pl.when(pl.col("new_voices_60") > 0).then(pl.col("amount") / pl.col("new_voices_60"))
        .alias("cost_per_new_voice"),
    ).sort("ts", "packet_id")


def report(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None = None) -> dict:
    """What `qunxi analyze red_packets` prints: each packet's lift with its interval, the pooled
    lift, and the weekly dependency on packets."""
    per = packets(con, chat_ids)
    deps = queries.run(con, "red_packets/dependency_weeks", chat_ids=chat_ids)
    return {
        "packets": per.to_dicts(),
        "pooled": pooled(per) if not per.is_empty() else {"packets": 0, "level": LEVEL},
        "dependency_weeks": deps.to_dicts(),
    }
