"""The SQL page's state and its right side: the editor, the parameters form, running in the
sandbox, and the session's history. What a run returns is drawn by `sql_results`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import streamlit as st

from dashboard.core import queries, sandbox
from dashboard.core.sqlfile import Param
from dashboard.ui import data, safe
from dashboard.ui.i18n import t
from dashboard.ui.sql_editor import editor

HISTORY = 30  # runs kept for the session, newest first
STARTER = "select name, kind, platform\nfrom chats\norder by name"


@dataclass(frozen=True)
class Ran:
    """One run: what was asked and what came back (a frame, or DuckDB's or the sandbox's message)."""
    sql: str
    params: dict[str, Any]
    query: str | None          # the named query it was opened from, if any
    at: dt.datetime
    timeout_s: float
    frame: pl.DataFrame | None = None  # dropped from the history, which keeps only what was asked
    rows: int = 0
    truncated: bool = False
    elapsed_s: float = 0.0
    error: str | None = None
    declared: list[Param] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # the form's values, to open the run again


def _state() -> Any:
    s = st.session_state
    s.setdefault("sql.text", STARTER)
    s.setdefault("sql.version", 0)
    s.setdefault("sql.query", None)
    s.setdefault("sql.history", [])
    return s


def load(text: str, query: str | None = None, fields: dict[str, Any] | None = None) -> None:
    """Put a statement in the editor (a callback): a table's select, a named query with its
    parameters' defaults, or a past run with the form's values it ran with."""
    s = _state()
    s["sql.text"] = text
    s["sql.version"] += 1
    s["sql.query"] = query
    for key in [k for k in s if str(k).startswith("sql.p.")]:
        del s[key]
    for name, value in (fields or {}).items():
        s[f"sql.p.{name}"] = value
    q = queries.registry().get(query) if query else None
    if q is not None:  # saving starts from what is opened: a copy of a shipped query, or yours again
        s["sql.save_name"] = "" if q.builtin else q.name.removeprefix(f"{queries.USER_AREA}/")
        s["sql.save_title_field"] = q.title
        s["sql.save_description"] = q.description


def history() -> list[Ran]:
    return _state()["sql.history"]


def declared_params() -> dict[str, Param]:
    """The parameters the opened named query declares (none for typed SQL)."""
    name = _state()["sql.query"]
    q = queries.registry().get(name) if name else None
    return {p.name: p for p in q.params} if q else {}


# ---------------------------------------------------------------------------------------------
# parameters form

def _chat_ids(p: Param, key: str) -> None:
    chats = data.query("data/chat_list")
    ids = chats["chat_id"].to_list()
    names = dict(zip(ids, chats["name"].to_list(), strict=True))
    if key not in st.session_state:
        # the pages' default: every chat (for a query that cannot go without them)
        st.session_state[key] = ids if p.default is None else []
    st.multiselect(f"${safe.ident(p.name)} · {safe.ident(p.type)}", ids, key=key,
                   format_func=lambda c: names.get(c) or c,
                   help=t("sql.param_chats_help"), placeholder=t("sql.param_all"))


def _widget(p: Param) -> None:
    key = f"sql.p.{p.name}"
    if p.type == "varchar[]" and p.name == "chat_ids":
        _chat_ids(p, key)
        return
    default = queries.default(p)
    label = f"${safe.ident(p.name)} · {safe.ident(p.type)}"  # the name is typed in the SQL
    if key not in st.session_state:
        st.session_state[key] = (
            ", ".join(default) if p.type == "varchar[]" and default else
            "" if p.type in ("varchar", "varchar[]", "timestamptz") and default is None else
            default.isoformat() if p.type == "timestamptz" else default)
    if p.type == "date":
        st.date_input(label, key=key, format="YYYY-MM-DD", help=t("sql.param_null_help"))
    elif p.type in ("integer", "bigint"):
        st.number_input(label, key=key, step=1, help=t("sql.param_null_help"))
    elif p.type == "double":
        st.number_input(label, key=key, format="%.4f", help=t("sql.param_null_help"))
    elif p.type == "boolean":
        st.checkbox(label, key=key)
    else:
        st.text_input(label, key=key, help=t("sql.param_list_help") if p.type == "varchar[]" else None)


def _value(p: Param) -> Any:
    raw = st.session_state.get(f"sql.p.{p.name}")
    if raw == "" or raw == []:
        # an empty field is the header's default when that is null, else the empty value itself
        return None if p.default is None or p.default.lower() == "null" else queries.coerce(p, raw)
    return queries.coerce(p, raw)


def params_form(names: list[str]) -> tuple[dict[str, Any], list[Param]]:
    """A field per $name of the statement, typed by the named query that declares it (text
    otherwise). Returns the values to bind, and the parameters as declared."""
    if not names:
        return {}, []
    declared = declared_params()
    params = [declared.get(n) or Param(n, "varchar", "null") for n in names]
    st.caption(t("sql.params_title"))
    cols = st.columns(3)
    for i, p in enumerate(params):
        with cols[i % 3]:
            _widget(p)
    values = {}
    for p in params:
        try:
            values[p.name] = _value(p)
        except queries.QueryError as exc:
            st.error(safe.md(exc))
            values[p.name] = None
    return values, params


# ---------------------------------------------------------------------------------------------
# running

def run(sql: str, params: dict[str, Any], declared: list[Param]) -> Ran:
    s = _state()
    timeout = float(s.get("sql.timeout", sandbox.DEFAULT_TIMEOUT_S))
    fields = {p.name: s[f"sql.p.{p.name}"] for p in declared if f"sql.p.{p.name}" in s}
    base = dict(sql=sql, params=params, query=s["sql.query"], at=dt.datetime.now(), timeout_s=timeout,
                declared=declared, fields=fields)
    try:
        with st.spinner(t("sql.running", s=f"{timeout:g}")):
            got = sandbox.run(data.db_path(), sql, timeout_s=timeout,
                              max_rows=int(s.get("sql.max_rows", sandbox.DEFAULT_MAX_ROWS)), tz=data.tz(),
                              params=params)
        ran = Ran(**base, frame=got.frame, rows=got.frame.height, truncated=got.truncated, elapsed_s=got.elapsed_s)
    except sandbox.SandboxError as exc:
        ran = Ran(**base, error=str(exc))
    s["sql.ran"] = ran
    s["sql.history"] = [dataclasses.replace(ran, frame=None), *s["sql.history"]][:HISTORY]
    return ran


def _request_run() -> None:
    st.session_state["sql.run_requested"] = True


def editor_area() -> Ran | None:
    """The editor, its parameters and the run controls; the run this drawing made or the last one."""
    s = _state()
    edit = editor("sql.editor", s["sql.text"], s["sql.version"], label=t("sql.editor_label"),
                  hint=t("sql.editor_hint"), placeholder=t("sql.editor_placeholder"))
    if edit.text is not None:
        s["sql.text"] = edit.text
    values, declared = params_form(sandbox.parameters(s["sql.text"]))
    left, mid, right = st.columns([1.2, 1, 1])
    left.button(t("sql.run"), key="sql.run", type="primary", on_click=_request_run, width="stretch")
    with mid.popover(t("sql.settings"), width="stretch"):
        st.number_input(t("sql.timeout"), key="sql.timeout", min_value=1.0, max_value=3600.0,
                        value=sandbox.DEFAULT_TIMEOUT_S, step=5.0)
        st.number_input(t("sql.max_rows"), key="sql.max_rows", min_value=100, max_value=1_000_000,
                        value=sandbox.DEFAULT_MAX_ROWS, step=10_000)
    right.caption(t("sql.safety"))
    if edit.run or s.pop("sql.run_requested", False):
        if not s["sql.text"].strip():
            st.warning(t("sql.nothing"))
            return None
        return run(s["sql.text"], values, declared)
    return s.get("sql.ran")
