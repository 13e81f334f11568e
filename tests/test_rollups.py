"""The rollup tables (queries/rollups, refreshed per chat by dashboard.core.rollups at the end of
every import and on every role change), each against an independent computation over the raw
tables (messages, roles, membership_events, member_names, imports) on the sample scenario, and
against hand-made exports whose right answers are written out by hand.

None of the expectations reuse the rollup SQL: member classes, covered days, windows, members
present, conversations and first responses are recomputed here in Polars or plain Python."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path

import polars as pl
import pytest
from conftest import rows
from handmade import declare as _declare
from handmade import ingest_chat as _ingest_chat
from independent import DAY, GAPS, ORGANIC, TRUTH, TZ
from independent import classes as _classes
from independent import covered as _covered
from independent import local_day as _local_day
from independent import messages as _messages
from independent import monday as _monday
from independent import month as _month

# the strongest role wins: bot > staff (owner, admin, staff) > alt > expert; no role = customer
QUESTION = re.compile(r"[?？]|吗|呢|怎么|多少|几点|有没有|能不能|哪里|请问|求推荐")
# adjacency (queries/rollups/questions.sql header): the next message within 30 minutes, unless two other
# people spoke among the three messages before the question within 10 minutes of it
ADJACENT = dt.timedelta(minutes=30)
CROWD = dt.timedelta(minutes=10)



# ---------------------------------------------------------------------------------------------
# reading and comparing


def _hashable(v: object) -> object:
    if isinstance(v, list):
        return tuple(v)
    if isinstance(v, float):
        return round(v, 6)
    return v


def _norm(records: list[tuple]) -> list[tuple]:
    return [tuple(_hashable(v) for v in r) for r in records]


def _assert_same(got: list[tuple], expected: list[tuple], what: str) -> None:
    """Equal as multisets of rows; on failure, say how many rows differ and show a few."""
    g, e = Counter(_norm(got)), Counter(_norm(expected))
    missing, extra = list((e - g).elements()), list((g - e).elements())
    assert not missing and not extra, (
        f"{what}: {len(missing)} expected rows missing, e.g. {sorted(missing, key=repr)[:4]}; "
        f"{len(extra)} unexpected rows, e.g. {sorted(extra, key=repr)[:4]}")
    assert len(got) == len(expected)


def _quarter(d: dt.date) -> dt.date:
    return d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)


def _year_before(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


# ---------------------------------------------------------------------------------------------
# independent computations over the raw tables


def _roles(db: Path) -> dict[tuple[str, str], list[str]]:
    chats = [r[0] for r in rows(db, "select chat_id from chats")]
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for chat, member, role, source in rows(db, "select chat_id, member_id, role, source from roles"):
        if source in ("declared", "system"):
            for c in chats if chat is None else [chat]:
                out[(c, member)].add(role)
    return {k: sorted(v) for k, v in out.items()}


def _coverage_end(db: Path) -> dict[str, dt.datetime]:
    out: dict[str, dt.datetime] = {}
    for chats, end in rows(db, "select chat_ids, coverage_end from imports where coverage_end is not null"):
        for c in chats:
            out[c] = max(out.get(c, end), end)
    return out


def _speaker_days(msgs: pl.DataFrame, organic: bool) -> dict[str, dict[dt.date, set[str]]]:
    """chat → local day → who sent an active message (organic members only when asked)."""
    out: dict[str, dict[dt.date, set[str]]] = defaultdict(lambda: defaultdict(set))
    active = msgs.filter(pl.col("active") & pl.col("member_id").is_not_null())
    if organic:
        active = active.filter(pl.col("member_class").is_in(ORGANIC))
    for chat, member, day in active.select("chat_id", "member_id", "day").iter_rows():
        out[chat][day].add(member)
    return out


def _expected_members(db: Path) -> dict[tuple[str, str], dict]:
    """chat_members recomputed: who is known to be in each chat, joins and exits, what they said,
    when they entered, Orbit level and the join-week cohort flags."""
    classes, roles = _classes(db), _roles(db)
    present = {(c, m) for c, m in rows(db, "select chat_id, member_id from member_names")}
    present |= {(c, m) for c, m in rows(db, "select chat_id, member_id from roles where chat_id is not null")}
    events = rows(db, """select chat_id, member_id, ts, kind, method from membership_events
                         where member_id is not null order by ts""")
    present |= {(c, m) for c, m, *_ in events}
    present |= {(c, m) for c, m in rows(db, "select distinct chat_id, member_id from messages where member_id is not null")}
    joins: dict[tuple[str, str], list] = defaultdict(list)
    exits: dict[tuple[str, str], list] = defaultdict(list)
    for c, m, ts, kind, method in events:
        if kind in ("join", "create"):
            joins[(c, m)].append((ts, method))
        elif kind in ("leave", "remove"):
            exits[(c, m)].append((ts, kind))
    seen: dict[tuple[str, str], list] = defaultdict(list)
    for c, m, first, last in rows(db, "select chat_id, member_id, first_seen_at, last_seen_at from member_names"):
        seen[(c, m)].append((first, last))

    msgs = _messages(db).filter(pl.col("member_id").is_not_null())
    n_messages = Counter(msgs.select("chat_id", "member_id").iter_rows())
    active = msgs.filter(pl.col("active"))
    n_active = Counter(active.select("chat_id", "member_id").iter_rows())
    active_days: dict[tuple[str, str], set[dt.date]] = defaultdict(set)
    for c, m, d in active.select("chat_id", "member_id", "day").iter_rows():
        active_days[(c, m)].add(d)
    last_day = {c: days[-1] for c, days in _covered(db).items()}
    msg_days: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for c, m, d in msgs.select("chat_id", "member_id", "day").iter_rows():
        msg_days[(c, m)].append(d)
    # a group's birth is in its export when a creation notice is, or the export opens with two joins
    first_at = dict(rows(db, """select chat_id, min(coverage_start) from
                                (select unnest(chat_ids) as chat_id, coverage_start from imports) group by 1"""))
    born = {c for c, _, _, kind, _ in events if kind == "create"}
    openers = Counter(c for c, _, ts, kind, _ in events if kind == "join" and ts == first_at.get(c))
    born |= {c for c, n in openers.items() if n >= 2}

    out = {}
    for key in present:
        chat, _ = key
        cls = classes.get(key, "customer")
        j, e, spoke = sorted(joins[key]), sorted(exits[key]), sorted(active_days[key])
        joined_at, join_method = (j[0][0], j[0][1]) if j else (None, None)
        left_at = exit_kind = None
        if e and (not j or e[-1][0] >= j[-1][0]):  # gone only when the last exit follows the last join
            left_at, exit_kind = e[-1]
        firsts = [f for f, _ in seen[key] if f is not None]
        lasts = [x for _, x in seen[key] if x is not None]
        first_seen = min(firsts) if firsts else None
        # the first sign of them other than a join: a name, a message's day (taken whole), an exit
        signs = [f for f in firsts] + [x[0] for x in e]
        signs += [dt.datetime.combine(min(msg_days[key]) + DAY, dt.time(), TZ) - dt.timedelta(microseconds=1)] \
            if msg_days[key] else []
        predates = chat not in born and (joined_at is None or (bool(signs) and min(signs) < joined_at))
        if predates:
            entered = _local_day(first_at[chat])
        elif joined_at is not None:
            entered = _local_day(joined_at)
        else:
            candidates = [d for d in (_local_day(first_seen) if first_seen else None, spoke[0] if spoke else None)
                          if d is not None]
            entered = min(candidates) if candidates else None
        # Orbit: the most active days in one ISO week / month / quarter, in the year before the last covered day
        recent = [d for d in spoke if chat in last_day and d > _year_before(last_day[chat])]
        best = {name: max(Counter(f(d) for d in recent).values(), default=0)
                for name, f in (("week", _monday), ("month", _month), ("quarter", _quarter))}
        orbit = ("leading" if best["quarter"] >= 30 else "contributing" if best["month"] >= 7
                 else "participating" if best["week"] >= 2 else "exploring")
        if entered is None or predates:
            flags = (None,) * 5
        else:
            weeks = {(_monday(d) - _monday(entered)).days // 7 for d in spoke}
            flags = (any(entered <= d <= entered + 6 * DAY for d in spoke), *(k in weeks for k in (1, 2, 4, 8)))
        out[key] = dict(
            member_class=cls, is_organic=cls in ORGANIC, roles=roles.get(key), joined_at=joined_at,
            join_method=join_method, left_at=left_at, exit_kind=exit_kind, first_seen_at=first_seen,
            last_seen_at=max(lasts) if lasts else None, entered_on=entered, entered_approx=joined_at is None,
            predates=predates,
            n_messages=n_messages[key], n_active=n_active[key], active_days=len(spoke),
            first_spoke=spoke[0] if spoke else None, last_spoke=spoke[-1] if spoke else None, orbit_level=orbit,
            activated=flags[0], spoke_week_1=flags[1], spoke_week_2=flags[2], spoke_week_4=flags[3],
            spoke_week_8=flags[4])
    return out


MEMBER_COLUMNS = ("member_class", "is_organic", "roles", "joined_at", "join_method", "left_at", "exit_kind",
                  "first_seen_at", "last_seen_at", "entered_on", "entered_approx", "predates", "n_messages", "n_active",
                  "active_days", "first_spoke", "last_spoke", "orbit_level", "activated", "spoke_week_1",
                  "spoke_week_2", "spoke_week_4", "spoke_week_8")


def _expected_day_speakers(db: Path) -> list[tuple]:
    """(chat, day, organic, messages, DAU, WAU, MAU28, members in the chat that day, members in the chat
    some time in its last 7 days) per covered day;
    the windows count only what was exported (a gap day has no speakers)."""
    msgs = _messages(db).filter(pl.col("active"))
    members = _expected_members(db)
    out = []
    for organic in (False, True):
        scoped = msgs.filter(pl.col("member_class").is_in(ORGANIC)) if organic else msgs
        n_msgs = Counter(scoped.select("chat_id", "day").iter_rows())
        speakers = _speaker_days(msgs, organic)
        for chat, days in _covered(db).items():
            by_day = speakers[chat]
            roster = [(v["entered_on"], _local_day(v["left_at"]) if v["left_at"] else None)
                      for (c, _), v in members.items() if c == chat and (v["is_organic"] or not organic)]
            for d in days:
                def within(n: int, d: dt.date = d, by_day: dict = by_day) -> int:
                    return len(set().union(*(by_day.get(d - k * DAY, set()) for k in range(n))))
                def present(since: dt.date, d: dt.date = d, roster: list = roster) -> int:
                    return sum(1 for entered, left in roster
                               if (entered is None or entered <= d) and (left is None or left >= since))
                out.append((chat, d, organic, n_msgs[(chat, d)], len(by_day.get(d, ())), within(7), within(28),
                            present(d), present(d - 6 * DAY)))
    return out


def _conversations(chat_msgs: list[dict], gap_minutes: int) -> list[list[dict]]:
    """One chat's active messages, sorted by (ts, msg_id), cut wherever the gap exceeds the threshold."""
    convs: list[list[dict]] = []
    prev = None
    for m in chat_msgs:
        if prev is None or (m["ts"] - prev["ts"]).total_seconds() > gap_minutes * 60:
            convs.append([])
        convs[-1].append(m)
        prev = m
    return convs


