"""Event effect on store visits (dashboard.core.analytics.event_effect): the same-weekday baseline,
the matched member-level difference-in-differences, and the verdict / MDE / interval helpers, on
small hand-made panels whose answers can be worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from dashboard.core.analytics.event_effect import (
    BOOTSTRAP,
    VERDICTS,
    Interval,
    baseline,
    did,
    interval,
    mde,
    pooled,
    stratum,
    verdict,
)

EVENT = dt.date(2025, 5, 14)  # a Wednesday
WINDOW_DAYS = [EVENT + dt.timedelta(days=k) for k in range(1, 8)]


def _day(k: int) -> dt.date:
    return EVENT + dt.timedelta(days=k)


# ---- method A: same-weekday baseline -----------------------------------------------------------

def _daily(value=lambda d: 10, lift: int = 3, overrides: dict[int, int] | None = None) -> pl.DataFrame:
    """Days −70 … +14 around EVENT: `value(day)` visits a day, +`lift` on window days 1–7, and
    `overrides` (offset → visits) replacing single days."""
    overrides = overrides or {}
    rows = []
    for k in range(-70, 15):
        d = _day(k)
        v = value(d) + (lift if 1 <= k <= 7 else 0)
        rows.append((d, overrides.get(k, v)))
    return pl.DataFrame({"day": [r[0] for r in rows], "visits": [r[1] for r in rows]},
                        schema={"day": pl.Date, "visits": pl.Int64})


def test_baseline_constant_history_gives_exact_lift_and_collapsed_interval():
    res = baseline(_daily(), EVENT, set(), rng=np.random.default_rng(1))
    assert res is not None
    assert res.lift.estimate == 21.0
    # every bootstrap week is the same, so every draw is the same
    assert res.lift.low90 == res.lift.high90 == 21.0
    assert res.lift.low80 == res.lift.high80 == 21.0
    assert res.lift.se == 0.0
    assert res.days["day"].to_list() == WINDOW_DAYS
    assert res.days["observed"].to_list() == [13.0] * 7
    assert res.days["expected"].to_list() == [10.0] * 7
    assert res.days["low90"].to_list() == [10.0] * 7
    assert res.days["high90"].to_list() == [10.0] * 7
    # Each window day uses its own same weekday 1–8 weeks back that fall before the event day:
    # days 1–6 have all 8 (day 6 − 7 = −1 is still before), but week 1 of window day 7 is the
    # event day itself, which never counts as "before", so day 7 has 7; weeks_used is the fewest.
    assert res.weeks_used == 7
    assert res.holiday_in_window is False


def test_baseline_ignores_event_day_visits():
    """Day 0 (attendance) must not leak into the expected values."""
    res = baseline(_daily(overrides={0: 1000}), EVENT, set(), rng=np.random.default_rng(1))
    assert res is not None
    assert res.lift.estimate == 21.0
    assert res.days["expected"].to_list() == [10.0] * 7


def test_baseline_follows_the_weekday_pattern():
    def by_weekday(d: dt.date) -> int:
        return 20 if d.weekday() == 5 else 10

    res = baseline(_daily(by_weekday), EVENT, set(), rng=np.random.default_rng(1))
    assert res is not None
    expected = [float(by_weekday(d)) for d in WINDOW_DAYS]
    assert 20.0 in expected  # the window does cover a Saturday
    assert res.days["expected"].to_list() == expected
    assert res.days["observed"].to_list() == [e + 3 for e in expected]
    assert res.lift.estimate == 21.0
    assert res.lift.low90 == res.lift.high90 == 21.0


def test_baseline_excluded_day_is_left_out():
    # 100 visits on window day 3's weekday two weeks back (day 3 − 14 = −11)
    daily = _daily(overrides={-11: 100})
    kept = baseline(daily, EVENT, {_day(-11)}, rng=np.random.default_rng(1))
    assert kept is not None
    assert kept.lift.estimate == 21.0
    assert kept.days["expected"].to_list() == [10.0] * 7
    # only window day 3 loses a week (8 → 7); day 7 has 7 anyway (its week 1 is the event day),
    # so the fewest is still 7 — excluding a day no longer drops that week for every window day
    assert kept.weeks_used == 7
    assert kept.holiday_in_window is False

    polluted = baseline(daily, EVENT, set(), rng=np.random.default_rng(1))
    assert polluted is not None
    assert polluted.weeks_used == 7
    # window day 3 averages weeks 1–8 (days −4, −11, …, −53): (7 × 10 + 100) / 8 = 21.25;
    # the others stay at 10; lift = 7 × 13 − (6 × 10 + 21.25) = 91 − 81.25 = 9.75
    exp = polluted.days["expected"].to_list()
    assert exp[2] == 21.25
    assert exp[:2] + exp[3:] == [10.0] * 6
    assert polluted.lift.estimate == 9.75


def test_baseline_excluded_day_only_moves_its_own_window_day():
    # History 10 a day, except that the third week back of every window day is high: days
    # −20 … −15 (window days 1–6, k − 21) are 26 and day −14 (window day 7, 7 − 21) is 24.
    #   days 1–6: weeks 1–8 → (7 × 10 + 26) / 8 = 96 / 8 = 12
    #   day 7:    weeks 2–8 (week 1 is the event day) → (6 × 10 + 24) / 7 = 84 / 7 = 12
    overrides = {k: 26 for k in range(-20, -14)} | {-14: 24}
    daily = _daily(overrides=overrides)
    full = baseline(daily, EVENT, set(), rng=np.random.default_rng(1))
    assert full is not None
    assert full.days["expected"].to_list() == [12.0] * 7
    assert full.lift.estimate == 7.0  # 7 × (13 − 12)

    # Excluding day −18 (window day 3's week 3: 3 − 21) drops that week for day 3 only:
    #   day 3: weeks 1, 2, 4–8, all 10 → 70 / 7 = 10; every other day keeps its 12.
    #   lift = 6 × (13 − 12) + (13 − 10) = 9
    # (dropping week 3 for every window day, as the old baseline did, would give 10s and 21.)
    res = baseline(daily, EVENT, {_day(-18)}, rng=np.random.default_rng(1))
    assert res is not None
    assert res.days["expected"].to_list() == [12.0, 12.0, 10.0, 12.0, 12.0, 12.0, 12.0]
    assert res.lift.estimate == 9.0
    assert res.weeks_used == 7  # day 3 now 7, day 7 already 7, the rest 8
    assert res.holiday_in_window is False
    # the resampled weeks feed each day from its own usable weeks: day 3's are all 10, so its
    # band collapses, while the other days can still draw the 26/24 week or miss it
    low, high = res.days["low90"].to_list(), res.days["high90"].to_list()
    assert low[2] == high[2] == 10.0
    assert all(lo < hi for i, (lo, hi) in enumerate(zip(low, high, strict=True)) if i != 2)


def test_baseline_needs_four_usable_weeks():
    daily = _daily()
    # excluding window day 1's weeks 2, 3, 4 (days −13, −20, −27) leaves it weeks 1, 5–8 (5);
    # the other days keep theirs (day 7: 7), so the fewest is 5
    five = baseline(daily, EVENT, {_day(1 - 7 * w) for w in (2, 3, 4)}, rng=np.random.default_rng(1))
    assert five is not None
    assert five.weeks_used == 5
    assert five.lift.estimate == 21.0
    # window day 7's week 1 is the event day; knocking out its weeks 2, 3, 4 (days −7, −14, −21)
    # leaves weeks 5–8: exactly 4, which is enough
    four = baseline(daily, EVENT, {_day(7 - 7 * w) for w in (2, 3, 4)}, rng=np.random.default_rng(1))
    assert four is not None
    assert four.weeks_used == 4
    assert four.lift.estimate == 21.0
    assert four.lift.low90 == four.lift.high90 == 21.0
    # one more of day 7's weeks gone (day −28): 3 usable for that one day → no baseline at all
    assert baseline(daily, EVENT, {_day(7 - 7 * w) for w in (2, 3, 4, 5)}) is None
    # likewise for window day 1: weeks 1–5 (days −6 … −34) gone leaves it 3
    assert baseline(daily, EVENT, {_day(1 - 7 * w) for w in (1, 2, 3, 4, 5)}) is None


def test_baseline_short_history_is_none():
    # only 3 weeks of history before the event
    daily = _daily().filter(pl.col("day") >= _day(-21))
    assert baseline(daily, EVENT, set()) is None


def test_baseline_flags_a_holiday_in_the_window():
    res = baseline(_daily(), EVENT, {_day(4)}, rng=np.random.default_rng(1))
    assert res is not None
    assert res.holiday_in_window is True
    # a window day in `excluded` does not change the baseline weeks
    assert res.weeks_used == 7
    assert res.lift.estimate == 21.0


def _noisy_daily() -> pl.DataFrame:
    gen = np.random.default_rng(7)
    rows = {k: int(gen.poisson(10)) for k in range(-70, 15)}
    return _daily(lift=0, overrides={k: v + (5 if 1 <= k <= 7 else 0) for k, v in rows.items()})


def test_baseline_is_reproducible_and_interval_brackets_the_estimate():
    daily = _noisy_daily()
    a = baseline(daily, EVENT, set(), rng=np.random.default_rng(1))
    b = baseline(daily, EVENT, set(), rng=np.random.default_rng(1))
    assert a is not None and b is not None
    assert a.lift == b.lift
    assert a.days.equals(b.days)
    # the default generator is seeded too
    c = baseline(daily, EVENT, set())
    d = baseline(daily, EVENT, set())
    assert c is not None and d is not None
    assert c.lift == d.lift
    assert c.lift.estimate == a.lift.estimate
    lift = a.lift
    assert lift.low90 < lift.estimate < lift.high90
    assert lift.low90 <= lift.low80 <= lift.high80 <= lift.high90
    assert lift.se > 0
    # the point estimate is Σ(observed − expected), each window day's expected the plain mean of
    # its same weekday 1–8 weeks back that fall before the event day (weeks 1–8 for days 1–6,
    # weeks 2–8 for day 7)
    hist = {r["day"]: r["visits"] for r in daily.iter_rows(named=True)}
    weeks = {d: [d - dt.timedelta(weeks=w) for w in range(1, 9) if d - dt.timedelta(weeks=w) < EVENT]
             for d in WINDOW_DAYS}
    assert [len(weeks[d]) for d in WINDOW_DAYS] == [8, 8, 8, 8, 8, 8, 7]
    means = [sum(hist[p] for p in weeks[d]) / len(weeks[d]) for d in WINDOW_DAYS]
    assert a.days["expected"].to_list() == pytest.approx(means, rel=1e-12)
    want = sum(hist[d] - m for d, m in zip(WINDOW_DAYS, means, strict=True))
    assert lift.estimate == pytest.approx(want, rel=1e-12)
    assert a.weeks_used == 7
    assert (a.days["low90"] <= a.days["expected"]).all()
    assert (a.days["expected"] <= a.days["high90"]).all()


# ---- method C: member-level difference-in-differences --------------------------------------------

def _weekly(cid: str, treated: bool, r: int,
            extra: tuple[int, ...] | list[int] = ()) -> list[tuple[str, bool, dt.date | None]]:
    """A customer visiting once a week (days ≡ r mod 7, over days −70 … +7) plus the `extra` days."""
    days = {k for k in range(-70, 8) if k % 7 == r % 7} | set(extra)
    return [(cid, treated, _day(k)) for k in sorted(days)]


def _never(cid: str, treated: bool) -> list[tuple[str, bool, dt.date | None]]:
    return [(cid, treated, None)]


def _panel(rows: list[tuple[str, bool, dt.date | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"customer_id": pl.String, "treated": pl.Boolean, "day": pl.Date},
                        orient="row")


def _two_extra(r: int) -> list[int]:
    """Two window days (1–7) other than the customer's weekly visit day."""
    return [k for k in range(1, 8) if k % 7 != r % 7][:2]


