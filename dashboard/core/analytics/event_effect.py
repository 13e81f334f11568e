"""Did an event bring people into the store? (metrics.md §5.2–5.5)

Two estimates, both on visit-days (distinct days a customer bought something; two orders on one
day are one visit):

- **Baseline** (method A): the group's linked members' visits on each day of the window against
  the mean of the same weekday over the 4–8 weeks before, holidays, promotions and other events
  left out of those weeks. The interval resamples the baseline weeks.
- **Difference-in-differences** (method C): signed-up customers against exposed customers who did
  not sign up, matched on how often they came in the 8 weeks before (0 / 1 / 2–3 / 4+ visit-days),
  each one's window visits minus their own pre-period rate. The interval resamples customers
  (a cluster bootstrap). A placebo run on the week before the event checks for a pre-trend.

The verdict reads the intervals (明显提升 when the whole 90% interval is above zero, 可能有提升 when
only the 80% one is, and the same for drops; 看不出差别 otherwise, with the smallest effect the data
could have detected). Everything is seeded, so the same data gives the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

BOOTSTRAP = 1999
SEED = 20250501
PRE_DAYS = 56                 # the pre-period: days −56 … −1
BASELINE_WEEKS = (4, 8)       # same-weekday baseline from the 4th to the 8th week before, at least 4 usable
WINDOW = (1, 7)               # the halo: days 1–7 after the event day (day 0 is attendance)
Z_MDE = 1.645 + 0.842         # 90% two-sided test with 80% power
STRATA = ((0, 0), (1, 1), (2, 3), (4, None))  # pre-period visit-days, for matching


@dataclass(frozen=True)
class Interval:
    estimate: float
    low90: float
    high90: float
    low80: float
    high80: float
    se: float


@dataclass(frozen=True)
class Baseline:
    days: pl.DataFrame        # day, observed, expected, low90, high90
    lift: Interval            # extra visit-days over the window
    weeks_used: int
    holiday_in_window: bool


@dataclass(frozen=True)
class DiD:
    att: Interval             # extra visit-days per signed-up customer over the window
    extra: Interval           # the same × matched signed-up customers
    treated: int
    controls: int
    unmatched: int            # signed-up customers with no control in their stratum
    pretrend: Interval | None # the same estimate on the week before the event (should hold 0)


def interval(draws: np.ndarray, estimate: float) -> Interval:
    """Percentile intervals of bootstrap draws around a point estimate."""
    q = np.quantile(draws, [0.05, 0.95, 0.10, 0.90]) if draws.size else np.array([np.nan] * 4)
    return Interval(float(estimate), float(q[0]), float(q[1]), float(q[2]), float(q[3]),
                    float(draws.std(ddof=1)) if draws.size > 1 else float("nan"))


VERDICTS = ("clear_lift", "possible_lift", "no_difference", "possible_drop", "clear_drop")


def verdict(i: Interval) -> str:
    """明显提升 / 可能有提升 / 看不出差别 (and the drops), from the 90% and 80% intervals."""
    if i.low90 > 0:
        return "clear_lift"
    if i.high90 < 0:
        return "clear_drop"
    if i.low80 > 0:
        return "possible_lift"
    if i.high80 < 0:
        return "possible_drop"
    return "no_difference"


def mde(i: Interval) -> float:
    """The smallest effect this much data would detect (90% test, 80% power) from the bootstrap SE."""
    return Z_MDE * i.se


# ---- method A: same-weekday baseline ---------------------------------------------------------

def baseline(daily: pl.DataFrame, event_day: dt.date, excluded: set[dt.date],
             rng: np.random.Generator | None = None, draws: int = BOOTSTRAP) -> Baseline | None:
    """`daily`: day, visits (the group's linked members' visit-days that day, every day present,
    zeros included). Expected visits on each window day = mean of the same weekday in weeks 1–8
    before the event (at least 4 of them usable: not in `excluded`, e.g. holidays, promotions,
    other events). None when fewer than 4 usable weeks exist."""
    rng = rng or np.random.default_rng(SEED)
    by_day = dict(zip(daily["day"].to_list(), daily["visits"].to_list(), strict=True))
    window = [event_day + dt.timedelta(days=k) for k in range(WINDOW[0], WINDOW[1] + 1)]
    # for each window day, its same weekday in each of the 8 weeks before the event
    history = np.full((len(window), BASELINE_WEEKS[1]), np.nan)
    for i, day in enumerate(window):
        for w in range(1, BASELINE_WEEKS[1] + 1):
            past = day - dt.timedelta(weeks=w)
            # weeks reaching into the event itself do not count as "before"
            if past < event_day and past not in excluded and past in by_day:
                history[i, w - 1] = by_day[past]
    usable = ~np.isnan(history).any(axis=0)
    if usable.sum() < BASELINE_WEEKS[0]:
        return None
    history = history[:, usable]
    observed = np.array([by_day.get(d, 0) for d in window], dtype=float)
    expected = history.mean(axis=1)
    n_weeks = history.shape[1]
    picks = rng.integers(0, n_weeks, size=(draws, n_weeks))
    boot_expected = history[:, picks].mean(axis=2)            # window days × draws
    boot_lift = (observed[:, None] - boot_expected).sum(axis=0)
    per_day = np.quantile(boot_expected, [0.05, 0.95], axis=1)
    days = pl.DataFrame({"day": window, "observed": observed, "expected": expected,
                         "low90": per_day[0], "high90": per_day[1]})
    lift = interval(boot_lift, float((observed - expected).sum()))
    return Baseline(days, lift, n_weeks, any(d in excluded for d in window))


# ---- method C: member-level difference-in-differences -------------------------------------------

def stratum(pre_visits: int) -> int:
    for i, (lo, hi) in enumerate(STRATA):
        if pre_visits >= lo and (hi is None or pre_visits <= hi):
            return i
    raise ValueError(pre_visits)


def _changes(panel: pl.DataFrame, event_day: dt.date, window: tuple[int, int]) -> pl.DataFrame:
    """Per customer: pre-period visit-days (days −56 … −1 before `event_day`), window visit-days,
    and the change = window visits − the pre-period rate over the window's length."""
    length = window[1] - window[0] + 1
    rel = (pl.col("day") - pl.lit(event_day)).dt.total_days()
    per = panel.group_by("customer_id").agg(
        pl.col("treated").first(),
        pre=(rel.is_between(-PRE_DAYS, -1)).sum(),
        post=(rel.is_between(window[0], window[1])).sum(),
    )
    return per.with_columns(change=pl.col("post") - pl.col("pre") * length / PRE_DAYS,
                            stratum=pl.col("pre").map_elements(stratum, return_dtype=pl.Int64))


