"""WhatsApp system lines, deleted stubs and media placeholders outside English (docs/formats.md §4.3):
one grammar table (dashboard/core/ingest/whatsapp_grammar.toml) read for every language.

Every fixture in fixtures/whatsapp/languages/ holds the same group history in one language, as the
Android and as the iOS export writes it; each must give the rows the English one gives."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import polars as pl
import pytest
from conftest import TESTS, rows

from dashboard.core.ingest import detect, whatsapp, whatsapp_texts
from dashboard.core.ingest.model import Options
from dashboard.core.ingest.pipeline import ingest_file
from dashboard.core.ingest.system_events import SELF
from dashboard.core.ingest.whatsapp_texts import GrammarError, compile_template, load_grammar

LANG_DIR = TESTS / "fixtures" / "whatsapp" / "languages"
LANGUAGES = ["en", "de", "fr", "es", "pt", "it", "ru", "id", "ja", "zh-CN", "zh-TW"]
FIXTURES = [LANG_DIR / f"{layout}_{lang}.txt" for lang in LANGUAGES for layout in ("android", "ios")]


def _events(db: Path) -> list[tuple]:
    """(kind, method, member key, actor key, raw name) in time order."""
    return rows(db, """
        select e.kind, e.method, s.platform_key, a.platform_key, e.raw_name from membership_events e
        left join members s on s.member_id = e.member_id left join members a on a.member_id = e.actor_member_id
        order by e.ts, e.event_id""")


def _kinds(db: Path) -> list[tuple]:
    """(source line, kind, sender key) in file order."""
    return rows(db, """select m.source_line, m.kind, s.platform_key from messages m
                       left join members s using (member_id) order by m.source_line""")


def _expected_events(n: str) -> list[tuple]:
    """The group history every fixture states, as the English export already read it."""
    return [
        ("create", "creator", n + "Amy", n + "Amy", "Club"),
        ("join", "invite", n + "Ben", n + "Amy", "Ben"),
        ("join", "invite", n + "Cleo", n + "Amy", "Cleo"),
        ("join", "invite", n + "Dan", n + "Amy", "Dan"),  # "Cleo and Dan", in the language's words
        ("join", "invite", "self", n + "Amy", None),  # "Amy added you"
        ("join", "link", n + "Eve", None, "Eve"),
        ("rename", None, n + "Ben", n + "Ben", "Club: 2"),  # the new name holds ": "
        ("icon", None, n + "Cleo", n + "Cleo", None),
        ("icon", None, n + "Cleo", n + "Cleo", None),  # deleted the icon
        ("leave", None, n + "Dan", n + "Dan", "Dan"),
        ("remove", None, n + "Eve", n + "Amy", "Eve"),
        ("join", "invite", n + "Finn", "self", "Finn"),  # "You added Finn"
    ]


def _expected_kinds(n: str, ios: bool) -> list[tuple]:
    head = [(1, "system", None)] + [(line, "system", None) for line in range(2, 7)]
    head += [(7, "text", n + "Ben")] + [(line, "system", None) for line in range(8, 14)]
    head += [(14, "recall", n + "Cleo"), (15, "recall", n + "Amy")]  # the deleted stubs, by their authors
    if not ios:
        return [*head, (16, "other", n + "Ben")]  # <Media omitted>
    media = ["image", "video", "voice", "sticker", "file", "image"]  # image … GIF omitted
    return head + [(16 + i, kind, n + "Ben") for i, kind in enumerate(media)]


def test_every_language_has_an_android_and_an_ios_fixture() -> None:
    assert sorted(LANG_DIR.glob("*.txt")) == sorted(FIXTURES)
    # Dutch has only its Android placeholder in the table, no notices yet
    assert list(whatsapp_texts.GRAMMAR_TABLE.languages) == [*LANGUAGES, "nl"]


@pytest.mark.slow
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_each_language_gives_the_english_rows(tmp_path: Path, path: Path) -> None:
    db = tmp_path / "w.duckdb"
    r = ingest_file(path, db)
    ios = path.stem.startswith("ios_")
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("whatsapp_txt", 21 if ios else 16, 21 if ios else 16, 0)
    n = f"name:{path.stem}:"
    assert _events(db) == _expected_events(n)
    assert _kinds(db) == _expected_kinds(n, ios)
    assert rows(db, "select name, kind from chats") == [(path.stem, "group")]
    # the encryption banner is a notice without an event; the media placeholders keep no text
    assert rows(db, "select raw_type from messages where source_line = 1") == [("encryption",)]
    assert rows(db, "select count(*) from messages where source_line >= 16 and text is not null") == [(0,)]


def _parsed(path: Path) -> list[tuple]:
    """(kind, event json without the names' keys) of every row of a parse, without the database."""
    parsed = whatsapp.FORMATS[0].parse(detect.probe(path), Options(tz="UTC"))
    df = pl.concat(list(parsed.batches)).sort("line")
    out = []
    for kind, ev in df.select("kind", "event_json").iter_rows():
        e = json.loads(ev) if ev else None
        if e:
            e = (e["kind"], e["method"], e["title"], e["actor"] and e["actor"][1],
                 [s[1] for s in e["subjects"]])
        out.append((kind, e))
    return out


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_the_parse_of_each_language_equals_the_english_parse(lang: str) -> None:
    """The same check as above without DuckDB (fast tier): event by event, name by name."""
    for layout in ("android", "ios"):
        assert _parsed(LANG_DIR / f"{layout}_{lang}.txt") == _parsed(LANG_DIR / f"{layout}_en.txt"), layout


def test_the_english_parse_states_the_events_with_their_names() -> None:
    got = [e for _, e in _parsed(LANG_DIR / "android_en.txt") if e]
    assert got == [
        ("create", None, "Club", "Amy", []),
        ("join", "invite", None, "Amy", ["Ben"]),
        ("join", "invite", None, "Amy", ["Cleo", "Dan"]),
        ("join", "invite", None, "Amy", [SELF]),
        ("join", "link", None, None, ["Eve"]),
        ("rename", None, "Club: 2", "Ben", []),
        ("icon", None, None, "Cleo", []),
        ("icon", None, None, "Cleo", []),
        ("leave", None, None, "Dan", ["Dan"]),
        ("remove", None, None, "Amy", ["Eve"]),
        ("join", "invite", None, SELF, ["Finn"]),
        ("recall", None, None, "Cleo", []),
        ("recall", None, None, "Amy", []),
    ]


@pytest.mark.slow
def test_member_messages_that_read_like_system_lines_stay_messages(tmp_path: Path) -> None:
    """A member who types a notice's words, or whose name holds them, writes a message: only an
    author-less line (Android) or an LRM-led body (iOS) is read as a notice."""
    p = tmp_path / "chat.txt"
    p.write_text(
        "14.03.22, 09:00 - Ben: Anna hat die Gruppe „Familie“ erstellt\n"
        "14.03.22, 09:01 - Anna hat die Gruppe verlassen: Hallo\n"  # a member called that
        "14.03.22, 09:02 - Ben: Anna hat Mia hinzugefügt.\n"
        "14.03.22, 09:03 - Ben: Diese Nachricht wurde gelöscht, sagt Mia\n"
        "14.03.22, 09:04 - Ben: Bild weggelassen, sorry\n"
        "14.03.22, 09:05 - Du: Hallo\n"  # "Du" as a name is a person, not the exporter
        "14.03.22, 09:06 - Amy: Dan salió del grupo\n"
        "14.03.22, 09:07 - Amy: 张三 添加了 李四\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    ingest_file(p, db, tz="UTC")
    assert rows(db, """select m.source_line, m.kind, m.text, s.platform_key from messages m
                       left join members s using (member_id) order by 1""") == [
        (1, "text", "Anna hat die Gruppe „Familie“ erstellt", "name:chat:Ben"),
        (2, "text", "Hallo", "name:chat:Anna hat die Gruppe verlassen"),
        (3, "text", "Anna hat Mia hinzugefügt.", "name:chat:Ben"),
        (4, "text", "Diese Nachricht wurde gelöscht, sagt Mia", "name:chat:Ben"),
        (5, "text", "Bild weggelassen, sorry", "name:chat:Ben"),
        (6, "text", "Hallo", "name:chat:Du"),
        (7, "text", "Dan salió del grupo", "name:chat:Amy"),
        (8, "text", "张三 添加了 李四", "name:chat:Amy"),
    ]
    assert _events(db) == []


@pytest.mark.parametrize(("author", "body", "kind"), [
    ("Ben", "IMG-20220314-WA0001.jpg (Datei angehängt)", "image"),
    ("Ben", "PTT-20220314-WA0002.opus (arquivo anexado)", "voice"),
    ("Ben", "VID-20220314-WA0003.mp4 (文件附件)", "video"),
    ("Ben", "menu.pdf (file terlampir)", "file"),
    ("Ben", "\u200e<Anhang: 00000012-PHOTO-2022-03-14-09-00-00.jpg>", "image"),
])
def test_localised_attachment_markers(author: str, body: str, kind: str) -> None:
    row = whatsapp_texts._vector_like(author, body)
    assert (row.kind, row.raw_type) == (kind, "attached")


@pytest.mark.parametrize(("template", "line", "groups"), [
    # any quotation mark for any other, French spaces inside « » optional, the final stop optional
    ("{a} hat die Gruppe „{t}“ erstellt", 'Amy hat die Gruppe "Club" erstellt.', {"a": "Amy", "t": "Club"}),
    ("{a} a créé le groupe « {t} »", "Amy a créé le groupe «\u00a0Club\u00a0»", {"a": "Amy", "t": "Club"}),
    ("{a} a créé le groupe « {t} »", 'Amy a créé le groupe "Club"', {"a": "Amy", "t": "Club"}),
    ("{a}创建了群组“{t}”", "Amy创建了群组「Club」。", {"a": "Amy", "t": "Club"}),
    ("{a} changed this group's icon", "Amy changed this group’s icon", {"a": "Amy"}),
    ("{a} turned on disappearing messages{*}", "Amy turned on disappearing messages. Tap.", {"a": "Amy"}),
])
def test_templates_match_the_variants_of_a_wording(template: str, line: str, groups: dict) -> None:
    m = compile_template(template).pattern.match(line)
    assert m is not None
    assert {k: v.strip() for k, v in m.groupdict().items() if v is not None} == groups


def test_templates_match_whole_lines_only() -> None:
    t = compile_template("{s} left")
    assert t.pattern.match("Dan left") and not t.pattern.match("Dan left early")
    assert not compile_template("{a} added {s}").pattern.match("Amy added")


def test_self_markers_and_name_lists_per_language() -> None:
    """`{a=Du}` and the words in `you` stand for the exporter; `and` splits the lists."""
    def event(line: str) -> dict:
        row, group = whatsapp_texts.classify(None, line, False)
        assert group
        return json.loads(row.event)

    e = event("Du hast Finn hinzugefügt.")
    assert (e["actor"], e["subjects"]) == ([None, SELF], [[None, "Finn"]])
    e = event("Amy hat dich hinzugefügt.")
    assert (e["actor"], e["subjects"]) == ([None, "Amy"], [[None, SELF]])
    e = event("Amy añadió a Cleo, a Dan y a +34 612 34 56 78")
    assert e["subjects"] == [[None, "Cleo"], [None, "Dan"], ["+34612345678", "+34 612 34 56 78"]]
    e = event("Amy menambahkan Cleo dan Dan")
    assert e["subjects"] == [[None, "Cleo"], [None, "Dan"]]
    e = event("Amy 添加了 张三、李四")
    assert e["subjects"] == [[None, "张三"], [None, "李四"]]


def test_the_deleted_stubs_and_placeholders_reach_the_slow_path() -> None:
    """Each stub and placeholder holds an ODD mark, so the vectorised parse hands it over."""
    for text in (*whatsapp_texts.DELETED, *whatsapp_texts.PLACEHOLDERS, *whatsapp_texts.FILE_ATTACHED):
        assert any(m in text for m in whatsapp_texts.ODD_MARKS), text


def test_every_language_states_every_event() -> None:
    """Each language of the table has the wordings the task asks for: create, add, join by link,
    leave, remove, rename, icon; a deleted stub; Android's one placeholder and iOS's per kind."""
    g = whatsapp_texts.GRAMMAR_TABLE
    for lang in LANGUAGES:
        kinds = {(r.kind, r.method) for r in g.rules if r.language == lang}
        assert {("create", None), ("join", "invite"), ("join", "link"), ("leave", None), ("remove", None),
                ("rename", None), ("icon", None)} <= kinds, lang
    data = tomllib.loads(whatsapp_texts.GRAMMAR.read_text(encoding="utf-8"))
    for lang in LANGUAGES:
        assert data[lang]["deleted"], lang
        media = data[lang]["media"]
        assert {"image", "video", "voice", "sticker", "file"} <= set(media.values()), lang
        assert any(k.startswith("<") and v == "other" for k, v in media.items()), lang


@pytest.mark.parametrize(("toml", "message"), [
    ('[xx]\ncreate = ["{a} made {q}"]', "[xx] create: 模板 “{a} made {q}” 有无法识别的占位符"),
    ('[xx]\nleave = ["{*} left"]', "[xx] leave: 模板 “{*} left” 的 {*} 只能放在最后"),
    ('[xx]\nadd = ["{a} added {s} and {s}"]', "[xx] add: 模板 “{a} added {s} and {s}” 里 {s} 出现了两次"),
    ('[xx]\ncreate = "{a} made it"', "[xx] create: 应为非空字符串的列表"),
    ('[xx]\nfoo = ["x"]', "[xx]: 未知的键 ['foo']"),
    ('[xx.media]\n"pic omitted" = "picture"', "[xx].media: “pic omitted” = “picture”, 应为"),
    ('[xx.media]\n"<x>" = "image"\n[yy.media]\n"<x>" = "video"', "[yy].media: “<x>” 已在别处代表 image"),
    ("[xx", "不是有效的 TOML"),
])
def test_a_broken_table_names_the_file_the_language_and_the_problem(toml: str, message: str) -> None:
    with pytest.raises(GrammarError) as e:
        load_grammar(toml, "g.toml")
    assert str(e.value).startswith("g.toml") and message in str(e.value)
