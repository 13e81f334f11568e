"""Overview: one card per chat, then daily messages and speakers."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.charts.activity import daily_messages_and_speakers
from dashboard.ui import data, filters, fmt, page
from dashboard.ui.i18n import t


def _card(row: dict) -> None:
    with st.container(border=True):
        st.markdown(f"**{row['name']}**")
        c1, c2, c3, c4 = st.columns(4)
        c1.metric(t("overview.members_seen"), fmt.num(row["members_seen"]))
        c2.metric(t("overview.messages"), fmt.num(row["messages"]))
        c3.metric(t("overview.speakers_7d"), fmt.num(row["speakers_7d"]))
        c4.metric(t("overview.speakers_28d"), fmt.num(row["speakers_28d"]))
        st.caption(t("overview.coverage", start=fmt.day(row["coverage_start"]), end=fmt.day(row["coverage_end"]),
                     who=row["exporters"] or t("overview.unknown_exporter")), help=t("overview.coverage_help"))


def _reading(daily: pl.DataFrame) -> str:
    per_day = daily.group_by("day").agg(pl.col("messages").sum(), pl.col("speakers").sum()).sort("day")
    top = per_day.sort(["messages", "day"], descending=[True, False]).row(0, named=True)
    chats = daily["chat_name"].unique().to_list()
    name = chats[0] if len(chats) == 1 else "、".join(chats[:3]) + ("…" if len(chats) > 3 else "")
    return t("overview.reading", chat=name, day=fmt.day(top["day"]), n=fmt.num(top["messages"]),
             avg=fmt.num(round(per_day["speakers"].mean(), 1)))


def render() -> None:
    st.title(t("overview.title"))
    if not data.has_data():
        page.empty_state()
        return
    f = filters.sidebar()
    cards = data.query("overview/chat_cards", chat_ids=f.chat_ids, organic=f.organic)
    for row in cards.iter_rows(named=True):
        _card(row)
    if f.organic:
        st.caption(t("overview.organic_note"))
    st.subheader(t("overview.daily_title"))
    daily = data.query("activity/daily_activity", **f.params())
    if daily.is_empty():
        st.info(t("empty.no_rows"))
        return
    labels = {"day": t("overview.axis_day"), "messages": t("overview.axis_messages"),
              "speakers": t("overview.axis_speakers")}
    page.chart(daily_messages_and_speakers(daily, labels), daily, _reading(daily), "daily_activity")


with page.guarded():
    render()
