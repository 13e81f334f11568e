"""What the owner enters by hand: entry thresholds by period (regimes.csv or the Growth page) and
the amounts of her red packets. Each save checks everything first and writes nothing when a row is
wrong; the growth tree and the red-packet costs read what she entered."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from dashboard.core import db, owner_entries, queries
from dashboard.core.analytics import red_packets
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.pipeline import ingest_file
from dashboard.core.owner_entries import EntryError, Regime
from tests.independent import TZ

SAMPLE_REGIMES = Path(__file__).resolve().parents[1] / "sample_data" / "regimes.csv"
HEADER = "群,开始日期,结束日期,入群门槛,说明\n"


def _copy(demo_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo_copy.duckdb"
    shutil.copy(demo_db, target)
    return target


def _regimes(path: Path) -> list[tuple]:
    with db.reader(path) as con:
        return con.execute("""select c.name, r.start_on, r.end_on, r.threshold, r.detail
                              from join_regimes r join chats c using (chat_id) order by 1, 2""").fetchall()


def _snapshot(path: Path) -> tuple:
    """Everything an owner's entry or a store-records import could touch."""
    with db.reader(path) as con:
        return tuple(con.execute(sql).fetchall() for sql in (
            "select * from join_regimes order by all",
            "select * from red_packet_amounts order by all",
            "select import_id, file_name, sha256, status from imports order by all",
            "select key, value from meta order by all",
        ))


def _chat_id(path: Path, name: str) -> str:
    with db.reader(path) as con:
        return con.execute("select chat_id from chats where name = $n", {"n": name}).fetchall()[0][0]


# ---------------------------------------------------------------------------------------------
# regimes.csv


def test_the_samples_regimes_are_imported_with_their_local_days(demo_db: Path) -> None:
    with SAMPLE_REGIMES.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.DictReader(f))
    assert len(lines) == 4
    assert _regimes(demo_db) == [
        ("VIP老客群", dt.date(2024, 11, 18), None, "purchase", "年消费满2000元的老客"),
        ("新手妈妈群", dt.date(2025, 6, 2), None, "invite_only", "店员或群友邀请"),
        ("福利群", dt.date(2025, 5, 12), dt.date(2025, 7, 6), "free", "扫码即可进群"),
        ("福利群", dt.date(2025, 7, 7), None, "invite_only", "邀请有礼活动起只能由群友邀请"),
    ]
    # the same rows as the file says, read independently
    assert sorted((r["群"], r["开始日期"], r["结束日期"] or None, r["说明"]) for r in lines) == sorted(
        (n, s.isoformat(), e.isoformat() if e else None, d) for n, s, e, _, d in _regimes(demo_db))


def test_a_regimes_file_replaces_the_period_starting_the_same_day(demo_db: Path, tmp_path: Path) -> None:
    path = _copy(demo_db, tmp_path)
    f = tmp_path / "regimes_v2.csv"
    f.write_text(HEADER + "新手妈妈群,2025-06-02,2025-08-31,邀请制,店员或群友邀请\n"
                          "新手妈妈群,2025/9/1,,付费入群,99元\n", encoding="utf-8")
    r = ingest_file(f, path)
    assert r.format == "join_regimes" and r.n_read == 2 and r.n_new == 1
    got = [row for row in _regimes(path) if row[0] == "新手妈妈群"]
    assert got == [("新手妈妈群", dt.date(2025, 6, 2), dt.date(2025, 8, 31), "invite_only", "店员或群友邀请"),
                   ("新手妈妈群", dt.date(2025, 9, 1), None, "paid", "99元")]
    assert [row for row in _regimes(path) if row[0] != "新手妈妈群"] == [
        row for row in _regimes(demo_db) if row[0] != "新手妈妈群"]
    assert ingest_file(f, path).status == "already imported"


@pytest.mark.parametrize(("name", "text", "words"), [
    # two periods of the file overlap: 9/15 starts before 9/30 ends
    ("overlap.csv", "新手妈妈群,2025-06-02,2025-09-30,邀请制,\n新手妈妈群,2025-09-15,,免费,\n",
     ["第 3 行", "第 2 行", "重叠"]),
    # a period overlapping one already kept (福利群 is invite-only since 7/7, with no end)
    ("overlap_kept.csv", "福利群,2025-08-01,2025-08-31,免费,\n", ["第 2 行", "已保存", "重叠"]),
    ("end_first.csv", "新手妈妈群,2025-06-02,2025-05-01,邀请制,\n", ["第 2 行", "2025-05-01", "早于"]),
    ("threshold.csv", "新手妈妈群,2025-06-02,,看心情,\n", ["第 2 行", "入群门槛", "看心情"]),
    ("chat.csv", "新手妈妈群,2025-06-02,,邀请制,\n没有的群,2025-06-02,,免费,\n", ["第 3 行", "没有的群"]),
    ("date.csv", "福利群,五月,,免费,\n", ["第 2 行", "开始日期", "五月"]),
])
def test_a_bad_regimes_file_names_file_and_line_and_changes_nothing(
        demo_db: Path, tmp_path: Path, name: str, text: str, words: list[str]) -> None:
    path = _copy(demo_db, tmp_path)
    before = _snapshot(path)
    f = tmp_path / name
    f.write_text(HEADER + text, encoding="utf-8")
    with pytest.raises(IngestError) as exc:
        ingest_file(f, path)
    message = str(exc.value)
    assert message.startswith(name), message
    for w in words:
        assert w in message, message
    assert _snapshot(path) == before


