"""The served app in headless Chromium: the Overview draws its charts and nothing but loopback
is ever requested."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import is_loopback, served

# one worker runs them in turn: two servers and two Chromiums at once on two cores time out
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def demo_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared demo database: `qunxi serve` opens its database for writing at start
    (to bring the schema up to date), which other workers' readers of the shared file would meet."""
    copy = tmp_path_factory.mktemp("browser_demo") / "demo.duckdb"
    shutil.copy(demo_db, copy)
    return copy


@pytest.fixture(scope="module")
def demo_url(demo_db: Path) -> Iterator[str]:
    """One server over the demo for the tests that only read it: each opens its own page, so each
    is a session of its own, and the server starts once instead of once a test."""
    with served(demo_db) as url:
        yield url


def test_overview_renders_charts_offline(browser, demo_url: str, tmp_path: Path) -> None:
    requested: list[str] = []
    url = demo_url
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_selector("text=每日消息数与发言人数", timeout=30_000)
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    page.goto(url + "/data")
    page.wait_for_selector("[data-testid=stDataFrame]", timeout=60_000)
    page.screenshot(path=str(tmp_path / "data.png"), full_page=True)
    page.close()
    assert (tmp_path / "overview.png").stat().st_size > 10_000
    outside = [u for u in requested if not is_loopback(u)]
    assert requested and not outside, outside


ACTIVITY_TABS = {"趋势": "日活、周活、28天活跃与黏性", "时间分布": "一周里什么时候最热闹", "成员": "从未发言",
                 "发言集中度": "发言是否集中在少数人身上", "对话": "对话：一段一段地聊", "提问与回复": "提问有人回吗",
                 "新成员留存": "按入群周看新成员", "群对比": "群对比"}


def _tabs_draw_offline(browser, url: str, path: str, tabs: dict[str, str], shots: Path,
                       must_show: str | None = None, first: str = ".js-plotly-plot .main-svg") -> None:
    """Click every tab of a page, wait for its heading, keep a screenshot of each; no error on the
    page and nothing fetched from outside."""
    requested: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url + path)
    page.wait_for_selector(first, timeout=60_000)  # the first tab has drawn
    for i, (tab, heading) in enumerate(tabs.items()):
        page.get_by_role("tab", name=tab, exact=True).click()
        page.wait_for_selector(f"text={heading}", state="visible", timeout=30_000)
        page.wait_for_timeout(400)
        page.screenshot(path=str(shots / f"tab_{i}.png"), full_page=True)
    if must_show:
        assert page.locator(f"text={must_show}").count() >= 1
    assert page.locator("text=Traceback").count() == 0
    assert page.locator("[data-testid=stException]").count() == 0
    page.close()
    assert all((shots / f"tab_{i}.png").stat().st_size > 10_000 for i in range(len(tabs)))
    outside = [u for u in requested if not is_loopback(u)]
    assert requested and not outside, outside


def test_activity_tabs_draw_offline(browser, demo_url: str, tmp_path: Path) -> None:
    """Every tab of the Activity page draws its sections with the sample data."""
    _tabs_draw_offline(browser, demo_url, "/activity", ACTIVITY_TABS, tmp_path)


