"""Activity page, people: the members table (lurkers included), participation inequality and
join-week cohorts."""

from __future__ import annotations

import datetime as dt

import polars as pl
import polars.selectors as cs
import streamlit as st

from dashboard.charts import distribution, heatmaps
from dashboard.ui import data, fmt, page, safe
from dashboard.ui.filters import Filters
from dashboard.ui.i18n import t

CLASSES = ["customer", "expert", "staff", "alt", "bot"]
LEVELS = ["leading", "contributing", "participating", "exploring"]
ROLES = ["owner", "admin", "staff", "expert", "alt", "bot", "customer"]
JOIN_METHODS = ["invite", "qr", "link", "creator", "unknown"]
SHOWN_ROWS = 2000  # the table shows the most active; the download holds everyone
MAX_CURVES = 8  # more Lorenz curves than this are a tangle; the table below has every chat


def members(f: Filters) -> None:
    st.subheader(t("activity.members_title"))
    left, mid, right = st.columns([2, 2, 1])
    name = left.text_input(t("activity.find_member"), key="act_member_name")
    classes = mid.multiselect(t("activity.member_class"), CLASSES, format_func=lambda c: t(f"class.{c}"),
                              key="act_member_classes", placeholder=t("activity.any"))
    only_lurkers = right.toggle(t("activity.only_lurkers"), key="act_only_lurkers")
    picked = {"member_name": name or None, "classes": classes or None, "lurkers_only": only_lurkers}
    frame = data.query("activity/members", **f.params(), **picked, limit=SHOWN_ROWS)
    # the totals over everyone present ride on every row; ask again only when the filters left none
    totals = frame if frame.height else data.query("activity/members", **f.params(), limit=1)
    if totals.is_empty():
        st.info(t("empty.no_rows"))
        return
    tot = totals.row(0, named=True)
    n, lurkers = tot["total_members"], tot["total_lurkers"]
    c = st.columns(4)
    c[0].metric(t("activity.members_count"), fmt.num(n))
    c[1].metric(t("activity.lurkers"), fmt.num(lurkers))
    c[2].metric(t("activity.lurker_ratio"), fmt.pct(lurkers / n), help=t("activity.lurker_ratio_help"))
    c[3].metric(t("activity.level_leading"), fmt.num(tot["total_leading"]), help=t("activity.levels_help"))
    table = frame.with_columns(
        pl.col("member_class").replace_strict({c: t(f"class.{c}") for c in CLASSES}, default=pl.col("member_class")),
        pl.col("orbit_level").replace_strict({lv: t(f"activity.level_{lv}") for lv in LEVELS},
                                             default=pl.col("orbit_level")),
        pl.col("roles").list.eval(pl.element().replace_strict({r: t(f"role.{r}") for r in ROLES},
                                                              default=pl.element())).list.join("、"),
        pl.col("join_method").replace_strict({m: t(f"join.{m}") for m in JOIN_METHODS}, default=pl.col("join_method")),
    ).select("chat_name", "name", "member_class", "orbit_level", "messages", "active_days", "first_spoke",
             "last_spoke", "days_since_spoke", "joined_on", "join_method", "left_on", "roles")
    st.dataframe(table, width="stretch", hide_index=True, column_config=page.columns(table, "activity.col_"),
                 height=360)
    st.caption(t("activity.members_reading", n=fmt.num(n), lurkers=fmt.num(lurkers), ratio=fmt.pct(lurkers / n),
                 levels="、".join(f"{t(f'activity.level_{lv}')} {fmt.num(tot[f'total_{lv}'])}" for lv in LEVELS))
               + (t("activity.members_truncated", n=fmt.num(SHOWN_ROWS)) if frame.height >= SHOWN_ROWS else ""))
    # the whole list is read only when asked for: at scale it is hundreds of thousands of rows
    page.download(lambda: data.query("activity/members", **f.params(), **picked).drop(cs.starts_with("total_")),
                  "members")


def participation_params(f: Filters) -> dict:
    """The window for inequality: the last 28 days of the range by default (docs/metrics.md §2.5: the
    window changes everything), or the whole range."""
    params = f.params()
    if st.session_state.get("act_ineq_window", "last28") == "last28" and f.end is not None:
        params["start"] = max(f.start or f.end, f.end - dt.timedelta(days=27))
    return params


def participation(f: Filters) -> None:
    st.subheader(t("activity.participation_title"))
    st.radio(t("activity.window"), ["last28", "range"], horizontal=True, key="act_ineq_window",
             format_func=lambda s: t(f"activity.window_{s}"), help=t("activity.window_help"))
    params = participation_params(f)
    stats = data.query("activity/participation", **params)
    if stats.is_empty() or stats["members"].sum() == 0:
        st.info(t("activity.participation_empty"))
        return
    top = stats.row(0, named=True)
    reading = t("activity.lorenz_reading", chat=safe.md(top["chat_name"]), top=fmt.pct(top["top10_share"]),
                gini=fmt.num(round(top["gini"], 2)) if top["gini"] is not None else "—",
                eff=fmt.num(round(top["effective_speakers"] or 0, 1)), k=fmt.num(top["absence_factor"]),
                n=fmt.num(top["members"]))
    labels = {"members": t("activity.lorenz_members"), "messages": t("activity.lorenz_messages"),
              "equality": t("activity.lorenz_equality")}
    curve = stats.select("chat_name", "lorenz_members", "lorenz_messages").head(MAX_CURVES)
    page.chart(distribution.lorenz(curve, labels), curve.explode("lorenz_members", "lorenz_messages"), reading,
               "lorenz")
    table = stats.select("chat_name", "members", "speakers", "lurkers", "lurker_ratio", "gini", "top10_share",
                         "top1_share", "effective_speakers", "absence_factor", "win_start", "win_end")
    st.dataframe(table, width="stretch", hide_index=True,
                 column_config=page.columns(table, "activity.col_", ("lurker_ratio", "top10_share", "top1_share")))
    page.download(stats, "participation")


def cohorts(f: Filters) -> None:
    st.subheader(t("activity.cohorts_title"))
    frame = data.query("activity/join_cohorts", **f.params())
    if frame.is_empty():
        st.info(t("activity.cohorts_empty"))
        return
    labels = {c: t(f"activity.cohort_{c}") for c in ("activated", "week_1", "week_2", "week_4", "week_8", "cohort")}
    seen = frame.filter(pl.col("week_4").is_not_null())
    ref = (seen if seen.height else frame).sort("members", descending=True).row(0, named=True)
    reading = t("activity.cohorts_reading", week=fmt.day(ref["cohort_week"]), n=fmt.num(ref["members"]),
                act=fmt.pct(ref["activated"]), w4=fmt.pct(ref["week_4"]))
    if frame["approximate"].sum():
        reading += t("activity.cohorts_approx", n=fmt.num(frame["approximate"].sum()))
    page.chart(heatmaps.cohorts(frame, labels), frame, reading, "join_cohorts")
