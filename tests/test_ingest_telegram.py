"""Telegram Desktop JSON exports (docs/formats.md §3): the real samples in shared/conformance give
exactly the messages, senders, edits, reactions, replies and events they hold, and each hand-written
fixture in fixtures/telegram pins down one quirk of the format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import TESTS, conformance_dir, conformance_files, db_digest, requires_conformance, rows

from dashboard.core.ingest import detect, telegram
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.pipeline import ingest_file

CONF = conformance_dir("telegram")
FIX = TESTS / "fixtures" / "telegram"
UTC = dt.UTC


def utc(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=UTC)


def _ingest(tmp_path: Path, path: Path, **kw) -> tuple[Path, object]:
    db = tmp_path / "t.duckdb"
    return db, ingest_file(path, db, **kw)


def _messages(db: Path) -> list[tuple]:
    """(platform id, sender key, sender name, kind, text) in time order."""
    return rows(db, """
        select m.platform_msg_id, s.platform_key, m.sender_name, m.kind, m.text from messages m
        left join members s using (member_id) order by m.ts, m.source_line""")


def _events(db: Path) -> list[tuple]:
    """(kind, method, member key, actor key, raw_name) in time order."""
    return rows(db, """
        select e.kind, e.method, s.platform_key, a.platform_key, e.raw_name from membership_events e
        left join members s on s.member_id = e.member_id left join members a on a.member_id = e.actor_member_id
        order by e.ts, e.event_id""")


def _replies(db: Path) -> list[tuple]:
    """(message id, id of the message it replies to) for every quote."""
    return rows(db, """
        select q.platform_msg_id, t.platform_msg_id from messages q left join messages t on t.msg_id = q.reply_to_msg_id
        where q.kind = 'quote' order by q.ts""")


def _reactions(db: Path) -> list[tuple]:
    return rows(db, """
        select m.platform_msg_id, r.emoji, r.n,
               (select list(k.platform_key order by k.platform_key) from unnest(r.member_ids) u(x)
                join members k on k.member_id = u.x)
        from reactions r join messages m using (msg_id) order by m.ts, r.emoji""")



# ---------------------------------------------------------------------------------------------
# conformance: real exports written by Telegram Desktop (via other projects' fixtures); skipped when
# ../shared/conformance is missing, the own fixtures below hold the same quirks

@pytest.mark.slow
@requires_conformance
def test_conformance_single_export_without_chat_fields(tmp_path: Path) -> None:
    # no name/type/id and no message ids: the chat is named after the file, ids fall back to content
    db, r = _ingest(tmp_path, CONF / "chat-miner__test_single_export.json")
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("telegram_json", 2, 2, 0)
    assert _messages(db) == [(None, "name:chat-miner__test_single_export:Author 1", "Author 1", "text",
                              "Minimal Message"),
                             (None, "name:chat-miner__test_single_export:Author 2", "Author 2", "text",
                              "Link:https://telegram.org/")]
    assert rows(db, "select ts from messages order by ts") == [(utc(2018, 12, 5, 10, 39, 10),),
                                                              (utc(2018, 12, 5, 10, 49, 24),)]
    assert rows(db, "select platform_key, name, kind from chats") == [
        ("chat-miner__test_single_export", "chat-miner__test_single_export", "private")]
    assert rows(db, "select format, source_tz, n_read from imports") == [("telegram_json", None, 2)]


@pytest.mark.slow
@requires_conformance
def test_conformance_full_export_chat_list(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, CONF / "chat-miner__test_batch_export.json")
    assert (r.n_read, r.n_new, r.chats) == (2, 2, ["Chatname"])
    assert [m[2:] for m in _messages(db)] == [("Author 1", "text", "Minimal Message"),
                                              ("Author 2", "text", "Link:https://telegram.org/")]
    assert rows(db, "select platform_key, name, kind from chats") == [("Chatname", "Chatname", "private")]
    # the same two messages in another chat are other messages
    r2 = ingest_file(CONF / "chat-miner__test_single_export.json", db)
    assert (r2.n_new, r2.n_duplicate) == (2, 0)
    assert rows(db, "select count(*), count(distinct chat_id) from messages") == [(4, 2)]


@pytest.mark.slow
@requires_conformance
def test_conformance_real_supergroup(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, CONF / "telegram-chat-analyzer__raw0.json")
    # 13 entries: 1 service (join_group_by_link) and 12 messages, 4 of them replies
    assert (r.n_read, r.n_new, r.n_skipped, r.n_duplicate) == (13, 13, 0, 0)
    assert rows(db, "select kind, count(*) from messages group by 1 order by 1") == [
        ("quote", 4), ("system", 1), ("text", 8)]
    assert rows(db, "select platform_key, name, kind from chats") == [
        ("9999999999", "Анонимная Группа [Обезличено]", "group")]
    a, b = "userA123456789", "userB987654321"
    assert rows(db, """select s.platform_key, s.display_name, count(*) from messages m join members s using (member_id)
                       group by all order by 1""") == [(a, "Пользователь A", 7), (b, "Пользователь B", 5)]
    # the inviter "Группа" is the group itself: a link join with no inviting member
    assert _events(db) == [("join", "link", a, None, "Пользователь A")]
    assert rows(db, "select text, raw_type from messages where kind = 'system'") == [
        ("Пользователь A joined the group via invite link", "join_group_by_link")]
    # instants come from date_unixtime; `date` is the exporter's UTC+6 wall time
    assert rows(db, "select min(ts), max(ts) from messages") == [(utc(2025, 10, 17, 16, 12, 52),
                                                                  utc(2025, 10, 17, 16, 16, 47))]
    assert rows(db, "select source_tz from imports") == [(None,)]
    assert rows(db, "select platform_msg_id, edited_at from messages where edited_at is not null order by 1") == [
        ("45783", utc(2025, 10, 17, 16, 46, 17)), ("45784", utc(2025, 10, 17, 16, 46, 18)),
        ("45786", utc(2025, 10, 17, 16, 14, 10)), ("45789", utc(2025, 10, 17, 16, 46, 21)),
        ("45791", utc(2025, 10, 17, 16, 46, 23))]
    c, d = "userC456789123", "userD321456789"
    assert _reactions(db) == [("45783", "❤\u200d🔥", 1, [c]), ("45784", "❤\u200d🔥", 1, [c]),
                              ("45786", "🔥", 1, [d]), ("45789", "❤\u200d🔥", 1, [c]),
                              ("45791", "❤\u200d🔥", 1, [c])]
    assert _replies(db) == [("45789", "45788"), ("45790", "45789"), ("45791", "45790"), ("45792", "45791")]
    assert rows(db, "select text from messages where platform_msg_id = '45792'") == [("[Скрытый текст, 23 симв.]",)]
    # hidden media: an empty text stays empty
    assert rows(db, "select kind, text from messages where platform_msg_id = '45783'") == [("text", None)]


# ---------------------------------------------------------------------------------------------
# own fixtures holding the conformance samples' quirks, so a lone clone still tests them

@pytest.mark.slow
def test_minimal_single_export_without_chat_fields_or_ids(tmp_path: Path) -> None:
    # no name/type/id, no message ids, no from_id: the chat is named after the file
    db, r = _ingest(tmp_path, FIX / "minimal_single_export.json")
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("telegram_json", 2, 2, 0)
    n = "name:minimal_single_export:"
    assert _messages(db) == [(None, n + "Reader One", "Reader One", "text", "Plain first note"),
                             # `text` as an array of entity objects, no text_entities
                             (None, n + "Reader Two", "Reader Two", "text", "Tip:https://example.org/list")]
    assert rows(db, "select ts from messages order by ts") == [(utc(2022, 4, 15, 5, 20),), (utc(2022, 4, 15, 5, 30),)]
    assert rows(db, "select platform_key, name, kind from chats") == [
        ("minimal_single_export", "minimal_single_export", "private")]
    assert rows(db, "select format, source_tz, n_read from imports") == [("telegram_json", None, 2)]


@pytest.mark.slow
def test_minimal_account_export_chat_list(tmp_path: Path) -> None:
    # only `chats.list[]`: no personal_information, no chat type or id
    db, r = _ingest(tmp_path, FIX / "minimal_account_export.json")
    assert (r.format, r.n_read, r.n_new, r.chats) == ("telegram_json", 2, 2, ["Book Swap"])
    n = "name:Book Swap:"
    assert _messages(db) == [(None, n + "Reader One", "Reader One", "text", "Plain first note"),
                             (None, n + "Reader Two", "Reader Two", "text", "Tip:https://example.org/list")]
    assert rows(db, "select platform_key, name, kind from chats") == [("Book Swap", "Book Swap", "private")]
    assert rows(db, "select exporter_account from imports") == [(None,)]
    # the same two messages in another chat are other messages
    r2 = ingest_file(FIX / "minimal_single_export.json", db)
    assert (r2.n_new, r2.n_duplicate) == (2, 0)
    assert rows(db, "select count(*), count(distinct chat_id) from messages") == [(4, 2)]


@pytest.mark.slow
def test_supergroup_with_exporter_local_dates_edits_reactions_replies_and_extra_fields(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "supergroup_exporter_utc6.json")
    # 7 entries: 1 service (join_group_by_link) and 6 messages, 2 of them replies
    assert (r.n_read, r.n_new, r.n_skipped, r.n_duplicate) == (7, 7, 0, 0)
    assert rows(db, "select kind, count(*) from messages group by 1 order by 1") == [
        ("quote", 2), ("system", 1), ("text", 4)]
    assert rows(db, "select platform_key, name, kind from chats") == [
        ("7777000001", "Hill Walkers [Archive]", "group")]
    kim, lee, park, jo = "user1500001", "user1500002", "user1500003", "user1500004"
    # `date` is the exporter's UTC+6 wall time, the extra `annotations` another zone's: both ignored
    assert rows(db, """select m.platform_msg_id, m.ts, m.kind, s.platform_key, m.text from messages m
                       left join members s using (member_id) order by m.ts, m.platform_msg_id::int""") == [
        ("1", utc(2023, 9, 2, 1, 0), "system", None, "Walker Kim joined the group via invite link"),
        ("900", utc(2023, 9, 2, 1, 0, 30), "text", lee, "Trail is open"),
        ("901", utc(2023, 9, 2, 1, 0, 30), "text", kim, "Joining Saturday"),
        ("902", utc(2023, 9, 2, 1, 2), "text", kim, None),  # hidden media: the empty text stays empty
        ("903", utc(2023, 9, 2, 1, 3, 10), "quote", lee, "Nice photo"),
        ("904", utc(2023, 9, 2, 1, 5), "quote", kim, "Thanks"),
        ("905", utc(2023, 9, 2, 1, 6, 45), "text", lee, "See you"),
    ]
    assert rows(db, """select s.platform_key, s.display_name, count(*) from messages m join members s using (member_id)
                       group by all order by 1""") == [(kim, "Walker Kim", 3), (lee, "Walker Lee", 3)]
    # the inviter "Walkers" is a word of the group's own name: a link join with no inviting member
    assert _events(db) == [("join", "link", kim, None, "Walker Kim")]
    assert rows(db, "select raw_type from messages where kind = 'system'") == [("join_group_by_link",)]
    assert rows(db, "select source_tz from imports") == [(None,)]
    assert rows(db, "select platform_msg_id, edited_at from messages where edited_at is not null order by 1") == [
        ("902", utc(2023, 9, 2, 1, 30)), ("903", utc(2023, 9, 2, 1, 4))]
    # a ZWJ emoji stays one reaction; reactors who never post are members
    assert _reactions(db) == [("902", "❤\u200d🔥", 1, [park]), ("903", "👍", 1, [jo])]
    assert sorted(rows(db, "select platform_key, display_name from members")) == [
        (kim, "Walker Kim"), (lee, "Walker Lee"), (park, "Walker Park"), (jo, "Walker Jo")]
    assert _replies(db) == [("903", "902"), ("904", "903")]


@pytest.mark.slow
def test_same_supergroup_file_twice_adds_nothing(tmp_path: Path) -> None:
    src = FIX / "supergroup_exporter_utc6.json"
    db, first = _ingest(tmp_path, src)
    counts = "select (select count(*) from messages), (select count(*) from membership_events), " \
             "(select count(*) from reactions), (select count(*) from members)"
    before = rows(db, counts)
    assert before == [(7, 1, 2, 4)]
    second = ingest_file(src, db)
    assert (first.status, second.status) == ("imported", "already imported")
    assert rows(db, counts) == before
    # the same messages in a re-saved file (different bytes) are recognised by their ids
    copy = tmp_path / "again.json"
    copy.write_text(src.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    third = ingest_file(copy, db)
    assert (third.n_new, third.n_duplicate) == (0, 7)
    assert rows(db, counts) == before


# ---------------------------------------------------------------------------------------------
# one fixture per quirk

@pytest.mark.slow
def test_text_as_string_entity_array_and_text_entities(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "text_forms.json")
    assert r.n_new == 5
    assert _messages(db) == [
        ("1", "user1001", "张三", "text", "大家好"),
        # an array of bare strings and entity objects, with no text_entities
        ("2", "user1002", "李四", "text", "看这个 https://t.me/books 不错 张三"),
        # both present: text_entities wins
        ("3", "user1003", "王五", "text", "重要：明天见"),
        # U+2028 arrives escaped as \u2028
        ("4", "user1001", "张三", "text", "第一行\u2028第二行"),
        ("5", "user1002", "李四", "text", None),
    ]
    assert rows(db, "select platform_key, name, kind from chats") == [("4001", "读书会", "group")]
    # the mention_name entity names 张三 by id (no @username in the text to find)
    assert rows(db, """select m.platform_msg_id, t.platform_key from messages m, unnest(m.mentions) u(x)
                       join members t on t.member_id = u.x""") == [("2", "user1001")]


@pytest.mark.slow
def test_date_unixtime_wins_over_exporter_local_date(tmp_path: Path) -> None:
    # the exporter's clock was UTC+3; the import's zone (Asia/Shanghai) must not matter
    db, r = _ingest(tmp_path, FIX / "dates_unixtime.json")
    assert (r.n_read, r.n_new, r.n_skipped) == (4, 3, 1)
    assert r.skipped_samples[0].startswith("第 3 行: 时间无法识别")
    assert rows(db, "select platform_msg_id, ts, edited_at from messages order by ts") == [
        ("1", utc(2024, 3, 1, 12, 0), None),
        ("2", utc(2024, 3, 1, 12, 1), utc(2024, 3, 1, 12, 5)),
        ("4", utc(2024, 3, 1, 21, 30), None)]
    assert rows(db, "select source_tz from imports") == [(None,)]


@pytest.mark.slow
def test_old_export_without_unixtime_reads_local_dates(tmp_path: Path) -> None:
    # pre-2022 exports: only `date`/`edited` (local wall time) and numeric from_id
    db, r = _ingest(tmp_path, FIX / "old_export_local_dates.json", tz="Europe/Moscow")
    assert (r.n_read, r.n_new) == (2, 2)
    assert rows(db, "select platform_msg_id, ts, edited_at from messages order by ts") == [
        ("1", utc(2020, 6, 1, 7, 0), None), ("2", utc(2020, 6, 1, 7, 2), utc(2020, 6, 1, 7, 30))]
    assert rows(db, "select source_tz from imports") == [("Europe/Moscow",)]
    assert [m[1:3] for m in _messages(db)] == [("user3001", "Anna"), ("user3002", "Boris")]


@pytest.mark.slow
def test_reactions_emoji_custom_emoji_and_recent_reactors(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, FIX / "reactions.json")
    # count is the export's total; the keys are only the recent reactors it lists
    assert _reactions(db) == [("2", "5368324170671202286", 1, ["user4001"]),
                              ("2", "👍", 5, ["user4001", "user4002"])]
    # reactors who never post still get their names from the reaction
    names = dict(rows(db, "select platform_key, display_name from members where platform_key in ('user4001', 'user4002')"))
    assert names == _reactor_names(FIX / "reactions.json")


def _reactor_names(path: Path) -> dict[str, str]:
    """Independent read of the fixture: every recent reactor's id and name."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {p["from_id"]: p["from"] for m in data["messages"] for r in m.get("reactions", [])
            for p in r.get("recent", [])}


