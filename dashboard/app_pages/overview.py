"""Overview: per chat, a health card with its trend and coverage, then the alerts worth a look and
daily messages and speakers."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.charts.activity import daily_messages_and_speakers, sparkline
from dashboard.core.analytics.activity import name_combined
from dashboard.ui import data, filters, fmt, page, safe
from dashboard.ui.i18n import t

MAX_CARDS = 12


def _card(row: dict, trend: pl.DataFrame, response: dict | None, gaps: pl.DataFrame) -> None:
    with st.container(border=True):
        st.markdown(f"**{safe.md(row['name'])}**")
        if row["as_of"] is None:  # the range ends before this chat's export begins
            st.info(t("overview.card_no_data"))
            _coverage(row, gaps)
            return
        c = st.columns(6)
        c[0].metric(t("overview.members"), fmt.num(row["members"]), help=t("overview.members_help"))
        c[1].metric(t("overview.speakers_7d"), fmt.num(row["speakers_7d"]),
                    fmt.delta(row["speakers_7d"], row["speakers_7d_prev"]), help=t("overview.vs_prev_7"))
        c[2].metric(t("overview.speakers_28d"), fmt.num(row["speakers_28d"]),
                    fmt.delta(row["speakers_28d"], row["speakers_28d_prev"]), help=t("overview.vs_prev_28"))
        c[3].metric(t("overview.messages_28d"), fmt.num(row["messages_28d"]),
                    fmt.delta(row["messages_28d"], row["messages_prev_28d"]), help=t("overview.vs_prev_28"))
        c[4].metric(t("overview.speaker_rate"), fmt.pct(row["speaker_rate"]), help=t("overview.speaker_rate_help"))
        median = response["median_s"] if response else None
        c[5].metric(t("overview.median_response"),
                    fmt.duration(median) if median is not None else
                    (t("activity.resp_over_24h") if response else "—"), help=t("overview.median_response_help"))
        if trend.height > 1:
            st.plotly_chart(sparkline(trend, "period_start", "speakers"), width="stretch",
                            key=f"spark_{row['chat_id']}", config={"displayModeBar": False})
            st.caption(t("overview.trend_caption"))
        _coverage(row, gaps)


def _coverage(row: dict, gaps: pl.DataFrame) -> None:
    who = safe.md(row["exporters"]) if row["exporters"] else t("overview.unknown_exporter")
    text = t("overview.coverage", start=fmt.day(row["first_day"]), end=fmt.day(row["last_day"]), who=who,
             n=fmt.num(row["n_imports"]))
    if gaps.height:
        first = gaps.select("gap_start", "gap_end").head(3).iter_rows()
        spans = "、".join(f"{fmt.day(a)}–{fmt.day(b)}" for a, b in first)
        text += t("overview.coverage_gaps", n=fmt.num(gaps["days"].sum()), spans=spans)
    st.caption(text, help=t("overview.coverage_help"))


def _alerts(alerts: pl.DataFrame) -> None:
    st.subheader(t("overview.alerts_title"))
    if alerts.is_empty():
        st.success(t("overview.alerts_none"))
        return
    for r in alerts.head(6).iter_rows(named=True):
        pct = r["alert"] == "unanswered_rise"
        value = fmt.pct(r["value"]) if pct else fmt.num(round(r["value"]))
        usual = fmt.pct(r["baseline"]) if pct else fmt.num(round(r["baseline"], 1))
        st.warning(t(f"overview.alert_{r['alert']}", chat=safe.md(r["chat_name"]), week=fmt.day(r["week"]), value=value,
                     usual=usual))
    if alerts.height > 6:
        st.caption(t("overview.alerts_more", n=alerts.height - 6))


def _reading(daily: pl.DataFrame) -> str:
    per_day = daily.group_by("day").agg(pl.col("messages").sum(), pl.col("speakers").sum()).sort("day")
    top = per_day.sort(["messages", "day"], descending=[True, False]).row(0, named=True)
    chats = daily["chat_name"].unique().to_list()
    name = "、".join(safe.md(c) for c in chats[:3]) + ("…" if len(chats) > 3 else "")
    return t("overview.reading", chat=name, day=fmt.day(top["day"]), n=fmt.num(top["messages"]),
             avg=fmt.num(round(per_day["speakers"].mean(), 1)))


def render() -> None:
    st.title(t("overview.title"))
    if not data.has_data():
        page.empty_state()
        return
    f = filters.sidebar()
    cards = data.query("overview/chat_cards", chat_ids=f.chat_ids, end=f.end, organic=f.organic)
    shown = cards.head(MAX_CARDS)
    on_cards = {**f.params(), "chat_ids": shown["chat_id"].to_list()}  # only what the cards show
    trend = data.query("activity/period_activity", **on_cards, period="week")
    responses = data.query("activity/response_times", **on_cards)
    gaps = data.query("overview/coverage_gaps", chat_ids=on_cards["chat_ids"])
    answers = {r["chat_id"]: r for r in responses.iter_rows(named=True) if r["chat_id"]}
    for row in shown.iter_rows(named=True):
        _card(row, trend.filter(pl.col("chat_id") == row["chat_id"]), answers.get(row["chat_id"]),
              gaps.filter(pl.col("chat_id") == row["chat_id"]))
    if cards.height > MAX_CARDS:
        st.caption(t("overview.more_chats", n=cards.height - MAX_CARDS))
    st.caption(t("overview.organic_note") if f.organic else t("overview.all_note"))
    _alerts(data.query("overview/alerts", **f.params()))
    st.subheader(t("overview.daily_title"))
    daily = name_combined(data.query("activity/daily_activity", **f.params(), by_chat=f.by_chat),
                          t("activity.all_chats"))
    if daily.is_empty():
        st.info(t("empty.no_rows"))
        return
    labels = {"day": t("overview.axis_day"), "messages": t("overview.axis_messages"),
              "speakers": t("overview.axis_speakers")}
    page.chart(daily_messages_and_speakers(daily, labels), daily, _reading(daily), "daily_activity")


with page.guarded(), data.shared_connection():
    render()
