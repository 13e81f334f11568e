"""Hill numbers and rarefaction (dashboard.core.analytics.diversity) and the reply network
(dashboard.core.analytics.network), against values worked out by hand.

Every expectation below comes from the definitions (q0 = categories present, q1 = e^H with H in
nats, q2 = 1/Σp²; ties weighted strong×10 + weak and decayed 0.9 per full 30 days), not from
running the code under test."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import numpy as np
import polars as pl
import pytest

from dashboard.core.analytics.diversity import Hill, common_n, hill, rarefied, rarefied_groups
from dashboard.core.analytics.network import centrality, density, weighted_edges

# ---------------------------------------------------------------------------------------------
# hill()
# ---------------------------------------------------------------------------------------------


def _close(h: Hill, q0: float, q1: float, q2: float, rel: float = 1e-12) -> None:
    assert h.q0 == pytest.approx(q0, rel=rel)
    assert h.q1 == pytest.approx(q1, rel=rel)
    assert h.q2 == pytest.approx(q2, rel=rel)


def test_hill_even_distribution_counts_every_category() -> None:
    """Four equally common categories: all three Hill numbers are 4."""
    _close(hill([1, 1, 1, 1]), 4, 4, 4)


def test_hill_uneven_distribution() -> None:
    """[2,1,1]: p = ½,¼,¼ → q1 = exp(-(½ln½ + 2·¼ln¼)) = 2√2, q2 = 1/(¼+1/16+1/16) = 8/3."""
    q1 = math.exp(-(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25)))
    assert q1 == pytest.approx(2 * math.sqrt(2), rel=1e-12)  # the hand simplification
    _close(hill([2, 1, 1]), 3, 2 * math.sqrt(2), 8 / 3)


def test_hill_single_category_is_one() -> None:
    """One category, however many items: q0 = q1 = q2 = 1."""
    _close(hill([10]), 1, 1, 1)


def test_hill_ignores_zero_counts() -> None:
    """[3,0,1] is the distribution ¾,¼: q0 = 2, q2 = 1/(9/16+1/16) = 1.6."""
    q1 = math.exp(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)))
    _close(hill([3, 0, 1]), 2, q1, 1.6)
    assert hill([3, 0, 1]) == hill([3, 1])


def test_hill_empty_is_zero() -> None:
    """No items at all (empty, or only zeros): every Hill number is 0."""
    assert hill([]) == Hill(0.0, 0.0, 0.0)
    assert hill([0, 0]) == Hill(0.0, 0.0, 0.0)
    assert hill(np.array([], dtype=float)) == Hill(0.0, 0.0, 0.0)


def test_hill_doubling_property() -> None:
    """Two disjoint, equally large copies of a community are twice as diverse (q0, q1, q2 double)."""
    base = [5, 3, 1, 1]
    single, doubled = hill(base), hill(base + base)
    _close(doubled, 2 * single.q0, 2 * single.q1, 2 * single.q2)


def test_entropy_conventions_duckdb_bits_polars_nats() -> None:
    """DuckDB's entropy() is base 2 over raw labels, Polars' entropy() base e over (normalised)
    counts: on counts [2,1,1] they give 1.5 bits and 1.5·ln2 nats, and q1 = e^H_nats = 2^H_bits."""
    con = duckdb.connect()
    try:
        bits = con.execute("select entropy(x) from (values ('a'), ('a'), ('b'), ('c')) t(x)").fetchone()[0]
    finally:
        con.close()
    nats_series = pl.Series([2, 1, 1]).entropy()
    nats_expr = pl.DataFrame({"n": [2, 1, 1]}).select(pl.col("n").entropy()).item()
    assert bits == pytest.approx(1.5, rel=1e-12)
    assert nats_series == pytest.approx(1.5 * math.log(2), rel=1e-12)
    assert nats_expr == pytest.approx(nats_series, rel=1e-12)
    q1 = hill([2, 1, 1]).q1
    assert q1 == pytest.approx(math.exp(nats_series), rel=1e-12)
    assert q1 == pytest.approx(2**bits, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# rarefied()
# ---------------------------------------------------------------------------------------------


def test_rarefied_whole_pool_equals_raw_hill() -> None:
    """n = the pool's size: every draw is the whole pool, so the result is hill(counts) (q0 exactly;
    q1, q2 to the last few ulps, since averaging many identical floats is not bit-exact)."""
    counts = [3, 1, 2, 0, 7]
    raw = hill(counts)
    got = rarefied(counts, sum(counts), np.random.default_rng(1), times=50)
    assert got.q0 == raw.q0
    _close(got, raw.q0, raw.q1, raw.q2)


def test_rarefied_single_item_draws() -> None:
    """n = 1: every draw holds one item of one category, so q0 = q1 = q2 = 1 exactly."""
    assert rarefied([5, 2, 9], 1, np.random.default_rng(2)) == Hill(1.0, 1.0, 1.0)
    assert rarefied([1, 1], 1, np.random.default_rng(3)) == Hill(1.0, 1.0, 1.0)


def test_rarefied_distinct_items_pairs() -> None:
    """[1,1,1], n = 2: every draw holds two different items, so q0 = q1 = q2 = 2."""
    got = rarefied([1, 1, 1], 2, np.random.default_rng(4), times=300)
    assert got.q0 == 2.0
    _close(got, 2, 2, 2)


def test_rarefied_monte_carlo_matches_hand_expectation() -> None:
    """[2,2], n = 2: {a,a} and {b,b} each w.p. 1/6 (Hill 1), {a,b} w.p. 4/6 (Hill 2), so every
    expected Hill number is 1·2/6 + 2·4/6 = 5/3; 20000 draws land within 0.02 (≈ 6 s.e.)."""
    got = rarefied([2, 2], 2, np.random.default_rng(20240601), times=20_000)
    assert got.q0 == pytest.approx(5 / 3, abs=0.02)
    assert got.q1 == pytest.approx(5 / 3, abs=0.02)
    assert got.q2 == pytest.approx(5 / 3, abs=0.02)
    # each draw is either Hill 1 or Hill 2 in all three numbers, so the means coincide
    assert got.q1 == pytest.approx(got.q0, rel=1e-12)
    assert got.q2 == pytest.approx(got.q0, rel=1e-12)


def test_rarefied_is_reproducible_with_a_seed() -> None:
    """The same seed gives the same result; the draws depend only on the generator."""
    counts = [40, 17, 9, 3, 1, 1]
    a = rarefied(counts, 20, np.random.default_rng(7))
    b = rarefied(counts, 20, np.random.default_rng(7))
    assert a == b


def test_rarefied_more_than_the_pool_raises() -> None:
    """Drawing more items than the pool holds is an error, not a silent truncation."""
    with pytest.raises(ValueError):
        rarefied([2, 1], 4, np.random.default_rng(0))


# ---------------------------------------------------------------------------------------------
# rarefied_groups()
# ---------------------------------------------------------------------------------------------


def test_rarefied_groups_whole_pool_counts_speakers_per_role() -> None:
    """Speakers [3,3,4] in roles [0,0,1], all 10 messages drawn: every speaker reached once, so the
    role counts are [2,1] (speakers, not messages): q0 = 2, q1 = e^H(⅔,⅓), q2 = 1/(4/9+1/9) = 1.8."""
    q1 = math.exp(-(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)))
    got = rarefied_groups([3, 3, 4], [0, 0, 1], 2, 10, np.random.default_rng(5), times=20)
    _close(got, 2, q1, 1.8)


def test_rarefied_groups_empty_role_is_ignored() -> None:
    """A role no speaker holds adds nothing (zeros ignored, as in hill())."""
    q1 = math.exp(-(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)))
    got = rarefied_groups([3, 3, 4], [0, 0, 2], 3, 10, np.random.default_rng(5), times=20)
    _close(got, 2, q1, 1.8)


def test_rarefied_groups_single_message_reaches_one_speaker() -> None:
    """n = 1: exactly one speaker, so one role holding one speaker: q0 = q1 = q2 = 1."""
    got = rarefied_groups([3, 3, 4], [0, 0, 1], 2, 1, np.random.default_rng(6))
    assert got == Hill(1.0, 1.0, 1.0)


def test_rarefied_groups_monte_carlo_matches_hand_expectation() -> None:
    """Speakers [1,1,1] in roles [0,0,1], n = 2: the three speaker pairs are equally likely; {s0,s1}
    gives role counts [2,0] (Hill 1), the other two [1,1] (Hill 2), so each mean is 5/3."""
    got = rarefied_groups([1, 1, 1], [0, 0, 1], 2, 2, np.random.default_rng(8), times=20_000)
    assert got.q0 == pytest.approx(5 / 3, abs=0.02)
    assert got.q1 == pytest.approx(5 / 3, abs=0.02)
    assert got.q2 == pytest.approx(5 / 3, abs=0.02)


# ---------------------------------------------------------------------------------------------
# common_n()
# ---------------------------------------------------------------------------------------------


def test_common_n() -> None:
    """n* = min(200, the smallest size ≥ 30): sizes below the floor drop out; None if none is left."""
    assert common_n([10, 45, 300, 80]) == 45
    assert common_n([500, 900]) == 200
    assert common_n([5, 12]) is None
    assert common_n([]) is None
    assert common_n([30, 40]) == 30  # the floor itself qualifies
    assert common_n([29, 31], floor=29, cap=100) == 29


# ---------------------------------------------------------------------------------------------
# network.py
# ---------------------------------------------------------------------------------------------

LAST = dt.date(2024, 3, 4)


def _edges(rows: list[tuple[dt.date, str, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"week": pl.Date, "source_id": pl.String, "target_id": pl.String,
                                      "strong": pl.Int64, "weak": pl.Int64}, orient="row")


def _weighted(pairs: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(pairs, schema={"source_id": pl.String, "target_id": pl.String, "weight": pl.Float64},
                        orient="row")


def _by_member(frame: pl.DataFrame) -> dict[str, dict[str, float]]:
    return {r["member_id"]: r for r in frame.iter_rows(named=True)}


def test_weighted_edges_weights_decay_and_sum() -> None:
    """Weight = strong·10 + weak, times 0.9 per full 30 days before the chat's last week; rows of a
    pair add up. a→b: 10+3 (this week) + (20+1)·0.9 (35 days ago) = 31.9; b→a: 5·0.81 (65 days)."""
    edges = _edges([
        (LAST, "a", "b", 1, 3),
        (LAST - dt.timedelta(days=35), "a", "b", 2, 1),
        (LAST - dt.timedelta(days=65), "b", "a", 0, 5),
        (LAST, "c", "a", 0, 2),
    ])
    got = {(r["source_id"], r["target_id"]): r for r in weighted_edges(edges).iter_rows(named=True)}
    assert set(got) == {("a", "b"), ("b", "a"), ("c", "a")}
    assert got["a", "b"]["weight"] == pytest.approx(13 + 21 * 0.9, rel=1e-12)
    assert got["a", "b"]["strong"] == 3
    assert got["a", "b"]["weak"] == 4
    assert got["b", "a"]["weight"] == pytest.approx(5 * 0.81, rel=1e-12)
    assert got["c", "a"]["weight"] == pytest.approx(2.0, rel=1e-12)


def test_weighted_edges_decay_counts_full_months_only() -> None:
    """29 days is no full month (factor 1), 30 days exactly is one (0.9), 59 days still one."""
    edges = _edges([
        (LAST, "x", "y", 0, 1),
        (LAST - dt.timedelta(days=29), "a", "b", 1, 0),
        (LAST - dt.timedelta(days=30), "b", "c", 1, 0),
        (LAST - dt.timedelta(days=59), "c", "d", 1, 0),
    ])
    got = {(r["source_id"], r["target_id"]): r["weight"] for r in weighted_edges(edges).iter_rows(named=True)}
    assert got["a", "b"] == pytest.approx(10.0, rel=1e-12)
    assert got["b", "c"] == pytest.approx(9.0, rel=1e-12)
    assert got["c", "d"] == pytest.approx(9.0, rel=1e-12)


def test_weighted_edges_explicit_as_of_and_later_weeks_undecayed() -> None:
    """An explicit as_of moves the reference: weeks after it are not boosted (factor 1)."""
    edges = _edges([
        (LAST, "a", "b", 1, 3),
        (LAST - dt.timedelta(days=35), "a", "b", 2, 1),
        (LAST - dt.timedelta(days=65), "b", "a", 0, 5),
    ])
    got = {(r["source_id"], r["target_id"]): r["weight"]
           for r in weighted_edges(edges, as_of=LAST - dt.timedelta(days=35)).iter_rows(named=True)}
    assert got["a", "b"] == pytest.approx(13 + 21, rel=1e-12)
    assert got["b", "a"] == pytest.approx(5 * 0.9, rel=1e-12)


def test_weighted_edges_empty() -> None:
    """No edges: an empty frame with the documented columns."""
    got = weighted_edges(_edges([]))
    assert got.is_empty()
    assert got.columns == ["source_id", "target_id", "weight", "strong", "weak"]


def test_centrality_star() -> None:
    """A hub answered by 4 leaves: the hub lies on every leaf-to-leaf path (betweenness 1), the
    leaves on none (0); no leaves are tied to each other (clustering 0); reach is the weighted
    degree; PageRank (α = 0.85, the hub dangling): p_h = 0.88/1.68 = 11/21, each leaf 2.5/21."""
    c = _by_member(centrality(_weighted([("l1", "h", 1.0), ("l2", "h", 2.0), ("l3", "h", 3.0),
                                         ("l4", "h", 4.0)])))
    assert set(c) == {"h", "l1", "l2", "l3", "l4"}
    assert c["h"]["betweenness"] == pytest.approx(1.0, rel=1e-12)
    assert c["h"]["reach"] == pytest.approx(10.0, rel=1e-12)
    for i, leaf in enumerate(["l1", "l2", "l3", "l4"], start=1):
        assert c[leaf]["betweenness"] == 0.0
        assert c[leaf]["clustering"] == 0.0
        assert c[leaf]["reach"] == pytest.approx(float(i), rel=1e-12)
        assert c[leaf]["pagerank"] == pytest.approx(2.5 / 21, abs=1e-5)
    assert c["h"]["clustering"] == 0.0
    assert c["h"]["pagerank"] == pytest.approx(11 / 21, abs=1e-5)
    assert sum(r["pagerank"] for r in c.values()) == pytest.approx(1.0, abs=1e-9)


def test_centrality_triangle_reach_sums_both_directions() -> None:
    """A triangle: every node's neighbours are tied, so clustering is 1 everywhere; reach adds a
    pair's weights in both directions (a: a→b 10 + b→a 1 + c→a 2 = 13)."""
    c = _by_member(centrality(_weighted([("a", "b", 10.0), ("b", "a", 1.0), ("b", "c", 4.0), ("c", "a", 2.0)])))
    assert {m: r["clustering"] for m, r in c.items()} == {"a": 1.0, "b": 1.0, "c": 1.0}
    assert c["a"]["reach"] == pytest.approx(13.0, rel=1e-12)
    assert c["b"]["reach"] == pytest.approx(15.0, rel=1e-12)
    assert c["c"]["reach"] == pytest.approx(6.0, rel=1e-12)
    assert sum(r["pagerank"] for r in c.values()) == pytest.approx(1.0, abs=1e-9)


