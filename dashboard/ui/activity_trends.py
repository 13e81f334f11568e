"""Activity page, first half: how much and when: messages and speakers per period, DAU/WAU/MAU28
and stickiness, the hour × weekday and calendar heatmaps and the kind mix."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.charts import activity as charts
from dashboard.charts import events as event_charts
from dashboard.charts import heatmaps
from dashboard.core.analytics.activity import name_combined
from dashboard.ui import data, fmt, page, safe
from dashboard.ui.filters import Filters
from dashboard.ui.i18n import t

MEASURES = ["dau", "wau", "mau28", "stickiness", "speaker_rate_daily", "speaker_rate_weekly"]
KINDS = ["text", "image", "voice", "video", "sticker", "link", "file", "location", "quote", "red_packet",
         "transfer", "solitaire", "pat", "call", "other"]


def weekday_names() -> list[str]:
    return [t(f"weekday.{i}") for i in range(1, 8)]


def kind_names() -> dict[str, str]:
    return {k: t(f"kind.{k}") for k in KINDS}


def periods(f: Filters) -> None:
    st.subheader(t("activity.periods_title"))
    period = st.radio(t("activity.period"), ["day", "week", "month"], index=1, horizontal=True,
                      format_func=lambda p: t(f"activity.period_{p}"), key="act_period")
    frame = data.query("activity/period_activity", **f.params(), period=period, by_chat=f.by_chat)
    if frame.is_empty():
        st.info(t("empty.no_rows"))
        return
    shown = name_combined(frame, t("activity.all_chats"))
    labels = {"day": t(f"activity.period_{period}"), "messages": t("activity.messages"),
              "speakers": t("activity.speakers")}
    top = shown.sort(["messages", "period_start"], descending=[True, False]).row(0, named=True)
    reading = t("activity.periods_reading", chat=safe.md(top["chat_name"]), when=fmt.day(top["period_start"]),
                unit=t(f"activity.period_{period}"), n=fmt.num(top["messages"]), s=fmt.num(top["speakers"]))
    length = {"day": pl.lit(1), "week": pl.lit(7),
              "month": pl.col("period_start").dt.month_end().dt.day()}[period]
    shown = shown.with_columns((pl.col("covered_days") < length).alias("partial"))
    if shown["partial"].any():
        reading += t("activity.periods_partial")
    # the shop's side on the same time axis: store visits and the offline events
    span = {"start": f.start, "end": f.end}
    visits = data.query("events/visits_by_period", period=period, **span)
    events = data.query("events/calendar", chat_ids=f.chat_ids, **span)
    fig = charts.daily_messages_and_speakers(shown, {**labels, "visits": t("activity.store_visits")},
                                             x="period_start", visits=None if visits.is_empty() else visits)
    if not events.is_empty():
        event_charts.mark_events(fig, events)
        reading += t("activity.periods_events", n=fmt.num(events.height))
    page.chart(fig, frame, reading, f"period_{period}")


def speakers(f: Filters) -> None:
    st.subheader(t("activity.rolling_title"))
    frame = data.query("activity/speakers_rolling", **f.params(), by_chat=f.by_chat)
    if frame.is_empty():
        st.info(t("empty.no_rows"))
        return
    shown = name_combined(frame, t("activity.all_chats"))
    last = (shown.group_by("day").agg(pl.col("dau", "wau", "mau28", "members", "members_7d").sum()).sort("day")
            .row(-1, named=True))
    c = st.columns(5)
    c[0].metric(t("activity.dau"), fmt.num(last["dau"]), help=t("activity.dau_help"))
    c[1].metric(t("activity.wau"), fmt.num(last["wau"]))
    c[2].metric(t("activity.mau28"), fmt.num(last["mau28"]))
    c[3].metric(t("activity.members_now"), fmt.num(last["members"]))
    rate = last["wau"] / last["members_7d"] if last["members_7d"] else None
    c[4].metric(t("activity.speaker_rate"), fmt.pct(rate), help=t("activity.speaker_rate_help"))
    measure = st.radio(t("activity.measure"), MEASURES, index=1, horizontal=True, key="act_measure",
                       format_func=lambda m: t(f"activity.{m}"))
    sticky = shown["stickiness"].drop_nulls().mean()
    reading = t("activity.rolling_reading", day=fmt.day(last["day"]), wau=fmt.num(last["wau"]),
                mau=fmt.num(last["mau28"]), rate=fmt.pct(rate), sticky=fmt.pct(sticky),
                days=fmt.num(round((sticky or 0) * 7, 1)))
    labels = {"day": t("activity.day"), "measure": t(f"activity.{measure}")}
    page.chart(charts.rolling_speakers(shown, measure, labels), frame, reading, "speakers_rolling")


def when(f: Filters) -> None:
    st.subheader(t("activity.heatmap_title"))
    cells = data.query("activity/hour_weekday", **f.params())
    names = weekday_names()
    members = cells.filter(pl.col("who") == "members")
    if members["messages"].sum() == 0:
        st.info(t("empty.no_rows"))
        return
    busiest = members.sort(["per_week", "weekday", "hour"], descending=[True, False, False]).row(0, named=True)
    staff = cells.filter(pl.col("who") == "staff")
    staff_top = staff.sort(["per_week", "weekday", "hour"], descending=[True, False, False]).row(0, named=True)
    reading = t("activity.heatmap_reading", day=names[busiest["weekday"] - 1], hour=fmt.num(busiest["hour"]),
                n=fmt.num(round(busiest["per_week"], 1)))
    if staff_top["messages"]:
        reading += t("activity.heatmap_staff", day=names[staff_top["weekday"] - 1], hour=fmt.num(staff_top["hour"]))
    labels = {"members": t("activity.heat_members"), "staff": t("activity.heat_staff"), "hour": t("activity.hour"),
              "per_week": t("activity.per_week"), "count": t("activity.raw_count")}
    page.chart(heatmaps.hour_weekday(cells, names, labels), cells, reading, "hour_weekday")

    st.subheader(t("activity.calendar_title"))
    daily = data.query("activity/daily_activity", **f.params(), by_chat=False)
    per_day = daily.group_by("day").agg(pl.col("messages", "staff_messages").sum()).sort("day")
    top = per_day.sort(["messages", "day"], descending=[True, False]).row(0, named=True)
    gaps = data.query("overview/coverage_gaps", chat_ids=f.chat_ids)
    reading = t("activity.calendar_reading", day=fmt.day(top["day"]), n=fmt.num(top["messages"]))
    reading += (t("activity.calendar_gaps", n=fmt.num(gaps["days"].sum())) if gaps.height
                else t("activity.calendar_no_gaps"))
    labels = {"messages": t("activity.messages"), "staff": t("activity.staff_messages"), "week": t("activity.week")}
    page.chart(heatmaps.calendar(per_day, names, labels), per_day, reading, "calendar")


def kinds(f: Filters) -> None:
    st.subheader(t("activity.kinds_title"))
    mix = data.query("activity/kind_mix", **f.params(), period="week")
    if mix.is_empty():
        st.info(t("empty.no_rows"))
        return
    totals = mix.group_by("kind").agg(pl.col("messages").sum()).sort("messages", descending=True)
    names = kind_names()
    share = totals.with_columns(pl.col("messages") / pl.col("messages").sum())
    parts = "、".join(f"{safe.md(names.get(k, k))} {fmt.pct(s)}" for k, s in share.head(3).iter_rows())
    labels = {"period": t("activity.period_week"), "share": t("activity.share")}
    page.chart(charts.kind_mix(mix, names, labels), mix, t("activity.kinds_reading", parts=parts), "kind_mix")
