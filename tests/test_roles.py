"""The issue's acceptance on the sample scenario: experts inferred in their domains without being
declared, the owner and staff recognised, every planted lurker listed; accepting an inferred role
declares it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core import db, queries, roles, settings
from dashboard.core.ingest.pipeline import ingest_file
from dashboard.core.sample.demo import sample_files
from tests.conftest import rows
from tests.independent import TRUTH

EXPERTS = [r for r in TRUTH["roles"] if r["role"] == "expert"]


@pytest.fixture(scope="module")
def undeclared_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with every 专家 row removed from members.csv: nothing tells the store who the
    experts are."""
    root = tmp_path_factory.mktemp("undeclared")
    data = root / "sample_data"
    shutil.copytree(settings.sample_data_dir(), data)
    members = data / "members.csv"
    with members.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    kept = [table[0], *(r for r in table[1:] if r[3] != "专家")]
    assert len(kept) < len(table)
    with members.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(kept)
    target = root / "undeclared.duckdb"
    for f in sample_files(data):
        ingest_file(f, target)
    return target


def _profiles(path: Path) -> dict[tuple[str, str], dict]:
    got = rows(path, "select c.name, p.name, p.member_class, p.declared_roles, p.inferred_roles, p.inferred_domain "
                     "from member_profiles p join chats c using (chat_id)")
    return {(chat, name): {"class": cls, "declared": declared or [], "inferred": inferred, "domain": domain}
            for chat, name, cls, declared, inferred, domain in got}


@pytest.mark.slow
def test_experts_are_inferred_in_their_domains_without_being_declared(undeclared_db: Path) -> None:
    profiles = _profiles(undeclared_db)
    for expert in EXPERTS:
        for chat in expert["chats"]:
            p = profiles[(chat, expert["name"])]
            assert p["class"] == "customer", "the test needs the expert undeclared"
            assert "expert" in p["inferred"], (chat, expert["name"])
            assert p["domain"] == expert["domain"], (chat, expert["name"])
    # and nobody else: no customer, owner or staff member is taken for an expert
    experts = {(chat, e["name"]) for e in EXPERTS for chat in e["chats"]}
    assert {k for k, p in profiles.items() if "expert" in p["inferred"]} == experts


def test_owner_and_staff_are_recognised(demo_db: Path) -> None:
    profiles = _profiles(demo_db)
    for person in (r for r in TRUTH["roles"] if r["role"] in ("owner", "staff")):
        for chat in person["chats"]:
            p = profiles[(chat, person["name"])]
            assert p["class"] == "staff" and person["role"] in p["declared"], (chat, person["name"])
    # the owner made the two groups whose birth the exports show
    owner = next(r["name"] for r in TRUTH["roles"] if r["role"] == "owner")
    created = {chat for (chat, name), p in profiles.items() if "owner" in p["inferred"]}
    assert created == {c["name"] for c in TRUTH["chats"].values() if c["created_at"]}
    assert all(name == owner for (chat, name), p in profiles.items() if "owner" in p["inferred"])
    # no undeclared account behaves like staff in the sample
    assert not [k for k, p in profiles.items() if "staff" in p["inferred"]]


def test_every_planted_lurker_is_listed(demo_db: Path) -> None:
    profiles = _profiles(demo_db)
    for chat, planted in TRUTH["lurkers"].items():
        names = [m["name"] for m in planted["members"]]
        assert len(names) == planted["count"]
        missing = [n for n in names if "lurker" not in profiles[(chat, n)]["inferred"]]
        assert not missing, (chat, missing)


def test_lurkers_are_exactly_the_members_silent_for_28_days(demo_db: Path) -> None:
    """Independent of the rollup: present customers with no active message in the chat's last 28
    covered days, from raw messages. Customers as declared (view declared_classes): inferences are
    measured against the declared classes, never against themselves."""
    expected = set(rows(demo_db, """
        with last as (select chat_id, max(day) as last_day from covered_days group by all),
        spoke as (
            select distinct m.chat_id, m.member_id from messages m join last l using (chat_id)
            where m.kind not in ('system', 'recall') and cast(m.ts as date) > l.last_day - 28)
        select cm.chat_id, cm.member_id from chat_members cm
        left join declared_classes dc using (chat_id, member_id)
        where cm.left_at is null and coalesce(dc.member_class, 'customer') = 'customer'
          and (cm.chat_id, cm.member_id) not in (select (chat_id, member_id) from spoke)
    """))
    got = set(rows(demo_db, "select chat_id, member_id from member_profiles where list_contains(inferred_roles, 'lurker')"))
    assert got == expected and len(got) > sum(v["count"] for v in TRUTH["lurkers"].values())


