"""DiscordChatExporter JSON and CSV (docs/formats.md §6): each hand-written fixture gives exactly the
chats, senders, kinds, instants, events, reply links, reactions, edits and roles it was written to hold.

Fixtures, one per shape or quirk:
- `Qunxi Lab - Text Channels - general [id].json`: a guild channel with every message type, local
  offsets (+08:00, -05:00) and 7-digit fractions, an edit, reactions with and without users,
  attachments-only messages, a sticker, an embed-only link, a bot, an unknown (numeric) type;
- `Direct Messages - Group - weekend plans [id].json`: a group DM: added / left / removed, a call;
- `Direct Messages - Private - bob [id].json`: a 1:1 DM with a reply;
- `Qunxi Lab - Text Channels - random [id] [part 2].csv`: ISO dates with offsets, reactions,
  attachments-only rows, system fallback texts, a multi-line body, a bad date;
- `old-dm-export.csv`: an older export: `01-Mar-24 01:33 PM` local dates, `name#1234` authors, group
  DM fallback texts, and a file name that is not DCE's default.
There are no real Discord samples among the shared conformance exports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import TESTS, conformance_files, db_digest, examples, rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.ingest import detect, discord
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import Options
from dashboard.core.ingest.pipeline import ingest_file

DISCORD = TESTS / "fixtures" / "discord"
GUILD = DISCORD / "Qunxi Lab - Text Channels - general [900000000000000111].json"
GROUP_DM = DISCORD / "Direct Messages - Group - weekend plans [900000000000000222].json"
PRIVATE_DM = DISCORD / "Direct Messages - Private - bob [900000000000000333].json"
CSV_ISO = DISCORD / "Qunxi Lab - Text Channels - random [900000000000000444] [part 2].csv"
CSV_OLD = DISCORD / "old-dm-export.csv"
FIXTURES = [GUILD, GROUP_DM, PRIVATE_DM, CSV_ISO, CSV_OLD]
UTC = dt.UTC
ALICE, BOB, CAROL, DAVE, BOT = (f"10000000000000000{i}" for i in (1, 2, 3, 4, 9))


def _utc(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=UTC)


def _ingest(tmp_path: Path, path: Path, **kw) -> tuple[Path, object]:
    db = tmp_path / "d.duckdb"
    return db, ingest_file(path, db, **kw)


def _timeline(db: Path) -> list[tuple]:
    return rows(db, """
        select m.platform_msg_id, m.ts, m.kind, m.text, s.platform_key, m.sender_name
        from messages m left join members s using (member_id) order by m.ts, m.source_line""")


def _events(db: Path) -> list[tuple]:
    return rows(db, """
        select e.kind, s.platform_key, a.platform_key, e.method, e.raw_name from membership_events e
        left join members s on s.member_id = e.member_id left join members a on a.member_id = e.actor_member_id
        order by e.ts, e.event_id""")


def _reactions(db: Path) -> list[tuple]:
    return rows(db, """
        select m.platform_msg_id, m.text, r.emoji, r.n,
            (select list(x.platform_key order by x.platform_key) from members x
             where list_contains(r.member_ids, x.member_id)) as who
        from reactions r join messages m using (msg_id) order by m.ts, r.emoji""")



# ---------------------------------------------------------------------------------------------
# detection


@pytest.mark.parametrize(("path", "name"), [(GUILD, "discord_json"), (GROUP_DM, "discord_json"),
                                            (PRIVATE_DM, "discord_json"), (CSV_ISO, "discord_csv"),
                                            (CSV_OLD, "discord_csv")], ids=lambda v: getattr(v, "name", v))
def test_each_fixture_is_detected_as_its_format(path: Path, name: str) -> None:
    assert detect.detect(detect.probe(path)).name == name


def _other_exports() -> list[Path]:
    files = [f for f in sorted((TESTS / "fixtures").rglob("*")) if f.is_file() and "discord" not in f.parts]
    return files + conformance_files()


@pytest.mark.parametrize("path", _other_exports(), ids=lambda p: p.name)
def test_no_other_export_is_taken_for_discord(path: Path) -> None:
    try:
        p = detect.probe(path)
    except IngestError:
        return
    assert not any(f.matches(p) for f in discord.FORMATS)


# ---------------------------------------------------------------------------------------------
# JSON


@pytest.mark.slow
def test_guild_channel_json(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, GUILD)
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("discord_json", 15, 15, 0)
    assert rows(db, "select platform_key, name, kind from chats") == [
        ("900000000000000111", "Qunxi Lab / general", "group")]
    assert rows(db, "select source_tz from imports") == [(None,)]
    i = (f"2000000000000000{n:02d}" for n in range(1, 16))
    assert _timeline(db) == [
        (next(i), _utc(2024, 3, 1, 1, 0, 0, 123000), "system", "Joined the server.", None, "Carol"),
        (next(i), _utc(2024, 3, 1, 1, 5), "text", "Hello everyone! Welcome @Carol", ALICE, "Alice W"),  # nickname
        (next(i), _utc(2024, 3, 1, 1, 7, 0, 489000), "quote", "Thanks Alice!", BOB, "bob"),
        (next(i), _utc(2024, 3, 1, 1, 8), "image", None, ALICE, "Alice W"),  # photo.PNG, no content
        (next(i), _utc(2024, 3, 1, 1, 9), "video", None, BOB, "bob"),
        (next(i), _utc(2024, 3, 1, 1, 10), "file", "notes.pdf", CAROL, "Carol"),
        (next(i), _utc(2024, 3, 1, 1, 11), "sticker", "Wave", BOB, "bob"),
        (next(i), _utc(2024, 3, 1, 1, 12), "system", "Changed the channel name: lounge", None, "Alice W"),
        (next(i), _utc(2024, 3, 1, 1, 13), "system", "Pinned a message.", None, "Alice W"),
        (next(i), _utc(2024, 3, 1, 1, 14), "system", "Started a thread.", None, "bob"),
        (next(i), _utc(2024, 3, 1, 1, 15), "text", "Daily report ready", BOT, "QunxiBot"),
        (next(i), _utc(2024, 3, 1, 1, 16), "system", "pong", None, "QunxiBot"),  # type "20": unknown → system
        (next(i), _utc(2024, 3, 1, 1, 30), "quote", "nice", ALICE, "Alice W"),  # -05:00 offset
        (next(i), _utc(2024, 3, 1, 1, 31), "system", "Changed the channel icon.", None, "Alice W"),
        (next(i), _utc(2024, 3, 1, 1, 32), "link", "Qunxi docs", CAROL, "Carol"),  # embed only
    ]
    assert _events(db) == [
        ("join", CAROL, None, "unknown", "Carol"),
        ("rename", ALICE, ALICE, None, "lounge"),
        ("pin", ALICE, ALICE, None, "200000000000000002"),
        ("other", BOB, BOB, None, None),
        ("icon", ALICE, ALICE, None, None),
    ]
    assert rows(db, """select q.platform_msg_id, t.platform_msg_id, t.text from messages q
                       join messages t on t.msg_id = q.reply_to_msg_id order by q.ts""") == [
        ("200000000000000003", "200000000000000002", "Hello everyone! Welcome @Carol"),
        ("200000000000000013", "200000000000000011", "Daily report ready")]
    assert _reactions(db) == [("200000000000000002", "Hello everyone! Welcome @Carol", "pepe", 1, None),
                              ("200000000000000002", "Hello everyone! Welcome @Carol", "👍", 2, [BOB, CAROL])]
    assert rows(db, "select platform_msg_id, edited_at from messages where edited_at is not null") == [
        ("200000000000000002", _utc(2024, 3, 1, 1, 6, 30, 500000))]
    assert rows(db, "select m.platform_key, r.role from roles r join members m using (member_id)") == [(BOT, "bot")]
    # @Carol in the text points at Carol
    assert rows(db, """select t.platform_key from messages m, unnest(m.mentions) u(x)
                       join members t on t.member_id = u.x""") == [(CAROL,)]


@pytest.mark.slow
def test_group_dm_json_membership(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, GROUP_DM)
    assert (r.n_read, r.n_new) == (6, 6)
    assert rows(db, "select platform_key, name, kind from chats") == [("900000000000000222", "weekend plans", "group")]
    assert _timeline(db) == [
        ("210000000000000001", _utc(2024, 3, 2, 10, 0), "system", "Added bob to the group.", None, "Alice W"),
        ("210000000000000002", _utc(2024, 3, 2, 10, 1), "text", "hi all", BOB, "bob"),
        ("210000000000000003", _utc(2024, 3, 2, 10, 2), "call", "Started a call that lasted 12 minutes.", ALICE,
         "Alice W"),
        ("210000000000000004", _utc(2024, 3, 2, 10, 20), "system", "Left the group.", None, "bob"),
        ("210000000000000005", _utc(2024, 3, 2, 10, 21), "system", "Added dave to the group.", None, "Alice W"),
        ("210000000000000006", _utc(2024, 3, 2, 10, 22), "system", "Removed dave from the group.", None, "Alice W"),
    ]
    assert _events(db) == [
        ("join", BOB, ALICE, "invite", "bob"),
        ("leave", BOB, BOB, None, "bob"),  # RecipientRemove by the mentioned user themself
        ("join", DAVE, ALICE, "invite", "dave"),
        ("remove", DAVE, ALICE, None, "dave"),
    ]
    assert rows(db, "select display_name from members where platform_key = $k", {"k": DAVE}) == [("dave",)]


@pytest.mark.slow
def test_private_dm_json_reply(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, PRIVATE_DM)
    assert rows(db, "select platform_key, name, kind from chats") == [("900000000000000333", "bob", "private")]
    assert rows(db, """select q.text, t.text from messages q join messages t on t.msg_id = q.reply_to_msg_id""") == [
        ("yes", "are you there?")]
    assert [r[1] for r in _timeline(db)] == [_utc(2024, 3, 3, 0, 0), _utc(2024, 3, 3, 0, 0, 30)]


@pytest.mark.slow
def test_json_re_import_adds_nothing(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, GUILD)
    before = rows(db, "select count(*) from messages")
    again = tmp_path / "again.json"
    again.write_bytes(GUILD.read_bytes() + b"\n")  # another file, the same message ids
    r = ingest_file(again, db)
    assert (ingest_file(GUILD, db).status, r.n_new, r.n_duplicate) == ("already imported", 0, 15)
    assert rows(db, "select count(*) from messages") == before == [(15,)]
    assert rows(db, "select count(*) from reactions") == [(2,)]


@pytest.mark.slow
def test_chat_name_overrides_the_channel(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, GROUP_DM, chat_name="周末群")
    assert rows(db, "select platform_key, name, kind from chats") == [("周末群", "周末群", "group")]


@pytest.mark.slow
def test_forwarded_message_and_announcement_channel(tmp_path: Path) -> None:
    doc = json.loads(PRIVATE_DM.read_text(encoding="utf-8"))
    doc["guild"] = {"id": "900000000000000001", "name": "Qunxi Lab", "iconUrl": ""}
    doc["channel"] = {"id": "900000000000000555", "type": "GuildNews", "categoryId": "1", "category": "Info",
                      "name": "announcements", "topic": None}
    fwd = doc["messages"][0]
    fwd.update(id="230000000000000001", content="", reference={"type": "Forward", "messageId": "1", "channelId": "2"},
               forwardedMessage={"timestamp": "2024-01-01T00:00:00+00:00", "content": "release notes",
                                 "attachments": [], "embeds": [], "stickers": []})
    doc["messages"] = [fwd]
    path = tmp_path / "news.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    db, _ = _ingest(tmp_path, path)
    assert rows(db, "select platform_key, name, kind from chats") == [
        ("900000000000000555", "Qunxi Lab / announcements", "channel")]
    # a forward is not a reply: its text is the forwarded message's
    assert _timeline(db) == [("230000000000000001", _utc(2024, 3, 3, 0, 0), "text", "release notes", ALICE,
                              "Alice W")]


# ---------------------------------------------------------------------------------------------
# CSV


@pytest.mark.slow
def test_csv_iso_dates_reactions_and_fallback_texts(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, CSV_ISO)
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("discord_csv", 11, 10, 1)
    assert r.skipped_samples == ["第 12 行: 时间无法识别: not a date"]
    # the channel comes from the file name, without the partition suffix
    assert rows(db, "select platform_key, name, kind from chats") == [
        ("900000000000000444", "Qunxi Lab / random", "group")]
    assert rows(db, "select source_tz from imports") == [(None,)]
    assert _timeline(db) == [
        (None, _utc(2024, 3, 1, 1, 0), "text", 'Morning! "quoted" word', ALICE, "alice"),
        (None, _utc(2024, 3, 1, 1, 1), "image", None, BOB, "bob"),  # cat.jpg?ex=…: the query is not the name
        (None, _utc(2024, 3, 1, 1, 2), "file", "report final.docx", BOB, "bob"),  # the first attachment decides
        (None, _utc(2024, 3, 1, 1, 3), "system", "Joined the server.", None, "carol#4321"),
        (None, _utc(2024, 3, 1, 1, 4), "system", "Changed the channel name: chill", None, "alice"),
        (None, _utc(2024, 3, 1, 1, 5), "system", "Pinned a message.", None, "alice"),
        (None, _utc(2024, 3, 1, 1, 6), "call", "Started a call that lasted 5 minutes.", BOB, "bob"),
        (None, _utc(2024, 3, 1, 1, 7), "text", "line one\nline two", CAROL, "carol#4321"),
        (None, _utc(2024, 3, 1, 1, 8), "text", "beep", BOT, "QunxiBot#1234"),
        (None, _utc(2024, 3, 1, 1, 9), "text", "see attached", ALICE, "alice"),  # content wins over attachments
    ]
    assert _events(db) == [
        ("join", CAROL, None, "unknown", "carol#4321"),
        ("rename", ALICE, ALICE, None, "chill"),
        ("pin", ALICE, ALICE, None, None),
    ]
    assert _reactions(db) == [
        (None, 'Morning! "quoted" word', "👍", 1, None), (None, 'Morning! "quoted" word', "🔥", 3, None),
        (None, "Pinned a message.", "🎉", 2, None), (None, "see attached", "❤️", 1, None)]


@pytest.mark.slow
def test_csv_old_culture_dates_are_local(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, CSV_OLD)
    assert (r.n_read, r.n_new, r.n_skipped) == (8, 8, 0)
    assert rows(db, "select source_tz from imports") == [("Asia/Shanghai",)]
    assert rows(db, "select platform_key, name, kind from chats") == [("old-dm-export", "old-dm-export", "group")]
    assert _timeline(db) == [
        (None, _utc(2024, 3, 1, 1, 0), "system", "Added dave#0004 to the group.", None, "alice#0001"),
        (None, _utc(2024, 3, 1, 5, 33), "text", "hey, thanks for adding me", DAVE, "dave#0004"),  # 01:33 PM
        (None, _utc(2024, 3, 1, 16, 5), "system", "Left the group.", None, "dave#0004"),  # 12:05 AM next day
        (None, _utc(2024, 3, 2, 4, 10), "system", "Added bob#0002 to the group.", None, "alice#0001"),
        (None, _utc(2024, 3, 2, 4, 11), "system", "Removed bob#0002 from the group.", None, "alice#0001"),
        (None, _utc(2024, 3, 2, 4, 12), "system", "Started a thread.", None, "alice#0001"),
        (None, _utc(2024, 3, 2, 4, 13), "system", "Changed the channel icon.", None, "alice#0001"),
        (None, _utc(2024, 3, 2, 4, 14), "voice", None, ALICE, "alice#0001"),  # voice-message.ogg
    ]
    # names in fallback texts resolve to the ids those names posted under; bob never posted
    assert _events(db) == [
        ("join", DAVE, ALICE, "invite", "dave#0004"),
        ("leave", DAVE, DAVE, None, "dave#0004"),
        ("join", "name:old-dm-export:bob#0002", ALICE, "invite", "bob#0002"),
        ("remove", "name:old-dm-export:bob#0002", ALICE, None, "bob#0002"),
        ("other", ALICE, ALICE, None, None),
        ("icon", ALICE, ALICE, None, None),
    ]


@pytest.mark.slow
def test_csv_local_dates_follow_the_source_tz(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, CSV_OLD, tz="Europe/London")
    assert rows(db, "select min(ts), max(ts) from messages") == [(_utc(2024, 3, 1, 9, 0), _utc(2024, 3, 2, 12, 14))]
    assert rows(db, "select source_tz from imports") == [("Europe/London",)]


@pytest.mark.parametrize(("name", "chat"), [
    ("Direct Messages - Private - bob [900000000000000333].csv", ("900000000000000333", "bob", "private")),
    ("Direct Messages - Group - weekend plans [900000000000000222] (after 2024-01-01).csv",
     ("900000000000000222", "weekend plans", "group")),
    ("Qunxi Lab - Text - Chat - general [900000000000000111] (2024-01-01 to 2024-02-01) [part 10].csv",
     ("900000000000000111", "Qunxi Lab / general", "group")),
    ("my export.csv", ("my export", "my export", "group")),
])
@pytest.mark.slow
def test_csv_chat_from_the_file_name(tmp_path: Path, name: str, chat: tuple) -> None:
    db, _ = _ingest(tmp_path, _csv(tmp_path, name, ["2024-03-01T09:00:00+08:00"]))
    assert rows(db, "select platform_key, name, kind from chats") == [chat]


def _csv(tmp_path: Path, name: str, dates: list[str]) -> Path:
    lines = ['"AuthorID","Author","Date","Content","Attachments","Reactions"']
    lines += [f'"{ALICE}","alice","{d}","m{i}","",""' for i, d in enumerate(dates)]
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize(("dates", "first", "last"), [
    # en-US "g": month first, 12-hour
    (["1/17/2023 7:33 PM", "2/3/2023 12:01 AM"], _utc(2023, 1, 17, 11, 33), _utc(2023, 2, 2, 16, 1)),
    # en-GB "g": a part above 12 shows the day comes first
    (["17/01/2023 19:33", "03/02/2023 08:00"], _utc(2023, 1, 17, 11, 33), _utc(2023, 2, 3, 0, 0)),
    # all ambiguous and 24-hour: day first
    (["03/02/2023 08:00", "04/02/2023 08:00"], _utc(2023, 2, 3, 0, 0), _utc(2023, 2, 4, 0, 0)),
    # de-DE and y-m-d cultures
    (["17.01.2023 19:33", "18.01.2023 07:00"], _utc(2023, 1, 17, 11, 33), _utc(2023, 1, 17, 23, 0)),
    (["2023/1/17 19:33", "2023-01-18 07:00:05"], _utc(2023, 1, 17, 11, 33), _utc(2023, 1, 17, 23, 0, 5)),
])
@pytest.mark.slow
def test_csv_date_style_is_decided_per_file(tmp_path: Path, dates: list[str], first: dt.datetime,
                                            last: dt.datetime) -> None:
    db, r = _ingest(tmp_path, _csv(tmp_path, "dates.csv", dates))
    assert (r.n_new, r.n_skipped) == (len(dates), 0)
    assert rows(db, "select min(ts), max(ts) from messages") == [(first, last)]


# ---------------------------------------------------------------------------------------------
# bad input


@pytest.fixture
def loaded_db(tmp_path: Path) -> Path:
    db = tmp_path / "base.duckdb"
    ingest_file(PRIVATE_DM, db)
    return db


@pytest.mark.slow
def test_truncated_json_is_one_error_and_the_db_is_unchanged(loaded_db: Path, tmp_path: Path) -> None:
    text = GUILD.read_text(encoding="utf-8")
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"200000000000000009"')], encoding="utf-8")
    before = db_digest(loaded_db)
    with pytest.raises(IngestError) as info:
        ingest_file(path, loaded_db)
    assert info.value.file == str(path) and info.value.line is not None and info.value.line > 100
    assert "JSON 格式错误" in str(info.value)
    assert db_digest(loaded_db) == before


@pytest.mark.slow
def test_truncated_csv_is_one_error_and_the_db_is_unchanged(loaded_db: Path, tmp_path: Path) -> None:
    text = CSV_ISO.read_text(encoding="utf-8")
    path = tmp_path / "cut.csv"
    path.write_text(text[: text.index("line two")], encoding="utf-8")
    before = db_digest(loaded_db)
    with pytest.raises(IngestError) as info:
        ingest_file(path, loaded_db)
    assert info.value.line == 9 and "截断" in str(info.value)
    assert db_digest(loaded_db) == before


@pytest.mark.slow
def test_header_only_csv_is_an_error(loaded_db: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path, "empty.csv", [])
    before = db_digest(loaded_db)
    with pytest.raises(IngestError) as info:
        ingest_file(path, loaded_db)
    assert "没有任何消息" in str(info.value)
    assert db_digest(loaded_db) == before


@pytest.mark.slow
def test_json_without_messages_is_an_error(loaded_db: Path, tmp_path: Path) -> None:
    doc = json.loads(PRIVATE_DM.read_text(encoding="utf-8"))
    doc["messages"] = []
    path = tmp_path / "none.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest_file(path, loaded_db)
    assert "没有任何消息" in str(info.value)


# ---------------------------------------------------------------------------------------------
# any field may hold anything: the readers never raise on it

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_FIELDS = ["id", "type", "timestamp", "timestampEdited", "content", "author", "attachments", "stickers", "embeds",
           "reactions", "mentions", "reference", "forwardedMessage"]
_TYPES = st.sampled_from(["Default", "Reply", "RecipientAdd", "RecipientRemove", "Call", "ChannelNameChange",
                          "ChannelIconChange", "ChannelPinnedMessage", "GuildMemberJoin", "ThreadCreated", "7"])


@pytest.mark.slow
@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(_FIELDS), _JSON | _TYPES))
def test_json_message_reader_takes_any_values(m: dict) -> None:
    row = discord._json_row(m)
    assert row.kind in {"text", "quote", "image", "video", "voice", "file", "sticker", "link", "other", "system",
                        "call"}
    discord._reactions(m.get("reactions"))
    discord._instant(m.get("timestamp"))


@pytest.mark.slow
@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=30),
       st.sampled_from(["iso", "d-mon-y", "y-m-d", "m/d/y", "d/m/y"]))
def test_csv_field_readers_take_any_text(content: str, attachments: str, date: str, style: str) -> None:
    discord._csv_row(content, attachments, ("1", "a"))
    discord._csv_reactions(attachments)
    discord._parse_date(date, style, "Asia/Shanghai")


_FUZZ = settings(max_examples=examples(20), deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FUZZ
@given(src=st.sampled_from(FIXTURES), at=st.floats(0, 1), cut=st.integers(1, 60), junk=st.binary(max_size=12))
def test_mutated_fixtures_parse_or_raise_the_import_error(tmp_path_factory: pytest.TempPathFactory, src: Path,
                                                         at: float, cut: int, junk: bytes) -> None:
    data = src.read_bytes()
    i = int(at * len(data))
    path = tmp_path_factory.mktemp("discord") / src.name
    path.write_bytes(data[:i] + junk + data[i + cut:])
    parse = discord.parse_csv if src.suffix == ".csv" else discord.parse_json
    try:
        parsed = parse(detect.probe(path), Options(tz="Asia/Shanghai"))
        for _ in parsed.batches:
            pass
    except IngestError:
        pass


@pytest.mark.slow
def test_listed_mentions_key_people_who_never_post(tmp_path: Path) -> None:
    data = json.loads(GUILD.read_text(encoding="utf-8"))
    first = next(m for m in data["messages"] if m["type"] == "Default")
    first["content"] = "Welcome @Dora, ask us anything"
    first["mentions"] = [{"id": "100000000000000999", "name": "dora", "nickname": "Dora", "discriminator": "0000"}]
    src = tmp_path / "guild - general [900000000000000111].json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    db, _ = _ingest(tmp_path, src)
    # the id DCE lists wins over the name in the text; Dora never posts, the mention still names her
    assert rows(db, """select t.platform_key, t.key_kind, t.display_name from messages m, unnest(m.mentions) u(x)
                       join members t on t.member_id = u.x where m.platform_msg_id = $id""",
                {"id": first["id"]}) == [("100000000000000999", "id", "Dora")]
