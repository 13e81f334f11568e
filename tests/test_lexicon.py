"""The owner's own words and stopwords (core/lexicon.py): adding or removing one re-cuts, at once,
exactly the stored text messages that contain it, recounts the rollups that read terms, reaches
later imports, and bad input changes nothing."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from conftest import db_digest, rows
from handmade import ingest_chat

from dashboard.core import db, lexicon, rollups
from dashboard.core.text import segment

TOPICS_TOML = Path(segment.HERE) / "topics.toml"

# A made-up shop item jieba cuts into 醒花 + 桶 (醒花 being a word of the floral topic), and a
# made-up shop name it cuts into 小雨点 + 花艺 + 坊.
WORD = "醒花桶"
SHOP = "小雨点花艺坊"

FLOWERS = [
    ("2025-03-03 10:00:00", "阿芳", "wxid_fang", "今天去小雨点花艺坊买了醒花桶"),
    ("2025-03-03 10:05:00", "阿美", "wxid_mei", "醒花桶多少钱", "quote"),
    ("2025-03-03 10:10:00", "阿芳", "wxid_fang", "醒花要多久"),
    ("2025-03-03 10:12:00", "阿芳", "wxid_fang", "醒花桶使用说明 https://x.cn/a", "link"),
    ("2025-03-04 09:00:00", "阿美", "wxid_mei", "宝宝湿疹怎么办"),
    ("2025-03-04 09:05:00", "阿芳", "wxid_fang", "宝宝今天好可爱"),
    ("2025-03-04 09:10:00", "阿美", "wxid_mei", "我家宝宝宝宝也是"),
    ("2025-03-05 20:00:00", "阿芳", "wxid_fang", "宝宝发烧了还有湿疹"),
    ("2025-03-05 20:01:00", "阿美", "wxid_mei", "湿疹好了吗"),
]
# text or quote messages containing WORD (the link mentioning it has no terms)
WORD_MESSAGES = 2


def _chat(db_path: Path, records: list[tuple] = FLOWERS, name: str = "花艺群", file: str = "a.csv",
          ids: str = "x") -> str:
    ingest_chat(db_path, db_path.parent, file, name, records, ids)
    return rows(db_path, "select chat_id from chats where name = $n", {"n": name})[0][0]


def _terms(db_path: Path) -> Counter:
    """Every terms row as (msg_id, chat_id, term), repeats kept."""
    return Counter(rows(db_path, "select msg_id, chat_id, term from terms"))


def _texts(db_path: Path) -> dict[str, str]:
    return dict(rows(db_path, "select msg_id, text from messages where kind in ('text', 'quote')"))


def _terms_of(db_path: Path, text: str) -> list[str]:
    """The stored terms of the one message with this text, sorted."""
    return sorted(t for (t,) in rows(
        db_path, "select term from terms join messages using (msg_id) where text = $t", {"t": text}))


def _term_rollups(db_path: Path) -> dict[str, list[tuple]]:
    return {name: sorted(rows(db_path, f"select * from {name}"), key=repr) for name in rollups.TERM_ROLLUPS}


def _data_version(db_path: Path) -> int:
    with db.reader(db_path) as con:
        return db.data_version(con)


def _add(db_path: Path, word: str, kind: str) -> int:
    with db.writer(db_path) as con:
        return lexicon.add(con, word, kind)


def _remove(db_path: Path, word: str) -> int:
    with db.writer(db_path) as con:
        return lexicon.remove(con, word)


def _parenting_words() -> set[str]:
    topics = tomllib.loads(TOPICS_TOML.read_text(encoding="utf-8"))["topic"]
    return set(next(t for t in topics if t["key"] == "parenting")["words"])


def test_the_made_up_words_are_not_cut_whole_by_default() -> None:
    """The premise of the tests below: jieba cuts WORD and SHOP into pieces without own words, and
    whole with them."""
    assert segment.cut(WORD) == ["醒花", "桶"]
    assert segment.cut(SHOP) == ["小雨点", "花艺", "坊"]
    own = segment.OwnWords(words=(WORD, SHOP))
    assert segment.terms("今天去小雨点花艺坊买了醒花桶", own) == ["今天", SHOP, WORD]


@pytest.mark.slow
def test_adding_a_word_recuts_exactly_the_messages_containing_it(tmp_path: Path) -> None:
    """add(word): the text/quote messages containing it get the whole word instead of its fragments
    (醒花; 桶 is one character and never a term), every other message keeps exactly its rows, and the
    return value counts the re-cut messages (a link mentioning it has no terms and is not counted)."""
    path = tmp_path / "db.duckdb"
    _chat(path)
    before = _terms(path)
    texts = _texts(path)
    containing = {m for m, t in texts.items() if WORD in t}
    assert len(containing) == WORD_MESSAGES
    assert {t for (m, _, t) in before if m in containing} >= {"醒花"}

    assert _add(path, WORD, "word") == WORD_MESSAGES

    after = _terms(path)
    assert _terms_of(path, "今天去小雨点花艺坊买了醒花桶") == sorted(["今天", "小雨点", "花艺", WORD])
    assert _terms_of(path, "醒花桶多少钱") == [WORD]
    assert all(t != "醒花" for (m, _, t) in after if m in containing)
    assert {k: n for k, n in after.items() if k[0] not in containing} == \
        {k: n for k, n in before.items() if k[0] not in containing}
    assert _terms_of(path, "醒花要多久") == ["多久", "醒花"]
    assert rows(path, "select word, kind from own_words") == [(WORD, "word")]
    with db.reader(path) as con:
        assert lexicon.own_words(con) == segment.OwnWords(words=(WORD,))


@pytest.mark.slow
def test_adding_a_second_word_keeps_the_first(tmp_path: Path) -> None:
    """A message re-cut for a second own word is cut with every own word, not only the new one."""
    path = tmp_path / "db.duckdb"
    _chat(path)
    assert _add(path, WORD, "word") == 2
    assert _add(path, SHOP, "word") == 1
    assert _terms_of(path, "今天去小雨点花艺坊买了醒花桶") == sorted(["今天", SHOP, WORD])
    assert _terms_of(path, "醒花桶多少钱") == [WORD]


@pytest.mark.slow
def test_removing_a_word_restores_the_original_cut(tmp_path: Path) -> None:
    """remove(word) after add(word): terms are exactly the rows of the first import again."""
    path = tmp_path / "db.duckdb"
    _chat(path)
    before = _terms(path)
    rolled = _term_rollups(path)
    _add(path, WORD, "word")
    assert _terms(path) != before
    assert _remove(path, WORD) == WORD_MESSAGES
    assert _terms(path) == before
    assert _term_rollups(path) == rolled
    assert rows(path, "select count(*) from own_words") == [(0,)]


@pytest.mark.slow
def test_a_stopword_drops_that_term_and_nothing_else(tmp_path: Path) -> None:
    """add('宝宝', stopword) deletes exactly the 宝宝 rows (twice in one message counts twice);
    remove('宝宝') brings back exactly the original rows."""
    path = tmp_path / "db.duckdb"
    _chat(path)
    before = _terms(path)
    babies = sum(n for (_, _, t), n in before.items() if t == "宝宝")
    assert babies == 5  # 4 messages, one saying it twice
    assert _add(path, "宝宝", "stopword") == 4

    after = _terms(path)
    assert sum(after.values()) == sum(before.values()) - babies
    assert after == Counter({k: n for k, n in before.items() if k[2] != "宝宝"})
    assert _remove(path, "宝宝") == 4
    assert _terms(path) == before


@pytest.mark.slow
def test_an_ascii_stopword_drops_its_lower_cased_term(tmp_path: Path) -> None:
    """ASCII terms are stored lower-cased; a stopword written in capitals still drops them."""
    path = tmp_path / "db.duckdb"
    _chat(path, [("2025-03-03 10:00:00", "阿芳", "wxid_fang", "Gymboree 的衣服"),
                 ("2025-03-03 10:01:00", "阿美", "wxid_mei", "gymboree好看")])
    assert sorted(t for (_, _, t) in _terms(path)) == ["gymboree", "gymboree", "好看", "衣服"]
    assert _add(path, "GYMBOREE", "stopword") == 2
    assert sorted(t for (_, _, t) in _terms(path)) == ["好看", "衣服"]


@pytest.mark.slow
def test_a_stopword_that_is_a_topic_word_leaves_the_topic(tmp_path: Path) -> None:
    """湿疹 (parenting) as a stopword: topic_days and member_topics for parenting fall to the messages
    naming another parenting word (发烧), counted independently from terms and topics.toml."""
    path = tmp_path / "db.duckdb"
    chat = _chat(path)
    parenting = _parenting_words()
    assert "湿疹" in parenting and "发烧" in parenting

    def independent() -> tuple[list[tuple], list[tuple]]:
        named = rows(path, "select distinct m.msg_id, cast(m.ts as date), m.member_id from terms t "
                           "join messages m using (msg_id) where t.term = any($w)", {"w": sorted(parenting)})
        days = Counter(d for _, d, _ in named)
        members = Counter(m for _, _, m in named)
        return (sorted((chat, d, "parenting", "customer", n) for d, n in days.items()),
                sorted((chat, m, "parenting", n) for m, n in members.items()))

    def stored() -> tuple[list[tuple], list[tuple]]:
        return (sorted(rows(path, "select * from topic_days where topic = 'parenting'")),
                sorted(rows(path, "select * from member_topics where topic = 'parenting'")))

    fang = rows(path, "select member_id from members where platform_key = 'wxid_fang'")[0][0]
    assert [r[1:] for r in stored()[0]] == [(dt.date(2025, 3, 4), "parenting", "customer", 1),
                                            (dt.date(2025, 3, 5), "parenting", "customer", 2)]
    assert stored() == independent()

    _add(path, "湿疹", "stopword")
    assert rows(path, "select count(*) from terms where term = '湿疹'") == [(0,)]
    assert stored() == independent()
    assert stored() == ([(chat, dt.date(2025, 3, 5), "parenting", "customer", 1)],
                        [(chat, fang, "parenting", 1)])


@pytest.mark.slow
def test_a_stopword_that_is_the_only_topic_word_empties_the_topic(tmp_path: Path) -> None:
    """A chat whose only parenting word is 湿疹: after the stopword no parenting row is left in
    topic_days or member_topics, while the other topics' rows stay as they were."""
    path = tmp_path / "db.duckdb"
    _chat(path, [r for r in FLOWERS if "发烧" not in r[3]])
    others = {name: rows(path, f"select * from {name} where topic <> 'parenting' order by all")
              for name in ("topic_days", "member_topics")}
    assert rows(path, "select count(*) from topic_days where topic = 'parenting'") == [(2,)]
    assert rows(path, "select count(*) from member_topics where topic = 'parenting'") == [(1,)]
    _add(path, "湿疹", "stopword")
    assert rows(path, "select count(*) from topic_days where topic = 'parenting'") == [(0,)]
    assert rows(path, "select count(*) from member_topics where topic = 'parenting'") == [(0,)]
    for name, before in others.items():
        assert rows(path, f"select * from {name} where topic <> 'parenting' order by all") == before


