"""WhatsApp "Export chat" TXT and the .zip share (docs/formats.md §4). One fixture per quirk of the
reference section, asserted exactly; the conformance files are real test exports of other projects."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from conftest import TESTS, conformance_files, conformance_params, db_digest, rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.ingest import detect, whatsapp, whatsapp_texts
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.model import Options
from dashboard.core.ingest.pipeline import ingest_file
from dashboard.core.ingest.textio import SAMPLE_BYTES

FIX = TESTS / "fixtures" / "whatsapp"

WA_CONF = conformance_files("whatsapp", suffixes=(".txt",))
# the same nine records in the five header forms of the conformance samples, written for these tests
WA_FORMS = sorted(FIX.glob("form_*.txt"))
UTC = dt.UTC
IOS = FIX / "ios_12h_nnbsp.txt"
SYSTEM = FIX / "system_en.txt"


def _utc(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=UTC)


def _ingest(tmp_path: Path, path: Path, **kw) -> tuple[Path, object]:
    db = tmp_path / "w.duckdb"
    return db, ingest_file(path, db, **kw)


def _msgs(db: Path) -> list[tuple]:
    """(source line, UTC instant, kind, text, sender key, sender name) in file order."""
    return [(line, ts.astimezone(UTC), kind, text, key, name) for line, ts, kind, text, key, name in rows(db, """
        select m.source_line, m.ts, m.kind, m.text, s.platform_key, m.sender_name
        from messages m left join members s using (member_id) order by m.source_line""")]


def _events(db: Path) -> list[tuple]:
    """(kind, method, member key, actor key, raw name) in time order."""
    return rows(db, """
        select e.kind, e.method, s.platform_key, a.platform_key, e.raw_name from membership_events e
        left join members s on s.member_id = e.member_id left join members a on a.member_id = e.actor_member_id
        order by e.ts, e.event_id""")



def _parse(path: Path, tz: str = "UTC", **kw) -> pl.DataFrame:
    probe = detect.probe(path)
    parsed = whatsapp.FORMATS[0].parse(probe, Options(tz=tz, **kw))
    frames = list(parsed.batches)
    return pl.concat(frames).sort("line") if frames else pl.DataFrame()


# ---------------------------------------------------------------------------------------------
# conformance: chat-miner's five header forms of the same nine records (skipped when
# ../shared/conformance is missing; test_five_header_forms below holds the same quirks)


@pytest.mark.slow
@pytest.mark.parametrize("path", conformance_params(WA_CONF))
def test_conformance_samples(tmp_path: Path, path: Path) -> None:
    db, r = _ingest(tmp_path, path)
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("whatsapp_txt", 9, 9, 0)
    chat = path.stem
    n = f"name:{chat}:"
    # local Asia/Shanghai wall times; `00:08 a. m.` is 00:08 and `12:10 p. m.` 12:10 in the 12-hour file
    assert _msgs(db) == [
        (1, _utc(2019, 1, 1, 3, 25), "text", "Lorem ipsum dolor sit amet.", n + "John Doe", "John Doe"),
        (2, _utc(2019, 1, 20, 3, 23), "text", ".", n + "John Doe", "John Doe"),  # `Name:.`
        (3, _utc(2019, 1, 30, 12, 49), "text", "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit. Duis libero.",
         n + "Jahn Doe", "Jahn Doe"),
        (5, _utc(2020, 6, 10, 7, 55), "text", "Lorem ipsum : dolor sit amet.", n + "John-John Doe", "John-John Doe"),
        (6, _utc(2020, 6, 19, 16, 8), "system", '+12 345 578 created group "Groupname"', None, None),
        (7, _utc(2020, 6, 30, 1, 10), "system", "You were added", None, None),
        (8, _utc(2021, 12, 10, 2, 10), "text", "Lorem ipsum 🤓", n + "John Doe 🤓", "John Doe 🤓"),
        (9, _utc(2021, 12, 20, 4, 10), "text", "Lorem ipsum 🤓", n + "🤓", "🤓"),
        (10, _utc(2021, 12, 30, 14, 1), "text", "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit. Duis libero.",
         n + "John Doe", "John Doe"),
    ]
    # the creator's phone number is their key; "You were added" is the exporter joining
    assert _events(db) == [("create", "creator", "+12345578", "+12345578", "Groupname"),
                           ("join", "invite", "self", None, None)]
    assert rows(db, "select name, kind, platform from chats") == [(chat, "group", "whatsapp")]


def test_the_five_header_forms_are_all_there() -> None:
    assert [p.name for p in WA_FORMS] == [
        "form_bracketed_mmddyy_24h.txt",  # [MM/DD/YY HH:MM] Name: (no seconds, no comma)
        "form_ddmmyy_24h.txt",  # DD/MM/YY, HH:MM -
        "form_mmddyy_24h.txt",  # MM/DD/YY, HH:MM -
        "form_mmddyyyy_12h_dotted.txt",  # MM/DD/YYYY, hh:mm a. m. -
        "form_yyyymmdd_24h.txt",  # YYYY/MM/DD, HH:MM -
    ]


@pytest.mark.slow
@pytest.mark.parametrize("path", WA_FORMS, ids=[p.name for p in WA_FORMS])
def test_five_header_forms(tmp_path: Path, path: Path) -> None:
    assert not path.read_bytes().endswith(b"\n")  # the last record runs to the end of the file
    db, r = _ingest(tmp_path, path)
    assert (r.format, r.n_read, r.n_new, r.n_skipped) == ("whatsapp_txt", 9, 9, 0)
    chat = path.stem
    n = f"name:{chat}:"
    # local Asia/Shanghai wall times; `00:05 a. m.` is 00:05 and `12:20 p. m.` 12:20 in the 12-hour file
    assert _msgs(db) == [
        (1, _utc(2022, 3, 4, 1, 15), "text", "Morning everyone, coffee at ten?", n + "Priya Shah", "Priya Shah"),
        (2, _utc(2022, 3, 18, 2, 2), "text", ".", n + "Priya Shah", "Priya Shah"),  # `Name:.`
        (3, _utc(2022, 4, 25, 11, 40), "text", "first line of a long note,\nsecond line of the note.",
         n + "Tomás Ruiz", "Tomás Ruiz"),
        (5, _utc(2022, 7, 9, 6, 30), "text", "Agenda : budget, venue, date.", n + "Anne-Marie Cole",
         "Anne-Marie Cole"),  # `-` in the name, ` : ` in the text
        (6, _utc(2022, 7, 20, 16, 5), "system", '+44 20 7946 0321 created group "Garden Crew"', None, None),
        (7, _utc(2022, 7, 22, 0, 45), "system", "You were added", None, None),
        (8, _utc(2022, 11, 13, 3, 11), "text", "Seeds arrived 🌻", n + "Priya Shah 🌻", "Priya Shah 🌻"),
        (9, _utc(2022, 11, 26, 4, 20), "text", "Cactus says hi 🌵", n + "🌵", "🌵"),  # an emoji-only name
        (10, _utc(2022, 12, 31, 15, 59), "text", "Happy new year from a number,\nsent just before midnight.",
         "+447700900456", "+44 7700 900456"),  # a phone-number sender is keyed by the number
    ]
    # the creator's phone number is their key; "You were added" is the exporter joining
    assert _events(db) == [("create", "creator", "+442079460321", "+442079460321", "Garden Crew"),
                           ("join", "invite", "self", None, None)]
    assert rows(db, "select name, kind, platform from chats") == [(chat, "group", "whatsapp")]
    assert rows(db, "select platform_key, key_kind from members where key_kind = 'id' order by 1") == [
        ("+442079460321", "id"), ("+447700900456", "id")]


# ---------------------------------------------------------------------------------------------
# header variants


@pytest.mark.slow
def test_ios_bracketed_nnbsp_12h_with_lrm_media_and_attributed_notices(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, IOS)
    assert (r.n_read, r.n_new, r.n_skipped) == (21, 21, 0)
    n = "name:ios_12h_nnbsp:"
    assert _msgs(db) == [
        (1, _utc(2024, 1, 30, 13, 14, 3), "system", "Messages and calls are end-to-end encrypted. No one outside of "
         "this chat, not even WhatsApp, can read or listen to them.", None, None),
        (2, _utc(2024, 1, 30, 13, 14, 3), "system", 'Sarah created group "Family"', None, None),
        (3, _utc(2024, 1, 30, 13, 15, 10), "system", "Sarah added Tom and +1 (415) 555-0123", None, None),
        (4, _utc(2024, 1, 30, 16, 5, 9), "text", "Happy birthday!", n + "Sarah", "Sarah"),  # 12:05 AM = 00:05
        (5, _utc(2024, 1, 31, 4, 30), "image", None, n + "Tom", "Tom"),  # 12:30 PM = 12:30
        (6, _utc(2024, 1, 31, 4, 31, 12), "text", "Thanks all\nsee you soon", n + "Tom", "Tom"),
        (8, _utc(2024, 1, 31, 5, 2, 44), "video", None, "+14155550123", "+1 (415) 555-0123"),
        (9, _utc(2024, 1, 31, 5, 3), "image", "<attached: 00000012-PHOTO-2024-01-31-13-03-00.jpg>", n + "Sarah",
         "Sarah"),
        (10, _utc(2024, 1, 31, 5, 4), "location", "Location: https://maps.google.com/?q=40.7,-74.0", n + "Sarah",
         "Sarah"),
        (11, _utc(2024, 1, 31, 5, 5), "recall", "This message was deleted.", n + "Tom", "Tom"),
        (12, _utc(2024, 1, 31, 5, 6), "text", "Dinner at 7", n + "Sarah", "Sarah"),
        (13, _utc(2024, 1, 31, 5, 7), "system", "Tom changed the subject to “Family 🎂”", None, None),
        (14, _utc(2024, 1, 31, 5, 8), "system", "Sarah changed this group's icon", None, None),
        (15, _utc(2024, 1, 31, 5, 9), "system", "Tom left", None, None),
        (16, _utc(2024, 1, 31, 5, 10), "sticker", None, n + "Sarah", "Sarah"),
        (17, _utc(2024, 1, 31, 5, 11), "voice", None, n + "Sarah", "Sarah"),
        (18, _utc(2024, 1, 31, 5, 12), "other", None, n + "Sarah", "Sarah"),
        (19, _utc(2024, 1, 31, 5, 13), "image", None, n + "Sarah", "Sarah"),
        (20, _utc(2024, 1, 31, 5, 14), "file", None, n + "Sarah", "Sarah"),
        (21, _utc(2024, 1, 31, 5, 15), "file", "menu.pdf • 3 pages \u200e<attached: 00000013-menu.pdf>", n + "Sarah",
         "Sarah"),
        (22, _utc(2024, 1, 31, 5, 16), "call", None, n + "Sarah", "Sarah"),
    ]
    assert _events(db) == [
        ("create", "creator", n + "Sarah", n + "Sarah", "Family"),
        ("join", "invite", n + "Tom", n + "Sarah", "Tom"),
        ("join", "invite", "+14155550123", n + "Sarah", "+1 (415) 555-0123"),
        ("rename", None, n + "Tom", n + "Tom", "Family 🎂"),
        ("icon", None, n + "Sarah", n + "Sarah", None),
        ("leave", None, n + "Tom", n + "Tom", "Tom"),
    ]
    # the edit suffix is gone from the text; there is no edit instant in a TXT export
    assert rows(db, "select raw_type, edited_at from messages where source_line = 12") == [("edited", None)]
    assert rows(db, "select raw_type from messages where source_line in (5, 8, 18) order by source_line") == [
        ("image omitted",), ("video omitted",), ("Contact card omitted",)]
    assert rows(db, "select name, kind from chats") == [("ios_12h_nnbsp", "group")]


@pytest.mark.slow
def test_android_spanish_dotted_12h_with_nbsp(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "android_es_12h_dotted.txt")
    assert (r.n_read, r.n_skipped) == (6, 0)
    n = "name:android_es_12h_dotted:"
    assert _msgs(db) == [
        (1, _utc(2020, 12, 31, 15, 58), "system", "Los mensajes y las llamadas están cifrados de extremo a extremo. "
         "Nadie fuera de este chat, ni siquiera WhatsApp, puede leerlos ni escucharlos.", None, None),
        (2, _utc(2020, 12, 31, 15, 59), "text", "¡Feliz año!", n + "Ana", "Ana"),
        (3, _utc(2020, 12, 31, 16, 0), "other", None, n + "Luis", "Luis"),  # `12:00 a. m.` = 00:00
        (4, _utc(2020, 12, 31, 16, 15), "text", "jaja\nqué risa", n + "Ana", "Ana"),
        (6, _utc(2021, 1, 1, 4, 30), "text", "Hola a todos", "+34612345678", "+34 612 34 56 78"),
        (7, _utc(2021, 1, 1, 5, 5), "text", "¿Comemos juntos?", n + "Luis", "Luis"),
    ]
    assert _events(db) == []


@pytest.mark.slow
def test_german_dots_and_chat_name_from_file_name(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "WhatsApp Chat mit Jonas.txt")
    assert (r.n_read, r.chats) == (5, ["Jonas"])
    assert rows(db, "select name, kind, platform_key from chats") == [("Jonas", "private", "Jonas")]
    assert [(m[0], m[1], m[2], m[3], m[5]) for m in _msgs(db)] == [
        (1, _utc(2021, 1, 31, 15, 25), "system", "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand "
         "außerhalb dieses Chats kann sie lesen oder anhören, nicht einmal WhatsApp.", None),
        (2, _utc(2021, 1, 31, 15, 25), "text", "Hallo zusammen", "Jonas"),
        (3, _utc(2021, 1, 31, 23, 0), "other", None, "Mia"),
        (4, _utc(2021, 1, 31, 23, 1), "text", "Guten Morgen\nzweite Zeile", "Mia"),
        (6, _utc(2021, 2, 2, 0, 0), "other", None, "Jonas"),
    ]
    assert rows(db, "select raw_type from messages where kind = 'other' order by source_line") == [
        ("<Medien ausgeschlossen>",), ("<Medien ausgelassen>",)]


@pytest.mark.slow
def test_finnish_klo_with_dotted_time(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, FIX / "android_fi_klo.txt", tz="Europe/Helsinki")
    assert [(m[0], m[1], m[5]) for m in _msgs(db)] == [
        (1, _utc(2018, 6, 13, 18, 25, 15), "Aino"),  # EEST, UTC+3
        (2, _utc(2018, 6, 13, 18, 26, 2), "Eero"),
        (3, _utc(2018, 6, 14, 5, 5), "Aino"),
    ]
    assert rows(db, "select source_tz from imports") == [("Europe/Helsinki",)]


@pytest.mark.slow
def test_zh_cn_afternoon_markers_and_chinese_file_name(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "与家人群的 WhatsApp 聊天.txt")
    assert r.chats == ["家人群"]
    assert [(m[0], m[1], m[2], m[3], m[4]) for m in _msgs(db)] == [
        (1, _utc(2021, 1, 31, 15, 25), "text", "晚安", "name:家人群:张伟"),  # 下午11:25
        (2, _utc(2021, 1, 31, 16, 5), "other", None, "name:家人群:李娜"),  # 上午12:05 = 00:05
        (3, _utc(2021, 2, 1, 1, 30), "text", "早上好", "name:家人群:张伟"),
        (4, _utc(2021, 2, 1, 4, 10), "text", "中午好", "+8613800138000"),  # 下午12:10 = 12:10
    ]


@pytest.mark.slow
def test_korean_dotted_date_and_markers(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, FIX / "android_ko.txt", tz="Asia/Seoul")
    assert [(m[0], m[1], m[3], m[5]) for m in _msgs(db)] == [
        (1, _utc(2021, 1, 31, 14, 25), "안녕", "민준"),  # 오후 11:25 KST
        (2, _utc(2021, 1, 31, 15, 5), "잘자", "서연"),  # 오전 12:05 = 00:05
        (3, _utc(2021, 2, 1, 0, 30), "좋은 아침", "민준"),
    ]


@pytest.mark.slow
def test_day_first_inferred_from_a_later_date(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, FIX / "dayfirst_inferred.txt", tz="UTC")
    assert [m[1] for m in _msgs(db)] == [_utc(2021, 2, 1, 10), _utc(2021, 2, 5, 11), _utc(2021, 2, 13, 12)]


@pytest.mark.slow
def test_month_first_inferred_from_a_later_date(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, FIX / "monthfirst_inferred.txt", tz="UTC")
    assert [m[1] for m in _msgs(db)] == [_utc(2021, 1, 2, 10), _utc(2021, 5, 2, 11), _utc(2021, 5, 13, 12)]


@pytest.mark.parametrize(("header", "expected"), [
    ("01/02/21, 10:00 - ", _utc(2021, 2, 1, 10)),  # slashes, 24-hour: day-first
    ("01/02/21, 10:00 AM - ", _utc(2021, 1, 2, 10)),  # slashes, 12-hour (en-US): month-first
    ("01.02.21, 10:00 - ", _utc(2021, 2, 1, 10)),  # dots: day-first
    ("[01/02/2021, 10:00:00] ", _utc(2021, 2, 1, 10)),
    ("2021-01-02 10:00 - ", _utc(2021, 1, 2, 10)),  # year-first: year, month, day
])
def test_ambiguous_dates_fall_back_by_form(tmp_path: Path, header: str, expected: dt.datetime) -> None:
    p = tmp_path / "chat.txt"
    p.write_text(f"{header}Amy: hi\n", encoding="utf-8")
    assert _parse(p).get_column("ts").to_list() == [expected]


def test_date_order_decided_from_all_dates_beyond_the_sniffed_start(tmp_path: Path) -> None:
    """The first MiB has only ambiguous dates; a month-first date far into the file decides."""
    p = tmp_path / "long.txt"
    filler = "01/02/21, 10:00 - Amy: " + "x" * 100 + "\n"
    n = SAMPLE_BYTES // len(filler) + 500
    p.write_text(filler * n + "05/13/21, 12:00 - Ben: late\n", encoding="utf-8")
    df = _parse(p)
    assert df.height == n + 1
    assert df.get_column("ts")[0] == _utc(2021, 1, 2, 10)
    assert df.get_column("ts")[-1] == _utc(2021, 5, 13, 12)


def test_two_digit_years_are_20yy(tmp_path: Path) -> None:
    p = tmp_path / "chat.txt"
    p.write_text("31/12/70, 10:00 - Amy: seventy\n01/01/09, 10:00 - Amy: oh nine\n", encoding="utf-8")
    assert _parse(p).get_column("ts").to_list() == [_utc(2070, 12, 31, 10), _utc(2009, 1, 1, 10)]


def test_dash_and_colon_separated_variants(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("31-01-21 23:25 - Amy: dashes\n31-01-21 23:26 - Ben: b\n", encoding="utf-8")
    assert _parse(p).select("ts", "sender_name", "text").rows() == [
        (_utc(2021, 1, 31, 23, 25), "Amy", "dashes"), (_utc(2021, 1, 31, 23, 26), "Ben", "b")]
    q = tmp_path / "b.txt"
    q.write_text("13.06.18 21.25.15: Amy: colon after the time\n13.06.18 21.25.16: Amy created group \"X\"\n",
                 encoding="utf-8")
    assert _parse(q).select("ts", "sender_name", "text").rows() == [
        (_utc(2018, 6, 13, 21, 25, 15), "Amy", "colon after the time"),
        (_utc(2018, 6, 13, 21, 25, 16), None, 'Amy created group "X"')]
    r = tmp_path / "c.txt"
    r.write_text("[2018/06/13, 21:25:16] Ben: bracketed year-first\n", encoding="utf-8")
    assert _parse(r).select("ts", "sender_name", "text").rows() == [
        (_utc(2018, 6, 13, 21, 25, 16), "Ben", "bracketed year-first")]
    d = tmp_path / "d.txt"
    d.write_text("[31-01-21 23:25:03] Ben: bracketed dashes\n", encoding="utf-8")
    assert _parse(d).select("ts", "sender_name", "text").rows() == [
        (_utc(2021, 1, 31, 23, 25, 3), "Ben", "bracketed dashes")]


def test_lower_case_dotted_markers_odd_spaces_and_leading_marks(tmp_path: Path) -> None:
    p = tmp_path / "chat.txt"
    p.write_text("1/31/21, 11:25 pm - Amy: a\n1/31/21, 11:26 p.m. - Amy: b\n2/1/21, 12:01 am - Amy: c\n"
                 "2/1/21, 9:02\u202fa.\u202fm. - Amy: d\n2/1/21, 9:03\u2009AM - Amy: e\n"
                 "\u200f2/1/21, 9:04\u00a0PM - Amy: f\n\ufeff\u200e2/1/21, 12:05 PM - Amy: g\n", encoding="utf-8")
    assert _parse(p).select("ts", "text").rows() == [
        (_utc(2021, 1, 31, 23, 25), "a"), (_utc(2021, 1, 31, 23, 26), "b"), (_utc(2021, 2, 1, 0, 1), "c"),
        (_utc(2021, 2, 1, 9, 2), "d"), (_utc(2021, 2, 1, 9, 3), "e"), (_utc(2021, 2, 1, 21, 4), "f"),
        (_utc(2021, 2, 1, 12, 5), "g")]


@pytest.mark.slow
def test_dst_gap_and_source_tz(tmp_path: Path) -> None:
    p = tmp_path / "chat.txt"
    p.write_text("28/03/2021, 01:30 - Amy: before\n28/03/2021, 02:30 - Amy: in the gap\n"
                 "28/03/2021, 03:30 - Amy: after\n", encoding="utf-8")
    db, _ = _ingest(tmp_path, p, tz="Europe/Berlin")
    assert [m[1] for m in _msgs(db)] == [_utc(2021, 3, 28, 0, 30), _utc(2021, 3, 28, 1, 30),
                                         _utc(2021, 3, 28, 1, 30)]


# ---------------------------------------------------------------------------------------------
# records and authors


@pytest.mark.slow
def test_multi_line_messages(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "multiline.txt")
    assert r.n_read == 3
    assert [(m[0], m[3], m[5]) for m in _msgs(db)] == [
        (1, "line one\nline two\n\nline four after a blank\n13/09/20 is not a header line", "Alice"),
        (6, "ok", "Bob"),
        (7, "trailing blank lines follow", "Bob"),
    ]


@pytest.mark.slow
def test_lines_out_of_time_order_are_kept(tmp_path: Path) -> None:
    db, _ = _ingest(tmp_path, FIX / "out_of_order.txt")
    assert [(m[0], m[1], m[3]) for m in _msgs(db)] == [
        (1, _utc(2022, 3, 14, 2, 5), "second in time, first in file"),
        (2, _utc(2022, 3, 14, 2, 1), "first in time"),
        (3, _utc(2022, 3, 14, 2, 3), "in the middle"),
    ]
    assert rows(db, "select source_line from messages order by ts") == [(2,), (3,), (1,)]


@pytest.mark.slow
@pytest.mark.parametrize(("encoding", "label"), [("utf-8-sig", "utf-8 (BOM)"), ("utf-16", "utf-16")])
def test_bom_and_utf16_files(tmp_path: Path, encoding: str, label: str) -> None:
    p = tmp_path / "chat.txt"
    p.write_text((FIX / "dayfirst_inferred.txt").read_text(encoding="utf-8"), encoding=encoding)
    db, r = _ingest(tmp_path, p, tz="UTC")
    assert (r.encoding, r.n_new) == (label, 3)
    assert [(m[1], m[5]) for m in _msgs(db)] == [
        (_utc(2021, 2, 1, 10), "Amy"), (_utc(2021, 2, 5, 11), "Ben"), (_utc(2021, 2, 13, 12), "Amy")]


@pytest.mark.slow
def test_crlf_line_endings(tmp_path: Path) -> None:
    raw = (FIX / "android_crlf.txt").read_bytes()
    assert raw.count(b"\r\n") == 3
    db, _ = _ingest(tmp_path, FIX / "android_crlf.txt", tz="UTC")
    assert [(m[0], m[1], m[3], m[5]) for m in _msgs(db)] == [
        (1, _utc(2023, 5, 20, 18), "windows line endings\nsecond line", "Kai"),
        (3, _utc(2023, 5, 20, 18, 1), "ok", "Lea")]


@pytest.mark.slow
def test_authors_with_colons_dashes_tilde_phone_numbers_and_spaces(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, FIX / "authors.txt", tz="UTC")
    n = "name:authors:"
    assert [(m[0], m[2], m[3], m[4], m[5]) for m in _msgs(db)] == [
        (1, "text", "trailing space before the colon", n + "John Doe", "John Doe"),
        (2, "text", "unsaved contact", n + "Maria", "Maria"),  # `~` + U+202F dropped
        (3, "text", "phone author", "+4915123456789", "+49 1512 3456789"),
        (4, "text", "author with a colon", n + "Ratio 3:1", "Ratio 3:1"),
        (5, "text", "author with a dash", n + "Mary-Jane - Admin", "Mary-Jane - Admin"),
        (6, "text", "text with: a colon inside", n + "Dr. Who", "Dr. Who"),  # split on the first ": "
        (7, "text", "emoji author", n + "Zoë 🌸", "Zoë 🌸"),
        (8, "other", None, n + "Ana", "Ana"),  # lower-case <media omitted>
    ]
    assert rows(db, "select platform_key, key_kind, display_name from members where key_kind = 'id'") == [
        ("+4915123456789", "id", "+49 1512 3456789")]
    assert r.n_members == 8


@pytest.mark.slow
def test_english_system_lines_become_exact_events(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, SYSTEM)
    assert (r.n_read, r.n_new) == (28, 28)
    n = "name:system_en:"
    assert _events(db) == [
        ("create", "creator", n + "Amy", n + "Amy", "Book Club"),
        ("join", "invite", n + "Ben", n + "Amy", "Ben"),
        ("join", "invite", n + "Cleo", n + "Amy", "Cleo"),
        ("join", "invite", n + "Dan", n + "Amy", "Dan"),
        ("join", "invite", "+447700900123", n + "Amy", "+44 7700 900123"),
        ("join", "invite", "self", n + "Amy", None),  # "Amy added you"
        ("join", "link", n + "Eve", None, "Eve"),
        ("join", None, n + "Finn", None, "Finn"),  # joined from the community
        ("rename", None, n + "Ben", n + "Ben", "Book Club: 2022 📚"),  # the new name holds ": "
        ("icon", None, n + "Cleo", n + "Cleo", None),
        ("icon", None, n + "Cleo", n + "Cleo", None),  # deleted the icon
        ("description", None, n + "Dan", n + "Dan", None),
        ("settings", None, n + "Amy", n + "Amy", None),
        ("leave", None, n + "Dan", n + "Dan", "Dan"),
        ("remove", None, n + "Eve", n + "Amy", "Eve"),
        ("join", "invite", n + "Gus", "self", "Gus"),  # "You added Gus"
        ("settings", None, n + "Amy", n + "Amy", None),  # disappearing messages
        ("rename", None, n + "Amy", n + "Amy", "Book Club 3"),  # iOS form "changed the subject to"
    ]
    assert rows(db, "select m.platform_key, r.role from roles r join members m using (member_id)") == [
        ("self", "admin")]  # "You're now an admin"
    # the banner, the security-code and phone-number notices state no event
    assert rows(db, """select source_line from messages m where kind = 'system' and not exists
                       (select 1 from membership_events e where e.msg_id = m.msg_id) order by 1""") == [
        (1,), (17,), (18,), (19,)]
    # deletions: recalls by their author (also "deleted by admin")
    assert [(m[0], m[2], m[3], m[4]) for m in _msgs(db) if m[0] >= 20] == [
        (20, "recall", "This message was deleted", n + "Cleo"),
        (21, "recall", "You deleted this message", n + "Amy"),
        (22, "recall", "This message was deleted by admin Amy", n + "Ben"),
        (23, "system", "Amy turned on disappearing messages. All new messages will disappear from this chat 7 days "
         "after they're sent.", None),
        (24, "text", "Great news", n + "Ben"),
        (25, "system", 'Amy changed the subject to "Book Club 3"', None),
        (26, "image", "IMG-20220314-WA0001.jpg (file attached)\nthe cover", n + "Gus"),
        (28, "location", "location: https://maps.google.com/?q=51.5,-0.12", n + "Gus"),
        (29, "voice", "PTT-20220314-WA0002.opus (file attached)", n + "Gus"),
    ]
    assert rows(db, "select raw_type, edited_at from messages where source_line = 24") == [("edited", None)]
    assert rows(db, "select name, kind from chats") == [("system_en", "group")]


@pytest.mark.slow
def test_polls_view_once_live_location_calls_and_you(tmp_path: Path) -> None:
    p = tmp_path / "chat.txt"
    p.write_text("01/03/2023, 10:00 - Amy: POLL:\nWhere do we meet?\nOPTION: Park (2 votes)\nOPTION: Cafe (1 vote)\n"
                 "01/03/2023, 10:01 - Amy: live location shared\n"
                 "01/03/2023, 10:02 - Ben: null\n"
                 "01/03/2023, 10:03 - Ben: \u200eView once photo omitted\n"
                 "01/03/2023, 10:04 - You: my own message\n"
                 "01/03/2023, 10:05 - Cleo: Missed video call\n"
                 "01/03/2023, 10:06 - You deleted this group's icon\n"
                 "01/03/2023, 10:07 - \u202a+44 7700 900123\u202c: a number in embedding marks\n", encoding="utf-8")
    db, _ = _ingest(tmp_path, p, tz="UTC")
    assert rows(db, """select m.source_line, m.kind, m.text, m.raw_type, s.platform_key, m.sender_name, m.is_self
                       from messages m left join members s using (member_id) order by 1""") == [
        (1, "other", "POLL:\nWhere do we meet?\nOPTION: Park (2 votes)\nOPTION: Cafe (1 vote)", "poll",
         "name:chat:Amy", "Amy", False),
        (5, "location", None, "live location shared", "name:chat:Amy", "Amy", False),
        (6, "other", None, "null", "name:chat:Ben", "Ben", False),  # view-once, older Android
        (7, "image", None, "View once photo omitted", "name:chat:Ben", "Ben", False),
        (8, "text", "my own message", "text", "self", "You", True),  # "You" is the exporting account
        (9, "call", None, "Missed video call", "name:chat:Cleo", "Cleo", False),
        (10, "system", "You deleted this group's icon", "system", None, None, False),
        (11, "text", "a number in embedding marks", "text", "+447700900123", "+44 7700 900123", False),
    ]
    assert _events(db) == [("icon", None, "self", "self", None)]


@pytest.mark.slow
def test_ios_localised_notices_and_placeholders(tmp_path: Path) -> None:
    """LRM-led bodies in a language the grammar does not hold (Dutch): short ones are media
    placeholders of the author, long ones notices (the languages it holds: test_whatsapp_languages)."""
    p = tmp_path / "_chat.txt"
    p.write_text("[01.03.23, 10:00:00] Familie: \u200eJonas heeft de groep „Familie” aangemaakt.\n"
                 "[01.03.23, 10:01:00] Mia: \u200eAfbeelding weggelaten\n"
                 "[13.03.23, 10:02:00] Mia: Hallo\n", encoding="utf-8")
    db, _ = _ingest(tmp_path, p, tz="UTC")
    assert [(m[0], m[1], m[2], m[3], m[5]) for m in _msgs(db)] == [
        (1, _utc(2023, 3, 1, 10), "system", "Jonas heeft de groep „Familie” aangemaakt.", None),
        (2, _utc(2023, 3, 1, 10, 1), "other", None, "Mia"),
        (3, _utc(2023, 3, 13, 10, 2), "text", "Hallo", "Mia"),
    ]
    assert rows(db, "select kind from chats") == [("private",)]


# ---------------------------------------------------------------------------------------------
# the zip share


@pytest.mark.slow
def test_ios_zip_share_names_the_chat_after_the_zip(tmp_path: Path) -> None:
    z = tmp_path / "WhatsApp Chat - Family.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("_chat.txt", IOS.read_bytes())
        f.writestr("00000012-PHOTO-2024-01-31-13-03-00.jpg", b"\xff\xd8\xff")
    db, r = _ingest(tmp_path, z)
    assert (r.format, r.n_read, r.n_new, r.chats) == ("whatsapp_txt", 21, 21, ["Family"])
    assert rows(db, "select name, platform_key, kind from chats") == [("Family", "Family", "group")]
    assert rows(db, "select file_name from imports") == [("WhatsApp Chat - Family.zip",)]
    assert rows(db, "select count(*) from members where platform_key like 'name:Family:%'") == [(2,)]


@pytest.mark.slow
def test_android_zip_share(tmp_path: Path) -> None:
    z = tmp_path / "WhatsApp Chat with Jonas.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("WhatsApp Chat with Jonas.txt", (FIX / "WhatsApp Chat mit Jonas.txt").read_bytes())
        f.writestr("IMG-20210201-WA0001.jpg", b"\xff\xd8\xff")
    _, r = _ingest(tmp_path, z)
    assert (r.n_read, r.chats) == (5, ["Jonas"])


def test_error_in_a_zipped_chat_names_the_zip(tmp_path: Path) -> None:
    z = tmp_path / "WhatsApp Chat - Broken.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("_chat.txt", b"01/02/21, 10:00 - Amy: hi\n")
    with pytest.raises(IngestError) as e:
        ingest_file(z, tmp_path / "w.duckdb", fmt="whatsapp_txt", chat_name=None, tz="No/Such_Zone")
    assert Path(e.value.file).name == "WhatsApp Chat - Broken.zip"


@pytest.mark.parametrize(("name", "chat"), [
    ("WhatsApp Chat - Family.zip", "Family"),
    ("WhatsApp Chat with Bob Smith.txt", "Bob Smith"),
    ("WhatsApp Chat mit Oma.txt", "Oma"),
    ("Conversa do WhatsApp com Ana.txt", "Ana"),
    ("与宝妈群的 WhatsApp 聊天.txt", "宝妈群"),
    ("WhatsApp Chat - Family (1).zip", "Family"),
    ("_chat.txt", "_chat"),
    ("my export.txt", "my export"),
])
def test_chat_name_from_the_file_name(name: str, chat: str) -> None:
    assert whatsapp.chat_name_from(name) == chat


@pytest.mark.slow
def test_chat_name_option_overrides(tmp_path: Path) -> None:
    _, r = _ingest(tmp_path, FIX / "dayfirst_inferred.txt", chat_name="读书会")
    assert r.chats == ["读书会"]


# ---------------------------------------------------------------------------------------------
# detection, errors, re-imports


@pytest.mark.parametrize("path", [*sorted(FIX.glob("*.txt")), *WA_CONF], ids=lambda p: p.name)
def test_detected_as_whatsapp(path: Path) -> None:
    assert detect.detect(detect.probe(path)).name == "whatsapp_txt"


def test_whatsapp_matcher_rejects_other_exports() -> None:
    others = [f for f in sorted((TESTS / "fixtures").rglob("*")) if f.is_file() and "whatsapp" not in f.parts
              and f.suffix in (".txt", ".csv", ".json", ".jsonl")]
    others += [f for f in conformance_files(suffixes=(".txt", ".csv", ".json")) if "whatsapp" not in f.parts]
    assert len(others) > 20
    for f in others:
        assert not whatsapp.matches(detect.probe(f)), f


def test_foreign_file_forced_as_whatsapp_is_refused(fresh_copy: Path, tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("shopping list\n01/02/21, 10:00 - Amy: hi\n", encoding="utf-8")
    before = db_digest(fresh_copy)
    with pytest.raises(IngestError) as e:
        ingest_file(p, fresh_copy, fmt="whatsapp_txt")
    assert (Path(e.value.file).name, e.value.line) == ("notes.txt", 1)
    assert db_digest(fresh_copy) == before


def test_file_whose_times_are_all_broken_is_refused(fresh_copy: Path, tmp_path: Path) -> None:
    p = tmp_path / "broken.txt"
    p.write_text("31/02/2021, 10:00 - Amy: no such day\n31/02/2021, 10:01 - Ben: nor this\n", encoding="utf-8")
    before = db_digest(fresh_copy)
    with pytest.raises(IngestError) as e:
        ingest_file(p, fresh_copy)
    assert (Path(e.value.file).name, e.value.line, e.value.expected) == ("broken.txt", 1, "时间无法识别")
    assert db_digest(fresh_copy) == before


@pytest.mark.slow
def test_undecodable_bytes_skip_their_record(tmp_path: Path) -> None:
    p = tmp_path / "bad.txt"
    p.write_bytes(b"01/02/21, 10:00 - Amy: fine\n01/02/21, 10:01 - Ben: bro" + b"\xff\xfe"
                  + b"ken\nstill Ben\n13/02/21, 10:02 - Amy: also fine\n")
    db, r = _ingest(tmp_path, p, tz="UTC")
    assert (r.n_read, r.n_new, r.n_skipped) == (3, 2, 1)
    assert r.skipped_samples[0].startswith("第 2 行: 包含无法解码的字节")
    assert [m[3] for m in _msgs(db)] == ["fine", "also fine"]


@pytest.mark.slow
def test_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    db, r = _ingest(tmp_path, SYSTEM)
    assert r.n_new == 28
    before = rows(db, "select count(*), count(distinct msg_id) from messages")
    r2 = ingest_file(SYSTEM, db)
    assert r2.status == "already imported"
    copy = tmp_path / "copy of system_en.txt"
    shutil.copy(SYSTEM, copy)
    copy.write_bytes(SYSTEM.read_bytes() + b"\n")  # another file, same messages
    r3 = ingest_file(copy, db, chat_name="system_en")
    assert (r3.n_new, r3.n_duplicate) == (0, 28)
    assert rows(db, "select count(*), count(distinct msg_id) from messages") == before


# ---------------------------------------------------------------------------------------------
# the vectorised parse: blocks, carry-over, size


@pytest.mark.slow
@pytest.mark.parametrize("block", [40, 97, 333])
def test_blocks_cut_anywhere_give_the_same_rows(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    for path in (SYSTEM, IOS, FIX / "multiline.txt", FIX / "android_crlf.txt", *WA_CONF[:1], *WA_FORMS):
        whole = _parse(path)
        monkeypatch.setattr(whatsapp, "BLOCK_BYTES", block)
        assert _parse(path).equals(whole), path.name
        monkeypatch.undo()


def test_placeholders_are_seen_by_the_fast_path_and_agree_with_the_slow_one() -> None:
    for text, kind in whatsapp_texts.PLACEHOLDERS.items():
        assert any(m in text for m in whatsapp_texts.ODD_MARKS), text
        assert whatsapp_texts._vector_like("Amy", "\u200e" + text).kind == kind


def test_a_50k_line_file_parses(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    names = ["Amy", "Ben", "+49 1512 3456789", "Cleo"]
    with open(p, "w", encoding="utf-8") as fh:
        for i in range(45_000):
            t = dt.datetime(2022, 1, 1) + dt.timedelta(minutes=i)
            fh.write(f"{t:%d/%m/%Y, %H:%M} - {names[i % 4]}: message {i}\n")
            if i % 9 == 0:
                fh.write(f"second line of {i}\n")
            if i % 1000 == 0:
                fh.write(f"{t:%d/%m/%Y, %H:%M} - Amy added Dan{i}\n")
    df = _parse(p)
    assert df.height == 45_000 + 45
    assert df.filter(pl.col("kind") == "text").height == 45_000
    assert df.filter(pl.col("event_json").is_not_null()).height == 45
    last = df.filter(pl.col("text") == "message 44998").row(0, named=True)
    assert (last["ts"], last["sender_key"], last["sender_name"]) == (
        _utc(2022, 1, 1) + dt.timedelta(minutes=44_998), "+4915123456789", "+49 1512 3456789")
    assert df.filter(pl.col("text") == "message 9\nsecond line of 9").height == 1


WA_FILES = [*sorted(FIX.glob("*.txt")), *WA_CONF]


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(WA_FILES)).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete", "duplicate", "header"]))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=30))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 80))]
        elif op == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 300))]
        else:  # a header-looking fragment anywhere
            data[at:at] = draw(st.sampled_from(
                [b"\n01/02/21, 10:00 - ", b"\n[1/2/21, 1:00:00\xe2\x80\xafPM] ", b": ", b"\n99/99/99, 99:99 - X: y",
                 b"\n\xe2\x80\x8e", b"\r\n", b"\n2021. 1. 31. \xec\x98\xa4\xed\x9b\x84 11:25 - ", b"<Media omitted>"]))
    return bytes(data)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=_mutated(), block=st.sampled_from([64, 1 << 20]))
def test_mutated_fixtures_parse_or_raise_the_import_error(tmp_path: Path, data: bytes, block: int) -> None:
    p = tmp_path / "chat.txt"
    p.write_bytes(data)
    old = whatsapp.BLOCK_BYTES
    whatsapp.BLOCK_BYTES = block
    try:
        probe = detect.probe(p)
        parsed = whatsapp.FORMATS[0].parse(probe, Options(tz="Europe/Berlin"))
        n = sum(b.height for b in parsed.batches)
        assert n + parsed.state.n_skipped == parsed.state.n_read
    except IngestError as e:
        assert str(e)
    finally:
        whatsapp.BLOCK_BYTES = old