def _base_rows(n_t: int = 20, n_c: int = 40) -> list[tuple[str, bool, dt.date | None]]:
    rows = []
    for i in range(n_t):
        r = i % 7 + 1
        rows += _weekly(f"t{i}", True, r, _two_extra(r))
    for i in range(n_c):
        rows += _weekly(f"c{i}", False, i % 7 + 1)
    return rows


def _assert_point(i: Interval, value: float):
    assert i.estimate == value
    assert i.low90 == i.high90 == i.low80 == i.high80 == value
    assert i.se == 0.0


def test_did_exact_att_with_collapsed_interval():
    res = did(_panel(_base_rows()), EVENT, rng=np.random.default_rng(1))
    assert res is not None
    # everyone has pre = 8 (stratum 8–10), pre rate 8 × 7/56 = 1; controls: 40 window visits over
    # 40 × 1 predicted → growth 1; treated: 3 window visits − 1 × 1 = 2
    _assert_point(res.att, 2.0)
    _assert_point(res.extra, 40.0)
    assert (res.treated, res.controls, res.unmatched) == (20, 40, 0)
    # nothing changed in the week before the event
    assert res.pretrend is not None
    _assert_point(res.pretrend, 0.0)


def test_did_controls_that_change_are_subtracted():
    rows = []
    for i in range(20):
        r = i % 7 + 1
        rows += _weekly(f"t{i}", True, r, _two_extra(r))
    for i in range(40):  # controls also come one extra day in the window
        r = i % 7 + 1
        rows += _weekly(f"c{i}", False, r, _two_extra(r)[:1])
    res = did(_panel(rows), EVENT, rng=np.random.default_rng(1))
    assert res is not None
    # controls: 80 window visits over 40 × 1 predicted → growth 2; treated: 3 − 1 × 2 = 1
    _assert_point(res.att, 1.0)
    _assert_point(res.extra, 20.0)