def test_threshold_words() -> None:
    got = {w: owner_entries.threshold_of(w) for w in
           ("免费", " FREE ", "邀请制", "invite-only", "付费", "消费满", "老客", "答题", "question", "看心情", "")}
    assert got == {"免费": "free", " FREE ": "free", "邀请制": "invite_only", "invite-only": "invite_only",
                   "付费": "paid", "消费满": "purchase", "老客": "purchase", "答题": "question",
                   "question": "question", "看心情": None, "": None}


# ---------------------------------------------------------------------------------------------
# the Growth page's editor


def _r(chat: str, start: str, end: str | None, threshold: str = "free") -> Regime:
    return Regime(chat, dt.date.fromisoformat(start), dt.date.fromisoformat(end) if end else None, threshold, None)


@pytest.mark.parametrize(("regimes", "words"), [
    ([_r("a", "2025-05-01", "2025-05-31"), _r("a", "2025-05-31", None)], ["行2", "行1", "重叠"]),
    ([_r("a", "2025-06-01", None), _r("a", "2025-05-01", "2025-05-10"), _r("a", "2025-07-01", None)],
     ["行3", "行1", "重叠"]),
    ([_r("a", "2025-05-10", "2025-05-09")], ["行1", "早于"]),
    ([_r("a", "2025-05-01", None, "vip")], ["行1", "vip"]),
])
def test_check_regimes_names_the_row(regimes: list[Regime], words: list[str]) -> None:
    with pytest.raises(EntryError) as exc:
        owner_entries.check_regimes(regimes, [f"行{i}" for i in range(1, len(regimes) + 1)])
    for w in words:
        assert w in str(exc.value), str(exc.value)


def test_check_regimes_accepts_back_to_back_periods_and_other_chats() -> None:
    owner_entries.check_regimes(
        [_r("a", "2025-05-01", "2025-05-31"), _r("a", "2025-06-01", None), _r("b", "2025-05-15", None),
         _r("a", "2025-04-01", "2025-04-30", "paid")], ["1", "2", "3", "4"])


def test_replace_regimes_rewrites_only_the_chats_named(demo_db: Path, tmp_path: Path) -> None:
    path = _copy(demo_db, tmp_path)
    fuli = _chat_id(path, "福利群")
    new = [Regime(fuli, dt.date(2025, 5, 12), None, "question", "答对三道题")]
    with db.writer(path) as con, db.change(con):
        assert owner_entries.replace_regimes(con, [fuli], new, ["第 1 行"]) == 1
    assert _regimes(path) == [row for row in _regimes(demo_db) if row[0] != "福利群"] + [
        ("福利群", dt.date(2025, 5, 12), None, "question", "答对三道题")]
    before = _snapshot(path)
    bad = [Regime(fuli, dt.date(2025, 5, 12), None, "free", None), Regime(fuli, dt.date(2025, 6, 1), None, "paid", None)]
    with db.writer(path) as con, pytest.raises(EntryError, match="第 2 行"), db.change(con):
        owner_entries.replace_regimes(con, [fuli], bad, ["第 1 行", "第 2 行"])
    assert _snapshot(path) == before


def test_the_growth_tree_gives_each_member_the_regime_of_their_join_day(demo_db: Path) -> None:
    with db.reader(demo_db) as con:
        tree = queries.run(con, "growth/tree")
        kept = con.execute("select chat_id, start_on, end_on, threshold from join_regimes").fetchall()

    def regime(chat: str, joined: dt.datetime | None) -> str | None:
        if joined is None:
            return None
        day = joined.astimezone(TZ).date()
        found = [(s, t) for c, s, e, t in kept if c == chat and s <= day and (e is None or day <= e)]
        return max(found)[1] if found else None

    expected = [regime(c, j) for c, j in tree.select("chat_id", "joined_at").iter_rows()]
    assert tree["regime"].to_list() == expected
    seen = {(c, r) for c, r in zip(tree["chat_name"], expected, strict=True)}
    # every period of the sample has members who joined under it, and some joined before any
    assert {("VIP老客群", "purchase"), ("新手妈妈群", "invite_only"), ("福利群", "free"),
            ("福利群", "invite_only"), ("VIP老客群", None)} <= seen


