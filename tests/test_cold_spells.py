"""Cold spells and weekly silence (queries/cold_start/cold_spells.sql and silence_weeks.sql,
docs/metrics.md §3.2), each against an independent computation in this file.

The gaps are rebuilt here in plain Python from the raw messages (tests/independent.py): waking
time is measured by walking the local days between two messages and adding up each day's overlap
with the waking window, not from the SQL's "waking clock"; the trailing 28-day quantile is a
hand-written linear interpolation over the earlier gaps; coverage comes from the imports table.
A hand-made chat pins the edge cases with the answers written out by hand."""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import independent
import polars as pl
import pytest
from approx import close
from handmade import declare as _declare
from handmade import ingest_chat as _ingest_chat
from independent import DAY, ORGANIC, TZ
from independent import monday as _monday

from dashboard.core import db, queries

_messages = cache(independent.messages)
_covered = cache(independent.covered)

D = dt.date.fromisoformat
WINDOW = dt.timedelta(days=28)
REPLY = dt.timedelta(minutes=60)
Q = 0.95


def _run(path: Path, name: str, **params: object) -> pl.DataFrame:
    with db.reader(path) as con:
        return queries.run(con, name, **params)


def _at(s: str) -> dt.datetime:
    """A local wall-clock time written in a test, as an aware instant."""
    return dt.datetime.fromisoformat(s).replace(tzinfo=TZ)


# ---------------------------------------------------------------------------------------------
# the independent computation


@dataclass(frozen=True)
class Msg:
    ts: dt.datetime  # aware
    msg_id: str
    member_id: str
    member_class: str

    @property
    def organic(self) -> bool:
        return self.member_class in ORGANIC


@dataclass(frozen=True)
class Spell:
    chat_id: str
    silent_from: dt.datetime
    silent_to: dt.datetime
    waking_hours: float
    threshold_hours: float
    breaker_id: str
    breaker_class: str
    answered: bool


def _active_by_chat(path: Path) -> dict[str, list[Msg]]:
    """Active messages with a sender, per chat, in (ts, msg_id) order."""
    msgs = _messages(path).filter(pl.col("active") & pl.col("member_id").is_not_null())
    out: dict[str, list[Msg]] = defaultdict(list)
    for chat, ts, msg_id, member, cls in msgs.select("chat_id", "ts", "msg_id", "member_id",
                                                     "member_class").iter_rows():
        out[chat].append(Msg(ts, msg_id, member, cls))
    for v in out.values():
        v.sort(key=lambda m: (m.ts, m.msg_id))
    return out


def _waking_hours(start: dt.datetime, end: dt.datetime, wake_from: int, wake_to: int) -> float:
    """Waking time between two instants: for every local day from start's to end's, the overlap of
    [start, end] with that day's wake_from:00–wake_to:00, summed."""
    a, b = start.astimezone(TZ).replace(tzinfo=None), end.astimezone(TZ).replace(tzinfo=None)
    total = dt.timedelta(0)
    day = a.date()
    while day <= b.date():
        midnight = dt.datetime.combine(day, dt.time())
        lo = max(a, midnight + dt.timedelta(hours=wake_from))
        hi = min(b, midnight + dt.timedelta(hours=wake_to))
        if hi > lo:
            total += hi - lo
        day += DAY
    return total / dt.timedelta(hours=1)


