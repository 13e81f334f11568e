"""Growth page, red packets section: what each packet really did in the hour after it, against the
same hour on earlier weeks (docs/metrics.md §7), and how much the group now depends on packets."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.charts import red_packets as charts
from dashboard.core import owner_entries
from dashboard.core.analytics import red_packets as analytics
from dashboard.core.analytics.activity import MAX_CHAT_LINES
from dashboard.ui import data, fmt, page, safe
from dashboard.ui.i18n import t

MAX_FOREST = 40  # packets drawn with their intervals (the latest); the table lists every one


def _label(r: dict) -> str:
    return f"{r['chat_name']} {r['ts']:%m-%d %H:%M}"


def red_packets(chat_ids: list[str] | None) -> None:
    st.subheader(t("packets.title"))
    per = data.analysis("red_packets", chat_ids=chat_ids)
    if per.is_empty():
        st.info(t("packets.none"))
        return
    per = per.with_columns(pl.struct("chat_name", "ts").map_elements(_label, return_dtype=pl.String).alias("label"))
    summary(per)
    estimated = per.filter(pl.col("lift_msgs").is_not_null())
    latest = estimated.tail(MAX_FOREST)
    st.plotly_chart(charts.lifts(latest, {"msgs": t("packets.lift_msgs"), "speakers": t("packets.lift_speakers")}),
                    width="stretch", key="chart_packet_lifts", config={"displaylogo": False})
    st.caption(t("packets.lifts_reading", level=fmt.pct(analytics.PACKET_LEVEL)))
    if latest.height < estimated.height:
        st.caption(t("packets.lifts_latest", n=MAX_FOREST))
    table(per)
    timeline(chat_ids, per)
    dependency(chat_ids)


def summary(per: pl.DataFrame) -> None:
    pooled = analytics.pooled(per)
    cols = st.columns(4)
    cols[0].metric(t("packets.count"), fmt.num(per.height))
    cols[1].metric(t("packets.claims"), fmt.num(int(per["claims"].sum())))
    if "msgs" not in pooled:
        st.info(t("packets.no_controls"))
        return
    m, s = pooled["msgs"], pooled["speakers"]
    cols[2].metric(t("packets.mean_lift_msgs"), f"{m['mean_lift']:+.1f}",
                   help=t("packets.interval", lo=f"{m['mean_lift_ci'][0]:+.1f}", hi=f"{m['mean_lift_ci'][1]:+.1f}"))
    cols[3].metric(t("packets.mean_lift_speakers"), f"{s['mean_lift']:+.1f}",
                   help=t("packets.interval", lo=f"{s['mean_lift_ci'][0]:+.1f}", hi=f"{s['mean_lift_ci'][1]:+.1f}"))
    thanks = int(per["thanks_60"].sum())
    st.markdown(t("packets.summary", n=fmt.num(pooled["packets"]), ratio=f"{m['ratio']:.1f}",
                  lo=f"{m['ratio_ci'][0]:.1f}", hi=f"{m['ratio_ci'][1]:.1f}",
                  thanks=fmt.pct(thanks / max(int(per["msgs_60"].sum()), 1)),
                  voices=fmt.num(int(per["new_voices_60"].sum()))))


def table(per: pl.DataFrame) -> None:
    st.markdown(f"**{t('packets.table_title')}**")
    shown = per.select(
        "packet_id", "label", "claims", pl.col("amount").cast(pl.Float64), "cost_per_extra_speaker", "msgs_60",
        "exp_msgs_60",
        pl.format("{} … {}", pl.col("lift_msgs_lo").round(1), pl.col("lift_msgs_hi").round(1)).alias("lift_msgs_ci"),
        "lift_msgs", "speakers_60", "lift_speakers", "thanks_60", "substantive_60", "new_voices_60", "lift_msgs_24",
        pl.col("pre_state").replace_strict({k: t(f"packets.pre_{k}") for k in ("quiet", "usual", "busy")},
                                           default="—"),
    ).to_pandas()
    cfg = {c: st.column_config.Column(t(f"packets.col_{c}"), disabled=True) for c in shown.columns}
    cfg["packet_id"] = None
    for c in ("exp_msgs_60", "lift_msgs", "lift_speakers", "lift_msgs_24", "cost_per_extra_speaker"):
        cfg[c] = st.column_config.NumberColumn(t(f"packets.col_{c}"), format="%.1f", disabled=True)
    cfg["amount"] = st.column_config.NumberColumn(t("packets.col_amount"), min_value=0.0, format="%.2f",
                                                  help=t("packets.amount_help"))
    edited = st.data_editor(shown, hide_index=True, width="stretch", key="rp_table", column_config=cfg)
    st.button(t("packets.amount_save"), key="rp_amount_save", on_click=_save_amounts, args=(edited,))
    page.show_flash("rp_amount_msg")
    st.caption(t("packets.table_help"))


def _save_amounts(edited) -> None:
    amounts = {r["packet_id"]: r["amount"] for r in edited.to_dict("records")}
    try:
        n = data.save_packet_amounts(amounts)
        page.flash("rp_amount_msg", "success", t("packets.amount_saved", n=fmt.num(n)))
    except owner_entries.EntryError as exc:
        page.flash("rp_amount_msg", "error", safe.md(exc))


def timeline(chat_ids: list[str] | None, per: pl.DataFrame) -> None:
    """Talk per chat and day with the packets on it; the chats summed when there are too many lines."""
    st.markdown(f"**{t('packets.timeline_title')}**")
    chats = sorted(set(per["chat_id"]))
    by_chat = len(chats) <= MAX_CHAT_LINES
    daily = data.query("activity/daily_activity", chat_ids=chats, organic=True, by_chat=by_chat).select(
        "chat_name", "day", pl.col("messages").alias("active_messages"))
    if not by_chat:
        every = t("activity.all_chats")
        daily = daily.with_columns(pl.lit(every).alias("chat_name"))
        per = per.with_columns(pl.lit(every).alias("chat_name"))
    marks = per.select("chat_name", "day", "ts", "claims",
                       pl.format("{} · {} {}", "label", "claims", pl.lit(t("packets.claims_unit"))).alias("label"))
    page.chart(charts.timeline(daily, marks, {"packet": t("packets.packet"), "axis": t("packets.axis_messages")}),
               marks.drop("label"), t("packets.timeline_reading"), "packet_timeline")


def dependency(chat_ids: list[str] | None) -> None:
    st.markdown(f"**{t('packets.dependency_title')}**")
    weeks = data.query("red_packets/dependency_weeks", chat_ids=chat_ids)
    with_packets = weeks.filter(pl.col("packets") > 0)
    if with_packets.is_empty():
        return
    weeks = weeks.filter(pl.col("chat_id").is_in(with_packets["chat_id"].unique().to_list()))
    if weeks["chat_id"].n_unique() > MAX_CHAT_LINES:  # one line: the chats' speakers summed per week
        weeks = weeks.group_by("week").agg(
            (pl.col("speakers_only_after_packet").sum() / pl.col("speakers").sum()).alias("share_only_after_packet"),
        ).with_columns(pl.lit(t("activity.all_chats")).alias("chat_name"))
    top = with_packets.sort("share_only_after_packet", "week", descending=True).row(0, named=True)
    trend = analytics.dependency_trend(with_packets)
    page.chart(charts.dependency(weeks, {"axis": t("packets.dependency_axis")}), weeks,
               t("packets.dependency_reading", mean=fmt.pct(with_packets["share_only_after_packet"].mean()),
                 chat=safe.md(top["chat_name"]), week=fmt.day(top["week"]),
                 share=fmt.pct(top["share_only_after_packet"]),
                 trend=t(f"packets.dependency_{trend or 'few'}")),
               "packet_dependency")