def _att(changes: pl.DataFrame) -> tuple[float, int, int]:
    """Matched ATT: each signed-up customer's change minus the mean change of the controls in their
    stratum. Returns (att, matched treated, unmatched treated)."""
    control = changes.filter(~pl.col("treated")).group_by("stratum").agg(control=pl.col("change").mean())
    treated = changes.filter(pl.col("treated")).join(control, on="stratum", how="left")
    matched = treated.filter(pl.col("control").is_not_null())
    if matched.is_empty():
        return float("nan"), 0, treated.height
    return float((matched["change"] - matched["control"]).mean()), matched.height, treated.height - matched.height


def _boot_att(changes: pl.DataFrame, rng: np.random.Generator, draws: int) -> np.ndarray:
    """Cluster bootstrap: customers resampled with replacement, signed-up and controls separately."""
    t = changes.filter(pl.col("treated"))
    c = changes.filter(~pl.col("treated"))
    t_change, t_stratum = t["change"].to_numpy(), t["stratum"].to_numpy()
    c_change, c_stratum = c["change"].to_numpy(), c["stratum"].to_numpy()
    k = len(STRATA)
    out = np.empty(draws)
    for b in range(draws):
        ti = rng.integers(0, len(t_change), len(t_change))
        ci = rng.integers(0, len(c_change), len(c_change))
        sums = np.bincount(c_stratum[ci], weights=c_change[ci], minlength=k)
        counts = np.bincount(c_stratum[ci], minlength=k)
        means = np.divide(sums, counts, out=np.full(k, np.nan), where=counts > 0)
        diff = t_change[ti] - means[t_stratum[ti]]
        out[b] = np.nanmean(diff) if np.isfinite(diff).any() else np.nan
    return out[np.isfinite(out)]


def did(panel: pl.DataFrame, event_day: dt.date, rng: np.random.Generator | None = None,
        draws: int = BOOTSTRAP) -> DiD | None:
    """`panel`: customer_id, treated (signed up), day: one row per visit-day of every exposed,
    linked customer (customers with no visit at all still need one row with day null). None when
    there is no signed-up or no control customer."""
    rng = rng or np.random.default_rng(SEED)
    changes = _changes(panel, event_day, WINDOW)
    n_t = int(changes["treated"].sum())
    n_c = changes.height - n_t
    if n_t == 0 or n_c == 0:
        return None
    att, matched, unmatched = _att(changes)
    if matched == 0:
        return None
    boot = _boot_att(changes, rng, draws)
    att_i = interval(boot, att)
    extra = Interval(*(v * matched for v in (att_i.estimate, att_i.low90, att_i.high90, att_i.low80, att_i.high80,
                                             att_i.se)))
    # placebo: the same comparison on days −7 … −1, against the weeks before them
    placebo = _changes(panel, event_day - dt.timedelta(days=8), WINDOW)
    p_att, p_matched, _ = _att(placebo)
    pretrend = interval(_boot_att(placebo, rng, draws), p_att) if p_matched else None
    return DiD(att_i, extra, matched, n_c, unmatched, pretrend)