@pytest.mark.slow
def test_did_no_visit_customers_are_stratum_zero():
    rows = _base_rows() + [r for i in range(3) for r in _never(f"c0_{i}", False)]
    # a signed-up customer who never came at all: 0 window visits against stratum-0 controls' mean 0
    res = did(_panel(rows + _never("t_never", True)), EVENT, rng=np.random.default_rng(1))
    assert res is not None
    assert (res.treated, res.controls, res.unmatched) == (21, 43, 0)
    assert res.att.estimate == pytest.approx(40 / 21, rel=1e-12)
    assert res.extra.estimate == pytest.approx(40.0, rel=1e-12)

    # a signed-up customer with no pre-period visit but one window visit → stratum 0, effect 1
    newcomer = [("t_new", True, _day(3))]
    res = did(_panel(rows + newcomer), EVENT, rng=np.random.default_rng(1))
    assert res is not None
    assert (res.treated, res.unmatched) == (21, 0)
    assert res.att.estimate == pytest.approx(41 / 21, rel=1e-12)

    # a stratum-0 control who came in twice in the window: a pre rate of 0 predicts nothing, so a
    # pre = 0 signed-up customer is held to the stratum-0 controls' mean window visits, 2 / 4 = 0.5
    # (and the growth of stratum 0, whose pre rates sum to 0, must not turn that into 0 or NaN)
    walk_in = [("c0_new", False, _day(2)), ("c0_new", False, _day(5))]
    res = did(_panel(rows + walk_in + _never("t_never", True)), EVENT, rng=np.random.default_rng(1))
    assert res is not None
    assert (res.treated, res.controls, res.unmatched) == (21, 44, 0)
    # (20 × 2 + (0 − 0.5)) / 21
    assert res.att.estimate == pytest.approx(39.5 / 21, rel=1e-12)
    res = did(_panel(rows + walk_in + newcomer), EVENT, rng=np.random.default_rng(1))
    assert res is not None
    # (20 × 2 + (1 − 0.5)) / 21
    assert res.att.estimate == pytest.approx(40.5 / 21, rel=1e-12)