@pytest.mark.slow
def test_a_word_taking_a_topic_fragment_recounts_that_topic(tmp_path: Path) -> None:
    """醒花 is a floral topic word: once 醒花桶 is cut whole, 醒花桶多少钱 no longer names the floral
    topic, while 今天去小雨点花艺坊买了醒花桶 still does (花艺)."""
    path = tmp_path / "db.duckdb"
    _chat(path)
    floral = "select sum(messages) from topic_days where topic = 'expert_floral'"
    assert rows(path, floral) == [(3,)]
    _add(path, WORD, "word")
    assert rows(path, floral) == [(2,)]


@pytest.mark.slow
def test_recut_at_once_equals_cut_at_import(tmp_path: Path) -> None:
    """A word added after the import gives the same terms and term rollups as the same word added
    before importing the same file into an empty database."""
    late = tmp_path / "late" / "db.duckdb"
    early = tmp_path / "early" / "db.duckdb"
    late.parent.mkdir()
    early.parent.mkdir()
    _chat(late)
    _add(late, WORD, "word")
    _add(late, "宝宝", "stopword")

    db.ensure_database(early)
    assert _add(early, WORD, "word") == 0
    assert _add(early, "宝宝", "stopword") == 0
    _chat(early)

    assert _terms(early) == _terms(late)
    assert _term_rollups(early) == _term_rollups(late)


