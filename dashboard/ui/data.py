"""Query results for pages: short-lived read-only connections, results cached by data version.

The file is opened only when its fingerprint (size and mtime) changed or a result is not cached,
so an idle page never holds the database and an ingest from another process can always write.
Within one drawing of an analysis page its queries share one connection (opening a large file
costs 10–20 ms, a dozen times over otherwise), closed as soon as the page is drawn.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.core import db, event_records, lexicon, linking, owner_entries, queries, roles, rules, settings
from dashboard.core.analytics import cold_start, growth, network, red_packets


def db_path() -> Path:
    return Path(os.environ.get("QUNXI_DB") or settings.default_db_path())


def tz() -> str:
    return os.environ.get("QUNXI_TZ", settings.DEFAULT_TZ)


_local = threading.local()  # Streamlit draws each session's page in its own thread


@contextlib.contextmanager
def shared_connection() -> Iterator[None]:
    """Let the queries of one page drawing share one read-only connection, opened when the first
    result is not cached and closed when the block ends. Not for pages that write (Data)."""
    _local.shared, _local.con = True, None
    try:
        yield
    finally:
        con, _local.shared, _local.con = getattr(_local, "con", None), False, None
        if con is not None:
            con.close()


@contextlib.contextmanager
def _connection(path: str) -> Iterator:
    if not getattr(_local, "shared", False):
        with db.reader(path, tz()) as con:
            yield con
        return
    if _local.con is None:
        _local.con = db.open_reader(path, tz())
    yield _local.con


@st.cache_data(show_spinner=False, max_entries=32)
def _version(path: str, fingerprint: tuple) -> int:
    with _connection(path) as con:
        return db.data_version(con)


def data_version() -> int | None:
    """The store's data version, or None when there is no database yet."""
    path = db_path()
    if not path.exists():
        return None
    return _version(str(path), db.file_fingerprint(path))


@st.cache_data(show_spinner=False, max_entries=512)
def _run(path: str, version: int, name: str, params_json: str) -> pl.DataFrame:
    with _connection(path) as con:
        return queries.run(con, name, **json.loads(params_json))


def _cache_key(name: str, params: dict[str, Any]) -> tuple[str, int, str, str]:
    """(database, data version, name, parameters as JSON): what a cached result is filed under."""
    version = data_version()
    if version is None:
        raise db.NoDatabase(str(db_path()))
    return str(db_path()), version, name, json.dumps(params, sort_keys=True, default=str)


def query(name: str, **params: Any) -> pl.DataFrame:
    return _run(*_cache_key(name, params))


# Analyses the pages draw that are more than one query (core.analytics), by name.
ANALYSES = {
    "cold_spells": lambda con, chat_ids, settings: cold_start.silences(con, chat_ids, cold_start.Settings(**settings)),
    "alt_accounts": cold_start.accounts,
    "reply_network": network.top_graph,
    "link_suggestions": linking.suggestions,
    "growth": growth.analyze,
    "red_packets": red_packets.packets,
    "rule_set": lambda con: {"ruleset": (rs := rules.current(con)), "is_default": rs.text == rules.default_text()},
    "suspected_alts_organic": roles.suspected_alts_organic,
}


@st.cache_data(show_spinner=False, max_entries=32)
def _analysis(path: str, version: int, name: str, params_json: str) -> object:
    with _connection(path) as con:
        return ANALYSES[name](con, **json.loads(params_json))


def analysis(name: str, **params: Any) -> Any:
    """An analysis of ANALYSES (JSON-able parameters), cached like query results."""
    return _analysis(*_cache_key(name, params))


def decide_alt(member_id: str, chat_id: str, decision: str) -> None:
    """Store the owner's answer about a suspected alt account (a declared role) and drop cached results."""
    with db.writer(db_path(), tz()) as con:
        roles.decide(con, member_id, chat_id, decision)
    clear()


def keep_suspected_alts_organic(keep: bool) -> None:
    """Count suspected alt accounts as customers, or leave them out of the organic figures (the
    default); every rollup is recounted."""
    with db.writer(db_path(), tz()) as con:
        roles.keep_suspected_alts_organic(con, keep)
    clear()


def accept_role(member_id: str, chat_id: str, role: str, domain: str | None) -> None:
    """The owner makes an inferred role hers: a declared role in that chat (declared beats inferred)."""
    with db.writer(db_path(), tz()) as con:
        roles.declare(con, member_id, role, chat_id, domain=domain, note="accepted inferred role")
    clear()


def add_own_word(word: str, kind: str) -> int:
    """Store one of the owner's words or stopwords and re-cut the stored messages containing it."""
    with db.writer(db_path(), tz()) as con:
        n = lexicon.add(con, word, kind)
    clear()
    return n


def remove_own_word(word: str) -> int:
    with db.writer(db_path(), tz()) as con:
        n = lexicon.remove(con, word)
    clear()
    return n


def decide_event(detect_id: str, confirm: bool) -> None:
    """The owner confirms (a store event) or dismisses an event found in the chat."""
    with db.writer(db_path(), tz()) as con:
        event_records.decide(con, detect_id, confirm)
    clear()


def decide_link(member_id: str, customer_id: str, method: str, confidence: float | None, accept: bool) -> None:
    """The owner confirms or rejects a suggested member ↔ customer link."""
    with db.writer(db_path(), tz()) as con:
        linking.decide(con, member_id, customer_id, method, confidence, accept)
    clear()


def save_rules(text: str | None) -> int:
    """Keep the owner's rule set (None = the default) and recount the hits; returns how many rules
    are enabled. A bad text raises rules.RulesError before anything is written."""
    with db.writer(db_path(), tz()) as con, db.change(con):
        ruleset = rules.save(con, text)
    clear()
    return len(ruleset.enabled())


def save_regimes(chat_ids: list[str], regimes: list, where: list[str]) -> int:
    """Make these chats' marked entry thresholds exactly `regimes` (owner_entries.Regime)."""
    with db.writer(db_path(), tz()) as con, db.change(con):
        n = owner_entries.replace_regimes(con, chat_ids, regimes, where)
    clear()
    return n


def save_packet_amounts(amounts: dict[str, object]) -> int:
    with db.writer(db_path(), tz()) as con, db.change(con):
        n = owner_entries.save_amounts(con, amounts)
    clear()
    return n


def has_data() -> bool:
    try:
        return data_version() is not None and query("data/chat_list").height > 0
    except db.NoDatabase:
        return False


def clear() -> None:
    _version.clear()
    _run.clear()
    _analysis.clear()


UPLOAD_CHUNK = 1 << 20


def save_upload(upload: Any, folder: Path) -> Path:
    """Write an uploaded file (st.file_uploader) into `folder` a chunk at a time, then let go of it.

    Streamlit keeps an upload's bytes in its file manager until the session ends, and the widget's
    value points at them: a 500 MB export stayed in the server's memory after its import. Once on
    disk the upload is dropped from the manager and closed, so its memory goes back."""
    name = Path(upload.name).name
    path = folder / (name if name not in ("", ".", "..") else "upload")
    upload.seek(0)
    with open(path, "wb") as fh:
        shutil.copyfileobj(upload, fh, UPLOAD_CHUNK)
    ctx = get_script_run_ctx(suppress_warning=True)
    manager = getattr(ctx, "uploaded_file_mgr", None)
    if ctx is not None and isinstance(manager, MemoryUploadedFileManager):
        manager.remove_file(ctx.session_id, upload.file_id)
    upload.close()
    return path
