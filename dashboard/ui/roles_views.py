"""Roles & diversity page sections: members and roles, topics and words, diversity, experts,
the reply network and the association panel."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.charts import roles as charts
from dashboard.core.analytics import association
from dashboard.core.analytics.member_roles import ORGANIC
from dashboard.core.text import topics
from dashboard.ui import data, fmt, page, safe
from dashboard.ui.i18n import lang, t

ACCEPTABLE = ("expert", "staff")   # inferred roles the owner can make her own
MAX_ROWS = 300                     # members listed on the page; the download has them all
ROLE_FILTERS = ("expert", "staff", "owner", "newcomer", "lurker", "regular")


def _names(chats: pl.DataFrame) -> dict[str, str]:
    return dict(zip(chats["chat_id"].to_list(), chats["name"].to_list(), strict=True))


def _pick_chat(chats: pl.DataFrame, key: str) -> str:
    names = _names(chats)
    return st.selectbox(t("roles.pick_chat"), list(names), format_func=names.get, key=key)


def _worded(roles: list[str] | None) -> str:
    return "、".join(t(f"roles.role_{r}") for r in roles or [] if r != "customer") or "—"


def _evidence(row: dict) -> str:
    """The criteria met, worded with the member's own figures."""
    figures = {k: (fmt.pct(v) if isinstance(v, float) else v) for k, v in row.items()}
    return "；".join(t(f"roles.ev.{key}", **figures) for key in row["evidence"] or [])


def members(chats: pl.DataFrame, chat_ids: list[str] | None) -> None:
    st.subheader(t("roles.members_title"))
    st.caption(t("roles.members_help"))
    role = st.selectbox(t("roles.filter_role"), (None, *ROLE_FILTERS), key="roles_filter",
                        format_func=lambda r: t("roles.all_roles") if r is None else t(f"roles.role_{r}"))
    profiles = data.query("roles/profiles", chat_ids=chat_ids, role=role, limit=MAX_ROWS)
    if profiles.is_empty():
        st.info(t("roles.none_with_role"))
        return
    total = int(data.query("roles/profile_count", chat_ids=chat_ids, role=role)["members"][0])
    if total > MAX_ROWS:
        st.caption(t("roles.rows_capped", shown=MAX_ROWS, total=total))
    table = profiles.select(
        "chat_name", "name",
        pl.Series("declared", [_worded(r) for r in profiles["declared_roles"].to_list()], dtype=pl.String),
        pl.Series("inferred", [_worded(r) for r in profiles["inferred_roles"].to_list()], dtype=pl.String),
        pl.coalesce("declared_domain", "inferred_domain", pl.lit("—")).alias("domain"),
        pl.Series("evidence", [_evidence(r) for r in profiles.iter_rows(named=True)], dtype=pl.String),
        "n_active", "answers_given", "last_spoke",
        pl.col("rfm_segment").replace_strict({s: t(f"roles.rfm_{s}") for s in _SEGMENTS}, default=None),
    )
    st.dataframe(table, width="stretch", hide_index=True, column_config=page.columns(table, "roles.col_"))
    page.download(lambda: data.query("roles/profiles", chat_ids=chat_ids, role=role), "member_roles")
    _accept(profiles)


def _accept(profiles: pl.DataFrame) -> None:
    """Inferred experts and staff the owner has not declared: she can make the role hers (declared
    beats inferred, and only declared roles move the organic figures)."""
    options = [(r["member_id"], r["chat_id"], role, r["inferred_domain"] if role == "expert" else None,
                f"{r['name']} · {r['chat_name']} · {t(f'roles.role_{role}')}"
                + (f"（{r['inferred_domain']}）" if role == "expert" and r["inferred_domain"] else ""))
               for r in profiles.filter(pl.col("member_class").is_in(ORGANIC)).iter_rows(named=True)
               for role in r["inferred_roles"] if role in ACCEPTABLE and role != r["member_class"]]
    if not options:
        return
    st.markdown(f"**{t('roles.accept_title')}**")
    pick = st.selectbox(t("roles.accept_pick"), range(len(options)), format_func=lambda i: options[i][4],
                        key="roles_accept_pick")
    # callbacks: they write before the page opens its read connection for the drawing
    st.button(t("roles.accept_button"), key="roles_accept", on_click=_accept_role, args=options[pick])
    page.show_flash("roles_saved")


