"""The Activity and Overview named queries (queries/activity, queries/overview), run through
dashboard.core.queries.run, each against an independent computation in this file: over the raw
`messages` (with member classes recomputed from `roles`), or, where a metric's input is a rollup
already checked against raw data in tests/test_rollups.py, over that rollup (`questions` for the
Kaplan–Meier estimates, `chat_members` for who was present and the join-week cohorts).

The sample scenario checks the figures at scale; small hand-made exports pin the edge cases with
the right answers written out: a member who joins mid-window, a gap in coverage, a day with only
staff messages, a question never answered, and chats that should raise each alert."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from fractions import Fraction
from functools import cache
from itertools import pairwise
from pathlib import Path

import independent
import polars as pl
import pytest
from approx import close, same
from conftest import rows
from handmade import declare as _declare
from handmade import ingest_chat as _ingest_chat
from independent import DAY, GAPS, ORGANIC, TRUTH
from independent import frame as _frame
from independent import local_day as _local_day
from independent import monday as _monday
from independent import month as _month

from dashboard.core import db, queries

_classes = cache(independent.classes)
_messages = cache(independent.messages)
_covered = cache(independent.covered)

LADDER = (10, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400)
D = dt.date.fromisoformat



# ---------------------------------------------------------------------------------------------
# running and comparing


def _run(path: Path, name: str, **params: object) -> pl.DataFrame:
    with db.reader(path) as con:
        return queries.run(con, name, **params)


def _keyed(records: Iterable[dict], key: tuple[str, ...]) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    for r in records:
        k = tuple(r[c] for c in key)
        assert k not in out, f"two rows for {k}"
        out[k] = r
    return out


def _assert_rows(got: pl.DataFrame, expected: list[dict], key: tuple[str, ...], what: str) -> None:
    """The query's rows, keyed, equal the expected ones: same keys, and on every expected column the
    same value (floats to a relative 1e-9)."""
    g, e = _keyed(got.to_dicts(), key), _keyed(expected, key)
    missing, extra = sorted(set(e) - set(g), key=repr), sorted(set(g) - set(e), key=repr)
    assert not missing and not extra, f"{what}: {len(missing)} rows missing, e.g. {missing[:3]}; " \
                                      f"{len(extra)} unexpected, e.g. {extra[:3]}"
    for k, exp in e.items():
        for c, want in exp.items():
            assert same(g[k][c], want), f"{what} {k} {c}: {g[k][c]!r} != {want!r}"


def _approx_rows(expected: list[tuple], rel: float = 1e-9) -> list:
    """Rows (tuples) to compare with ==, numbers to a relative tolerance, the rest exactly."""
    return [close(t, rel=rel) for t in expected]


START_OF: dict[str, Callable[[dt.date], dt.date]] = {"day": lambda d: d, "week": _monday, "month": _month}


def _in(d: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or d >= start) and (end is None or d <= end)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _mean(values: list) -> float | None:
    return sum(values) / len(values) if values else None


# ---------------------------------------------------------------------------------------------
# independent inputs: raw messages with classes, covered days, and the chat_members roster


def _active(path: Path, organic: bool) -> pl.DataFrame:
    msgs = _messages(path).filter(pl.col("active"))
    return msgs.filter(pl.col("member_class").is_in(ORGANIC)) if organic else msgs


@cache
def _roster(path: Path) -> list[dict]:
    """The chat_members rollup (checked against the raw tables in tests/test_rollups.py)."""
    return _frame(path, """select chat_id, member_id, member_class, is_organic, entered_on, entered_approx, predates,
                                  cast(left_at as date) as left_on, activated, spoke_week_1, spoke_week_2,
                                  spoke_week_4, spoke_week_8
                           from chat_members""").to_dicts()


def _speaker_days(path: Path, organic: bool) -> dict[str, dict[dt.date, set[str]]]:
    out: dict[str, dict[dt.date, set[str]]] = defaultdict(lambda: defaultdict(set))
    for chat, member, day in (_active(path, organic).filter(pl.col("member_id").is_not_null())
                              .select("chat_id", "member_id", "day").iter_rows()):
        out[chat][day].add(member)
    return out


def _said(path: Path, organic: bool, start: dt.date | None, end: dt.date | None) -> dict[tuple[str, str], list]:
    """(chat, member) → the local days of each active message they sent in [start, end]."""
    out: dict[tuple[str, str], list] = defaultdict(list)
    for chat, member, day in (_active(path, organic).filter(pl.col("member_id").is_not_null())
                              .select("chat_id", "member_id", "day").iter_rows()):
        if _in(day, start, end):
            out[(chat, member)].append(day)
    return out


def _bounds(path: Path, chat: str, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    days = _covered(path)[chat]
    return start or days[0], end or days[-1]


def _chat_id(path: Path, name: str) -> str:
    return rows(path, "select chat_id from chats where name = $n", {"n": name})[0][0]


def _member(path: Path, name: str, chat: str) -> str:
    return rows(path, "select member_id from member_names where name = $n and chat_id = $c",
                {"n": name, "c": chat})[0][0]


# ---------------------------------------------------------------------------------------------
# 1. messages and speakers per day, week and month


def _expected_periods(path: Path, period: str, organic: bool, start: dt.date | None,
                      end: dt.date | None) -> list[dict]:
    """One row per chat and period containing a covered day in [start, end]; the period is whole:
    its covered days, messages and distinct speakers over all of it."""
    start_of = START_OF[period]
    msgs = _active(path, organic)
    n_msgs = Counter((c, start_of(d)) for c, d in msgs.select("chat_id", "day").iter_rows())
    speakers: dict[tuple, set] = defaultdict(set)
    for c, m, d in msgs.filter(pl.col("member_id").is_not_null()).select("chat_id", "member_id", "day").iter_rows():
        speakers[(c, start_of(d))].add(m)
    out = []
    for chat, days in _covered(path).items():
        n_days = Counter(start_of(d) for d in days)
        for p in sorted({start_of(d) for d in days if _in(d, start, end)}):
            out.append(dict(chat_id=chat, period_start=p, covered_days=n_days[p], messages=n_msgs[(chat, p)],
                            speakers=len(speakers[(chat, p)])))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("organic", [False, True])
@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_period_activity_matches_raw_messages(demo_db: Path, period: str, organic: bool) -> None:
    # a window starting on a Wednesday mid-month and ending on a Saturday: the first and last week and month are whole
    start, end = D("2025-06-11"), D("2025-09-20")
    got = _run(demo_db, "activity/period_activity", period=period, organic=organic, start=start, end=end)
    expected = _expected_periods(demo_db, period, organic, start, end)
    _assert_rows(got, expected, ("chat_id", "period_start"), f"period_activity {period}")
    assert got["period_start"].min() == START_OF[period](start)
    if period != "day":
        # VIP老客群 covers all of the week of 06-09 and the month of June: the first period is whole
        vip = got.filter((pl.col("chat_name") == "VIP老客群") & (pl.col("period_start") == START_OF[period](start)))
        assert vip["covered_days"].to_list() == [7 if period == "week" else 30]
    # over the whole range, without a window
    full = _run(demo_db, "activity/period_activity", period=period, organic=organic)
    _assert_rows(full, _expected_periods(demo_db, period, organic, None, None), ("chat_id", "period_start"),
                 f"period_activity {period}, no window")


def test_period_activity_organic_leaves_out_staff_and_alts(demo_db: Path) -> None:
    everyone = _run(demo_db, "activity/period_activity", period="month")
    organic = _run(demo_db, "activity/period_activity", period="month", organic=True)
    non_organic = _messages(demo_db).filter(pl.col("active") & ~pl.col("member_class").is_in(ORGANIC)).height
    assert non_organic > 0
    assert everyone["messages"].sum() - organic["messages"].sum() == non_organic
    # one chat and month by hand: distinct speakers of 新手妈妈群 in July 2025
    chat = _chat_id(demo_db, "新手妈妈群")
    july = _active(demo_db, False).filter((pl.col("chat_id") == chat) & (pl.col("day").dt.month() == 7))
    row = everyone.filter((pl.col("chat_id") == chat) & (pl.col("period_start") == D("2025-07-01"))).row(0, named=True)
    assert (row["covered_days"], row["messages"], row["speakers"]) == (
        31, july.height, july["member_id"].drop_nulls().n_unique())


# ---------------------------------------------------------------------------------------------
# 2. hour × weekday, and the kind mix


def _expected_heatmap(path: Path, organic: bool, start: dt.date | None, end: dt.date | None,
                      chat_ids: list[str] | None = None) -> list[dict]:
    msgs = _messages(path).filter(pl.col("active"))
    if chat_ids is not None:
        msgs = msgs.filter(pl.col("chat_id").is_in(chat_ids))
    cells: Counter = Counter()
    for day, hour, cls in msgs.select("day", "hour", "member_class").iter_rows():
        if not _in(day, start, end):
            continue
        who = "staff" if cls == "staff" else "members"
        if who == "members" and organic and cls not in ORGANIC:
            continue
        cells[(who, day.isoweekday(), hour)] += 1
    covered = sum(1 for c, days in _covered(path).items() if chat_ids is None or c in chat_ids
                  for d in days if _in(d, start, end))
    weeks = covered / 7
    totals = Counter()
    for (who, _, _), n in cells.items():
        totals[who] += n
    return [dict(who=who, weekday=wd, hour=h, messages=cells[(who, wd, h)],
                 per_week=cells[(who, wd, h)] / weeks if weeks else None,
                 share=_share(cells[(who, wd, h)], totals[who]))
            for who in ("members", "staff") for wd in range(1, 8) for h in range(24)]


@pytest.mark.parametrize("organic", [False, True])
def test_hour_weekday_matches_raw_messages(demo_db: Path, organic: bool) -> None:
    start, end = D("2025-07-01"), D("2025-08-31")
    got = _run(demo_db, "activity/hour_weekday", organic=organic, start=start, end=end)
    assert got.height == 2 * 7 * 24
    _assert_rows(got, _expected_heatmap(demo_db, organic, start, end), ("who", "weekday", "hour"), "hour_weekday")
    for who in ("members", "staff"):
        assert got.filter(pl.col("who") == who)["share"].sum() == pytest.approx(1.0)
    # per week = messages ÷ (covered chat-days ÷ 7): three chats cover all 62 days of July and August
    assert got["messages"].sum() / got["per_week"].sum() == pytest.approx(3 * 62 / 7)


def test_hour_weekday_one_chat_no_window(demo_db: Path) -> None:
    chat = _chat_id(demo_db, "福利群")
    got = _run(demo_db, "activity/hour_weekday", chat_ids=[chat], organic=True)
    _assert_rows(got, _expected_heatmap(demo_db, True, None, None, [chat]), ("who", "weekday", "hour"),
                 "hour_weekday 福利群")


def _expected_kinds(path: Path, period: str, organic: bool, start: dt.date | None, end: dt.date | None) -> list[dict]:
    cells: Counter = Counter()
    for day, kind in _active(path, organic).select("day", "kind").iter_rows():
        if _in(day, start, end):
            cells[(START_OF[period](day), kind)] += 1
    totals: Counter = Counter()
    for (p, _), n in cells.items():
        totals[p] += n
    return [dict(period_start=p, kind=k, messages=n, share=n / totals[p]) for (p, k), n in cells.items()]


@pytest.mark.parametrize(("period", "organic"), [("week", False), ("week", True), ("month", False), ("month", True)])
def test_kind_mix_matches_raw_messages(demo_db: Path, period: str, organic: bool) -> None:
    start, end = D("2025-06-04"), D("2025-09-27")
    got = _run(demo_db, "activity/kind_mix", period=period, organic=organic, start=start, end=end)
    _assert_rows(got, _expected_kinds(demo_db, period, organic, start, end), ("period_start", "kind"), "kind_mix")
    for total in got.group_by("period_start").agg(pl.col("share").sum())["share"]:
        assert total == pytest.approx(1.0)
    assert {"text", "image", "sticker", "voice", "quote"} <= set(got["kind"])
    assert not {"system", "recall"} & set(got["kind"])


# ---------------------------------------------------------------------------------------------
# 3. members


def _expected_members(path: Path, organic: bool, start: dt.date | None, end: dt.date | None) -> list[dict]:
    """Everyone in chat_members present at some time in the window (entered by its end, not gone
    before its start), with what they said in it, from raw messages."""
    said = _said(path, organic, start, end)
    out = []
    for m in _roster(path):
        if organic and not m["is_organic"]:
            continue
        win_start, win_end = _bounds(path, m["chat_id"], start, end)
        if m["entered_on"] is not None and m["entered_on"] > win_end:
            continue
        if m["left_on"] is not None and m["left_on"] < win_start:
            continue
        days = said.get((m["chat_id"], m["member_id"]), [])
        last = max(days) if days else None
        out.append(dict(chat_id=m["chat_id"], member_id=m["member_id"], member_class=m["member_class"],
                        messages=len(days), active_days=len(set(days)), first_spoke=min(days) if days else None,
                        last_spoke=last, days_since_spoke=(win_end - last).days if last else None,
                        left_on=m["left_on"], is_lurker=not days))
    return out


@pytest.mark.parametrize(("organic", "start", "end"), [
    (False, None, None), (True, None, None), (False, "2025-08-15", "2025-09-30"), (True, "2025-07-01", "2025-07-28")])
def test_members_match_raw_messages(demo_db: Path, organic: bool, start: str | None, end: str | None) -> None:
    s, e = (D(start) if start else None), (D(end) if end else None)
    got = _run(demo_db, "activity/members", organic=organic, start=s, end=e)
    _assert_rows(got, _expected_members(demo_db, organic, s, e), ("chat_id", "member_id"), "members")
    assert got.filter(pl.col("is_lurker")).height > 0 and got.filter(~pl.col("is_lurker")).height > 0


def test_speakers_per_chat_equal_the_planted_truth(demo_db: Path) -> None:
    got = _run(demo_db, "activity/members").filter(pl.col("messages") > 0).group_by("chat_name").len()
    assert dict(got.iter_rows()) == {c["name"]: c["speakers"] for c in TRUTH["chats"].values()}
    # organic: the truth leaves out every alt account, and so does the app: the declared ones and
    # the one it suspects (suspected alts leave the organic figures by default)
    got = _run(demo_db, "activity/members", organic=True).filter(pl.col("messages") > 0).group_by("chat_name").len()
    assert dict(got.iter_rows()) == {c["name"]: c["organic_speakers"] for c in TRUTH["chats"].values()}
    assert [a["declared_in_members_csv"] for a in TRUTH["alt_accounts"]] == [True, False]


@pytest.mark.parametrize("breaker", TRUTH["rule_breakers"], ids=lambda b: b["name"])
def test_members_joined_after_or_left_before_the_window_are_absent(demo_db: Path, breaker: dict) -> None:
    """A rule breaker joins and is removed the same day: absent from a window ending the day before,
    absent from one starting the day after, present with their three messages on the day itself."""
    chat = _chat_id(demo_db, breaker["chat"])
    member = _member(demo_db, breaker["name"], chat)
    day = D(breaker["joined_at"][:10])
    assert D(breaker["removed_at"][:10]) == day

    def present(start: dt.date, end: dt.date) -> list[dict]:
        frame = _run(demo_db, "activity/members", chat_ids=[chat], start=start, end=end)
        return frame.filter(pl.col("member_id") == member).to_dicts()

    assert present(day - 10 * DAY, day - DAY) == []
    assert present(day + DAY, day + 10 * DAY) == []
    (row,) = present(day - 3 * DAY, day + 3 * DAY)
    assert (row["messages"], row["active_days"], row["first_spoke"], row["last_spoke"], row["days_since_spoke"],
            row["left_on"], row["exit_kind"], row["is_lurker"]) == (
        len(breaker["violations"]), 1, day, day, 3, day, "remove", False)


# ---------------------------------------------------------------------------------------------
# 4. participation inequality and the Lorenz curve


def _present_whole_window(path: Path, organic: bool, start: dt.date | None,
                          end: dt.date | None) -> dict[str, list[float]]:
    """chat → active messages in the window of each member present for all of it (entered by its
    first day, not gone before its last), lurkers as 0."""
    said = _said(path, organic, start, end)
    out: dict[str, list[float]] = defaultdict(list)
    for m in _roster(path):
        if organic and not m["is_organic"]:
            continue
        win_start, win_end = _bounds(path, m["chat_id"], start, end)
        if (m["entered_on"] is None or m["entered_on"] <= win_start) and (m["left_on"] is None
                                                                           or m["left_on"] >= win_end):
            out[m["chat_id"]].append(float(len(said.get((m["chat_id"], m["member_id"]), []))))
    return out


def _inequality(x: list[float]) -> dict:
    """docs/metrics.md §2.5 over one chat's members, zeros included."""
    n, total = len(x), sum(x)
    up, down = sorted(x), sorted(x, reverse=True)
    gini = 2 * sum(i * v for i, v in enumerate(up, start=1)) / (n * total) - (n + 1) / n if total else None
    top10 = sum(down[:math.ceil(0.1 * n)]) / total if total else None
    top1 = sum(down[:max(1, math.ceil(0.01 * n))]) / total if total else None
    hill = math.exp(-sum(v / total * math.log(v / total) for v in x if v > 0)) if total else None
    absence = None
    if total:
        running = 0.0
        for k, v in enumerate(down, start=1):
            running += v
            if running >= 0.5 * total:
                absence = k
                break
    lurkers = sum(1 for v in x if v == 0)
    return dict(members=n, speakers=n - lurkers, lurkers=lurkers, lurker_ratio=lurkers / n, messages=int(total),
                gini=gini, top10_share=top10, top1_share=top1, effective_speakers=hill, absence_factor=absence)


