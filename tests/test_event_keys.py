"""An event announced in two chats, and a chain's shops whose names contain each other: valid
imports that crashed in the rollup refresh (`Duplicate key "event_id: E03"`)."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from dashboard.core import db
from dashboard.core.analytics import events
from dashboard.core.ingest.pipeline import ingest_file
from tests.conftest import rows

ROOT = Path(__file__).resolve().parents[1]
MOTHERS = ROOT / "sample_data" / "新手妈妈群" / "新手妈妈群_utf8.csv"
SHOPS = ("小雨点母婴(万达店)", "小雨点母婴(滨江店)")


def _effects(database: Path) -> pl.DataFrame:
    with db.reader(database) as con:
        return con.sql("select * from event_effects").pl().sort("event_id", "chat_id")


def _full_recount(database: Path) -> pl.DataFrame:
    with db.reader(database) as con:
        chats = [r[0] for r in con.execute("select chat_id from chats").fetchall()]
        return events.effect_rows(con, chats).sort("event_id", "chat_id")


def _announced(database: Path) -> list[tuple[str, str]]:
    return rows(database, "select a.event_id, h.name from event_announcements a join chats h using (chat_id) "
                          "order by 2, 1")


@pytest.mark.slow
def test_an_event_announced_in_a_second_chat_has_a_row_in_each(demo_copy: Path, tmp_path: Path) -> None:
    """The shop's events file names its shop and the chats name none: a second chat whose
    announcements name the shop announces the same E03, E04 and E06. Its import failed."""
    copy = tmp_path / "二号群.csv"
    copy.write_bytes(MOTHERS.read_bytes() + b"\n")  # another file, the same announcements
    r = ingest_file(copy, demo_copy, chat_name="二号群")
    assert r.status == "imported"
    effects = _effects(demo_copy)
    by_event = effects.group_by("event_id").agg(pl.col("chat_id").n_unique().alias("chats")).sort("event_id")
    assert by_event.rows() == [("E01", 1), ("E02", 1), ("E03", 2), ("E04", 2), ("E05", 1), ("E06", 2)]
    # an event's funnel and effect count the members of every chat announcing it, so the first
    # chat's rows were recounted too: the stored rows are what a full recount gives
    assert effects.equals(_full_recount(demo_copy))
    both = effects.filter(pl.col("event_id") == "E03")
    assert both["estimate"].n_unique() == 1 and both["exposed"].n_unique() == 1


def _renamed_shop(src: Path, out: Path, suffix: str) -> Path:
    text = src.read_text(encoding="utf-8-sig")
    for shop in SHOPS:
        text = text.replace(shop, shop + suffix)
    out.write_text(text, encoding="utf-8-sig")
    return out


@pytest.mark.slow
def test_a_shop_whose_name_holds_another_shops_keeps_its_own_events(demo_copy: Path, tmp_path: Path) -> None:
    """小雨点母婴(万达店)·1号店 numbers its events from E01 too, and its announcements contain the
    name 小雨点母婴(万达店): its chat announces its own events, not those of the shorter name."""
    with open(ROOT / "sample_data" / "events.csv", encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    calendar = tmp_path / "events_1.csv"
    with open(calendar, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(table[0])
        for row in table[1:]:
            w.writerow([row[0], row[1] + "·1号店", *row[2:]])
    ingest_file(_renamed_shop(MOTHERS, tmp_path / "一号店妈妈群.csv", "·1号店"), demo_copy, chat_name="一号店妈妈群")
    r = ingest_file(calendar, demo_copy)
    assert (r.n_new, r.details.get("shop_prefixed_ids")) == (6, 6)
    own = [(e, "一号店妈妈群") for e in ("小雨点母婴(万达店)·1号店:E03", "小雨点母婴(万达店)·1号店:E06",
                                      "小雨点母婴(滨江店)·1号店:E04")]
    assert [a for a in _announced(demo_copy) if a[1] == "一号店妈妈群"] == own
    assert _effects(demo_copy).equals(_full_recount(demo_copy))
