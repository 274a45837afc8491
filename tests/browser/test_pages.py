"""Every page of the navigation, in a real browser: it runs to the end, shows no exception, and draws its charts.

A screenshot of each page goes to benchmarks/out/screens/<url_path or home>.png (not committed).
"""

from __future__ import annotations

import pytest

from browser.conftest import SCREENS, screenshot_whole_page, serve, wait_for_app
from helpers import PAGES_WITHOUT_CHARTS
from lab import nav

pytestmark = pytest.mark.browser

# A drawn chart: Streamlit 1.67 puts role='graphics-document' on the chart element itself (older ones, inside it).
CHART = ("[data-testid='stVegaLiteChart'][role='graphics-document'], "
         "[data-testid='stVegaLiteChart'] [role='graphics-document']")


@pytest.mark.parametrize("spec", nav.built_pages(), ids=lambda spec: spec.url_path or "home")
def test_page_renders_without_exception(app_url, page, spec):
    page.goto(f"{app_url}/{spec.url_path}")
    wait_for_app(page)
    exceptions = page.locator("[data-testid='stException']")
    if exceptions.count() == 0 and spec.path not in PAGES_WITHOUT_CHARTS:
        page.wait_for_selector(CHART, timeout=60_000)
    screenshot_whole_page(page, SCREENS / f"{spec.url_path or 'home'}.png")
    assert exceptions.count() == 0, exceptions.first.inner_text()
    if spec.path not in PAGES_WITHOUT_CHARTS:
        assert page.locator(CHART).count() >= 1


def test_a_link_carries_the_seed_and_a_bad_one_is_fixed_with_a_note(app_url, page):
    page.goto(f"{app_url}/?seed=42")
    wait_for_app(page)
    seed = page.locator("[data-testid='stSidebar'] [data-testid='stNumberInput'] input")
    assert seed.input_value() == "42"

    page.goto(f"{app_url}/?seed=inf&nonsense=1")
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert seed.input_value() == "0"
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "not a number" in sidebar
    assert "no setting named" in page.locator("[data-testid='stMain']").inner_text()
    page.wait_for_function("() => !window.location.search.includes('nonsense')", timeout=10_000)


def test_a_deep_link_is_the_first_visit_of_a_fresh_server(browser, tmp_path):
    """The first run of a new server process must go through streamlit_app.py too (see lab.ui)."""
    # A page whose file name is also its URL is the case Streamlit's pages-folder mode would take over.
    target = next((spec for spec in nav.built_pages() if spec.url_path == spec.path[len("pages/"):-3]), None)
    with serve(tmp_path) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        try:
            tab.goto(f"{url}/{target.url_path if target else ''}?seed=9")
            wait_for_app(tab)
            assert tab.title() != "streamlit app"
            seed = tab.locator("[data-testid='stSidebar'] [data-testid='stNumberInput'] input")
            seed.wait_for(timeout=30_000)
            assert seed.input_value() == "9"
            assert tab.locator("[data-testid='stException']").count() == 0
        finally:
            context.close()
