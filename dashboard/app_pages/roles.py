"""Roles & diversity: who the group needs and whether it has them (docs/metrics.md §4)."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import data, filters, page
from dashboard.ui import roles_views as views
from dashboard.ui.i18n import t

SECTIONS = {"members": views.members, "rfm": views.rfm, "talk": views.talk, "diversity": views.diversity,
            "experts": views.experts, "replies": views.replies, "links": views.links}


def render() -> None:
    st.title(t("roles.title"))
    if not data.has_data():
        page.empty_state()
        return
    f = filters.sidebar()
    st.caption(t("roles.scope"))
    chats = data.query("data/chat_list")
    if f.chat_ids is not None:
        chats = chats.filter(chats["chat_id"].is_in(f.chat_ids))
    if chats.is_empty():
        st.info(t("empty.no_rows"))
        return
    page.open_tab("roles", SECTIONS, "roles_tab", chats, f.chat_ids)


with page.guarded(), data.shared_connection():
    render()