@pytest.mark.slow
def test_replies_link_within_the_chat_only(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "replies.json")
    assert r.n_new == 5
    assert _replies(db) == [
        ("11", "10"),
        ("12", None),  # the replied-to message is older than the export
        ("13", None),  # reply_to_peer_id names another chat: message 10 here is not it
        ("14", "11"),  # reply_to_peer_id names this chat
    ]
    assert rows(db, "select text from messages where platform_msg_id = '11'") == [("in the wiki",)]


@pytest.mark.slow
def test_deleted_account_keeps_its_id(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "deleted_account.json")
    assert r.n_new == 3
    assert _messages(db)[:2] == [("1", "user6001", "Frank", "text", "hi all"),
                                 ("2", "user6666", None, "text", "this account was deleted later")]
    assert rows(db, "select display_name from members where platform_key = 'user6666'") == [(None,)]
    # an invite by the deleted account; its null member is dropped, the named one stays
    assert _events(db) == [("join", "invite", "name:4006:Grace", "user6666", "Grace")]
    assert rows(db, "select text from messages where kind = 'system'") == [
        ("Deleted Account invited Grace, Deleted Account",)]


@pytest.mark.slow
def test_unsupported_entries_are_counted_and_skipped(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "unsupported.json")
    assert (r.n_read, r.n_new, r.n_skipped) == (3, 2, 1)
    assert r.skipped_samples == ['第 2 行: 不支持的消息（unsupported），导出里没有时间: {"id": 2, "type": "unsupported"}']
    assert [m[4] for m in _messages(db)] == ["before", "after"]


