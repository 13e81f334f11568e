"""Events found in the chat (docs/metrics.md §5.2): Chinese day and hour expressions read against the
time a message was sent, announcements, reminders and 接龙 lists gathered per chat and event day,
the planted events of the sample scenario with their sign-ups, and the owner's answer about an
event no events.csv names."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from conftest import rows
from handmade import declare, ingest_chat
from independent import TRUTH, frame

from dashboard.core import db, event_records, queries
from dashboard.core.analytics import event_detect
from dashboard.core.analytics.event_detect import detect
from dashboard.core.text.when import parse_when

TZ = ZoneInfo("Asia/Shanghai")
SENT = dt.datetime(2025, 6, 3, 10, 26, tzinfo=TZ)  # a Tuesday


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


# ---------------------------------------------------------------------------------------------
# parse_when


@pytest.mark.parametrize(("text", "expected"), [
    ("6月14日 14:00 夏日插花课", at(2025, 6, 14, 14, 0)),
    ("本周六下午3点到店", at(2025, 6, 7, 15, 0)),
    ("明天14点", at(2025, 6, 4, 14, 0)),
    ("下周三上午10点半", at(2025, 6, 11, 10, 30)),
    ("周日晚上七点", at(2025, 6, 8, 19, 0)),
    ("后天", at(2025, 6, 5, 10, 0)),                    # no hour: the 10:00 default
    ("下下周一", at(2025, 6, 16, 10, 0)),
    ("2026年1月3日下午两点", at(2026, 1, 3, 14, 0)),
    ("6月14号", at(2025, 6, 14, 10, 0)),
    ("周六下午3点半", at(2025, 6, 7, 15, 30)),
    ("6月14日下午2点", at(2025, 6, 14, 14, 0)),
])
def test_parse_when_reads_shop_expressions(text: str, expected: dt.datetime) -> None:
    got = parse_when(text, SENT)
    assert got == expected
    assert got is not None and got.tzinfo == SENT.tzinfo and got.utcoffset() == expected.utcoffset()


def test_parse_when_a_january_day_written_in_december_is_next_year() -> None:
    assert parse_when("1月5号", at(2025, 12, 20, 9, 0)) == at(2026, 1, 5, 10, 0)


@pytest.mark.parametrize("text", ["下午3点", "宝宝12个月了", "3.5折", "满199减30", "2月30日", "", "14:00开始"])
def test_parse_when_without_a_day_gives_none(text: str) -> None:
    assert parse_when(text, SENT) is None


@pytest.mark.parametrize("tz", [dt.UTC, ZoneInfo("America/New_York"), dt.timezone(dt.timedelta(hours=9))])
def test_parse_when_keeps_the_time_zone_of_the_sent_time(tz: dt.tzinfo) -> None:
    sent = dt.datetime(2025, 6, 3, 10, 26, tzinfo=tz)
    got = parse_when("明天14点", sent)
    assert got is not None and got.tzinfo is tz
    assert (got.date(), got.time()) == (dt.date(2025, 6, 4), dt.time(14, 0))  # wall clock of that zone


def test_parse_when_tonight_is_evening() -> None:
    assert parse_when("今晚8点直播抽奖活动", SENT) == at(2025, 6, 3, 20, 0)
    assert parse_when("明晚7点", SENT) == at(2025, 6, 4, 19, 0)


def test_parse_when_feb_29_rolled_into_a_common_year_does_not_raise() -> None:
    assert parse_when("2月29日", at(2024, 6, 1, 10, 0)) in (None, at(2025, 2, 28, 10, 0), at(2028, 2, 29, 10, 0))


# ---------------------------------------------------------------------------------------------
# detect() on hand-built candidate frames


def candidates(items: list[tuple]) -> pl.DataFrame:
    """(chat_id, msg_id, ts, text, sender_class[, solitaire_id]) → a frame like events/candidates."""
    data = [(*r, None) if len(r) == 5 else r for r in items]
    return pl.DataFrame(data, schema={"chat_id": pl.String, "msg_id": pl.String,
                                      "ts": pl.Datetime("us", time_zone="Asia/Shanghai"), "text": pl.String,
                                      "sender_class": pl.String, "solitaire_id": pl.String}, orient="row")


ANNOUNCE = ("c1", "m1", SENT, "【活动预告】6月14日 14:00 夏日插花课，名额有限，想参加的宝妈请接龙报名[玫瑰]", "staff")
SOLITAIRE = ("c1", "s1", at(2025, 6, 3, 10, 28), "夏日插花课 6月14日14点 小雨点母婴(万达店)", "customer", "sol1")
REMINDER = ("c1", "m2", at(2025, 6, 13, 9, 0), "明天14点夏日插花课，报名的宝妈别忘了哦", "staff")


def test_announcement_reminder_and_list_make_one_event() -> None:
    got = detect(candidates([REMINDER, SOLITAIRE, ANNOUNCE]))  # any input order
    assert got.height == 1, got
    ev = got.row(0, named=True)
    assert ev["chat_id"] == "c1" and ev["title"] == "夏日插花课"
    assert ev["start_at"] == at(2025, 6, 14, 14, 0)
    assert ev["announce_msg_id"] == "m1" and ev["announced_at"] == SENT
    assert ev["reminders"] == 1 and ev["solitaire_id"] == "sol1"
    assert ev["mentions"] == ["m1", "s1", "m2"]
    assert re.fullmatch(r"[0-9a-f]{12}", ev["detect_id"])
    assert got.schema == pl.Schema(event_detect.SCHEMA)


def test_the_list_title_names_the_event_and_a_later_hour_beats_the_default() -> None:
    first = ("c1", "m1", SENT, "【活动预告】6月14日有活动，欢迎报名", "staff")
    got = detect(candidates([first, SOLITAIRE])).row(0, named=True)
    assert got["title"] == "夏日插花课"
    assert got["start_at"] == at(2025, 6, 14, 14, 0)


@pytest.mark.parametrize("who", ["expert", "alt"])
def test_experts_and_alts_announce_too(who: str) -> None:
    assert detect(candidates([(*ANNOUNCE[:4], who)])).height == 1


def test_a_customer_message_alone_is_not_an_event() -> None:
    assert detect(candidates([("c1", "m9", SENT, "明天来店里参加活动吗", "customer")])).height == 0
    # the same words from the shop are
    assert detect(candidates([("c1", "m9", SENT, "明天来店里参加活动吗", "staff")])).height == 1


@pytest.mark.parametrize("text", [
    "【活动回顾】6月1日 亲子手工课圆满结束",      # a day already past
    "【活动预告】8月10日 10:00 亲子手工课",       # 68 days ahead
    "【活动】宝宝12个月了可以报名吗",              # no day at all
])
def test_days_in_the_past_or_too_far_ahead_are_not_events(text: str) -> None:
    assert detect(candidates([("c1", "m1", SENT, text, "staff")])).height == 0


def test_an_event_later_or_earlier_the_same_day_still_counts() -> None:
    """Days are compared, not instants: "今天上午9点 …" sent at 10:26, or a day-of "今天活动开始啦"
    with no hour, still belongs to today's event."""
    for text in ("【活动预告】今天上午9点 亲子手工课", "今天活动开始啦，报名的宝妈到店签到"):
        got = detect(candidates([("c1", "m1", SENT, text, "staff")]))
        assert got.height == 1 and got["start_at"][0].astimezone(SENT.tzinfo).date() == SENT.date()


