"""Growth page sections: joins and exits, the invitation tree, inviters and the reward threshold,
join cohorts by method and entry threshold, and movement between groups (docs/metrics.md §6)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboard.charts import growth as charts
from dashboard.core import owner_entries
from dashboard.core.analytics import growth
from dashboard.ui import data, fmt, page, safe
from dashboard.ui.i18n import t

QUALITY = ("spoke_7", "active_30", "visited")
RATIOS = ("spoke_7", "active_7", "active_30", "left_chat", "removed", "rule_breakers", "visited", "poor_share",
          "share_deep", "organic_referral_share", "referrer_rate")


def _tree(chat_ids: list[str] | None) -> pl.DataFrame:
    return data.query("growth/tree", chat_ids=chat_ids)


def joins(chat_ids: list[str] | None) -> None:
    st.subheader(t("growth.joins_title"))
    weeks = data.query("growth/joins_weekly", chat_ids=chat_ids)
    if weeks.is_empty():
        st.info(t("growth.no_joins"))
        return
    series = weeks.with_columns(
        pl.when(pl.col("event") != "join").then(pl.col("event"))
        .when(pl.col("method") == "unknown").then(pl.lit("unknown"))
        .when(pl.col("method") == "link").then(pl.lit("link"))
        .otherwise(pl.when(pl.col("inviter_kind") == "staff").then(pl.lit("staff_")).otherwise(pl.lit("member_"))
                   + pl.col("method")).alias("series"),
        pl.when(pl.col("event") == "join").then(pl.col("members")).otherwise(-pl.col("members")).alias("members"),
    ).group_by("week", "series").agg(pl.col("members").sum())
    keys = ("member_invite", "member_qr", "staff_invite", "staff_qr", "link", "unknown", "remove", "leave")
    labels = {k: t(f"growth.series_{k}") for k in keys} | {"axis": t("growth.joins_axis")}
    total = int(weeks.filter(pl.col("event") == "join")["members"].sum())
    by_members = int(weeks.filter((pl.col("event") == "join") & (pl.col("inviter_kind") == "member"))["members"].sum())
    page.chart(charts.joins_by_week(series, labels), series.sort("week", "series"),
               t("growth.joins_reading", total=fmt.num(total), share=fmt.pct(by_members / total if total else None)),
               "growth_joins")
    figures(chat_ids)


def figures(chat_ids: list[str] | None) -> None:
    """Per chat: the tree's generations, depth, virality, K and the share of members who invite."""
    st.subheader(t("growth.figures_title"))
    rows = []
    for c in data.analysis("growth", chat_ids=chat_ids):
        big = c.trees[0] if c.trees else None
        rows.append({"chat": c.chat, "members": c.members, "joiners": c.joiners,
                     "generations": " · ".join(f"{g}: {n}" for g, n in c.generations.items()),
                     "max_depth": c.max_depth, "share_deep": c.share_deep, "largest_tree": big.size if big else None,
                     "virality": big.structural_virality if big else None, "k_observed": c.k_observed,
                     "referrer_rate": c.referrer_rate, "organic_referral_share": c.organic_referral_share})
    table = pl.DataFrame(rows)
    st.dataframe(table, width="stretch", hide_index=True,
                 column_config=page.columns(table, "growth.col_", ratios=RATIOS, precise=("k_observed",)))
    st.caption(t("growth.figures_help"))


def _campaign(chat_ids: list[str] | None) -> dict | None:
    found = data.query("growth/campaigns", chat_ids=chat_ids)
    return found.sort("ts").row(-1, named=True) if found.height else None


def _period(chat_ids: list[str] | None, key: str) -> tuple[dt.date | None, dt.date | None]:
    """The campaign period the owner looks at: by default from the latest referral campaign
    announced in the chats to 30 days later, else every join."""
    tree = _tree(chat_ids).filter(pl.col("joined_at").is_not_null())
    if tree.is_empty():
        return None, None
    first, last = tree["joined_at"].min().date(), tree["joined_at"].max().date()
    camp = _campaign(chat_ids)
    default = (camp["ts"].date(), min(camp["ts"].date() + dt.timedelta(days=growth.HORIZON_DAYS), last)) if camp \
        else (first, last)
    picked = st.date_input(t("growth.period"), value=default, min_value=first, max_value=last, key=key,
                           help=t("growth.period_help"))
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked
    return default