@pytest.mark.slow
def test_media_kinds(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "media.json")
    assert r.n_new == 13
    assert rows(db, "select platform_msg_id, kind, raw_type, text from messages order by ts") == [
        ("1", "image", "photo", None),
        ("2", "image", "photo", "sunset at the lake"),  # a caption stays the text
        ("3", "sticker", "sticker", None),
        ("4", "voice", "voice_message", None),
        ("5", "video", "video_message", None),
        ("6", "video", "animation", None),
        ("7", "video", "video_file", "the whole clip"),
        ("8", "file", "audio_file", None),
        ("9", "file", "file", "minutes attached"),
        ("10", "location", "location_information", None),
        ("11", "location", "location_information", None),  # a venue
        ("12", "other", "contact_information", None),
        ("13", "other", "poll", None),
    ]


@pytest.mark.slow
def test_membership_service_messages(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "service_membership.json")
    assert (r.n_read, r.n_new) == (11, 11)
    owner, zhang, li, wang = "user9001", "user9002", "user9003", "user9004"
    assert _events(db) == [
        # create_group: the creator, then the first members (named; resolved to the ids they speak with)
        ("create", "creator", owner, owner, "宝妈群"),
        ("join", "creator", zhang, owner, "张三"),
        ("join", "creator", li, owner, "李四"),
        ("join", "invite", wang, owner, "王五"),  # the null (deleted) member is dropped
        ("join", "link", "user9005", None, "赵六"),  # the inviter is the group's own name
        ("join", "link", "user9006", zhang, "孙七"),  # a real inviter, by name
        ("join", "request", "user9007", None, "周八"),
        ("remove", None, li, owner, "李四"),
        ("leave", None, wang, wang, "王五"),  # remove_members of oneself
        ("join", "unknown", "user9008", "user9008", "吴九"),  # invite_members of oneself: a public join
    ]
    assert rows(db, "select raw_type, text from messages where kind = 'system' order by ts") == [
        ("create_group", "群主 created the group “宝妈群” with 群主, 张三, 李四"),
        ("invite_members", "群主 invited 王五, Deleted Account"),
        ("join_group_by_link", "赵六 joined the group via invite link"),
        ("join_group_by_link", "孙七 joined the group via invite link from 张三"),
        ("join_group_by_request", "周八 joined the group after a join request"),
        ("remove_members", "群主 removed 李四"),
        ("remove_members", "王五 left the group"),
        ("invite_members", "吴九 joined the group"),
    ]