def test_sixty_days_ahead_is_the_limit() -> None:
    inside = ("c1", "m1", SENT, "【活动预告】8月1日 11:00 亲子手工课", "staff")  # 59 days
    assert detect(candidates([inside])).height == 1


def test_two_days_in_one_chat_and_one_day_in_two_chats() -> None:
    other_day = ("c1", "m3", SENT, "【活动预告】6月21日 10:00 亲子瑜伽，欢迎报名", "staff")
    got = detect(candidates([ANNOUNCE, other_day])).sort("start_at")
    assert got["title"].to_list() == ["夏日插花课", "亲子瑜伽"]
    assert got["start_at"].to_list() == [at(2025, 6, 14, 14, 0), at(2025, 6, 21, 10, 0)]
    assert got["detect_id"].n_unique() == 2
    two_chats = detect(candidates([ANNOUNCE, ("c2", *ANNOUNCE[1:])])).sort("chat_id")
    assert two_chats["chat_id"].to_list() == ["c1", "c2"] and two_chats["detect_id"].n_unique() == 2


def test_detect_ids_are_stable() -> None:
    items = [ANNOUNCE, SOLITAIRE, REMINDER]
    a, b = detect(candidates(items)), detect(candidates(list(reversed(items))))
    assert a.equals(b)
    # the id names the chat and day, not the wording
    reworded = detect(candidates([("c1", "m7", SENT, "【活动】6月14日 插花课报名啦", "staff")]))
    assert reworded["detect_id"].to_list() == a["detect_id"].to_list()


def test_no_candidates_give_an_empty_frame_of_the_schema() -> None:
    got = detect(candidates([]))
    assert got.height == 0 and got.schema == pl.Schema(event_detect.SCHEMA)


# ---------------------------------------------------------------------------------------------
# the sample scenario


def _chat_events(db_path: Path) -> pl.DataFrame:
    return frame(db_path, "select h.name as chat, e.* from chat_events e join chats h using (chat_id)")


