"""Events & visits page sections: all events, one event, events found in the chat, member ↔
customer links, and the timeline of talk and visits."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.charts import events as charts
from dashboard.core.analytics import events as analytics
from dashboard.ui import data, fmt, page, safe
from dashboard.ui.i18n import t


def _reports(chat_ids: list[str] | None) -> list[dict]:
    """Every event announced in the chosen chats, with its funnel and effect (rollup event_effects)."""
    return data.query("events/effects", chat_ids=chat_ids).to_dicts()


def _n(x: float | None) -> str:
    return "—" if x is None else f"{x:+.1f}" if abs(x) < 10 else f"{x:+.0f}"


def sentence(r: dict) -> str:
    """The one plain sentence for the owner (docs/metrics.md §5.5)."""
    if r["verdict"] is None:
        return t("events.no_estimate")
    text = t(f"events.say_{r['verdict']}", extra=_n(r["estimate"]), low=_n(r["low90"]), high=_n(r["high90"]),
             mde=fmt.num(r["min_detectable"]))
    if r["cost_per_extra_visit"] is not None:
        text += t("events.say_cost", cost=fmt.num(r["cost_per_extra_visit"]))
    return text


def overview(chat_ids: list[str] | None) -> None:
    st.subheader(t("events.overview_title"))
    reports = _reports(chat_ids)
    if not reports:
        st.info(t("events.none"))
        return
    rows = [{
        "event": r["name"], "day": r["event_day"], "category": r["category"] or "—", "chat": r["chat_name"],
        "exposed": r["exposed"], "signed_up": r["signed_up"], "attended": r["attended"],
        "returned_28": r["returned_28"], "extra": r["estimate"],
        "verdict": t(f"events.verdict_{r['verdict']}") if r["verdict"] else t("events.verdict_none"),
        "caveats": "、".join(t(f"events.caveat_{c}") for c in r["caveats"]) or "—",
    } for r in reports]
    table = pl.DataFrame(rows)
    st.dataframe(table, width="stretch", hide_index=True, column_config=page.columns(table, "events.col_"))
    measured = pl.DataFrame([r for r in reports if r["verdict"] is not None]) if reports else pl.DataFrame()
    if measured.is_empty():
        return
    forest_chart(measured)


FOREST_EVENTS = 40  # more measured events than this (a chain): the forest shows each type's mean only


def forest_chart(measured: pl.DataFrame) -> None:
    """The history of events as a forest: each type's mean (≥ 3 events, between-event bootstrap)
    above its events' estimates, so the owner learns which kind of event works."""
    verdict_text = pl.col("verdict").map_elements(lambda v: t(f"events.verdict_{v}"), return_dtype=pl.String)
    types = analytics.by_type(measured).with_columns(
        pl.struct("category", "events").map_elements(
            lambda r: t("events.type_mean", category=r["category"], n=r["events"]), return_dtype=pl.String
        ).alias("label"), verdict_text.alias("verdict_text"))
    shown = measured.unique("event_id", keep="first")
    if shown.height > FOREST_EVENTS and types.height:
        st.caption(t("events.forest_many", n=fmt.num(shown.height)))
        shown = shown.clear()
    per_event = shown.select(
        pl.format("{} {}", "name", "event_day").alias("label"), pl.col("category").fill_null("—"),
        "estimate", "low90", "high90", "verdict", verdict_text.alias("verdict_text"))
    ranked = types if types.height else per_event.group_by("category").agg(pl.col("estimate").mean())
    best = ranked.sort("estimate", descending=True)["category"][0]
    table = pl.concat([types.select(per_event.columns), per_event])
    page.chart(charts.forest(per_event, types.select(per_event.columns), {
        "extra": t("events.extra_axis"), "mean": t("events.mean_legend")}), table,
        t("events.forest_reading_types" if types.height else "events.forest_reading", category=safe.md(best)),
        "event_forest")