def _expected_participation(path: Path, organic: bool, start: dt.date | None, end: dt.date | None) -> list[dict]:
    out = []
    for chat, x in _present_whole_window(path, organic, start, end).items():
        win_start, win_end = _bounds(path, chat, start, end)
        out.append(dict(chat_id=chat, win_start=win_start, win_end=win_end, **_inequality(x)))
    return out


def _lorenz(x: list[float]) -> list[tuple[float, float]]:
    """(member share, message share) from the quietest up, one point per percent of members and the last."""
    n, total = len(x), sum(x)
    if not total:
        return []
    points, running = [], 0.0
    for i, v in enumerate(sorted(x), start=1):
        running += v
        if i == n or i * 100 // n > (i - 1) * 100 // n:
            points.append((i / n, running / total))
    return points


WINDOWS = [(None, None), ("2025-07-01", "2025-07-28"), ("2025-09-01", "2025-10-31")]


@pytest.mark.parametrize("organic", [False, True])
@pytest.mark.parametrize(("start", "end"), WINDOWS)
def test_participation_matches_raw_messages(demo_db: Path, organic: bool, start: str | None, end: str | None) -> None:
    s, e = (D(start) if start else None), (D(end) if end else None)
    got = _run(demo_db, "activity/participation", organic=organic, start=s, end=e)
    expected = _expected_participation(demo_db, organic, s, e)
    _assert_rows(got, expected, ("chat_id",), "participation")
    assert len(expected) == 3
    for r in got.iter_rows(named=True):
        assert 0 < r["gini"] < 1 and 1 <= r["effective_speakers"] <= r["speakers"]
        assert r["top1_share"] <= r["top10_share"] <= 1


