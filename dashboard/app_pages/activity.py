"""Activity: is the group alive, who talks, when, and who only listens."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import activity_people, activity_talk, activity_trends, data, filters, page
from dashboard.ui.i18n import t

SECTIONS = {
    "trend": (activity_trends.periods, activity_trends.speakers),
    "when": (activity_trends.when, activity_trends.kinds),
    "members": (activity_people.members,),
    "participation": (activity_people.participation,),
    "conversations": (activity_talk.conversations,),
    "responses": (activity_talk.responses,),
    "cohorts": (activity_people.cohorts,),
    "compare": (activity_talk.compare,),
}


def render() -> None:
    st.title(t("activity.title"))
    if not data.has_data():
        page.empty_state()
        return
    f = filters.sidebar()
    st.caption(t("activity.scope_organic") if f.organic else t("activity.scope_all"))
    # only the open tab runs its queries (a rerun when another is picked): at ten million messages
    # every tab at once would be several times the page budget
    tabs = st.tabs([t(f"activity.tab_{k}") for k in SECTIONS], key="act_tab", on_change="rerun")
    for parts, tab in zip(SECTIONS.values(), tabs, strict=True):
        if tab.open:
            with tab:
                for draw in parts:
                    draw(f)


with page.guarded(), data.shared_connection():
    render()