def test_did_unmatched_treated_are_counted_and_left_out():
    # no control ever has 0 pre-period visits, so the never-visiting signed-up customer has no match
    rows = _base_rows() + _never("t_never", True)
    # and one with a single pre-period visit (stratum 1) and 2 window visits: no control there either
    rows += [("t_once", True, _day(-30)), ("t_once", True, _day(2)), ("t_once", True, _day(5))]
    res = did(_panel(rows), EVENT, rng=np.random.default_rng(1))
    assert res is not None
    assert (res.treated, res.controls, res.unmatched) == (20, 40, 2)
    _assert_point(res.att, 2.0)
    _assert_point(res.extra, 40.0)


def test_did_strata_match_within_not_across():
    # stratum 8–10 (weekly visitors, pre 8, rate 1): controls' growth 4 / 4 = 1, treated 3 − 1 = 2
    # stratum 1 (one pre visit, rate 1/8): controls' growth 4 / (4 × 1/8) = 8, so a treated
    # customer's expected = 1/8 × 8 = 1 and their 2 window visits give 2 − 1 = 1
    # (pooling both strata would give growth 8 / 4.5 and a different answer)
    rows = _base_rows(n_t=4, n_c=4)
    for i in range(4):
        rows += [(f"t1_{i}", True, _day(-20 - i)), (f"t1_{i}", True, _day(2)), (f"t1_{i}", True, _day(6))]
        rows += [(f"c1_{i}", False, _day(-20 - i)), (f"c1_{i}", False, _day(4))]
    res = did(_panel(rows), EVENT, rng=np.random.default_rng(1))
    assert res is not None
    assert (res.treated, res.controls, res.unmatched) == (8, 8, 0)
    # (4 × 2 + 4 × 1) / 8 = 1.5
    assert res.att.estimate == pytest.approx(1.5, rel=1e-12)
    assert res.extra.estimate == pytest.approx(12.0, rel=1e-12)
    assert res.att.low90 <= res.att.estimate <= res.att.high90