@pytest.mark.parametrize("organic", [False, True])
@pytest.mark.parametrize(("start", "end"), WINDOWS)
def test_lorenz_matches_raw_messages(demo_db: Path, organic: bool, start: str | None, end: str | None) -> None:
    s, e = (D(start) if start else None), (D(end) if end else None)
    got = _run(demo_db, "activity/participation", organic=organic, start=s, end=e)
    for chat, x in _present_whole_window(demo_db, organic, s, e).items():
        mine = got.filter(pl.col("chat_id") == chat).row(0, named=True)
        points = list(zip(mine["lorenz_members"], mine["lorenz_messages"], strict=True))
        assert points == _approx_rows(_lorenz(x)), chat
        assert points[-1] == pytest.approx((1.0, 1.0))
        assert len(points) <= 101 and len(points) == min(len(x), 100)
        assert all(a[0] < b[0] and a[1] <= b[1] for a, b in pairwise(points))
        # the curve lies on or under the diagonal
        assert all(y <= m + 1e-12 for m, y in points)


# ---------------------------------------------------------------------------------------------
# 5. conversations


def _conversations(path: Path) -> dict[int, list[dict]]:
    """gap → every conversation (chat, start day, messages, minutes, speakers, organic speakers,
    starter class, drew an organic reply), cutting each chat's active messages, in (ts, msg_id)
    order, wherever the silence exceeds the gap."""
    msgs = _messages(path).filter(pl.col("active")).sort("chat_id", "ts", "msg_id")
    by_chat: dict[str, list[dict]] = defaultdict(list)
    for m in msgs.iter_rows(named=True):
        by_chat[m["chat_id"]].append(m)
    out: dict[int, list[dict]] = {}
    for gap in GAPS:
        convs = []
        for chat, chat_msgs in by_chat.items():
            runs: list[list[dict]] = []
            for i, m in enumerate(chat_msgs):
                if i == 0 or (m["ts"] - chat_msgs[i - 1]["ts"]).total_seconds() > gap * 60:
                    runs.append([])
                runs[-1].append(m)
            for run in runs:
                first = run[0]
                people = {m["member_id"] for m in run if m["member_id"] is not None}
                organic = {m["member_id"] for m in run if m["member_id"] is not None and m["member_class"] in ORGANIC}
                convs.append(dict(
                    chat_id=chat, day=_local_day(first["ts"]), n=len(run),
                    minutes=(run[-1]["ts"] - first["ts"]).total_seconds() / 60, speakers=len(people),
                    organic_speakers=len(organic), starter_class=first["member_class"],
                    replied=any(m["member_class"] in ORGANIC and m["member_id"] != first["member_id"] for m in run)))
        out[gap] = convs
    return out


def _conversation_figures(convs: list[dict], organic: bool) -> dict:
    two = [1.0 if (c["organic_speakers"] if organic else c["speakers"]) >= 2 else 0.0 for c in convs]
    return dict(conversations=len(convs), median_messages=statistics.median(c["n"] for c in convs),
                median_minutes=statistics.median(c["minutes"] for c in convs), share_two_speakers=_mean(two),
                share_staff_started=_mean([1.0 if c["starter_class"] == "staff" else 0.0 for c in convs]))


def _expected_conversations_daily(path: Path, gap: int, organic: bool, start: dt.date | None, end: dt.date | None,
                                  chat_ids: list[str] | None = None) -> list[dict]:
    convs = [c for c in _conversations(path)[gap]
             if _in(c["day"], start, end) and (chat_ids is None or c["chat_id"] in chat_ids)]
    by_day: dict[dt.date, list[dict]] = defaultdict(list)
    for c in convs:
        by_day[c["day"]].append(c)
    days = {d for c, ds in _covered(path).items() if chat_ids is None or c in chat_ids for d in ds if _in(d, start, end)}
    empty = dict(conversations=0, median_messages=None, median_minutes=None, share_two_speakers=None,
                 share_staff_started=None)
    return [dict(day=d, **(_conversation_figures(by_day[d], organic) if by_day[d] else empty)) for d in sorted(days)]


def _expected_conversation_summary(path: Path, organic: bool, start: dt.date | None, end: dt.date | None,
                                   by_chat: bool = True) -> list[dict]:
    """Per chat and gap, or (by_chat false) per gap over every chat together (chat_id None)."""
    out = []
    for gap, convs in _conversations(path).items():
        grouped: dict[str | None, list[dict]] = defaultdict(list)
        for c in convs:
            if _in(c["day"], start, end):
                grouped[c["chat_id"] if by_chat else None].append(c)
        for chat, mine in grouped.items():
            covered = sum(1 for c, days in _covered(path).items() if chat in (None, c) for d in days if _in(d, start, end))
            staff = [1.0 if c["replied"] else 0.0 for c in mine if c["starter_class"] == "staff"]
            out.append(dict(chat_id=chat, gap_minutes=gap, per_day=len(mine) / covered, staff_started_replied=_mean(staff),
                            **_conversation_figures(mine, organic)))
    return out


@pytest.mark.parametrize("organic", [False, True])
@pytest.mark.parametrize("gap", GAPS)
def test_conversations_daily_match_raw_segmentation(demo_db: Path, gap: int, organic: bool) -> None:
    start, end = D("2025-05-20"), D("2025-08-10")
    got = _run(demo_db, "activity/conversations_daily", gap_minutes=gap, organic=organic, start=start, end=end)
    expected = _expected_conversations_daily(demo_db, gap, organic, start, end)
    _assert_rows(got, expected, ("day",), f"conversations_daily gap {gap}")
    assert got.height == (end - start).days + 1


def test_conversations_daily_one_chat_whole_range(demo_db: Path) -> None:
    chat = _chat_id(demo_db, "新手妈妈群")
    got = _run(demo_db, "activity/conversations_daily", chat_ids=[chat], organic=True)
    expected = _expected_conversations_daily(demo_db, 30, True, None, None, [chat])
    _assert_rows(got, expected, ("day",), "conversations_daily 新手妈妈群")
    assert got["day"].min() == D("2025-06-02") and got.height == 152
    assert got["share_two_speakers"].drop_nulls().n_unique() > 2


@pytest.mark.slow
@pytest.mark.parametrize("organic", [False, True])
@pytest.mark.parametrize(("start", "end"), [(None, None), ("2025-06-15", "2025-07-31")])
def test_conversation_summary_matches_raw_segmentation(demo_db: Path, organic: bool, start: str | None,
                                                       end: str | None) -> None:
    s, e = (D(start) if start else None), (D(end) if end else None)
    got = _run(demo_db, "activity/conversation_summary", organic=organic, start=s, end=e)
    expected = _expected_conversation_summary(demo_db, organic, s, e)
    _assert_rows(got, expected, ("chat_id", "gap_minutes"), "conversation_summary")
    assert got.height == 3 * len(GAPS)
    together = _run(demo_db, "activity/conversation_summary", organic=organic, start=s, end=e, by_chat=False)
    _assert_rows(together, _expected_conversation_summary(demo_db, organic, s, e, by_chat=False),
                 ("chat_id", "gap_minutes"), "conversation_summary, chats together")
    assert together.height == len(GAPS) and together["chat_id"].null_count() == len(GAPS)
    for gap in GAPS:
        assert together.filter(pl.col("gap_minutes") == gap)["conversations"].item() == (
            got.filter(pl.col("gap_minutes") == gap)["conversations"].sum())
    # a longer silence threshold merges conversations
    for chat in got["chat_id"].unique():
        counts = got.filter(pl.col("chat_id") == chat).sort("gap_minutes")["conversations"].to_list()
        assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


# ---------------------------------------------------------------------------------------------
# 6. time to first response: Kaplan–Meier over the questions rollup


def _km(sample: list[tuple[float, bool]]) -> list[tuple[float, Fraction]]:
    """(t, S(t)) at each distinct time: S(t) = product over times u ≤ t of (1 − answered at u ÷ at risk
    at u), at risk = questions whose time (answer, or censoring) is ≥ u. Exact fractions, so S(t) = 1/2
    is 1/2 and not a rounding error either side of it."""
    curve, s = [], Fraction(1)
    for t in sorted({t for t, _ in sample}):
        at_risk = sum(1 for u, _ in sample if u >= t)
        answered = sum(1 for u, e in sample if u == t and e)
        s *= Fraction(at_risk - answered, at_risk)
        curve.append((t, s))
    return curve


def _survival(curve: list[tuple[float, Fraction]], t: float) -> Fraction:
    return min((s for u, s in curve if u <= t), default=Fraction(1))


