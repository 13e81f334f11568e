"""Issue 8's acceptance on the sample scenario: the planted visit effect inside each event's 90%
interval, the event planted with no effect not called 明显提升, the holiday not fooling the
baseline, the CLI and the page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.core import calendar, db, queries
from dashboard.core.analytics import event_effect, events
from tests.conftest import rows
from tests.independent import TRUTH

PLANTED = {e["id"]: e["visit_effect"] for e in TRUTH["events"]}
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reports(demo_db: Path) -> dict[str, events.EventReport]:
    with db.reader(demo_db) as con:
        return {r.funnel["event_id"]: r for r in events.analyze(con)}


@pytest.mark.slow
def test_every_event_is_measured_by_the_did(reports: dict) -> None:
    assert set(reports) == set(PLANTED)
    assert all(r.method == "did" and r.did is not None for r in reports.values())


@pytest.mark.parametrize("event_id", sorted(PLANTED))
def test_planted_effect_per_signed_up_customer_lies_in_the_90_interval(reports: dict, event_id: str) -> None:
    """The planted extra visits per signed-up customer (0 for E06) inside the DiD's 90% interval
    of extra visit-days per signed-up customer."""
    planted = PLANTED[event_id]
    per_customer = planted["planted_extra_visits"] / planted["signed_up_customers"]
    att = reports[event_id].did.att
    assert att.low90 <= per_customer <= att.high90, (event_id, per_customer, att)


def test_the_event_planted_with_no_effect_is_not_called_a_clear_lift(reports: dict) -> None:
    no_effect = [e for e, p in PLANTED.items() if p["planted_extra_visits"] == 0]
    assert no_effect == ["E06"]
    assert reports["E06"].verdict != "clear_lift"
    # its week after is the National Day holiday, and the page says so
    assert "holiday" in reports["E06"].caveats


def test_a_plain_difference_would_have_credited_the_holiday(demo_db: Path) -> None:
    """Why the DiD scales by the controls' growth: over E06's week after (National Day), frequent
    customers gain more visits in absolute terms, so a plain difference in differences credits the
    event with more than the growth-scaled estimate does."""
    with db.reader(demo_db) as con:
        panel = queries.run(con, "events/visit_panel", event_ids=["E06"])
    day0 = panel["event_day"][0]
    changes = event_effect._changes(panel.select("customer_id", "treated", "day"), day0, event_effect.WINDOW)
    treated = changes.filter(changes["treated"])
    controls = changes.filter(~changes["treated"])
    plain = ((treated["post"] - treated["pre_rate"]).mean() - (controls["post"] - controls["pre_rate"]).mean())
    scaled = event_effect.did(panel.select("customer_id", "treated", "day"), day0)
    assert plain > scaled.att.estimate + 0.1


def test_the_baseline_leaves_holidays_out_of_the_weeks_it_averages(demo_db: Path, reports: dict) -> None:
    """E01 (2025-05-24): the same weekdays 3 weeks back fall in 五一 (May 1–5). The expected value of
    each window day, recomputed from raw visits without the holiday and other events' days, equals
    the report's."""
    r = reports["E01"]
    assert r.baseline is not None
    day0 = r.funnel["event_day"]
    exposed = {c for (c,) in rows(demo_db, "select distinct customer_id from event_exposure "
                                           "where event_id = 'E01' and customer_id is not null")}
    visits: dict[dt.date, set[str]] = {}
    for customer, ts in rows(demo_db, "select customer_id, ts from visits where customer_id is not null"):
        if customer in exposed:
            visits.setdefault(ts.date(), set()).add(customer)
    holidays = set(calendar.special_days())
    other = {d + dt.timedelta(days=k) for (d,) in rows(demo_db, "select cast(start_at as date) from store_events "
                                                                "where event_id <> 'E01'") for k in range(8)}
    got = dict(zip(r.baseline.days["day"].to_list(), r.baseline.days["expected"].to_list(), strict=True))
    in_reach = 0
    for k in range(1, 8):
        day = day0 + dt.timedelta(days=k)
        weeks = [day - dt.timedelta(weeks=w) for w in range(1, 9)]
        usable = [w for w in weeks if w < day0 and w not in holidays and w not in other]
        expected = sum(len(visits.get(w, ())) for w in usable) / len(usable)
        assert got[day] == pytest.approx(expected), day
        in_reach += any(w in holidays for w in weeks if w < day0)
    assert in_reach >= 1  # the holiday really was among the weeks averaged


@pytest.mark.slow
def test_results_are_reproducible(demo_db: Path, reports: dict) -> None:
    with db.reader(demo_db) as con:
        again = {r.funnel["event_id"]: r for r in events.analyze(con)}
    assert {k: (v.effect, v.verdict) for k, v in again.items()} == {k: (v.effect, v.verdict) for k, v in reports.items()}


@pytest.mark.slow
def test_cli_gives_funnel_effect_and_signups(demo_db: Path, reports: dict) -> None:
    out = CliRunner().invoke(app, ["analyze", "events", "--db", str(demo_db), "--format", "json"])
    assert out.exit_code == 0, out.output
    got = {e["event_id"]: e for e in json.loads(out.stdout)["events"]}
    assert set(got) == set(PLANTED)
    for event_id, e in got.items():
        r = reports[event_id]
        assert e["effect"]["verdict"] == r.verdict
        assert e["effect"]["extra_visits"]["low90"] == pytest.approx(r.effect.low90)
        assert e["funnel"]["signed_up"] == len(e["signups"]) == r.funnel["signed_up"]
        assert {s["name"] for s in e["signups"]} == {s["name"] for t in TRUTH["events"] if t["id"] == event_id
                                                     for s in t["signed_up"]}
    one = CliRunner().invoke(app, ["analyze", "events", "--db", str(demo_db), "--chat", "VIP老客群", "--format", "json"])
    assert {e["chat"] for e in json.loads(one.stdout)["events"]} == {"VIP老客群"}


@pytest.mark.slow
def test_page_draws_every_tab(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    monkeypatch.setenv("QUNXI_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90)
    at.run()
    at.switch_page("app_pages/events.py").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table["event"]) == [e["name"] for e in TRUTH["events"]]
    assert table.loc[table["event"] == "中秋灯笼DIY", "verdict"].item() != "明显提升"
    for tab, charts in (("单个活动", 2), ("群里发现的活动", 0), ("成员与会员匹配", 0), ("聊天与到店时间线", 1)):
        at.session_state["ev_tab"] = tab
        at.run()
        assert not at.exception and not at.error, tab
        assert len(at.get("plotly_chart")) == charts, tab