def tree(chat_ids: list[str] | None) -> None:
    st.subheader(t("growth.tree_title"))
    start, end = _period(chat_ids, "gr_tree_period")
    full = _tree(chat_ids)
    joined = growth.in_period(full, start, end)
    if joined.is_empty():
        st.info(t("growth.no_joins_period"))
        return
    sun = growth.sunburst_nodes(full, joined)
    deep = int(joined["generation"].max() or 0)
    st.plotly_chart(charts.sunburst(sun.nodes), width="stretch", key="chart_growth_sunburst",
                    config={"displaylogo": False})
    st.caption(t("growth.tree_reading", n=fmt.num(joined.height), depth=deep))
    if sun.chats_shown < sun.chats:
        st.caption(t("growth.sunburst_partial", shown=fmt.num(sun.chats_shown), n=fmt.num(sun.chats)))
    edges = joined.filter(pl.col("inviter_id").is_not_null()).select(
        "chat_name", "inviter_name", "name", "method", "joined_at", "generation", "spoke_7", "active_30", "removed",
        "visited").sort("joined_at", "chat_name", "name")
    st.dataframe(edges, width="stretch", hide_index=True, column_config=page.columns(edges, "growth.col_"))
    page.download(edges, "growth_edges")


def inviters(chat_ids: list[str] | None) -> None:
    st.subheader(t("growth.inviters_title"))
    start, end = _period(chat_ids, "gr_inv_period")
    joined = growth.in_period(_tree(chat_ids), start, end)
    table = growth.inviters(joined)
    if table.is_empty():
        st.info(t("growth.no_inviters"))
        return
    classes = {k: t(f"roles.class_{k}") for k in ("staff", "bot", "alt", "expert", "customer")}
    shown = table.with_columns(pl.col("inviter_class").replace_strict(classes, default=pl.col("inviter_class")))
    shown = shown.select("chat_name", "inviter_name", "inviter_class", "invitees", "spoke_7", "active_7", "active_30",
                         "visited", "removed", "flagged")
    st.dataframe(shown, width="stretch", hide_index=True, column_config=page.columns(shown, "growth.col_", RATIOS))
    st.caption(t("growth.inviters_help", n=fmt.num(table.filter(pl.col("flagged")).height)))
    page.download(shown, "growth_inviters")
    threshold_section(chat_ids, joined)


def threshold_section(chat_ids: list[str] | None, joined: pl.DataFrame) -> None:
    st.subheader(t("growth.threshold_title"))
    camp = _campaign(chat_ids)
    default = int(camp["threshold"]) if camp and camp["threshold"] else 10
    if camp:
        st.caption(t("growth.campaign_found", day=fmt.day(camp["ts"]), chat=safe.md(camp["chat_name"]),
                     n=fmt.num(default)))
    threshold = int(st.number_input(t("growth.threshold"), min_value=2, max_value=100, value=default, step=1,
                                    key="gr_threshold"))
    counts = growth.referrer_counts(joined)
    if len(counts) < 5:
        st.info(t("growth.too_few_referrers", n=len(counts)))
        return
    b = growth.bunching(counts, threshold)
    labels = {"referrers": t("growth.referrers"), "invitees": t("growth.invitees_axis"),
              "expected": t("growth.expected_smooth")}
    hist = pl.DataFrame({"invitees": list(b["histogram"]), "referrers": list(b["histogram"].values())})
    reading = t("growth.bunched" if b["bunched"] else "growth.not_bunched", n=threshold, at=fmt.num(b["at_threshold"]),
                expected=f"{b['expected']:.1f}", above=fmt.num(b["just_above"]))
    page.chart(charts.bunching(b["histogram"], threshold, b["expected"], labels), hist, reading, "growth_bunching")
    groups = growth.threshold_groups(joined, threshold)
    groups = groups.with_columns(pl.col("referrer_group").replace_strict(
        {k: t(f"growth.group_{k}", n=threshold) for k in ("at_threshold", "above", "below")}))
    st.dataframe(groups, width="stretch", hide_index=True, column_config=page.columns(groups, "growth.col_", RATIOS))
    st.caption(t("growth.groups_help"))


