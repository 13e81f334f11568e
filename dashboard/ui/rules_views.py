"""Group rules page sections: the hits with their messages in context, hits by week around rule
changes, the members hit, and the rule set's editor. A hit is for the owner to review."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.charts import rules as charts
from dashboard.core import rules
from dashboard.core.analytics import rule_audit
from dashboard.ui import data, fmt, page, safe
from dashboard.ui.i18n import t

HIT_COLUMNS = ("chat_name", "time", "member_name", "rule", "kind", "text", "detail", "removed_after",
               "recalled_after")


MESSAGE_KINDS = ("text", "image", "link", "quote", "video", "voice", "file", "system")


def _ruleset() -> rules.RuleSet:
    """The rule set in use, parsed once per data version (the analysis is cached)."""
    return data.analysis("rule_set")["ruleset"]


def _hits(chat_ids: list[str] | None) -> pl.DataFrame:
    names = {r.id: r.name for r in _ruleset().rules}
    return data.query("rules/hits", chat_ids=chat_ids).with_columns(
        pl.col("rule_id").replace_strict(names, default=pl.col("rule_id")).alias("rule"))


def hits(chat_ids: list[str] | None) -> None:
    st.subheader(t("rules.hits_title"))
    ruleset = _ruleset()
    found = _hits(chat_ids)
    per_rule = rule_audit.by_rule(ruleset, found)
    cols = st.columns(3)
    cols[0].metric(t("rules.n_hits"), fmt.num(found.height))
    cols[1].metric(t("rules.n_members"), fmt.num(found["member_id"].n_unique()))
    cols[2].metric(t("rules.n_rules"), f"{len(ruleset.enabled())} / {len(ruleset.rules)}")
    shown = per_rule.with_columns(
        pl.col("kind").replace_strict({k: t(f"rules.kind_{k}") for k in rules.KINDS}))
    st.dataframe(shown.drop("rule_id", "applies_to"), width="stretch", hide_index=True,
                 column_config=page.columns(shown, "rules.col_"))
    if found.is_empty():
        st.info(t("rules.no_hits"))
        return
    st.caption(t("rules.review_note"))
    kinds = {k: t(f"rules.msgkind_{k}") for k in MESSAGE_KINDS}
    table = found.with_columns(pl.col("ts").dt.strftime("%Y-%m-%d %H:%M").alias("time"),
                               pl.col("kind").replace_strict(kinds, default=pl.col("kind"))).select(*HIT_COLUMNS)
    picked = st.dataframe(table, width="stretch", hide_index=True, on_select="rerun", selection_mode="single-row",
                          key="ru_hits", column_config=page.columns(table, "rules.col_"))
    page.download(table, "rule_hits")
    rows = picked.selection.rows if picked else []
    row = found.row(rows[0] if rows else 0, named=True)
    context(row)


def context(hit: dict) -> None:
    """The hit among the messages around it, so the owner sees what was going on."""
    st.markdown(t("rules.context_title", member=safe.md(hit["member_name"]), rule=safe.md(hit["rule"]),
                  when=f"{hit['ts']:%Y-%m-%d %H:%M}"))
    around = data.query("rules/context", chat_id=hit["chat_id"], msg_id=hit["msg_id"])
    lines = []
    for r in around.iter_rows(named=True):
        kind = t(f"rules.msgkind_{r['kind']}") if r["kind"] in MESSAGE_KINDS else safe.md(r["kind"])
        # the messages are the data itself: every word of them literal, whatever they hold
        body = safe.md(r["text"]) if r["text"] else f"\\[{kind}\\]"
        line = f"`{r['ts']:%m-%d %H:%M}` **{safe.md(r['sender']) if r['sender'] else t('rules.system')}**：{body}"
        lines.append(f"> :red[**▶ {line}**]" if r["is_hit"] else f"> {line}")
    st.markdown("\n>\n".join(lines))


def weeks(chat_ids: list[str] | None) -> None:
    st.subheader(t("rules.weeks_title"))
    ruleset = _ruleset()
    weekly = data.query("rules/weekly", chat_ids=chat_ids)
    found = _hits(chat_ids)
    per_week = found.group_by("week", "rule").agg(pl.len().alias("hits"))
    marked = rule_audit.changes(ruleset, data.query("rules/announcements", chat_ids=chat_ids))
    span = (weekly["week"].min(), weekly["week"].max()) if weekly.height else None
    fig = charts.hits_by_week(per_week, [c.day for c, _ in marked], {"axis": t("rules.hits_axis")}, span)
    page.chart(fig, per_week.sort("week"),
               t("rules.weeks_reading", n=fmt.num(found.height), recalls=fmt.num(int(weekly["recalls"].sum())),
                 removed=fmt.num(int(weekly["removed"].sum()))), "rule_weeks")
    st.markdown(f"**{t('rules.changes_title')}**")
    around = rule_audit.around_changes(marked, weekly).with_columns(
        pl.col("source").replace_strict({"chat": t("rules.source_chat"), "marked": t("rules.source_marked")}))
    if around.is_empty():
        st.info(t("rules.no_changes"))
        return
    st.dataframe(around, width="stretch", hide_index=True,
                 column_config=page.columns(around, "rules.col_", precise=("rate_before", "rate_after")))
    st.caption(t("rules.changes_help", weeks=rule_audit.CHANGE_WEEKS))


def members(chat_ids: list[str] | None) -> None:
    st.subheader(t("rules.members_title"))
    found = _hits(chat_ids)
    if found.is_empty():
        st.info(t("rules.no_hits"))
        return
    table = rule_audit.by_member(found).drop("chat_id", "member_id")
    st.dataframe(table, width="stretch", hide_index=True, column_config=page.columns(table, "rules.col_"))
    st.caption(t("rules.members_help"))


def editor(chat_ids: list[str] | None) -> None:
    st.subheader(t("rules.edit_title"))
    st.caption(t("rules.edit_help"))
    current = data.analysis("rule_set")
    st.caption(t("rules.using_default") if current["is_default"] else t("rules.using_own"))
    st.text_area(t("rules.edit_label"), value=current["ruleset"].text, height=480, key="ru_text")
    left, right = st.columns(2)
    left.button(t("rules.save"), key="ru_save", type="primary", on_click=_save_typed)
    right.button(t("rules.reset"), key="ru_reset", on_click=_save, args=(None,), disabled=current["is_default"])
    page.show_flash("ru_msg")


def _save_typed() -> None:
    """The text as typed when the button was pressed (a callback's arguments are those of the
    drawing before, which may predate the last keystrokes)."""
    _save(st.session_state.get("ru_text"))


def _save(text: str | None) -> None:
    try:
        n = data.save_rules(text)
        page.flash("ru_msg", "success", t("rules.saved", n=fmt.num(n)))
        st.session_state.pop("ru_text", None)
    except rules.RulesError as exc:
        page.flash("ru_msg", "error", safe.md(exc))
