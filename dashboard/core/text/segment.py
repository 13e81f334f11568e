"""Words of a message: clean, cut with the shop lexicon, drop stopwords.

rjieba (the Rust port of jieba) gives jieba's cuts much faster. The shop lexicon in this folder and
the owner's own words (table own_words) are added to a tokenizer built once per set of own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
import rjieba

HERE = Path(__file__).resolve().parent
SHOP_WORDS = HERE / "shop_words.txt"
STOPWORDS = HERE / "stopwords.txt"
EMOJI = HERE / "wechat_emoji.txt"

# Rust-regex patterns (Polars): URLs, @mentions, `[捂脸]` emoji codes and `[图片]` placeholders are
# not words; a term needs a word character and must not be only digits and separators.
_URL_RS = r"(?i)(?:https?://|www\.)\S+"
_MENTION_RS = r"@[^\s\x{2005}\x{2006}@]{1,40}[\x{2005}\x{2006} ]?"
_BRACKETED_RS = r"\[[^\[\]\s]{1,8}\]|【[^【】]{1,8}】"
_KEEP_RS = r"[\w\x{4e00}-\x{9fff}]"
_NUMERIC_RS = r"^[\d.,%:：/\-]+$"


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]


@dataclass(frozen=True)
class OwnWords:
    """The owner's additions to the shop lexicon: words to cut whole, words never to count."""
    words: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()


NO_OWN_WORDS = OwnWords()


@cache
def stopwords() -> frozenset[str]:
    return frozenset(_lines(STOPWORDS))


@cache
def _tokenizer(own_words: tuple[str, ...]) -> rjieba.Jieba:
    jieba = rjieba.Jieba()
    for line in _lines(SHOP_WORDS):
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        jieba.add_word(parts[0], freq, parts[2] if len(parts) > 2 else None)
    for word in own_words:
        jieba.add_word(word, None, None)
    return jieba


def cut(text: str, own: OwnWords = NO_OWN_WORDS) -> list[str]:
    return _tokenizer(own.words).cut(text)


def terms(text: str, own: OwnWords = NO_OWN_WORDS) -> list[str]:
    """The words worth counting in `text`, in order, repeats kept."""
    return terms_of(pl.Series([text], dtype=pl.String), own).get_column("term").to_list()


def terms_of(texts: pl.Series, own: OwnWords = NO_OWN_WORDS) -> pl.DataFrame:
    """Every text's words worth counting: (row, term), `row` being the text's position, in order,
    repeats kept. Cleaning and filtering run column-wise, and the texts are cut in one call, one per
    line: jieba never joins across a newline, so each text is cut exactly as on its own."""
    cleaned = (texts.fill_null("").str.replace_all(_URL_RS, " ").str.replace_all(_MENTION_RS, " ")
               .str.replace_all(_BRACKETED_RS, " ").str.replace_all(r"[\r\n]", " "))
    # own stopwords are cut whole as well, or a stopword jieba splits would never match a term
    tokens = pl.Series("term", _tokenizer(own.words + own.stopwords).cut("\n".join(cleaned.to_list())),
                       dtype=pl.String)
    stop = {w.lower() for w in stopwords() | set(own.stopwords)}
    term = pl.col("term")
    return (
        pl.DataFrame(tokens)
        .with_columns(row=(term == "\n").cum_sum().cast(pl.UInt32))
        .with_columns(term.str.strip_chars())
        # single characters are particles and fragments far more often than topics; this cheap test
        # goes first, on its own, so the regexes run on the few tokens left
        .filter(term.str.len_chars() > 1)
        .filter(term.str.contains(_KEEP_RS), ~term.str.contains(_NUMERIC_RS))
        .select("row", pl.when(term.str.contains(r"^[\x00-\x7f]+$")).then(term.str.to_lowercase()).otherwise(term)
                .alias("term"))
        # compared lower-cased, so a stopword written "NB码" also drops "nb码" and the other way round
        .filter(~term.str.to_lowercase().is_in(pl.lit(pl.Series(sorted(stop), dtype=pl.String)).implode()))
    )
