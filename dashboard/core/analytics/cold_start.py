"""Cold start (docs/metrics.md §3.1–3.2): where each group's cold start ended, and its cold spells.

The day-by-day figures come from SQL (queries/cold_start/); this module reads the end off them:
the two-consecutive-weeks rule gives the end, and PELT on the daily organic messages confirms it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import polars as pl

from dashboard.core import queries
from dashboard.core.analytics import alt_accounts
from dashboard.core.analytics.changepoint import pelt_poisson, segments

LAMBDA_MIN = 5.0  # organic messages a day a segment must reach to count as warm (docs/metrics.md §3.1)
CONFIRM_DAYS = 7  # a changepoint this close to the rule's end confirms it


@dataclass(frozen=True)
class Settings:
    """What the owner tunes on the cold spells tab; the defaults are those of docs/metrics.md §3.2. The cold-start
    rule's thresholds are docs/metrics.md §3.1's too (queries/cold_start/age_days.sql), kept with
    each chat's end in the rollup chat_cold_start."""

    wake_from: int = 8
    wake_to: int = 22
    min_silence_hours: float = 4.0

    def silence_params(self) -> dict:
        return {"wake_from": self.wake_from, "wake_to": self.wake_to}


@dataclass(frozen=True)
class End:
    """A chat's cold-start end, or why there is none.

    status: "ended" (day is the rule's end), "not_yet" (the rule never held), "not_visible" (the
    export starts after the group was made)."""

    status: str
    day: dt.date | None = None
    age_day: int | None = None
    changepoint_day: dt.date | None = None
    confirmed: bool = False


@dataclass
class Report:
    """Everything the Cold start page and `qunxi analyze cold_start` show, for some chats."""

    days: pl.DataFrame
    ends: dict[str, End]
    seeding: pl.DataFrame
    spells: pl.DataFrame
    silence: pl.DataFrame
    accounts: pl.DataFrame
    names: dict[str, str] = field(default_factory=dict)


def find_end(days: pl.DataFrame, birth_seen: bool, lambda_min: float = LAMBDA_MIN) -> End:
    """The cold-start end of one chat from its rows of cold_start/age_days (in day order).

    The rule's end is the first day whose window and the next both hold. PELT on the daily organic
    messages confirms it when its first changepoint into a segment of at least lambda_min a day,
    where the window holds, lies within CONFIRM_DAYS of it. Only that one changepoint is read: a ramp
    gives a staircase of them, and the later steps are not ends."""
    if not birth_seen:
        return End("not_visible")
    ended = days.filter(pl.col("ends_cold_start").fill_null(False))
    if ended.is_empty():
        return End("not_yet")
    first = ended.row(0, named=True)
    counts = days["organic_messages"].to_numpy()
    ok = days["ends_cold_start"].fill_null(False).to_list()
    changepoint = None
    for start, _, mean in segments(counts, pelt_poisson(counts))[1:]:
        if mean >= lambda_min and ok[start]:
            changepoint = days["day"][start]
            break
    confirmed = changepoint is not None and abs((changepoint - first["day"]).days) <= CONFIRM_DAYS
    return End("ended", first["day"], first["age_day"], changepoint, confirmed)


def weekly_spells(spells: pl.DataFrame, silence: pl.DataFrame) -> pl.DataFrame:
    """Cold spells per chat and week beside the week's silence ratio and silent days."""
    per_week = spells.group_by("chat_id", "week").agg(
        pl.len().alias("cold_spells"), pl.col("waking_hours").sum().alias("cold_spell_hours"),
        (pl.col("breaker_class") == "staff").sum().alias("broken_by_staff"),
        pl.col("answered").sum().alias("answered"))
    return silence.join(per_week, on=["chat_id", "week"], how="left").with_columns(
        pl.col("cold_spells", "broken_by_staff", "answered").fill_null(0).cast(pl.Int64),
        pl.col("cold_spell_hours").fill_null(0.0))


def end_rows(con: duckdb.DuckDBPyConnection, chat_ids: list[str]) -> pl.DataFrame:
    """The rows of rollup chat_cold_start for these chats: each one's birth and cold-start end, by
    the rule with the defaults of docs/metrics.md §3.1, confirmed by PELT or not."""
    days = queries.run(con, "cold_start/age_days", chat_ids=chat_ids)
    born = queries.run(con, "cold_start/births", chat_ids=chat_ids)
    rows = []
    for (chat_id,), chat_days in days.group_by("chat_id", maintain_order=True):
        end = find_end(chat_days, bool(chat_days["birth_seen"][0]))
        rows.append({"chat_id": chat_id, "status": end.status, "end_day": end.day, "end_age_day": end.age_day,
                     "changepoint_day": end.changepoint_day, "confirmed": end.confirmed})
    schema = {"chat_id": pl.String, "status": pl.String, "end_day": pl.Date, "end_age_day": pl.Int32,
              "changepoint_day": pl.Date, "confirmed": pl.Boolean}
    return born.join(pl.DataFrame(rows, schema=schema), on="chat_id", how="inner")


