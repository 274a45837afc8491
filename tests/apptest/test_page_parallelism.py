"""Limited parallelization page: default view, controls, the measure-more button, bad links, the snippet."""

from __future__ import annotations

import functools

import pytest

from apptest.conftest import assert_ran, keys, open_page
from helpers import assert_snippet_runs, reproduce_snippets
from rnncore.experiments import parallelism as par

PAGE = "app/pages/parallelism.py"
K = keys(PAGE)  # widget keys of this page, by control name
SMALL = {"H": "16", "B": "4", "T_max": "128"}  # a quick view for the tests that are about controls, not timings


def _ok(at, n_charts=5):
    assert_ran(at, n_charts=n_charts)


@pytest.fixture
def quick(monkeypatch):
    """Tiny timing budgets: these tests are about the page's controls, not about the timings."""
    monkeypatch.setattr(par, "Config", functools.partial(par.Config, budget=0.02, scan_T=64, scan_widths=(1, 8),
                                                         scan_budget=0.01, article_rounds=3))
    monkeypatch.setattr(par, "ARTICLE_SIZE", (50, 10, 20))


@pytest.fixture
def tiny_thorough(monkeypatch):
    """The button's longer measurement, made quick."""
    monkeypatch.setattr(par, "THOROUGH_BUDGET_PER_T", 0.01)
    monkeypatch.setattr(par, "THOROUGH", {"scan_T": 64, "scan_widths": (1, 8), "scan_budget": 0.02,
                                          "article_rounds": 3})


def test_default_view_times_and_checks_the_article():
    at = open_page(PAGE)
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["The article prints"] == "6.29×"
    assert float(metrics["Its logic, run here"].rstrip("×")) > 0
    text = " ".join(m.value for m in at.markdown)
    assert "At T = 512" in text and "attention does" in text
    assert any("usable CPU" in c.value for c in at.caption)


def test_each_control_reruns_cleanly(quick):
    at = open_page(PAGE, query=SMALL)
    _ok(at)
    for key, value in [("H", 32), ("B", 1), ("T_max", 256)]:
        at.select_slider(key=K(key)).set_value(value).run()
        _ok(at)


def test_a_long_measurement_waits_for_the_button_then_runs(quick, tiny_thorough):
    at = open_page(PAGE, query={"H": "16", "B": "4", "T_max": "1024"})
    _ok(at, n_charts=1)  # only the depth chart, which needs no timing
    assert any("waits for you" in i.value for i in at.info)
    at.button(key=K("go-measure")).click().run()
    _ok(at)
    assert "At T = 1024" in " ".join(m.value for m in at.markdown)


def test_bad_link_values_are_ignored_with_a_note(quick):
    at = open_page(PAGE, query={**SMALL, "T_max": "999", "B": "lots"})
    _ok(at)
    assert at.select_slider(key=K("T_max")).value == 512 and at.select_slider(key=K("B")).value == 32
    assert "not one of the choices" in " ".join(w.value for w in at.warning)


def test_the_reproduce_snippet_runs_for_the_settings_on_screen(quick):
    at = open_page(PAGE, query=SMALL)
    (snippet,) = reproduce_snippets(at)
    assert "hidden_size=16" in snippet and "lengths=(32, 128)" in snippet
    out = assert_snippet_runs(snippet)
    assert "article logic" in out and "against its 6.29x" in out
