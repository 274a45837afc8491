"""A training button in a real browser against a real server: a long run asks first, Stop ends it at its next chunk
and says where, going to another page and back shows it stopped (not restarted), and a tab closed mid-run stops the
run on the server (its CPU use falls back)."""

from __future__ import annotations

import time

import pytest

from browser.conftest import wait_for_app

pytestmark = pytest.mark.browser

psutil = pytest.importorskip("psutil")

LONG = "/long-term?cell=gru&T=200&hidden=32&steps=2000"  # minutes of work: over the page's budget
# widget keys live in the page's namespace (app.controls.key): the Train button of /long-term is .st-key-long-term-train


def _server():
    """The streamlit server this test session started (None when LAB_APP_URL names one elsewhere)."""
    for child in psutil.Process().children(recursive=True):
        try:
            if "streamlit" in " ".join(child.cmdline()):
                return child
        except psutil.Error:
            continue
    return None


def _cpu(proc, seconds: float = 2.0) -> float:
    proc.cpu_percent(None)
    time.sleep(seconds)
    return proc.cpu_percent(None)


def _idle_within(proc, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _cpu(proc) < 15:
            return True
    return False


def _start_training(tab) -> None:
    tab.locator(".st-key-long-term-train button").first.click()
    tab.wait_for_selector(".st-key-long-term-train-start button", timeout=120_000)  # over budget: it asks first
    tab.locator(".st-key-long-term-train-start button").first.click()
    tab.wait_for_selector(".st-key-long-term-train-stop button", timeout=120_000)
    tab.wait_for_selector("[data-testid='stProgress']", timeout=120_000)


def test_stop_says_where_it_stopped_and_nothing_restarts_it(app_url, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    tab = context.new_page()
    try:
        tab.goto(app_url + LONG)
        wait_for_app(tab)
        _start_training(tab)
        tab.wait_for_timeout(3000)
        tab.locator(".st-key-long-term-train-stop button").first.click()
        tab.wait_for_selector("text=Stopped at step", timeout=120_000)
        wait_for_app(tab)
        assert tab.locator("text=press Train to start again").count() == 1
        assert tab.locator("[data-testid='stProgress']").count() == 0  # no frozen bar left behind
        tab.get_by_role("link", name="RNN basics").click()
        wait_for_app(tab)
        tab.get_by_role("link", name="Long-term dependencies").click()
        wait_for_app(tab)
        assert tab.locator("text=Stopped at step").count() == 1
        assert tab.locator("[data-testid='stProgress']").count() == 0  # came back: still stopped, not restarted
        server = _server()
        if server is not None:
            assert _idle_within(server), "the server kept working after the run was stopped"
    finally:
        context.close()


def test_a_tab_closed_mid_run_stops_the_run_on_the_server(app_url, browser):
    server = _server()
    if server is None:
        pytest.skip("the server runs elsewhere (LAB_APP_URL): its CPU use cannot be read here")
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    tab = context.new_page()
    tab.goto(app_url + LONG)
    wait_for_app(tab)
    _start_training(tab)
    assert _cpu(server) > 15  # it trains
    context.close()  # the tab goes away mid-run
    assert _idle_within(server), "the run went on after its tab closed"
