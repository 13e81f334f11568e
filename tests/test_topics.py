"""The topic lexicon (dashboard/core/text/topics.toml): the shipped file, the words it matches on,
and one clear message for each mistake an owner can make editing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.core.text import segment
from dashboard.core.text.topics import TopicFileError, read_topics, topics, word_topics

SHIPPED = ("product", "price", "stock", "parenting", "events", "chat", "after_sales", "expert_floral",
           "expert_baking", "expert_yoga", "expert_drawing")


def test_the_shipped_topics() -> None:
    items = topics()
    assert tuple(t.key for t in items) == SHIPPED
    assert {t.key: t.domain for t in items if t.domain} == {
        "parenting": "育儿", "expert_floral": "花艺", "expert_baking": "烘焙", "expert_yoga": "瑜伽",
        "expert_drawing": "绘画"}
    assert [t.zh for t in items][:3] == ["产品咨询", "价格/优惠/团购", "到货/库存"]
    assert all(len(t.words) >= 10 for t in items)


def test_every_topic_word_is_cut_whole() -> None:
    # topics match on the words ingest cut (table terms): a word jieba splits could never match
    split = {w: segment.cut(w) for t in topics() for w in t.words if segment.cut(w) != [w]}
    assert split == {}


def test_word_topics_has_a_row_per_word_and_topic() -> None:
    frame = word_topics()
    assert frame.height == sum(len(t.words) for t in topics())
    assert frame.filter(frame["term"] == "湿疹")["topic"].to_list() == ["parenting"]
    assert frame.filter(frame["term"] == "裱花")["topic"].to_list() == ["expert_baking"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = '[[topic]]\nkey = "a"\nzh = "甲"\nen = "A"\nwords = ["奶粉", "辅食"]\n'


def test_a_word_may_name_two_topics(tmp_path: Path) -> None:
    items = read_topics(_write(tmp_path, GOOD + GOOD.replace('"a"', '"b"').replace('"甲"', '"乙"')))
    assert word_topics(items).filter(word_topics(items)["term"] == "奶粉")["topic"].to_list() == ["a", "b"]


@pytest.mark.parametrize(("text", "message"), [
    ("[[topic]\n", "not valid TOML"),
    ("title = 1\n", "expected one or more [[topic]] tables"),
    (GOOD.replace('key = "a"', 'key = "A b"'), "key must be lower-case letters"),
    (GOOD.replace('zh = "甲"', 'zh = ""'), "topic 1 (a): zh must be the topic's name"),
    (GOOD.replace('words = ["奶粉", "辅食"]', "words = []"), "topic 1 (a): words must be a non-empty list"),
    (GOOD.replace('words = ["奶粉", "辅食"]', 'words = ["奶粉", " 奶粉"]'), "topic 1 (a): words listed twice: ['奶粉']"),
    (GOOD + 'colour = "red"\n', "topic 1 (a): unknown field(s) ['colour']"),
    (GOOD + "domain = 3\n", "topic 1 (a): domain must be an expert domain tag"),
    (GOOD + GOOD, "topic keys used twice: ['a']"),
])
def test_a_mistake_in_the_file_is_one_clear_message(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(TopicFileError) as caught:
        read_topics(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