def _quantile(values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default, DuckDB's quantile_cont)."""
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def _all_covered(days: set[dt.date], start: dt.datetime, end: dt.datetime) -> bool:
    d, last = start.astimezone(TZ).date(), end.astimezone(TZ).date()
    while d <= last:
        if d not in days:
            return False
        d += DAY
    return True


@cache
def _expected_spells(path: Path, wake_from: int = 8, wake_to: int = 22, min_hours: float = 4.0) -> list[Spell]:
    """docs/metrics.md §3.2 and the cold_spells.sql header, step by step."""
    covered = {c: set(v) for c, v in _covered(path).items()}
    out: list[Spell] = []
    for chat, msgs in _active_by_chat(path).items():
        times = [m.ts for m in msgs]
        organic = [m for m in msgs if m.organic]
        # covered gaps between consecutive organic messages: (previous, this, this one's index, waking hours)
        gaps = [(p, m, i, _waking_hours(p.ts, m.ts, wake_from, wake_to))
                for i, (p, m) in enumerate(pairwise(organic), start=1)
                if _all_covered(covered.get(chat, set()), p.ts, m.ts)]
        ends = [m.ts for _, m, _, _ in gaps]  # non-decreasing, as organic is in time order
        for p, m, i, hours in gaps:
            # the gaps that ended in [end - 28 days, end): strictly before this one's end
            earlier = [h for _, _, _, h in gaps[bisect_left(ends, m.ts - WINDOW):bisect_left(ends, m.ts)]]
            threshold = max(min_hours, _quantile(earlier, Q)) if earlier else min_hours
            if not hours > threshold:
                continue
            # non-organic messages strictly inside the silence; the last one broke it
            inside = [x for x in msgs[bisect_right(times, p.ts):bisect_left(times, m.ts)] if not x.organic]
            if inside:
                ice = inside[-1]
                breaker, cls, answered = ice.member_id, ice.member_class, m.ts - ice.ts <= REPLY
            else:
                # the organic member who spoke first; answered when another organic member posted within the hour
                breaker, cls = m.member_id, m.member_class
                answered = any(x.member_id != m.member_id for x in organic[i + 1:] if x.ts - m.ts <= REPLY)
            out.append(Spell(chat, p.ts, m.ts, hours, threshold, breaker, cls, answered))
    return out


def _got_spells(path: Path, **params: object) -> list[Spell]:
    got = _run(path, "cold_start/cold_spells", **params)
    return [Spell(*r) for r in got.select("chat_id", "silent_from", "silent_to", "waking_hours", "threshold_hours",
                                          "breaker_id", "breaker_class", "answered").iter_rows()]


def _key(s: Spell) -> tuple:
    return s.chat_id, s.silent_from, s.silent_to


def _assert_same_spells(got: list[Spell], expected: list[Spell]) -> None:
    """Same silences per chat, waking hours and thresholds to 1e-9, same breaker and answer."""
    g, e = {_key(s): s for s in got}, {_key(s): s for s in expected}
    assert len(g) == len(got), "the query returned one silence twice"
    count = lambda spells: sorted(Counter(s.chat_id for s in spells).items())  # noqa: E731
    assert count(got) == count(expected)
    missing, extra = sorted(set(e) - set(g)), sorted(set(g) - set(e))
    assert not missing and not extra, f"{len(missing)} missing, e.g. {missing[:3]}; {len(extra)} extra, e.g. {extra[:3]}"
    for k, exp in e.items():
        s = g[k]
        assert s.waking_hours == pytest.approx(exp.waking_hours, rel=0, abs=1e-9), k
        assert s.threshold_hours == pytest.approx(exp.threshold_hours, rel=0, abs=1e-9), k
        assert (s.breaker_id, s.breaker_class) == (exp.breaker_id, exp.breaker_class), k
        assert s.answered == exp.answered, k


def _expected_weeks(path: Path, wake_from: int = 8, wake_to: int = 22) -> list[tuple]:
    """(chat, week, covered days, silence ratio, silent days, longest silent run) over covered days:
    hours heard = distinct waking hour bins with an active organic message; a silent day has none at all."""
    msgs = _messages(path).filter(pl.col("active") & pl.col("member_class").is_in(ORGANIC))
    heard: dict[tuple[str, dt.date], set[int]] = defaultdict(set)
    spoke: set[tuple[str, dt.date]] = set()
    for chat, day, hour in msgs.select("chat_id", "day", "hour").iter_rows():
        spoke.add((chat, day))
        if wake_from <= hour < wake_to:
            heard[(chat, day)].add(hour)
    weeks: dict[tuple[str, dt.date], list[dt.date]] = defaultdict(list)
    for chat, days in _covered(path).items():
        for d in days:
            weeks[(chat, _monday(d))].append(d)
    out = []
    for (chat, week), days in sorted(weeks.items()):
        silent = [d for d in days if (chat, d) not in spoke]
        quiet, longest, run = set(silent), 0, 0
        for d in days:  # in day order; an uncovered day between two silent ones ends the run
            run = (run + 1 if d - DAY in quiet else 1) if d in quiet else 0
            longest = max(longest, run)
        hours = sum(len(heard[(chat, d)]) for d in days)
        out.append((chat, week, len(days), 1 - hours / (len(days) * (wake_to - wake_from)), len(silent), longest))
    return out


def _got_weeks(path: Path, **params: object) -> list[tuple]:
    got = _run(path, "cold_start/silence_weeks", **params)
    return got.select("chat_id", "week", "covered_days", "silence_ratio", "silent_days",
                      "longest_silent_days").rows()


# ---------------------------------------------------------------------------------------------
# the sample scenario


@pytest.mark.slow
def test_demo_cold_spells_match_python(demo_db: Path) -> None:
    expected = _expected_spells(demo_db)
    # the scenario must exercise every branch, or the comparison proves little
    assert {s.breaker_class for s in expected} >= {"customer", "staff", "alt"}
    assert {s.answered for s in expected} == {True, False}
    assert any(s.threshold_hours > 4 for s in expected) and any(s.threshold_hours == 4 for s in expected)
    _assert_same_spells(_got_spells(demo_db), expected)


@pytest.mark.slow
def test_demo_cold_spells_with_other_waking_hours_and_floor(demo_db: Path) -> None:
    params = {"wake_from": 9, "wake_to": 21, "min_hours": 3.0}
    expected = _expected_spells(demo_db, **params)
    default = {_key(s) for s in _expected_spells(demo_db)}
    # the parameters must change the answer: a 3-hour floor lets in silences the 4-hour one kept out
    assert {_key(s) for s in expected} - default
    assert any(3 < s.waking_hours <= 4 and s.threshold_hours == 3 for s in expected)
    _assert_same_spells(_got_spells(demo_db, **params), expected)


@pytest.mark.slow
def test_demo_silence_weeks_match_python(demo_db: Path) -> None:
    for params in ({}, {"wake_from": 9, "wake_to": 21}):
        expected = _expected_weeks(demo_db, **params)
        assert any(r[4] for r in expected), "no week with a silent day: the streak columns go untested"
        got = _got_weeks(demo_db, **params)
        assert sorted(got) == [close(r, rel=0) for r in sorted(expected)]


# ---------------------------------------------------------------------------------------------
# a hand-made chat with planted silences


def _cold_chat(path: Path, folder: Path) -> None:
    """冷场群: customers 甲 乙 丙 and 店员小美 (declared staff), in two exports: 03-03…03-04 and
    04-07…04-14. Nothing covers 03-05…04-06. On 04-08 only staff speaks; 04-09, 04-11 and 04-13 are
    covered days with no message at all."""
    _ingest_chat(path, folder, "part1.csv", "冷场群", [
        ("2025-03-03 08:30:00", "乙", "wxid_b", "早"),
        ("2025-03-03 09:00:00", "甲", "wxid_a", "早安"),
        ("2025-03-03 15:30:00", "丙", "wxid_c", "有人吗"),
        ("2025-03-03 15:50:00", "甲", "wxid_a", "在"),
        ("2025-03-03 21:30:00", "乙", "wxid_b", "晚安"),
        ("2025-03-04 08:30:00", "甲", "wxid_a", "早"),
    ], ids="a")
    _ingest_chat(path, folder, "part2.csv", "冷场群", [
        ("2025-04-07 09:00:00", "甲", "wxid_a", "回来了"),
        ("2025-04-07 09:10:00", "乙", "wxid_b", "欢迎回来"),
        ("2025-04-07 11:00:00", "店员小美", "wxid_staff", "下午上新"),
        ("2025-04-07 14:00:00", "店员小美", "wxid_staff", "新品到了"),
        ("2025-04-07 14:20:00", "丙", "wxid_c", "想要"),
        ("2025-04-07 14:25:00", "甲", "wxid_a", "我也要"),
        ("2025-04-07 20:00:00", "乙", "wxid_b", "晚安"),
        ("2025-04-08 10:00:00", "店员小美", "wxid_staff", "早安"),
        ("2025-04-08 16:00:00", "店员小美", "wxid_staff", "今天有人来吗"),
        ("2025-04-10 10:00:00", "丙", "wxid_c", "我来了"),
        ("2025-04-10 10:30:00", "甲", "wxid_a", "欢迎"),
        ("2025-04-12 09:30:00", "甲", "wxid_a", "周末愉快"),
        ("2025-04-14 08:00:00", "乙", "wxid_b", "早"),
    ], ids="b")
    _declare(path, folder, ["冷场群,wxid_staff,店员小美,店员,,,,,"])


@pytest.fixture
def cold_db(tmp_path: Path) -> Path:
    path = tmp_path / "db.duckdb"
    _cold_chat(path, tmp_path)
    return path


def _member(path: Path, wxid: str) -> str:
    with db.reader(path) as con:
        return con.execute("select member_id from members where platform_key = $k", {"k": wxid}).fetchone()[0]


@pytest.mark.slow
def test_planted_cold_spells(cold_db: Path) -> None:
    """Every organic gap of 冷场群 with its waking hours (08:00–22:00) and threshold
    max(4, p95 of the covered gaps that ended in the 28 days before), worked out by hand:

    03-03 08:30→09:00 0.5 h (no earlier gap: threshold 4)
    03-03 09:00→15:30 6.5 h > 4 (p95 of [0.5] = 0.5): a spell, broken by 丙, 甲 answers at 15:50
    03-03 15:30→15:50 1/3 h
    03-03 15:50→21:30 17/3 h, over 4 but under the chat's own p95 of [1/3, 0.5, 6.5] = 0.5 + 0.9·6 = 5.9
    03-03 21:30→03-04 08:30 one waking hour (21:30–22:00, 08:00–08:30): the night does not count
    03-04 08:30→04-07 09:00 runs across 03-05…04-06, which no export covers: left out, and so never
      an earlier gap of what follows (it would be a spell of 476.5 h and lift every threshold in April)
    04-07 09:00→09:10 1/6 h (nothing covered in the 28 days before: threshold 4)
    04-07 09:10→14:20 31/6 h > 4: a spell; staff spoke at 11:00 and 14:00, the last (14:00) broke it
      and 丙 answered 20 minutes later
    04-07 14:20→14:25 1/12 h
    04-07 14:25→20:00 67/12 h > p95 of [1/12, 1/6, 31/6] = 1/6 + 0.9·5 = 14/3: a spell broken by 乙,
      nobody else spoke within the hour
    04-07 20:00→04-10 10:00 2 + 14 + 14 + 2 = 32 h > p95 of [1/12, 1/6, 31/6, 67/12]
      = 31/6 + 0.85·5/12 = 265/48: a spell; staff's 04-08 16:00 message broke it, unanswered for 42 h
    04-10 10:00→10:30 0.5 h
    04-10 10:30→04-12 09:30 11.5 + 14 + 1.5 = 27 h > p95 of [1/12, 1/6, 1/2, 31/6, 67/12, 32]
      = 67/12 + 0.75·(32 − 67/12) = 1219/48: a spell broken by 甲, unanswered
    04-12 09:30→04-14 08:00 12.5 + 14 + 0 = 26.5 h, under p95 of [1/12, 1/6, 1/2, 31/6, 67/12, 27, 32]
      = 27 + 0.7·5 = 30.5: not a spell
    """
    a, b, c, staff = (_member(cold_db, w) for w in ("wxid_a", "wxid_b", "wxid_c", "wxid_staff"))
    expected = [
        ("2025-03-03 09:00", "2025-03-03 15:30", 6.5, 4.0, c, "customer", True),
        ("2025-04-07 09:10", "2025-04-07 14:20", 31 / 6, 4.0, staff, "staff", True),
        ("2025-04-07 14:25", "2025-04-07 20:00", 67 / 12, 14 / 3, b, "customer", False),
        ("2025-04-07 20:00", "2025-04-10 10:00", 32.0, 265 / 48, staff, "staff", False),
        ("2025-04-10 10:30", "2025-04-12 09:30", 27.0, 1219 / 48, a, "customer", False),
    ]
    got = _run(cold_db, "cold_start/cold_spells")
    assert got.select("chat_name").to_series().to_list() == ["冷场群"] * 5
    assert got.select("silent_from", "silent_to", "waking_hours", "threshold_hours", "breaker_id", "breaker_class",
                      "answered").rows() == [
        close((_at(f), _at(t), h, th, who, cls, ans), rel=0, abs_=1e-9)
        for f, t, h, th, who, cls, ans in expected]
    # the week a spell is counted in is the Monday of its end
    assert got["week"].to_list() == [D("2025-03-03"), D("2025-04-07"), D("2025-04-07"), D("2025-04-07"),
                                     D("2025-04-07")]
    # and the independent computation used on the sample scenario agrees with the hand-worked answer
    _assert_same_spells(_got_spells(cold_db), _expected_spells(cold_db))


@pytest.mark.slow
def test_planted_silence_weeks(cold_db: Path) -> None:
    """Hours heard = distinct waking hour bins holding an organic message; staff messages never count.
    08:00–22:00 (14 bins a day):
      week of 03-03: 03-03 heard at 8, 9, 15, 21 and 03-04 at 8 → 1 − 5/(2·14); no silent day
      week of 04-07: 04-07 at 9, 14, 20; 04-10 at 10; 04-12 at 9 → 1 − 5/(7·14); silent 04-08 (staff
        only), 04-09, 04-11, 04-13: four days, the longest run two (04-08, 04-09)
      week of 04-14: 04-14 at 8 → 1 − 1/14
    09:00–21:00 (12 bins): 08:30, 21:30 and 08:00 fall outside, yet those days are still not silent:
      03-03 at 9, 15 → 1 − 2/24; 04-07 week → 1 − 5/84; 04-14 → 1 − 0/12."""
    def weeks(**params: object) -> list[tuple]:
        got = _run(cold_db, "cold_start/silence_weeks", **params)
        return got.select("chat_name", "week", "covered_days", "silence_ratio", "silent_days",
                          "longest_silent_days").rows()

    assert weeks() == [
        ("冷场群", D("2025-03-03"), 2, pytest.approx(1 - 5 / 28, rel=0, abs=1e-12), 0, 0),
        ("冷场群", D("2025-04-07"), 7, pytest.approx(1 - 5 / 98, rel=0, abs=1e-12), 4, 2),
        ("冷场群", D("2025-04-14"), 1, pytest.approx(1 - 1 / 14, rel=0, abs=1e-12), 0, 0),
    ]
    assert weeks(wake_from=9, wake_to=21) == [
        ("冷场群", D("2025-03-03"), 2, pytest.approx(1 - 2 / 24, rel=0, abs=1e-12), 0, 0),
        ("冷场群", D("2025-04-07"), 7, pytest.approx(1 - 5 / 84, rel=0, abs=1e-12), 4, 2),
        ("冷场群", D("2025-04-14"), 1, pytest.approx(1.0, rel=0, abs=1e-12), 0, 0),
    ]
    # the independent computation agrees with the hand-worked answer too
    for params in ({}, {"wake_from": 9, "wake_to": 21}):
        assert sorted(_got_weeks(cold_db, **params)) == [
            close(r, rel=0) for r in sorted(_expected_weeks(cold_db, **params))]


# ---------------------------------------------------------------------------------------------
# answers and clocks at the edges


@pytest.mark.slow
def test_an_organic_breaker_is_answered_by_anyone_else_within_the_hour(tmp_path: Path) -> None:
    """乙 breaks a 5-hour silence at 14:00, adds a line at 14:05, and 甲 replies at 14:30."""
    path = tmp_path / "db.duckdb"
    _ingest_chat(path, tmp_path, "chat.csv", "答话群", [
        ("2025-03-03 09:00:00", "甲", "wxid_a", "早"),
        ("2025-03-03 14:00:00", "乙", "wxid_b", "有人吗"),
        ("2025-03-03 14:05:00", "乙", "wxid_b", "想问个事"),
        ("2025-03-03 14:30:00", "甲", "wxid_a", "在的"),
    ])
    got = _run(path, "cold_start/cold_spells")
    assert got.select("silent_from", "silent_to", "breaker_id", "breaker_class", "answered").rows() == [
        (_at("2025-03-03 09:00"), _at("2025-03-03 14:00"), _member(path, "wxid_b"), "customer", True)]


# exports with millisecond times (generic CSV, ChatLab, Discord): 4 h 0.5 s is over the 4-hour floor


@pytest.mark.slow
def test_a_silence_just_over_the_floor_counts_to_the_millisecond(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    _ingest_chat(path, tmp_path, "chat.csv", "毫秒群", [
        ("2025-03-03 09:00:00.000", "甲", "wxid_a", "早"),
        ("2025-03-03 13:00:00.500", "乙", "wxid_b", "在"),
    ])
    expected = _expected_spells(path)
    assert [(s.silent_to, s.waking_hours) for s in expected] == [
        (_at("2025-03-03 13:00:00.500"), 4 + 0.5 / 3600)]  # the Python side sees it
    _assert_same_spells(_got_spells(path), expected)
