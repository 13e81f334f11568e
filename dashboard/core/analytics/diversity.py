"""Diversity as Hill numbers (docs/metrics.md §4.3), raw and rarefied.

Hill numbers read as "the equivalent number of equally common categories": q0 counts the categories
present, q1 = exp(Shannon entropy in nats) weighs them by share, q2 = 1 / Σp² counts the dominant
ones. Diversity grows with sample size, so weeks are compared after rarefaction: n* messages drawn
without replacement, many times, and the Hill numbers of the draws averaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

RAREFY_CAP = 200     # n* = min(200, the smallest sample compared)
RAREFY_DRAWS = 200
RAREFY_FLOOR = 30    # weeks with fewer messages are too thin to compare at all


@dataclass(frozen=True)
class Hill:
    q0: float
    q1: float
    q2: float


def hill(counts: Sequence[float] | np.ndarray) -> Hill:
    """Hill numbers of one distribution given as counts (zeros ignored). Shannon entropy is taken in
    nats (natural log), so q1 = e^H; DuckDB's entropy() is base 2 and would need 2^H instead."""
    c = np.asarray(counts, dtype=float)
    c = c[c > 0]
    if c.size == 0:
        return Hill(0.0, 0.0, 0.0)
    p = c / c.sum()
    return Hill(float(c.size), float(np.exp(-(p * np.log(p)).sum())), float(1.0 / (p * p).sum()))


def _hill_rows(counts: np.ndarray) -> np.ndarray:
    """Hill numbers of each row of a (draws × categories) count matrix: columns q0, q1, q2."""
    totals = counts.sum(axis=1, keepdims=True)
    p = np.divide(counts, totals, out=np.zeros_like(counts, dtype=float), where=totals > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    q0 = (counts > 0).sum(axis=1).astype(float)
    q1 = np.exp(-plogp.sum(axis=1))
    q2 = 1.0 / np.maximum((p * p).sum(axis=1), 1e-300)
    return np.column_stack([q0, q1, q2])


def draws(counts: Sequence[int] | np.ndarray, n: int, rng: np.random.Generator,
          times: int = RAREFY_DRAWS) -> np.ndarray:
    """`times` samples of n items drawn without replacement from the pool `counts` describes: a
    (times × categories) matrix of how many of each category each sample holds."""
    c = np.asarray(counts, dtype=np.int64)
    if n < 1:
        raise ValueError(f"a sample needs at least one item, got n={n}")
    if n > c.sum():
        raise ValueError(f"cannot draw {n} from {int(c.sum())}")
    return rng.multivariate_hypergeometric(c, n, size=times)


def rarefied(counts: Sequence[int] | np.ndarray, n: int, rng: np.random.Generator,
             times: int = RAREFY_DRAWS) -> Hill:
    """The Hill numbers expected from n items drawn without replacement (averaged over `times`)."""
    q = _hill_rows(draws(counts, n, rng, times).astype(float)).mean(axis=0)
    return Hill(*map(float, q))


def rarefied_groups(counts: Sequence[int] | np.ndarray, groups: Sequence[int] | np.ndarray, n_groups: int, n: int,
                    rng: np.random.Generator, times: int = RAREFY_DRAWS) -> Hill:
    """Role diversity of the speakers a sample of n messages reaches: messages are drawn from the
    speakers' counts, every speaker drawn at least once counts once for their group (role), and
    the Hill numbers are taken over speakers per role."""
    present = draws(counts, n, rng, times) > 0                      # times × speakers
    per_group = np.zeros((present.shape[0], n_groups))
    np.add.at(per_group.T, np.asarray(groups), present.T)
    return Hill(*map(float, _hill_rows(per_group).mean(axis=0)))


def common_n(sizes: Sequence[int], cap: int = RAREFY_CAP, floor: int = RAREFY_FLOOR) -> int | None:
    """n* = min(cap, the smallest size among those of at least `floor`); None when none qualifies."""
    ok = [s for s in sizes if s >= floor]
    return min(cap, min(ok)) if ok else None