def _expected_response(qs: list[dict]) -> dict:
    sample = [(q["answered_s"] if q["answered_s"] is not None else q["observed_s"], q["answered_s"] is not None)
              for q in qs]
    curve = _km(sample)

    def first_below(level: Fraction) -> float | None:
        return next((t for t, s in curve if s <= level), None)

    def median_by(cls: str) -> float | None:
        times = [q["answered_s"] for q in qs if q["responder_class"] == cls]
        return statistics.median(times) if times else None

    by = Counter(q["responder_class"] for q in qs)
    answered = sum(1 for _, e in sample if e)
    return dict(questions=len(qs), answered=answered, unanswered=len(qs) - answered, by_staff=by["staff"],
                by_alt=by["alt"], by_expert=by["expert"], by_customer=by["customer"],
                median_staff_s=median_by("staff"), median_expert_s=median_by("expert"),
                median_customer_s=median_by("customer"), median_s=first_below(Fraction(1, 2)),
                p90_s=first_below(Fraction(1, 10)), within_3m=float(1 - _survival(curve, 180)),
                within_30m=float(1 - _survival(curve, 1800)), within_24h=float(1 - _survival(curve, 86400)),
                curve_t=list(LADDER), curve_answered=[float(1 - _survival(curve, t)) for t in LADDER])


def _expected_response_times(path: Path, organic: bool, start: dt.date | None, end: dt.date | None) -> list[dict]:
    qs = [q for q in _frame(path, """select chat_id, day, asker_class, observed_s, answered_s, responder_class
                                     from questions""").to_dicts()
          if _in(q["day"], start, end) and (not organic or q["asker_class"] in ORGANIC)]
    by_chat: dict[str, list[dict]] = defaultdict(list)
    for q in qs:
        by_chat[q["chat_id"]].append(q)
    out = [dict(chat_id=chat, **_expected_response(mine)) for chat, mine in by_chat.items()]
    if qs:
        out.append(dict(chat_id=None, **_expected_response(qs)))
    return out


@pytest.mark.parametrize("organic", [False, True])
@pytest.mark.parametrize(("start", "end"), [(None, None), ("2025-07-01", "2025-07-31"), ("2025-10-25", "2025-10-31")])
def test_response_times_match_a_python_kaplan_meier(demo_db: Path, organic: bool, start: str | None,
                                                    end: str | None) -> None:
    s, e = (D(start) if start else None), (D(end) if end else None)
    got = _run(demo_db, "activity/response_times", organic=organic, start=s, end=e)
    expected = _expected_response_times(demo_db, organic, s, e)
    _assert_rows(got, expected, ("chat_id",), "response_times")
    assert got.height == 4 and got["chat_id"][0] is None  # the selected chats together come first
    combined = got.row(0, named=True)
    assert combined["questions"] == got["questions"][1:].sum()
    alone = _run(demo_db, "activity/response_times", organic=organic, start=s, end=e, by_chat=False)
    assert alone.to_dicts() == [combined], "without per-chat rows the chats-together row is unchanged"
    # the curve never falls and ends at the 24 h share
    assert combined["curve_answered"] == sorted(combined["curve_answered"])
    assert combined["curve_answered"][-1] == pytest.approx(combined["within_24h"])


def test_response_times_demo_spread(demo_db: Path) -> None:
    """The sample has answered and unanswered questions and answers from every class but alts: the
    estimate is not degenerate, and a short window still gives a finite median."""
    expected = {r["chat_id"]: r for r in _expected_response_times(demo_db, False, None, None)}
    combined = expected[None]
    assert combined["unanswered"] > 0 and combined["by_staff"] and combined["by_expert"] and combined["by_customer"]
    assert combined["median_s"] is not None and combined["p90_s"] is None  # over a fifth never answered
    got = _run(demo_db, "activity/response_times").row(0, named=True)
    assert (got["median_s"], got["p90_s"]) == (combined["median_s"], None)


# ---------------------------------------------------------------------------------------------
# 7. join-week cohorts


def _expected_cohorts(path: Path, organic: bool, start: dt.date | None, end: dt.date | None) -> list[dict]:
    last = {c: days[-1] for c, days in _covered(path).items()}
    by_week: dict[dt.date, list[dict]] = defaultdict(list)
    for m in _roster(path):
        if m["entered_on"] is None or not _in(m["entered_on"], start, end) or (organic and not m["is_organic"]):
            continue
        if m["predates"]:  # there before the export began: not a cohort of joiners
            continue
        by_week[_monday(m["entered_on"])].append(m)
    out = []
    for week, members in by_week.items():
        row = dict(cohort_week=week, members=len(members), approximate=sum(1 for m in members if m["entered_approx"]),
                   activated=_mean([1.0 if m["activated"] else 0.0 for m in members
                                    if m["entered_on"] + 6 * DAY <= last[m["chat_id"]]]))
        for k in (1, 2, 4, 8):
            # week w + k counts only when the chat's coverage reaches its Sunday
            row[f"week_{k}"] = _mean([1.0 if m[f"spoke_week_{k}"] else 0.0 for m in members
                                      if week + (7 * k + 6) * DAY <= last[m["chat_id"]]])
        out.append(row)
    return out


@pytest.mark.parametrize("organic", [False, True])
@pytest.mark.parametrize(("start", "end"), [(None, None), ("2025-06-01", "2025-09-30")])
def test_join_cohorts_match_chat_members(demo_db: Path, organic: bool, start: str | None, end: str | None) -> None:
    s, e = (D(start) if start else None), (D(end) if end else None)
    got = _run(demo_db, "activity/join_cohorts", organic=organic, start=s, end=e)
    expected = _expected_cohorts(demo_db, organic, s, e)
    _assert_rows(got, expected, ("cohort_week",), "join_cohorts")
    assert all(w.weekday() == 0 for w in got["cohort_week"])


@pytest.mark.slow
def test_join_cohorts_eligibility_near_the_end_of_the_export(tmp_path: Path) -> None:
    """Export from Monday 03-03 to Sunday 03-23. Cohort 03-03: week 1 (03-10…03-16) and week 2
    (03-17…03-23) are covered to their Sunday, week 4 is not (null). Cohort 03-17: activation needs
    7 days of coverage after joining (03-17 + 6 = 03-23 is covered), week 1 is null. The export opens
    with the group's founding batch, so 甲 and 乙 joined (they do not predate it)."""
    path = tmp_path / "db.duckdb"
    _ingest_chat(path, tmp_path, "chat.csv", "队列群", [
        ("2025-03-03 08:59:00", "", "", '你邀请"甲"、"乙"加入了群聊'),
        ("2025-03-03 09:00:00", "甲", "wxid_a", "开张"),
        ("2025-03-03 09:10:00", "乙", "wxid_b", "来了"),
        ("2025-03-11 09:00:00", "甲", "wxid_a", "第二周"),
        ("2025-03-17 09:00:00", "", "", '"甲"邀请"丙"加入了群聊'),
        ("2025-03-17 09:05:00", "", "", '"甲"邀请"丁"加入了群聊'),
        ("2025-03-18 10:00:00", "丙", "wxid_c", "大家好"),
        ("2025-03-23 20:00:00", "甲", "wxid_a", "周末愉快"),
    ])
    got = _run(path, "activity/join_cohorts").to_dicts()
    assert got == [
        dict(cohort_week=D("2025-03-03"), members=2, approximate=0, activated=1.0, week_1=0.5, week_2=0.5,
             week_4=None, week_8=None),
        dict(cohort_week=D("2025-03-17"), members=2, approximate=0, activated=0.5, week_1=None, week_2=None,
             week_4=None, week_8=None),
    ]
    assert got == sorted(_expected_cohorts(path, False, None, None), key=lambda r: r["cohort_week"])


# ---------------------------------------------------------------------------------------------
# 8. chats side by side, chat cards, coverage gaps and alerts


def _members_on(path: Path, chat: str, organic: bool, first: dt.date, last: dt.date) -> int:
    """Members in the chat at some time in [first, last]: entered by last, not gone before first."""
    return sum(1 for m in _roster(path) if m["chat_id"] == chat and (m["is_organic"] or not organic)
               and (m["entered_on"] is None or m["entered_on"] <= last)
               and (m["left_on"] is None or m["left_on"] >= first))


def _window_speakers(by_day: dict[dt.date, set[str]], day: dt.date, n: int) -> int:
    return len(set().union(*(by_day.get(day - k * DAY, set()) for k in range(n))))


def _expected_comparison(path: Path, organic: bool, start: dt.date | None, end: dt.date | None) -> list[dict]:
    msgs = _active(path, organic)
    n_msgs = Counter(msgs.select("chat_id", "day").iter_rows())
    speakers = _speaker_days(path, organic)
    out = []
    for chat, all_days in _covered(path).items():
        days = [d for d in all_days if _in(d, start, end)]
        if not days:
            continue
        by_day, last = speakers[chat], days[-1]
        messages = sum(n_msgs[(chat, d)] for d in days)
        mau28 = _window_speakers(by_day, last, 28)
        # mean DAU over the covered days among the last 7 (as in speakers_rolling, reaching back before start)
        dau_7 = _mean([len(by_day.get(d, ())) for d in all_days if last - 6 * DAY <= d <= last])
        wau = _window_speakers(by_day, last, 7)
        out.append(dict(chat_id=chat, covered_days=len(days), messages=messages, messages_per_day=messages / len(days),
                        mean_dau=_mean([len(by_day.get(d, ())) for d in days]),
                        members=_members_on(path, chat, organic, last, last), wau=wau, mau28=mau28,
                        speaker_rate_weekly=_share(wau, _members_on(path, chat, organic, last - 6 * DAY, last)),
                        stickiness=_share(dau_7, mau28)))
    return out