def test_sample_finds_each_planted_event_once(demo_db: Path) -> None:
    found = _chat_events(demo_db)
    assert found.height == len(TRUTH["events"]), found
    for ev in TRUTH["events"]:
        start = dt.datetime.fromisoformat(ev["start"])
        mine = found.filter((pl.col("chat") == ev["chat"]) & (pl.col("start_at").dt.date() == start.date()))
        assert mine.height == 1, (ev["id"], mine)
        row = mine.row(0, named=True)
        assert row["start_at"] == start, (ev["id"], row["start_at"])
        assert row["title"] == ev["name"]
        assert row["solitaire_id"] is not None and row["reminders"] >= 1
        assert row["announced_at"] == dt.datetime.fromisoformat(ev["announced_at"])


def test_sample_event_links_match_each_store_event_to_its_chat(demo_db: Path) -> None:
    links = frame(demo_db, """select l.event_id, h.name as chat, l.detect_id, l.solitaire_id, l.exposed_at
                              from event_links l left join chats h using (chat_id) order by event_id""")
    by_id = {ev["id"]: ev for ev in TRUTH["events"]}
    assert links["event_id"].to_list() == sorted(by_id)  # one row each: no event matched twice
    detected = _chat_events(demo_db)
    for r in links.iter_rows(named=True):
        ev = by_id[r["event_id"]]
        assert r["chat"] == ev["chat"]
        start = dt.datetime.fromisoformat(ev["start"])
        assert detected.filter(pl.col("detect_id") == r["detect_id"])["start_at"].to_list() == [start]
        assert r["solitaire_id"] is not None
        assert r["exposed_at"] == dt.datetime.fromisoformat(ev["announced_at"])


@pytest.mark.parametrize("event_id", [ev["id"] for ev in TRUTH["events"]])
def test_sample_sign_ups_are_the_planted_ones(demo_db: Path, event_id: str) -> None:
    """Every 接龙 line is a sign-up, an alt account's too (member_class tells); the rest of the
    exposed are the chat's customers and experts."""
    ev = next(e for e in TRUTH["events"] if e["id"] == event_id)
    con = db.open_reader(demo_db)
    try:
        exposed = queries.run(con, "events/exposed", event_ids=[event_id])
    finally:
        con.close()
    signed = exposed.filter(pl.col("signed_up"))
    assert set(signed["name"]) == {s["name"] for s in ev["signed_up"]}
    assert signed["member_id"].n_unique() == signed.height == ev["solitaire_entries"]
    assert signed["signed_up_at"].null_count() == 0 and signed["signup_line"].null_count() == 0
    # every planted alt is class alt: declared in members.csv, or found by the app (suspected alts
    # leave the organic figures by default)
    alts = {s["name"] for s in ev["signed_up"] if s["is_alt"]}
    assert set(signed.filter(pl.col("member_class") == "alt")["name"]) == alts
    assert set(exposed["event_id"]) == {event_id}
    assert set(exposed.filter(~pl.col("signed_up"))["member_class"]) <= {"customer", "expert"}
    assert "staff" not in set(exposed["member_class"])


def test_sample_sign_up_time_is_the_first_list_version_holding_the_line(demo_db: Path) -> None:
    ev = next(e for e in TRUTH["events"] if e["id"] == "E02")
    con = db.open_reader(demo_db)
    try:
        exposed = queries.run(con, "events/exposed", event_ids=["E02"]).filter(pl.col("signed_up"))
    finally:
        con.close()
    # (1) the stored entries
    sid = rows(demo_db, "select solitaire_id from event_links where event_id = 'E02'")[0][0]
    entries = {m: t for m, t in rows(demo_db, """select member_id, min(first_seen_at) from solitaire_entries
                                                 where solitaire_id = $s and member_id is not null group by all""",
                                     {"s": sid})}
    got = dict(zip(exposed["member_id"], exposed["signed_up_at"], strict=True))
    assert got == {m: entries[m] for m in got}
    # (2) the raw list versions, read here: the first message whose numbered lines hold the line
    versions = rows(demo_db, """select m.ts, m.text from messages m join chats c using (chat_id)
                                where c.name = $chat and m.kind = 'solitaire' and m.text like $t order by m.ts""",
                    {"chat": ev["chat"], "t": f"%{ev['name']}%"})
    assert len(versions) >= 2
    numbered = re.compile(r"^\s*\d{1,3}[.．、]\s*(.+?)\s*$")
    for r in exposed.iter_rows(named=True):
        first = next(ts for ts, text in versions
                     if r["signup_line"] in [m.group(1) for m in map(numbered.match, text.splitlines()) if m])
        assert r["signed_up_at"] == first, r
        assert r["signed_up_at"] >= dt.datetime.fromisoformat(ev["announced_at"])


# ---------------------------------------------------------------------------------------------
# the owner's answer about an event no events.csv names

