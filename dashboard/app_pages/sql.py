"""SQL workbench: an analyst's own SQL over the documented schema and the named queries, run in a
read-only sandbox."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import data, page, sql_browser, sql_results, sql_workbench
from dashboard.ui.i18n import t

BROWSER = {"tables": sql_browser.tables, "queries": sql_browser.named, "history": sql_browser.history}


def render() -> None:
    st.title(t("sql.title"))
    if not data.has_data():
        page.empty_state()
        return
    st.caption(t("sql.intro"))
    left, right = st.columns([1, 2.2], gap="large")
    with right:  # first, so the history beside it has this drawing's run
        ran = sql_workbench.editor_area()
        sql_results.show(ran)
        sql_results.save_form(st.session_state["sql.text"], ran)
    with left:
        page.open_tab("sql", BROWSER, "sql.browser_tab")


with page.guarded(), data.shared_connection():
    render()
