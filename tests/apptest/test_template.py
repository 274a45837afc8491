"""The template page runs as it is, and what it shows is what its own snippet prints."""

from __future__ import annotations

import ast

from streamlit.testing.v1 import AppTest

from apptest.conftest import REPO, TIMEOUT, assert_ran
from helpers import assert_snippet_runs, reproduce_snippets

TEMPLATE = REPO / "app" / "pages" / "_template.py"


def test_the_template_page_runs_draws_its_chart_and_quotes_its_own_snippet():
    at = AppTest.from_file(str(TEMPLATE), default_timeout=TIMEOUT).run()
    assert_ran(at, errors_allowed=False)
    assert len(at.get("vega_lite_chart")) == 1
    (snippet,) = reproduce_snippets(at)
    printed = ast.literal_eval(assert_snippet_runs(snippet).strip())  # {radius: "‖dL/dh_1‖"}
    caption = " ".join(c.value for c in at.caption)
    assert printed and all(f"**{value}** at radius {radius:g}" in caption for radius, value in printed.items())


def test_the_template_changes_with_its_controls():
    at = AppTest.from_file(str(TEMPLATE), default_timeout=TIMEOUT).run()
    before = " ".join(c.value for c in at.caption)
    at.selectbox(key="nonlinearity").set_value("relu").run()
    assert_ran(at, errors_allowed=False)
    assert " ".join(c.value for c in at.caption) != before
