"""Cold spells and weekly silence (queries/cold_start/cold_spells.sql and silence_weeks.sql,
metrics.md §3.2), each against an independent computation in this file.

The gaps are rebuilt here in plain Python from the raw messages (tests/independent.py): waking
time is measured by walking the local days between two messages and adding up each day's overlap
with the waking window, not from the SQL's "waking clock"; the trailing 28-day quantile is a
hand-written linear interpolation over the earlier gaps; coverage comes from the imports table.
A hand-made chat pins the edge cases with the answers written out by hand."""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import independent
import polars as pl
import pytest
from conftest import rows
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


def _expected_spells(path: Path, wake_from: int = 8, wake_to: int = 22, min_hours: float = 4.0) -> list[Spell]:
    covered = {c: set(v) for c, v in _covered(path).items()}
    out: list[Spell] = []
    for chat, msgs in _active_by_chat(path).items():
        organic = [m for m in msgs if m.organic]
        # covered gaps between consecutive organic messages: (prev, this, index in organic, hours)
        gaps = [(p, m, i, _waking_hours(p.ts, m.ts, wake_from, wake_to))
                for i, (p, m) in enumerate(zip(organic, organic[1:], strict=False), start=1)
                if _all_covered(covered.get(chat, set()), p.ts, m.ts)]
        ends = [m.ts for _, m, _, _ in gaps]  # non-decreasing, as organic is in time order
        for p, m, i, hours in gaps:
            # the gaps that ended in [end - 28 days, end): strictly before this one's end
            earlier = [h for (_, n, _, h) in gaps[bisect_left(ends, m.ts - WINDOW):bisect_left(ends, m.ts)]
                       if n.ts >= m.ts - WINDOW]
            threshold = max(min_hours, _quantile(earlier, Q)) if earlier else min_hours
            if not hours > threshold:
                continue
            inside = [x for x in msgs if not x.organic and p.ts < x.ts < m.ts]
            if inside:
                ice = inside[-1]  # msgs is in (ts, msg_id) order
                breaker, cls, answered = ice.member_id, ice.member_class, m.ts - ice.ts <= REPLY
            else:
                later = [x for x in organic[i + 1:] if x.ts - m.ts <= REPLY]
                breaker, cls = m.member_id, m.member_class
                answered = any(x.member_id != m.member_id for x in later)
            out.append(Spell(chat, p.ts, m.ts, hours, threshold, breaker, cls, answered))
    return out


def _got_spells(path: Path, **params: object) -> list[Spell]:
    got = _run(path, "cold_start/cold_spells", **params)
    return [Spell(*r) for r in got.select("chat_id", "silent_from", "silent_to", "waking_hours", "threshold_hours",
                                          "breaker_id", "breaker_class", "answered").iter_rows()]


def _assert_same_spells(got: list[Spell], expected: list[Spell]) -> None:
    g = {(s.chat_id, s.silent_from, s.silent_to): s for s in got}
    e = {(s.chat_id, s.silent_from, s.silent_to): s for s in expected}
    assert len(g) == len(got) and len(e) == len(expected), "two spells share one silence"
    per_chat = lambda spells: sorted((c, sum(1 for s in spells if s.chat_id == c)) for c in {s.chat_id for s in spells})  # noqa: E731
    assert per_chat(got) == per_chat(expected)
    missing, extra = sorted(set(e) - set(g)), sorted(set(g) - set(e))
    assert not missing and not extra, f"{len(missing)} missing, e.g. {missing[:3]}; {len(extra)} extra, e.g. {extra[:3]}"
    for k, exp in e.items():
        s = g[k]
        assert s.waking_hours == pytest.approx(exp.waking_hours, abs=1e-9), k
        assert s.threshold_hours == pytest.approx(exp.threshold_hours, abs=1e-9), k
        assert (s.breaker_id, s.breaker_class, s.answered) == (exp.breaker_id, exp.breaker_class, exp.answered), k