def one_event(chat_ids: list[str] | None) -> None:
    reports = _reports(chat_ids)
    if not reports:
        st.info(t("events.none"))
        return
    labels = {r["event_id"]: f"{r['name']} · {r['event_day']}" for r in reports}
    picked = st.selectbox(t("events.pick"), list(labels), format_func=labels.get, key="ev_pick")
    r = f = next(x for x in reports if x["event_id"] == picked)
    st.subheader(safe.md(labels[picked]))
    verdict = t(f"events.verdict_{r['verdict']}") if r["verdict"] else t("events.verdict_none")
    box = st.success if r["verdict"] == "clear_lift" else st.info if r["verdict"] else st.warning
    box(f"**{verdict}** · {sentence(r)}")
    if r["caveats"]:
        st.caption(" · ".join(t(f"events.caveat_{c}") for c in r["caveats"]))
    steps = [(t("events.step_exposed"), f["exposed"]), (t("events.step_signed_up"), f["signed_up"]),
             (t("events.step_linked"), f["signed_up_linked"]), (t("events.step_attended"), f["attended"]),
             (t("events.step_returned_7"), f["returned_7"]), (t("events.step_returned_28"), f["returned_28"])]
    left, right = st.columns(2)
    with left:
        page.chart(charts.funnel(steps), pl.DataFrame(steps, schema=["step", "members"], orient="row"),
                   t("events.funnel_reading", rate=fmt.pct(f["match_rate"]), revenue=fmt.num(f["revenue_day"])),
                   f"funnel_{picked}")
    with right:
        if r["baseline_days"] is not None:
            days = pl.DataFrame({"day": r["baseline_days"], "observed": r["baseline_observed"],
                                 "expected": r["baseline_expected"], "low90": r["baseline_band_low"],
                                 "high90": r["baseline_band_high"]})
            page.chart(charts.actual_vs_expected(days, f["event_day"], {
                "band": t("events.band"), "expected": t("events.expected"), "observed": t("events.observed"),
                "visits": t("events.visits")}), days,
                t("events.baseline_reading", lift=_n(r["baseline_lift"]), low=_n(r["baseline_low90"]),
                  high=_n(r["baseline_high90"]), weeks=fmt.num(r["baseline_weeks"])), f"baseline_{picked}")
        else:
            st.info(t("events.no_baseline"))
    if r["did_att"] is not None:
        st.caption(t("events.did_reading", att=f"{r['did_att']:+.2f}", low=f"{r['did_low90']:+.2f}",
                     high=f"{r['did_high90']:+.2f}", treated=fmt.num(r["did_treated"]),
                     controls=fmt.num(r["did_controls"]))
                   + (t("events.pretrend_warn") if "pretrend" in r["caveats"] else ""))
    signups = data.query("events/exposed", event_ids=[picked]).filter(pl.col("signed_up")).select(
        "name", pl.col("signed_up_at").dt.strftime("%Y-%m-%d %H:%M"), "signup_line",
        pl.col("customer_id").fill_null("—"))
    st.markdown(f"**{t('events.signups_title')}**")
    st.dataframe(signups, width="stretch", hide_index=True, column_config=page.columns(signups, "events.col_"))


def detected(chat_ids: list[str] | None) -> None:
    st.subheader(t("events.detected_title"))
    st.caption(t("events.detected_help"))
    found = data.query("events/detected", chat_ids=chat_ids)
    if found.is_empty():
        st.info(t("events.none_detected"))
        return
    shown = found.select("chat_name", "title", "start_at", "announced_at", "reminders", "has_solitaire",
                         pl.coalesce("matched_event", "decision").alias("status"))
    st.dataframe(shown, width="stretch", hide_index=True, column_config=page.columns(shown, "events.col_"))
    open_ = found.filter(pl.col("matched_event").is_null() & pl.col("decision").is_null())
    if open_.is_empty():
        st.caption(t("events.all_matched"))
        return
    labels = {r["detect_id"]: f"{r['title']} · {r['start_at']:%Y-%m-%d %H:%M} · {r['chat_name']}"
              for r in open_.iter_rows(named=True)}
    picked = st.selectbox(t("events.detected_pick"), list(labels), format_func=labels.get, key="ev_detect_pick")
    a, b = st.columns(2)
    a.button(t("events.confirm"), key="ev_confirm", on_click=data.decide_event, args=(picked, True))
    b.button(t("events.dismiss"), key="ev_dismiss", on_click=data.decide_event, args=(picked, False))


def links(chat_ids: list[str] | None) -> None:
    st.subheader(t("events.links_title"))
    st.caption(t("events.links_help"))
    rate = data.query("events/match_rate", chat_ids=chat_ids)
    if not rate.is_empty():
        st.dataframe(rate.drop("chat_id"), width="stretch", hide_index=True,
                     column_config=page.columns(rate.drop("chat_id"), "events.col_", ratios=("regular_share",)))
        linked = rate.filter(pl.col("linked"))["members"].sum()
        total = rate["members"].sum()
        st.caption(t("events.match_reading", rate=fmt.pct(linked / total if total else None)))
    found = data.analysis("link_suggestions")
    if found.is_empty():
        st.info(t("events.no_suggestions"))
        return
    st.dataframe(found, width="stretch", hide_index=True, column_config=page.columns(found, "events.col_"))
    options = found.rows(named=True)
    labels = [f"{o['evidence']} · {t('events.method_' + o['method'])}" for o in options]
    pick = st.selectbox(t("events.link_pick"), range(len(options)), key="ev_link_pick", format_func=labels.__getitem__)
    row = options[pick]
    args = (row["member_id"], row["customer_id"], row["method"], row["confidence"])
    a, b = st.columns(2)
    a.button(t("events.link_accept"), key="ev_link_yes", on_click=data.decide_link, args=(*args, True))
    b.button(t("events.link_reject"), key="ev_link_no", on_click=data.decide_link, args=(*args, False))


def timeline(chat_ids: list[str] | None) -> None:
    st.subheader(t("events.timeline_title"))
    daily = data.query("events/timeline", chat_ids=chat_ids)
    if daily.is_empty():
        st.info(t("empty.no_rows"))
        return
    evs = data.query("events/calendar", chat_ids=chat_ids)
    page.chart(charts.timeline(daily, evs, {"messages": t("events.messages"), "visits": t("events.visits_all")}),
               daily, t("events.timeline_reading", n=fmt.num(evs.height)), "events_timeline")

