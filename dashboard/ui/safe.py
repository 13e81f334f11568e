"""Data-derived text made literal where Streamlit renders markdown (docs/architecture.md §7).

Chat and member names, message texts, event and rule names, file names, error messages quoting a
file: anything imported or typed reaches a page through `md` (inside a markdown sentence, a title, a
caption, an alert, a widget label) or `code` (inside an inline code span), or is shown with st.text,
st.code or st.dataframe, which render nothing. A name like `![x](http://host/y.png)` would otherwise
become an image the browser fetches from another machine. tests/test_architecture.py checks the
pages and views for text that reaches markdown without passing here.
"""

from __future__ import annotations

import re

# CommonMark lets a backslash escape any ASCII punctuation character and nothing else, so every
# one of them is escaped: emphasis, links and images, HTML and entities, headings, lists and
# quotes, tables, Streamlit's :color[…] directives and $…$ math (Streamlit looks for unescaped
# dollars before it loads KaTeX)
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# a newline inside a sentence would end a blockquote or start a heading or a list item
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x0b\x0c\x85]+\s*")
# Some rewriting happens after parsing, on the text itself, where a backslash no longer counts:
# GFM turns http://…, www.… and a@b.c into links, Streamlit turns :smile:, :material_x: and
# :streamlit: into an emoji, an icon or a logo, and " -> " into an arrow. A word joiner (U+2060,
# invisible, no line break) after such a colon, before "@", after "www" and inside the arrows
# leaves nothing for those patterns to find.
_JOIN = re.compile(r"(?<=:)(?=[\w/])|(?=@)|(?i:(?<=www)(?=\.))|(?<=[-<>~])(?=[->=])")
WORD_JOINER = "\u2060"


def md(value: object) -> str:
    """The value as literal text inside Streamlit markdown, on one line ("—" for None). It reads
    the same; only invisible word joiners are added (see _JOIN)."""
    if value is None:
        return "—"
    return _PUNCTUATION.sub(r"\\\1", _JOIN.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", str(value))))


_INERT = re.compile(r"[A-Za-z0-9]+(?:[_/][A-Za-z0-9]+)*")


def ident(value: object) -> str:
    """An identifier (a query's name, a $parameter, a type) as it is when markdown shows it as
    it is: ASCII letters and digits joined by single inner underscores or slashes (an underscore
    inside a word starts no emphasis); anything else through `md`."""
    text = str(value)
    return text if _INERT.fullmatch(text) else md(value)


def code(value: object) -> str:
    """The value as an inline code span: backslashes are literal there, so the span is fenced by
    more backticks than the longest run inside it (CommonMark §6.1)."""
    text = _LINE_BREAKS.sub(" ", str(value)) if value is not None else ""
    text = text or "—"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
