"""Cold start: how each new group got going, its silent spells, and the accounts that warmed it up."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import cold_start_views as views
from dashboard.ui import data, filters, page
from dashboard.ui.i18n import t

SECTIONS = {"takeoff": views.takeoff, "seeding": views.seeding, "spells": views.spells, "alts": views.alts}


def render() -> None:
    st.title(t("cold.title"))
    if not data.has_data():
        page.empty_state()
        return
    f = filters.sidebar()
    st.caption(t("cold.scope"))
    ends = data.query("cold_start/ends", chat_ids=f.chat_ids)
    if ends.is_empty():
        st.info(t("empty.no_rows"))
        return
    page.open_tab("cold", SECTIONS, "cs_tab", ends)


with page.guarded(), data.shared_connection():
    render()
