"""Activity page, talk: conversations, responsiveness to questions, and the chats side by side."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.charts import activity as charts
from dashboard.charts import distribution
from dashboard.core.analytics.activity import comparison, name_combined
from dashboard.ui import data, fmt, page, safe
from dashboard.ui.activity_people import participation_params
from dashboard.ui.filters import Filters
from dashboard.ui.i18n import t

GAPS = [10, 30, 60, 90]
MAX_COMPARED = 50  # chats in the on-screen comparison; the download has every selected chat
LADDER = {10: "10s", 60: "1m", 180: "3m", 600: "10m", 1800: "30m", 3600: "1h", 14400: "4h", 86400: "24h"}


def gap_minutes() -> int:
    return st.session_state.get("act_gap", 30)


def conversations(f: Filters) -> None:
    st.subheader(t("activity.conv_title"))
    gap = st.select_slider(t("activity.conv_gap"), GAPS, value=30, key="act_gap",
                           format_func=lambda g: t("activity.minutes", n=g), help=t("activity.conv_gap_help"))
    daily = data.query("activity/conversations_daily", **f.params(), gap_minutes=gap)
    if daily["conversations"].sum() == 0:
        st.info(t("empty.no_rows"))
        return
    conv = daily.filter(pl.col("conversations") > 0)
    per_day = daily["conversations"].mean()
    n = conv["conversations"].sum()
    reading = t("activity.conv_reading", per_day=fmt.num(round(per_day, 1)),
                msgs=fmt.num(conv["median_messages"].median()), mins=fmt.num(round(conv["median_minutes"].median(), 1)),
                two=fmt.pct((conv["share_two_speakers"] * conv["conversations"]).sum() / n),
                staff=fmt.pct((conv["share_staff_started"] * conv["conversations"]).sum() / n))
    labels = {"day": t("activity.day"), "count": t("activity.conv_count"), "two": t("activity.conv_two_share")}
    page.chart(charts.conversations_daily(daily, labels), daily, reading, "conversations_daily")
    summary = name_combined(data.query("activity/conversation_summary", **f.params(), by_chat=f.by_chat),
                            t("activity.all_chats"))
    st.caption(t("activity.conv_sensitivity"))
    table = summary.select("chat_name", "gap_minutes", "per_day", "median_messages", "median_minutes",
                           "share_two_speakers", "share_staff_started", "staff_started_replied")
    st.dataframe(table, width="stretch", hide_index=True, column_config=page.columns(
        table, "activity.col_", ("share_two_speakers", "share_staff_started", "staff_started_replied")))
    page.download(summary, "conversation_summary")


def responses(f: Filters) -> None:
    st.subheader(t("activity.resp_title"))
    frame = data.query("activity/response_times", **f.params(), by_chat=f.by_chat)
    if frame.is_empty():
        st.info(t("activity.resp_empty"))
        return
    total = frame.filter(pl.col("chat_id").is_null()).row(0, named=True)
    c = st.columns(5)
    c[0].metric(t("activity.resp_questions"), fmt.num(total["questions"]))
    c[1].metric(t("activity.resp_median"), _median(total["median_s"]), help=t("activity.resp_median_help"))
    c[2].metric(t("activity.resp_3m"), fmt.pct(total["within_3m"]))
    c[3].metric(t("activity.resp_30m"), fmt.pct(total["within_30m"]))
    c[4].metric(t("activity.resp_24h"), fmt.pct(total["within_24h"]))
    per_chat = frame.filter(pl.col("chat_id").is_not_null())
    curves = per_chat if 1 < per_chat.height <= 8 else frame.filter(pl.col("chat_id").is_null()).with_columns(
        pl.lit(t("activity.all_chats")).alias("chat_name"))
    reading = t("activity.resp_reading", n=fmt.num(total["questions"]), a=fmt.pct(total["within_24h"]),
                m3=fmt.pct(total["within_3m"]), m30=fmt.pct(total["within_30m"]), med=_median(total["median_s"]),
                unanswered=fmt.num(total["unanswered"]))
    labels = {"time": t("activity.resp_time"), "answered": t("activity.resp_answered")}
    page.chart(distribution.response_curve(curves, labels, LADDER), frame, reading, "response_times")
    who = pl.DataFrame({
        "who": [t(f"class.{c}") for c in ("staff", "alt", "expert", "customer")] + [t("activity.resp_nobody")],
        "questions": [total[k] for k in ("by_staff", "by_alt", "by_expert", "by_customer", "unanswered")],
        "median": [fmt.duration(total["median_staff_s"]), "—", fmt.duration(total["median_expert_s"]),
                   fmt.duration(total["median_customer_s"]), "—"],
    }).with_columns((pl.col("questions") / total["questions"]).alias("share"))
    st.dataframe(who, width="stretch", hide_index=True, column_config={
        "who": t("activity.resp_who"), "questions": t("activity.resp_questions"),
        "median": t("activity.resp_who_median"),
        "share": st.column_config.NumberColumn(t("activity.share"), format="percent")})


def _median(seconds: float | None) -> str:
    return fmt.duration(seconds) if seconds is not None else t("activity.resp_over_24h")


def compare(f: Filters) -> None:
    st.subheader(t("activity.compare_title"))
    base = data.query("activity/chat_comparison", **f.params())
    if base.height < 1:
        st.info(t("empty.no_rows"))
        return
    # side by side means a readable table: the busiest chats (the query sorts by messages) are
    # compared on screen, every selected chat in the download
    shown_ids = base["chat_id"].head(MAX_COMPARED).to_list()
    table = _comparison(f, base.head(MAX_COMPARED), shown_ids)
    ranked = table.drop_nulls("speaker_rate_weekly").sort("speaker_rate_weekly", descending=True)
    if ranked.height >= 2:
        best, worst = ranked.row(0, named=True), ranked.row(-1, named=True)
        reading = t("activity.compare_reading", best=safe.md(best["chat_name"]), b=fmt.pct(best["speaker_rate_weekly"]),
                    worst=safe.md(worst["chat_name"]), w=fmt.pct(worst["speaker_rate_weekly"]))
    else:
        reading = t("activity.compare_one")
    if base.height > MAX_COMPARED:
        reading += " " + t("activity.compare_busiest", n=fmt.num(base.height), shown=MAX_COMPARED)
    shown = table.with_columns(pl.col("median_s").map_elements(_median, return_dtype=pl.String)).select(
        "chat_name", "members", "messages_per_day", "mean_dau", "wau", "mau28", "speaker_rate_weekly", "stickiness",
        "lurker_ratio", "gini", "effective_speakers", "per_day", "share_two_speakers", "questions", "median_s",
        "within_30m")
    st.dataframe(shown, width="stretch", hide_index=True, column_config=page.columns(
        shown, "activity.col_", ("speaker_rate_weekly", "stickiness", "lurker_ratio", "share_two_speakers",
                                 "within_30m")))
    st.caption(reading)
    page.download(table if base.height <= MAX_COMPARED else lambda: _comparison(f, base, f.chat_ids),
                  "chat_comparison")


def _comparison(f: Filters, base: pl.DataFrame, chat_ids: list[str] | None) -> pl.DataFrame:
    params = {**f.params(), "chat_ids": chat_ids}
    return comparison(base, data.query("activity/participation", **{**participation_params(f), "chat_ids": chat_ids}),
                      data.query("activity/conversation_summary", **params),
                      data.query("activity/response_times", **params), gap_minutes())