def _by_chat(msgs: pl.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for m in msgs.filter(pl.col("active")).sort("chat_id", "ts", "msg_id").iter_rows(named=True):
        out[m["chat_id"]].append(m)
    return out


def _expected_conversations(db: Path) -> list[tuple]:
    """(chat, gap, conv_no, started_at, day, ended_at, messages, speakers, organic speakers, starter,
    starter class, drew an organic reply): a reply is an active message from an organic member other
    than the one who started it."""
    out = []
    for chat, chat_msgs in _by_chat(_messages(db)).items():
        for gap in GAPS:
            for no, conv in enumerate(_conversations(chat_msgs, gap), start=1):
                first = conv[0]
                speakers = {m["member_id"] for m in conv if m["member_id"] is not None}
                organic = {m["member_id"] for m in conv if m["member_id"] is not None and m["member_class"] in ORGANIC}
                replied = any(m["member_class"] in ORGANIC and m["member_id"] != first["member_id"] for m in conv[1:])
                out.append((chat, gap, no, first["ts"], _local_day(first["ts"]), conv[-1]["ts"], len(conv),
                            len(speakers), len(organic), first["member_id"], first["member_class"], replied))
    return out


def _is_question(m: dict) -> bool:
    return (m["member_id"] is not None and m["member_class"] not in ("staff", "bot")
            and m["kind"] in ("text", "quote") and m["text"] is not None and QUESTION.search(m["text"]) is not None)


def _first_response(chat_msgs: list[dict], i: int) -> tuple | None:
    """(ts, responder, responder class, evidence) of question i, or None, as the header of
    queries/rollups/questions.sql describes it. Evidence: a quote of it, an @mention of the asker
    (strictly later), or the very next message within ADJACENT unless the asker was in a crowd (two
    or more other people among the three messages before it that fall within CROWD before it, or
    another person less than 60 s before it). All within 24 h and from someone other than the
    asker; the earliest wins, a tie goes to the stronger evidence."""
    q = chat_msgs[i]
    asker, t0 = q["member_id"], q["ts"]
    limit = t0 + dt.timedelta(hours=24)
    found = []
    for r in chat_msgs:
        if r["member_id"] == asker or not t0 <= r["ts"] <= limit:
            continue
        if r["reply_to_msg_id"] == q["msg_id"]:
            found.append((r["ts"], 1, r))
        if r["ts"] > t0 and asker in (r["mentions"] or []):
            found.append((r["ts"], 2, r))
    before = chat_msgs[max(0, i - 3):i]
    crowd = {p["member_id"] for p in before
             if p["member_id"] is not None and p["member_id"] != asker and p["ts"] > t0 - CROWD}
    just_before = bool(before) and before[-1]["member_id"] != asker and (t0 - before[-1]["ts"]).total_seconds() < 60
    if i + 1 < len(chat_msgs) and len(crowd) < 2 and not just_before:
        nxt = chat_msgs[i + 1]
        if nxt["member_id"] is not None and nxt["member_id"] != asker and nxt["ts"] <= t0 + ADJACENT:
            found.append((nxt["ts"], 3, nxt))
    if not found:
        return None
    ts, strength, r = min(found, key=lambda f: (f[0], f[1]))
    return ts, r["member_id"], r["member_class"], {1: "quote", 2: "mention", 3: "adjacency"}[strength]


def _expected_questions(db: Path) -> list[tuple]:
    """(chat, msg, asked_at, day, asker, asker class, observed_s, answered_s, responder, responder class,
    evidence); observed_s = min(24 h, export end - asked), at least 0."""
    ends = _coverage_end(db)
    out = []
    for chat, chat_msgs in _by_chat(_messages(db)).items():
        for i, q in enumerate(chat_msgs):
            if not _is_question(q):
                continue
            observed = max(0.0, min(86400.0, (ends[chat] - q["ts"]).total_seconds()))
            resp = _first_response(chat_msgs, i)
            answered = (resp[0] - q["ts"]).total_seconds() if resp else None
            out.append((chat, q["msg_id"], q["ts"], _local_day(q["ts"]), q["member_id"], q["member_class"], observed,
                        answered, *(resp[1:] if resp else (None, None, None))))
    return out


QUESTION_COLUMNS = ("chat_id, msg_id, asked_at, day, member_id, asker_class, observed_s, answered_s, responder_id, "
                    "responder_class, evidence")


@pytest.mark.slow
def test_chat_age_days_match_python_windows(demo_db: Path) -> None:
    births = {c: (born_on, seen) for c, born_on, seen in rows(demo_db, "select chat_id, born_on, birth_seen "
                                                                      "from chat_births")}
    day_rows = {(r[0], r[1], r[2]): r for r in _expected_day_speakers(demo_db)}
    msgs = _messages(demo_db).filter(pl.col("active") & pl.col("member_id").is_not_null())
    staff = Counter(msgs.filter(pl.col("member_class") == "staff").select("chat_id", "day").iter_rows())
    organic_speakers: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for chat, member, day in msgs.filter(pl.col("member_class").is_in(ORGANIC)).select(
            "chat_id", "member_id", "day").iter_rows():
        organic_speakers[(chat, day)].add(member)
    expected = []
    for chat, days in _covered(demo_db).items():
        born_on, seen = births[chat]
        days = [d for d in days if d >= born_on]
        for i, d in enumerate(days):
            everyone, organic = day_rows[(chat, d, False)], day_rows[(chat, d, True)]
            week = [w for w in days if d <= w < d + 7 * DAY]
            window_speakers = set().union(*(organic_speakers[(chat, w)] for w in week))
            expected.append((
                chat, d, (d - born_on).days, seen, everyone[3], organic[3], len(organic_speakers[(chat, d)]),
                staff[(chat, d)], everyone[7], len(window_speakers),
                sum(day_rows[(chat, w, False)][3] for w in week), sum(day_rows[(chat, w, True)][3] for w in week),
                day_rows[(chat, days[i + 6], False)][7] if i + 6 < len(days) else None, d + 6 * DAY <= days[-1]))
    got = rows(demo_db, """select chat_id, day, age_day, birth_seen, messages, organic_messages, organic_speakers,
                                  staff_messages, members, window_organic_speakers, window_messages,
                                  window_organic_messages, window_end_members, window_complete from chat_age_days""")
    _assert_same(got, expected, "chat_age_days")
    # the sample has a chat seen being born and one whose export starts later
    assert {r[3] for r in got} == {True, False}


# ---------------------------------------------------------------------------------------------
# hand-made exports


def _chat_id(db: Path, name: str) -> str:
    return rows(db, "select chat_id from chats where name = $n", {"n": name})[0][0]


def _member(db: Path, wxid: str) -> str:
    return rows(db, "select member_id from members where platform_key = $k", {"k": wxid})[0][0]


def _day_speakers(db: Path, chat: str, organic: bool) -> list[tuple]:
    """(day, messages, DAU, WAU, MAU28, members, members_7d) of one chat and scope, by day."""
    return [(d.strftime("%m-%d"), *r) for d, *r in rows(db, """
        select day, messages, speakers, wau, mau28, members, members_7d from chat_day_speakers
        where chat_id = $c and organic = $o order by day""", {"c": _chat_id(db, chat), "o": organic})]


# ---------------------------------------------------------------------------------------------
# the sample scenario against independent computations


def test_daily_member_activity_matches_raw_messages(demo_db: Path) -> None:
    msgs = _messages(demo_db)
    expected = (msgs.group_by("chat_id", "member_id", "day")
                .agg(messages=pl.len(), active=pl.col("active").sum(), n_chars=pl.col("n_chars").fill_null(0).sum(),
                     member_class=pl.col("member_class").first()))
    got = rows(demo_db, """select chat_id, member_id, day, messages, active_messages, n_chars, member_class
                           from daily_member_activity""")
    _assert_same(got, expected.rows(), "daily_member_activity")
    # the sample exercises every class a member can have there
    assert {r[6] for r in got} == {"customer", "expert", "staff", "alt"}


def test_daily_chat_activity_matches_raw_messages(demo_db: Path) -> None:
    msgs = _messages(demo_db)
    expected = msgs.group_by("chat_id", "day").agg(
        messages=pl.len(), active=pl.col("active").sum(),
        speakers=pl.col("member_id").filter(pl.col("active") & pl.col("member_id").is_not_null()).n_unique())
    got = rows(demo_db, "select chat_id, day, messages, active_messages, speakers from daily_chat_activity")
    _assert_same(got, expected.rows(), "daily_chat_activity")


@pytest.mark.slow
def test_hourly_activity_matches_raw_messages(demo_db: Path) -> None:
    expected = (_messages(demo_db).filter(pl.col("active"))
                .group_by("chat_id", "day", "hour", "kind", "member_class").agg(messages=pl.len()))
    got = rows(demo_db, "select chat_id, day, hour, kind, member_class, messages from hourly_activity")
    _assert_same(got, expected.rows(), "hourly_activity")
    assert sum(r[5] for r in got) == _messages(demo_db).filter(pl.col("active")).height


@pytest.mark.slow
def test_chat_day_speakers_match_python_sets(demo_db: Path) -> None:
    expected = _expected_day_speakers(demo_db)
    got = rows(demo_db, "select chat_id, day, organic, messages, speakers, wau, mau28, members, members_7d "
                          "from chat_day_speakers")
    _assert_same(got, expected, "chat_day_speakers")
    # one row per covered day and scope, and the organic figures really leave people out
    assert len(got) == 2 * sum(len(d) for d in _covered(demo_db).values())
    totals = {o: sum(r[3] for r in got if r[2] == o) for o in (False, True)}
    members = {o: sum(r[7] for r in got if r[2] == o) for o in (False, True)}
    assert totals[False] > totals[True] > 0 and members[False] > members[True] > 0


@pytest.mark.slow
def test_chat_period_speakers_match_python_sets(demo_db: Path) -> None:
    msgs = _messages(demo_db).filter(pl.col("active"))
    expected = []
    for period, start_of in (("week", _monday), ("month", _month)):
        for organic in (False, True):
            scoped = msgs.filter(pl.col("member_class").is_in(ORGANIC)) if organic else msgs
            n_msgs: Counter = Counter()
            speakers: dict[tuple, set] = defaultdict(set)
            for chat, member, day in scoped.select("chat_id", "member_id", "day").iter_rows():
                n_msgs[(chat, start_of(day))] += 1
                if member is not None:
                    speakers[(chat, start_of(day))].add(member)
            for chat, days in _covered(demo_db).items():
                for start, n_days in Counter(start_of(d) for d in days).items():
                    expected.append((chat, period, start, organic, n_days, n_msgs[(chat, start)],
                                     len(speakers[(chat, start)])))
    got = rows(demo_db, """select chat_id, period, period_start, organic, covered_days, messages, speakers
                           from chat_period_speakers""")
    _assert_same(got, expected, "chat_period_speakers")
    assert all(r[2].weekday() == 0 for r in got if r[1] == "week")
    assert min(r[4] for r in got if r[1] == "week") < 7 < max(r[4] for r in got if r[1] == "month")  # partial weeks


@pytest.mark.slow
def test_chat_members_match_raw_tables(demo_db: Path) -> None:
    expected = _expected_members(demo_db)
    got = rows(demo_db, f"select chat_id, member_id, {', '.join(MEMBER_COLUMNS)} from chat_members")
    _assert_same(got, [(*k, *(v[c] for c in MEMBER_COLUMNS)) for k, v in expected.items()], "chat_members")
    # the sample reaches every Orbit level but leading, and the cohort flags are not all alike
    levels = Counter(r[2 + MEMBER_COLUMNS.index("orbit_level")] for r in got)
    assert set(levels) >= {"exploring", "participating", "contributing"}
    for flag in ("activated", "spoke_week_1", "spoke_week_8"):
        assert {r[2 + MEMBER_COLUMNS.index(flag)] for r in got} >= {True, False}


def test_lurkers_match_the_planted_truth(demo_db: Path) -> None:
    """Members who never sent an active message, per chat: the planted customers, by count and by name."""
    got = rows(demo_db, """select c.name, count(*) filter (where m.n_active = 0),
                                  count(*) filter (where m.n_active = 0 and m.member_class = 'customer')
                           from chat_members m join chats c using (chat_id) group by 1""")
    assert {name: (n, n_customers) for name, n, n_customers in got} == {
        "VIP老客群": (62, 62), "新手妈妈群": (93, 93), "福利群": (109, 109)}
    assert {name: v["count"] for name, v in TRUTH["lurkers"].items()} == {"VIP老客群": 62, "新手妈妈群": 93, "福利群": 109}
    names = rows(demo_db, """select c.name, list(distinct n.name order by n.name)
                             from chat_members m join chats c using (chat_id)
                             join member_names n using (chat_id, member_id)
                             where m.n_active = 0 group by 1""")
    for chat, seen in names:
        planted = {p["name"] for p in TRUTH["lurkers"][chat]["members"]}
        assert planted <= set(seen), chat


@pytest.mark.slow
@pytest.mark.parametrize("gap", GAPS)
def test_conversations_match_python_segmentation(demo_db: Path, gap: int) -> None:
    expected = [r[:-1] for r in _expected_conversations(demo_db) if r[1] == gap]
    got = rows(demo_db, """select chat_id, gap_minutes, conv_no, started_at, day, ended_at, n_messages, n_speakers,
                                  n_organic_speakers, starter_id, starter_class
                           from conversations where gap_minutes = $g""", {"g": gap})
    _assert_same(got, expected, f"conversations (gap {gap} min)")
    assert {r[10] for r in got} >= {"staff", "customer", "expert"}


@pytest.mark.slow
@pytest.mark.parametrize("gap", GAPS)
def test_conversations_drew_an_organic_reply_from_someone_else(demo_db: Path, gap: int) -> None:
    """A reply comes from an organic member other than the starter: a customer who posts twice and
    hears only from staff drew no organic reply."""
    expected = [(r[0], r[2], r[11]) for r in _expected_conversations(demo_db) if r[1] == gap]
    got = rows(demo_db, "select chat_id, conv_no, drew_organic_reply from conversations where gap_minutes = $g",
               {"g": gap})
    _assert_same(got, expected, f"conversations.drew_organic_reply (gap {gap} min)")
    assert {r[2] for r in got} == {True, False}


@pytest.mark.slow
def test_conversation_counts_fall_as_the_gap_grows(demo_db: Path) -> None:
    got = dict(rows(demo_db, "select gap_minutes, count(*) from conversations group by 1"))
    expected = Counter(r[1] for r in _expected_conversations(demo_db))
    assert got == dict(expected)
    assert got[10] > got[30] > got[60] >= got[90] > 0


@pytest.mark.slow
def test_questions_match_python_first_responses(demo_db: Path) -> None:
    expected = _expected_questions(demo_db)
    got = rows(demo_db, f"select {QUESTION_COLUMNS} from questions")
    _assert_same(got, expected, "questions")
    evidence = Counter(r[10] for r in got)
    assert set(evidence) == {"quote", "mention", "adjacency", None}
    assert {r[5] for r in got} <= {"customer", "expert", "alt"}  # staff and bots ask no questions here
    assert all(r[7] is None or 0 <= r[7] <= 86400 for r in got)


# ---------------------------------------------------------------------------------------------
# hand-made exports: the edge cases, with the right answers written out


@pytest.mark.slow
def test_an_import_refreshes_rollups_over_its_own_coverage(tmp_path: Path) -> None:
    """The rollups that read the export's coverage (covered days, questions' observation window, the
    Orbit year) must see the import that triggered the refresh, not only the ones before it."""
    db = tmp_path / "db.duckdb"
    _ingest_chat(db, tmp_path, "chat.csv", "单次群", [
        ("2025-03-03 10:00:00", "甲", "wxid_jia", "请问几点开门？"),
        ("2025-03-04 10:00:00", "乙", "wxid_yi", "早"),
    ])
    chat = _chat_id(db, "单次群")
    assert rows(db, "select day from covered_days where chat_id = $c order by day", {"c": chat}) == [
        (dt.date(2025, 3, 3),), (dt.date(2025, 3, 4),)]
    # 乙 was in the group (born before its export) from its first message
    assert _day_speakers(db, "单次群", False) == [("03-03", 1, 1, 1, 1, 2, 2), ("03-04", 1, 1, 2, 2, 2, 2)]
    assert rows(db, "select observed_s, answered_s from questions where chat_id = $c", {"c": chat}) == [(86400.0, None)]
    assert rows(db, "select count(*) from chat_period_speakers where chat_id = $c", {"c": chat}) == [(4,)]


@pytest.mark.slow
def test_a_member_who_joins_mid_window(tmp_path: Path) -> None:
    """阿芳 joins on 03-05 and first speaks on 03-07: a member from 03-05, in MAU28 only from 03-07.
    阿美 is removed on 03-09: a member until the day before, still in MAU28 (she spoke within 28 days)."""
    db = tmp_path / "db.duckdb"
    _ingest_chat(db, tmp_path, "chat.csv", "成长群", [
        ("2025-03-03 09:00:00", "店长", "wxid_boss", "大家早上好"),
        ("2025-03-03 09:05:00", "小红", "wxid_hong", "早"),
        ("2025-03-03 09:06:00", "阿美", "wxid_mei", "早安"),
        ("2025-03-05 10:00:00", "", "", '"小红"邀请"阿芳"加入了群聊'),
        ("2025-03-05 10:01:00", "店长", "wxid_boss", "欢迎新朋友"),
        ("2025-03-07 11:00:00", "阿芳", "wxid_fang", "大家好，我是新来的"),
        ("2025-03-09 12:00:00", "", "", '"店长"将"阿美"移出了群聊'),
        ("2025-03-16 12:00:00", "小红", "wxid_hong", "周末好"),
    ])
    # (day, messages, DAU, WAU, MAU28, members, members_7d)
    # 阿美 is removed on 03-09: in the chat that day, not after; in its 7-day window through 03-15
    expected = [
        ("03-03", 3, 3, 3, 3, 3, 3), ("03-04", 0, 0, 3, 3, 3, 3), ("03-05", 1, 1, 3, 3, 4, 4),
        ("03-06", 0, 0, 3, 3, 4, 4), ("03-07", 1, 1, 4, 4, 4, 4), ("03-08", 0, 0, 4, 4, 4, 4),
        ("03-09", 0, 0, 4, 4, 4, 4), ("03-10", 0, 0, 2, 4, 3, 4), ("03-11", 0, 0, 2, 4, 3, 4),
        ("03-12", 0, 0, 1, 4, 3, 4), ("03-13", 0, 0, 1, 4, 3, 4), ("03-14", 0, 0, 0, 4, 3, 4),
        ("03-15", 0, 0, 0, 4, 3, 4), ("03-16", 1, 1, 1, 4, 3, 3),
    ]
    assert _day_speakers(db, "成长群", False) == expected
    assert _day_speakers(db, "成长群", True) == expected  # nobody holds a role: everyone is organic
    got = rows(db, """select m.platform_key, strftime(c.joined_at, '%m-%d %H:%M'), c.join_method, c.exit_kind,
                             strftime(c.entered_on, '%m-%d'), c.entered_approx, c.activated, c.spoke_week_1
                      from chat_members c join members m using (member_id) order by 1""")
    assert got == [
        # there when the export began (the group is older): no join cohort
        ("wxid_boss", None, None, None, "03-03", True, None, None),
        ("wxid_fang", "03-05 10:00", "invite", None, "03-05", False, True, False),
        ("wxid_hong", None, None, None, "03-03", True, None, None),
        ("wxid_mei", None, None, "remove", "03-03", True, None, None),
    ]
    _assert_same(rows(db, "select chat_id, day, organic, messages, speakers, wau, mau28, members, members_7d "
                          "from chat_day_speakers"),
                 _expected_day_speakers(db), "chat_day_speakers")


@pytest.mark.slow
def test_a_gap_in_coverage_is_not_quiet_days(tmp_path: Path) -> None:
    """Two exports of one chat a week apart: the days between are no covered days, have no rows,
    and a window reaching into the gap counts only the exported days."""
    db = tmp_path / "db.duckdb"
    _ingest_chat(db, tmp_path, "part1.csv", "断档群", [
        ("2025-03-03 10:00:00", "甲", "wxid_a", "早"),
        ("2025-03-04 10:00:00", "乙", "wxid_b", "在"),
        ("2025-03-05 20:00:00", "丙", "wxid_c", "晚安"),
    ], ids="a")
    _ingest_chat(db, tmp_path, "part2.csv", "断档群", [
        ("2025-03-12 09:00:00", "丁", "wxid_d", "回来了"),
        ("2025-03-13 09:00:00", "甲", "wxid_a", "好久不见"),
    ], ids="b")
    chat = _chat_id(db, "断档群")
    assert rows(db, "select count(*) from chats") == [(1,)]
    days = [d.strftime("%m-%d") for (d,) in rows(db, "select day from covered_days where chat_id = $c order by day",
                                                {"c": chat})]
    assert days == ["03-03", "03-04", "03-05", "03-12", "03-13"]
    # (day, messages, DAU, WAU, MAU28, members, members_7d): on 03-12 the week 03-06…03-12 holds only 丁;
    # the group is older than its export and nobody is seen joining: all four are members from 03-03
    assert _day_speakers(db, "断档群", False) == [
        ("03-03", 1, 1, 1, 1, 4, 4), ("03-04", 1, 1, 2, 2, 4, 4), ("03-05", 1, 1, 3, 3, 4, 4),
        ("03-12", 1, 1, 1, 4, 4, 4), ("03-13", 1, 1, 2, 4, 4, 4),
    ]
    assert rows(db, """select period, strftime(period_start, '%m-%d'), covered_days, messages, speakers
                       from chat_period_speakers where chat_id = $c and not organic order by 1, 2""", {"c": chat}) == [
        ("month", "03-01", 5, 5, 4), ("week", "03-03", 3, 3, 3), ("week", "03-10", 2, 2, 2)]


def _service_chat(db: Path, folder: Path) -> None:
    """服务群: 店员小美 (declared staff by members.csv) posts alone on 03-04; two conversations she
    starts on 03-03, one answered by a customer; on 03-05 a customer posts twice and only she answers."""
    _ingest_chat(db, folder, "chat.csv", "服务群", [
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
    ])


def _conversation_rows(db: Path, chat: str, gap: int) -> list[tuple]:
    return rows(db, """select strftime(c.started_at, '%m-%d %H:%M'), strftime(c.ended_at, '%H:%M'), c.n_messages,
                              c.n_speakers, c.n_organic_speakers, m.platform_key, c.starter_class, c.drew_organic_reply
                       from conversations c left join members m on m.member_id = c.starter_id
                       where c.chat_id = $c and c.gap_minutes = $g order by c.conv_no""",
                {"c": _chat_id(db, chat), "g": gap})


@pytest.mark.slow
def test_a_staff_only_day_and_staff_started_conversations(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    _service_chat(db, tmp_path)
    _declare(db, tmp_path, ["服务群,wxid_staff,店员小美,店员,,,,,"])
    # (day, messages, DAU, WAU, MAU28, members, members_7d): 03-04 is empty for organic figures only;
    # 乙, not seen joining a group older than its export, is a member from the first day
    assert _day_speakers(db, "服务群", False) == [
        ("03-03", 5, 2, 2, 2, 3, 3), ("03-04", 2, 1, 2, 2, 3, 3), ("03-05", 3, 2, 3, 3, 3, 3)]
    assert _day_speakers(db, "服务群", True) == [
        ("03-03", 1, 1, 1, 1, 2, 2), ("03-04", 0, 0, 1, 1, 2, 2), ("03-05", 2, 1, 2, 2, 2, 2)]
    staff_started = [r for r in _conversation_rows(db, "服务群", 30) if r[6] == "staff"]
    assert staff_started == [
        ("03-03 10:00", "10:06", 3, 2, 1, "wxid_staff", "staff", True),
        ("03-03 15:00", "15:02", 2, 1, 0, "wxid_staff", "staff", False),
        ("03-04 09:00", "09:01", 2, 1, 0, "wxid_staff", "staff", False),
    ]
    # no gap inside them exceeds 10 minutes and every gap between them exceeds 90: the same four at every threshold
    for gap in GAPS:
        assert [r[:3] for r in _conversation_rows(db, "服务群", gap)] == [
            ("03-03 10:00", "10:06", 3), ("03-03 15:00", "15:02", 2), ("03-04 09:00", "09:01", 2),
            ("03-05 10:00", "10:03", 3)]
    _assert_same(rows(db, "select chat_id, day, organic, messages, speakers, wau, mau28, members, members_7d "
                          "from chat_day_speakers"),
                 _expected_day_speakers(db), "chat_day_speakers")


@pytest.mark.slow
def test_a_customer_talking_on_alone_draws_no_organic_reply(tmp_path: Path) -> None:
    """乙 posts twice and only staff answers: the conversation drew no reply from another organic member."""
    db = tmp_path / "db.duckdb"
    _service_chat(db, tmp_path)
    _declare(db, tmp_path, ["服务群,wxid_staff,店员小美,店员,,,,,"])
    assert _conversation_rows(db, "服务群", 30)[-1] == ("03-05 10:00", "10:03", 3, 2, 1, "wxid_yi", "customer", False)


@pytest.mark.slow
def test_declaring_staff_switches_their_class_in_the_rollups(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    _service_chat(db, tmp_path)
    staff = _member(db, "wxid_staff")

    def classes() -> tuple[list, list, list]:
        daily = rows(db, """select strftime(day, '%m-%d'), active_messages, member_class from daily_member_activity
                            where member_id = $m order by day""", {"m": staff})
        hourly = rows(db, """select h.hour, h.member_class, sum(h.messages) from hourly_activity h
                             where h.chat_id = $c and h.hour in (9, 15) group by all order by all""",
                      {"c": _chat_id(db, "服务群")})
        member = rows(db, "select member_class, is_organic from chat_members where member_id = $m", {"m": staff})
        return daily, hourly, member

    assert classes() == (
        [("03-03", 4, "customer"), ("03-04", 2, "customer"), ("03-05", 1, "customer")],
        [(9, "customer", 2), (15, "customer", 2)],
        [("customer", True)],
    )
    _declare(db, tmp_path, ["服务群,wxid_staff,店员小美,店员,,,,,"])
    assert classes() == (
        [("03-03", 4, "staff"), ("03-04", 2, "staff"), ("03-05", 1, "staff")],
        [(9, "staff", 2), (15, "staff", 2)],
        [("staff", False)],
    )
    # the 10 o'clock hour on 03-03 splits by class: 2 staff messages, 1 customer
    assert rows(db, """select member_class, messages from hourly_activity
                       where day = date '2025-03-03' and hour = 10 order by 1""") == [("customer", 1), ("staff", 2)]


@pytest.mark.slow
def test_questions_unanswered_and_answered_by_a_late_quote(tmp_path: Path) -> None:
    """An unanswered question seen for 24 h, one answered by a quote after 2 h, and one asked 2 h
    before the export ends (observed for those 2 h only)."""
    db = tmp_path / "db.duckdb"
    _ingest_chat(db, tmp_path, "chat.csv", "问答群", [
        ("2025-03-03 10:00:00", "甲", "wxid_jia", "请问周末营业吗？"),
        ("2025-03-03 10:45:00", "乙", "wxid_yi", "今天天气真好"),  # 45 min later: not an adjacent answer
        ("2025-03-04 09:00:00", "丙", "wxid_bing", "有没有试用装"),
        ("2025-03-04 11:00:00", "店员", "wxid_staff", "有的，到店领取", "quote", "x3"),
        ("2025-03-05 18:00:00", "甲", "wxid_jia", "明天几点开门"),
        ("2025-03-05 20:00:00", "乙", "wxid_yi", "晚安"),
    ])
    got = rows(db, """select m.text, q.observed_s, q.answered_s, r.platform_key, q.responder_class, q.evidence
                      from questions q join messages m using (msg_id) left join members r on r.member_id = q.responder_id
                      order by q.asked_at""")
    assert got == [
        ("请问周末营业吗？", 86400.0, None, None, None, None),
        ("有没有试用装", 86400.0, 7200.0, "wxid_staff", "customer", "quote"),
        ("明天几点开门", 7200.0, None, None, None, None),
    ]
    _assert_same(rows(db, f"select {QUESTION_COLUMNS} from questions"), _expected_questions(db), "questions")


@pytest.mark.slow
def test_first_response_evidence_and_crowds(tmp_path: Path) -> None:
    """Quote, @mention and adjacency (the next message within 30 min); the earliest wins and a tie goes
    to the stronger evidence; adjacency is off in a crowd (two other people among the three messages
    before, within 10 min) or right after another person (< 60 s); the asker quoting herself and a
    quote after 24 h are no response."""
    db = tmp_path / "db.duckdb"
    _ingest_chat(db, tmp_path, "chat.csv", "答疑群", [
        ("2025-03-03 09:59:00", "甲", "wxid_jia", "大家好"),  # x1
        ("2025-03-03 10:00:00", "甲", "wxid_jia", "在吗？"),  # x2: answered by adjacency
        ("2025-03-03 10:01:00", "乙", "wxid_yi", "在的"),  # x3
        ("2025-03-03 11:00:00", "甲", "wxid_jia", "今天好热"),  # x4
        ("2025-03-03 11:01:00", "乙", "wxid_yi", "是啊"),  # x5
        ("2025-03-03 11:03:00", "丙", "wxid_bing", "能不能寄快递"),  # x6: a crowd (甲, 乙); the mention answers
        ("2025-03-03 11:05:00", "丁", "wxid_ding", "可以的"),  # x7: next, but not adjacency in a crowd
        ("2025-03-03 11:06:00", "乙", "wxid_yi", "@丙 可以寄"),  # x8
        ("2025-03-03 14:00:00", "甲", "wxid_jia", "我先说一下"),  # x9
        ("2025-03-03 14:01:00", "甲", "wxid_jia", "然后"),  # x10
        ("2025-03-03 14:05:00", "丁", "wxid_ding", "大家好"),  # x11
        ("2025-03-03 14:05:30", "甲", "wxid_jia", "怎么报名呢"),  # x12: 丁 spoke 30 s before: unanswered
        ("2025-03-03 14:06:00", "丁", "wxid_ding", "接龙就行"),  # x13
        ("2025-03-03 16:00:00", "戊", "wxid_wu", "我来了"),  # x14
        ("2025-03-03 16:01:00", "戊", "wxid_wu", "今天去店里"),  # x15
        ("2025-03-03 16:02:00", "戊", "wxid_wu", "有没有优惠"),  # x16: adjacency (16:05) before the quote (16:10)
        ("2025-03-03 16:05:00", "甲", "wxid_jia", "有的"),  # x17
        ("2025-03-03 16:10:00", "乙", "wxid_yi", "满百减十", "quote", "x16"),  # x18
        ("2025-03-03 18:00:00", "戊", "wxid_wu", "好的谢谢", "quote", "x16"),  # x19: the asker herself
        ("2025-03-03 20:00:00", "己", "wxid_ji", "晚上好"),  # x20
        ("2025-03-03 20:01:00", "己", "wxid_ji", "问一下"),  # x21
        ("2025-03-03 20:02:00", "己", "wxid_ji", "周日开门吗"),  # x22: quote and adjacency at once: the quote
        ("2025-03-03 20:04:00", "乙", "wxid_yi", "开的", "quote", "x22"),  # x23
        ("2025-03-04 09:00:00", "庚", "wxid_geng", "哪里买的"),  # x24: quoted 25 h later: unanswered
        ("2025-03-04 15:00:00", "辛", "wxid_xin", "多少钱一盒"),  # x25: the next message 20 min later
        ("2025-03-04 15:20:00", "乙", "wxid_yi", "九十九"),  # x26
        ("2025-03-04 16:00:00", "辛", "wxid_xin", "有没有大号"),  # x27: the next message 31 min later
        ("2025-03-04 16:31:00", "乙", "wxid_yi", "没有了"),  # x28
        ("2025-03-05 10:00:00", "乙", "wxid_yi", "超市", "quote", "x24"),  # x29
        ("2025-03-05 10:30:00", "乙", "wxid_yi", "大家早"),  # x30
    ])
    got = rows(db, """select m.text, q.answered_s, r.platform_key, q.evidence, q.observed_s
                      from questions q join messages m using (msg_id) left join members r on r.member_id = q.responder_id
                      order by q.asked_at""")
    assert got == [
        ("在吗？", 60.0, "wxid_yi", "adjacency", 86400.0),
        ("能不能寄快递", 180.0, "wxid_yi", "mention", 86400.0),
        ("怎么报名呢", None, None, None, 86400.0),
        ("有没有优惠", 180.0, "wxid_jia", "adjacency", 86400.0),
        ("周日开门吗", 120.0, "wxid_yi", "quote", 86400.0),
        ("哪里买的", None, None, None, 86400.0),
        ("多少钱一盒", 1200.0, "wxid_yi", "adjacency", 70200.0),
        ("有没有大号", None, None, None, 66600.0),
    ]
    _assert_same(rows(db, f"select {QUESTION_COLUMNS} from questions"), _expected_questions(db), "questions")


@pytest.mark.slow
def test_a_question_opening_the_export_can_be_answered_by_adjacency(tmp_path: Path) -> None:
    """Nobody spoke before the chat's first message, so nothing rules adjacency out."""
    db = tmp_path / "db.duckdb"
    _ingest_chat(db, tmp_path, "chat.csv", "开场群", [
        ("2025-03-03 10:00:00", "甲", "wxid_jia", "在吗？"),
        ("2025-03-03 10:01:00", "乙", "wxid_yi", "在的"),
    ])
    got = rows(db, """select q.answered_s, r.platform_key, q.evidence, q.observed_s
                      from questions q left join members r on r.member_id = q.responder_id""")
    assert got == [(60.0, "wxid_yi", "adjacency", 60.0)]

