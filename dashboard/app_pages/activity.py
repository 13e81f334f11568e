"""Activity: is the group alive, who talks, when, and who only listens."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import activity_people, activity_talk, activity_trends, data, filters, page
from dashboard.ui.i18n import t


def render() -> None:
    st.title(t("activity.title"))
    if not data.has_data():
        page.empty_state()
        return
    f = filters.sidebar()
    st.caption(t("activity.scope_organic") if f.organic else t("activity.scope_all"))
    tabs = st.tabs([t(f"activity.tab_{k}") for k in ("trend", "when", "members", "talk", "cohorts", "compare")])
    with tabs[0]:
        activity_trends.periods(f)
        activity_trends.speakers(f)
    with tabs[1]:
        activity_trends.when(f)
        activity_trends.kinds(f)
    with tabs[2]:
        activity_people.members(f)
        activity_people.participation(f)
    with tabs[3]:
        activity_talk.conversations(f)
        activity_talk.responses(f)
    with tabs[4]:
        activity_people.cohorts(f)
    with tabs[5]:
        activity_talk.compare(f)


with page.guarded(), data.shared_connection():
    render()