@pytest.mark.parametrize("organic", [False, True])
@pytest.mark.parametrize(("start", "end"), [(None, None), ("2025-06-10", "2025-09-15")])
def test_chat_comparison_matches_raw_messages(demo_db: Path, organic: bool, start: str | None, end: str | None) -> None:
    s, e = (D(start) if start else None), (D(end) if end else None)
    got = _run(demo_db, "activity/chat_comparison", organic=organic, start=s, end=e)
    _assert_rows(got, _expected_comparison(demo_db, organic, s, e), ("chat_id",), "chat_comparison")
    assert got.height == 3


def test_chat_comparison_stickiness_over_a_short_window_is_the_rolling_one(demo_db: Path) -> None:
    """Stickiness on the window's last day is the mean DAU of that day's last 7 days ÷ MAU28, "same
    definitions as" speakers_rolling, whose windows reach back before $start: a three-day window must
    not average three days only."""
    start, end = D("2025-08-13"), D("2025-08-15")
    got = _run(demo_db, "activity/chat_comparison", start=start, end=end)
    rolling = _run(demo_db, "activity/speakers_rolling", start=end, end=end)
    assert dict(zip(got["chat_id"], got["stickiness"], strict=True)) == pytest.approx(
        dict(zip(rolling["chat_id"], rolling["stickiness"], strict=True)))
    _assert_rows(got, _expected_comparison(demo_db, False, start, end), ("chat_id",), "chat_comparison, 3 days")


def _expected_cards(path: Path, organic: bool, end: dt.date | None) -> list[dict]:
    msgs = _active(path, organic)
    n_msgs = Counter(msgs.select("chat_id", "day").iter_rows())
    totals = Counter(_messages(path)["chat_id"])
    speakers = _speaker_days(path, organic)
    imports = rows(path, "select chat_ids, coalesce(exporter_name, exporter_account) from imports")
    out = []
    for chat, days in _covered(path).items():
        upto = [d for d in days if end is None or d <= end]
        anchor, by_day = upto[-1], speakers[chat]
        earlier_7 = [d for d in days if d <= anchor - 7 * DAY]
        earlier_28 = [d for d in days if d <= anchor - 28 * DAY]
        prev_28 = [d for d in days if anchor - 56 * DAY < d <= anchor - 28 * DAY]
        wau = _window_speakers(by_day, anchor, 7)
        who = sorted({name for chats, name in imports if chat in chats and name is not None})
        out.append(dict(
            chat_id=chat, as_of=anchor, members=_members_on(path, chat, organic, anchor, anchor),
            messages=totals[chat], speakers_7d=wau,
            speakers_7d_prev=_window_speakers(by_day, earlier_7[-1], 7) if earlier_7 else None,
            speakers_28d=_window_speakers(by_day, anchor, 28),
            speakers_28d_prev=_window_speakers(by_day, earlier_28[-1], 28) if earlier_28 else None,
            messages_28d=sum(n_msgs[(chat, d)] for d in days if anchor - 28 * DAY < d <= anchor),
            messages_prev_28d=sum(n_msgs[(chat, d)] for d in prev_28) if prev_28 else None,
            speaker_rate=_share(wau, _members_on(path, chat, organic, anchor - 6 * DAY, anchor)),
            first_day=days[0], last_day=days[-1], covered_days=len(days),
            gap_days=(days[-1] - days[0]).days + 1 - len(days), exporters="、".join(who) or None,
            n_imports=sum(1 for chats, _ in imports if chat in chats)))
    return out


@pytest.mark.parametrize("organic", [False, True])
@pytest.mark.parametrize("end", [None, "2025-09-15", "2025-06-20"])
def test_chat_cards_match_raw_messages(demo_db: Path, organic: bool, end: str | None) -> None:
    e = D(end) if end else None
    got = _run(demo_db, "overview/chat_cards", organic=organic, end=e)
    _assert_rows(got, _expected_cards(demo_db, organic, e), ("chat_id",), "chat_cards")


def test_chat_cards_members_equal_the_planted_truth(demo_db: Path) -> None:
    """On the last covered day every chat holds its planted members less those removed."""
    got = _run(demo_db, "overview/chat_cards")
    members = dict(zip(got["name"], got["members"], strict=True))
    assert members == {c["name"]: c["members"] - c["removals"] for c in TRUTH["chats"].values()}
    assert members == {"VIP老客群": 169, "新手妈妈群": 217, "福利群": 215}
    assert dict(zip(got["name"], got["messages"], strict=True)) == {c["name"]: c["messages"]
                                                                   for c in TRUTH["chats"].values()}
    assert got["gap_days"].to_list() == [0, 0, 0]
    assert _run(demo_db, "overview/coverage_gaps").height == 0


def _expected_alerts(path: Path, organic: bool) -> list[dict]:
    """speakers_halved: a fully covered week with at most half the median speakers of the full weeks
    among the 8 before it (at least 4). unanswered_rise: from questions observed for 24 h, a week with
    at least 5 whose unanswered share is at least 15 points over the 8 weeks before (at least 10)."""
    out = []
    weekly = _expected_periods(path, "week", organic, None, None)
    for p in weekly:
        if p["covered_days"] != 7:
            continue
        base = [b["speakers"] for b in weekly
                if b["chat_id"] == p["chat_id"] and b["covered_days"] == 7
                and p["period_start"] - 56 * DAY <= b["period_start"] < p["period_start"]]
        if len(base) >= 4 and p["speakers"] <= 0.5 * statistics.median(base):
            out.append(dict(chat_id=p["chat_id"], alert="speakers_halved", week=p["period_start"],
                            value=float(p["speakers"]), baseline=float(statistics.median(base))))
    weeks: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for q in _frame(path, "select chat_id, day, asker_class, observed_s, answered_s from questions").to_dicts():
        if q["observed_s"] >= 86400 and (not organic or q["asker_class"] in ORGANIC):
            w = weeks[(q["chat_id"], _monday(q["day"]))]
            w[0] += 1
            w[1] += q["answered_s"] is None
    for (chat, week), (n, unanswered) in weeks.items():
        before = [v for (c, w), v in weeks.items() if c == chat and week - 56 * DAY <= w < week]
        n_base = sum(v[0] for v in before)
        if n >= 5 and n_base >= 10:
            usual = sum(v[1] for v in before) / n_base
            if unanswered / n >= usual + 0.15:
                out.append(dict(chat_id=chat, alert="unanswered_rise", week=week, value=unanswered / n, baseline=usual))
    return out


@pytest.mark.parametrize("organic", [False, True])
def test_alerts_match_an_independent_computation(demo_db: Path, organic: bool) -> None:
    got = _run(demo_db, "overview/alerts", organic=organic)
    expected = _expected_alerts(demo_db, organic)
    _assert_rows(got, expected, ("chat_id", "alert", "week"), "alerts")
    assert got.height > 0
    # a window keeps the weeks that overlap it
    window = _run(demo_db, "overview/alerts", organic=organic, start=D("2025-07-30"), end=D("2025-08-10"))
    assert sorted(window["week"]) == sorted(w["week"] for w in expected
                                            if w["week"] + 6 * DAY >= D("2025-07-30") and w["week"] <= D("2025-08-10"))


# ---------------------------------------------------------------------------------------------
# hand-made exports


def _by_name(frame: pl.DataFrame, columns: tuple[str, ...]) -> dict[str, tuple]:
    return {r["name"]: tuple(r[c] for c in columns) for r in frame.iter_rows(named=True)}


def _gini_chat(path: Path, folder: Path) -> None:
    """基尼群, 03-03 (Mon) to 03-09 (Sun). 甲 sends 3, 乙 1; 丙 and 丁 never speak (known from
    members.csv, there all along); 戊 joins mid-window (03-05) and sends 2; 己 speaks once on 03-03
    and is removed on 03-07."""
    _ingest_chat(path, folder, "gini.csv", "基尼群", [
        ("2025-03-03 09:00:00", "甲", "wxid_jia", "早上好"),
        ("2025-03-03 09:05:00", "乙", "wxid_yi", "早"),
        ("2025-03-03 09:10:00", "己", "wxid_ji", "路过"),
        ("2025-03-04 09:00:00", "甲", "wxid_jia", "今天上新"),
        ("2025-03-05 10:00:00", "", "", '"甲"邀请"戊"加入了群聊'),
        ("2025-03-06 09:00:00", "戊", "wxid_wu", "大家好"),
        ("2025-03-06 09:01:00", "戊", "wxid_wu", "我是新来的"),
        ("2025-03-07 12:00:00", "", "", '"甲"将"己"移出了群聊'),
        ("2025-03-09 20:00:00", "甲", "wxid_jia", "晚安"),
    ])
    _declare(path, folder, ["基尼群,wxid_bing,丙,顾客,,,,,", "基尼群,wxid_ding,丁,顾客,,,,,"])


