"""Entry point: page config and navigation, nothing else."""

import streamlit as st

from dashboard.ui.filters import language_picker
from dashboard.ui.i18n import t

st.set_page_config(page_title=t("app.title"), page_icon="📊", layout="wide")
language_picker()
pages = {
    t("nav.section.analysis"): [
        st.Page("app_pages/overview.py", title=t("nav.overview"), default=True),
        st.Page("app_pages/activity.py", title=t("nav.activity")),
        st.Page("app_pages/cold_start.py", title=t("nav.cold_start")),
        st.Page("app_pages/roles.py", title=t("nav.roles")),
        st.Page("app_pages/events.py", title=t("nav.events")),
        st.Page("app_pages/growth.py", title=t("nav.growth")),
        st.Page("app_pages/rules.py", title=t("nav.rules")),
    ],
    t("nav.section.manage"): [
        st.Page("app_pages/data.py", title=t("nav.data")),
        st.Page("app_pages/sql.py", title=t("nav.sql")),
    ],
}
st.navigation(pages).run()
st.sidebar.caption(t("app.tagline"))