def test_centrality_heavier_ties_are_shorter() -> None:
    """Heavy a–b and b–c ties (distance 0.1 each) make the detour through b shorter than a weak
    direct a–c tie (distance 1): b is on the only shortest a–c path (betweenness 1)."""
    c = _by_member(centrality(_weighted([("a", "b", 10.0), ("b", "c", 10.0), ("a", "c", 1.0)])))
    assert c["b"]["betweenness"] == pytest.approx(1.0, rel=1e-12)
    assert c["a"]["betweenness"] == 0.0
    assert c["c"]["betweenness"] == 0.0
    # with the weights flipped, the direct a–c tie is the shortest path and nobody is between
    c = _by_member(centrality(_weighted([("a", "b", 1.0), ("b", "c", 1.0), ("a", "c", 10.0)])))
    assert {m: r["betweenness"] for m, r in c.items()} == {"a": 0.0, "b": 0.0, "c": 0.0}


def test_centrality_empty() -> None:
    """No ties: an empty frame with the documented columns."""
    got = centrality(_weighted([]))
    assert got.is_empty()
    assert got.columns == ["member_id", "reach", "pagerank", "betweenness", "clustering"]


def test_density() -> None:
    """Ties / n(n−1)/2 over the undirected graph: a triangle 3/3 = 1; a hub with 3 leaves 3/6 = 0.5;
    a reciprocated pair is one tie (1/1); fewer than 2 members → None."""
    assert density(_weighted([("a", "b", 1.0), ("b", "c", 1.0), ("c", "a", 1.0)])) == 1.0
    assert density(_weighted([("l1", "h", 1.0), ("l2", "h", 1.0), ("l3", "h", 1.0)])) == 0.5
    assert density(_weighted([("a", "b", 1.0), ("b", "a", 3.0)])) == 1.0
    assert density(_weighted([])) is None