def _accept_role(member_id: str, chat_id: str, role: str, domain: str | None, label: str) -> None:
    data.accept_role(member_id, chat_id, role, domain)
    page.flash("roles_saved", "success", t("roles.accepted", who=safe.md(label)))


_SEGMENTS = ("champion", "loyal", "promising", "at_risk", "hibernating", "needs_attention")


def rfm(chats: pl.DataFrame, chat_ids: list[str] | None) -> None:
    st.subheader(t("roles.rfm_title"))
    cells = data.query("roles/rfm_grid", chat_ids=chat_ids)
    if cells.is_empty():
        st.info(t("empty.no_rows"))
        return
    worded = cells.with_columns(pl.col("segment").replace_strict({s: t(f"roles.rfm_{s}") for s in _SEGMENTS}))
    champions = int(cells.filter(pl.col("segment") == "champion")["members"].sum())
    at_risk = int(cells.filter(pl.col("segment") == "at_risk")["members"].sum())
    page.chart(charts.rfm_grid(worded, {"r": t("roles.rfm_r"), "f": t("roles.rfm_f"), "members": t("roles.members")}),
               cells, t("roles.rfm_reading", champions=champions, at_risk=at_risk), "rfm_grid")


def talk(chats: pl.DataFrame, chat_ids: list[str] | None) -> None:
    st.subheader(t("roles.topics_title"))
    weeks = data.query("roles/topic_weeks", chat_ids=chat_ids)
    if weeks.is_empty():
        st.info(t("roles.no_topics"))
    else:
        shown = weeks.with_columns(pl.col("topic").replace_strict(_topic_names(), default=pl.col("topic")))
        top = shown.group_by("topic").agg(pl.col("messages").sum()).sort("messages", descending=True)
        page.chart(charts.by_group(shown, "topic", "share", t("roles.topic_share"), percent=True), weeks,
                   t("roles.topics_reading", topic=safe.md(top["topic"][0])), "topic_weeks")
    chat_id = _pick_chat(chats, "roles_words_chat")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('roles.emerging_title')}**")
        st.caption(t("roles.emerging_help"))
        emerging = data.query("roles/emerging_terms", chat_ids=[chat_id])
        recent = emerging.filter(pl.col("week") >= pl.col("week").max() - pl.duration(days=21))
        st.dataframe(recent, width="stretch", hide_index=True, column_config=page.columns(recent, "roles.col_"))
    with right:
        st.markdown(f"**{t('roles.words_title')}**")
        words = data.query("roles/top_terms", chat_ids=[chat_id], limit=40).with_columns(
            pl.col("topics").list.eval(pl.element().replace_strict(_topic_names(), default=pl.element()))
            .list.join("、").fill_null("—"))
        st.dataframe(words, width="stretch", hide_index=True, height=380,
                     column_config=page.columns(words, "roles.col_"))
    own_words()


def _topic_names() -> dict[str, str]:
    return {tp.key: (tp.zh if lang() == "zh" else tp.en) for tp in topics.topics()}


def own_words() -> None:
    """The owner's own words and stopwords: stored, applied to the stored messages at once and to
    every later import."""
    st.markdown(f"**{t('roles.own_title')}**")
    st.caption(t("roles.own_help"))
    with st.form("roles_own_form", clear_on_submit=True):
        st.text_input(t("roles.own_word"), key="roles_own_word")
        st.radio(t("roles.own_kind"), ("word", "stopword"), horizontal=True, key="roles_own_kind",
                 format_func=lambda k: t("roles.own_word_kind" if k == "word" else "roles.own_stopword"))
        st.form_submit_button(t("roles.own_add"), on_click=_add_word)
    page.show_flash("roles_saved")
    mine = data.query("roles/own_words")
    if mine.is_empty():
        return
    st.dataframe(mine, hide_index=True, column_config=page.columns(mine, "roles.col_"))
    st.selectbox(t("roles.own_remove_pick"), mine["word"].to_list(), key="roles_own_remove")
    st.button(t("roles.own_remove"), key="roles_own_remove_btn", on_click=_remove_word)


