"""Cold start page sections: take-off, seeding, cold spells and suspected alt accounts."""

from __future__ import annotations

import dataclasses

import polars as pl
import streamlit as st

from dashboard.charts import cold_start as charts
from dashboard.core.analytics import alt_accounts
from dashboard.core.analytics.cold_start import Settings, end_of, longest_silent_streak
from dashboard.ui import data, fmt, page, safe
from dashboard.ui.i18n import t

DECISIONS = ("alt", "staff", "customer")


MAX_CURVES = 12  # groups drawn on the age curves: the youngest whose birth the export shows


def settings() -> Settings:
    """The waking hours and silence floor, from the sliders on the cold spells tab."""
    wake = st.session_state.get("cs_wake", (8, 22))
    return Settings(wake_from=wake[0], wake_to=wake[1], min_silence_hours=st.session_state.get("cs_min_hours", 4.0))


def _pick_chat(ends: pl.DataFrame, key: str) -> str:
    """A chat picker, youngest visible birth first (query cold_start/ends): it is the group whose
    cold start the owner wants to see."""
    names = dict(zip(ends["chat_id"].to_list(), ends["chat_name"].to_list(), strict=True))
    return st.selectbox(t("cold.pick_chat"), ends["chat_id"].to_list(), format_func=names.get, key=key)


def _end_text(row: dict) -> str:
    end = end_of(row)
    if end.status == "ended":
        text = t("cold.end_on", day=fmt.day(end.day), age=fmt.num(end.age_day))
        if end.changepoint_day is not None:
            text += t("cold.confirmed" if end.confirmed else "cold.not_confirmed", day=fmt.day(end.changepoint_day))
        return text
    return t(f"cold.status_{end.status}")


def takeoff(ends: pl.DataFrame) -> None:
    st.subheader(t("cold.takeoff_title"))
    summary = ends.select(
        "chat_name", "born_on",
        pl.when(pl.col("birth_seen")).then(pl.lit(t("cold.yes"))).otherwise(pl.lit(t("cold.no"))).alias("birth_seen"),
        pl.Series("end", [_end_text(r) for r in ends.iter_rows(named=True)], dtype=pl.String))
    st.dataframe(summary, width="stretch", hide_index=True, column_config=page.columns(summary, "cold.col_"))
    _age_curves(ends)
    chat_id = _pick_chat(ends, "cs_takeoff_chat")
    row = ends.row(ends["chat_id"].to_list().index(chat_id), named=True)
    days = data.query("cold_start/age_days", chat_ids=[chat_id]).head(120)
    end = end_of(row)
    changepoint_age = (end.changepoint_day - row["born_on"]).days if end.changepoint_day else None
    labels = {"age_day": t("cold.age_day"), "messages": t("cold.organic_messages"), "share": t("cold.organic_share"),
              "end": t("cold.end_mark"), "changepoint": t("cold.changepoint_mark")}
    page.chart(charts.daily_takeoff(days, end.age_day, changepoint_age, labels), days,
               f"{safe.md(row['chat_name'])}：{_end_text(row)}", "cold_start_days")