def test_did_pretrend_picks_up_a_change_before_the_event():
    rows = []
    for i in range(20):
        r = i % 7 + 1
        # two extra visits in days −7 … −1 (and none in the window beyond the weekly one)
        extra = [k - 7 for k in _two_extra(r)]
        rows += _weekly(f"t{i}", True, r, extra)
    for i in range(40):
        rows += _weekly(f"c{i}", False, i % 7 + 1)
    res = did(_panel(rows), EVENT, rng=np.random.default_rng(1))
    assert res is not None
    assert res.pretrend is not None
    # placebo window −7 … −1 (pre-period −64 … −9): everyone pre 8, rate 1, stratum 8–10;
    # controls 1 visit each → growth 1; treated 3 visits − 1 × 1 = 2
    _assert_point(res.pretrend, 2.0)
    # main: treated pre = 10 (still stratum 8–10) → rate 10 × 7/56 = 1.25; controls pre 8, 1 window
    # visit → growth 1; treated 1 window visit − 1.25 × 1 = −0.25
    _assert_point(res.att, -0.25)


def _steady(cid: str, treated: bool, residues: set[int], window: int) -> list[tuple[str, bool, dt.date | None]]:
    """A customer coming in on days −70 … −1 whose k mod 7 is in `residues` (so len(residues)
    visit-days in every week, 8 × that in the 56-day pre-period) and on window days 1 … `window`."""
    days = [k for k in range(-70, 0) if k % 7 in residues] + list(range(1, window + 1))
    return [(cid, treated, _day(k)) for k in days]


@pytest.mark.slow
def test_did_multiplicative_holiday_is_not_credited_to_the_event():
    # A holiday lifts everyone's window visits to 1.5 × their pre rate; the event does nothing.
    # Signed-up customers come twice as often as controls, both in stratum 15+:
    #   treated: 4 days a week → pre 32, rate 32 × 7/56 = 4, window 1.5 × 4 = 6 visits
    #   controls: 2 days a week → pre 16, rate 16 × 7/56 = 2, window 1.5 × 2 = 3 visits
    # growth of the controls = (10 × 3) / (10 × 2) = 1.5; treated expected = 4 × 1.5 = 6 → ATT 0.
    rows = [r for i in range(5) for r in _steady(f"t{i}", True, {0, 1, 2, 3}, 6)]
    rows += [r for i in range(10) for r in _steady(f"c{i}", False, {0, 1}, 3)]
    panel = _panel(rows)

    # the panel is what the comment says, and a plain difference would credit the event with +1:
    # treated 6 − 4 = 2, controls 3 − 2 = 1, 2 − 1 = 1 visit-day per signed-up customer
    rel = (pl.col("day") - pl.lit(EVENT)).dt.total_days()
    per = panel.group_by("customer_id").agg(
        pl.col("treated").first(), pre=rel.is_between(-56, -1).sum(), post=rel.is_between(1, 7).sum())
    assert set(per.filter(pl.col("treated")).select("pre", "post").rows()) == {(32, 6)}
    assert set(per.filter(~pl.col("treated")).select("pre", "post").rows()) == {(16, 3)}
    assert stratum(32) == stratum(16) == 7
    plain = (6 - 32 * 7 / 56) - (3 - 16 * 7 / 56)
    assert plain == 1.0

    res = did(panel, EVENT, rng=np.random.default_rng(1))
    assert res is not None
    assert (res.treated, res.controls, res.unmatched) == (5, 10, 0)
    _assert_point(res.att, 0.0)
    _assert_point(res.extra, 0.0)
    # placebo (window −7 … −1, pre −64 … −9): treated 4 vs rate 4, controls 2 vs rate 2 → 0
    assert res.pretrend is not None
    _assert_point(res.pretrend, 0.0)


