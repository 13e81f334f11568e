"""Per event: the funnel, the effect on store visits with its interval and verdict, and the
sign-ups (docs/metrics.md §5). What the Events & visits page and `qunxi analyze events` show."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from dashboard.core import calendar, queries
from dashboard.core.analytics import event_effect as fx

OVERLAP_DAYS = 14   # events closer than this share days after them: said, never silent
SMALL = 30          # fewer signed-up customers with a link than this: 样本少


@dataclass(frozen=True)
class EventReport:
    funnel: dict
    baseline: fx.Baseline | None
    did: fx.DiD | None
    method: str | None          # "did" | "baseline" | None (not enough data)
    effect: fx.Interval | None  # extra visit-days in days 1–7, by `method`
    verdict: str | None
    mde: float | None
    cost_per_extra_visit: float | None
    caveats: tuple[str, ...]
    overlaps: tuple[str, ...]   # other events within OVERLAP_DAYS


def _same_shop(schedule: pl.DataFrame, row: dict) -> pl.DataFrame:
    """The other events of this event's shop: a chain's other shops hold theirs on the same days
    without touching this one's customers. An event whose shop is unknown counts as everyone's."""
    shop = row["store_id"]
    same = pl.col("store_id").is_null() | (pl.col("store_id") == shop) if shop is not None else pl.lit(True)
    return schedule.filter((pl.col("event_id") != row["event_id"]) & same)


def _excluded(others: pl.DataFrame) -> set[dt.date]:
    """Days a baseline leaves out: holidays and promotions, and each other event's day and the
    week after it."""
    days = set(calendar.special_days())
    for day in others["event_day"].unique():
        days.update(day + dt.timedelta(days=k) for k in range(0, 8))
    return days


def _overlaps(others: pl.DataFrame, day0: dt.date) -> tuple[str, ...]:
    near = others.filter((pl.col("event_day") - pl.lit(day0)).dt.total_days().abs() < OVERLAP_DAYS)
    return tuple(sorted(set(near["event_id"].to_list())))


def report_one(row: dict, daily: pl.DataFrame, panel: pl.DataFrame, schedule: pl.DataFrame) -> EventReport:
    """One event's report from its funnel row, its exposed customers' daily visits and visit
    panel, and the schedule of every event (query events/calendar)."""
    day0 = row["event_day"]
    others = _same_shop(schedule, row)
    excluded = _excluded(others)
    base = fx.baseline(daily.select("day", "visits"), day0, excluded) if daily.height else None
    did = fx.did(panel.select("customer_id", "treated", "day"), day0) if panel.height else None
    method, effect = (("did", did.extra) if did is not None else ("baseline", base.lift) if base is not None
                      else (None, None))
    caveats = []
    window = {day0 + dt.timedelta(days=k) for k in range(fx.WINDOW[0], fx.WINDOW[1] + 1)}
    if window & set(calendar.special_days()):
        caveats.append("holiday")
    if row["signed_up_linked"] < SMALL:
        caveats.append("small_sample")
    if did is not None and did.pretrend is not None and fx.verdict(did.pretrend) in ("clear_lift", "clear_drop"):
        caveats.append("pretrend")
    overlaps = _overlaps(others, day0)
    if overlaps:
        caveats.append("overlap")
    cost = float(row["cost"]) if row["cost"] is not None else None
    per_visit = cost / effect.estimate if cost and effect is not None and effect.estimate > 0 else None
    return EventReport(row, base, did, method, effect, fx.verdict(effect) if effect else None,
                       fx.mde(effect) if effect else None, per_visit, tuple(caveats), overlaps)


def analyze(con: duckdb.DuckDBPyConnection, event_ids: list[str] | None = None) -> list[EventReport]:
    """Every event's report (all events, or those named). The exclusions read every event's day,
    so one event's report does not depend on which others were asked for."""
    wanted = queries.run(con, "events/funnel", event_ids=event_ids)
    ids = wanted["event_id"].to_list()
    schedule = queries.run(con, "events/calendar")
    daily = queries.run(con, "events/member_daily", event_ids=ids).partition_by("event_id", as_dict=True)
    panel = queries.run(con, "events/visit_panel", event_ids=ids).partition_by("event_id", as_dict=True)
    empty_daily = pl.DataFrame(schema={"day": pl.Date, "visits": pl.Int64})
    empty_panel = pl.DataFrame(schema={"customer_id": pl.String, "treated": pl.Boolean, "day": pl.Date})
    return [report_one(r, daily.get((r["event_id"],), empty_daily), panel.get((r["event_id"],), empty_panel),
                       schedule)
            for r in wanted.iter_rows(named=True)]


