"""The sidebar path between pages, in a real browser: no setting follows the visitor to the next page, and a page
you come back to shows its own settings.

The cases from the issue: ``/sentiment?lr=0.03``, then "Time-series prediction" (which took the 0.03 over), then
"Slow training & convergence" (its ``lr`` is a list of rates) raised TypeError and kept ``lr=0.03`` in the address;
Long-term at ``T=200`` then "RNN basics" while it ran raised StreamlitValueAboveMaxError (basics' T stops at 60), and
coming back showed T = 20.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from app import nav
from browser.conftest import wait_for_app

pytestmark = pytest.mark.browser


def params(tab) -> dict[str, list[str]]:
    return parse_qs(urlparse(tab.url).query, keep_blank_values=True)


def go_by_sidebar(tab, title: str) -> None:
    """Click the page's link in the sidebar navigation, and wait until the page has run to the end."""
    spec = next(spec for spec in nav.PAGES if spec.title == title)
    tab.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    tab.wait_for_function("path => window.location.pathname.replace(/\\/$/, '').endsWith(path)",
                          arg=spec.url_path, timeout=30_000)
    tab.locator("[data-testid='stMain'] h1", has_text=title).first.wait_for(timeout=120_000)
    wait_for_app(tab)


def assert_no_exception(tab) -> None:
    exceptions = tab.locator("[data-testid='stException']")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def slider_value(tab, label: str) -> str:
    """The value a slider (or select slider) shows on its thumb, found by its label."""
    widget = tab.locator("[data-testid='stSlider']", has_text=label).first
    return widget.locator("[data-testid='stSliderThumbValue']").first.inner_text().strip()


def test_a_link_setting_does_not_follow_to_the_next_page(app_url, page):
    page.goto(f"{app_url}/sentiment?lr=0.03&seed=5")
    wait_for_app(page)
    assert_no_exception(page)
    assert params(page).get("lr") == ["0.03"]

    for title in ("Time-series prediction", "Slow training & convergence"):  # an lr of one float, then a list
        go_by_sidebar(page, title)
        assert_no_exception(page)
        page.wait_for_timeout(500)  # the address is updated by the page's own run: let its last message land
        assert "lr" not in params(page), page.url
        assert params(page).get("seed") == ["5"], page.url  # the seed is the one setting every page shares

    go_by_sidebar(page, "Sentiment analysis")  # back: its own lr, in the address too
    assert_no_exception(page)
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('lr') === '0.03'",
                           timeout=10_000)


def test_leaving_a_page_while_it_runs_carries_nothing_and_coming_back_restores_it(app_url, page):
    page.goto(f"{app_url}/long-term?T=200&steps=50&hidden=4")  # small: coming back finishes the run it started
    wait_for_app(page)
    assert_no_exception(page)
    assert slider_value(page, "Lag T") == "200"
    page.locator("[data-testid='stMain'] button", has_text=re.compile(r"Train$")).first.click()
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']", timeout=30_000)

    go_by_sidebar(page, "RNN basics")  # while Long-term trains
    assert_no_exception(page)
    page.wait_for_timeout(500)
    assert "T" not in params(page), page.url
    assert slider_value(page, "Sequence length T") == "20"

    go_by_sidebar(page, "Long-term dependencies")
    assert_no_exception(page)
    assert slider_value(page, "Lag T") == "200"
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('T') === '200'", timeout=10_000)


def test_back_returns_to_the_previous_page_with_its_settings(app_url, page):
    page.goto(f"{app_url}/gradients?T=25&seed=3")
    wait_for_app(page)
    go_by_sidebar(page, "RNN basics")
    assert "T" not in params(page)
    page.go_back()
    page.wait_for_function("() => window.location.pathname.replace(/\\/$/, '').endsWith('gradients')",
                           timeout=30_000)
    page.locator("[data-testid='stMain'] h1", has_text="Vanishing").first.wait_for(timeout=60_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert slider_value(page, "Sequence length T") == "25"
    assert params(page).get("T") == ["25"] and params(page).get("seed") == ["3"], page.url