@pytest.mark.slow
def test_the_next_import_uses_the_own_words(tmp_path: Path) -> None:
    """After add(word) and add(stopword), a second chat imported later is cut with them: the whole
    word, no fragment, no stopword; the first chat is not touched by that import."""
    path = tmp_path / "db.duckdb"
    first = _chat(path)
    _add(path, WORD, "word")
    _add(path, "宝宝", "stopword")
    first_terms = {k: n for k, n in _terms(path).items() if k[1] == first}
    second = _chat(path, [
        ("2025-04-01 10:00:00", "小王", "wxid_wang", "醒花桶到货了吗"),
        ("2025-04-01 10:02:00", "小李", "wxid_li", "宝宝喜欢醒花桶"),
    ], name="第二群", file="b.csv", ids="y")
    assert second != first
    assert _terms_of(path, "醒花桶到货了吗") == sorted([WORD, "到货"])
    assert _terms_of(path, "宝宝喜欢醒花桶") == sorted(["喜欢", WORD])
    assert {k: n for k, n in _terms(path).items() if k[1] == first} == first_terms


@pytest.mark.slow
def test_a_word_in_two_chats_recuts_both_and_spares_the_rest(tmp_path: Path) -> None:
    """Two chats written with the same raw message ids: adding the word re-cuts the containing
    messages of both chats and leaves every other message of either chat exactly as it was."""
    path = tmp_path / "db.duckdb"
    a = _chat(path)
    b = _chat(path, [
        ("2025-03-03 11:00:00", "小王", "wxid_wang", "周末带宝宝去"),  # same raw id as a's first (containing) message
        ("2025-03-03 11:01:00", "小李", "wxid_li", "醒花桶好用吗"),
        ("2025-03-03 11:02:00", "小王", "wxid_wang", "醒花要多久"),
    ], name="第二群", file="b.csv")
    before = _terms(path)
    texts = _texts(path)
    containing = {m for m, t in texts.items() if WORD in t}
    assert _add(path, WORD, "word") == 3
    after = _terms(path)
    assert {c for (m, c, _) in after if m in containing} == {a, b}
    assert {k: n for k, n in after.items() if k[0] not in containing} == \
        {k: n for k, n in before.items() if k[0] not in containing}
    assert _terms_of(path, "醒花桶好用吗") == sorted([WORD, "好用"])


