"""Every page in app/pages/ opens with its defaults: no exception, and a chart unless it is a page without charts.

Parametrized over the files that exist, so a new page is covered the moment it is added. Each page's own control
tests live in its own file.
"""

from __future__ import annotations

import pytest

from apptest.conftest import REPO, charts, open_page
from helpers import PAGES_WITHOUT_CHARTS

PAGES = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "app" / "pages").glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("page", PAGES)
def test_default_view_runs_and_draws(page):
    at = open_page(page)
    assert not at.exception, "\n".join(e.value for e in at.exception)
    assert at.title, "every page starts with a title"
    if page not in PAGES_WITHOUT_CHARTS:
        assert charts(at), f"{page} drew no chart"
    assert not at.error, [e.value for e in at.error]
