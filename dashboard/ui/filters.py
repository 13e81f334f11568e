"""The sidebar's global filters (chats, date range, all vs organic), kept in session state and
in the URL query string so that a view can be bookmarked."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

import streamlit as st

from dashboard.core.analytics.activity import MAX_CHAT_LINES
from dashboard.ui import data
from dashboard.ui.i18n import LANGS, t


@dataclass(frozen=True)
class Filters:
    chat_ids: list[str] | None  # None = every chat
    start: dt.date | None
    end: dt.date | None
    organic: bool
    n_chats: int = 1  # how many chats the selection holds

    @property
    def by_chat(self) -> bool:
        """Draw one line per chat, or the chats summed when there are too many to tell apart."""
        return self.n_chats <= MAX_CHAT_LINES

    def params(self) -> dict:
        return {"chat_ids": self.chat_ids, "start": self.start, "end": self.end, "organic": self.organic}


def _from_url() -> None:
    """Seed session state from the URL once per session."""
    if st.session_state.get("_url_loaded"):
        return
    q = st.query_params
    if q.get("lang") in LANGS:
        st.session_state["lang"] = q["lang"]
    if q.get("chats"):
        st.session_state["f_chats"] = [c for c in q["chats"].split(",") if c]
    if q.get("start") and q.get("end"):
        with contextlib.suppress(ValueError):
            st.session_state["f_dates"] = (dt.date.fromisoformat(q["start"]), dt.date.fromisoformat(q["end"]))
    if q.get("organic") in ("0", "1"):
        st.session_state["f_organic"] = q["organic"] == "1"
    st.session_state["_url_loaded"] = True


def _to_url(f: Filters) -> None:
    want = {"lang": st.session_state.get("lang", "zh")}
    if f.chat_ids:
        want["chats"] = ",".join(f.chat_ids)
    if f.start and f.end:
        want["start"], want["end"] = f.start.isoformat(), f.end.isoformat()
    if f.organic:
        want["organic"] = "1"
    if st.query_params.to_dict() != want:
        st.query_params.from_dict(want)


def _suspected_alts_switch() -> None:
    """The owner's choice, stored with the data (not per page view): suspected alt accounts are out
    of the organic figures unless she keeps them in (docs/metrics.md §1.3)."""
    kept = bool(data.analysis("suspected_alts_organic"))
    keep = st.sidebar.toggle(t("filters.suspected_alts"), value=kept, key="f_suspected_alts",
                             help=t("filters.suspected_alts_help"))
    if keep != kept:
        with st.spinner(t("filters.suspected_alts_recount")):
            data.keep_suspected_alts_organic(keep)
        st.rerun()


def language_picker() -> None:
    _from_url()
    st.sidebar.selectbox(t("filters.language"), list(LANGS), format_func=LANGS.get, key="lang")


def sidebar() -> Filters:
    """Draw the filters and return the current selection (call only when there is data)."""
    _from_url()
    chats = data.query("data/chat_list")
    st.sidebar.subheader(t("filters.header"))
    ids = chats["chat_id"].to_list()
    names = dict(zip(ids, chats["name"].to_list(), strict=True))
    if "f_chats" in st.session_state:
        st.session_state["f_chats"] = [c for c in st.session_state["f_chats"] if c in names]
    picked = st.sidebar.multiselect(
        t("filters.chats"), ids, format_func=lambda c: names.get(c, c), key="f_chats",
        placeholder=t("filters.chats_all"),
    )
    first = chats["first_day"].drop_nulls().min()
    last = chats["last_day"].drop_nulls().max()
    start = end = None
    if first is not None and last is not None:
        if "f_dates" in st.session_state:
            s, e = (*tuple(st.session_state["f_dates"]), None, None)[:2]
            if not (s and e and first <= s <= e <= last):
                st.session_state["f_dates"] = (first, last)
        else:
            st.session_state["f_dates"] = (first, last)
        chosen = st.sidebar.date_input(t("filters.dates"), min_value=first, max_value=last, key="f_dates")
        if isinstance(chosen, tuple) and len(chosen) == 2:
            start, end = chosen
    organic = st.sidebar.toggle(t("filters.organic"), key="f_organic", help=t("filters.organic_help"))
    _suspected_alts_switch()
    f = Filters(picked or None, start, end, bool(organic), len(picked) if picked else len(ids))
    _to_url(f)
    return f
