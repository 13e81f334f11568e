"""Events at chain scale: shops reuse event ids and hold events on nearby days, and an import
recounts only the events it touches, with the same figures a full recount gives."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from dashboard.core import db
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