def test_did_none_without_treated_or_controls():
    only_controls = [r for i in range(5) for r in _weekly(f"c{i}", False, i + 1)]
    only_treated = [r for i in range(5) for r in _weekly(f"t{i}", True, i + 1)]
    assert did(_panel(only_controls), EVENT) is None
    assert did(_panel(only_treated), EVENT) is None
    # every signed-up customer unmatched → None too
    unmatched = _never("t0", True) + _weekly("c0", False, 1)
    assert did(_panel(unmatched), EVENT) is None


def _noisy_panel() -> pl.DataFrame:
    gen = np.random.default_rng(3)
    rows = []
    for i in range(60):
        treated = i < 20
        days = [k for k in range(-70, 8) if gen.random() < (0.25 if (treated and k >= 1) else 0.15)]
        rows += [(f"p{i}", treated, _day(k)) for k in days] or _never(f"p{i}", treated)
    return _panel(rows)


def _hand_att(panel: pl.DataFrame) -> tuple[float, int]:
    """The matched ATT computed independently, in plain Python: (ATT, matched signed-up)."""
    per: dict[str, dict] = {}
    for cid, treated, day in panel.iter_rows():
        c = per.setdefault(cid, {"treated": treated, "pre": 0, "post": 0})
        if day is not None:
            k = (day - EVENT).days
            c["pre"] += -56 <= k <= -1
            c["post"] += 1 <= k <= 7
    bands = [(0, 0), (1, 1), (2, 3), (4, 5), (6, 7), (8, 10), (11, 14), (15, 10**9)]

    def s(n: int) -> int:
        return next(i for i, (lo, hi) in enumerate(bands) if lo <= n <= hi)

    ctrl: dict[int, list[dict]] = {}
    for c in per.values():
        if not c["treated"]:
            ctrl.setdefault(s(c["pre"]), []).append(c)
    effects = []
    for c in per.values():
        band = ctrl.get(s(c["pre"]))
        if not c["treated"] or not band:
            continue
        if c["pre"] == 0:  # the stratum-0 controls' mean window visits
            expected = sum(x["post"] for x in band) / len(band)
        else:  # own pre rate × the stratum's controls' growth
            rates = sum(x["pre"] * 7 / 56 for x in band)
            growth = sum(x["post"] for x in band) / rates if rates > 0 else 1.0
            expected = c["pre"] * 7 / 56 * growth
        effects.append(c["post"] - expected)
    return sum(effects) / len(effects), len(effects)


def test_did_noisy_panel_estimate_and_interval():
    panel = _noisy_panel()
    a = did(panel, EVENT, rng=np.random.default_rng(1), draws=400)
    assert a is not None
    assert (a.treated + a.unmatched, a.controls) == (20, 40)
    att = a.att
    want, matched = _hand_att(panel)
    assert a.treated == matched
    assert att.estimate == pytest.approx(want, rel=1e-12)
    assert att.low90 < att.estimate < att.high90
    assert att.low90 <= att.low80 <= att.high80 <= att.high90
    assert att.se > 0
    assert a.extra.estimate == pytest.approx(att.estimate * a.treated, rel=1e-12)
    assert a.extra.se == pytest.approx(att.se * a.treated, rel=1e-12)
    assert a.pretrend is not None
    assert a.pretrend.low90 <= a.pretrend.high90