@pytest.mark.slow
def test_participation_by_hand_and_a_member_who_joins_mid_window(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    _gini_chat(path, tmp_path)
    got = _run(path, "activity/participation").row(0, named=True)
    # present the whole window 03-03…03-09: 甲 3, 乙 1, 丙 0, 丁 0 (戊 entered 03-05, 己 left 03-07).
    # Sorted x = 0, 0, 1, 3; n = 4, Σx = 4, Σ i·x(i) = 1·0 + 2·0 + 3·1 + 4·3 = 15:
    # Gini = 2·15 / (4·4) − 5/4 = 1.875 − 1.25 = 0.625.
    # Top 10 %: ⌈0.4⌉ = 1 member (甲) → 3/4; top 1 %: max(1, ⌈0.04⌉) = 1 → 3/4.
    # Hill q1 = exp(−(¾ ln ¾ + ¼ ln ¼)) ≈ 1.7548; 甲 alone sends ≥ half → absence factor 1.
    assert (got["win_start"], got["win_end"]) == (D("2025-03-03"), D("2025-03-09"))
    assert (got["members"], got["speakers"], got["lurkers"], got["messages"], got["absence_factor"]) == (4, 2, 2, 4, 1)
    assert got["gini"] == pytest.approx(0.625)
    assert got["lurker_ratio"] == pytest.approx(0.5)
    assert (got["top10_share"], got["top1_share"]) == pytest.approx((0.75, 0.75))
    assert got["effective_speakers"] == pytest.approx(math.exp(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25))))
    assert got["effective_speakers"] == pytest.approx(1.7548, abs=1e-4)
    # the Lorenz curve over the same four: one point per member, ending at (1, 1)
    lorenz = _run(path, "activity/participation").row(0, named=True)
    assert list(zip(lorenz["lorenz_members"], lorenz["lorenz_messages"], strict=True)) == _approx_rows(
        [(0.25, 0.0), (0.5, 0.0), (0.75, 0.25), (1.0, 1.0)])
    # from 03-05 on, 戊 (entered 03-05) is there the whole window and 己 (gone 03-07) is not
    later = _run(path, "activity/participation", start=D("2025-03-05"), end=D("2025-03-09")).row(0, named=True)
    # x = 甲 1, 戊 2, 乙 0, 丙 0, 丁 0 → sorted 0, 0, 0, 1, 2; Σ i·x = 4·1 + 5·2 = 14; 2·14/(5·3) − 6/5 = 0.6667
    assert (later["members"], later["speakers"], later["messages"]) == (5, 2, 3)
    assert later["gini"] == pytest.approx(2 * 14 / 15 - 6 / 5)
    _assert_rows(_run(path, "activity/participation", start=D("2025-03-05"), end=D("2025-03-09")),
                 _expected_participation(path, False, D("2025-03-05"), D("2025-03-09")), ("chat_id",), "by hand")


