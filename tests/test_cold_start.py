"""Cold start (docs/metrics.md §3.1, §3.4): the planted truths of the sample scenario, hand-made groups
that take off in a step, ramp up slowly, never warm up or have no owner messages, the owner's
decisions, the CLI and the page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from conftest import rows
from handmade import declare, ingest_chat
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.core import db, roles
from dashboard.core.analytics import cold_start

ROOT = Path(__file__).resolve().parent.parent
TRUTH = json.loads((ROOT / "sample_data" / "truth.json").read_text(encoding="utf-8"))
D = dt.date.fromisoformat


def _report(path: Path, chats: list[str] | None = None) -> cold_start.Report:
    con = db.open_reader(path)
    try:
        ids = None if chats is None else [r[0] for r in con.execute(
            "select chat_id from chats where list_contains($n, name)", {"n": chats}).fetchall()]
        return cold_start.analyze(con, ids)
    finally:
        con.close()


def _end(report: cold_start.Report, chat: str) -> cold_start.End:
    return next(e for c, e in report.ends.items() if report.names[c] == chat)


# ---------------------------------------------------------------------------------------------
# the sample scenario


@pytest.mark.slow
def test_sample_cold_start_ends_near_the_planted_day(demo_db: Path) -> None:
    report = _report(demo_db)
    planted = D(TRUTH["cold_start"]["end"]["date"])
    new = _end(report, TRUTH["cold_start"]["chat"])
    assert new.status == "ended" and abs((new.day - planted).days) <= 7, (new, planted)
    assert new.confirmed and new.changepoint_day is not None
    assert _end(report, "VIP老客群").status == "not_visible"  # created before the export
    perks = TRUTH["chats"]["perks"]
    assert _end(report, perks["name"]).day == D(perks["cold_start_end"]["date"])


def test_sample_flags_both_planted_alts_and_no_customer(demo_db: Path) -> None:
    accounts = _report(demo_db).accounts
    planted = {a["name"] for a in TRUTH["alt_accounts"]}
    flagged = accounts.filter(pl.col("score") >= 4)
    assert set(flagged["name"]) == planted, flagged.select("name", "score", "status")
    by_name = {r["name"]: r for r in flagged.iter_rows(named=True)}
    for alt in TRUTH["alt_accounts"]:
        row = by_name[alt["name"]]
        assert row["reference_name"] == alt["controlled_by"]["name"]
        # the one members.csv declares is shown as confirmed, the other awaits the owner
        assert row["status"] == ("alt" if alt["declared_in_members_csv"] else "suspected")
    staff_or_planted = planted | {r["name"] for r in TRUTH["roles"]}
    customers = accounts.filter(~pl.col("name").is_in(list(staff_or_planted)) & (pl.col("messages") >= 30))
    assert customers.height > 50 and customers["score"].max() < 4


def test_sample_accounts_below_thirty_messages_are_insufficient(demo_db: Path) -> None:
    accounts = _report(demo_db).accounts.filter(pl.col("status") != "customer")
    assert set(accounts.filter(pl.col("messages") < 30)["status"]) == {"insufficient"}
    assert "insufficient" not in set(accounts.filter(pl.col("messages") >= 30)["status"])


# ---------------------------------------------------------------------------------------------
# hand-made groups: day 0 is 2025-03-03, the owner creates the group by inviting a batch


FOUNDERS = [f"客{i}" for i in range(1, 31)]


def _group(daily_speakers: list[int], owner_posts: int = 2) -> list[tuple]:
    """A WeChat-style group born 2025-03-03 09:00 (the owner adds thirty people in one notice), then
    per day: the owner's posts, and each of the first n customers once (n from daily_speakers)."""
    day0 = dt.datetime(2025, 3, 3, 9, 0)
    out: list[tuple] = [(day0.strftime("%Y-%m-%d %H:%M:%S"), "", "", f'你邀请"{"、".join(FOUNDERS)}"加入了群聊')]
    for d, n in enumerate(daily_speakers):
        day = day0 + dt.timedelta(days=d)
        for k in range(owner_posts):
            out.append(((day + dt.timedelta(minutes=5 + k)).strftime("%Y-%m-%d %H:%M:%S"), "店长", "wxid_owner",
                        f"早上好 {d}-{k}"))
        for i in range(n):
            t = day + dt.timedelta(hours=1, minutes=10 * i)
            out.append((t.strftime("%Y-%m-%d %H:%M:%S"), FOUNDERS[i], f"wxid_c{i}", f"今天宝宝怎么样 {d}"))
    return out


