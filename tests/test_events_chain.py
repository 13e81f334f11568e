"""Events at chain scale: shops reuse event ids and hold events on nearby days, and an import
recounts only the events it touches, with the same figures a full recount gives."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboard.core import db, event_records, rollups
from dashboard.core.analytics import events
from dashboard.core.ingest.pipeline import ingest_file
from tests.conftest import rows

ROOT = Path(__file__).resolve().parents[1]
OTHER_SHOP = "另一家母婴店(湖滨店)"


@pytest.fixture
def chain_db(demo_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "chain.duckdb"
    shutil.copy(demo_db, target)
    return target


def _effects(database: Path) -> pl.DataFrame:
    with db.reader(database) as con:
        return con.sql("select * from event_effects order by event_id").pl()


def _full_recount(database: Path) -> pl.DataFrame:
    with db.reader(database) as con:
        chats = [r[0] for r in con.execute("select chat_id from chats").fetchall()]
        return events.effect_rows(con, chats).sort("event_id")


def _other_shops_calendar(tmp_path: Path, shift_days: int) -> Path:
    """The sample's events.csv as another shop of the chain would write it: the same ids, its own
    shop, each event `shift_days` later."""
    with open(ROOT / "sample_data" / "events.csv", encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    out = tmp_path / "events_other_shop.csv"
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(table[0])
        for row in table[1:]:
            row[1] = OTHER_SHOP
            for i in (4, 5, 6):
                if row[i]:
                    row[i] = (dt.datetime.fromisoformat(row[i]) + dt.timedelta(days=shift_days)).isoformat(" ")
            w.writerow(row)
    return out


def test_another_shops_events_keep_their_ids_apart_and_leave_ours_alone(chain_db: Path, tmp_path: Path) -> None:
    """Ten days after each of ours, another shop holds an event with the same id. Before, its
    rows replaced ours; and counted as the same shop, every event would overlap another one and
    lose days from its baseline."""
    before = _effects(chain_db)
    assert before.height == 6 and before["overlapping"].list.len().sum() == 0
    report = ingest_file(_other_shops_calendar(tmp_path, shift_days=10), chain_db)
    assert (report.n_new, report.n_updated, report.details["shop_prefixed_ids"]) == (6, 0, 6)
    stored = rows(chain_db, "select event_id, store_id from store_events order by event_id")
    assert [r[0] for r in stored] == [f"E0{i}" for i in range(1, 7)] + [f"{OTHER_SHOP}:E0{i}" for i in range(1, 7)]
    assert {r[1] for r in stored[6:]} == {OTHER_SHOP}
    # the other shop's events are announced in none of our chats, so they have no effect rows,
    # and ours are exactly what they were: no overlaps, the same baselines and intervals
    assert _effects(chain_db).equals(before)


@pytest.mark.slow
def test_the_same_shop_nearby_is_said_to_overlap(chain_db: Path, tmp_path: Path) -> None:
    """The counterpart: an event of the same shop within 14 days does overlap, and the page says
    so; one of the chain's other shops never does."""
    with open(ROOT / "sample_data" / "events.csv", encoding="utf-8-sig", newline="") as fh:
        ours = [(r[0], r[1], dt.date.fromisoformat(r[5][:10])) for r in list(csv.reader(fh))[1:]]
    shop = ours[0][1]
    assert {r[1] for r in ours} - {shop}, "the sample should hold events in two shops"
    calendar = _other_shops_calendar(tmp_path, shift_days=10)
    text = calendar.read_text(encoding="utf-8-sig").replace(OTHER_SHOP, shop).replace("\nE0", "\nX0")
    calendar.write_text(text, encoding="utf-8-sig")
    ingest_file(calendar, chain_db)
    theirs = [("X" + e[1:], shop, day + dt.timedelta(days=10)) for e, _, day in ours]
    expected = {e: sorted(x for x, x_shop, x_day in theirs if x_shop == e_shop and abs((x_day - day).days) < 14)
                for e, e_shop, day in ours}
    assert sum(map(len, expected.values())) > len(ours) // 2
    after = _effects(chain_db)
    assert dict(zip(after["event_id"], after["overlapping"].to_list(), strict=True)) == expected
    assert [("overlap" in c) for c in after["caveats"].to_list()] == [bool(expected[e]) for e in after["event_id"]]