@pytest.mark.slow
def test_accepting_an_inferred_expert_declares_it(undeclared_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(undeclared_db, copy)
    florist = next(e for e in EXPERTS if e["domain"] == "花艺")
    chat = florist["chats"][0]
    member_id, chat_id = rows(copy, "select p.member_id, p.chat_id from member_profiles p join chats c using (chat_id) "
                                    "where c.name = $c and p.name = $n", {"c": chat, "n": florist["name"]})[0]
    with db.writer(copy) as con:
        roles.declare(con, member_id, "expert", chat_id, domain="花艺", note="accepted inferred role")
    after = _profiles(copy)[(chat, florist["name"])]
    assert after["class"] == "expert" and "expert" in after["declared"] and "expert" in after["inferred"]
    # the expert-pull query now counts the declared domain
    with db.reader(copy) as con:
        experts = queries.run(con, "roles/expert_pull", chat_ids=[chat_id])
    row = experts.filter(experts["member_id"] == member_id).row(0, named=True)
    assert row["declared"] and row["domain"] == "花艺" and row["domain_messages"] > 0


ROOT = Path(__file__).resolve().parents[1]


def _app(monkeypatch: pytest.MonkeyPatch, db_file: Path) -> AppTest:
    monkeypatch.setenv("QUNXI_DB", str(db_file))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90)
    at.run()
    at.switch_page("app_pages/roles.py").run()
    assert not at.exception and not at.error
    return at


@pytest.mark.slow
def test_page_draws_every_tab(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _app(monkeypatch, demo_db)
    members = at.dataframe[0].value
    experts = members[members["inferred"].str.contains("专家")]
    assert set(experts["name"]) == {e["name"] for e in EXPERTS}
    for tab, charts, frames in (("活跃分层", 1, 0), ("话题与用词", 1, 2), ("多样性", 3, 0), ("专家带动", 1, 1),
                                ("回复网络", 1, 1), ("和活跃的关联", 1, 1)):
        at.session_state["roles_tab"] = tab
        at.run()
        assert not at.exception and not at.error, tab
        assert (len(at.get("plotly_chart")), len(at.dataframe)) == (charts, frames), tab
    # the expert table lists the three experts by name, with their domains
    at.session_state["roles_tab"] = "专家带动"
    at.run()
    pull = at.dataframe[0].value
    assert {(n, d) for n, d in zip(pull["name"], pull["domain"], strict=True)} == {
        (e["name"], e["domain"]) for e in EXPERTS}


@pytest.mark.slow
def test_accept_and_own_word_from_the_page(monkeypatch: pytest.MonkeyPatch, undeclared_db: Path,
                                           tmp_path: Path) -> None:
    """The owner accepts the first inferred expert and adds a word of her own, from the page."""
    copy = tmp_path / "page.duckdb"
    shutil.copy(undeclared_db, copy)
    at = _app(monkeypatch, copy)
    label = at.selectbox(key="roles_accept_pick").options[0]
    at.button(key="roles_accept").click().run()
    assert not at.exception and at.success and label in at.success[0].value
    declared = rows(copy, "select count(*) from roles where note = 'accepted inferred role'")[0][0]
    assert declared == 1
    at.session_state["roles_tab"] = "话题与用词"
    at.run()
    at.text_input(key="roles_own_word").input("醒花桶")
    at.button[[b.label for b in at.button].index("保存")].click().run()
    assert not at.exception and any("醒花桶" in s.value for s in at.success)
    assert rows(copy, "select word, kind from own_words") == [("醒花桶", "word")]


@pytest.mark.slow
def test_emerging_words_match_a_plain_tfidf(demo_db: Path) -> None:
    """Weekly TF-IDF with conversations as documents, recomputed in Python from raw messages, terms
    and the conversation starts: same words, scores and 'new' flags, week by week."""
    import bisect
    import datetime as dt
    import math
    from collections import defaultdict

    chat_id = rows(demo_db, "select chat_id from chats where name = 'VIP老客群'")[0][0]
    starts = rows(demo_db, "select started_at, conv_no from conversations where chat_id = $c and gap_minutes = 30 "
                           "order by started_at", {"c": chat_id})
    times = [s for s, _ in starts]
    words = rows(demo_db, "select m.ts, t.term from terms t join messages m using (msg_id) where t.chat_id = $c",
                 {"c": chat_id})
    week_of = {}
    for started, conv in starts:
        day = started.date()
        week_of[conv] = day - dt.timedelta(days=day.weekday())
    uses: set[tuple[int, str]] = set()
    for ts, term in words:
        conv = starts[bisect.bisect_right(times, ts) - 1][1]
        uses.add((conv, term))
    n = len(starts)
    df: dict[str, int] = defaultdict(int)
    tf: dict[tuple[dt.date, str], int] = defaultdict(int)
    docs: dict[dt.date, int] = defaultdict(int)
    for conv in week_of:
        docs[week_of[conv]] += 1
    for conv, term in uses:
        df[term] += 1
        tf[(week_of[conv], term)] += 1
    weeks_of_term: dict[str, list[dt.date]] = defaultdict(list)
    for week, term in tf:
        weeks_of_term[term].append(week)
    expected = {}
    for week in docs:
        scored = sorted(((c / docs[week] * math.log(n / df[term]), term) for (w, term), c in tf.items()
                         if w == week and c >= 2), key=lambda x: (-x[0], x[1]))[:8]
        for score, term in scored:
            new = not any(week - dt.timedelta(days=28) <= w < week for w in weeks_of_term[term])
            expected[(week, term)] = (round(score, 9), new)
    with db.reader(demo_db) as con:
        got = queries.run(con, "roles/emerging_terms", chat_ids=[chat_id])
    assert {(r["week"], r["term"]): (round(r["tfidf"], 9), r["new"]) for r in got.iter_rows(named=True)} == expected
    assert any(new for _, new in expected.values()) and not all(new for _, new in expected.values())
