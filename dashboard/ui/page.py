"""Pieces every page uses: the guard around a page, empty states, and a chart with its reading
and its data download."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.core import db, queries
from dashboard.ui.i18n import t


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Turn store problems into one friendly message instead of a traceback."""
    try:
        yield
    except db.DataUpdating:
        st.info(t("app.updating"))
    except db.NoDatabase:
        empty_state()
    except (db.StoreError, queries.QueryError) as exc:
        st.error(t("app.error", message=str(exc)))


def empty_state() -> None:
    st.info(t("empty.no_data"))
    st.markdown(t("empty.how"))
    st.page_link("app_pages/data.py", label=t("empty.go_data"))


def chart(fig: go.Figure, frame: pl.DataFrame, reading: str, key: str) -> None:
    st.plotly_chart(fig, width="stretch", key=f"chart_{key}", config={"displaylogo": False})
    st.caption(reading)
    st.download_button(
        t("overview.download"), frame.write_csv().encode("utf-8-sig"), file_name=f"{key}.csv", mime="text/csv",
        key=f"dl_{key}", on_click="ignore",
    )
