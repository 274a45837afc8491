"""Vanishing & exploding gradients page: default view and figures, every control, overflow shown as data."""

from __future__ import annotations

import contextlib
import io

from apptest.conftest import assert_ran, keys, open_page
from helpers import reproduce_snippets

PAGE = "app/pages/gradients.py"
K = keys(PAGE)  # widget keys of this page, by control name
N_CHARTS = 6


def _ok(at, n=N_CHARTS):
    assert_ran(at, n_charts=n, errors_allowed=False)


def test_default_view_draws_every_chart_and_says_what_the_article_got_wrong():
    at = open_page(PAGE)
    _ok(at)
    text = " ".join(m.value for m in at.markdown)
    assert "1.09e-20" in text and "2.01e+20" in text and "**0.0**" in text
    assert "zero** gradient" in text and "wrong quantity" not in text
    assert not at.warning  # nothing overflows at the defaults


def test_each_control_reruns_cleanly():
    """One page, every control changed in turn; small T and H first, so the later reruns stay quick."""
    at = open_page(PAGE)
    for kind, key, value in [("select_slider", "T", 25), ("select_slider", "H", 8),
                             ("selectbox", "nonlinearity", "sigmoid"), ("selectbox", "nonlinearity", "relu"),
                             ("selectbox", "init", "xavier"), ("slider", "radius", 1.3),
                             ("multiselect", "radii", [0.5, 3.0]), ("select_slider", "sweep_max", 2.0)]:
        getattr(at, kind)(key=K(key)).set_value(value).run()
        _ok(at)
        assert getattr(at, kind)(key=K(key)).value == value, key


def test_an_empty_radius_selection_falls_back_to_the_slider():
    at = open_page(PAGE)
    at.multiselect(key=K("radii")).set_value([]).run()
    _ok(at)
    assert any("No radius selected" in i.value for i in at.info)


def test_overflow_is_a_message_and_the_charts_still_draw():
    at = open_page(PAGE, query={"nonlinearity": "identity", "radii": ["1.0", "8.0"], "T": "400",
                                "sweep_max": "8.0", "H": "8"})
    _ok(at)
    warning = " ".join(w.value for w in at.warning)
    assert "Non-finite values" in warning and "radius 8" in warning


def test_bad_link_values_are_clamped_or_ignored_with_a_note():
    at = open_page(PAGE, query={"radius": "7", "nonlinearity": "softplus", "T": "1000", "radii": ["0.8", "9.9"]})
    _ok(at)
    assert at.slider(key=K("radius")).value == 1.5
    assert at.selectbox(key=K("nonlinearity")).value == "tanh"
    assert at.multiselect(key=K("radii")).value == [0.8]
    notes = " ".join(w.value for w in at.warning)
    assert "above the maximum" in notes and "not one of the choices" in notes and "not among the choices" in notes


def test_the_reproduce_snippet_runs():
    at = open_page(PAGE, query={"T": "25", "H": "8"})
    (snippet,) = reproduce_snippets(at)
    assert "T=25" in snippet and "hidden_size=8" in snippet
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "<reproduce>", "exec"), {})  # in-process: the snippet only imports rnncore
    assert "0.1 0.0" in out.getvalue() and "10.0 0.0" in out.getvalue()  # the article's recursion: 0.0 twice