@pytest.mark.slow
def test_other_service_messages(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "service_other.json")
    assert r.n_new == 10
    lee, mia = "user1101", "user1102"
    assert _events(db) == [
        ("other", None, lee, lee, "Tea Club (old)"),  # migrate_from_group
        ("pin", None, lee, lee, "2"),
        ("rename", None, lee, lee, "Tea & Talk"),
        ("icon", None, mia, mia, None),
        ("icon", None, mia, mia, None),
        ("other", None, mia, mia, None),  # a custom action: information_text, no `action`
        ("other", None, lee, lee, "Oolong"),  # topic_created
    ]
    assert rows(db, """select m.raw_type, m.kind, s.platform_key, m.text from messages m
                       left join members s using (member_id) where m.kind <> 'text' order by m.ts""") == [
        ("migrate_from_group", "system", None, "Lee upgraded the group to a supergroup from “Tea Club (old)”"),
        ("pin_message", "system", None, "Lee pinned message 2"),
        ("edit_group_title", "system", None, "Lee changed the group name to “Tea & Talk”"),
        ("edit_group_photo", "system", None, "Mia changed the group photo"),
        ("delete_group_photo", "system", None, "Mia removed the group photo"),
        ("group_call", "call", lee, "Group call, 300 s"),
        ("custom", "system", None, "Mia boosted the group"),
        ("topic_created", "system", None, "Lee created the topic “Oolong”"),
        ("send_webview_data", "system", None, "Someone sent data from a web app"),  # no actor: no event
    ]