def _add_word() -> None:
    word, kind = st.session_state.get("roles_own_word", "").strip(), st.session_state.get("roles_own_kind", "word")
    if not word:
        return
    try:
        n = data.add_own_word(word, kind)
    except ValueError as exc:
        page.flash("roles_saved", "error", safe.md(exc))
    else:
        page.flash("roles_saved", "success", t("roles.own_added", word=safe.md(word), n=fmt.num(n)))


def _remove_word() -> None:
    word = st.session_state.get("roles_own_remove")
    if word:
        n = data.remove_own_word(word)
        page.flash("roles_saved", "success", t("roles.own_removed", word=safe.md(word), n=fmt.num(n)))


def diversity(chats: pl.DataFrame, chat_ids: list[str] | None) -> None:
    st.subheader(t("roles.diversity_title"))
    st.caption(t("roles.diversity_help"))
    dimension = st.radio(t("roles.dimension"), ("topics", "roles", "speakers"), horizontal=True, key="roles_dim",
                         format_func=lambda d: t(f"roles.dim_{d}"))
    weeks = data.query("roles/diversity_weeks", chat_ids=chat_ids, dimension=dimension)
    rare = weeks.filter(pl.col("q1_rarefied").is_not_null())
    if rare.is_empty():
        st.info(t("roles.too_few"))
    else:
        stars = ", ".join(f"{safe.md(r['chat_name'])} n\\*={fmt.num(r['n_star'])}"
                          for r in rare.unique("chat_name", keep="first").sort("chat_name").iter_rows(named=True))
        page.chart(charts.by_group(rare, "chat_name", "q1_rarefied", t("roles.q1_rarefied")), weeks,
                   t("roles.diversity_reading", stars=stars), f"diversity_{dimension}")
    mixing = data.query("roles/mixing_weeks", chat_ids=chat_ids)
    if mixing.is_empty():
        return
    st.markdown(f"**{t('roles.mixing_title')}**")
    series = {k: t(f"roles.col_{k}") for k in ("mixed_share", "two_customer_share", "customer_to_customer_share",
                                               "customer_to_shop_share", "shop_to_customer_share")}
    c2c = mixing["customer_to_customer_share"].drop_nulls()
    page.chart(charts.weekly_lines(mixing, series, t("roles.share"), percent=True), mixing,
               t("roles.mixing_reading", c2c=fmt.pct(c2c.mean() if c2c.len() else None)), "mixing_weeks")
    st.markdown(f"**{t('roles.dependency_title')}**")
    series = {k: t(f"roles.col_{k}") for k in ("staff_message_share", "staff_started_share", "staff_answer_share")}
    share = mixing["staff_message_share"].drop_nulls()
    page.chart(charts.weekly_lines(mixing, series, t("roles.share"), percent=True), mixing,
               t("roles.dependency_reading", first=fmt.pct(share.head(4).mean() if share.len() else None),
                 last=fmt.pct(share.tail(4).mean() if share.len() else None)), "staff_dependency")


def experts(chats: pl.DataFrame, chat_ids: list[str] | None) -> None:
    st.subheader(t("roles.experts_title"))
    pull = data.query("roles/expert_pull", chat_ids=chat_ids)
    if pull.is_empty():
        st.info(t("roles.no_experts"))
        return
    shown = pull.select("chat_name", "name", pl.col("declared").replace_strict(
        {True: t("roles.declared_yes"), False: t("roles.declared_no")}), "domain", "questions_answered",
        "conversations_started", "drew_two_customers", "domain_messages", "classes")
    st.dataframe(shown, width="stretch", hide_index=True, column_config=page.columns(shown, "roles.col_"))
    page.download(pull, "expert_pull")
    days = data.query("roles/class_days", chat_ids=chat_ids)
    if days.is_empty():
        st.caption(t("roles.no_classes"))
        return
    who = st.selectbox(t("roles.pick_expert"), days.unique(["chat_id", "member_id"], maintain_order=True)
                       .select("chat_id", "member_id").rows(),
                       format_func=lambda k: _expert_label(pull, k), key="roles_expert")
    mine = days.filter((pl.col("chat_id") == who[0]) & (pl.col("member_id") == who[1])).with_columns(
        event=pl.col("event_name") + " " + pl.col("event_day").cast(pl.String))
    before = mine.filter(pl.col("rel_day") < 0)["organic_messages"].mean()
    after = mine.filter(pl.col("rel_day").is_between(0, 3))["organic_messages"].mean()
    page.chart(charts.around_classes(mine, {"rel_day": t("roles.rel_day"), "messages": t("roles.organic_messages")}),
               mine, t("roles.classes_reading", before=fmt.num(before), after=fmt.num(after)), "class_days")


