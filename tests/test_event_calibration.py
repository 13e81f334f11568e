"""The sample generator's calibration mode (benchmarks/bench_event_calibration.py): each event's
visit effect planted at the size the truth says, zero included, and nothing else changed; and the
intervals the event verdicts read, which that benchmark found too narrow (docs/metrics.md §5.5)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from dashboard.core.analytics.event_effect import baseline, did, t_interval, verdict
from dashboard.core.sample.generate import generate
from dashboard.core.sample.records import CALIBRATION_SIZES, NO_EFFECT, Visit, calibration_sizes, simulate_visits
from dashboard.core.sample.story import TZ, Simulator

SEED = 10
# every size once, the holiday-week event E06 (no effect in the story itself) given one
SIZES = {"E01": 0.0, "E02": 0.5, "E03": 1.0, "E04": 1.5, "E05": 0.0, "E06": 1.0}


def _day(ts: int) -> dt.date:
    return dt.datetime.fromtimestamp(ts, TZ).date()


@pytest.fixture(scope="module")
def story():
    return Simulator(SEED).run()


def _key(v: Visit) -> tuple:
    return (v.store, v.customer.customer_id if v.customer else None, v.ts, v.amount, v.why)


def _halo_by_event(story, visits: list[Visit]) -> dict[str, list[Visit]]:
    """Halo visits by the event whose days 1–7 they fall in (the story's windows do not overlap)."""
    out: dict[str, list[Visit]] = {ev["id"]: [] for ev in story.events}
    for v in visits:
        if v.why == "halo":
            owners = [ev["id"] for ev in story.events
                      if 1 <= (_day(v.ts) - _day(ev["start"])).days <= 7]
            assert len(owners) == 1, v
            out[owners[0]].append(v)
    return out


def test_calibration_plants_exactly_the_sizes_it_records(story) -> None:
    own = simulate_visits(story, random.Random(SEED + 1))
    cal = simulate_visits(story, random.Random(SEED + 1), SIZES, random.Random(5))
    # only the halo visits differ from the story's own records
    assert [_key(v) for v in cal.visits if v.why != "halo"] == [_key(v) for v in own.visits if v.why != "halo"]
    own_halo, cal_halo = _halo_by_event(story, own.visits), _halo_by_event(story, cal.visits)
    for ev in story.events:
        eid, fx = ev["id"], cal.event_effects[ev["id"]]
        assert fx["effect_size"] == SIZES[eid]
        assert fx["planted_extra_visits"] == len(cal_halo[eid])
        assert fx["expected_extra_visits_per_signed_up"] == round(0.85 * SIZES[eid], 3)
        signed = {p.customer_id for p in ev["signers"] if p.role == "customer" and p.customer_id}
        assert {v.customer.customer_id for v in cal_halo[eid]} <= signed
        assert set(cal.extra_visit_days[eid]) == signed
        if SIZES[eid] == 0:
            assert cal_halo[eid] == [] and sum(cal.extra_visit_days[eid].values()) == 0
        if SIZES[eid] == 1 and eid not in NO_EFFECT:  # the story's own draws
            assert sorted(map(_key, cal_halo[eid])) == sorted(map(_key, own_halo[eid]))
        if SIZES[eid] == 0.5:  # a thinning of the story's own halo
            assert set(map(_key, cal_halo[eid])) < set(map(_key, own_halo[eid]))
        if SIZES[eid] == 1.5:  # the story's own halo and more, on days the customer had none of it
            assert set(map(_key, cal_halo[eid])) > set(map(_key, own_halo[eid]))
            days = Counter((v.customer.customer_id, _day(v.ts)) for v in cal_halo[eid])
            assert max(days.values()) == 1
    # the event the story plants with no effect gets the size it is given
    assert own.event_effects["E06"]["planted_extra_visits"] == 0
    assert cal.event_effects["E06"]["planted_extra_visits"] > 0


def test_extra_visit_days_are_halo_days_with_no_other_visit(story) -> None:
    """Recounted from the visits: a customer's visit-days over days 1–7 with the event's halo,
    less those without it, is what the records say the halo added."""
    cal = simulate_visits(story, random.Random(SEED + 1), SIZES, random.Random(5))
    halo = _halo_by_event(story, cal.visits)
    for ev in story.events:
        eid = ev["id"]
        window = {_day(ev["start"]) + dt.timedelta(days=k) for k in range(1, 8)}
        mine = {id(v) for v in halo[eid]}
        for cid, extra in cal.extra_visit_days[eid].items():
            with_halo = {_day(v.ts) for v in cal.visits if v.customer and v.customer.customer_id == cid} & window
            without = {_day(v.ts) for v in cal.visits
                       if v.customer and v.customer.customer_id == cid and id(v) not in mine} & window
            assert extra == len(with_halo) - len(without), (eid, cid)


def test_sizes_are_drawn_from_the_seed() -> None:
    ids = [f"E0{i}" for i in range(1, 7)]
    assert calibration_sizes(3, ids) == calibration_sizes(3, ids)
    drawn = [s for seed in range(40) for s in calibration_sizes(seed, ids).values()]
    assert set(drawn) == set(CALIBRATION_SIZES)
    with pytest.raises(ValueError):
        simulate_visits(Simulator(SEED).run(), random.Random(1), {**SIZES, "E01": 2.5})


def _window_rows(folder: Path, truth: dict) -> dict[str, int]:
    """Per event, visits.csv rows of its signed-up customers over days 1–7."""
    with open(folder / "visits.csv", encoding="utf-8-sig", newline="") as fh:
        visits = [(r["会员号"], dt.date.fromisoformat(r["时间"][:10])) for r in csv.DictReader(fh)]
    out = {}
    for e in truth["events"]:
        day0 = dt.date.fromisoformat(e["start"][:10])
        signed = {s["customer_id"] for s in e["signed_up"] if s["customer_id"] and not s["is_alt"]}
        out[e["id"]] = sum(1 for c, d in visits if c in signed and 1 <= (d - day0).days <= 7)
    return out


@pytest.mark.slow
def test_calibration_scenario_files_and_truth(tmp_path: Path) -> None:
    """The written store records differ from the story's own exactly by the planted visits the
    two truths state; a zero-size event's customers get none; the truth states the size and the
    planted visit-days in the DiD's unit."""
    own = generate(tmp_path / "own", SEED)
    cal = generate(tmp_path / "cal", SEED, calibrate=True)
    again = generate(tmp_path / "again", SEED, calibrate=True)
    assert cal == again
    sizes = calibration_sizes(SEED, [e["id"] for e in cal["events"]])
    assert {e["id"]: e["visit_effect"]["effect_size"] for e in cal["events"]} == sizes
    assert list(sizes.values()).count(0.0) == 3  # this seed draws zero for E01, E02 and E06
    assert "effect_size" not in own["events"][0]["visit_effect"]
    own_rows, cal_rows = _window_rows(tmp_path / "own", own), _window_rows(tmp_path / "cal", cal)
    for o, c in zip(own["events"], cal["events"], strict=True):
        eid, planted = c["id"], c["visit_effect"]
        assert cal_rows[eid] - own_rows[eid] == planted["planted_extra_visits"] - o["visit_effect"]["planted_extra_visits"]
        if planted["effect_size"] == 0:
            assert planted["planted_extra_visits"] == planted["planted_extra_visit_days_linked"] == 0
            assert planted["planted_extra_visit_days_per_linked_signed_up"] == 0
        linked = planted["linked_signed_up_customers"]
        assert linked > 0 and planted["planted_extra_visit_days_per_linked_signed_up"] == round(
            planted["planted_extra_visit_days_linked"] / linked, 6)
        assert planted["planted_extra_visit_days_linked"] <= planted["planted_extra_visit_days"] \
            <= planted["planted_extra_visits"]
    assert cal["visits"]["rows"] - own["visits"]["rows"] == sum(
        c["visit_effect"]["planted_extra_visits"] - o["visit_effect"]["planted_extra_visits"]
        for o, c in zip(own["events"], cal["events"], strict=True))
    written = json.loads((tmp_path / "cal" / "truth.json").read_text("utf-8"))
    assert written["events"][0]["visit_effect"] == cal["events"][0]["visit_effect"]


# ---- the intervals the verdict reads (docs/metrics.md §5.3, §5.5) ---------------------------------

EVENT = dt.date(2025, 5, 14)


def _null_panel(gen: np.random.Generator, n_t: int, n_c: int) -> pl.DataFrame:
    """Customers who visit at their own rate (gamma-distributed, per week) on days −64 … +28,
    the first n_t signed up: no effect at all."""
    rows = []
    for i in range(n_t + n_c):
        rate = gen.gamma(1.5, 0.6)
        days = [k for k in range(-64, 29) if gen.random() < min(0.9, rate / 7)]
        rows += [(f"c{i:03d}", i < n_t, EVENT + dt.timedelta(days=k)) for k in days] or [(f"c{i:03d}", i < n_t, None)]
    return pl.DataFrame(rows, schema={"customer_id": pl.String, "treated": pl.Boolean, "day": pl.Date}, orient="row")


def test_t_interval_is_the_textbook_t_interval_of_a_mean() -> None:
    """Bootstrap means of six values give, through t_interval, the Student t interval of their mean
    (and with `predict`, the t prediction interval of one more value)."""
    x = np.array([0.0, 1.0, 1.0, 2.0, 4.0, 7.0])
    draws = x[np.random.default_rng(3).integers(0, 6, size=(200_000, 6))].mean(axis=1)
    got = t_interval(draws, float(x.mean()), 6)
    sem = stats.sem(x)
    assert (got.low90, got.high90) == pytest.approx(stats.t.interval(0.90, 5, loc=x.mean(), scale=sem), rel=0.01)
    assert (got.low80, got.high80) == pytest.approx(stats.t.interval(0.80, 5, loc=x.mean(), scale=sem), rel=0.01)
    assert got.se == pytest.approx(sem, rel=0.01)
    pred = t_interval(draws, float(x.mean()), 6, predict=True)
    assert pred.high90 - pred.estimate == pytest.approx(stats.t.ppf(0.95, 5) * x.std(ddof=1) * math.sqrt(1 + 1 / 6),
                                                        rel=0.01)
    # one unit counts as two; draws that cannot give a spread fall back to the percentiles
    one = t_interval(np.array([1.0, 3.0]), 2.0, 1)
    assert one.high90 - 2.0 == pytest.approx(stats.t.ppf(0.95, 1) * math.sqrt(2) * np.std([1.0, 3.0], ddof=1))
    single = t_interval(np.array([5.0]), 5.0, 9)
    assert (single.low90, single.high90) == (5.0, 5.0) and math.isnan(single.se)


def test_did_interval_is_a_t_interval_over_the_signed_up_customers() -> None:
    res = did(_null_panel(np.random.default_rng(4), 12, 40), EVENT, rng=np.random.default_rng(1), draws=400)
    att, n = res.att, res.treated
    assert n == 12
    assert att.high90 - att.estimate == pytest.approx(att.estimate - att.low90)
    assert att.high90 - att.estimate == pytest.approx(stats.t.ppf(0.95, n - 1) * att.se)
    assert att.high80 - att.estimate == pytest.approx(stats.t.ppf(0.90, n - 1) * att.se)
    assert (res.extra.low90, res.extra.high90) == pytest.approx((att.low90 * n, att.high90 * n))


def test_did_with_few_signed_up_customers_rarely_calls_no_effect_clear() -> None:
    """100 panels with no effect, 5 signed-up customers and 40 controls each: the percentile
    intervals called 17 of them 明显 (either way), the t intervals 6 (nominal 10)."""
    gen = np.random.default_rng(2025)
    verdicts = Counter(verdict(did(_null_panel(gen, 5, 40), EVENT, rng=np.random.default_rng(1), draws=400).att)
                       for _ in range(100))
    assert verdicts["clear_lift"] + verdicts["clear_drop"] == 6


def test_baseline_interval_covers_the_window_noise() -> None:
    """200 histories of Poisson(10) visits a day with no lift: the 90% interval of the lift holds 0
    in 181 of them (nominal 180); resampling the past weeks alone held it in 79."""
    gen = np.random.default_rng(7)
    days = [EVENT + dt.timedelta(days=k) for k in range(-70, 15)]
    found = [baseline(pl.DataFrame({"day": days, "visits": gen.poisson(10, len(days)).tolist()}), EVENT, set(),
                      rng=np.random.default_rng(1)) for _ in range(200)]
    assert sum(b.lift.low90 <= 0 <= b.lift.high90 for b in found) == 181
    # day 7's week 1 back is the event day itself, so 7 usable weeks: t with 6 degrees of freedom
    assert {b.weeks_used for b in found} == {7}
    assert all(b.lift.high90 - b.lift.estimate == pytest.approx(stats.t.ppf(0.95, 6) * b.lift.se) for b in found)