def cohorts(chat_ids: list[str] | None) -> None:
    st.subheader(t("growth.cohorts_title"))
    full = _tree(chat_ids)
    if full.filter(pl.col("joined_at").is_not_null()).is_empty():
        st.info(t("growth.no_joins"))
        return
    measures = {m: t(f"growth.col_{m}") for m in QUALITY}
    for by in ("join_kind", "regime"):
        frame = growth.cohorts(full, by)
        names = {k: t(f"growth.{by}_{k}") for k in frame[by].to_list()}
        st.markdown(f"**{t(f'growth.by_{by}')}**")
        page.chart(charts.quality_bars(frame, by, measures, names), frame, t(f"growth.cohorts_reading_{by}"),
                   f"growth_cohorts_{by}")
        st.dataframe(frame.with_columns(pl.col(by).replace_strict(names)), width="stretch", hide_index=True,
                     column_config=page.columns(frame, "growth.col_", RATIOS))
    regimes_editor(chat_ids)


def regimes_editor(chat_ids: list[str] | None) -> None:
    """The owner marks the entry threshold of each period; saved whole for the chats shown."""
    st.markdown(f"**{t('growth.regimes_title')}**")
    st.caption(t("growth.regimes_help"))
    chats = data.query("data/chat_list").filter(pl.col("chat_id").is_in(chat_ids) if chat_ids else pl.lit(True))
    names = dict(zip(chats["chat_id"], chats["name"], strict=True))
    kept = data.query("growth/regimes", chat_ids=list(names))
    options = {t(f"growth.regime_{k}"): k for k in owner_entries.THRESHOLDS}
    frame = kept.select(pl.col("chat_id").replace_strict(names).alias("chat"), "start_on", "end_on",
                        pl.col("threshold").replace_strict({k: v for v, k in options.items()}), "detail").to_pandas()
    edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, width="stretch", key="gr_regimes",
                            column_config={
        "chat": st.column_config.SelectboxColumn(t("growth.col_chat"), options=sorted(names.values()), required=True),
        "start_on": st.column_config.DateColumn(t("growth.col_start_on"), required=True, format="YYYY-MM-DD"),
        "end_on": st.column_config.DateColumn(t("growth.col_end_on"), format="YYYY-MM-DD"),
        "threshold": st.column_config.SelectboxColumn(t("growth.col_threshold"), options=list(options), required=True),
        "detail": st.column_config.TextColumn(t("growth.col_detail"))})
    st.button(t("growth.regimes_save"), key="gr_regimes_save", on_click=_save_regimes,
              args=(edited, {v: k for k, v in names.items()}, options))
    page.show_flash("gr_regimes_msg")


def _save_regimes(edited, ids: dict[str, str], options: dict[str, str]) -> None:
    regimes, where = [], []
    try:
        for i, r in enumerate(edited.to_dict("records"), start=1):
            if not r.get("chat") or r.get("start_on") is None or not r.get("threshold"):
                raise owner_entries.EntryError(t("growth.regimes_incomplete", row=i))
            end = r.get("end_on")
            regimes.append(owner_entries.Regime(
                ids[r["chat"]], _as_date(r["start_on"]), None if end is None or end != end else _as_date(end),
                options[r["threshold"]], r.get("detail") or None))
            where.append(t("growth.regimes_row", row=i))
        n = data.save_regimes(list(ids.values()), regimes, where)
        page.flash("gr_regimes_msg", "success", t("growth.regimes_saved", n=fmt.num(n)))
    except owner_entries.EntryError as exc:
        page.flash("gr_regimes_msg", "error", safe.md(exc))


def _as_date(v: object) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])


def movement(chat_ids: list[str] | None) -> None:
    st.subheader(t("growth.movement_title"))
    flows = data.query("growth/movement", chat_ids=chat_ids)
    if flows.is_empty():
        st.info(t("growth.no_movement"))
        return
    n = int(flows["members"].sum())
    page.chart(charts.movement(flows), flows.drop("from_chat", "to_chat"), t("growth.movement_reading", n=fmt.num(n)),
               "growth_movement")
    shown = flows.drop("from_chat", "to_chat")
    st.dataframe(shown, width="stretch", hide_index=True, column_config=page.columns(shown, "growth.col_"))