def test_ingest_while_serving_shows_new_data_after_rerun(browser, tmp_path: Path) -> None:
    """docs/architecture.md §2: the page never holds the file, so an ingest from another process succeeds."""
    import subprocess
    import sys

    from conftest import FIXTURE_FILES

    from dashboard.core.ingest.pipeline import ingest_file

    db = tmp_path / "live.duckdb"
    ingest_file(FIXTURE_FILES["pywxdump"], db)
    with served(db) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector("text=奶粉团购群", timeout=60_000)
        assert page.locator("text=宝妈群").count() == 0
        r = subprocess.run([sys.executable, "-m", "dashboard.cli", "ingest", str(FIXTURE_FILES["memotrace_txt"]),
                            "--db", str(db)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        page.reload()
        page.wait_for_selector("text=宝妈群", timeout=60_000)
        assert page.locator("text=Traceback").count() == 0
        page.close()


COLD_TABS = {"起步曲线": "每个群多久热起来", "店主带动": "店主和店员带了多少话", "冷场": "冷场：白天长时间没人说话",
             "疑似小号": "疑似小号：只给店主自己看的线索"}


def test_cold_start_tabs_draw_offline(browser, demo_url: str, tmp_path: Path) -> None:
    """Every tab of the Cold start page draws with the sample data; the planted, undeclared alt is listed."""
    _tabs_draw_offline(browser, demo_url, "/cold_start", COLD_TABS, tmp_path, must_show="开心果")


ROLES_TABS = {"成员角色": "每个人在群里的角色", "活跃分层": "谁是核心，谁快要流失", "话题与用词": "大家在聊什么",
              "多样性": "多样性（有效数目，按周）", "专家带动": "每位专家带来了什么", "回复网络": "谁在回应谁",
              "和活跃的关联": "多样性和下周的活跃有没有关系"}


def test_roles_tabs_draw_offline(browser, demo_url: str, tmp_path: Path) -> None:
    """Every tab of the Roles & diversity page draws with the sample data; the last one says it shows
    an association, not a cause."""
    _tabs_draw_offline(browser, demo_url, "/roles", ROLES_TABS, tmp_path, must_show="只是关联，不是因果",
                       first="[data-testid=stDataFrame]")


EVENTS_TABS = {"活动一览": "每场活动的效果", "单个活动": "儿童绘画比赛 · 2025-05-24", "群里发现的活动": "群里发现的活动",
               "成员与会员匹配": "群成员和会员号的匹配", "聊天与到店时间线": "聊天和到店放在一起看"}


def test_events_tabs_draw_offline(browser, demo_url: str, tmp_path: Path) -> None:
    """Every tab of the Events & visits page draws with the sample data."""
    _tabs_draw_offline(browser, demo_url, "/events", EVENTS_TABS, tmp_path, must_show="聊天和到店放在一起看")


GROWTH_TABS = {"进出群": "每周进群和出群", "邀请树": "这段时间的邀请树", "邀请人": "奖励门槛有没有让人“凑数”",
               "入群方式与门槛": "标注入群门槛", "跨群流动": "在几个群之间流动的人",
               "红包": "红包：发完之后一小时，群里多了多少真正的聊天"}


def test_growth_tabs_draw_offline(browser, demo_url: str, tmp_path: Path) -> None:
    """Every tab of the Growth page draws with the sample data; the red packets tab reads its dependency."""
    _tabs_draw_offline(browser, demo_url, "/growth", GROWTH_TABS, tmp_path, must_show="群是不是越来越靠红包撑着")


RULES_TABS = {"命中": "命中的消息", "按周": "群规变化前后", "成员": "命中过规则的成员", "规则设置": "规则（TOML）"}


def test_rules_tabs_draw_offline(browser, demo_url: str, tmp_path: Path) -> None:
    """Every tab of the Group rules page draws with the sample data (the first with a planted ad
    poster among the hits), down to the rule editor."""
    _tabs_draw_offline(browser, demo_url, "/rules", RULES_TABS, tmp_path, must_show="保存并重新检查",
                       first="text=宝妈副业小助手")


def test_stopping_qunxi_serve_stops_its_server(demo_db: Path) -> None:
    """`qunxi serve` runs Streamlit as a child process: a SIGTERM to it (what served() sends on
    leaving) must take the server down too, or it keeps the port and the database."""
    import urllib.request

    with served(demo_db) as url, urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
        assert r.status == 200
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)


def test_sql_page_types_runs_and_downloads_the_csv(browser, demo_db: Path, demo_url: str, tmp_path: Path) -> None:
    """Type a query into the editor, run it with Ctrl+Enter, see its rows, download the CSV and
    find in it exactly what DuckDB returns for the same statement."""
    import csv
    import io

    import duckdb

    sql = ("select c.name, count(*) as messages\nfrom messages m join chats c using (chat_id)\n"
           "where m.kind = 'text'\ngroup by all\norder by messages desc")
    expected = duckdb.connect(str(demo_db), read_only=True).execute(sql).fetchall()
    requested: list[str] = []
    url = demo_url
    page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url + "/sql")
    editor = page.locator(".qx-editor textarea")
    editor.wait_for(timeout=60_000)
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(sql)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"text={len(expected)} 行 ·", timeout=60_000)
    page.wait_for_selector("[data-testid=stDataFrame]", timeout=30_000)
    # the highlighted copy under the textarea marks keywords
    assert page.locator(".qx-editor pre .k", has_text="select").count() >= 1
    page.screenshot(path=str(tmp_path / "sql.png"), full_page=True)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="CSV", exact=True).click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    page.close()
    text = target.read_bytes().decode("utf-8-sig")
    got = list(csv.reader(io.StringIO(text)))
    assert target.suffix == ".csv" and got[0] == ["name", "messages"]
    assert [(r[0], int(r[1])) for r in got[1:]] == expected and len(expected) >= 3
    outside = [u for u in requested if not is_loopback(u)]
    assert requested and not outside, outside


LIMIT_S = 25  # long enough for the other page to draw on a loaded two-core machine


def test_other_users_pages_draw_while_a_runaway_query_runs(browser, demo_url: str) -> None:
    """One user's endless query keeps only that user waiting: another user's Overview draws in
    the meantime, and the query is stopped at the time limit that user set."""
    import time

    url = demo_url
    analyst = browser.new_page(viewport={"width": 1400, "height": 1200})
    analyst.goto(url + "/sql")
    editor = analyst.locator(".qx-editor textarea")
    editor.wait_for(timeout=60_000)
    analyst.get_by_role("button", name="运行设置").click()
    limit = analyst.get_by_label("时间上限（秒）")
    limit.fill(str(LIMIT_S))
    limit.press("Enter")
    analyst.keyboard.press("Escape")
    time.sleep(1)
    editor.click()
    analyst.keyboard.press("Control+A")
    analyst.keyboard.type("select count(*) from range(100000000000) a, range(100000000000) b")
    started = time.monotonic()
    analyst.keyboard.press("Control+Enter")
    analyst.wait_for_selector("text=正在运行", timeout=10_000)

    owner = browser.new_page(viewport={"width": 1400, "height": 1000})
    owner.goto(url)
    owner.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    drawn = time.monotonic() - started
    analyst.wait_for_selector(f"text=查询超过 {LIMIT_S} 秒，已中断", timeout=60_000)
    stopped = time.monotonic() - started
    analyst.close()
    owner.close()
    print(f"overview drawn after {drawn:.1f} s, query stopped after {stopped:.1f} s")
    # the owner's page drew while the query still ran, and the query stopped at its limit (not
    # after the statement finished by itself, which it never would)
    assert drawn < stopped and LIMIT_S <= stopped < LIMIT_S + 25, (drawn, stopped)
