"""The served app in headless Chromium: the Overview draws its charts and nothing but loopback
is ever requested."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, chromium_available, is_loopback, served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not chromium_available():
        pytest.skip("chromium is not installed (.ci/run installs it with apt)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_overview_renders_charts_offline(browser, demo_db: Path, tmp_path: Path) -> None:
    requested: list[str] = []
    with served(demo_db) as url:
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
