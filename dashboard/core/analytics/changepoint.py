"""Offline changepoints in a daily count series: PELT (Killick, Fearnhead & Eckley 2012) with a Poisson
segment cost.

What it is for: the daily organic message (or speaker) counts of a new group, to confirm where its
cold start ended (docs/metrics.md §3.1). The rule there is a changepoint after which the segment mean is at
least λ_min and the 7-day window conditions hold; this module only finds the changepoints and the
segment means, the rule is applied by the caller.

The model: the series is cut into segments, each with its own constant Poisson rate. A partition's
cost is the sum over its segments of −2 × the segment's maximised Poisson log-likelihood, plus a
penalty β for every changepoint; the changepoints returned are those of the partition with the
lowest cost (an exact optimum, not a greedy or binary-segmentation approximation).

Pitfall (docs/metrics.md §3.1): a gradual ramp has no single change, and a piecewise-constant model
fits it with a staircase of several steps. Do not read every changepoint as an event.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

__all__ = ["pelt_poisson", "segments"]


def _validated(counts: Sequence[float] | np.ndarray) -> np.ndarray:
    """The counts as a 1-d float array, or ValueError naming what is wrong with them."""
    y = np.asarray(counts, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"counts must be a one-dimensional series, got shape {y.shape}")
    if np.isnan(y).any():
        raise ValueError(f"counts contain NaN (first at index {int(np.flatnonzero(np.isnan(y))[0])})")
    if np.isinf(y).any():
        raise ValueError(f"counts contain an infinite value (first at index {int(np.flatnonzero(np.isinf(y))[0])})")
    if (y < 0).any():
        i = int(np.flatnonzero(y < 0)[0])
        raise ValueError(f"counts must be non-negative, got {y[i]} at index {i}")
    return y


def _segment_costs(cum: np.ndarray, starts: np.ndarray, end: int) -> np.ndarray:
    """−2 × the maximised Poisson log-likelihood of the segments [s, end) for every s in starts,
    without the −Σ ln(yᵢ!) terms.

    Those terms are dropped on purpose: every partition of the same prefix [0, end) contains each
    day exactly once, so their sum is the same constant for all partitions being compared and
    cannot change which one is optimal (nor the pruning test, which also compares partitions of a
    common prefix). Dropping them also lets non-integer counts (e.g. averaged series) through.
    """
    total = cum[end] - cum[starts]
    length = (end - starts).astype(float)
    # 0·ln 0 = 0: an all-zero segment has rate 0 and likelihood 1, so cost 0; np.where alone would
    # still evaluate log(0) and warn, hence the masked log argument.
    safe = np.where(total > 0, total, 1.0)
    loglik = np.where(total > 0, total * np.log(safe / length), 0.0) - total
    return -2.0 * loglik


def pelt_poisson(counts: Sequence[float] | np.ndarray, penalty: float | None = None, min_size: int = 3) -> list[int]:
    """Changepoints of a daily count series under a piecewise-constant Poisson model.

    Returns the sorted positions where a new segment starts (its first day's index), never 0 or
    n. Each segment has at least ``min_size`` days, so a series shorter than 2 × min_size has no
    changepoint. ``penalty`` is the cost of one changepoint, default β = 2 ln n (BIC-like; docs/metrics.md
    suggests tuning between 1 and 3 ln n: larger means fewer changepoints).

    Raises ValueError for negative, NaN or infinite counts, a negative or non-finite penalty, or
    min_size < 1. An empty series returns [].
    """
    y = _validated(counts)
    if isinstance(min_size, bool) or not isinstance(min_size, int | np.integer) or min_size < 1:
        raise ValueError(f"min_size must be an integer >= 1, got {min_size!r}")
    n = len(y)
    beta = 2.0 * math.log(n) if (penalty is None and n > 0) else penalty
    if beta is not None and (not math.isfinite(beta) or beta < 0):
        raise ValueError(f"penalty must be a finite number >= 0, got {penalty!r}")
    if n < 2 * min_size:
        return []
    beta = float(beta)

    # cum[t] = y[0] + … + y[t-1]: any segment's sum, hence its cost, in O(1)
    cum = np.concatenate(([0.0], np.cumsum(y)))

    # best[t] = lowest penalised cost of the prefix [0, t), counting β once per segment; starting
    # at −β makes the first segment free so that the total carries β per changepoint only.
    best = np.full(n + 1, np.inf)
    best[0] = -beta
    last = np.zeros(n + 1, dtype=int)  # start of the final segment in the optimal partition of [0, t)

    # Candidate starts for the final segment, and the time from which each may be dropped.
    candidates: list[int] = [0]
    dropped_at: dict[int, int] = {}

    for t in range(min_size, n + 1):
        # A pruning verdict reached at time u only holds for ends T ≥ u + min_size: the argument
        # (cost(s, T) ≥ cost(s, u) + cost(u, T)) needs [u, T) to be a legal segment. Applying
        # verdicts at once, as plain PELT does, can lose the optimum when min_size > 1.
        candidates = [s for s in candidates if dropped_at.get(s, n + 1) > t - min_size]

        usable = np.array([s for s in candidates if t - s >= min_size], dtype=int)
        if usable.size:
            totals = best[usable] + _segment_costs(cum, usable, t)
            k = int(np.argmin(totals))
            best[t] = totals[k] + beta
            last[t] = usable[k]
            # PELT pruning with K = 0, valid because splitting a segment never raises this cost
            # (each part's own MLE fits it at least as well as the joint rate): a start s that is
            # already worse than the optimum at t can never be the last changepoint of an optimum
            # at a later T, since going through t would then be cheaper.
            for s, value in zip(usable.tolist(), totals.tolist(), strict=True):
                if value > best[t] and s not in dropped_at:
                    dropped_at[s] = t

        # t may start the next segment only if [0, t) itself splits into legal segments
        if np.isfinite(best[t]):
            candidates.append(t)

    changepoints: list[int] = []
    t = n
    while t > 0:
        t = int(last[t])
        if t > 0:
            changepoints.append(t)
    return sorted(changepoints)


def segments(counts: Sequence[float] | np.ndarray, changepoints: Sequence[int]) -> list[tuple[int, int, float]]:
    """(start, end_exclusive, mean) of each segment the changepoints cut the series into.

    The changepoints must be strictly increasing and inside (0, n), as pelt_poisson returns them.
    An empty series has no segments.
    """
    y = _validated(counts)
    n = len(y)
    cps = [int(c) for c in changepoints]
    if n == 0:
        if cps:
            raise ValueError("an empty series cannot have changepoints")
        return []
    bounds = [0, *cps, n]
    for a, b in itertools.pairwise(bounds):
        if b <= a:
            raise ValueError(f"changepoints must be strictly increasing inside (0, {n}), got {cps}")
    return [(a, b, float(y[a:b].mean())) for a, b in itertools.pairwise(bounds)]