@pytest.mark.slow
def test_did_same_seed_same_interval():
    """The module promises "everything is seeded, so the same data gives the same figures"."""
    panel = _noisy_panel()
    runs = [did(panel, EVENT, rng=np.random.default_rng(1), draws=400) for _ in range(5)]
    assert all(r == runs[0] for r in runs)
    defaults = [did(panel, EVENT, draws=400) for _ in range(5)]
    assert all(r == defaults[0] for r in defaults)


def test_did_does_not_depend_on_row_order():
    panel = _noisy_panel()
    shuffled = panel.sample(fraction=1.0, shuffle=True, seed=5)
    a = did(panel, EVENT, rng=np.random.default_rng(1), draws=400)
    b = did(shuffled, EVENT, rng=np.random.default_rng(1), draws=400)
    assert a is not None and b is not None
    assert a.att.estimate == pytest.approx(b.att.estimate, rel=1e-12)
    assert a == b


# ---- verdict, MDE, strata, interval --------------------------------------------------------------

@pytest.mark.parametrize(("low90", "high90", "low80", "high80", "want"), [
    (0.5, 5.0, 1.0, 4.0, "clear_lift"),
    (-0.5, 5.0, 0.2, 4.0, "possible_lift"),
    (0.0, 5.0, 0.2, 4.0, "possible_lift"),     # low90 == 0 is not "whole interval above zero"
    (-1.0, 5.0, 0.0, 4.0, "no_difference"),
    (-1.0, 1.0, -0.5, 0.5, "no_difference"),
    (-5.0, -0.5, -4.0, -1.0, "clear_drop"),
    (-5.0, 0.5, -4.0, -0.2, "possible_drop"),
    (-5.0, 0.0, -4.0, -0.2, "possible_drop"),
    (-5.0, 1.0, -4.0, 0.0, "no_difference"),
])
def test_verdict(low90, high90, low80, high80, want):
    i = Interval((low90 + high90) / 2, low90, high90, low80, high80, 1.0)
    assert verdict(i) == want
    assert want in VERDICTS


def test_mde_is_z_times_se():
    for se in (0.0, 1.0, 2.5):
        assert mde(Interval(0.0, -1.0, 1.0, -0.5, 0.5, se)) == (1.645 + 0.842) * se
    assert mde(Interval(0.0, -1.0, 1.0, -0.5, 0.5, 2.0)) == pytest.approx(4.974)


@pytest.mark.parametrize(("pre", "want"), [
    (0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4), (7, 4), (8, 5), (10, 5),
    (11, 6), (14, 6), (15, 7), (56, 7),
])
def test_stratum(pre, want):
    assert stratum(pre) == want


def test_stratum_rejects_negative():
    with pytest.raises(ValueError):
        stratum(-1)


def test_interval_percentiles_and_se():
    draws = np.arange(1, 1001, dtype=float)
    i = interval(draws, 42.0)
    q = np.quantile(draws, [0.05, 0.95, 0.10, 0.90])
    assert i.estimate == 42.0
    assert (i.low90, i.high90, i.low80, i.high80) == tuple(float(x) for x in q)
    assert (i.low90, i.high90, i.low80, i.high80) == (50.95, 950.05, 100.9, 900.1)
    assert i.se == float(np.std(draws, ddof=1))
    assert all(isinstance(v, float) for v in (i.estimate, i.low90, i.high90, i.low80, i.high80, i.se))


def test_interval_degenerate_draws():
    empty = interval(np.array([]), 1.0)
    assert empty.estimate == 1.0
    assert all(math.isnan(v) for v in (empty.low90, empty.high90, empty.low80, empty.high80, empty.se))
    one = interval(np.array([3.0]), 3.0)
    assert (one.low90, one.high90, one.low80, one.high80) == (3.0, 3.0, 3.0, 3.0)
    assert math.isnan(one.se)


def test_default_bootstrap_size():
    assert BOOTSTRAP == 1999


# ---------------------------------------------------------------------------------------------
# pooling one type's events (docs/metrics.md §5.4): the mean with a between-event bootstrap