@pytest.mark.slow
def test_the_regime_follows_the_local_day_and_ends_inclusive(tmp_path: Path) -> None:
    """Periods 5/1–5/10 free and 5/11–5/15 invite-only: a join at 23:30 on 5/10 is free, one at 00:30
    on 5/11 (still 5/10 in UTC) invite-only, one on 5/15 invite-only and one on 5/16 has none."""
    from tests.handmade import ingest_chat

    joins = [("2025-05-10 23:30:00", "小A"), ("2025-05-11 00:30:00", "小B"), ("2025-05-15 12:00:00", "小C"),
             ("2025-05-16 09:00:00", "小D")]
    records = [("2025-05-01 09:00:00", "店长", "wxid_o", "大家好")] + [
        (t, "", "", f'"店长"邀请"{n}"加入了群聊') for t, n in joins] + [("2025-05-16 10:00:00", "小D", "", "谢谢")]
    path = tmp_path / "t.duckdb"
    ingest_chat(path, tmp_path, "c.csv", "门槛群", records)
    f = tmp_path / "regimes.csv"
    f.write_text(HEADER + "门槛群,2025-05-01,2025-05-10,免费,\n门槛群,2025-05-11,2025-05-15,邀请制,\n",
                 encoding="utf-8")
    ingest_file(f, path)
    with db.reader(path) as con:
        tree = queries.run(con, "growth/tree").select("name", "regime").sort("name")
    assert tree.rows() == [("小A", "free"), ("小B", "invite_only"), ("小C", "invite_only"), ("小D", None),
                           ("店长", None)]


# ---------------------------------------------------------------------------------------------
# red-packet amounts


@pytest.fixture
def amounts_db(demo_db: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    path = _copy(demo_db, tmp_path)
    with db.reader(path) as con:
        ids = [r[0] for r in con.execute("select packet_id from red_packets order by ts").fetchall()]
    return path, ids


def _amounts(path: Path) -> dict[str, Decimal]:
    with db.reader(path) as con:
        return dict(con.execute("select packet_id, amount from red_packet_amounts").fetchall())


@pytest.mark.slow
def test_amounts_are_kept_cleared_and_give_the_cost_per_extra_speaker(amounts_db: tuple[Path, list[str]]) -> None:
    path, ids = amounts_db
    with db.writer(path) as con, db.change(con):
        assert owner_entries.save_amounts(con, {ids[0]: "88.88", ids[1]: "¥66元", ids[2]: 50, ids[3]: " 12.345 "}) == 4
    assert _amounts(path) == {ids[0]: Decimal("88.88"), ids[1]: Decimal("66.00"), ids[2]: Decimal("50.00"),
                              ids[3]: Decimal("12.34")}
    with db.reader(path) as con:
        per = red_packets.packets(con, None)
    for r in per.iter_rows(named=True):
        amount = _amounts(path).get(r["packet_id"])
        if amount is None:
            assert r["amount"] is None and r["cost_per_extra_speaker"] is None
            continue
        assert r["amount"] == pytest.approx(float(amount))  # a float in the report, exact to the cent
        assert r["lift_speakers"] > 0
        assert r["cost_per_extra_speaker"] == pytest.approx(float(amount) / r["lift_speakers"])
        if r["new_voices_60"]:
            assert r["cost_per_new_voice"] == pytest.approx(float(amount) / r["new_voices_60"])
        else:
            assert r["cost_per_new_voice"] is None
    assert per.filter(pl.col("cost_per_extra_speaker").is_not_null()).height == 4
    # blank or None clears one; the others stay
    with db.writer(path) as con, db.change(con):
        assert owner_entries.save_amounts(con, {ids[1]: "", ids[2]: None, ids[3]: float("nan"), ids[0]: "99"}) == 1
    assert _amounts(path) == {ids[0]: Decimal("99.00")}


@pytest.mark.parametrize(("value", "words"), [("abc", ["abc", "数字"]), ("-5", ["0 到"]), ("1e10", ["0 到"]),
                                              ("Infinity", ["0 到"]), ("nan", ["nan"])])
def test_a_bad_amount_writes_nothing(amounts_db: tuple[Path, list[str]], value: str, words: list[str]) -> None:
    path, ids = amounts_db
    with db.writer(path) as con, db.change(con):
        owner_entries.save_amounts(con, {ids[0]: "10"})
    before = _snapshot(path)
    with db.writer(path) as con, pytest.raises(EntryError) as exc, db.change(con):
        owner_entries.save_amounts(con, {ids[0]: "20", ids[1]: value})
    assert ids[1] in str(exc.value)
    for w in words:
        assert w in str(exc.value), str(exc.value)
    assert _snapshot(path) == before and _amounts(path) == {ids[0]: Decimal("10.00")}


def test_an_unknown_packet_writes_nothing(amounts_db: tuple[Path, list[str]]) -> None:
    path, ids = amounts_db
    before = _snapshot(path)
    with db.writer(path) as con:  # no transaction around it: the check comes before any write
        with pytest.raises(EntryError) as exc:
            owner_entries.save_amounts(con, {ids[0]: "20", "no-such-packet": "5"})
        assert "no-such-packet" in str(exc.value) and ids[0] not in str(exc.value)
        with pytest.raises(EntryError):
            owner_entries.save_amounts(con, {ids[0]: "20", ids[1]: "abc"})
    assert _snapshot(path) == before and _amounts(path) == {}
