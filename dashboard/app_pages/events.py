"""Events & visits: did the cake class bring people into the shop? (docs/metrics.md §5)"""

from __future__ import annotations

import streamlit as st

from dashboard.ui import data, filters, page
from dashboard.ui import events_views as views
from dashboard.ui.i18n import t

SECTIONS = {"overview": views.overview, "one": views.one_event, "detected": views.detected, "links": views.links,
            "timeline": views.timeline}


def render() -> None:
    st.title(t("events.title"))
    if not data.has_data():
        page.empty_state()
        return
    f = filters.sidebar()
    st.caption(t("events.scope"))
    page.open_tab("events", SECTIONS, "ev_tab", f.chat_ids)


with page.guarded(), data.shared_connection():
    render()