def ends(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None = None) -> pl.DataFrame:
    """Each chat's birth and cold-start end (query cold_start/ends over rollup chat_cold_start)."""
    return queries.run(con, "cold_start/ends", chat_ids=chat_ids)


def end_of(row: dict) -> End:
    """One row of cold_start/ends as an End."""
    return End(row["status"], row["end_day"], row["end_age_day"], row["changepoint_day"], row["confirmed"])


def silences(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None,
             settings: Settings | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The cold spells of these chats and their weeks (silence ratio, silent days, spells)."""
    s = settings or Settings()
    spells = queries.run(con, "cold_start/cold_spells", chat_ids=chat_ids, min_hours=s.min_silence_hours,
                         **s.silence_params())
    weeks = queries.run(con, "cold_start/silence_weeks", chat_ids=chat_ids, **s.silence_params())
    return spells, weekly_spells(spells, weeks)


def accounts(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None = None) -> pl.DataFrame:
    """Every account of these chats scored against its strongest reference, with the owner's decisions."""
    return alt_accounts.score(queries.run(con, "cold_start/alt_evidence", chat_ids=chat_ids),
                              queries.run(con, "cold_start/alt_decisions", chat_ids=chat_ids))


def analyze(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None = None,
            settings: Settings | None = None) -> Report:
    """Every section at once (`qunxi analyze cold_start`; the page asks for one tab's at a time)."""
    chats = ends(con, chat_ids)
    spells, silence = silences(con, chat_ids, settings)
    return Report(queries.run(con, "cold_start/age_days", chat_ids=chat_ids),
                  {r["chat_id"]: end_of(r) for r in chats.iter_rows(named=True)},
                  queries.run(con, "cold_start/seeding_weeks", chat_ids=chat_ids), spells, silence,
                  accounts(con, chat_ids), dict(zip(chats["chat_id"].to_list(), chats["chat_name"].to_list(),
                                                     strict=True)))


def longest_silent_streak(days: pl.DataFrame) -> int:
    """The longest run of consecutive covered days with no organic message, in one chat's age_days rows."""
    longest = run = 0
    previous = None
    for day, n in zip(days["day"].to_list(), days["organic_messages"].to_list(), strict=True):
        contiguous = previous is not None and (day - previous).days == 1
        run = (run + 1 if contiguous else 1) if n == 0 else 0
        longest = max(longest, run)
        previous = day
    return longest


REASONS = {
    "ended": "cold start ended: this day and the week after it both had enough organic speakers and talk",
    "not_yet": "cold start has not ended: no two weeks in a row met the rule",
    "not_visible": "the group was created before the export starts; its cold start cannot be seen",
}


def _records(frame: pl.DataFrame, chat_id: str, drop: tuple[str, ...] = ()) -> list[dict]:
    return frame.filter(pl.col("chat_id") == chat_id).drop("chat_id", "chat_name", *drop).to_dicts()


def as_dict(report: Report) -> dict:
    """What the page shows, per chat, in plain JSON types: the birth, the cold-start end (or why
    there is none), week-by-week seeding and silence, every cold spell, and every scored account
    with each criterion's flag and measurement."""
    chats = []
    for chat_id, end in report.ends.items():
        days = report.days.filter(pl.col("chat_id") == chat_id)
        accounts = report.accounts.filter(pl.col("chat_id") == chat_id)
        chats.append({
            "chat_id": chat_id,
            "chat": report.names[chat_id],
            "born_on": days["day"][0],
            "birth_seen": bool(days["birth_seen"][0]),
            "cold_start": {"status": end.status, "reason": REASONS[end.status], "end": end.day,
                           "age_day": end.age_day, "changepoint": end.changepoint_day, "confirmed": end.confirmed},
            "longest_silent_days": longest_silent_streak(days),
            "seeding_weeks": _records(report.seeding, chat_id),
            "silence_weeks": _records(report.silence, chat_id),
            "cold_spells": _records(report.spells, chat_id),
            "accounts": [{
                "member_id": a["member_id"], "name": a["name"], "messages": a["messages"], "status": a["status"],
                "score": a["score"], "reference": a["reference_name"],
                "criteria": {n: {"met": a[f"c_{n}"], "measured": a[f"v_{n}"]} for n in alt_accounts.CRITERIA},
            } for a in accounts.iter_rows(named=True)],
        })
    return {"chats": chats}