def by_type(effects: pl.DataFrame) -> pl.DataFrame:
    """Per event type (category; none given is "—") with at least fx.POOL_MIN measured events: the
    mean extra visits per event with its between-event bootstrap interval and verdict, so the
    owner learns which kind of event works. effects: event_id, category, estimate (rows of
    event_effects; an event announced in two chats counts once)."""
    out = []
    measured = effects.filter(pl.col("estimate").is_not_null() & pl.col("estimate").is_not_nan()).unique(
        "event_id", keep="first")
    for (category,), part in measured.sort("category", nulls_last=True).group_by("category", maintain_order=True):
        mean = fx.pooled(part["estimate"].to_numpy())
        if mean is not None:
            out.append({"category": category or "—", "events": part.height, "estimate": mean.estimate,
                        "low90": mean.low90, "high90": mean.high90, "verdict": fx.verdict(mean)})
    return pl.DataFrame(out, schema={"category": pl.String, "events": pl.Int64, "estimate": pl.Float64,
                                     "low90": pl.Float64, "high90": pl.Float64, "verdict": pl.String})


def _interval(i: fx.Interval | None) -> dict | None:
    return None if i is None else {k: (None if isinstance(v, float) and np.isnan(v) else v)
                                   for k, v in dataclasses.asdict(i).items()}


def as_dict(reports: list[EventReport], signups: pl.DataFrame) -> dict:
    """Plain JSON types: per event the funnel, the effect with its 80% and 90% intervals, the
    verdict and the minimum detectable effect, both estimates, the caveats, and the sign-ups."""
    out = []
    for r in reports:
        ev = r.funnel["event_id"]
        out.append({
            "event_id": ev, "name": r.funnel["name"], "category": r.funnel["category"],
            "day": r.funnel["event_day"], "chat": r.funnel["chat_name"],
            "funnel": {k: r.funnel[k] for k in FUNNEL},
            "effect": {"method": r.method, "window_days": list(fx.WINDOW), "extra_visits": _interval(r.effect),
                       "verdict": r.verdict, "min_detectable": r.mde,
                       "cost": float(r.funnel["cost"]) if r.funnel["cost"] is not None else None,
                       "cost_per_extra_visit": r.cost_per_extra_visit},
            "did": None if r.did is None else {
                "per_signed_up_customer": _interval(r.did.att), "treated": r.did.treated,
                "controls": r.did.controls, "unmatched": r.did.unmatched, "pretrend": _interval(r.did.pretrend)},
            "baseline": None if r.baseline is None else {
                "extra_visits": _interval(r.baseline.lift), "weeks_used": r.baseline.weeks_used,
                "days": r.baseline.days.to_dicts()},
            "caveats": list(r.caveats), "overlaps": list(r.overlaps),
            "signups": signups.filter(pl.col("event_id") == ev).select(
                "member_id", "name", "signed_up_at", "signup_line", "customer_id").to_dicts(),
        })
    kinds = pl.DataFrame([{"event_id": r.funnel["event_id"], "category": r.funnel["category"],
                           "estimate": r.effect.estimate if r.effect else None} for r in reports],
                         schema={"event_id": pl.String, "category": pl.String, "estimate": pl.Float64})
    return {"events": out, "by_type": by_type(kinds).to_dicts()}


def report(con: duckdb.DuckDBPyConnection, chat_ids: list[str] | None = None) -> dict:
    """`qunxi analyze events`: every event's report as plain JSON types, only the events announced
    in the given chats when chats are named."""
    reports = analyze(con)
    if chat_ids is not None:
        reports = [r for r in reports if r.funnel["chat_id"] in chat_ids]
    return as_dict(reports, queries.run(con, "events/exposed").filter(pl.col("signed_up")))


