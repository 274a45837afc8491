"""Every page of the navigation, in a real browser at desktop and phone width: it runs to the end, shows no
exception, and draws every one of its charts.

A screenshot of each page goes to benchmarks/out/screens/<url_path or home>-<1400|420>.png (git-ignored): look at
them after a change to a chart or a layout.
"""

from __future__ import annotations

import pytest

from browser.conftest import SCREENS, screenshot_whole_page, serve, wait_for_app
from helpers import PAGES_WITHOUT_CHARTS
from app import nav

pytestmark = pytest.mark.browser

# A drawn chart: Streamlit 1.67 puts role='graphics-document' on the chart element itself (older ones, inside it).
CHART = ("[data-testid='stVegaLiteChart'][role='graphics-document'], "
         "[data-testid='stVegaLiteChart'] [role='graphics-document']")


#: True once every chart element on the page holds a drawn Vega view.
ALL_DRAWN = """() => {
    const charts = [...document.querySelectorAll("[data-testid='stVegaLiteChart']")];
    return charts.length > 0 && charts.every(c => c.matches("[role='graphics-document']")
                                             || c.querySelector("[role='graphics-document']"));
}"""
#: Desktop and phone widths. The window is tall: Streamlit scrolls inside its own container and does not draw a
#: chart below the fold.
WIDTHS = [1400, 420]
TALL = 9000


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("spec", nav.PAGES, ids=lambda spec: spec.url_path or "home")
def test_page_renders_without_exception_and_draws_every_chart(app_url, browser, spec, width):
    context = browser.new_context(viewport={"width": width, "height": TALL})
    tab = context.new_page()
    try:
        tab.goto(f"{app_url}/{spec.url_path}")
        wait_for_app(tab)
        exceptions = tab.locator("[data-testid='stException']")
        if exceptions.count() == 0 and (spec.path not in PAGES_WITHOUT_CHARTS
                                        or tab.locator("[data-testid='stVegaLiteChart']").count()):
            tab.wait_for_function(ALL_DRAWN, timeout=90_000)
        screenshot_whole_page(tab, SCREENS / f"{spec.url_path or 'home'}-{width}.png")
        assert exceptions.count() == 0, exceptions.first.inner_text()
        total = tab.locator("[data-testid='stVegaLiteChart']").count()
        assert tab.locator(CHART).count() == total, f"{tab.locator(CHART).count()} of {total} charts drew"
        assert total >= 1 or spec.path in PAGES_WITHOUT_CHARTS
    finally:
        context.close()


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


@pytest.mark.parametrize("url_path", ["gradients", "slow-training"])
def test_a_deep_link_is_the_first_visit_of_a_fresh_server(browser, tmp_path, url_path):
    """The first request of a new server opens the page it names, through streamlit_app.py (sidebar, seed).

    "gradients" is also its file's name; "slow-training" is not (app/pages/slow_training.py). With the scripts in a
    folder named pages/, Streamlit 1.67 answered the second with "Page not found" and Home.
    """
    spec = next(spec for spec in nav.PAGES if spec.url_path == url_path)
    with serve(tmp_path) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        try:
            tab.goto(f"{url}/{url_path}?seed=9")
            wait_for_app(tab)
            assert "not found" not in tab.locator("body").inner_text().lower()
            assert tab.url.split("?")[0].rstrip("/").endswith(url_path)
            heading = tab.locator("[data-testid='stMain'] h1").first.inner_text()
            assert heading != "RNN Challenges Lab", f"landed on Home instead of {spec.title}"
            seed = tab.locator("[data-testid='stSidebar'] [data-testid='stNumberInput'] input")
            seed.wait_for(timeout=30_000)
            assert seed.input_value() == "9"
            assert tab.locator("[data-testid='stException']").count() == 0
        finally:
            context.close()
