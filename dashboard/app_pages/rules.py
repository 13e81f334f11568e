"""Group rules: the owner's rules checked against the history; hits are hers to review."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import data, filters, page
from dashboard.ui import rules_views as views
from dashboard.ui.i18n import t

SECTIONS = {"hits": views.hits, "weeks": views.weeks, "members": views.members, "edit": views.editor}


def render() -> None:
    st.title(t("rules.title"))
    if not data.has_data():
        page.empty_state()
        return
    f = filters.sidebar()
    st.caption(t("rules.scope"))
    page.open_tab("rules", SECTIONS, "ru_tab", f.chat_ids)


with page.guarded(), data.shared_connection():
    render()
