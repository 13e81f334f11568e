"""The metric layer: every SQL file is well-formed, and key results match independent computations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import independent
import polars as pl
import pytest

from dashboard.core import db, queries, roles, settings
from dashboard.core.sqlfile import read_sql_file

ALL = sorted(queries.registry())


@pytest.mark.slow
def test_registry_finds_every_query_file() -> None:
    files = [p for p in (settings.queries_dir()).rglob("*.sql")
             if p.relative_to(settings.queries_dir()).parts[0] not in ("schema", "views", "rollups")]
    assert len(ALL) == len(files) >= 4


@pytest.mark.parametrize("name", ALL)
def test_each_query_is_one_documented_select(name: str) -> None:
    q = queries.get(name)
    for key in ("title", "grain", "params", "description"):
        assert q.file.header.get(key), f"{name} lacks {key}"
    statements = duckdb.extract_statements(q.sql)
    assert len(statements) == 1 and statements[0].type == duckdb.StatementType.SELECT


# Exceptions only: these list problems (alerts, gaps in coverage) and the tiny fixture has none;
# tests/test_activity_queries.py checks them on data that has some. Alt-account evidence needs an
# owner or staff to compare with, and decisions need declared roles: the fixtures declare none
# (tests/test_cold_start.py and tests/test_alt_accounts.py check them on data that has some).
# The fixtures also have no expert, no event, no word of the owner's own, and no week with the 30
# topic-labelled messages a rarefied diversity needs (tests/test_roles.py checks those on the sample).
EMPTY_ON_FIXTURES = {"overview/alerts", "overview/coverage_gaps", "cold_start/alt_decisions",
                     "roles/association_weeks", "roles/class_days", "roles/expert_pull", "roles/own_words",
                     # no store records (events, visits, customers) in the chat fixtures: tests/test_events.py
                     # and tests/test_linking.py run these on the sample and on hand-made records
                     "events/effects", "events/exposed", "events/funnel", "events/link_candidates",
                     "events/member_daily", "events/visit_panel", "events/calendar", "events/visits_by_period",
                     "store/store_days",
                     # no referral campaign, no spam in the fixtures; the default
                     # checks find nothing there: tests/test_rules.py and tests/test_growth.py run them on
                     # the sample and hand-made chats ("rules/context" and "rules/hit_messages" need
                     # messages named)
                     "growth/campaigns", "growth/regimes", "rules/announcements",
                     "rules/context", "rules/hit_messages", "rules/match_flood",
                     "rules/match_hours", "rules/match_text"}


def _required(name: str, con: duckdb.DuckDBPyConnection) -> dict:
    """The parameters a query cannot go without: only ever the chats (queries that scan messages or
    terms of a few chats at a time), given as every chat of the store."""
    needed = [p.name for p in queries.get(name).params if p.default is None]
    assert set(needed) <= {"chat_ids"}, f"{name} needs {needed}"
    return {"chat_ids": [r[0] for r in con.execute("select chat_id from chats").fetchall()]} if needed else {}


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_each_query_runs_on_the_fixture_data(fixture_db: Path, name: str) -> None:
    with db.reader(fixture_db) as con:
        frame = queries.run(con, name, **_required(name, con))
    assert (frame.height == 0) if name in EMPTY_ON_FIXTURES else (frame.height > 0)


def test_views_have_headers() -> None:
    for f in db.view_files():
        sf = read_sql_file(f)
        assert sf.header.get("title") and sf.header.get("description"), f.name


def test_every_rollup_has_a_documented_select_or_a_function_and_a_table() -> None:
    from dashboard.core import rollups

    files = sorted(p.stem for p in rollups.rollup_dir().glob("*.sql"))
    assert files == sorted(set(rollups.ORDER) - set(rollups.COMPUTED))
    assert set(rollups.COMPUTED) <= set(rollups.ORDER)
    ddl = "\n".join(f.read_text(encoding="utf-8") for _, f in db.migration_files())
    for name in rollups.ORDER:
        assert f"create table {name} (" in ddl, name
        if name in rollups.COMPUTED:
            continue
        sf = read_sql_file(rollups.rollup_dir() / f"{name}.sql")
        queries.validate(name, sf)  # header, one SELECT, parameters declared as used
        assert [p.name for p in sf.params] == ["chat_ids"], name


def _messages(db_path: Path) -> pl.DataFrame:
    con = duckdb.connect(str(db_path), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    frame = con.sql("select chat_id, member_id, ts, kind from messages").pl()
    con.close()
    return frame.with_columns(day=pl.col("ts").dt.convert_time_zone("Asia/Shanghai").dt.date())


def test_daily_activity_matches_a_count_over_raw_messages(fixture_db: Path) -> None:
    raw = _messages(fixture_db).filter(~pl.col("kind").is_in(["system", "recall"]))
    expected = (raw.group_by("chat_id", "day")
                .agg(messages=pl.len(), speakers=pl.col("member_id").drop_nulls().n_unique())
                .sort("chat_id", "day"))
    with db.reader(fixture_db) as con:
        got = queries.run(con, "activity/daily_activity").filter(pl.col("messages") > 0)
    got = got.select("chat_id", "day", "messages", "speakers").sort("chat_id", "day")
    assert got.to_dicts() == expected.with_columns(pl.col("messages").cast(pl.Int64),
                                                   pl.col("speakers").cast(pl.Int64)).to_dicts()


def test_daily_activity_params_filter(fixture_db: Path) -> None:
    with db.reader(fixture_db) as con:
        chats = queries.run(con, "data/chat_list")
        one = chats.filter(pl.col("name") == "奶粉团购群")["chat_id"].to_list()
        frame = queries.run(con, "activity/daily_activity", chat_ids=one, start="2024-08-02", end="2024-08-02")
    assert frame["chat_name"].unique().to_list() == ["奶粉团购群"]
    assert frame["day"].to_list() == [dt.date(2024, 8, 2)]
    # two files cover this chat: PyWxDump (4 active on 08-01) and the Excel copy (5 on 08-02)
    assert frame["messages"].to_list() == [5]


@pytest.mark.slow
def test_organic_leaves_out_declared_staff(fresh_copy: Path) -> None:
    with db.writer(fresh_copy) as con:
        owner = con.execute("select member_id from members where platform_key = 'wxid_owner'").fetchall()[0][0]
        roles.declare(con, owner, "owner")
    raw = _messages(fresh_copy).filter(~pl.col("kind").is_in(["system", "recall"]))
    with db.reader(fresh_copy) as con:
        owner = con.execute("select member_id from members where platform_key = 'wxid_owner'").fetchall()[0][0]
        chat = con.execute("select chat_id from chats where name = '新手妈妈群'").fetchall()[0][0]
        all_ = queries.run(con, "activity/daily_activity", chat_ids=[chat])
        org = queries.run(con, "activity/daily_activity", chat_ids=[chat], organic=True)
    owner_msgs = raw.filter((pl.col("member_id") == owner) & (pl.col("chat_id") == chat)).height
    assert owner_msgs > 0
    assert all_["messages"].sum() - org["messages"].sum() == owner_msgs
    assert all_["speakers"].sum() - org["speakers"].sum() == 1


def test_chat_cards_counts(fixture_db: Path) -> None:
    with db.reader(fixture_db) as con:
        cards = queries.run(con, "overview/chat_cards")
    row = cards.filter(pl.col("name") == "新手妈妈群").row(0, named=True)
    # five were in the chat that day (赵妈妈 until she was removed), all five spoke
    assert (row["members"], row["messages"], row["speakers_7d"], row["exporters"]) == (5, 33, 5, "小雨点店长")
    assert row["speaker_rate"] == 1.0
    assert (row["covered_days"], row["gap_days"], row["speakers_7d_prev"]) == (1, 0, None)


def test_unknown_and_bad_parameters_are_clear(fixture_db: Path) -> None:
    with db.reader(fixture_db) as con:
        with pytest.raises(queries.QueryError, match="takes no parameter"):
            queries.run(con, "activity/daily_activity", nope=1)
        with pytest.raises(queries.QueryError, match="expects date"):
            queries.run(con, "activity/daily_activity", start="yesterday")
        with pytest.raises(queries.QueryError, match="no query named"):
            queries.run(con, "activity/nothing")


def _rolling_speakers(raw: pl.DataFrame, all_raw: pl.DataFrame, days: list[dt.date], chat: str) -> dict:
    """DAU / WAU / MAU28 and stickiness recomputed with Python sets, day by day."""
    by_day: dict[dt.date, set] = {}
    for member, day in raw.filter(pl.col("chat_id") == chat).select("member_id", "day").iter_rows():
        if member is not None:
            by_day.setdefault(day, set()).add(member)

    def within(day: dt.date, n: int) -> set:
        return set().union(*(by_day.get(day - dt.timedelta(days=k), set()) for k in range(n)))

    # one export per chat here: it covers every day from its first message to its last
    span = all_raw.filter(pl.col("chat_id") == chat).get_column("day")
    covered = {span.min() + dt.timedelta(days=k) for k in range((span.max() - span.min()).days + 1)}
    out = {}
    for day in days:
        mau = len(within(day, 28))
        last7 = [len(by_day.get(day - dt.timedelta(days=k), set())) for k in range(7)
                 if day - dt.timedelta(days=k) in covered]
        out[day] = (len(by_day.get(day, set())), len(within(day, 7)), mau,
                    round(sum(last7) / len(last7) / mau, 9) if mau else None)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("organic", [False, True])
def test_rolling_speakers_match_python_sets(demo_db: Path, organic: bool) -> None:
    all_raw = _messages(demo_db)
    raw = all_raw.filter(~pl.col("kind").is_in(["system", "recall"]))
    if organic:
        known = independent.classes(demo_db)
        keep = [known.get((c, m), "customer") in independent.ORGANIC
                for c, m in raw.select("chat_id", "member_id").iter_rows()]
        raw = raw.filter(pl.Series(keep))
    with db.reader(demo_db) as con:
        chats = queries.run(con, "data/chat_list")
        got = queries.run(con, "activity/speakers_rolling", organic=organic, start="2025-07-01",
                          end="2025-08-31")
    # windows (and stickiness's 7 days of DAU) reach back before $start; rows start at it
    assert got.get_column("day").min() == dt.date(2025, 7, 1)
    for chat in chats.get_column("chat_id"):
        mine = got.filter(pl.col("chat_id") == chat).sort("day")
        days = mine.get_column("day").to_list()
        expected = _rolling_speakers(raw, all_raw, days, chat)
        rows_ = [(r["dau"], r["wau"], r["mau28"], None if r["stickiness"] is None else round(r["stickiness"], 9))
                 for r in mine.iter_rows(named=True)]
        assert rows_ == [expected[d] for d in days]
        assert len(days) == 62


def test_every_table_column_and_view_is_described(tmp_path: Path) -> None:
    """The SQL page's schema browser shows these: a fresh store has a comment on every table, every
    table column and every view (a view's from its file header)."""
    store = tmp_path / "fresh.duckdb"
    db.ensure_database(store)
    with db.reader(store) as con:
        objects = queries.run(con, "sql/schema_objects")
        columns = queries.run(con, "sql/schema_columns")
    tables = objects.filter(pl.col("kind") == "table")["name"].to_list()
    assert len(tables) >= 50 and objects.filter(pl.col("kind") == "view").height == len(db.view_files())
    assert objects.filter(pl.col("description").is_null() | (pl.col("description") == "")).is_empty()
    bare = columns.filter(pl.col("name").is_in(tables) & pl.col("description").is_null())
    assert bare.is_empty(), bare.select("name", "column_name").rows()
