"""Group rules: the default rule set finds exactly the planted rule breakers of the sample; each rule
kind on a hand-made chat; the checks of a rule set the owner writes; saving one recounts the hits
(and a bad one changes nothing); hits around the rule changes the owner marks or staff state in
the chats; the CLI and the page queries."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.core import db, queries, rules
from dashboard.core.analytics import rule_audit
from tests.independent import TRUTH, TZ, local_day, messages, monday


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


@pytest.fixture(scope="module")
def demo_hits(demo_db: Path) -> pl.DataFrame:
    with db.reader(demo_db) as con:
        return queries.run(con, "rules/hits")


# ---------------------------------------------------------------------------------------------
# the sample

PLANTED_RULES = {"advertising": {"recruiting_ads", "contact_handle"}, "external QR code": {"qr_after_join"},
                 "link": {"external_link"}}


def test_the_default_rules_find_every_planted_breaker_and_nobody_else(demo_hits: pl.DataFrame) -> None:
    breakers = TRUTH["rule_breakers"]
    assert len(breakers) == 2
    hit_members = {(r["chat_name"], r["member_name"]) for r in demo_hits.iter_rows(named=True)}
    assert hit_members == {(b["chat"], b["name"]) for b in breakers}
    for b in breakers:
        mine = demo_hits.filter((pl.col("chat_name") == b["chat"]) & (pl.col("member_name") == b["name"]))
        by_time: dict[dt.datetime, set[str]] = {}
        for r in mine.iter_rows(named=True):
            by_time.setdefault(r["ts"].astimezone(dt.UTC), set()).add(r["rule_id"])
        # every violation's message is hit by the rule meant for it, and nothing else of theirs is
        assert set(by_time) == {_at(v["at"]) for v in b["violations"]}
        for v in b["violations"]:
            assert PLANTED_RULES[v["rule"]] <= by_time[_at(v["at"])], (b["name"], v)
        # the owner removed them the same day: every hit says so
        assert mine["removed_after"].all() and mine["member_class"].to_list() == ["customer"] * mine.height
    # the ad text matches two rules and the link's title the keywords too: 5 hits each
    assert demo_hits.height == 10
    assert sorted(demo_hits["rule_id"].to_list()) == sorted(
        ["recruiting_ads"] * 4 + ["contact_handle"] * 2 + ["qr_after_join"] * 2 + ["external_link"] * 2)


def test_hits_carry_the_message_they_point_at(demo_db: Path, demo_hits: pl.DataFrame) -> None:
    raw = {r["msg_id"]: r for r in messages(demo_db).iter_rows(named=True)}
    for h in demo_hits.iter_rows(named=True):
        m = raw[h["msg_id"]]
        assert (m["chat_id"], m["member_id"], m["kind"], m["text"]) == (h["chat_id"], h["member_id"], h["kind"], h["text"])
        assert m["ts"] == h["ts"]
        assert h["week"] == monday(local_day(m["ts"]))


def test_context_shows_the_messages_around_a_hit(demo_db: Path, demo_hits: pl.DataFrame) -> None:
    hit = demo_hits.filter(pl.col("rule_id") == "qr_after_join").sort("ts").row(0, named=True)
    raw = messages(demo_db).filter(pl.col("chat_id") == hit["chat_id"]).sort("ts", "msg_id")
    ids = raw["msg_id"].to_list()
    i = ids.index(hit["msg_id"])
    expected = raw.slice(i - 3, 7)
    with db.reader(demo_db) as con:
        got = queries.run(con, "rules/context", chat_id=hit["chat_id"], msg_id=hit["msg_id"], around=3)
    assert got.height == 7
    assert got["is_hit"].to_list() == [False] * 3 + [True] + [False] * 3
    assert list(zip(got["ts"], got["kind"], got["text"], strict=True)) == list(
        zip(expected["ts"], expected["kind"], expected["text"], strict=True))
    assert got["sender"][3] == hit["member_name"]


def test_the_growth_tree_counts_each_members_hits(demo_db: Path) -> None:
    with db.reader(demo_db) as con:
        tree = queries.run(con, "growth/tree")
    hit = tree.filter(pl.col("rule_hits") > 0)
    assert sorted(zip(hit["chat_name"], hit["name"], hit["rule_hits"], strict=True)) == sorted(
        (b["chat"], b["name"], 5) for b in TRUTH["rule_breakers"])


def test_cli_lists_the_same_hits_as_the_page_query(demo_db: Path, demo_hits: pl.DataFrame) -> None:
    out = CliRunner().invoke(app, ["analyze", "rules", "--db", str(demo_db), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    keys = ("chat_name", "rule_id", "msg_id", "member_name", "detail", "removed_after")
    assert sorted(tuple(h[k] for k in keys) for h in data["hits"]) == sorted(
        tuple(r[k] for k in keys) for r in demo_hits.iter_rows(named=True))
    assert len(data["hits"]) == 10
    assert data["rule_set"]["default"] is True
    per_rule = {r["rule_id"]: (r["enabled"], r["hits"], r["members"]) for r in data["rules"]}
    assert [r.id for r in rules.parse(rules.default_text()).rules] == list(per_rule)
    assert {k: v for k, v in per_rule.items() if v[1]} == {
        "recruiting_ads": (True, 4, 2), "contact_handle": (True, 2, 2), "external_link": (True, 2, 2),
        "qr_after_join": (True, 2, 2)}
    assert sorted((m["member_name"], m["hits"], m["removed_after"]) for m in data["members"]) == sorted(
        (b["name"], 5, True) for b in TRUTH["rule_breakers"])


# ---------------------------------------------------------------------------------------------
# each kind on a hand-made chat

OWNER, STAFF, EXPERT = ("店长", "wxid_o"), ("店员", "wxid_s"), ("林老师", "wxid_t")
A, B, C, D, E, F = (("小" + x, "wxid_" + x.lower()) for x in "ABCDEF")


def _m(t: str, who: tuple[str, str], text: str, kind: str = "text") -> tuple:
    return (f"2025-05-{t}", who[0], who[1], text, kind)


def _sys(t: str, text: str) -> tuple:
    return (f"2025-05-{t}", "", "", text)


CHAT = [
    _m("01 09:00:00", OWNER, "大家好"), _m("01 09:01:00", STAFF, "欢迎新朋友"), _m("01 09:05:00", A, "你好"),
    # words
    _m("01 09:10:00", A, "诚招代理，在家也能做"), _m("01 09:11:00", B, "周末兼职日结"),
    _m("01 09:12:00", B, "今天天气真好"), _m("01 09:13:00", STAFF, "本店招代理请私聊"),
    _m("01 09:14:00", EXPERT, "兼职的事别信"), _m("01 09:15:00", C, "电话13812345678"),
    _m("01 09:16:00", C, "房号138"),
    # joins: the staff invites 小D, 小A invites 小E, 小F scans 小A's QR code
    _sys("01 10:00:00", '"店员"邀请"小D"加入了群聊'), _sys("01 10:00:00", '"小A"邀请"小E"加入了群聊'),
    _sys("01 10:01:00", '"小F"通过扫描"小A"分享的二维码加入群聊'),
    _m("01 10:10:00", D, "[图片]", "image"), _m("01 12:00:00", E, "[图片]", "image"),
    # links
    _m("01 12:05:00", A, "看看 https://shop.example.com/x 这个"), _m("01 12:06:00", A, "[链接] 免费领取试用装", "link"),
    _m("01 12:07:00", STAFF, "活动链接 https://ourshop.example.com/a"),
    _m("01 12:08:00", B, "我们店的新品 https://ourshop.example.com/b"), _m("01 12:09:00", B, "www是什么意思"),
    # a burst of 10 in one 2-minute slot, and 9
    *[_m(f"01 14:00:{6 * i:02d}", C, f"刷屏第{i}条") for i in range(10)],
    *[_m(f"01 14:10:{6 * i:02d}", D, f"聊天第{i}条") for i in range(9)],
    # the same sentence (12 characters) 4 times a day, another 3 times, and a short reaction 5 times
    *[_m(f"01 {15 + i}:00:00", B, "加我看看好物，私聊有优惠哦") for i in range(4)],
    *[_m(f"01 {15 + i}:20:00", E, "今天宝宝睡得很好呀真开心") for i in range(3)],
    *[_m(f"01 {15 + i}:40:00", E, "哈哈哈哈") for i in range(5)],
    # late hours
    _m("01 23:30:00", F, "晚安"), _m("01 23:40:00", STAFF, "晚安各位"), _m("02 06:59:00", F, "早"),
    _m("02 07:00:00", F, "早上好"),
]


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.handmade import declare, ingest_chat

    folder = tmp_path_factory.mktemp("rules")
    path = folder / "r.duckdb"
    ingest_chat(path, folder, "c.csv", "规则群", CHAT)
    declare(path, folder, ["规则群,wxid_o,店长,店长,,,,,", "规则群,wxid_s,店员,店员,,,,,",
                           "规则群,wxid_t,林老师,专家,育儿,,,,"])
    return path


def _audit(path: Path, body: str, applies_to: str | None = None) -> set[tuple[str, str, str]]:
    """(member, local time, detail) of the hits of the one rule `body` describes."""
    text = '[[rule]]\nid = "r"\n' + body + (f'\napplies_to = "{applies_to}"' if applies_to else "")
    with db.reader(path) as con:
        hits = rules.audit(con, rules.parse(text), None)
        names = dict(con.execute("select member_id, name from chat_members").fetchall())
    assert set(hits["rule_id"]) <= {"r"}
    return {(names[r["member_id"]], r["ts"].astimezone(TZ).strftime("%d %H:%M:%S"), r["detail"])
            for r in hits.iter_rows(named=True)}


@pytest.mark.slow
def test_keywords(chat: Path) -> None:
    rule = 'kind = "keywords"\nterms = ["招代理", "兼职", " "]'
    assert _audit(chat, rule) == {("小A", "01 09:10:00", "招代理"), ("小B", "01 09:11:00", "兼职"),
                                  ("林老师", "01 09:14:00", "兼职")}
    # the staff's own post counts for everyone; an expert is organic but not a customer
    assert _audit(chat, rule, "everyone") == _audit(chat, rule) | {("店员", "01 09:13:00", "招代理")}
    assert _audit(chat, rule, "customers") == {("小A", "01 09:10:00", "招代理"), ("小B", "01 09:11:00", "兼职")}


def test_keywords_are_words_not_patterns(chat: Path) -> None:
    """A term with regex characters is matched literally."""
    assert _audit(chat, 'kind = "keywords"\nterms = ["138.", "www."]') == set()
    assert _audit(chat, 'kind = "keywords"\nterms = ["138"]') == {("小C", "01 09:15:00", "138"), ("小C", "01 09:16:00", "138")}


def test_pattern(chat: Path) -> None:
    assert _audit(chat, "kind = \"pattern\"\npattern = '1[3-9][0-9]{9}'") == {("小C", "01 09:15:00", "13812345678")}


def test_link(chat: Path) -> None:
    rule = 'kind = "link"\nallow = []'
    organic = {("小A", "01 12:05:00", "https://shop.example.com/x"), ("小A", "01 12:06:00", "免费领取试用装"),
               ("小B", "01 12:08:00", "https://ourshop.example.com/b")}
    assert _audit(chat, rule) == organic  # "www是什么意思" holds no address
    assert _audit(chat, rule, "everyone") == organic | {("店员", "01 12:07:00", "https://ourshop.example.com/a")}
    # a link whose text holds an allowed word is not a hit
    allowed = _audit(chat, 'kind = "link"\nallow = ["ourshop", "试用装"]', "everyone")
    assert allowed == {("小A", "01 12:05:00", "https://shop.example.com/x")}


def test_image_after_join(chat: Path) -> None:
    # 小D posts a picture 10 minutes after joining; 小E two hours after
    assert _audit(chat, 'kind = "image_after_join"\nminutes = 60') == {("小D", "01 10:10:00", "10 min")}
    assert _audit(chat, 'kind = "image_after_join"\nminutes = 10') == set()
    assert _audit(chat, 'kind = "image_after_join"\nminutes = 121') == {
        ("小D", "01 10:10:00", "10 min"), ("小E", "01 12:00:00", "120 min")}


def test_flood(chat: Path) -> None:
    got = _audit(chat, 'kind = "flood"\ncount = 10\nminutes = 2\nrepeat = 4\nmin_chars = 10')
    burst = {("小C", f"01 14:00:{6 * i:02d}", "10 条/2 分钟") for i in range(10)}
    repeated = {("小B", f"01 {15 + i}:00:00", "同一句 4 次") for i in range(4)}
    # 小D's 9 are under the count; 小E's 3 repeats are under the repeat; 哈哈哈哈 is too short to count
    assert got == burst | repeated
    assert _audit(chat, 'kind = "flood"') == got  # those are the defaults
    # with a lower bar 小D's burst and 小E's sentence count too
    lower = _audit(chat, 'kind = "flood"\ncount = 9\nminutes = 2\nrepeat = 3\nmin_chars = 10')
    assert lower == burst | repeated | {("小D", f"01 14:10:{6 * i:02d}", "9 条/2 分钟") for i in range(9)} \
        | {("小E", f"01 {15 + i}:20:00", "同一句 3 次") for i in range(3)}
    # counting short texts too, 小E's 哈哈哈哈 five times is a repeat
    short = _audit(chat, 'kind = "flood"\ncount = 10\nminutes = 2\nrepeat = 4\nmin_chars = 4')
    assert short == got | {("小E", f"01 {15 + i}:40:00", "同一句 5 次") for i in range(5)}


def test_hours_wrap_past_midnight(chat: Path) -> None:
    assert _audit(chat, 'kind = "hours"\nstart = 23\nend = 7') == {("小F", "01 23:30:00", "23:30"),
                                                                    ("小F", "02 06:59:00", "06:59")}
    assert _audit(chat, 'kind = "hours"\nstart = 23\nend = 7', "everyone") == {
        ("小F", "01 23:30:00", "23:30"), ("店员", "01 23:40:00", "23:40"), ("小F", "02 06:59:00", "06:59")}
    # a span within one day: 12 o'clock up to 13 o'clock
    assert {n for n, _, _ in _audit(chat, 'kind = "hours"\nstart = 12\nend = 13')} == {"小A", "小B", "小E"}
    assert len(_audit(chat, 'kind = "hours"\nstart = 12\nend = 13')) == 5


def test_invites_belong_to_the_inviter(chat: Path) -> None:
    # 小A, a customer, invited 小E and shared the QR code 小F scanned; the staff's invitation is allowed
    assert _audit(chat, 'kind = "invites"\nallow = ["staff"]') == {("小A", "01 10:00:00", "小E"),
                                                                    ("小A", "01 10:01:00", "小F")}
    assert _audit(chat, 'kind = "invites"\nallow = ["staff", "customer"]') == set()
    assert _audit(chat, 'kind = "invites"\nallow = ["customer"]') == {("店员", "01 10:00:00", "小D")}


def test_the_rollup_holds_the_default_rules_hits_and_follows_the_roles(chat: Path) -> None:
    """rule_hits is recounted after members.csv made 店员 staff: her 招代理 post is not a hit."""
    with db.reader(chat) as con:
        stored = con.sql("select chat_id, rule_id, msg_id, member_id, ts, detail from rule_hits").pl()
        expected = rules.audit(con, rules.current(con), None)
        names = dict(con.execute("select member_id, name from chat_members").fetchall())
    key = ["rule_id", "msg_id"]
    assert stored.sort(key).select(key).rows() == expected.sort(key).select(key).rows()
    got = {(r["rule_id"], names[r["member_id"]]) for r in stored.iter_rows(named=True)}
    assert got == {("recruiting_ads", "小A"), ("recruiting_ads", "小B"), ("recruiting_ads", "林老师"),
                   ("external_link", "小A"), ("external_link", "小B"), ("qr_after_join", "小D"),
                   ("flooding", "小C"), ("flooding", "小B")}


# ---------------------------------------------------------------------------------------------
# checking a rule set


@pytest.mark.parametrize(("text", "words"), [
    ('[[rule]]\nid = "ads"\nkind = "spam"', ["'ads'", "kind", "spam"]),
    ('[[rule]]\nid = "ads"\nkind = "keywords"', ["'ads'", "terms"]),
    ('[[rule]]\nid = "ads"\nkind = "keywords"\nterms = ["", "  "]', ["'ads'", "terms"]),
    ('[[rule]]\nid = "ads"\nkind = "keywords"\nterms = "招代理"', ["'ads'", "terms", "列表"]),
    ("[[rule]]\nid = \"handle\"\nkind = \"pattern\"\npattern = '(加微信'", ["'handle'", "pattern", "正则"]),
    ('[[rule]]\nid = "a"\nkind = "link"\n[[rule]]\nid = "b"\nkind = "link"\n[[rule]]\nid = "a"\nkind = "hours"',
     ["重复", "a"]),
    ('[[rule]\nid = "a"', ["TOML"]),
    ('[[rule]]\nid = "bad id"\nkind = "link"', ["id", "bad id"]),
    ('[[rule]]\nid = "ads"\nkind = "link"\napplies_to = "staff"', ["'ads'", "applies_to", "staff"]),
    ('[[rule]]\nid = "night"\nkind = "hours"\nstart = 24', ["'night'", "0 到 23"]),
    ('[[rule]]\nid = "inv"\nkind = "invites"\nallow = ["boss"]', ["'inv'", "boss"]),
    ('[[rule]]\nid = "fl"\nkind = "flood"\ncount = 0', ["'fl'", "大于 0"]),
    ('[[rule]]\nid = "fl"\nkind = "flood"\ncount = true', ["'fl'", "count", "整数"]),
    ('[[change]]\nnote = "新群规"', ["change", "date"]),
    ('[[change]]\ndate = "七月"', ["change", "date"]),
])
def test_a_bad_rule_set_is_refused_with_the_rule_and_the_problem(text: str, words: list[str]) -> None:
    with pytest.raises(rules.RulesError) as exc:
        rules.parse(text, "我的群规.toml")
    message = str(exc.value)
    assert "我的群规.toml" in message
    for w in words:
        assert w in message, message


@pytest.mark.parametrize("pattern", ["微商(?=招)", "(代理)\\1", "(?<!不)招代理"])
def test_a_pattern_the_database_cannot_run_is_refused_when_parsed(pattern: str) -> None:
    """Patterns run in DuckDB (RE2, as rules.toml says): lookarounds and back-references, which
    Python's re accepts, must be refused with the rule's id, not fail later in the audit."""
    text = f"[[rule]]\nid = 'handle'\nkind = 'pattern'\npattern = '{pattern}'\n"
    with pytest.raises(rules.RulesError) as exc:
        rules.parse(text)
    assert "'handle'" in str(exc.value) and "pattern" in str(exc.value)


def test_a_rule_set_parses_with_its_defaults() -> None:
    rs = rules.parse(rules.default_text())
    assert len({r.id for r in rs.rules}) == len(rs.rules) >= 7
    assert {r.kind for r in rs.rules} == set(rules.KINDS)  # the default shows every kind
    parsed = rules.parse('[[rule]]\nid = "x"\nkind = "flood"\n[[rule]]\nid = "y"\nkind = "hours"\nenabled = false\n'
                         '[[change]]\ndate = 2025-07-13\nchat = "福利群"')
    assert parsed.rules[0].params == {"count": 10, "minutes": 2, "repeat": 4, "min_chars": 10}
    assert (parsed.rules[0].applies_to, parsed.rules[0].name, parsed.rules[0].enabled) == ("organic", "x", True)
    assert parsed.rules[1].params == {"start": 23, "end": 7} and [r.id for r in parsed.enabled()] == ["x"]
    assert parsed.changes == (rules.Change(dt.date(2025, 7, 13), "福利群", ""),)
    assert parsed.digest != rs.digest and len(parsed.digest) == 16


# ---------------------------------------------------------------------------------------------
# saving a rule set


def _copy(demo_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo_copy.duckdb"
    shutil.copy(demo_db, target)
    return target


def _state(path: Path) -> tuple[list[tuple], dict[str, str]]:
    with db.reader(path) as con:
        hits = con.execute("select rule_id, msg_id, member_id, ts, detail, kind, text, sender_name from rule_hits order by all").fetchall()
        meta = dict(con.execute("select key, value from meta").fetchall())
    return hits, meta


@pytest.mark.slow
def test_saving_a_rule_set_recounts_and_none_restores_the_default(demo_db: Path, tmp_path: Path) -> None:
    path = _copy(demo_db, tmp_path)
    before, meta_before = _state(path)
    assert "rules_toml" not in meta_before and len(before) == 10
    default = rules.default_text()
    marker = 'id = "recruiting_ads"\n'
    assert default.count(marker) == 1
    text = default.replace(marker, marker + "enabled = false\n")
    with db.writer(path) as con, db.change(con):
        saved = rules.save(con, text)
    assert [r.id for r in saved.enabled()] == [r.id for r in rules.parse(default).enabled() if r.id != "recruiting_ads"]
    after, meta = _state(path)
    assert after == [h for h in before if h[0] != "recruiting_ads"] and len(after) == 6
    assert meta["rules_toml"] == text and meta["rule_hits_digest"] == saved.digest
    assert int(meta["data_version"]) == int(meta_before["data_version"]) + 1
    # opening the store again keeps her rule set and its hits
    with db.writer(path) as con:
        assert rules.refresh_if_changed(con) is False
    assert _state(path)[0] == after
    with db.writer(path) as con, db.change(con):
        rules.save(con, None)
    restored, meta = _state(path)
    assert restored == before and "rules_toml" not in meta
    assert meta["rule_hits_digest"] == rules.parse(default).digest


def test_saving_a_bad_rule_set_changes_nothing(demo_db: Path, tmp_path: Path) -> None:
    path = _copy(demo_db, tmp_path)
    before = _state(path)
    bad = rules.default_text().replace('kind = "link"', 'kind = "links"')
    with db.writer(path) as con:  # no transaction around it: the check comes before any write
        with pytest.raises(rules.RulesError) as exc:
            rules.save(con, bad)
        assert "external_link" in str(exc.value) and "links" in str(exc.value)
        with pytest.raises(rules.RulesError):
            rules.save(con, "[[rule]]\nid = 'x'\nkind = 'pattern'\npattern = '['")
    assert _state(path) == before


@pytest.mark.slow
def test_a_stale_digest_recounts_on_open(demo_db: Path, tmp_path: Path) -> None:
    """Hits counted under another rule set (no digest, or an older default's digest after an
    upgrade) are recounted when the store is next opened for writing."""
    path = _copy(demo_db, tmp_path)
    before = _state(path)[0]
    with db.writer(path) as con:
        con.execute("delete from rule_hits")
        con.execute("delete from meta where key = 'rule_hits_digest'")
    with db.writer(path):
        pass
    assert _state(path)[0] == before
    with db.writer(path) as con:
        con.execute("delete from rule_hits")
        con.execute("update meta set value = 'older-default' where key = 'rule_hits_digest'")
    with db.writer(path):
        pass
    hits, meta = _state(path)
    assert hits == before and meta["rule_hits_digest"] == rules.parse(rules.default_text()).digest


@pytest.mark.slow
def test_the_report_reads_the_owners_saved_rules(demo_db: Path, tmp_path: Path) -> None:
    path = _copy(demo_db, tmp_path)
    text = rules.default_text().replace('id = "recruiting_ads"\n', 'id = "recruiting_ads"\nenabled = false\n')
    with db.writer(path) as con, db.change(con):
        rules.save(con, text)
    with db.reader(path) as con:
        report = rule_audit.report(con)
    assert report["rule_set"] == {"digest": rules.parse(text).digest, "default": False}
    assert sorted(r["rule_id"] for r in report["hits"]) == sorted(
        ["contact_handle"] * 2 + ["qr_after_join"] * 2 + ["external_link"] * 2)
    out = CliRunner().invoke(app, ["analyze", "rules", "--db", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    assert len(json.loads(out.stdout)["hits"]) == 6


@pytest.mark.slow
def test_an_import_after_saving_own_rules_counts_its_hits_under_them(tmp_path: Path) -> None:
    from tests.handmade import ingest_chat

    path = tmp_path / "own.duckdb"
    ingest_chat(path, tmp_path, "a.csv", "群一", [("2025-05-01 09:00:00", "小A", "wxid_a", "诚招代理")], ids="a")
    with db.writer(path) as con, db.change(con):
        rules.save(con, '[[rule]]\nid = "agents"\nkind = "keywords"\nterms = ["代理"]\n')
    ingest_chat(path, tmp_path, "b.csv", "群一", [("2025-05-02 09:00:00", "小B", "wxid_b", "代理加盟看这里")], ids="b")
    with db.reader(path) as con:
        got = con.execute("select rule_id, detail from rule_hits order by ts").fetchall()
    assert got == [("agents", "代理"), ("agents", "代理")]


# ---------------------------------------------------------------------------------------------
# hits around a rule change


@pytest.mark.slow
def test_hits_around_rule_changes_equal_an_independent_recount(demo_db: Path, tmp_path: Path) -> None:
    """Changes compared: the one the owner marks on Sunday 2025-07-13 in 福利群, and the two days
    staff restated the rules in the chats (the sample's owner does so right after removing each ad
    poster). Each compares the 4 weeks before the change's week with the 4 weeks after it; the
    week of the change (with the ad poster's 5 hits) is in neither. Counted under the default rules
    (no hit on either side) and under a rule that hits every organic 谢谢."""
    path = _copy(demo_db, tmp_path)
    change = '\n[[change]]\ndate = 2025-07-13\nchat = "福利群"\nnote = "禁止广告"\n'
    thanks = '[[rule]]\nid = "thanks"\nkind = "keywords"\nterms = ["谢谢"]\n'
    raw = messages(demo_db)
    names = dict(_chats(demo_db))
    organic = raw.filter(pl.col("active") & pl.col("member_class").is_in(["customer", "expert"]))
    said_thanks = organic.filter(pl.col("text").str.contains("谢谢", literal=True))
    # staff texts stating a rule, from the raw rows
    stated = raw.filter(~pl.col("member_class").is_in(["customer", "expert"]) & (pl.col("kind") == "text")
                        & pl.col("text").str.contains("群规|禁止|严禁|不允许|请勿|不得"))
    expected_changes = sorted([(dt.date(2025, 7, 13), "福利群", "marked")] + [
        (d, names[c], "chat") for c, d in stated.select("chat_id", "day").iter_rows()])
    assert expected_changes == [(dt.date(2025, 7, 12), "福利群", "chat"), (dt.date(2025, 7, 13), "福利群", "marked"),
                                (dt.date(2025, 8, 14), "新手妈妈群", "chat")]

    def count(frame: pl.DataFrame, chat: str, day: dt.date) -> tuple[int, int]:
        week = monday(day)
        part = frame.filter(pl.col("chat_id") == _chat_id(demo_db, chat))
        before = part.filter(pl.col("day").is_between(week - dt.timedelta(weeks=4), week - dt.timedelta(days=1)))
        after = part.filter(pl.col("day").is_between(week + dt.timedelta(days=7), week + dt.timedelta(days=34)))
        return before.height, after.height

    for text, counted in ((rules.default_text() + change, None), (thanks + change, said_thanks)):
        with db.writer(path) as con, db.change(con):
            ruleset = rules.save(con, text)
        with db.reader(path) as con:
            weekly = queries.run(con, "rules/weekly")
            announced = queries.run(con, "rules/announcements")
        got = rule_audit.around_changes(rule_audit.changes(ruleset, announced), weekly)
        assert sorted(zip(got["date"], got["chat"], got["source"], strict=True)) == expected_changes
        for row in got.iter_rows(named=True):
            hits = (0, 0) if counted is None else count(counted, row["chat"], row["date"])
            assert (row["hits_before"], row["hits_after"]) == hits, row
            assert (row["messages_before"], row["messages_after"]) == count(organic, row["chat"], row["date"]), row
            assert row["rate_before"] == pytest.approx(1000 * hits[0] / row["messages_before"])
            assert row["rate_after"] == pytest.approx(1000 * hits[1] / row["messages_after"])
        marked = got.filter(pl.col("source") == "marked").row(0, named=True)
        assert marked["note"] == "禁止广告"
    assert min(count(said_thanks, "福利群", dt.date(2025, 7, 13))) > 0  # the second pass had hits to count
    # the week of the change holds the planted breaker's 5 hits under the default rules
    with db.reader(demo_db) as con:
        weekly = queries.run(con, "rules/weekly")
    week = weekly.filter((pl.col("chat_name") == "福利群") & (pl.col("week") == dt.date(2025, 7, 7)))
    assert week["hits"].to_list() == [5]
    # a change with no chat compares every chat
    every = rules.parse('[[change]]\ndate = 2025-08-20\n')
    row = rule_audit.around_changes([(c, "marked") for c in every.changes], weekly).row(0, named=True)
    assert (row["hits_before"], row["hits_after"]) == (5, 0)  # 新手妈妈群 8/14 falls in the weeks before
    span = (dt.date(2025, 7, 21), dt.date(2025, 8, 17))
    assert row["messages_before"] == organic.filter(pl.col("day").is_between(*span)).height


def _chats(path: Path) -> list[tuple[str, str]]:
    with db.reader(path) as con:
        return con.execute("select chat_id, name from chats").fetchall()


def _chat_id(path: Path, name: str) -> str:
    with db.reader(path) as con:
        return con.execute("select chat_id from chats where name = $n", {"n": name}).fetchone()[0]
