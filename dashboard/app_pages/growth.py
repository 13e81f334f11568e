"""Growth: who brings people in and whether they stay, entry thresholds, red packets (docs/metrics.md §6–7)."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import data, filters, page
from dashboard.ui import growth_views as views
from dashboard.ui.i18n import t
from dashboard.ui.red_packet_views import red_packets

SECTIONS = {"joins": views.joins, "tree": views.tree, "inviters": views.inviters, "cohorts": views.cohorts,
            "movement": views.movement, "packets": red_packets}


def render() -> None:
    st.title(t("growth.title"))
    if not data.has_data():
        page.empty_state()
        return
    f = filters.sidebar()
    st.caption(t("growth.scope"))
    page.open_tab("growth", SECTIONS, "gr_tab", f.chat_ids)


with page.guarded(), data.shared_connection():
    render()
