"""App tests: run the real entry point with Streamlit's AppTest, then switch to a page.

Use :func:`open_page` (or the ``open_page`` fixture) in every page test::

    from apptest.conftest import open_page            # or take the fixture of the same name

    def test_default_view(open_page):
        at = open_page("app/pages/gradients.py")
        assert not at.exception
        at.slider(key=keys("app/pages/gradients.py")("radius")).set_value(1.2).run()
        assert not at.exception

Widget keys live in their page's namespace (``app.controls``): find a page's widgets with :func:`keys`.

``st.cache_data`` is one process-wide store that AppTest shares across tests: it is cleared around every test.

The page scripts live in ``app/pages/``, not ``pages/``: with a folder named ``pages`` next to the entry point,
Streamlit 1.67 takes its old pages-folder path whenever it resets its page manager (AppTest before every run, the
server before its first run), and then runs a page script alone, without ``streamlit_app.py``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config
from streamlit.testing.v1 import AppTest
from threadpoolctl import threadpool_limits

from app import nav
from app.controls import widget_key

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # so `from helpers import ...` works however pytest was started
    sys.path.insert(0, str(TESTS))

REPO = TESTS.parent
ENTRY = REPO / "streamlit_app.py"
#: Generous: the machine has 2 cores shared with other work, and a cold page trains small models.
TIMEOUT = 90.0


@pytest.fixture(autouse=True, scope="session")
def _full_error_details():
    """Tests see the whole exception; .streamlit/config.toml shows users only its type."""
    config.set_option("client.showErrorDetails", "full")


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """One BLAS thread: on a loaded 2-core machine OpenBLAS's own threads contend, and a page measured at H = 128
    took 93 s instead of 3 s. These tests check what the pages show, not how fast; benchmarks/ measures speed."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts, and leaves, with an empty ``st.cache_data``."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def open_page(page: str | None = None, *, query: dict[str, str | list[str]] | None = None,
              timeout: float = TIMEOUT) -> AppTest:
    """Run the app, switch to ``page`` (e.g. "app/pages/gradients.py"), and return the finished AppTest.

    Args:
        page: path of the page relative to the repository root; None stays on the default page (home).
        query: URL parameters for the page's first run, as a browser opening ``/<page>?key=value`` would send.
            For the sidebar seed on home, they apply to the app's very first run.
    """
    at = AppTest.from_file(str(ENTRY), default_timeout=timeout)
    if page is None:
        at.query_params.update(query or {})
        return at.run()
    at.run()
    at.switch_page(page)
    at.query_params.update(query or {})
    return at.run()


def keys(page: str) -> Callable[[str], str]:
    """The widget keys of ``page`` (e.g. "app/pages/basics.py"): ``K = keys(PAGE)``, then ``at.slider(key=K("T"))``.

    A control's name (``T``) is its name in the address bar; its widget key is the name in the page's namespace.
    """
    url_path = nav.by_path(page).url_path
    return lambda name: widget_key(url_path, name)


@pytest.fixture(name="open_page")
def open_page_fixture():
    """The :func:`open_page` function, as a fixture."""
    return open_page


def charts(at: AppTest) -> list:
    """The Altair/Vega-Lite charts an AppTest run drew (AppTest has no typed element for them)."""
    return list(at.get("vega_lite_chart"))


def assert_ran(at: AppTest, *, n_charts: int | None = None, errors_allowed: bool = True) -> None:
    """The run raised nothing (else the message shows the page's exception), showed no ``st.error`` unless
    ``errors_allowed``, and drew ``n_charts`` charts when that is given."""
    assert not at.exception, "\n".join(e.value for e in at.exception)
    if not errors_allowed:
        assert not at.error, [e.value for e in at.error]
    if n_charts is not None:
        assert len(charts(at)) == n_charts, f"drew {len(charts(at))} charts, expected {n_charts}"


def unescaped(text: str) -> str:
    """Text as the user reads it: the pages escape user text for Markdown (app.ui.plain)."""
    return re.sub(r"\\(.)", r"\1", text)


def chart_data(element) -> list:
    """The data frames a drawn chart carries (Streamlit sends a spec's datasets apart from it, as Arrow), in order."""
    import pyarrow as pa

    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in element.proto.datasets]
