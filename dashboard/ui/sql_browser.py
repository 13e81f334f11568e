"""The SQL page's left side: the schema browser, the named queries and the session's history. Each
hands the editor a statement through `workbench.load`."""

from __future__ import annotations

import streamlit as st

from dashboard.core import queries, user_queries
from dashboard.ui import data, page, safe
from dashboard.ui import sql_workbench as workbench
from dashboard.ui.i18n import t


def tables() -> None:
    objects = data.query("sql/schema_objects")
    if objects.is_empty():
        st.info(t("sql.no_tables"))
        return
    names = objects["name"].to_list()
    kinds = dict(zip(names, objects["kind"].to_list(), strict=True))
    name = st.selectbox(t("sql.table_pick"), names, key="sql.table",
                        format_func=lambda n: f"{n} · {t('sql.kind_' + kinds[n])}")
    row = objects.row(names.index(name), named=True)
    st.caption(safe.md(row["description"]) if row["description"] else t("sql.no_description"))
    if row["est_rows"] is not None:
        st.caption(t("sql.est_rows", n=f"{row['est_rows']:,}"))
    cols = data.query("sql/schema_columns").filter(name=name)
    # a list rather than a grid: descriptions are sentences and a grid cell does not wrap
    lines = [f"- **{safe.md(r['column_name'])}** {safe.code(_short(r['type']))}"
             + (f" — {safe.md(r['description'])}" if r["description"] else "")
             for r in cols.iter_rows(named=True)]
    with st.container(height=min(34 * cols.height + 20, 460), border=False):
        st.markdown("\n".join(lines))
    st.button(t("sql.open_table"), key="sql.open_table", on_click=workbench.load,
              args=(f"select *\nfrom {name}\nlimit 100",))


def _short(type_name: str) -> str:
    return type_name.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")


def _label(q: queries.NamedQuery) -> str:
    return f"{q.name} · {q.title}"


def named() -> None:
    reg = queries.registry()
    names = list(reg)
    name = st.selectbox(t("sql.query_pick"), names, key="sql.named", format_func=lambda n: _label(reg[n]),
                        help=t("sql.query_pick_help"))
    q = reg[name]
    st.markdown(f"**{safe.md(q.title)}**" + ("" if q.builtin else f"  ·  {t('sql.mine')}"))
    st.caption(safe.md(q.description) if q.description else t("sql.no_description"))
    st.caption(t("sql.grain", grain=safe.md(q.grain)))
    if q.params:
        st.caption(t("sql.params", params=safe.md(", ".join(
            f"${p.name} {p.type}" + (f" = {p.default}" if p.default is not None else "") for p in q.params))))
    st.button(t("sql.open_query"), key="sql.open_query", type="primary", on_click=workbench.load,
              args=(q.sql, name))
    if not q.builtin:
        st.button(t("sql.delete_mine"), key="sql.delete_mine", on_click=_delete, args=(name,))
    for problem in queries.user_problems():
        st.warning(t("sql.mine_problem", problem=safe.md(problem)))


def _delete(name: str) -> None:
    try:
        user_queries.delete(name)
        page.flash("sql.saved_note", "success", t("sql.deleted", name=safe.ident(name)))
    except user_queries.SaveError as exc:
        page.flash("sql.saved_note", "error", safe.md(exc))
    st.session_state.pop("sql.named", None)


def history() -> None:
    past = workbench.history()
    if not past:
        st.caption(t("sql.history_empty"))
        return
    for i, ran in enumerate(past):
        with st.container(border=True):
            outcome = t("sql.history_error") if ran.error else t("sql.history_rows", n=f"{ran.rows:,}",
                                                                   s=f"{ran.elapsed_s:.2f}")
            st.caption(f"{ran.at:%H:%M:%S} · {outcome}")
            lines = ran.sql.strip().splitlines()
            st.code("\n".join(lines[:6]) + ("\n…" if len(lines) > 6 else ""), language="sql", wrap_lines=True)
            st.button(t("sql.history_open"), key=f"sql.history.{i}", on_click=workbench.load,
                      args=(ran.sql, ran.query, ran.fields))
