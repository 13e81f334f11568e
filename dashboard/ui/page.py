"""Pieces every page uses: the guard around a page, empty states, a chart with its reading and its
data download, and the note a button's callback leaves for the next drawing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.core import db, queries, result_files
from dashboard.ui import safe
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
        st.error(t("app.error", message=safe.md(exc)))


def open_tab(prefix: str, sections: dict[str, Callable[..., None]], key: str, *args: object) -> None:
    """Tabs labelled from the catalog (prefix.tab_<name>); only the open one draws, with `args`
    (picking another reruns the page)."""
    tabs = st.tabs([t(f"{prefix}.tab_{k}") for k in sections], key=key, on_change="rerun")
    for draw, tab in zip(sections.values(), tabs, strict=True):
        if tab.open:
            with tab:
                draw(*args)


def empty_state() -> None:
    st.info(t("empty.no_data"))
    st.markdown(t("empty.how"))
    st.page_link("app_pages/data.py", label=t("empty.go_data"))


def flash(key: str, level: str, text: str) -> None:
    """Keep a note ("success" or "error") for `show_flash`: a callback runs before the page draws,
    so what it has to say waits in the session. `text` is markdown: data in it goes through safe.md."""
    st.session_state[key] = (level, text)


def show_flash(key: str) -> None:
    """The note `flash` kept under `key`, once."""
    note = st.session_state.pop(key, None)
    if note:
        (st.error if note[0] == "error" else st.success)(note[1])


def chart(fig: go.Figure, frame: pl.DataFrame, reading: str, key: str) -> None:
    """A chart, its one-line plain reading and a download of the data it draws."""
    st.plotly_chart(fig, width="stretch", key=f"chart_{key}", config={"displaylogo": False})
    st.caption(reading)
    download(frame, key)


def download(frame: pl.DataFrame | Callable[[], pl.DataFrame], key: str) -> None:
    """A CSV download of the frame, or of what the callable returns when the button is clicked
    (for tables too large to build on every drawing)."""
    data = (lambda: result_files.csv_bytes(frame())) if callable(frame) else result_files.csv_bytes(frame)
    st.download_button(t("overview.download"), data, file_name=f"{key}.csv", mime="text/csv", key=f"dl_{key}",
                       on_click="ignore")


def columns(frame: pl.DataFrame, prefix: str, ratios: tuple[str, ...] = (), precise: tuple[str, ...] = ()) -> dict:
    """Column headers from the catalog (prefix + column name) and formats by type: ratios as
    percents, whole numbers without decimals, `precise` with three decimals, dates as dates."""
    out = {}
    for name, dtype in frame.schema.items():
        label = t(f"{prefix}{name}")
        if name in ratios:
            out[name] = st.column_config.NumberColumn(label, format="percent")
        elif dtype.is_integer():
            out[name] = st.column_config.NumberColumn(label, format="%d")
        elif dtype.is_float():
            digits = "%.3f" if name in precise else "%.2f" if name == "gini" else "%.1f"
            out[name] = st.column_config.NumberColumn(label, format=digits)
        elif dtype == pl.Date:
            out[name] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        else:
            out[name] = st.column_config.Column(label)
    return out