def _hand_made(tmp_path: Path, name: str, daily_speakers: list[int], owner_posts: int = 2) -> Path:
    path = tmp_path / "db.duckdb"
    ingest_chat(path, tmp_path, f"{name}.csv", name, _group(daily_speakers, owner_posts))
    if owner_posts:
        declare(path, tmp_path, [f"{name},wxid_owner,店长,店长,,,,,"])
    return path


def _rule_end(daily_speakers: list[int], owner_posts: int = 2) -> int | None:
    """docs/metrics.md §3.1 worked out by hand for _group: a week [d, d+7) holds when its distinct
    speakers (customers are the first n, so the week's largest n) reach max(5, 5% of 31 members) and
    customers sent at least half its messages; the end is the first d whose week and the next hold."""
    def holds(d: int) -> bool:
        week = daily_speakers[d:d + 7]
        return len(week) == 7 and max(week) >= 5 and sum(week) >= 0.5 * (sum(week) + owner_posts * 7)
    return next((d for d in range(len(daily_speakers)) if holds(d) and holds(d + 7)), None)


@pytest.mark.slow
def test_a_step_change_ends_cold_start_on_the_step(tmp_path: Path) -> None:
    """Two customers a day for three weeks against three owner posts, then eight customers: the
    rule's first good week already reaches into the step, and the changepoint is the step itself."""
    series = [2] * 21 + [8] * 30
    path = _hand_made(tmp_path, "台阶群", series, owner_posts=3)
    end = _end(_report(path), "台阶群")
    assert (end.status, end.age_day) == ("ended", _rule_end(series, 3))
    assert 14 < end.age_day < 21
    assert end.changepoint_day == D("2025-03-24") and end.confirmed  # day 21


