"""The owner's own words and stopwords (table own_words): added from the Roles page, applied to
every later import and, at once, to the stored messages they touch, without re-importing."""

from __future__ import annotations

import re

import duckdb

from dashboard.core import db, rollups
from dashboard.core.text import segment

KINDS = ("word", "stopword")
_WORD = re.compile(r"^\w{2,20}$")  # letters, digits and CJK only: jieba never joins across punctuation


class WordError(ValueError):
    pass


def own_words(con: duckdb.DuckDBPyConnection) -> segment.OwnWords:
    rows = con.execute("select word, kind from own_words order by word").fetchall()
    return segment.OwnWords(words=tuple(w for w, k in rows if k == "word"),
                            stopwords=tuple(w for w, k in rows if k == "stopword"))


def _check(word: str, kind: str) -> str:
    word = word.strip()
    if kind not in KINDS:
        raise WordError(f"unknown kind {kind!r}; expected word or stopword")
    if not _WORD.match(word):
        raise WordError(f"“{word}” 不能作为词: 需要 2 到 20 个汉字、字母或数字，不含空格和标点")
    return word


def add(con: duckdb.DuckDBPyConnection, word: str, kind: str) -> int:
    """Add (or change the kind of) one of the owner's words; returns the stored messages re-cut."""
    word = _check(word, kind)
    return _apply(con, word, [("insert or replace into own_words values ($w, $k, now())", {"w": word, "k": kind})])


def remove(con: duckdb.DuckDBPyConnection, word: str) -> int:
    """Forget one of the owner's words; the messages containing it are cut again without it."""
    word = word.strip()
    return _apply(con, word, [("delete from own_words where word = $w", {"w": word})])


def _apply(con: duckdb.DuckDBPyConnection, word: str, statements: list[tuple[str, dict]]) -> int:
    """Write the change, cut again every stored text message containing the word, replace their
    terms and recount the rollups that read terms, in one transaction."""
    with db.change(con):
        for sql, params in statements:
            con.execute(sql, params)
        n, chats = resegment(con, word)
        rollups.refresh(con, chats, rollups.TERM_ROLLUPS)
    return n


def resegment(con: duckdb.DuckDBPyConnection, word: str) -> tuple[int, list[str]]:
    """Replace the terms of the text messages whose text contains `word` (case-insensitively) with
    their cut under the current own words. Returns how many messages and which chats."""
    msgs = con.sql(
        "select msg_id, chat_id, text from messages where kind in ('text', 'quote') and text is not null "
        "and contains(lower(text), lower($w))", params={"w": word},
    ).pl()
    if msgs.is_empty():
        return 0, []
    msgs = msgs.with_row_index("row")
    cut = segment.terms_of(msgs.get_column("text"), own_words(con))
    frame = cut.join(msgs.select("row", "msg_id", "chat_id"), on="row", maintain_order="left")
    con.register("resegmented", frame.select("msg_id", "chat_id", "term"))
    con.register("resegmented_msgs", msgs.select("msg_id", "chat_id"))
    try:
        chats = sorted(msgs["chat_id"].unique().to_list())
        con.execute("delete from terms where chat_id = any($c) and msg_id in (select msg_id from resegmented_msgs)",
                    {"c": chats})
        con.execute("insert into terms select msg_id, chat_id, term from resegmented")
    finally:
        con.unregister("resegmented")
        con.unregister("resegmented_msgs")
    return msgs.height, chats