BOOK_CLUB = "【活动预告】7月5日 10:00 绘本共读会，欢迎报名"


@pytest.fixture(scope="module")
def book_club_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("bookclub")
    path = tmp / "db.duckdb"
    records = [
        ("2025-06-20 09:00:00", "店长", "wxid_owner", "早上好"),
        ("2025-06-20 09:30:00", "朵朵妈", "wxid_dd", "早"),
        ("2025-06-20 10:00:00", "店长", "wxid_owner", BOOK_CLUB),
        ("2025-06-20 10:05:00", "朵朵妈", "wxid_dd", "明天来店里参加活动吗"),  # a customer: not an event
        ("2025-06-21 11:00:00", "乐乐妈", "wxid_ll", "想报名"),
    ]
    ingest_chat(path, tmp, "绘本群.csv", "绘本群", records)
    declare(path, tmp, ["绘本群,wxid_owner,店长,店长,,,,,"])
    return path


def _copy(src: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(src, target)
    return target


def _detected(path: Path) -> dict:
    found = rows(path, "select detect_id, title, start_at, announced_at from chat_events")
    assert len(found) == 1, found
    detect_id, title, start_at, announced_at = found[0]
    assert title == "绘本共读会" and start_at == at(2025, 7, 5, 10, 0)
    return {"detect_id": detect_id, "announced_at": announced_at}


@pytest.mark.slow
def test_an_unmatched_chat_event_waits_for_the_owner(book_club_db: Path) -> None:
    d = _detected(book_club_db)
    assert rows(book_club_db, "select count(*) from store_events")[0][0] == 0
    con = db.open_reader(book_club_db)
    try:
        listed = queries.run(con, "events/detected")
    finally:
        con.close()
    assert listed["detect_id"].to_list() == [d["detect_id"]]
    assert listed["matched_event"].to_list() == [None] and listed["decision"].to_list() == [None]


@pytest.mark.slow
def test_confirming_makes_a_store_event_that_event_links_links(book_club_db: Path, tmp_path: Path) -> None:
    path = _copy(book_club_db, tmp_path)
    d = _detected(path)
    version = rows(path, "select value from meta where key = 'data_version'")[0][0]
    with db.writer(path) as con:
        got = event_records.decide(con, d["detect_id"], confirm=True)
    event_id = f"chat-{d['detect_id']}"
    assert got == event_id
    assert rows(path, "select event_id, name, start_at, announce_at from store_events") == \
        [(event_id, "绘本共读会", at(2025, 7, 5, 10, 0), d["announced_at"])]
    assert rows(path, "select detect_id, decision, event_id from event_decisions") == \
        [(d["detect_id"], "confirmed", event_id)]
    assert rows(path, "select event_id, detect_id, exposed_at from event_links") == \
        [(event_id, d["detect_id"], d["announced_at"])]
    assert int(rows(path, "select value from meta where key = 'data_version'")[0][0]) > int(version)
    # the customers of the chat at the announcement are exposed; the shop is not
    exposed = frame(path, "select name from event_exposure where event_id = $e", {"e": event_id})
    # 乐乐妈 first spoke after it, but the group is older than its export and she is not seen
    # joining: she was in it all along (docs/metrics.md §1.3)
    assert set(exposed["name"]) == {"朵朵妈", "乐乐妈"}
    # changing her mind: dismissed, the store event goes
    with db.writer(path) as con:
        assert event_records.decide(con, d["detect_id"], confirm=False) is None
    assert rows(path, "select count(*) from store_events")[0][0] == 0
    assert rows(path, "select decision, event_id from event_decisions") == [("dismissed", None)]


def test_dismissing_stores_no_event(book_club_db: Path, tmp_path: Path) -> None:
    path = _copy(book_club_db, tmp_path)
    d = _detected(path)
    with db.writer(path) as con:
        assert event_records.decide(con, d["detect_id"], confirm=False) is None
    assert rows(path, "select count(*) from store_events")[0][0] == 0
    assert rows(path, "select detect_id, decision, event_id from event_decisions") == [(d["detect_id"], "dismissed", None)]
    assert rows(path, "select count(*) from event_links")[0][0] == 0
    con = db.open_reader(path)
    try:
        assert queries.run(con, "events/detected")["decision"].to_list() == ["dismissed"]
    finally:
        con.close()


def test_an_unknown_detect_id_is_refused(book_club_db: Path, tmp_path: Path) -> None:
    path = _copy(book_club_db, tmp_path)
    before = rows(path, "select value from meta where key = 'data_version'")
    with db.writer(path) as con, pytest.raises(ValueError, match="nope"):
        event_records.decide(con, "nope", confirm=True)
    assert rows(path, "select count(*) from event_decisions")[0][0] == 0
    assert rows(path, "select value from meta where key = 'data_version'") == before