def _age_curves(ends: pl.DataFrame) -> None:
    """The youngest visible groups' weekly organic speakers on one chart, aligned on group age."""
    seen = ends.filter(pl.col("birth_seen"))
    if seen.is_empty():
        st.info(t("cold.none_seen"))
        return
    shown = seen.head(MAX_CURVES)
    days = data.query("cold_start/age_days", chat_ids=sorted(shown["chat_id"].to_list()))
    # whole weeks only: the export's last, unfinished week would look like a fall
    weeks = days.filter((pl.col("age_day") % 7 == 0) & pl.col("window_ok").is_not_null()).select(
        "chat_name", (pl.col("age_day") // 7).alias("age_week"),
        pl.col("window_organic_speakers").alias("organic_speakers"))
    ended = {r["chat_name"]: r["end_age_day"] // 7 for r in shown.iter_rows(named=True) if r["end_age_day"] is not None}
    fastest = min(ended.items(), key=lambda kv: kv[1]) if ended else None
    reading = (t("cold.curves_reading", chat=safe.md(fastest[0]), weeks=fmt.num(fastest[1])) if fastest
               else t("cold.curves_none_ended"))
    if seen.height > MAX_CURVES:
        reading += t("cold.curves_capped", shown=MAX_CURVES, total=fmt.num(seen.height))
    labels = {"age_week": t("cold.age_week"), "speakers": t("cold.week_speakers"), "end": t("cold.end_mark")}
    page.chart(charts.age_curves(weeks, ended, labels), weeks, reading, "cold_start_curves")


def seeding(ends: pl.DataFrame) -> None:
    st.subheader(t("cold.seeding_title"))
    chat_id = _pick_chat(ends, "cs_seed_chat")
    weeks = data.query("cold_start/seeding_weeks", chat_ids=[chat_id]).head(26)
    if weeks.is_empty():
        st.info(t("empty.no_rows"))
        return
    first = weeks.row(0, named=True)
    reading = t("cold.seeding_reading", staff=fmt.pct(first["staff_share"]), alt=fmt.pct(first["alt_share"]),
                conv=fmt.pct(first["prompt_conversion"]) if first["prompt_conversion"] is not None else "—",
                intensity=fmt.num(round(first["seeding_intensity"] or 0, 1)))
    labels = {"age_week": t("cold.age_week"), "share": t("cold.share"),
              **{c: t(f"cold.col_{c}") for c in ("staff_share", "owner_share", "alt_share", "prompt_conversion")}}
    page.chart(charts.seeding(weeks, labels), weeks, reading, "cold_start_seeding")
    table = weeks.select("week_start", "messages", "owner_share", "staff_share", "alt_share", "organic_speakers",
                         "seeding_intensity", "prompts", "prompt_conversion")
    st.dataframe(table, width="stretch", hide_index=True, column_config=page.columns(
        table, "cold.col_", ("owner_share", "staff_share", "alt_share", "prompt_conversion")))


def spells(ends: pl.DataFrame) -> None:
    st.subheader(t("cold.spells_title"))
    left, right = st.columns(2)
    left.slider(t("cold.wake"), 0, 24, (8, 22), key="cs_wake", help=t("cold.wake_help"))
    right.slider(t("cold.min_hours"), 1.0, 12.0, 4.0, 0.5, key="cs_min_hours", help=t("cold.min_hours_help"))
    chat_id = _pick_chat(ends, "cs_spell_chat")
    mine, weeks = data.analysis("cold_spells", chat_ids=[chat_id], settings=dataclasses.asdict(settings()))
    streak = longest_silent_streak(data.query("cold_start/age_days", chat_ids=[chat_id]))
    c = st.columns(4)
    c[0].metric(t("cold.spells_count"), fmt.num(mine.height))
    c[1].metric(t("cold.silence_ratio"), fmt.pct(weeks["silence_ratio"].mean()) if weeks.height else "—",
                help=t("cold.silence_ratio_help"))
    c[2].metric(t("cold.longest_streak"), t("cold.days", n=streak))
    c[3].metric(t("cold.staff_broke"), fmt.pct((mine["breaker_class"] == "staff").mean()) if mine.height else "—")
    if weeks.is_empty():
        st.info(t("empty.no_rows"))
        return
    reading = t("cold.spells_reading", n=fmt.num(mine.height), weeks=fmt.num(weeks.height),
                answered=fmt.pct(mine["answered"].mean()) if mine.height else "—")
    labels = {"week": t("cold.week"), "spells": t("cold.spells_count"), "ratio": t("cold.silence_ratio")}
    page.chart(charts.silence_weeks(weeks, labels), weeks, reading, "cold_spells_weeks")
    table = mine.with_columns(pl.col("breaker_class").replace_strict(
        {k: t(f"class.{k}") for k in ("customer", "expert", "staff", "alt", "bot")}, default=pl.col("breaker_class")),
        ).select("silent_from", "silent_to", "waking_hours", "threshold_hours", "breaker_name", "breaker_class",
                 "answered")
    st.dataframe(table, width="stretch", hide_index=True, height=320,
                 column_config=page.columns(table, "cold.col_"))
    page.download(mine, "cold_spells")


def alts(ends: pl.DataFrame) -> None:
    st.subheader(t("cold.alts_title"))
    st.caption(t("cold.alts_caption", k=alt_accounts.FLAG_AT, n=alt_accounts.MIN_MESSAGES))
    chat_id = _pick_chat(ends, "cs_alts_chat")
    show_all = st.toggle(t("cold.alts_all"), key="cs_alts_all")
    scored = data.analysis("alt_accounts", chat_ids=[chat_id])
    accounts = scored if show_all else scored.filter(
        pl.col("status").is_in(["suspected", "alt"]) | (pl.col("score") >= 2) & (pl.col("status") != "insufficient"))
    if accounts.is_empty():
        st.info(t("cold.alts_none"))
        return
    statuses = {s: t(f"cold.status_alt_{s}") for s in ("suspected", "alt", "clear", "customer", "insufficient")}
    table = accounts.select(
        "name", pl.col("status").replace_strict(statuses),
        "score", "reference_name", "messages",
        *[pl.when(pl.col(f"c_{n}")).then(pl.lit("✓")).otherwise(pl.lit("·")).alias(n) for n in alt_accounts.CRITERIA])
    st.dataframe(table, width="stretch", hide_index=True, height=320,
                 column_config={c: st.column_config.Column(t(f"cold.col_{c}"), help=t(f"cold.help_{c}"))
                                for c in table.columns})
    page.download(accounts, "alt_accounts")
    _evidence_and_decision(accounts)


def _evidence_and_decision(accounts: pl.DataFrame) -> None:
    keys = [f"{r['chat_id']}|{r['member_id']}" for r in accounts.iter_rows(named=True)]
    rows = accounts.iter_rows(named=True)
    labels = {k: f"{r['name']}（{r['chat_name']}，{r['score']}/8）" for k, r in zip(keys, rows, strict=True)}
    picked = st.selectbox(t("cold.evidence_for"), keys, format_func=labels.get, key="cs_alt_pick")
    row = accounts.row(keys.index(picked), named=True)
    evidence = pl.DataFrame({
        "criterion": [t(f"cold.col_{n}") for n in alt_accounts.CRITERIA],
        "met": [t("cold.yes") if row[f"c_{n}"] else t("cold.no") for n in alt_accounts.CRITERIA],
        "measured": [_measured(n, row[f"v_{n}"]) if n != "no_commerce" else
                     t("cold.ev_commerce", linked=row["linked_customers"], visits=row["visits"],
                       claims=row["fast_claims"]) for n in alt_accounts.CRITERIA],
        "rule": [t(f"cold.help_{n}") for n in alt_accounts.CRITERIA],
    })
    st.dataframe(evidence, width="stretch", hide_index=True, column_config=page.columns(evidence, "cold.ev_"))
    st.radio(t("cold.decide"), DECISIONS, horizontal=True, key="cs_decision",
             format_func=lambda d: t(f"cold.decide_{d}"))
    chat_id, member_id = picked.split("|", 1)
    # a callback: it writes before the page opens its read connection for the drawing
    st.button(t("cold.decide_save"), key="cs_decide_save", on_click=_save_decision, args=(member_id, chat_id))
    page.show_flash("cs_saved")


def _save_decision(member_id: str, chat_id: str) -> None:
    decision = st.session_state.get("cs_decision", "alt")
    data.decide_alt(member_id, chat_id, decision)
    page.flash("cs_saved", "success", t("cold.decide_saved", decision=t(f"cold.decide_{decision}")))


def _measured(name: str, value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return fmt.pct(value) if name in ("cold_start", "co_activity", "exclusive", "content") else f"{value:.2f}"
    return str(value)
