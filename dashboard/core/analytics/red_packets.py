"""Red packets: the 60-minute lift against the same hour on earlier weeks (docs/metrics.md §7.2).

Rollup red_packet_windows counts each packet's hour and its control hours; this module turns the
counts into expectations, lifts and intervals (rollup red_packet_lifts, read by query
red_packets/lifts), because the resampling is easier in NumPy than in SQL. A packet's own (95%)
interval is a parametric bootstrap: its hour is one Poisson draw and each control hour a draw with
the controls' mean and (when larger than the mean) their variance, so a packet with jumpy controls
gets a wide interval. The pooled figures resample packets, whole days at a time, since packets
sent on the same day share that day's mood.
"""

from __future__ import annotations

import zlib

import duckdb
import numpy as np
import polars as pl

from dashboard.core import queries

LEVEL = 0.90         # the pooled figures (docs/metrics.md §7.2)
# One packet's hour is a single noisy draw and the owner reads many of them side by side: each
# packet's own interval is 95%, so fewer packets look as if they worked by chance alone.
PACKET_LEVEL = 0.95
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


def _lift_draws(observed: np.ndarray, controls: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap draws (packets × DRAWS) of observed − expected for one count. controls is packets ×
    slots with NaN where a packet has fewer usable control hours; every packet here has at least
    one. The controls' sum is drawn at once: n Poisson(μ) sum to Poisson(nμ), and n negative
    binomials NB(r, p) to NB(nr, p), used when the controls vary more than their mean."""
    n = (~np.isnan(controls)).sum(axis=1)
    mean = np.nanmean(controls, axis=1)
    spread = np.nansum((controls - mean[:, None]) ** 2, axis=1) / np.maximum(n - 1, 1)
    var = np.where(n > 1, spread, mean)
    total = np.empty((len(observed), DRAWS))
    over = var > mean
    if over.any():
        r = mean[over] ** 2 / (var[over] - mean[over])
        total[over] = rng.negative_binomial((n[over] * r)[:, None], (r / (r + mean[over]))[:, None],
                                            (int(over.sum()), DRAWS))
    if (~over).any():
        total[~over] = rng.poisson((n[~over] * mean[~over])[:, None], (int((~over).sum()), DRAWS))
    return rng.poisson(observed[:, None], (len(observed), DRAWS)) - total / n[:, None]


def _interval(draws: np.ndarray) -> tuple[float, float]:
    lo, hi = _bounds(draws[None, :])
    return float(lo[0]), float(hi[0])


def _bounds(draws: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the central `level` interval of its draws."""
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(draws, [tail, 100 - tail], axis=1)
    return lo, hi


def _pre_state(observed: int, expected: float | None) -> str | None:
    if expected is None:
        return None
    ratio = (observed + 1) / (expected + 1)
    return "quiet" if ratio < QUIET_BELOW else "busy" if ratio > BUSY_ABOVE else "usual"


# The columns of rollup red_packet_lifts, what estimate() adds to a packet's own hour.
LIFT_COLUMNS = ("packet_id", "chat_id", "n_controls", "later_controls", *(f"exp_{c}" for c in COUNTS), "exp_msgs_24",
                "lift_msgs", "lift_msgs_lo", "lift_msgs_hi", "lift_speakers", "lift_speakers_lo", "lift_speakers_hi",
                "lift_substantive", "lift_new_voices", "lift_msgs_24", "pre_state")


def estimate(windows: pl.DataFrame) -> pl.DataFrame:
    """One row per packet: observed and expected counts, lifts of messages and speakers with their
    intervals, thanks vs substantive talk, new voices, the day after, and the pre-check. Each
    chat's draws come from its own seed, so a packet's interval does not depend on which other
    chats were counted with it."""
    parts = [_estimate_chat(part, np.random.default_rng([SEED, zlib.crc32(chat.encode())]))
             for (chat,), part in sorted(windows.partition_by("chat_id", as_dict=True).items())]
    return pl.concat(parts, how="diagonal_relaxed").sort("w0", "packet_id") if parts else windows.drop("k")


def lift_rows(con: duckdb.DuckDBPyConnection, chat_ids: list[str]) -> pl.DataFrame:
    """Rollup red_packet_lifts for these chats, from their rows of rollup red_packet_windows."""
    est = estimate(queries.run(con, "red_packets/windows", chat_ids=chat_ids))
    if est.is_empty():
        return pl.DataFrame(schema={c: pl.Float64 for c in LIFT_COLUMNS}).with_columns(
            pl.col("packet_id", "chat_id", "pre_state").cast(pl.String), pl.col("n_controls").cast(pl.Int32),
            pl.col("later_controls").cast(pl.Boolean))
    return est.select(LIFT_COLUMNS)


def _estimate_chat(windows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    own = windows.filter(pl.col("k") == 0).sort("w0", "packet_id")
    ctl = _controls(windows)
    exp = ctl.group_by("packet_id").agg(
        pl.len().alias("n_controls"), *(pl.col(c).mean().alias(f"exp_{c}") for c in COUNTS),
        pl.col("msgs_24").filter(pl.col("usable_24")).mean().alias("exp_msgs_24"),
        (pl.col("k") < 0).any().alias("later_controls"),
    )
    out = own.join(exp, on="packet_id", how="left").with_columns(pl.col("n_controls").fill_null(0))
    slots = ctl.with_columns(pl.col("k").rank("ordinal").over("packet_id").cast(pl.Int64).alias("slot"))
    measured = out.filter(pl.col("n_controls") > 0).select("packet_id", "msgs_60", "speakers_60")
    for m in ("msgs", "speakers"):
        if measured.is_empty():  # no packet of this chat has a usable control hour
            out = out.with_columns(pl.lit(None, pl.Float64).alias(f"lift_{m}_lo"),
                                   pl.lit(None, pl.Float64).alias(f"lift_{m}_hi"))
            continue
        wide = slots.pivot("slot", index="packet_id", values=f"{m}_60")
        grid = measured.join(wide, on="packet_id", how="left")
        cols = [c for c in wide.columns if c != "packet_id"]
        lo, hi = _bounds(_lift_draws(grid[f"{m}_60"].to_numpy().astype(float),
                                     grid.select(cols).to_numpy().astype(float), rng), PACKET_LEVEL)
        found = pl.DataFrame({"packet_id": grid["packet_id"], f"lift_{m}_lo": lo, f"lift_{m}_hi": hi})
        out = out.join(found, on="packet_id", how="left")
    out = out.with_columns(
        (pl.col("msgs_60") - pl.col("exp_msgs_60")).alias("lift_msgs"),
        (pl.col("speakers_60") - pl.col("exp_speakers_60")).alias("lift_speakers"),
        (pl.col("substantive_60") - pl.col("exp_substantive_60")).alias("lift_substantive"),
        (pl.col("new_voices_60") - pl.col("exp_new_voices_60")).alias("lift_new_voices"),
        pl.when(pl.col("usable_24")).then(pl.col("msgs_24") - pl.col("exp_msgs_24")).alias("lift_msgs_24"),
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
    where = {d: i for i, d in enumerate(unique)}
    idx = np.array([where[d] for d in days])
    rng = np.random.default_rng(SEED)
    pick = rng.integers(0, len(unique), (DRAWS, len(unique)))
    # weight[b, d] = how often day d was drawn in resample b; packets are summed per day first
    weight = np.bincount((pick + np.arange(DRAWS)[:, None] * len(unique)).ravel(),
                         minlength=DRAWS * len(unique)).reshape(DRAWS, len(unique))
    n = weight @ np.bincount(idx, minlength=len(unique))
    for m in ("msgs", "speakers"):
        o = p[f"{m}_60"].to_numpy().astype(float)
        e = p[f"exp_{m}_60"].to_numpy()
        so = weight @ np.bincount(idx, weights=o, minlength=len(unique))
        se = weight @ np.bincount(idx, weights=e, minlength=len(unique))
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
    est = queries.run(con, "red_packets/lifts", chat_ids=chat_ids)
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


# A trend of the dependency share needs a few packet weeks, and a rank correlation this strong
# (Kendall's tau, one-sided p < 0.1) to be called rising or falling rather than noise.
TREND_MIN_WEEKS = 4
TREND_P = 0.1


def dependency_trend(weeks: pl.DataFrame) -> str | None:
    """Whether the share of organic speakers who spoke only after a packet is rising, falling or
    flat over the weeks with a packet (rows of query red_packets/dependency_weeks, several chats
    pooled per week); None with fewer than TREND_MIN_WEEKS such weeks (docs/metrics.md §7.2)."""
    from scipy.stats import kendalltau

    pooled_weeks = (weeks.filter(pl.col("packets") > 0).group_by("week")
                    .agg(share=pl.col("speakers_only_after_packet").sum() / pl.col("speakers").sum())
                    .drop_nans().sort("week"))
    if pooled_weeks.height < TREND_MIN_WEEKS:
        return None
    share = pooled_weeks["share"].to_numpy()
    if np.all(share == share[0]):
        return "flat"
    order = np.arange(len(share))
    if kendalltau(order, share, alternative="greater").pvalue < TREND_P:
        return "rising"
    if kendalltau(order, share, alternative="less").pvalue < TREND_P:
        return "falling"
    return "flat"