@pytest.mark.slow
def test_control_character_escapes(tmp_path: Path) -> None:
    # `\x01` is Telegram's escape (not JSON); `\\x41` is an escaped backslash and stays literal
    raw = (FIX / "control_escape.json").read_text(encoding="utf-8")
    assert "\\x01" in raw and "\\\\x41" in raw
    with pytest.raises(ValueError):
        json.loads(raw)
    db, r = _ingest(tmp_path, FIX / "control_escape.json")
    assert r.n_new == 2
    assert _messages(db) == [
        ("1", "user1201", "Nia\x01", "text", "bell\x07 and \x1f unit"),
        ("2", "user1202", "Omar", "text", "C:\\x41 stays literal, \\\x01 is a backslash then a control char"),
    ]


@pytest.mark.slow
def test_utf16_export(tmp_path: Path) -> None:
    src = FIX / "text_forms.json"
    path = tmp_path / "result.json"
    path.write_text(src.read_text(encoding="utf-8"), encoding="utf-16")  # with a BOM
    assert detect.detect(detect.probe(path)).name == "telegram_json"
    db, r = _ingest(tmp_path, path)
    assert (r.encoding, r.n_new) == ("utf-16", 5)
    expected_db = tmp_path / "utf8.duckdb"
    ingest_file(src, expected_db)
    assert _messages(db) == _messages(expected_db)