@pytest.mark.slow
def test_a_slow_ramp_has_one_end_not_a_staircase(tmp_path: Path) -> None:
    """One more customer every five days: PELT cuts the ramp into steps, yet one end is reported,
    the rule's first day, and the changepoint read is the first step where the rule holds."""
    ramp = [min(1 + d // 5, 12) for d in range(70)]
    path = _hand_made(tmp_path, "慢热群", ramp)
    report = _report(path)
    end = _end(report, "慢热群")
    assert (end.status, end.age_day) == ("ended", _rule_end(ramp))
    assert report.days.filter(pl.col("ends_cold_start").fill_null(False)).height > 30  # every later day qualifies
    assert len(report.ends) == 1 and end.changepoint_day >= end.day


@pytest.mark.slow
def test_a_group_that_never_warms_up(tmp_path: Path) -> None:
    path = _hand_made(tmp_path, "冷清群", [2] * 40)
    report = _report(path)
    end = _end(report, "冷清群")
    assert end == cold_start.End("not_yet")
    assert report.days.height == 40 and report.days["birth_seen"].all()


@pytest.mark.slow
def test_a_group_with_no_owner_messages(tmp_path: Path) -> None:
    """Customers only, nobody declared: nothing to seed and nobody to compare alt accounts with."""
    path = _hand_made(tmp_path, "自助群", [6] * 20, owner_posts=0)
    report = _report(path)
    end = _end(report, "自助群")
    assert (end.status, end.age_day) == ("ended", 0)
    seeding = report.seeding
    assert seeding["staff_messages"].sum() == 0 and seeding["prompts"].sum() == 0
    assert seeding["owner_share"].to_list() == [0.0, 0.0, 0.0]
    assert report.accounts.is_empty()
    out = cold_start.as_dict(report)["chats"][0]
    assert out["accounts"] == [] and out["cold_start"]["age_day"] == 0


# ---------------------------------------------------------------------------------------------
# the owner's decisions


@pytest.mark.slow
def test_decisions_are_declared_roles_that_survive_a_reimport(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "copy.duckdb"
    path.write_bytes(demo_db.read_bytes())
    suspect = next(a for a in TRUTH["alt_accounts"] if not a["declared_in_members_csv"])
    member, chat = rows(path, """select n.member_id, n.chat_id from member_names n join chats c using (chat_id)
                                  where n.name = $n and c.name = $c""", {"n": suspect["name"], "c": suspect["chat"]})[0]
    def alt_days() -> int:
        return rows(path, "select count(*) from daily_member_activity where member_class = 'alt'")[0][0]

    suspected = alt_days()  # suspected: already out of the organic figures
    with db.writer(path) as con:
        roles.decide(con, member, chat, "customer")
    assert alt_days() < suspected  # a real customer: back in the organic figures
    with db.writer(path) as con:
        roles.decide(con, member, chat, "alt")  # she changed her mind: the later answer replaces the first
    assert rows(path, "select role from roles where member_id = $m and import_id is null", {"m": member}) == [("alt",)]
    assert alt_days() == suspected  # her alt, confirmed, stays out
    status = _report(path, [suspect["chat"]]).accounts.filter(pl.col("member_id") == member)["status"].item()
    assert status == "alt"
    from dashboard.core.ingest.pipeline import ingest_file

    ingest_file(ROOT / "sample_data" / "members.csv", path)  # members.csv again: her decision stays
    assert rows(path, "select role from roles where member_id = $m and import_id is null", {"m": member}) == [("alt",)]
    with db.writer(path) as con, pytest.raises(ValueError, match="unknown decision"):
        roles.decide(con, member, chat, "friend")


# ---------------------------------------------------------------------------------------------
# the CLI and the page


@pytest.mark.slow
def test_cli_analyze_cold_start_json(demo_db: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", "cold_start", "--db", str(demo_db), "--format", "json",
                                      "--chat", "新手妈妈群", "--chat", "VIP老客群"])
    assert result.exit_code == 0, result.output
    chats = {c["chat"]: c for c in json.loads(result.stdout)["chats"]}
    assert set(chats) == {"新手妈妈群", "VIP老客群"}
    new, vip = chats["新手妈妈群"], chats["VIP老客群"]
    assert vip["cold_start"]["status"] == "not_visible" and "cannot be seen" in vip["cold_start"]["reason"]
    report = _report(demo_db, ["新手妈妈群"])
    assert new["cold_start"]["end"] == str(_end(report, "新手妈妈群").day)
    assert len(new["cold_spells"]) == report.spells.height > 0
    alts = {a["name"]: a for a in new["accounts"] if a["score"] >= 4}
    assert set(alts) == {a["name"] for a in TRUTH["alt_accounts"]}
    assert all(set(a["criteria"]) == set(cold_start.alt_accounts.CRITERIA) for a in new["accounts"])
    bad = CliRunner().invoke(app, ["analyze", "cold_start", "--db", str(demo_db), "--chat", "没有这个群"])
    assert bad.exit_code == 2 and "没有这个群" in bad.output


@pytest.mark.slow
def test_page_draws_every_tab(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    monkeypatch.setenv("QUNXI_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/cold_start.py").run()
    assert not at.exception and not at.error
    summary = at.dataframe[0].value
    assert dict(zip(summary["chat_name"], summary["birth_seen"], strict=True)) == {
        "VIP老客群": "否", "新手妈妈群": "是", "福利群": "是"}
    assert len(at.get("plotly_chart")) == 2
    for tab, charts in (("店主带动", 1), ("冷场", 1), ("疑似小号", 0)):
        at.session_state["cs_tab"] = tab
        at.run()
        assert not at.exception and not at.error, tab
        assert len(at.get("plotly_chart")) == charts, tab
    names = at.dataframe[0].value
    assert set(names.loc[names["score"] >= 4, "name"]) == {a["name"] for a in TRUTH["alt_accounts"]}