def _expert_label(pull: pl.DataFrame, key: tuple[str, str]) -> str:
    row = pull.filter((pl.col("chat_id") == key[0]) & (pl.col("member_id") == key[1]))
    return f"{row['name'][0]} · {row['chat_name'][0]}" if row.height else key[1]


def replies(chats: pl.DataFrame, chat_ids: list[str] | None) -> None:
    st.subheader(t("roles.network_title"))
    st.caption(t("roles.network_help"))
    chat_id = _pick_chat(chats, "roles_network_chat")
    graph = data.analysis("reply_network", chat_id=chat_id)
    nodes = graph["nodes"]
    if nodes.is_empty():
        st.info(t("roles.no_replies"))
        return
    nodes = nodes.with_columns(pl.col("member_class").replace_strict(
        {c: t(f"roles.class_{c}") for c in ("customer", "expert", "staff", "alt", "bot")}))
    names = dict(zip(nodes["member_id"].to_list(), nodes["name"].to_list(), strict=True))
    page.chart(charts.network(nodes, graph["edges"], {"reach": t("roles.col_reach")}), graph["edges"].with_columns(
        source=pl.col("source_id").replace_strict(names), target=pl.col("target_id").replace_strict(names)),
        t("roles.network_reading", shown=fmt.num(nodes.height), members=fmt.num(graph["members"]),
          density=fmt.pct(graph["density"], 1)), "reply_network")
    table = data.query("roles/profiles", chat_ids=[chat_id]).filter(pl.col("reach") > 0).sort(
        "reach", descending=True).select("name", "reach", "organic_in_degree", "pagerank", "betweenness", "clustering")
    st.dataframe(table, width="stretch", hide_index=True,
                 column_config=page.columns(table, "roles.col_", precise=("pagerank", "betweenness", "clustering")))


def links(chats: pl.DataFrame, chat_ids: list[str] | None) -> None:
    st.subheader(t("roles.association_title"))
    st.warning(t("roles.association_caution"))
    panel = data.query("roles/association_weeks", chat_ids=chat_ids)
    if panel.height < association.MIN_WEEKS:
        st.info(t("roles.too_few_weeks", n=association.MIN_WEEKS))
        return
    rows = []
    for a in association.summarise(panel):
        rows.append({"predictor": t(f"roles.col_{a.predictor}"), "outcome": t(f"roles.col_{a.outcome}"),
                     "weeks": a.weeks, "chats": a.chats, "slope": a.slope, "correlation": a.correlation})
    summary = pl.DataFrame(rows, schema={"predictor": pl.String, "outcome": pl.String, "weeks": pl.Int64,
                                         "chats": pl.Int64, "slope": pl.Float64, "correlation": pl.Float64})
    st.dataframe(summary, width="stretch", hide_index=True, column_config=page.columns(summary, "roles.col_"))
    first = association.within(panel, "topic_q1", "next_week_speakers")
    reading = (t("roles.association_reading", slope=f"{first.slope:+.1f}", r=f"{first.correlation:+.2f}")
               if first.slope is not None and first.correlation is not None else t("roles.too_few_weeks",
                                                                                    n=association.MIN_WEEKS))
    page.chart(charts.association(panel.filter(pl.col("next_week_speakers").is_not_null()), "topic_q1",
                                  "next_week_speakers", {"x": t("roles.col_topic_q1"),
                                                         "y": t("roles.col_next_week_speakers")}),
               panel, reading, "association_weeks")