@pytest.mark.slow
def test_an_import_recounts_what_a_full_recount_gives(chain_db: Path, tmp_path: Path) -> None:
    """A visits file for a few signed-up customers around E03 recounts only the chats they are in;
    the stored effects equal a recount of every chat, and E03's funnel moved."""
    with db.reader(chain_db) as con:
        day = con.execute("select cast(start_at as date) from store_events where event_id = 'E03'").fetchone()[0]
        signed = [r[0] for r in con.execute(
            "select distinct customer_id from event_exposure where event_id = 'E03' and signed_up "
            "and customer_id is not null order by 1 limit 5").fetchall()]
    assert len(signed) == 5
    before = _effects(chain_db)
    lines = ["单号,门店,会员号,时间,金额"]
    for n, customer in enumerate(signed):
        for k in (0, 3):  # on the day and three days after
            lines.append(f"EXTRA{n}{k},小雨点母婴(万达店),{customer},{day + dt.timedelta(days=k)} 15:00:00,99")
    path = tmp_path / "visits_extra.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert ingest_file(path, chain_db).n_new == 10
    after = _effects(chain_db)
    assert after.equals(_full_recount(chain_db).select(after.columns))
    e03 = dict(zip(after["event_id"], after["revenue_28"], strict=True))["E03"]
    assert e03 == pytest.approx(dict(zip(before["event_id"], before["revenue_28"], strict=True))["E03"] + 5 * 99)


def _announcements(con) -> pl.DataFrame:
    return con.sql("select * from event_announcements order by all").pl()


@pytest.mark.slow
def test_confirming_a_found_event_gives_it_a_shop_and_recounts_like_a_rebuild(chain_db: Path) -> None:
    """With E04 gone from the calendar its announcement is offered as found in the chat; confirmed,
    it belongs to the shop the announcement names (the sample's chats are given no shop; the chat's
    other events are mostly the other shop's), and the rollups it moved equal a recount of every
    chat."""
    with db.writer(chain_db) as con:
        (chat_id, detect_id), = con.execute(
            "select chat_id, detect_id from event_announcements where event_id = 'E04'").fetchall()
        con.execute("begin")
        con.execute("delete from store_events where event_id = 'E04'")
        rollups.refresh_all(con)
        con.execute("commit")
        shops = [r[0] for r in con.execute(
            "select e.store_id from event_announcements a join store_events e using (event_id) "
            "where a.chat_id = $c", {"c": chat_id}).fetchall()]
        assert event_records.decide(con, detect_id, confirm=True) == f"chat-{detect_id}"
    assert max(sorted(set(shops)), key=shops.count) == "小雨点母婴(万达店)"
    assert rows(chain_db, "select store_id, name from store_events where event_id = $e",
                {"e": f"chat-{detect_id}"}) == [("小雨点母婴(滨江店)", "亲子瑜伽")]
    stored = _effects(chain_db)
    with db.writer(chain_db) as con:
        kept = _announcements(con)
        con.execute("begin")
        rollups.refresh_all(con)
        assert _announcements(con).equals(kept)
        con.execute("rollback")
    assert f"chat-{detect_id}" in stored["event_id"].to_list()
    assert stored.equals(_full_recount(chain_db).select(stored.columns))


@pytest.mark.slow
def test_a_calendar_name_the_chat_words_differently_still_finds_its_announcement(chain_db: Path,
                                                                                tmp_path: Path) -> None:
    """The calendar calls E02 母亲节插花课, the chat 夏日插花课: the names do not match, but it is the
    shop's only event that day and the chat's only event that day, so they are paired."""
    before = rows(chain_db, "select chat_id, detect_id from event_announcements where event_id = 'E02'")
    assert len(before) == 1
    text = (ROOT / "sample_data" / "events.csv").read_text(encoding="utf-8-sig").replace("夏日插花课", "母亲节插花课")
    path = tmp_path / "events_renamed.csv"
    path.write_text(text, encoding="utf-8-sig")
    assert ingest_file(path, chain_db).n_updated == 1
    assert rows(chain_db, "select chat_id, detect_id from event_announcements where event_id = 'E02'") == before
    assert rows(chain_db, "select name from event_links where event_id = 'E02'") == [("母亲节插花课",)]
    # a second event of the shop that day, named like neither: now nothing is sure, no pairing
    extra = tmp_path / "events_second.csv"
    extra.write_text("活动编号,门店,活动名称,类别,公布时间,开始时间,结束时间,费用\n"
                     "E99,小雨点母婴(万达店),会员日,其他,2025-06-03 10:00,2025-06-14 18:00,,0\n", encoding="utf-8")
    ingest_file(extra, chain_db)
    assert rows(chain_db, "select count(*) from event_announcements where event_id in ('E02', 'E99')") == [(0,)]


@pytest.mark.slow
def test_a_database_from_before_the_announcements_rollup_gets_it_filled(chain_db: Path) -> None:
    """Migration 014 on a database of schema 013: the new rollup is filled for every chat by its own
    query, and the event effects come out as they were."""
    with db.reader(chain_db) as con:
        want = _announcements(con)
    effects = _effects(chain_db)
    assert want.height == 6
    raw = duckdb.connect(str(chain_db))
    raw.execute("drop table event_announcements")
    raw.execute("delete from schema_migrations where version = 14")
    raw.execute("delete from event_effects")
    raw.close()
    db.ensure_database(chain_db)
    with db.reader(chain_db) as con:
        assert _announcements(con).equals(want)
        assert con.execute("select count(*) from meta where key like 'rollups_stale%'").fetchone() == (0,)
    assert _effects(chain_db).equals(effects)
