"""What a run of the SQL page shows: DuckDB's message, or the rows (a sortable table and a quick
chart) with downloads of the whole result; and the form that saves the statement as a query."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO

import polars as pl
import streamlit as st

from dashboard.charts import quick
from dashboard.core import result_files, sandbox, settings, user_queries
from dashboard.ui import data, page, safe
from dashboard.ui.i18n import t
from dashboard.ui.sql_workbench import Ran, declared_params


def show(ran: Ran | None) -> None:
    if ran is None:
        st.info(t("sql.first_run"))
        return
    if ran.error is not None:
        st.error(t("sql.failed"))
        # DuckDB points at the error with carets under its "LINE n:" quote: the message wraps, the
        # quote does not (wrapping would move the carets off what they point at)
        message, _, quote = ran.error.partition("\nLINE ")
        st.code(message.strip(), language=None, wrap_lines=True)
        if quote:
            st.code(_in_view("LINE " + quote.rstrip()), language=None, wrap_lines=False)
        return
    summary = t("sql.summary", n=f"{ran.rows:,}", s=f"{ran.elapsed_s:.2f}")
    if ran.truncated:
        summary += " · " + t("sql.truncated", n=f"{ran.rows:,}")
    st.caption(summary)
    downloads(ran)
    table_tab, chart_tab = st.tabs([t("sql.tab_table"), t("sql.tab_chart")], key="sql.result_tab",
                                   on_change="rerun")
    if table_tab.open:
        with table_tab:
            st.dataframe(ran.frame, hide_index=True, width="stretch", height=min(440, 35 * (ran.rows + 1) + 3),
                         column_config=_formats(ran.frame))
    if chart_tab.open:
        with chart_tab:
            chart(ran.frame)


def _in_view(quote: str, width: int = 64) -> str:
    """DuckDB's quoted line and its carets, cut on the left (the same on both lines) so that the
    carets fall inside a narrow column instead of beyond its edge."""
    lines = quote.splitlines()
    at = next((i for i, line in enumerate(lines) if line.strip() and set(line.strip()) == {"^"}), None)
    if at is None or at == 0:
        return quote
    caret = len(lines[at]) - len(lines[at].lstrip())
    cut = caret - width // 2
    if cut <= 0:
        return quote
    head, text = lines[at - 1].split(": ", 1) if ": " in lines[at - 1] else ("", lines[at - 1])
    keep = cut - len(head) - 2 + 1  # the kept text starts one place left, where "…" goes
    if keep <= 0:
        return quote
    lines[at - 1] = "…" + text[keep:]
    lines[at] = " " * (caret - cut) + lines[at].lstrip()
    return "\n".join(lines)


def _formats(frame: pl.DataFrame) -> dict:
    """Dates as dates and instants to the second (the grid shows a date as a midnight otherwise)."""
    out = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            out[name] = st.column_config.DateColumn(name, format="YYYY-MM-DD")
        elif isinstance(dtype, pl.Datetime):
            out[name] = st.column_config.DatetimeColumn(name, format="YYYY-MM-DD HH:mm:ss")
    return out


# ---------------------------------------------------------------------------------------------
# downloads

def _writer(ran: Ran, fmt: str) -> Callable[[], IO[bytes]]:
    """Called when the button is clicked (off the page's thread): the whole result, read again
    from the sandbox in batches when the page holds only its first rows."""
    path, tz = data.db_path(), data.tz()

    def make() -> IO[bytes]:
        out = io.BytesIO()  # Streamlit's media store keeps the file in memory either way
        try:
            if ran.truncated:
                with sandbox.stream(path, ran.sql, ran.timeout_s, tz, ran.params) as reader:
                    result_files.write(reader, reader.schema, fmt, out, tz)
            else:
                table = ran.frame.to_arrow()
                result_files.write(table.to_batches(), table.schema, fmt, out, tz)
        except sandbox.SandboxError as exc:
            # the file says what went wrong rather than arriving empty
            out = io.BytesIO(f"{t('sql.download_failed')}\n{exc}\n".encode())
        out.seek(0)
        return out

    return make


def downloads(ran: Ran) -> None:
    cols = st.columns(len(result_files.FORMATS) + 1)
    cols[0].caption(t("sql.download_all") if ran.truncated else t("sql.download"))
    for col, (fmt, (suffix, mime)) in zip(cols[1:], result_files.FORMATS.items(), strict=True):
        help_text = t("sql.excel_cap", n=f"{result_files.EXCEL_MAX_ROWS:,}") if fmt == "xlsx" else None
        col.download_button(t(f"sql.format_{fmt}"), _writer(ran, fmt), file_name=f"qunxi_query{suffix}",
                            mime=mime, key=f"sql.dl_{fmt}", on_click="ignore", width="stretch", help=help_text)


# ---------------------------------------------------------------------------------------------
# quick chart

def chart(frame: pl.DataFrame) -> None:
    axes = quick.plain(frame)
    numbers = quick.numeric(frame)
    if frame.is_empty() or len(axes) < 2:
        st.info(t("sql.chart_needs"))
        return
    # a new result's columns: the builder starts again from defaults that suit them
    if st.session_state.get("sql.chart_for") != frame.columns:
        st.session_state["sql.chart_for"] = frame.columns
        st.session_state["sql.chart_x"] = quick.default_x(frame)
        st.session_state["sql.chart_kind"] = quick.default_kind(frame, st.session_state["sql.chart_x"])
        st.session_state["sql.chart_split"] = quick.default_split(frame, st.session_state["sql.chart_x"])
        for key in ("sql.chart_ys", "sql.chart_hy", "sql.chart_z"):
            st.session_state.pop(key, None)
    kind = st.radio(t("sql.chart_kind"), quick.KINDS, key="sql.chart_kind", horizontal=True,
                    format_func=lambda k: t(f"sql.chart_{k}"))
    c1, c2, c3 = st.columns(3)
    x = c1.selectbox(t("sql.chart_x"), axes, key="sql.chart_x")
    if kind == "heatmap":
        y = c2.selectbox(t("sql.chart_y_axis"), [c for c in axes if c != x], key="sql.chart_hy")
        values = [c for c in numbers if c not in (x, y)]
        z = c3.selectbox(t("sql.chart_value"), [*values, None], key="sql.chart_z",
                         format_func=lambda c: t("sql.chart_count") if c is None else c)
        fig, cut = quick.heatmap(frame, x, y, z)
        if cut:
            st.caption(t("sql.chart_cells_cut", n=quick.MAX_CELLS))
        st.plotly_chart(fig, width="stretch", key="sql.chart_fig", config={"displaylogo": False})
        return
    ys_all = [c for c in numbers if c != x]
    if not ys_all:
        st.info(t("sql.chart_needs_number"))
        return
    ys = c2.multiselect(t("sql.chart_y"), ys_all, default=ys_all[:1], key="sql.chart_ys")
    splits = [None, *[c for c in axes if c not in (x, *ys)]]
    if st.session_state.get("sql.chart_split") not in splits:  # x or y took the column it split by
        st.session_state["sql.chart_split"] = None
    split = c3.selectbox(t("sql.chart_split"), splits, key="sql.chart_split",
                         format_func=lambda c: t("sql.chart_none") if c is None else c,
                         help=t("sql.chart_split_help"))
    if not ys:
        st.info(t("sql.chart_pick_y"))
        return
    fig, left_out = quick.lines_or_bars(frame, kind, x, ys, split)
    if left_out:
        st.caption(t("sql.chart_series_cut", n=quick.MAX_SERIES, left=f"{left_out:,}"))
    st.plotly_chart(fig, width="stretch", key="sql.chart_fig", config={"displaylogo": False})


# ---------------------------------------------------------------------------------------------
# saving

def _spec(ran: Ran | None, names: list[str]) -> str:
    declared = {p.name: p for p in (ran.declared if ran else [])} | declared_params()
    parts = []
    for n in names:
        p = declared.get(n)
        parts.append(f"${n} {p.type if p else 'varchar'}" + (f" = {p.default}" if p and p.default else ""))
    return ", ".join(parts)


def save_form(text: str, ran: Ran | None) -> None:
    page.show_flash("sql.saved_note")
    with st.expander(t("sql.save_title")), st.form("sql.save_form", clear_on_submit=False, border=False):
        st.caption(t("sql.save_help", folder=safe.md(settings.user_queries_dir())))
        c1, c2 = st.columns([1, 2])
        name = c1.text_input(t("sql.save_name"), key="sql.save_name", placeholder="daily_speakers")
        title = c2.text_input(t("sql.save_title_field"), key="sql.save_title_field")
        description = st.text_area(t("sql.save_description"), key="sql.save_description", height=80)
        spec = st.text_input(t("sql.save_params"), value=_spec(ran, sandbox.parameters(text)),
                             help=t("sql.save_params_help"))
        overwrite = st.checkbox(t("sql.save_overwrite"), key="sql.save_overwrite")
        if st.form_submit_button(t("sql.save")):
            try:
                q = user_queries.save(name.strip(), title, description, spec, text, overwrite=overwrite)
            except user_queries.SaveError as exc:
                st.error(safe.md(exc))
            else:
                st.success(t("sql.saved", name=safe.ident(q.name)))