@pytest.mark.slow
def test_full_account_export(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "full_account.json")
    assert (r.n_read, r.n_new, r.exporter) == (9, 9, "Lin Wei")
    assert rows(db, "select exporter_account, exporter_name from imports") == [("user5000", "Lin Wei")]
    assert rows(db, "select platform_key, name, kind from chats order by platform_key") == [
        ("5000", "Saved Messages", "private"), ("5001", "Mei", "private"), ("5002", "HelperBot", "private"),
        ("5003", "Family", "group"), ("5004", "Daily News", "channel")]  # the last from left_chats
    assert rows(db, """select c.platform_key, s.platform_key, m.is_self, m.text from messages m
                       join chats c using (chat_id) join members s using (member_id)
                       order by c.platform_key, m.ts""") == [
        ("5000", "user5000", True, "note to self"),
        ("5001", "user5000", True, "晚饭吃什么？"), ("5001", "user5001", False, "火锅"),
        ("5001", "user5000", True, "好"),
        ("5002", "user5000", True, "/start"), ("5002", "user5002", False, "Hi! I can help."),
        ("5003", "user5010", False, "周末回家吗"), ("5003", "user5000", True, "回"),
        ("5004", "channel5004", False, "Headline"),
    ]
    assert _replies(db) == [("2", "1")]
    assert rows(db, """select c.platform_key, m.platform_key, r.role from roles r join chats c using (chat_id)
                       join members m using (member_id)""") == [("5002", "user5002", "bot")]


@pytest.mark.slow
def test_single_chat_export_after_the_full_export_adds_nothing(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, FIX / "full_account.json")
    r = ingest_file(FIX / "personal_chat.json", db)
    assert (r.status, r.n_read, r.n_new, r.n_duplicate) == ("imported", 3, 0, 3)
    assert rows(db, "select count(*) from messages") == [(9,)]


@pytest.mark.slow
def test_personal_chat_export_knows_the_exporter(tmp_path: Path) -> None:
    # the chat id is the other person's user id, so the other sender is the exporting account
    db, r = _ingest(tmp_path, FIX / "personal_chat.json")
    assert r.exporter == "Lin Wei"
    assert rows(db, "select exporter_account from imports") == [("user5000",)]
    assert rows(db, """select s.platform_key, m.is_self from messages m join members s using (member_id)
                       order by m.ts""") == [("user5000", True), ("user5001", False), ("user5000", True)]