@pytest.mark.parametrize(("word", "kind"), [
    (" ", "word"),
    ("", "stopword"),
    ("醒花 桶", "word"),
    ("醒\t花", "stopword"),
    ("桶", "word"),
    (" 桶 ", "word"),
    ("@醒花桶", "word"),
    ("[醒花桶]", "word"),
    ("【醒花】", "stopword"),
    ("醒" * 21, "word"),
    (WORD, "foo"),
    (WORD, "Word"),
])
@pytest.mark.slow
def test_bad_input_changes_nothing(tmp_path: Path, word: str, kind: str) -> None:
    """A word that is blank, holds a space, @ or brackets, is under 2 or over 20 characters, or an
    unknown kind: WordError (a ValueError), and the database file's bytes are unchanged."""
    path = tmp_path / "db.duckdb"
    _chat(path)
    digest = db_digest(path)
    with db.writer(path) as con, pytest.raises(lexicon.WordError):
        lexicon.add(con, word, kind)
    assert issubclass(lexicon.WordError, ValueError)
    assert db_digest(path) == digest


@pytest.mark.slow
def test_word_is_stripped_and_a_kind_can_change(tmp_path: Path) -> None:
    """Surrounding spaces are dropped before storing; adding the same word again with the other kind
    replaces its row (one row per word)."""
    path = tmp_path / "db.duckdb"
    _chat(path)
    assert _add(path, f"  {WORD}\n", "word") == WORD_MESSAGES
    assert rows(path, "select word, kind from own_words") == [(WORD, "word")]
    assert _add(path, WORD, "stopword") == WORD_MESSAGES
    assert rows(path, "select word, kind from own_words") == [(WORD, "stopword")]
    with db.reader(path) as con:
        assert lexicon.own_words(con) == segment.OwnWords(stopwords=(WORD,))


@pytest.mark.slow
def test_data_version_increases_on_add_and_remove(tmp_path: Path) -> None:
    """Each add and remove bumps meta data_version by one (pages re-read), even when no stored
    message contains the word."""
    path = tmp_path / "db.duckdb"
    _chat(path)
    v0 = _data_version(path)
    assert v0 > 0
    _add(path, WORD, "word")
    assert _data_version(path) == v0 + 1
    assert _add(path, "没人说过", "stopword") == 0
    assert _data_version(path) == v0 + 2
    _remove(path, WORD)
    assert _data_version(path) == v0 + 3
    assert rows(path, "select value from meta where key = 'data_version'") == [(str(v0 + 3),)]


@pytest.mark.slow
def test_a_stopword_mixing_capitals_and_chinese_drops_its_term(tmp_path: Path) -> None:
    """NB码 (a shop-lexicon word) is stored as NB码; added as a stopword, spelt exactly so, it
    leaves the terms (terms and stopwords are compared lower-cased)."""
    path = tmp_path / "db.duckdb"
    _chat(path, [("2025-03-03 10:00:00", "阿芳", "wxid_fang", "NB码还有吗")])
    assert sorted(t for (_, _, t) in _terms(path)) == ["NB码"]
    assert _add(path, "NB码", "stopword") == 1
    assert sorted(t for (_, _, t) in _terms(path)) == []
