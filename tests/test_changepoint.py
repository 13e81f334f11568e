"""PELT with a Poisson cost (dashboard.core.analytics.changepoint), against a brute-force optimum
computed independently and on synthetic daily series with known changes.

The brute force enumerates every admissible set of changepoints and scores each partition with
scipy.stats.poisson.logpmf at the segment MLE (the full log-likelihood, log-factorials included);
it shares no code with the module under test."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import poisson

from dashboard.core.analytics.changepoint import pelt_poisson, segments


def _cost(y: np.ndarray, a: int, b: int) -> float:
    """−2 × the maximised Poisson log-likelihood of y[a:b]."""
    part = y[a:b]
    return -2.0 * float(poisson.logpmf(part, part.mean()).sum())


def _brute_force(y: np.ndarray, beta: float, min_size: int) -> tuple[list[int], float]:
    """The optimal penalised partition by trying every changepoint set with segments ≥ min_size."""
    n = len(y)
    cost = {(a, b): _cost(y, a, b) for a in range(n) for b in range(a + min_size, n + 1)}
    best: tuple[list[int], float] | None = None
    for k in range(n // min_size):
        for cps in itertools.combinations(range(min_size, n - min_size + 1), k):
            bounds = (0, *cps, n)
            if any(b - a < min_size for a, b in itertools.pairwise(bounds)):
                continue
            value = sum(cost[a, b] for a, b in itertools.pairwise(bounds)) + beta * k
            if best is None or value < best[1]:
                best = (list(cps), value)
    assert best is not None
    return best


def _objective(y: np.ndarray, cps: list[int], beta: float) -> float:
    bounds = (0, *cps, len(y))
    return sum(_cost(y, a, b) for a, b in itertools.pairwise(bounds)) + beta * len(cps)


@pytest.mark.slow
def test_matches_brute_force_optimum() -> None:
    rng = np.random.default_rng(20120101)
    checked = ties = with_changes = 0
    for _ in range(400):
        n = int(rng.integers(2, 15))
        min_size = int(rng.choice([1, 2, 3]))
        if rng.random() < 0.5:
            # a few rates, switched at random days so that some series do have real changes
            rates = rng.choice([0.3, 1.0, 4.0, 12.0], size=3)
            cuts = np.sort(rng.integers(0, n + 1, size=2))
            lam = np.concatenate([np.full(cuts[0], rates[0]), np.full(cuts[1] - cuts[0], rates[1]),
                                  np.full(n - cuts[1], rates[2])])
        else:
            # a rate drawn afresh every day: jumpy series, where pruning has the most to get wrong
            lam = rng.choice([0.3, 1.0, 4.0, 12.0], size=n)
        y = rng.poisson(lam).astype(float)
        beta = float(rng.choice([2.0 * math.log(n), 1.0, 6.0]))
        penalty = None if beta == 2.0 * math.log(n) else beta

        got = pelt_poisson(y, penalty=penalty, min_size=min_size)
        if n < 2 * min_size:
            assert got == []
            continue
        want, want_value = _brute_force(y, beta, min_size)
        assert all(b - a >= min_size for a, b in itertools.pairwise((0, *got, n)))
        if got != want:
            # only a genuine tie between two partitions may differ
            ties += 1
            assert _objective(y, got, beta) == pytest.approx(want_value, rel=1e-12, abs=1e-9)
        checked += 1
        with_changes += bool(want)
    # the loop must have compared real cases, many of them with changepoints, and ties stay rare
    assert checked >= 250
    assert with_changes >= 40
    assert ties <= 3


def test_pruning_waits_for_a_legal_segment() -> None:
    # Pruning start s at time u rests on cost(s, T) >= cost(s, u) + cost(u, T), which only helps when
    # [u, T) is itself a legal segment (T >= u + min_size). Here plain PELT, pruning at once, drops
    # start 0 at u = 7, so at T = 8 (where [7, 8) is too short to stand in) it can only return [5];
    # the optimum has no changepoint at all.
    y = np.array([10, 0, 10, 3, 16, 1, 0, 14], dtype=float)
    want, want_value = _brute_force(y, 6.0, 2)
    assert want == []
    assert _objective(y, [5], 6.0) > want_value
    assert pelt_poisson(y, penalty=6.0, min_size=2) == want


def test_clean_step_gives_one_changepoint() -> None:
    rng = np.random.default_rng(7)
    y = np.concatenate([rng.poisson(1.0, 30), rng.poisson(12.0, 30)])
    cps = pelt_poisson(y)
    assert len(cps) == 1
    assert abs(cps[0] - 30) <= 2
    (_, end0, mean0), (start1, end1, mean1) = segments(y, cps)
    assert (end0, start1, end1) == (cps[0], cps[0], 60)
    assert mean0 < 3 < 8 < mean1


def test_constant_series_has_no_changepoint() -> None:
    rng = np.random.default_rng(11)
    y = rng.poisson(6.0, 60)
    assert pelt_poisson(y) == []
    assert segments(y, []) == [(0, 60, float(y.mean()))]


def test_two_steps_found_near_the_true_days() -> None:
    rng = np.random.default_rng(23)
    y = np.concatenate([rng.poisson(1.0, 25), rng.poisson(10.0, 20), rng.poisson(3.0, 25)])
    cps = pelt_poisson(y)
    assert len(cps) == 2
    assert abs(cps[0] - 25) <= 2
    assert abs(cps[1] - 45) <= 2


def test_ramp_becomes_a_staircase() -> None:
    # A steady ramp has no single change, but a piecewise-constant model can only follow it in
    # steps, so PELT returns several changepoints with rising segment means (docs/metrics.md §3.1 warns
    # about this staircase). A caller must not read every changepoint as an event.
    rng = np.random.default_rng(31)
    y = rng.poisson(np.linspace(0.5, 15.0, 60))
    cps = pelt_poisson(y)
    assert len(cps) >= 2
    means = [m for _, _, m in segments(y, cps)]
    assert all(a < b for a, b in itertools.pairwise(means))


def test_min_size_is_respected() -> None:
    # an isolated one-day spike cannot be its own segment with min_size 3
    y = [1, 1, 1, 1, 1, 1, 40, 1, 1, 1, 1, 1, 1]
    for min_size in (1, 2, 3, 4):
        cps = pelt_poisson(y, min_size=min_size)
        assert all(b - a >= min_size for a, b in itertools.pairwise((0, *cps, len(y))))
    assert pelt_poisson(y, min_size=1) == [6, 7]


def test_input_validation() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        pelt_poisson([3, 4, -1, 5, 6, 7])
    with pytest.raises(ValueError, match="NaN"):
        pelt_poisson([3, 4, float("nan"), 5, 6, 7])
    with pytest.raises(ValueError, match="min_size"):
        pelt_poisson([3, 4, 5, 6], min_size=0)
    with pytest.raises(ValueError, match="penalty"):
        pelt_poisson([3, 4, 5, 6], penalty=-1.0)
    with pytest.raises(ValueError, match="non-negative"):
        segments([1, -2, 3], [])
    with pytest.raises(ValueError, match="strictly increasing"):
        segments([1, 2, 3, 4], [2, 2])
    assert pelt_poisson([]) == []
    assert pelt_poisson(np.array([], dtype=float)) == []
    assert segments([], []) == []
    # n < 2 × min_size: no room for two segments, even across an obvious jump
    assert pelt_poisson([0, 0, 0, 50, 50]) == []
    assert pelt_poisson([0, 0, 50, 50], min_size=2) == [2]
    assert pelt_poisson([0, 0, 50], min_size=2) == []
