"""Red packets (docs/metrics.md §7.2): each packet's hour against the same clock hour on
earlier weeks, the parametric bootstrap of its lift, the pooled lift resampling whole days, the
dependency signal, and the CLI. Recounts read the raw messages, never the SQL under test."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from conftest import rows
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.core import db, queries
from dashboard.core.analytics import red_packets
from tests.independent import TRUTH, covered, local_day, messages, monday

HOUR = dt.timedelta(minutes=60)
WEEK = dt.timedelta(days=7)


@pytest.fixture(scope="module")
def per_packet(demo_db: Path) -> pl.DataFrame:
    with db.reader(demo_db) as con:
        return red_packets.packets(con, None)


@pytest.fixture(scope="module")
def organic_msgs(demo_db: Path) -> dict[str, list[tuple[dt.datetime, str]]]:
    """chat → (time, member) of every organic (customer or expert) active message, from the raw tables."""
    m = messages(demo_db).filter(pl.col("active") & pl.col("member_class").is_in(["customer", "expert"]))
    out: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for chat, member, ts in m.select("chat_id", "member_id", "ts").iter_rows():
        out[chat].append((ts, member))
    return out


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _utc(ts: dt.datetime) -> dt.datetime:
    return ts.astimezone(dt.UTC)


# ---------------------------------------------------------------------------------------------
# the sample: planted packets


def test_every_planted_packet_is_counted_exactly_and_its_lift_is_inside_the_interval(per_packet: pl.DataFrame) -> None:
    got = {(r["chat_name"], _utc(r["ts"])): r for r in per_packet.iter_rows(named=True)}
    assert len(got) == per_packet.height == len(TRUTH["red_packets"]) == 9
    for p in TRUTH["red_packets"]:
        r = got[(p["chat"], _at(p["at"]))]
        where = f"{p['chat']} {p['at']}"
        assert (r["msgs_60"], r["speakers_60"]) == (p["organic_messages_60min"], p["organic_speakers_60min"]), where
        assert r["claims"] == p["claims"], where
        assert r["sender_name"] == p["sender"]["name"] and r["sender_class"] == "staff", where
        assert r["lift_msgs_lo"] <= p["planted_lift"]["messages"] <= r["lift_msgs_hi"], where
        assert r["lift_speakers_lo"] <= p["planted_lift"]["speakers"] <= r["lift_speakers_hi"], where
        # the point estimate is observed − expected, and sits inside its own interval
        assert r["lift_msgs"] == pytest.approx(r["msgs_60"] - r["exp_msgs_60"])
        assert r["lift_msgs_lo"] <= r["lift_msgs"] <= r["lift_msgs_hi"], where
        # no amount entered in the sample: no cost
        assert r["amount"] is None and r["cost_per_extra_speaker"] is None


def test_expected_counts_equal_an_independent_recount_of_the_control_hours(
        demo_db: Path, per_packet: pl.DataFrame, organic_msgs: dict) -> None:
    """Each packet's expectation recounted from the raw messages: the same clock hour 1–4 weeks
    earlier, a week counting only when its day is covered by an import and no packet or event
    announcement of the chat falls within 60 minutes of its start; the weeks after stand in only
    when no earlier week counts (the sample's first packet of each chat)."""
    cov = {c: set(days) for c, days in covered(demo_db).items()}
    packets = rows(demo_db, "select packet_id, chat_id, ts from red_packets")
    announced = rows(demo_db, "select chat_id, announced_at from chat_events")

    def usable(chat: str, w0: dt.datetime) -> bool:
        return (local_day(w0) in cov[chat]
                and not any(c == chat and w0 - HOUR <= t < w0 + HOUR for _, c, t in packets)
                and not any(c == chat and w0 - HOUR <= t < w0 + HOUR for c, t in announced))

    def hour_of(chat: str, w0: dt.datetime) -> tuple[int, int]:
        inside = [m for t, m in organic_msgs[chat] if w0 <= t < w0 + HOUR]
        return len(inside), len(set(inside))

    got = {r["packet_id"]: r for r in per_packet.iter_rows(named=True)}
    later_used = 0
    for pid, chat, t0 in packets:
        before = [t0 - k * WEEK for k in range(1, 5) if usable(chat, t0 - k * WEEK)]
        after = [t0 + k * WEEK for k in range(1, 5) if usable(chat, t0 + k * WEEK)]
        controls = [hour_of(chat, w0) for w0 in (before or after)]
        r = got[pid]
        assert hour_of(chat, t0) == (r["msgs_60"], r["speakers_60"])
        assert r["n_controls"] == len(controls) > 0
        assert r["later_controls"] == (not before)
        assert r["exp_msgs_60"] == pytest.approx(sum(c[0] for c in controls) / len(controls))
        assert r["exp_speakers_60"] == pytest.approx(sum(c[1] for c in controls) / len(controls))
        later_used += not before
    # the first packet of 福利群 and of 新手妈妈群 come before the chat has four weeks of history
    assert later_used == 2


# ---------------------------------------------------------------------------------------------
# a hand-made chat: every rule of the windows planted

OWNER, A, B, C, D, E = ("店长", "wxid_o"), ("小A", "wxid_a"), ("小B", "wxid_b"), ("小C", "wxid_c"), \
    ("小D", "wxid_d"), ("小E", "wxid_e")


def _m(t: str, who: tuple[str, str], text: str, kind: str = "text") -> tuple:
    return (t, who[0], who[1], text, kind)


# export 1 covers 5/6–5/8 and export 2 covers 5/20–6/5: 5/14 is a gap, not a quiet day
FIRST = [
    _m("2025-05-06 09:00:00", OWNER, "大家早"),
    _m("2025-05-07 19:30:00", D, "有人吗"),  # 小D's last word before the packet: 28 days and 30 min earlier
    _m("2025-05-07 20:00:00", A, "晚上好"), _m("2025-05-07 20:59:59", A, "睡了"),
    _m("2025-05-07 21:00:00", B, "晚安"),  # just outside the hour
    _m("2025-05-08 09:00:00", OWNER, "早"),
]
SECOND = [
    _m("2025-05-20 09:00:00", OWNER, "大家好"),
    # 5/21: a busy hour, but another packet falls in it
    *[_m(f"2025-05-21 20:{i + 5:02d}:00", who, f"聊天{i}") for i, who in enumerate([A, B, C, A, B, C])],
    _m("2025-05-21 20:40:00", OWNER, "[红包]", "red_packet"),
    # 5/28: the owner announces an event within the hour
    _m("2025-05-28 20:00:00", A, "今天吃什么"), _m("2025-05-28 20:10:00", B, "面条"),
    _m("2025-05-28 20:20:00", OWNER, "【活动预告】6月7日 14:00 夏日插花课，欢迎报名"),
    _m("2025-05-28 20:30:00", C, "好呀"), _m("2025-05-28 20:40:00", A, "报名"),
    # 6/4: the packet
    _m("2025-06-04 19:30:00", B, "在吗"),
    _m("2025-06-04 20:00:00", OWNER, "[红包]", "red_packet"),
    _m("2025-06-04 20:01:00", A, "谢谢老板"), _m("2025-06-04 20:01:30", B, "[表情]", "sticker"),
    _m("2025-06-04 20:02:00", C, "手慢了"), _m("2025-06-04 20:03:00", D, "发财发财"),
    _m("2025-06-04 20:05:00", E, "第一次抢到红包，这个群好热闹啊，大家平时都聊什么呀"),  # long: talk, not thanks
    _m("2025-06-04 20:30:00", A, "宝宝今天打疫苗了"),
    _m("2025-06-04 22:00:00", A, "晚安"), _m("2025-06-05 09:00:00", B, "早"),
]


@pytest.fixture(scope="module")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.handmade import declare, ingest_chat

    folder = tmp_path_factory.mktemp("packets")
    path = folder / "p.duckdb"
    ingest_chat(path, folder, "a.csv", "红包群", FIRST, ids="a")
    ingest_chat(path, folder, "b.csv", "红包群", SECOND, ids="b")
    declare(path, folder, ["红包群,wxid_o,店长,店长,,,,,"])
    return path


@pytest.mark.slow
def test_windows_of_a_handmade_packet_count_what_was_planted(handmade: Path) -> None:
    with db.reader(handmade) as con:
        w = queries.run(con, "red_packets/windows")
        ts = {t.astimezone(dt.UTC) for (t,) in con.execute("select ts from red_packets").fetchall()}
    assert ts == {_at("2025-05-21T20:40:00+08:00"), _at("2025-06-04T20:00:00+08:00")}
    assert w.height == 2 * 9
    packet = w.filter(pl.col("w0").dt.convert_time_zone("UTC") == _at("2025-06-04T20:00:00+08:00"))["packet_id"][0]
    mine = {r["k"]: r for r in w.filter(pl.col("packet_id") == packet).iter_rows(named=True)}
    own = mine[0]
    # 6 organic messages from 5 speakers (the owner's packet is not organic); 谢谢老板, the sticker,
    # 手慢了 and 发财发财 are thanks; 小D (silent 28 days and 30 minutes) and 小E (first word) are new
    assert (own["msgs_60"], own["speakers_60"], own["thanks_60"], own["substantive_60"], own["new_voices_60"]) \
        == (6, 5, 4, 2, 2)
    assert (own["msgs_pre_60"], own["msgs_24"], own["usable"], own["usable_24"]) == (1, 2, True, True)
    # k=1: an event announcement at 20:20; k=2: a packet at 20:40; k=3: a day no export covers
    assert [mine[k]["usable"] for k in (1, 2, 3, 4)] == [False, False, False, True]
    assert (mine[1]["msgs_60"], mine[1]["speakers_60"]) == (4, 3)  # the owner's announcement is not organic
    assert (mine[2]["msgs_60"], mine[2]["speakers_60"]) == (6, 3)
    assert (mine[4]["msgs_60"], mine[4]["speakers_60"], mine[4]["new_voices_60"]) == (2, 1, 1)  # 21:00 is outside
    assert not any(mine[k]["usable"] for k in (-1, -2, -3, -4))  # after the last export
    est = red_packets.estimate(w).filter(pl.col("packet_id") == packet).row(0, named=True)
    assert (est["n_controls"], est["exp_msgs_60"], est["exp_speakers_60"], est["later_controls"]) == (1, 2.0, 1.0, False)
    assert (est["lift_msgs"], est["lift_speakers"], est["lift_substantive"], est["lift_new_voices"]) == (4.0, 4.0, 0.0, 1.0)
    assert (est["exp_msgs_24"], est["lift_msgs_24"], est["pre_state"]) == (1.0, 1.0, "usual")  # (1+1)/(1+1)


# ---------------------------------------------------------------------------------------------
# estimate() on frames built by hand

COLUMNS = ("msgs_60", "speakers_60", "thanks_60", "substantive_60", "new_voices_60", "msgs_pre_60", "msgs_24")
T0 = dt.datetime(2025, 6, 4, 12, 0, tzinfo=dt.UTC)


def _window(packet: str, k: int, msgs: int, usable: bool = True, **counts: object) -> dict:
    row = {"packet_id": packet, "chat_id": "c", "k": k, "w0": T0 - k * WEEK,
           **dict.fromkeys(COLUMNS, 0), "usable": usable, "usable_24": True}
    row["msgs_60"] = row["speakers_60"] = msgs
    row.update(counts)
    return row


def _frame(*windows: dict) -> pl.DataFrame:
    schema = {"packet_id": pl.String, "chat_id": pl.String, "k": pl.Int64, "w0": pl.Datetime("us", "UTC"),
              **dict.fromkeys(COLUMNS, pl.Int64), "usable": pl.Boolean, "usable_24": pl.Boolean}
    return pl.DataFrame(list(windows), schema=schema)


def _packet(packet: str, observed: int, controls: list[int], **own: object) -> list[dict]:
    return [_window(packet, 0, observed, **own)] + [_window(packet, k, c) for k, c in enumerate(controls, start=1)]


def _one(*windows: dict) -> dict:
    out = red_packets.estimate(_frame(*windows))
    assert out.height == 1
    return out.row(0, named=True)


def test_a_clear_lift_has_an_interval_around_it_that_excludes_zero() -> None:
    r = _one(*_packet("p", 30, [2, 2, 2, 2]))
    assert (r["n_controls"], r["exp_msgs_60"], r["lift_msgs"], r["later_controls"]) == (4, 2.0, 28.0, False)
    assert 0 < r["lift_msgs_lo"] < 28 < r["lift_msgs_hi"]
    assert r["lift_speakers"] == 28.0 and 0 < r["lift_speakers_lo"] < 28 < r["lift_speakers_hi"]
    # a Poisson hour of 30 against four of 2: the 95% interval is about ±1.96·√30.5 ≈ ±10.8
    assert 18 < r["lift_msgs_hi"] - r["lift_msgs_lo"] < 25
    # seeded: the same frame gives the same interval
    again = _one(*_packet("p", 30, [2, 2, 2, 2]))
    assert (again["lift_msgs_lo"], again["lift_msgs_hi"]) == (r["lift_msgs_lo"], r["lift_msgs_hi"])


def test_no_lift_has_an_interval_that_contains_zero() -> None:
    r = _one(*_packet("p", 3, [3, 3, 3, 3]))
    assert r["lift_msgs"] == 0.0 and r["lift_msgs_lo"] < 0 < r["lift_msgs_hi"]


def test_unusable_controls_are_ignored_and_later_weeks_wait_until_needed() -> None:
    windows = [_window("p", 0, 10), _window("p", 1, 2), _window("p", 2, 100, usable=False), _window("p", 3, 4),
               _window("p", 4, 0, usable=False), _window("p", -1, 50)]
    r = _one(*windows)
    assert (r["n_controls"], r["exp_msgs_60"], r["lift_msgs"], r["later_controls"]) == (2, 3.0, 7.0, False)


def test_a_packet_with_no_usable_earlier_week_uses_the_later_ones() -> None:
    windows = [_window("p", 0, 12), *[_window("p", k, 99, usable=False) for k in (1, 2, 3, 4)],
               _window("p", -1, 4), _window("p", -2, 6), _window("p", -3, 0, usable=False), _window("p", -4, 2)]
    r = _one(*windows)
    assert (r["n_controls"], r["exp_msgs_60"], r["lift_msgs"], r["later_controls"]) == (3, 4.0, 8.0, True)


def test_a_packet_with_no_usable_control_has_no_lift() -> None:
    windows = [_window("p", 0, 12)] + [_window("p", k, 5, usable=False) for k in (1, 2, 3, 4, -1, -2, -3, -4)]
    r = _one(*windows)
    assert r["n_controls"] == 0
    assert all(r[c] is None for c in ("exp_msgs_60", "lift_msgs", "lift_speakers", "lift_msgs_lo", "lift_msgs_hi",
                                      "lift_speakers_lo", "lift_speakers_hi", "later_controls", "pre_state"))
    assert r["msgs_60"] == 12


def test_jumpy_controls_give_a_wider_interval_than_steady_ones_with_the_same_mean() -> None:
    steady = _one(*_packet("p", 2, [2, 2, 2, 2]))
    jumpy = _one(*_packet("p", 2, [0, 0, 0, 8]))
    assert steady["exp_msgs_60"] == jumpy["exp_msgs_60"] == 2.0
    assert steady["lift_msgs"] == jumpy["lift_msgs"] == 0.0
    narrow = steady["lift_msgs_hi"] - steady["lift_msgs_lo"]
    wide = jumpy["lift_msgs_hi"] - jumpy["lift_msgs_lo"]
    # variance of observed − mean of 4 controls: 2 + 2/4 for Poisson controls, 2 + 16/4 for these
    assert wide > 1.25 * narrow


def test_the_pre_check_calls_the_hour_before_quiet_usual_or_busy() -> None:
    """(before + 1) / (expected + 1): below 0.67 quiet, above 1.5 busy, the edges usual."""
    def state(before: int, expected: int) -> str:
        windows = [_window("p", 0, 5, msgs_pre_60=before)] + [
            _window("p", k, 1, msgs_pre_60=expected) for k in (1, 2, 3, 4)]
        return _one(*windows)["pre_state"]

    assert [state(b, 3) for b in (1, 2, 5, 6)] == ["quiet", "usual", "usual", "busy"]
    assert [state(b, 99) for b in (65, 66)] == ["quiet", "usual"]


def test_the_day_after_counts_only_clean_days() -> None:
    """The day after is compared with control days that had no other packet in them; a packet
    followed by another within the day has no day-after lift."""
    controls = [_window("p", 1, 1, msgs_24=10), _window("p", 2, 1, msgs_24=20),
                _window("p", 3, 1, msgs_24=900, usable_24=False), _window("p", 4, 1, msgs_24=30)]
    r = _one(_window("p", 0, 5, msgs_24=35), *controls)
    assert (r["exp_msgs_24"], r["lift_msgs_24"]) == (20.0, 15.0)
    r = _one(_window("p", 0, 5, msgs_24=35, usable_24=False), *controls)
    assert (r["exp_msgs_24"], r["lift_msgs_24"]) == (20.0, None)


def test_several_packets_are_estimated_each_from_their_own_controls() -> None:
    out = red_packets.estimate(_frame(*_packet("a", 9, [1, 1, 1, 1]), *_packet("b", 4, [6, 6, 8, 8])))
    got = {r["packet_id"]: (r["exp_msgs_60"], r["lift_msgs"]) for r in out.iter_rows(named=True)}
    assert got == {"a": (1.0, 8.0), "b": (7.0, -3.0)}


def test_a_chats_intervals_do_not_depend_on_the_other_chats_counted_with_it() -> None:
    """The rollup is refreshed a few chats at a time: each chat draws from its own seed."""
    b = [{**w, "chat_id": "other"} for w in _packet("b", 4, [6, 2, 9, 8])]
    a = _packet("a", 9, [1, 3, 0, 1])
    together = red_packets.estimate(_frame(*a, *b)).filter(pl.col("packet_id") == "a")
    alone = red_packets.estimate(_frame(*a))
    assert together.select("lift_msgs_lo", "lift_msgs_hi").rows() == alone.select("lift_msgs_lo", "lift_msgs_hi").rows()
    assert alone["lift_msgs_lo"].item() < 8.75 < alone["lift_msgs_hi"].item()


def test_the_stored_lifts_are_the_estimate_of_the_stored_windows(demo_db: Path) -> None:
    with db.reader(demo_db) as con:
        stored = queries.run(con, "red_packets/lifts")
        again = red_packets.estimate(queries.run(con, "red_packets/windows"))
        chats = sorted(set(stored["chat_id"]))
        one_by_one = pl.concat([red_packets.lift_rows(con, [c]) for c in chats])
    assert stored.height == again.height == 9
    assert stored.sort("packet_id").equals(again.select(stored.columns).sort("packet_id"))
    assert one_by_one.sort("packet_id").equals(stored.select(one_by_one.columns).sort("packet_id"))


# ---------------------------------------------------------------------------------------------
# pooled()


def _per_packet(rows_: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows_, schema={"day": pl.Date, "msgs_60": pl.Int64, "exp_msgs_60": pl.Float64,
                                       "speakers_60": pl.Int64, "exp_speakers_60": pl.Float64}, orient="row")


def test_pooled_ratio_and_mean_lift_by_hand() -> None:
    d = dt.date(2025, 6, 1)
    p = _per_packet([(d, 10, 2.0, 5, 1.0), (d + dt.timedelta(days=1), 6, 3.0, 4, 2.0),
                     (d + dt.timedelta(days=2), 8, 1.5, 3, 1.5), (d + dt.timedelta(days=3), 20, None, 9, None)])
    out = red_packets.pooled(p)
    assert out["packets"] == 3 and out["level"] == 0.9  # the packet with no expectation is left out
    assert out["msgs"]["observed"] == 24 and out["msgs"]["expected"] == 6.5
    assert out["msgs"]["ratio"] == pytest.approx(24 / 6.5)
    assert out["msgs"]["mean_lift"] == pytest.approx((8 + 3 + 6.5) / 3)
    assert out["speakers"]["ratio"] == pytest.approx(12 / 4.5)
    assert out["speakers"]["mean_lift"] == pytest.approx((4 + 2 + 1.5) / 3)
    lo, hi = out["msgs"]["ratio_ci"]
    assert lo <= 24 / 6.5 <= hi and lo < hi
    assert red_packets.pooled(p) == out  # seeded
    assert red_packets.pooled(p.filter(pl.col("exp_msgs_60").is_null())) == {"packets": 0, "level": 0.9}


def test_pooled_resamples_whole_days() -> None:
    """Day A holds two packets (10 vs 1 expected each), day B one (0 vs 5). Drawing days, a resample
    is AA, AB or BB: ratios 10, 20/7 or 0 and mean lifts 9, 13/3 or −5, each AA and BB with chance
    1/4, so the 90% intervals run exactly from the BB value to the AA value. Drawing packets one by
    one would give other values (e.g. A1 A1 B: 20/7 too, but A1 B B: 10/11)."""
    a, b = dt.date(2025, 6, 1), dt.date(2025, 6, 2)
    out = red_packets.pooled(_per_packet([(a, 10, 1.0, 10, 1.0), (a, 10, 1.0, 10, 1.0), (b, 0, 5.0, 0, 5.0)]))
    assert out["msgs"]["ratio"] == pytest.approx(20 / 7)
    assert out["msgs"]["ratio_ci"] == (0.0, 10.0)
    assert out["msgs"]["mean_lift_ci"] == (-5.0, 9.0)
    # one day only: every resample is that day, so the interval has no width
    one = red_packets.pooled(_per_packet([(a, 10, 1.0, 4, 2.0), (a, 3, 6.0, 1, 2.0)]))
    assert one["msgs"]["ratio_ci"] == pytest.approx((13 / 7, 13 / 7))
    assert one["msgs"]["mean_lift_ci"] == pytest.approx((3.0, 3.0))


def test_pooled_on_the_sample_sums_the_packets(per_packet: pl.DataFrame) -> None:
    out = red_packets.pooled(per_packet)
    obs = sum(p["organic_messages_60min"] for p in TRUTH["red_packets"])
    assert out["packets"] == 9 and out["msgs"]["observed"] == obs
    assert out["msgs"]["ratio"] == pytest.approx(obs / per_packet["exp_msgs_60"].sum())
    lo, hi = out["msgs"]["ratio_ci"]
    assert 1 < lo <= out["msgs"]["ratio"] <= hi  # nine clear spikes: the pooled ratio is surely above 1


# ---------------------------------------------------------------------------------------------
# the owner's amount, the dependency signal, the CLI


def test_dependency_weeks_equal_an_independent_recount(demo_db: Path, organic_msgs: dict) -> None:
    packets = rows(demo_db, "select chat_id, ts from red_packets")
    with db.reader(demo_db) as con:
        got = queries.run(con, "red_packets/dependency_weeks")
    checked = 0
    for chat, t0 in packets:
        week = monday(local_day(t0))
        per_member: dict[str, list[bool]] = defaultdict(list)
        for ts, member in organic_msgs[chat]:
            if monday(local_day(ts)) == week:
                per_member[member].append(any(c == chat and p <= ts < p + HOUR for c, p in packets))
        flags = [f for fs in per_member.values() for f in fs]
        only_after = sum(all(fs) for fs in per_member.values())
        row = got.filter((pl.col("chat_id") == chat) & (pl.col("week") == week)).row(0, named=True)
        assert row["speakers"] == len(per_member)
        assert row["speakers_only_after_packet"] == only_after
        assert row["share_only_after_packet"] == pytest.approx(only_after / len(per_member))
        assert row["share_msgs_after_packet"] == pytest.approx(sum(flags) / len(flags))
        assert row["packets"] == sum(1 for c, p in packets if c == chat and monday(local_day(p)) == week)
        checked += only_after > 0
    assert checked >= 1  # some week has a speaker who spoke only in a packet's hour
    # weeks without a packet have nobody who spoke only after one
    quiet = got.filter(pl.col("packets") == 0)
    assert quiet.height > 0 and quiet["speakers_only_after_packet"].sum() == 0


def test_cli_gives_the_same_lifts_as_the_report(demo_db: Path) -> None:
    out = CliRunner().invoke(app, ["analyze", "red_packets", "--db", str(demo_db), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    with db.reader(demo_db) as con:
        expected = red_packets.report(con, None)
    keys = ("msgs_60", "speakers_60", "exp_msgs_60", "lift_msgs", "lift_msgs_lo", "lift_msgs_hi",
            "lift_speakers", "lift_speakers_lo", "lift_speakers_hi", "claims", "pre_state")
    assert len(data["packets"]) == len(expected["packets"]) == 9
    assert {p["packet_id"]: tuple(p[k] for k in keys) for p in data["packets"]} == \
        {p["packet_id"]: tuple(p[k] for k in keys) for p in expected["packets"]}
    assert data["pooled"]["msgs"]["ratio"] == pytest.approx(expected["pooled"]["msgs"]["ratio"])
    assert tuple(data["pooled"]["msgs"]["ratio_ci"]) == expected["pooled"]["msgs"]["ratio_ci"]
    assert len(data["dependency_weeks"]) == len(expected["dependency_weeks"]) > 0
    only = CliRunner().invoke(app, ["analyze", "red_packets", "--db", str(demo_db), "--format", "json",
                                    "--chat", "新手妈妈群"])
    assert only.exit_code == 0, only.output
    assert sorted(p["ts"][:16] for p in json.loads(only.stdout)["packets"]) == sorted(
        p["at"][:16].replace("T", " ") for p in TRUTH["red_packets"] if p["chat"] == "新手妈妈群")