@pytest.mark.slow
def test_chat_name_override_merges_chats_without_id_clashes(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "full_account.json", chat_name="全部")
    assert (r.n_new, r.chats) == (9, ["全部"])
    assert rows(db, "select platform_key, name from chats") == [("全部", "全部")]
    assert rows(db, "select count(distinct platform_msg_id) from messages") == [(9,)]
    assert _replies(db) == [("5001:2", "5001:1")]


# ---------------------------------------------------------------------------------------------
# detection, bad input, idempotency

TELEGRAM_FILES = sorted(FIX.glob("*.json")) + conformance_files("telegram", suffixes=(".json",))


@pytest.mark.parametrize("path", TELEGRAM_FILES, ids=lambda p: p.name)
def test_detected_as_telegram(path: Path) -> None:
    assert detect.detect(detect.probe(path)).name == "telegram_json"


def _other_files() -> list[Path]:
    out = [f for f in sorted((TESTS / "fixtures").rglob("*")) if f.is_file() and FIX not in f.parents]
    out += [f for f in conformance_files() if CONF not in f.parents]
    return out


@pytest.mark.parametrize("path", _other_files(), ids=lambda p: p.name)
def test_other_formats_are_not_telegram(path: Path, tmp_path: Path) -> None:
    try:
        probe = detect.probe(path, tmp_path)
    except IngestError:
        return
    assert not telegram.matches(probe)


@pytest.mark.slow
def test_truncated_export_is_refused_and_the_database_kept(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, FIX / "reactions.json")
    before = db_digest(db)
    raw = (FIX / "service_membership.json").read_text(encoding="utf-8")
    bad = tmp_path / "result.json"
    bad.write_text(raw[: raw.index('"remove_members"') + 10], encoding="utf-8")
    with pytest.raises(IngestError) as e:
        ingest_file(bad, db)
    assert e.value.file == str(bad) and e.value.line and "JSON" in e.value.problem
    assert db_digest(db) == before


def test_export_without_messages_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "result.json"
    p.write_text('{\n "name": "Empty",\n "type": "private_group",\n "id": 1,\n "messages": []\n}\n', encoding="utf-8")
    with pytest.raises(IngestError, match="没有找到任何消息"):
        ingest_file(p, tmp_path / "e.duckdb")


def test_forced_format_on_other_json_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "other.json"
    p.write_text('[{"time": "2024-01-01", "text": "hi"}]', encoding="utf-8")
    with pytest.raises(IngestError, match="不是 Telegram"):
        ingest_file(p, tmp_path / "f.duckdb", fmt="telegram_json")


def test_top_level_array_is_refused_by_the_parser(tmp_path: Path) -> None:
    p = tmp_path / "result.json"
    p.write_text('[{"id": 1, "type": "message", "date_unixtime": "1700000000", "text": "x"}]', encoding="utf-8")
    probe = detect.probe(p)
    parsed = telegram.parse(probe, telegram.Options(tz="Asia/Shanghai"))
    with pytest.raises(IngestError, match="顶层不是对象"):
        list(parsed.batches)


@pytest.mark.slow
@requires_conformance
def test_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    db, first = _ingest(tmp_path, CONF / "telegram-chat-analyzer__raw0.json")
    counts = rows(db, "select (select count(*) from messages), (select count(*) from membership_events), "
                      "(select count(*) from reactions), (select count(*) from members)")
    second = ingest_file(CONF / "telegram-chat-analyzer__raw0.json", db)
    assert (first.status, second.status) == ("imported", "already imported")
    assert rows(db, "select (select count(*) from messages), (select count(*) from membership_events), "
                    "(select count(*) from reactions), (select count(*) from members)") == counts
    # the same messages in a re-saved file (different bytes) are recognised by their ids
    copy = tmp_path / "again.json"
    copy.write_text((CONF / "telegram-chat-analyzer__raw0.json").read_text(encoding="utf-8") + "\n",
                    encoding="utf-8")
    third = ingest_file(copy, db)
    assert (third.n_new, third.n_duplicate) == (0, 13)
    assert rows(db, "select count(*) from reactions") == [(5,)]
