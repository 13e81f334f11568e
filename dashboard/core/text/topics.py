"""The topic lexicon (topics.toml beside this file): topics, their names and the words that name them.

The file is the owner's to edit, so a mistake in it gets one message naming the file, the topic and
what was expected, never a traceback from deep inside a page.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

TOPICS = Path(__file__).resolve().parent / "topics.toml"
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class TopicFileError(ValueError):
    pass


@dataclass(frozen=True)
class Topic:
    key: str
    zh: str
    en: str
    words: tuple[str, ...]
    domain: str | None = None  # the expert domain tag (members.csv) this topic's words belong to


def _topic(raw: object, where: str) -> Topic:
    if not isinstance(raw, dict):
        raise TopicFileError(f"{where}: expected a [[topic]] table")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise TopicFileError(f"{where}: key must be lower-case letters, digits and _, got {key!r}")
    where = f"{where} ({key})"
    unknown = set(raw) - {"key", "zh", "en", "words", "domain"}
    if unknown:
        raise TopicFileError(f"{where}: unknown field(s) {sorted(unknown)}; expected key, zh, en, words, domain")
    for name in ("zh", "en"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise TopicFileError(f"{where}: {name} must be the topic's name, got {raw.get(name)!r}")
    words = raw.get("words")
    if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
        raise TopicFileError(f"{where}: words must be a non-empty list of words")
    cleaned = [w.strip() for w in words]
    repeated = sorted({w for w in cleaned if cleaned.count(w) > 1})
    if repeated:
        raise TopicFileError(f"{where}: words listed twice: {repeated}")
    domain = raw.get("domain")
    if domain is not None and (not isinstance(domain, str) or not domain.strip()):
        raise TopicFileError(f"{where}: domain must be an expert domain tag such as 花艺, got {domain!r}")
    return Topic(key, raw["zh"].strip(), raw["en"].strip(), tuple(cleaned), domain.strip() if domain else None)


def read_topics(path: Path = TOPICS) -> tuple[Topic, ...]:
    """Every topic of a topic file, in file order; TopicFileError says what is wrong and where."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise TopicFileError(f"{path}: cannot read the topic file ({e})") from e
    except tomllib.TOMLDecodeError as e:
        raise TopicFileError(f"{path}: not valid TOML ({e})") from e
    raw = data.get("topic")
    if not isinstance(raw, list) or not raw:
        raise TopicFileError(f"{path}: expected one or more [[topic]] tables")
    topics = tuple(_topic(t, f"{path}, topic {i}") for i, t in enumerate(raw, 1))
    keys = [t.key for t in topics]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise TopicFileError(f"{path}: topic keys used twice: {repeated}")
    return topics


@cache
def topics() -> tuple[Topic, ...]:
    """The shop's topics (topics.toml)."""
    return read_topics()


def word_topics(items: tuple[Topic, ...] | None = None) -> pl.DataFrame:
    """(term, topic, domain) for every word of every topic, as table topic_words holds them: join it
    to table terms to label messages."""
    items = topics() if items is None else items
    return pl.DataFrame([(w, t.key, t.domain) for t in items for w in t.words],
                        schema={"term": pl.String, "topic": pl.String, "domain": pl.String}, orient="row")
