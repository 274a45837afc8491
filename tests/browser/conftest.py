"""Browser tests: a real ``streamlit run`` server and Debian's headless Chromium, driven by Playwright.

The session starts one server on a free local port (or uses ``LAB_APP_URL`` when set, e.g. a server that
``.ci/run`` booted from a fresh ``requirements.txt`` install), waits for ``/_stcore/health``, and stops it at the
end. Everything is skipped, not failed, where ``/usr/bin/chromium`` or Playwright is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENS = REPO / "benchmarks" / "out" / "screens"
BOOT_TIMEOUT = 90.0


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, timeout: float = BOOT_TIMEOUT, server: subprocess.Popen | None = None) -> None:
    """Poll ``<url>/_stcore/health`` until it answers "ok"; fail with the server's log if it dies or stalls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200 and answer.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url}/_stcore/health did not answer within {timeout:.0f} s")


@contextmanager
def serve(log_dir: Path) -> Iterator[str]:
    """Run ``streamlit run streamlit_app.py`` headless on a free loopback port; yield its base URL; stop it."""
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, server=server)
        except (RuntimeError, TimeoutError) as err:
            pytest.fail(f"{err}\n--- server log ---\n{log_path.read_text()[-4000:]}")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The base URL of a running Lab, started here unless ``LAB_APP_URL`` names one."""
    given = os.environ.get("LAB_APP_URL")
    if given:
        wait_healthy(given.rstrip("/"))
        yield given.rstrip("/")
        return
    with serve(tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium, or a skip where it (or Playwright) is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab, wide enough for the Lab's wide layout."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    yield tab
    context.close()


def wait_for_app(tab, timeout_ms: float = 120_000) -> None:
    """Wait until Streamlit has run the page's script to the end (the app root says so)."""
    tab.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
    # the state starts as notRunning before the first run too: wait until the page has drawn its title (or failed)
    tab.wait_for_selector("[data-testid='stMain'] h1, [data-testid='stException']", timeout=timeout_ms)
    tab.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)


def screenshot_whole_page(tab, path: Path) -> None:
    """Save the whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it first."""
    height = tab.evaluate("() => Math.max(...[...document.querySelectorAll('[data-testid=stMainBlockContainer]')]"
                          ".map(e => e.scrollHeight), 1000)")
    width = tab.viewport_size["width"] if tab.viewport_size else 1400
    tab.set_viewport_size({"width": width, "height": min(int(height) + 80, 16_000)})
    tab.wait_for_timeout(300)  # let charts re-layout to the new size
    path.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(path))
