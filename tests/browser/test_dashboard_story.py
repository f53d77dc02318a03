"""The dashboard over the demo data, at desktop and phone width: the story (one region's dip
in one quarter) is visible, and the phone page never scrolls sideways."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedback.demo import data as demo_data
from feedback.demo import seed as demo_seed

PHONE = {"width": 390, "height": 844}

DESKTOP = {"width": 1280, "height": 900}
NOW = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)


@pytest.fixture
def demo(session):
    result = demo_seed.seed(session, seed=5, now=NOW)
    session.commit()
    return result


def sign_in(browser, base: str, viewport: dict):
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{base}/login")
    page.fill("#email", demo_data.ADMIN_EMAIL)
    page.fill("#password", demo_data.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url
    return page


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_dashboard_tells_the_demo_story(live_server, browser, demo, viewport):
    page = sign_in(browser, live_server, viewport)
    region = demo_data.DIP_REGION
    page.goto(f"{live_server}/dashboard?from=2025-12-01&to=2026-11-18&segment=region:{region}")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    trend = page.get_by_role("img", name="NPS by month with its 95% interval")
    assert trend.is_visible()
    # The trend's own table (the chart's text alternative) has its lowest month in the
    # demo's dip quarter, the quarter before `now`'s.
    rows = page.locator("details.chart-data").first.locator("tbody tr")
    months = [rows.nth(i).locator("td").all_text_contents() for i in range(rows.count())]
    lowest = min(months, key=lambda cells: int(cells[1].replace("−", "-")))
    assert lowest[0][:7] in {"2026-07", "2026-08", "2026-09"}, months
    assert int(lowest[1]) < 0
    width = viewport["width"]
    page.screenshot(path=f"/tmp/dashboard-{region}-{width}.png", full_page=True)
    page.goto(f"{live_server}/")
    assert page.get_by_role("heading", name="Hot spots").is_visible()
    assert page.locator("table.hot-spots tbody tr").count() >= 3
    page.screenshot(path=f"/tmp/dashboard-{width}.png", full_page=True)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page scrolls sideways at {width}px ({scroll}px wide)"