def _f(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def effect_row(r: EventReport) -> dict:
    """One event_effects row from a report."""
    e, d, b = r.effect, r.did, r.baseline
    days = b.days if b is not None else None
    return {
        "event_id": r.funnel["event_id"], "chat_id": r.funnel["chat_id"], "method": r.method,
        **{k: _f(getattr(e, k)) if e else None for k in ("estimate", "low90", "high90", "low80", "high80", "se")},
        "verdict": r.verdict, "min_detectable": _f(r.mde), "cost_per_extra_visit": _f(r.cost_per_extra_visit),
        "caveats": list(r.caveats), "overlapping": list(r.overlaps),
        "did_att": _f(d.att.estimate) if d else None, "did_low90": _f(d.att.low90) if d else None,
        "did_high90": _f(d.att.high90) if d else None, "did_treated": d.treated if d else None,
        "did_controls": d.controls if d else None, "did_unmatched": d.unmatched if d else None,
        "pretrend": _f(d.pretrend.estimate) if d and d.pretrend else None,
        "pretrend_low90": _f(d.pretrend.low90) if d and d.pretrend else None,
        "pretrend_high90": _f(d.pretrend.high90) if d and d.pretrend else None,
        "baseline_lift": _f(b.lift.estimate) if b else None, "baseline_low90": _f(b.lift.low90) if b else None,
        "baseline_high90": _f(b.lift.high90) if b else None, "baseline_weeks": b.weeks_used if b else None,
        "baseline_days": days["day"].to_list() if b else None,
        "baseline_observed": days["observed"].to_list() if b else None,
        "baseline_expected": days["expected"].to_list() if b else None,
        "baseline_band_low": days["low90"].to_list() if b else None,
        "baseline_band_high": days["high90"].to_list() if b else None,
        **{k: r.funnel[k] for k in FUNNEL},
    }


FUNNEL = ("exposed", "signed_up", "exposed_linked", "signed_up_linked", "attended", "returned_7", "returned_28",
          "revenue_day", "revenue_28", "match_rate")


EFFECT_SCHEMA = {
    "event_id": pl.String, "chat_id": pl.String, "method": pl.String, "estimate": pl.Float64, "low90": pl.Float64,
    "high90": pl.Float64, "low80": pl.Float64, "high80": pl.Float64, "se": pl.Float64, "verdict": pl.String,
    "min_detectable": pl.Float64, "cost_per_extra_visit": pl.Float64, "caveats": pl.List(pl.String),
    "overlapping": pl.List(pl.String), "did_att": pl.Float64, "did_low90": pl.Float64, "did_high90": pl.Float64,
    "did_treated": pl.Int64, "did_controls": pl.Int64, "did_unmatched": pl.Int64, "pretrend": pl.Float64,
    "pretrend_low90": pl.Float64, "pretrend_high90": pl.Float64, "baseline_lift": pl.Float64,
    "baseline_low90": pl.Float64, "baseline_high90": pl.Float64, "baseline_weeks": pl.Int64,
    "baseline_days": pl.List(pl.Date), "baseline_observed": pl.List(pl.Float64),
    "baseline_expected": pl.List(pl.Float64), "baseline_band_low": pl.List(pl.Float64),
    "baseline_band_high": pl.List(pl.Float64),
    "exposed": pl.Int64, "signed_up": pl.Int64, "exposed_linked": pl.Int64, "signed_up_linked": pl.Int64,
    "attended": pl.Int64, "returned_7": pl.Int64, "returned_28": pl.Int64, "revenue_day": pl.Float64,
    "revenue_28": pl.Float64, "match_rate": pl.Float64,
}


def effect_rows(con: duckdb.DuckDBPyConnection, chat_ids: list[str]) -> pl.DataFrame:
    """The rows of rollup event_effects (one per event and chat announcing it) of these chats. An
    event these chats announced may be announced in another chat too: that chat's row is not
    recounted here, since the refresh replaces only these chats' rows."""
    ids = [r[0] for r in con.execute("select distinct event_id from event_links where list_contains($c, chat_id)",
                                     {"c": chat_ids}).fetchall()]
    if not ids:
        return pl.DataFrame(schema=EFFECT_SCHEMA)
    wanted = set(chat_ids)
    return pl.DataFrame([effect_row(r) for r in analyze(con, ids) if r.funnel["chat_id"] in wanted],
                        schema=EFFECT_SCHEMA)


def with_shared_events(con: duckdb.DuckDBPyConnection, chat_ids: list[str]) -> list[str]:
    """These chats and every other chat announcing one of their events: an event's funnel and
    effect count the members of all its chats, so a change in one chat moves the event's row in
    each of them (rollup event_effects has one row per event and chat)."""
    rows = con.execute(
        """
        select distinct l.chat_id from event_links l
        where l.chat_id is not null
          and l.event_id in (select event_id from event_links where list_contains($c, chat_id))
        """,
        {"c": chat_ids},
    ).fetchall()
    return sorted(set(chat_ids) | {r[0] for r in rows})


def announcements(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(event, chat) of rollup event_announcements: taken before a change, so that chats_to_recount
    finds the events it paired anew or unpaired."""
    return set(con.execute("select event_id, chat_id from event_announcements").fetchall())


def chats_to_recount(con: duckdb.DuckDBPyConnection, chat_ids: list[str], before: set[tuple[str, str]]
                     ) -> list[str]:
    """The chats whose event_effects rows a change to `chat_ids` moves: these chats, the other
    chats announcing their events, and every chat of an event that gained or lost a chat since
    `before` (announcements()): an event another chat no longer announces was counted with it."""
    after = announcements(con)
    moved = {event for event, _ in before ^ after}
    return sorted(set(with_shared_events(con, chat_ids)) | {c for e, c in before | after if e in moved})
