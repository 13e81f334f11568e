"""The sample scenario: deterministic bytes, and an ingest that finds exactly what truth.json says."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import rows

from dashboard.core import settings
from dashboard.core.sample.generate import DEFAULT_SEED, OutputNotEmpty, generate, generate_scaled

SAMPLE = settings.sample_data_dir()
TRUTH = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


def digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "README.md"}


def shape(x: object) -> object:
    """The structure of a JSON value: keys and types, not values."""
    if isinstance(x, dict):
        if x and all(k.isdigit() for k in x):  # a histogram: its keys are data
            return {"<n>": shape(next(iter(x.values())))}
        return {k: shape(v) for k, v in x.items()}
    if isinstance(x, list):
        return [shape(x[0])] if x else []
    return type(x).__name__ if x is not None else "null"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "out"
    generate(out, DEFAULT_SEED)
    return out


@pytest.mark.slow
def test_committed_sample_is_the_default_seed_output(regenerated: Path) -> None:
    assert digests(regenerated) == digests(SAMPLE)


@pytest.mark.slow
def test_same_seed_same_bytes(regenerated: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", DEFAULT_SEED)
    assert digests(tmp_path / "again") == digests(regenerated)


@pytest.mark.slow
def test_other_seed_other_data_same_truth_structure(regenerated: Path, tmp_path: Path) -> None:
    other = generate(tmp_path / "other", 7)
    mine, theirs = digests(regenerated), digests(tmp_path / "other")
    assert {k: v for k, v in theirs.items() if k in mine} != mine
    assert set(other) == set(TRUTH)
    for key in ("chats", "cold_start", "campaign", "visits", "members_csv"):
        assert shape(other[key]) == shape(TRUTH[key]), key
    assert shape(other["events"][0]) == shape(TRUTH["events"][0])
    assert len(other["events"]) == len(TRUTH["events"]) == 6
    assert other["cold_start"]["end"] is not None


def test_output_folder_must_be_empty(regenerated: Path) -> None:
    with pytest.raises(OutputNotEmpty):
        generate(regenerated, DEFAULT_SEED)


@pytest.mark.slow
def test_scale_is_deterministic_whatever_the_workers(tmp_path: Path) -> None:
    one = generate_scaled(tmp_path / "one", 25_000, seed=3, workers=1)
    two = generate_scaled(tmp_path / "two", 25_000, seed=3, workers=2)
    assert one["shops"] == 2 and one == two
    assert digests(tmp_path / "one") == digests(tmp_path / "two")
    assert abs(one["messages"] - 25_000) / 25_000 < 0.15
    # every shop has its own stores and chat names, so shops can be loaded side by side
    shops = [json.loads((tmp_path / "one" / f"shop_000{i}" / "truth.json").read_text("utf-8")) for i in (1, 2)]
    assert not set(shops[0]["stores"]) & set(shops[1]["stores"])


# ---- the story itself ------------------------------------------------------------------------

def test_story_has_the_planted_shape() -> None:
    chats = TRUTH["chats"]
    assert chats["vip"]["created_at"] is None and chats["vip"]["cold_start_end"] is None
    assert TRUTH["cold_start"]["end"]["day"] <= TRUTH["cold_start"]["planted_day"]
    assert {a["declared_in_members_csv"] for a in TRUTH["alt_accounts"]} == {True, False}
    assert all(a["share_before_cold_start_end_plus_14d"] >= 0.8 for a in TRUTH["alt_accounts"])
    assert all(a["active_messages"] >= 30 for a in TRUTH["alt_accounts"])
    assert max(int(g) for g in TRUTH["generations"]["福利群"]) >= 4
    hist = {int(k): v for k, v in TRUTH["campaign"]["invitees_per_referrer_histogram"].items()}
    assert hist[10] > max(hist.get(9, 0), hist.get(11, 0)) * 2  # reward-seekers bunch at the threshold
    assert len(TRUTH["rule_breakers"]) == 2 and all(b["removed_at"] for b in TRUTH["rule_breakers"])
    assert {r["role"] for r in TRUTH["roles"]} == {"owner", "staff", "expert", "alt"}
    formats = {c["files"][0].split("/")[0]: c["format"] for c in chats.values()}
    assert len({(c["format"], c["identifies_people_by"]) for c in chats.values()}) == 3, formats


# ---- ingest finds exactly what the truth says ------------------------------------------------

def chat_id(db: Path, name: str) -> str:
    return rows(db, "select chat_id from chats where name = $n", {"n": name})[0][0]


@pytest.mark.parametrize("key", ["vip", "new", "perks"])
def test_ingest_counts_match_truth(demo_db: Path, key: str) -> None:
    t = TRUTH["chats"][key]
    cid = chat_id(demo_db, t["name"])
    kinds = dict(rows(demo_db, "select kind, count(*) from messages where chat_id = $c group by 1", {"c": cid}))
    assert kinds == t["messages_by_kind"]
    joins = dict(rows(demo_db, "select method, count(*) from membership_events where chat_id = $c and kind = 'join' "
                      "group by 1", {"c": cid}))
    assert joins == t["joins_by_method"]
    removals = rows(demo_db, "select count(*) from membership_events where chat_id = $c and kind = 'remove'",
                    {"c": cid})[0][0]
    assert removals == t["removals"]
    seen = rows(demo_db, """
        select count(distinct m) from (
            select member_id as m from messages where chat_id = $c
            union all select unnest(mentions) from messages where chat_id = $c
            union all select member_id from membership_events where chat_id = $c
            union all select actor_member_id from membership_events where chat_id = $c
            union all select claimer_member_id from red_packet_claims where chat_id = $c
            union all select e.member_id from solitaire_entries e join solitaires s using (solitaire_id)
                where s.chat_id = $c
        ) where m is not null""", {"c": cid})[0][0]
    assert seen == t["members_seen_in_export"]
    speakers = rows(demo_db, "select count(distinct member_id) from messages where chat_id = $c "
                    "and kind not in ('system', 'recall')", {"c": cid})[0][0]
    assert speakers == t["speakers"]


def test_red_packets_and_claims_match_truth(demo_db: Path) -> None:
    for name in ("新手妈妈群", "福利群"):
        cid = chat_id(demo_db, name)
        planted = [p for p in TRUTH["red_packets"] if p["chat"] == name]
        got = rows(demo_db, "select count(*) from red_packets where chat_id = $c", {"c": cid})[0][0]
        assert got == len(planted)
        claims = rows(demo_db, "select count(*), count(packet_id) from red_packet_claims where chat_id = $c",
                      {"c": cid})[0]
        assert claims == (sum(p["claims"] for p in planted),) * 2


def test_solitaire_entries_match_event_signups(demo_db: Path) -> None:
    for name in ("VIP老客群", "新手妈妈群"):
        events = [e for e in TRUTH["events"] if e["chat"] == name]
        got = rows(demo_db, "select count(distinct s.solitaire_id), count(*) from solitaire_entries e "
                   "join solitaires s using (solitaire_id) join chats c using (chat_id) where c.name = $n",
                   {"n": name})[0]
        assert got == (len(events), sum(e["solitaire_entries"] for e in events))


def test_store_records_match_truth(demo_db: Path) -> None:
    v = TRUTH["visits"]
    assert rows(demo_db, "select count(*), count(customer_id), count(distinct customer_id) from visits")[0] == (
        v["rows"], v["with_customer"], v["customers"])
    assert rows(demo_db, "select count(*) from store_events")[0][0] == len(TRUTH["events"])
    assert sorted(r[0] for r in rows(demo_db, "select name from stores")) == sorted(TRUTH["stores"])
    m = TRUTH["members_csv"]
    declared = dict(rows(demo_db, "select role, count(*) from roles where source = 'declared' group by 1"))
    zh = {"店长": "owner", "店员": "staff", "专家": "expert", "小号": "alt", "顾客": "customer"}
    assert declared == {zh[k]: n for k, n in m["by_role"].items()}
    assert rows(demo_db, "select count(*) from member_customers")[0][0] == m["with_customer_id"]


def test_invitation_edges_and_generations_match_truth(demo_db: Path) -> None:
    for name in ("新手妈妈群", "福利群"):
        cid = chat_id(demo_db, name)
        got = Counter(rows(demo_db, """
            select a.platform_key, b.platform_key, e.method from membership_events e
            join members a on a.member_id = e.actor_member_id join members b on b.member_id = e.member_id
            where e.chat_id = $c and e.kind = 'join'""", {"c": cid}))
        want = Counter((e["inviter"]["wxid"], e["invitee"]["wxid"], e["method"])
                       for e in TRUTH["invitation_edges"] if e["chat"] == name)
        assert got == want
        # generations by the recursive rule of docs/metrics.md §6.1, computed on the database
        gens = dict(rows(demo_db, """
            with recursive edges as (
                select member_id, actor_member_id as inviter from membership_events
                where chat_id = $c and kind = 'join'
            ), people as (
                select member_id from edges union select inviter from edges
            ), t(member_id, gen) as (
                select p.member_id, 0 from people p
                where p.member_id not in (select member_id from edges)
                union all
                select e.member_id, t.gen + 1 from edges e join t on e.inviter = t.member_id
            )
            select cast(gen as varchar), count(*) from t group by 1""", {"c": cid}))
        assert gens == TRUTH["generations"][name]


def test_lurkers_match_truth_in_wxid_chats(demo_db: Path) -> None:
    for key in ("new", "perks"):
        name = TRUTH["chats"][key]["name"]
        cid = chat_id(demo_db, name)
        quiet = {r[0] for r in rows(demo_db, """
            select m.platform_key from membership_events e join members m using (member_id)
            where e.chat_id = $c and e.kind = 'join' and not exists (
                select 1 from messages x where x.chat_id = $c and x.member_id = e.member_id
                and x.kind not in ('system', 'recall'))
            and not exists (select 1 from roles r where r.member_id = e.member_id and r.role <> 'customer')
            and m.platform_key not in (select unnest($ads))""",
            {"c": cid, "ads": [b["wxid"] for b in TRUTH["rule_breakers"]]})}
        assert quiet == {p["wxid"] for p in TRUTH["lurkers"][name]["members"]}
