"""The Growth and Group rules pages under AppTest on the sample: every tab draws without an
exception and shows what the sample holds; the rule editor refuses a bad rule set and keeps the
database as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core import db
from dashboard.ui.i18n import catalog

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
TRUTH = json.loads((Path(__file__).resolve().parent.parent / "sample_data" / "truth.json").read_text(encoding="utf-8"))
GROWTH_TABS = ("joins", "tree", "inviters", "cohorts", "movement", "packets")
RULES_TABS = ("hits", "weeks", "members", "edit")


def _open(monkeypatch: pytest.MonkeyPatch, database: Path, page: str, tab_key: str, tab: str) -> AppTest:
    monkeypatch.setenv("QUNXI_DB", str(database))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.session_state[tab_key] = tab
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _label(prefix: str, tab: str) -> str:
    return catalog()[f"{prefix}.tab_{tab}"]["zh"]


@pytest.mark.slow
@pytest.mark.parametrize("tab", GROWTH_TABS)
def test_every_growth_tab_draws(monkeypatch: pytest.MonkeyPatch, demo_db: Path, tab: str) -> None:
    at = _open(monkeypatch, demo_db, "app_pages/growth.py", "gr_tab", _label("growth", tab))
    frames = [d.value for d in at.dataframe]
    if tab == "joins":  # one row of figures per chat
        assert len(frames[0]) == len(TRUTH["chats"])
    if tab == "inviters":  # the campaign's referrers who stopped at exactly 10, with Lily🌸 at 11
        inviters = frames[0]
        assert (inviters["invitees"] == 10).sum() == 5
        assert int(inviters.loc[inviters["inviter_name"] == "Lily🌸", "invitees"].iloc[0]) == 11
    if tab == "cohorts":  # regimes.csv marks free, invite-only and purchase periods
        regimes = next(f for f in frames if "regime" in f.columns)
        assert sorted(regimes["members"]) == sorted(_members_by_regime().values())
    if tab == "movement":  # the members seen in two of the shop's chats
        assert int(frames[0]["members"].sum()) == _members_in_two_chats(demo_db)


def _members_by_regime() -> dict[str, int]:
    """Joiners per marked threshold, counted from the planted edges and regimes.csv by hand."""
    import csv
    import datetime as dt

    path = Path(__file__).resolve().parent.parent / "sample_data" / "regimes.csv"
    with open(path, encoding="utf-8-sig") as fh:
        periods = list(csv.DictReader(fh))
    out: dict[str, int] = {}
    for e in TRUTH["invitation_edges"]:
        day = dt.datetime.fromisoformat(e["at"]).date()
        for p in periods:
            end = dt.date.fromisoformat(p["结束日期"]) if p["结束日期"] else dt.date.max
            if p["群"] == e["chat"] and dt.date.fromisoformat(p["开始日期"]) <= day <= end:
                out[p["入群门槛"]] = out.get(p["入群门槛"], 0) + 1
    return out


def _members_in_two_chats(database: Path) -> int:
    with db.reader(database) as con:
        return con.execute("select count(*) from (select member_id from chat_members group by 1 "
                           "having count(distinct chat_id) > 1)").fetchall()[0][0]


@pytest.mark.slow
def test_packets_table_lists_every_packet(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _open(monkeypatch, demo_db, "app_pages/growth.py", "gr_tab", _label("growth", "packets"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[catalog()["packets.count"]["zh"]] == str(len(TRUTH["red_packets"]))
    assert metrics[catalog()["packets.claims"]["zh"]] == str(sum(p["claims"] for p in TRUTH["red_packets"]))


@pytest.mark.slow
@pytest.mark.parametrize("tab", RULES_TABS)
def test_every_rules_tab_draws(monkeypatch: pytest.MonkeyPatch, demo_db: Path, tab: str) -> None:
    at = _open(monkeypatch, demo_db, "app_pages/rules.py", "ru_tab", _label("rules", tab))
    breakers = {b["name"] for b in TRUTH["rule_breakers"]}
    if tab == "hits":
        hits = at.dataframe[1].value
        assert set(hits["member_name"]) == breakers
        assert len(hits) == 10
    if tab == "members":
        assert set(at.dataframe[0].value["member_name"]) == breakers
    if tab == "weeks":  # the owner's two "禁止发广告" announcements are the rule changes compared
        assert len(at.dataframe[0].value) == 2


@pytest.mark.slow
def test_rule_editor_refuses_a_bad_rule_set(monkeypatch: pytest.MonkeyPatch, demo_db: Path, tmp_path: Path) -> None:
    database = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, database)
    with db.reader(database) as con:
        before = con.execute("select * from rule_hits order by all").fetchall()
    at = _open(monkeypatch, database, "app_pages/rules.py", "ru_tab", _label("rules", "edit"))
    at.text_area(key="ru_text").set_value('[[rule]]\nid = "x"\nkind = "nonsense"\n')
    at.button(key="ru_save").click().run()
    assert at.error and "nonsense" in at.error[0].value
    with db.reader(database) as con:
        assert con.execute("select * from rule_hits order by all").fetchall() == before
        assert not con.execute("select 1 from meta where key = 'rules_toml'").fetchall()


@pytest.mark.slow
def test_rule_editor_saves_and_recounts(monkeypatch: pytest.MonkeyPatch, demo_db: Path, tmp_path: Path) -> None:
    database = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, database)
    at = _open(monkeypatch, database, "app_pages/rules.py", "ru_tab", _label("rules", "edit"))
    only_links = '[[rule]]\nid = "links"\nname = "外部链接"\nkind = "link"\n'
    at.text_area(key="ru_text").set_value(only_links)
    at.button(key="ru_save").click().run()
    assert at.success and not at.error
    with db.reader(database) as con:
        rows = con.execute("select rule_id, count(*) from rule_hits group by all").fetchall()
    assert rows == [("links", len(TRUTH["rule_breakers"]))]  # each breaker shared one link card