def test_pooled_needs_three_measured_events():
    assert pooled(np.array([1.0, 2.0])) is None
    assert pooled(np.array([1.0, 2.0, float("nan")])) is None
    assert pooled(np.array([1.0, 2.0, 3.0])) is not None


def test_pooled_identical_events_give_a_collapsed_interval():
    got = pooled(np.array([4.0, 4.0, 4.0, 4.0]))
    assert (got.estimate, got.low90, got.high90, got.se) == (4.0, 4.0, 4.0, 0.0)


def test_pooled_interval_matches_the_bootstrap_of_the_mean():
    """Three events 0, 3, 9: the mean is 4; a resample's mean takes the 10 values of the 3-multisets
    with known probabilities, so the 5% and 95% quantiles of 1999 draws are 1 and 7 (P(mean ≤ 1) =
    P(≤ 3 of the 0s and 3s summing ≤ 3) = 4/27 ≈ 0.148 > 0.05, P(mean < 1) = P(all 0) = 1/27 ≈ 0.037)."""
    got = pooled(np.array([9.0, 0.0, 3.0]))
    assert got.estimate == pytest.approx(4.0)
    assert (got.low90, got.high90) == (pytest.approx(1.0), pytest.approx(7.0))
    # the bootstrap SE of a mean of n draws is close to the population SD / sqrt(n)
    sd = np.array([9.0, 0.0, 3.0]).std()
    assert got.se == pytest.approx(sd / math.sqrt(3), rel=0.08)


def test_pooled_is_reproducible_and_order_free():
    x = np.array([2.5, -1.0, 7.0, 0.5, 3.0])
    assert pooled(x) == pooled(x[::-1]) == pooled(np.roll(x, 2))
    assert pooled(x, rng=np.random.default_rng(1)) != pooled(x)


def test_by_type_pools_each_type_with_three_events_once_each():
    from dashboard.core.analytics.events import by_type

    effects = pl.DataFrame({
        "event_id": ["a1", "a2", "a3", "a3", "b1", "b2", "c1", "c2", "c3", "d1"],
        "category": ["花艺", "花艺", "花艺", "花艺", "烘焙", "烘焙", None, None, None, "绘画"],
        "estimate": [9.0, 0.0, 3.0, 3.0, 5.0, 6.0, 1.0, 2.0, 3.0, None],
    })
    got = by_type(effects)
    assert got["category"].to_list() == ["花艺", "—"]           # 烘焙 has two events, 绘画 none measured
    assert got["events"].to_list() == [3, 3]                    # a3, announced in two chats, counts once
    flowers = pooled(np.array([9.0, 0.0, 3.0]))
    assert got.row(0, named=True) == {"category": "花艺", "events": 3, "estimate": flowers.estimate,
                                      "low90": flowers.low90, "high90": flowers.high90,
                                      "verdict": verdict(flowers)}


def test_forest_draws_the_best_type_first_with_its_events_under_it():
    from dashboard.charts.events import forest

    cols = ["label", "category", "estimate", "low90", "high90", "verdict", "verdict_text"]
    events = pl.DataFrame([["画 5-1", "绘画", 1.0, 0.0, 2.0, "no_difference", "看不出差别"],
                           ["花 5-2", "花艺", 3.0, 2.0, 4.0, "clear_lift", "明显提升"],
                           ["糕 5-3", "烘焙", 0.5, -1.0, 1.0, "no_difference", "看不出差别"]], schema=cols, orient="row")
    types = pl.DataFrame([["绘画 · 平均", "绘画", 1.0, 0.5, 1.5, "clear_lift", "明显提升"],
                          ["花艺 · 平均", "花艺", 3.0, 2.5, 3.5, "clear_lift", "明显提升"]], schema=cols, orient="row")
    fig = forest(events, types, {"extra": "x", "mean": "同类活动平均"})
    top_down = list(fig.layout.yaxis.categoryarray)[::-1]
    assert top_down == ["花艺 · 平均", "花 5-2", "绘画 · 平均", "画 5-1", "糕 5-3"]
    means = next(tr for tr in fig.data if tr.name == "同类活动平均")
    assert list(means.y) == ["绘画 · 平均", "花艺 · 平均"] and means.marker.symbol == "diamond"
