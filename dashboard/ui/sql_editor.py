"""The SQL editor widget (syntax highlighting, Ctrl+Enter to run), written for this app so that no
script, font or style is fetched from anywhere: its JavaScript and CSS ship in ui/assets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

_ASSETS = Path(__file__).resolve().parent / "assets"
_HTML = ('<div class="qx-editor"><pre aria-hidden="true"><code></code></pre>'
         '<textarea spellcheck="false" autocapitalize="off" autocomplete="off" wrap="off"></textarea></div>'
         '<div class="qx-hint"></div>')
_COMPONENT = st.components.v2.component(
    "qunxi_sql_editor",
    html=_HTML,
    css=(_ASSETS / "sql_editor.css").read_text(encoding="utf-8"),
    js=(_ASSETS / "sql_editor.js").read_text(encoding="utf-8"),
)


@dataclass(frozen=True)
class Edit:
    text: str | None  # the text, when the editor sent a new one in this run
    run: bool         # Ctrl+Enter was pressed (text is then what was run)


def _noop() -> None:
    """Registers a state name with the component; the page reads the values after mounting."""


def editor(key: str, text: str, version: int, label: str, hint: str, placeholder: str,
           height: int = 260) -> Edit:
    """Mount the editor showing `text` (put in again only when `version` changes)."""
    result = _COMPONENT(
        key=key,
        data={"text": text, "version": version, "label": label, "hint": hint, "placeholder": placeholder,
              "height": height},
        default={"text": text},
        height=height + 28,
        on_text_change=_noop,
        on_run_change=_noop,
    )
    seen_key = f"{key}.seen"
    sent, ran = result.get("text"), result.get("run")  # a ComponentResult is a dict
    if ran is not None:
        st.session_state[seen_key] = sent
        return Edit(ran, True)
    # the component keeps its last state across reruns: only a value not seen before is an edit
    if sent is not None and sent != st.session_state.get(seen_key, text):
        st.session_state[seen_key] = sent
        return Edit(sent, False)
    st.session_state.setdefault(seen_key, sent)
    return Edit(None, False)
