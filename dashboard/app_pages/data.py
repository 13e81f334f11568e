"""Data: upload exports (the same ingest as the CLI) and the list of imports."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from dashboard.core.ingest.errors import IngestError, UnknownFormat
from dashboard.core.ingest.pipeline import (
    FORMAT_LABELS,
    IMPORTABLE_SUFFIXES,
    NOT_EXPORTS,
    ImportReport,
    import_order,
    ingest_file,
    work_dir,
)
from dashboard.ui import data, fmt, page, safe
from dashboard.ui.i18n import t

UPLOAD_TYPES = sorted(s.lstrip(".") for s in IMPORTABLE_SUFFIXES)
COLUMNS = ["file_name", "format", "exporter_name", "coverage_start", "coverage_end", "n_new", "n_duplicate",
           "n_skipped", "imported_at"]


def _done_label(report: ImportReport, name: str) -> str:
    if report.format.startswith("store_"):
        return t("data.done_records", file=safe.md(name), kind=safe.md(report.details.get("kind", report.format)),
                 read=fmt.num(report.n_read), new=fmt.num(report.n_new), updated=fmt.num(report.n_updated),
                 same=fmt.num(report.n_duplicate))
    return t("data.done", file=safe.md(name), new=fmt.num(report.n_new), dup=fmt.num(report.n_duplicate),
             skipped=fmt.num(report.n_skipped), chats="、".join(safe.md(c) for c in report.chats))


def _import_one(path: Path, chat_name: str | None, mapping: dict[str, str] | None = None) -> None:
    with st.status(t("data.importing", file=safe.md(path.name)), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(stage: str, done: int) -> None:
            share = {"parse": 0.3, "words": 0.7, "store": 0.9}.get(stage, 0.5)
            bar.progress(share, text=f"{t('data.stage.' + stage)} {fmt.num(done) if done else ''}")

        try:
            report = ingest_file(path, data.db_path(), tz=data.tz(), chat_name=chat_name, mapping=mapping,
                                 progress=progress)
        except IngestError as exc:
            status.update(label=t("data.failed", file=safe.md(path.name)), state="error", expanded=True)
            bar.empty()
            st.error(safe.md(exc))
            if isinstance(exc, UnknownFormat):
                st.info(t("data.map_hint"))
            return
        bar.progress(1.0)
        if report.status != "imported":
            status.update(label=t("data.already", file=safe.md(path.name)), state="complete")
            return
        status.update(label=_done_label(report, path.name), state="complete")
        if report.details.get("shop_prefixed_ids"):
            st.info(t("data.shop_prefixed", n=fmt.num(report.details["shop_prefixed_ids"])))
        for s in report.skipped_samples[:5]:
            st.caption(safe.md(s))


def _import(uploads: list, chat_name: str | None, mapping: dict[str, str] | None) -> None:
    """Saved side by side first (a PyWxDump CSV finds its users.json), then imported in order. The
    uploads are written in chunks and released (data.save_upload); the folder names its owner, so
    a server killed mid-import leaves nothing behind for long (pipeline.sweep_stale_work_dirs)."""
    with work_dir("qunxi-upload-") as tmp:
        paths = []
        for up in uploads:
            path = data.save_upload(up, tmp)
            if path.name not in NOT_EXPORTS:
                paths.append(path)
        uploads.clear()
        for path in import_order(paths):
            _import_one(path, chat_name or None, mapping)
    data.clear()


def render() -> None:
    st.title(t("data.title"))
    st.caption(t("data.db_path", path=safe.md(data.db_path())))
    with st.form("upload", clear_on_submit=True):
        uploads = st.file_uploader(t("data.upload"), type=UPLOAD_TYPES, accept_multiple_files=True,
                                   help=t("data.upload_help"), key="uploads")
        chat_name = st.text_input(t("data.chat_name"), key="chat_name")
        with st.expander(t("data.map_title")):
            st.caption(t("data.map_help"))
            cols = st.columns(3)
            columns = {f: cols[i].text_input(t(f"data.map.{f}"), key=f"map_{f}")
                       for i, f in enumerate(("time", "sender", "text"))}
        submitted = st.form_submit_button(t("data.import_button"), type="primary")
    if submitted and uploads:
        mapping = {f: c.strip() for f, c in columns.items() if c.strip()}
        if mapping and not {"time", "sender"} <= mapping.keys():
            st.warning(t("data.map_incomplete"))
        else:
            _import(uploads, chat_name.strip(), mapping or None)
    st.subheader(t("data.imports"))
    if data.data_version() is None:
        st.info(t("data.no_imports"))
        return
    imports = data.query("data/imports")
    if imports.is_empty():
        st.info(t("data.no_imports"))
        return
    # times as text so a file without dates (members.csv) shows "—", not "None"
    shown = imports.select(COLUMNS).with_columns(
        pl.col("format").replace(FORMAT_LABELS),
        pl.col("exporter_name").fill_null("—"),
        *(pl.col(c).dt.strftime("%Y-%m-%d %H:%M").fill_null("—") for c in ("coverage_start", "coverage_end",
                                                                           "imported_at")),
    )
    st.dataframe(shown.rename({c: t(f"data.col.{c}") for c in COLUMNS}), width="stretch", hide_index=True)


with page.guarded():
    render()
