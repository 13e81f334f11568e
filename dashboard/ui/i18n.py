"""The one translation catalog (`catalog.toml`) and `t(key)`; the language lives in session state."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import streamlit as st

LANGS = {"zh": "中文", "en": "English"}
CATALOG = Path(__file__).with_name("catalog.toml")


def _flatten(tree: dict, prefix: str = "") -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and set(v) <= set(LANGS) and all(isinstance(x, str) for x in v.values()):
            out[key] = v
        elif isinstance(v, dict):
            out.update(_flatten(v, key + "."))
    return out


@cache
def catalog() -> dict[str, dict[str, str]]:
    with open(CATALOG, "rb") as fh:
        return _flatten(tomllib.load(fh))


def lang() -> str:
    return st.session_state.get("lang", "zh")


def t(key: str, **kwargs: object) -> str:
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry.get(lang()) or entry["zh"]
    return text.format(**kwargs) if kwargs else text