@pytest.mark.slow
def test_members_by_hand_across_windows(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    _gini_chat(path, tmp_path)
    cols = ("messages", "active_days", "first_spoke", "last_spoke", "days_since_spoke", "is_lurker", "left_on")
    whole = _by_name(_run(path, "activity/members"), cols)
    assert whole == {
        "甲": (3, 3, D("2025-03-03"), D("2025-03-09"), 0, False, None),
        "戊": (2, 1, D("2025-03-06"), D("2025-03-06"), 3, False, None),  # joined mid-window: a member all the same
        "乙": (1, 1, D("2025-03-03"), D("2025-03-03"), 6, False, None),
        "己": (1, 1, D("2025-03-03"), D("2025-03-03"), 6, False, D("2025-03-07")),
        "丙": (0, 0, None, None, None, True, None),
        "丁": (0, 0, None, None, None, True, None),
    }
    # a window before 戊 joined: 戊 is absent
    early = _by_name(_run(path, "activity/members", start=D("2025-03-03"), end=D("2025-03-04")), cols)
    assert set(early) == {"甲", "乙", "己", "丙", "丁"}
    assert early["甲"] == (2, 2, D("2025-03-03"), D("2025-03-04"), 0, False, None)
    # a window after 己 was removed: 己 is absent, 戊 present (silent in it)
    late = _by_name(_run(path, "activity/members", start=D("2025-03-08"), end=D("2025-03-09")), cols)
    assert set(late) == {"甲", "乙", "戊", "丙", "丁"}
    assert late["戊"] == (0, 0, None, None, None, True, None)
    assert late["甲"] == (1, 1, D("2025-03-09"), D("2025-03-09"), 0, False, None)
    # the day 己 was removed is still in the window
    assert "己" in _by_name(_run(path, "activity/members", start=D("2025-03-07"), end=D("2025-03-09")), cols)
    for s, e in ((None, None), (D("2025-03-03"), D("2025-03-04")), (D("2025-03-08"), D("2025-03-09"))):
        _assert_rows(_run(path, "activity/members", start=s, end=e), _expected_members(path, False, s, e),
                     ("chat_id", "member_id"), "members by hand")


@pytest.mark.slow
def test_chat_cards_and_comparison_count_the_member_who_joined_and_not_the_one_removed(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    _gini_chat(path, tmp_path)
    card = _run(path, "overview/chat_cards").row(0, named=True)
    # on 03-09: 甲 乙 丙 丁 戊 (己 removed 03-07); in 03-03…03-09 also 己; speakers 甲 乙 己 戊
    assert (card["as_of"], card["members"], card["speakers_7d"], card["speakers_28d"], card["messages_28d"]) == (
        D("2025-03-09"), 5, 4, 4, 7)
    assert card["speaker_rate"] == pytest.approx(4 / 6)
    assert (card["speakers_7d_prev"], card["speakers_28d_prev"], card["messages_prev_28d"]) == (None, None, None)
    assert (card["messages"], card["covered_days"], card["gap_days"], card["n_imports"]) == (9, 7, 0, 1)
    comp = _run(path, "activity/chat_comparison").row(0, named=True)
    # DAU 03-03…03-09 = 3, 1, 0, 1, 0, 0, 1 → mean 6/7
    assert (comp["covered_days"], comp["messages"], comp["members"], comp["wau"], comp["mau28"]) == (7, 7, 5, 4, 4)
    assert (comp["mean_dau"], comp["speaker_rate_weekly"], comp["stickiness"]) == pytest.approx((6 / 7, 4 / 6, 6 / 28))


def _gap_and_staff_chats(path: Path, folder: Path) -> None:
    """断档群: two exports a week apart (03-03…03-05 and 03-12…03-13). 服务群: 店员小美 (declared
    staff) is alone on 03-04; she starts two conversations on 03-03, one answered by a customer."""
    _ingest_chat(path, folder, "part1.csv", "断档群", [
        ("2025-03-03 10:00:00", "甲", "wxid_a", "早"),
        ("2025-03-04 10:00:00", "乙", "wxid_b", "在"),
        ("2025-03-04 10:20:00", "甲", "wxid_a", "好"),
        ("2025-03-05 20:00:00", "丙", "wxid_c", "晚安"),
    ], ids="a")
    _ingest_chat(path, folder, "part2.csv", "断档群", [
        ("2025-03-12 09:00:00", "丁", "wxid_d", "回来了"),
        ("2025-03-13 09:00:00", "甲", "wxid_a", "好久不见"),
    ], ids="b")
    _ingest_chat(path, folder, "service.csv", "服务群", [
        ("2025-03-03 10:00:00", "店员小美", "wxid_staff", "今天上新了"),
        ("2025-03-03 10:05:00", "甲", "wxid_jia", "好看"),
        ("2025-03-03 10:06:00", "店员小美", "wxid_staff", "谢谢支持"),
        ("2025-03-03 15:00:00", "店员小美", "wxid_staff", "下午茶时间到"),
        ("2025-03-03 15:02:00", "店员小美", "wxid_staff", "欢迎到店"),
        ("2025-03-04 09:00:00", "店员小美", "wxid_staff", "早安"),
        ("2025-03-04 09:01:00", "店员小美", "wxid_staff", "今日特价"),
        ("2025-03-05 10:00:00", "乙", "wxid_yi", "我来了"),
        ("2025-03-05 10:01:00", "乙", "wxid_yi", "今天人好少"),
        ("2025-03-05 10:03:00", "店员小美", "wxid_staff", "欢迎"),
    ], ids="s")
    _declare(path, folder, ["服务群,wxid_staff,店员小美,店员,,,,,"])


@pytest.fixture
def edge_db(tmp_path: Path) -> Path:
    path = tmp_path / "db.duckdb"
    _gap_and_staff_chats(path, tmp_path)
    return path


@pytest.mark.slow
def test_a_gap_in_coverage_is_shown_as_a_gap(edge_db: Path) -> None:
    gap_chat, service = _chat_id(edge_db, "断档群"), _chat_id(edge_db, "服务群")
    gaps = _run(edge_db, "overview/coverage_gaps")
    assert gaps.select("chat_name", "gap_start", "gap_end", "days").rows() == [
        ("断档群", D("2025-03-06"), D("2025-03-11"), 6)]
    assert _run(edge_db, "overview/coverage_gaps", chat_ids=[service]).height == 0
    card = _run(edge_db, "overview/chat_cards", chat_ids=[gap_chat]).row(0, named=True)
    assert (card["first_day"], card["last_day"], card["covered_days"], card["gap_days"], card["n_imports"]) == (
        D("2025-03-03"), D("2025-03-13"), 5, 6, 2)
    # 03-13: the last 7 days hold 丁 and 甲 only; the 28 days all four; nothing 7 days earlier is covered
    # but 03-05 and before: WAU on 03-05 = 甲 乙 丙
    assert (card["speakers_7d"], card["speakers_28d"], card["speakers_7d_prev"], card["messages_28d"]) == (2, 4, 3, 6)
    # days in the gap are absent, not quiet
    daily = _run(edge_db, "activity/period_activity", chat_ids=[gap_chat], period="day")
    assert daily.select("period_start", "messages", "speakers").rows() == [
        (D("2025-03-03"), 1, 1), (D("2025-03-04"), 2, 2), (D("2025-03-05"), 1, 1), (D("2025-03-12"), 1, 1),
        (D("2025-03-13"), 1, 1)]
    weekly = _run(edge_db, "activity/period_activity", chat_ids=[gap_chat], period="week")
    assert weekly.select("period_start", "covered_days", "messages", "speakers").rows() == [
        (D("2025-03-03"), 3, 4, 3), (D("2025-03-10"), 2, 2, 2)]
    convs = _run(edge_db, "activity/conversations_daily", chat_ids=[gap_chat])
    assert convs.select("day", "conversations", "median_messages").rows() == [
        (D("2025-03-03"), 1, 1.0), (D("2025-03-04"), 1, 2.0), (D("2025-03-05"), 1, 1.0), (D("2025-03-12"), 1, 1.0),
        (D("2025-03-13"), 1, 1.0)]
    summary = _run(edge_db, "activity/conversation_summary", chat_ids=[gap_chat]).filter(pl.col("gap_minutes") == 30)
    assert (summary["conversations"].item(), summary["per_day"].item()) == (5, 1.0)  # 5 over 5 covered days, not 11
    heat = _run(edge_db, "activity/hour_weekday", chat_ids=[gap_chat])
    # Monday 10:00 holds one message over 5 covered days = 5/7 of a week
    monday_10 = heat.filter((pl.col("who") == "members") & (pl.col("weekday") == 1) & (pl.col("hour") == 10))
    assert monday_10.select("messages", "per_week", "share").row(0) == pytest.approx((1, 7 / 5, 1 / 6))
    comp = _run(edge_db, "activity/chat_comparison", chat_ids=[gap_chat]).row(0, named=True)
    assert (comp["covered_days"], comp["messages"], comp["messages_per_day"]) == (5, 6, 1.2)
    # the 7 days up to 03-13 hold two covered days: DAU 1 and 1, over MAU28 = 4
    assert comp["stickiness"] == pytest.approx(1 / 4)


@pytest.mark.slow
def test_a_window_inside_the_gap_has_no_periods(edge_db: Path) -> None:
    """Weeks are the whole calendar weeks "containing a covered day in [$start, $end]": a window that
    falls entirely in the gap (03-06…03-11) contains no covered day, so no week."""
    gap_chat = _chat_id(edge_db, "断档群")
    for period in ("day", "week", "month"):
        got = _run(edge_db, "activity/period_activity", chat_ids=[gap_chat], period=period,
                   start=D("2025-03-06"), end=D("2025-03-11"))
        expected = _expected_periods(edge_db, period, False, D("2025-03-06"), D("2025-03-11"))
        assert [r for r in expected if r["chat_id"] == gap_chat] == []
        assert got.height == 0, f"{period}: {got.select('period_start', 'covered_days').rows()}"


@pytest.mark.slow
def test_a_day_with_only_staff_messages(edge_db: Path) -> None:
    service = _chat_id(edge_db, "服务群")
    everyone = _run(edge_db, "activity/period_activity", chat_ids=[service], period="day")
    organic = _run(edge_db, "activity/period_activity", chat_ids=[service], period="day", organic=True)
    assert everyone.select("period_start", "messages", "speakers").rows() == [
        (D("2025-03-03"), 5, 2), (D("2025-03-04"), 2, 1), (D("2025-03-05"), 3, 2)]
    # 03-04 is a covered day with nothing organic: a zero row, not a missing one
    assert organic.select("period_start", "messages", "speakers").rows() == [
        (D("2025-03-03"), 1, 1), (D("2025-03-04"), 0, 0), (D("2025-03-05"), 2, 1)]
    # conversations (30 min): 03-03 10:00–10:06 (staff, 甲), 03-03 15:00–15:02 (staff), 03-04 09:00–09:01 (staff),
    # 03-05 10:00–10:03 (乙, staff)
    cols = ("day", "conversations", "median_messages", "median_minutes", "share_two_speakers", "share_staff_started")
    assert _run(edge_db, "activity/conversations_daily", chat_ids=[service]).select(cols).rows() == _approx_rows([
        (D("2025-03-03"), 2, 2.5, 4.0, 0.5, 1.0), (D("2025-03-04"), 1, 2.0, 1.0, 0.0, 1.0),
        (D("2025-03-05"), 1, 3.0, 3.0, 1.0, 0.0)])
    # organic: two speakers only counts organic ones, and no conversation has two
    assert _run(edge_db, "activity/conversations_daily", chat_ids=[service], organic=True)[
        "share_two_speakers"].to_list() == [0.0, 0.0, 0.0]
    summary = _run(edge_db, "activity/conversation_summary", chat_ids=[service]).filter(pl.col("gap_minutes") == 30)
    assert summary.select("conversations", "per_day", "median_messages", "median_minutes", "share_two_speakers",
                          "share_staff_started", "staff_started_replied").row(0) == pytest.approx(
        (4, 4 / 3, 2.5, 2.5, 0.5, 0.75, 1 / 3))
    # the heatmap keeps staff apart: Tuesday 09:00 is all staff, and with organic the members' cells drop her
    heat = _run(edge_db, "activity/hour_weekday", chat_ids=[service], organic=True)
    tue_9 = heat.filter((pl.col("weekday") == 2) & (pl.col("hour") == 9)).select("who", "messages", "per_week").rows()
    assert tue_9 == _approx_rows([("members", 0, 0.0), ("staff", 2, 2 / (3 / 7))])
    assert heat.filter(pl.col("who") == "members")["messages"].sum() == 3
    assert heat.filter(pl.col("who") == "staff")["messages"].sum() == 7
    card = _run(edge_db, "overview/chat_cards", chat_ids=[service], organic=True).row(0, named=True)
    assert (card["members"], card["speakers_7d"], card["messages_28d"], card["messages"]) == (2, 2, 3, 10)
    mix = _run(edge_db, "activity/kind_mix", chat_ids=[service], organic=True)
    assert mix.select("period_start", "kind", "messages", "share").rows() == [(D("2025-03-03"), "text", 3, 1.0)]


@pytest.mark.slow
def test_edge_chats_match_the_independent_computations(edge_db: Path) -> None:
    for organic in (False, True):
        for period in ("day", "week", "month"):
            _assert_rows(_run(edge_db, "activity/period_activity", period=period, organic=organic),
                         _expected_periods(edge_db, period, organic, None, None), ("chat_id", "period_start"), period)
        _assert_rows(_run(edge_db, "activity/hour_weekday", organic=organic),
                     _expected_heatmap(edge_db, organic, None, None), ("who", "weekday", "hour"), "hour_weekday")
        _assert_rows(_run(edge_db, "activity/conversation_summary", organic=organic),
                     _expected_conversation_summary(edge_db, organic, None, None), ("chat_id", "gap_minutes"),
                     "conversation_summary")
        _assert_rows(_run(edge_db, "activity/conversations_daily", organic=organic, gap_minutes=10),
                     _expected_conversations_daily(edge_db, 10, organic, None, None), ("day",), "conversations_daily")
        _assert_rows(_run(edge_db, "overview/chat_cards", organic=organic), _expected_cards(edge_db, organic, None),
                     ("chat_id",), "chat_cards")
        _assert_rows(_run(edge_db, "activity/chat_comparison", organic=organic),
                     _expected_comparison(edge_db, organic, None, None), ("chat_id",), "chat_comparison")


@pytest.mark.slow
def test_a_question_never_answered_is_censored_not_dropped(tmp_path: Path) -> None:
    """问答群: one question unanswered for 24 h, one answered by a staff quote after 2 h, one asked
    2 h before the export ends and never answered. 快答群: two answered within 1 and 3 minutes."""
    path = tmp_path / "db.duckdb"
    _ingest_chat(path, tmp_path, "qa.csv", "问答群", [
        ("2025-03-03 10:00:00", "甲", "wxid_jia", "请问周末营业吗？"),
        ("2025-03-03 10:45:00", "乙", "wxid_yi", "今天天气真好"),
        ("2025-03-04 09:00:00", "丙", "wxid_bing", "有没有试用装"),
        ("2025-03-04 11:00:00", "店员", "wxid_staff", "有的，到店领取", "quote", "x3"),
        ("2025-03-05 18:00:00", "甲", "wxid_jia", "明天几点开门"),
        ("2025-03-05 20:00:00", "乙", "wxid_yi", "晚安"),
    ])
    _ingest_chat(path, tmp_path, "fast.csv", "快答群", [
        ("2025-03-03 10:00:00", "丁", "wxid_ding", "请问有货吗"),
        ("2025-03-03 10:01:00", "戊", "wxid_wu", "有的"),
        ("2025-03-03 14:00:00", "丁", "wxid_ding", "几点关门"),
        ("2025-03-03 14:03:00", "戊", "wxid_wu", "九点"),
    ], ids="f")
    _declare(path, tmp_path, ["问答群,wxid_staff,店员,店员,,,,,"])
    qa = _chat_id(path, "问答群")
    assert rows(path, "select observed_s, answered_s from questions where chat_id = $c order by asked_at", {"c": qa}) == [
        (86400.0, None), (86400.0, 7200.0), (7200.0, None)]
    got = {r["chat_name"]: r for r in _run(path, "activity/response_times").iter_rows(named=True)}
    one = got["问答群"]
    # KM: at 7200 s three are at risk, one answered (one censored there too) → S = 2/3; at 86400 s one censored.
    # S never reaches 1/2: more than half unanswered, so no median (and no p90)
    assert (one["questions"], one["answered"], one["unanswered"], one["by_staff"], one["median_staff_s"]) == (
        3, 1, 2, 1, 7200.0)
    assert (one["median_s"], one["p90_s"]) == (None, None)
    assert (one["within_3m"], one["within_30m"], one["within_24h"]) == pytest.approx((0.0, 0.0, 1 / 3))
    assert one["curve_answered"] == pytest.approx([0.0] * 10 + [1 / 3] * 5)
    fast = got["快答群"]
    assert (fast["questions"], fast["answered"], fast["by_customer"], fast["median_s"], fast["p90_s"]) == (
        2, 2, 2, 60.0, 180.0)
    assert (fast["within_3m"], fast["within_30m"]) == pytest.approx((1.0, 1.0))
    # together (chat_id null): 60 (5 at risk) → 4/5, 180 (4) → 3/5, 7200 (3) → 2/5: the median is 2 h
    both = got[None]
    assert both["chat_id"] is None and (both["questions"], both["answered"], both["median_s"], both["p90_s"]) == (
        5, 3, 7200.0, None)
    assert (both["within_3m"], both["within_30m"], both["within_24h"]) == pytest.approx((0.4, 0.4, 0.6))
    _assert_rows(_run(path, "activity/response_times"), _expected_response_times(path, False, None, None),
                 ("chat_id",), "response_times by hand")
    # a window holding only the unanswered question: one question, nothing answered, S = 1 throughout
    late = _run(path, "activity/response_times", chat_ids=[qa], start=D("2025-03-05")).to_dicts()
    assert [(r["chat_id"], r["questions"], r["unanswered"], r["median_s"], r["within_24h"]) for r in late] == [
        (None, 1, 1, None, 0.0), (qa, 1, 1, None, 0.0)]


def _weekly(start: dt.date, speakers_per_week: list[int], last_day: dt.date) -> list[tuple]:
    """One chat's messages: week k (from start) has speakers s1 … s{n_k}, each once on a weekday;
    a last message on last_day keeps the final week fully covered."""
    out = []
    for k, n in enumerate(speakers_per_week):
        for i in range(1, n + 1):
            when = dt.datetime.combine(start + (7 * k + i % 5) * DAY, dt.time(9, i))
            out.append((f"{when:%Y-%m-%d %H:%M:%S}", f"会员{i}", f"wxid_s{i}", "打卡"))
    out.append((f"{last_day} 21:00:00", "会员1", "wxid_s1", "晚安"))
    return out


@pytest.mark.slow
def test_alerts_by_hand(tmp_path: Path) -> None:
    """冷清群: four full weeks with 6, 6, 8 and 6 speakers (median 6), then a full week with 3: at most
    half, one speakers_halved. 没人理群: two weeks of 5 questions each answered within a minute, then
    a week of 5 questions nobody answers: the unanswered share jumps from 0 to 1."""
    path = tmp_path / "db.duckdb"
    _ingest_chat(path, tmp_path, "quiet.csv", "冷清群",
                 _weekly(D("2025-03-03"), [6, 6, 8, 6, 3], D("2025-04-06")))
    records = []
    for k, answered in enumerate((True, True, False)):
        for i in range(5):
            day = D("2025-03-03") + (7 * k + i) * DAY
            records.append((f"{day} 10:00:00", f"顾客{i}", f"wxid_q{i}", "请问今天有货吗"))
            if answered:
                records.append((f"{day} 10:01:00", "店长", "wxid_boss", "有的"))
    records.append(("2025-03-24 10:00:00", "店长", "wxid_boss", "大家早"))
    _ingest_chat(path, tmp_path, "unanswered.csv", "没人理群", records, ids="u")
    got = _run(path, "overview/alerts")
    assert got.select("chat_name", "alert", "week", "value", "baseline").rows() == [
        ("冷清群", "speakers_halved", D("2025-03-31"), 3.0, 6.0),
        ("没人理群", "unanswered_rise", D("2025-03-17"), 1.0, 0.0),
    ]
    _assert_rows(got, _expected_alerts(path, False), ("chat_id", "alert", "week"), "alerts by hand")
    # the window keeps a week that overlaps it, and the chat filter keeps its chat
    assert _run(path, "overview/alerts", start=D("2025-04-06"), end=D("2025-04-30"))["alert"].to_list() == [
        "speakers_halved"]
    quiet = _chat_id(path, "冷清群")
    assert _run(path, "overview/alerts", chat_ids=[quiet])["alert"].to_list() == ["speakers_halved"]
    assert _run(path, "overview/alerts", end=D("2025-03-16")).height == 0


@pytest.mark.slow
def test_a_median_exactly_at_one_half(tmp_path: Path) -> None:
    """Four questions answered after 1, 2, 3 and 4 minutes: S(120 s) = 3/4 · 2/3 = 1/2 exactly, so the
    median (the smallest t with S(t) ≤ 1/2) is 120 s, and p90 (S ≤ 1/10) is 240 s, where S reaches 0."""
    path = tmp_path / "db.duckdb"
    _ingest_chat(path, tmp_path, "four.csv", "四问群", [
        ("2025-03-03 10:00:00", "甲", "wxid_jia", "在吗？"),
        ("2025-03-03 10:01:00", "乙", "wxid_yi", "在的"),
        ("2025-03-03 12:00:00", "甲", "wxid_jia", "几点开门"),
        ("2025-03-03 12:02:00", "乙", "wxid_yi", "九点"),
        ("2025-03-03 14:00:00", "甲", "wxid_jia", "有没有新货"),
        ("2025-03-03 14:03:00", "乙", "wxid_yi", "有的"),
        ("2025-03-03 16:00:00", "甲", "wxid_jia", "一盒多少钱"),
        ("2025-03-03 16:04:00", "乙", "wxid_yi", "九十九"),
    ])
    assert [r[0] for r in rows(path, "select answered_s from questions order by asked_at")] == [60.0, 120.0, 180.0, 240.0]
    got = _run(path, "activity/response_times")
    assert got.height == 2
    for r in got.iter_rows(named=True):
        assert (r["questions"], r["answered"], r["by_customer"], r["median_customer_s"]) == (4, 4, 4, 150.0)
        assert (r["within_3m"], r["within_30m"]) == pytest.approx((0.75, 1.0))
        assert r["curve_answered"][:6] == pytest.approx([0.0, 0.0, 0.25, 0.5, 0.75, 1.0])  # 10, 30, 60, 120, 180, 300 s
        assert (r["median_s"], r["p90_s"]) == (120.0, 240.0)


@pytest.mark.parametrize("name", ["activity/daily_activity", "activity/speakers_rolling", "activity/period_activity"])
def test_chats_summed_per_day_equal_the_per_chat_rows(demo_db: Path, name: str) -> None:
    """by_chat false (what a page asks for when too many chats are selected to draw apart) sums
    the per-chat rows of the same query, day by day."""
    key = "period_start" if name == "activity/period_activity" else "day"
    per_chat = _run(demo_db, name, organic=True, start=D("2025-07-01"), end=D("2025-08-31"))
    summed = _run(demo_db, name, organic=True, start=D("2025-07-01"), end=D("2025-08-31"), by_chat=False)
    counts = [c for c in ("messages", "speakers", "staff_messages", "dau", "wau", "mau28", "members", "members_7d",
                          "covered_days") if c in per_chat.columns]
    expected = per_chat.group_by(key).agg(pl.col(c).sum() for c in counts).sort(key)
    assert summed["chat_id"].null_count() == summed.height
    assert summed.select(key, *counts).sort(key).to_dicts() == expected.to_dicts()
    if "stickiness" in summed.columns:
        row = summed.filter(pl.col("day") == D("2025-08-31")).row(0, named=True)
        back = _run(demo_db, name, organic=True, start=D("2025-08-25"), end=D("2025-08-31"))
        dau_7 = back.group_by("day").agg(pl.col("dau").sum())["dau"].mean()
        assert row["stickiness"] == pytest.approx(dau_7 / row["mau28"])


def test_members_filters_limit_and_totals(demo_db: Path) -> None:
    """The table's filters and row cap run in SQL; the totals always describe everyone present."""
    everyone = _run(demo_db, "activity/members")
    n, lurkers = everyone.height, int(everyone["is_lurker"].sum())
    top = _run(demo_db, "activity/members", limit=10)
    assert top.height == 10 and top["messages"].to_list() == sorted(everyone["messages"].to_list(), reverse=True)[:10]
    assert set(top["total_members"]) == {n} and set(top["total_lurkers"]) == {lurkers}
    levels = everyone.group_by("orbit_level").len()
    for level, count in levels.iter_rows():
        assert set(top[f"total_{level}"]) == {count}
    quiet = _run(demo_db, "activity/members", lurkers_only=True)
    assert quiet.height == lurkers and quiet["is_lurker"].all()
    experts = _run(demo_db, "activity/members", classes=["expert"])
    assert experts.height == everyone.filter(pl.col("member_class") == "expert").height > 0
    named = _run(demo_db, "activity/members", member_name="妈妈")
    assert named.height == everyone.filter(pl.col("name").str.contains("妈妈", literal=True)).height > 0
