"""RNN basics page: default view, every control, the time slider clamped to T, bad links, the snippet."""

from __future__ import annotations

import contextlib
import io

from apptest.conftest import assert_ran, keys, open_page
from helpers import reproduce_snippets

PAGE = "app/pages/basics.py"
K = keys(PAGE)  # widget keys of this page, by control name


def _ok(at):
    assert_ran(at, n_charts=3)


def test_default_view_draws_the_three_charts_and_the_article_example():
    at = open_page(PAGE)
    _ok(at)
    text = " ".join(m.value for m in at.markdown)
    assert "(5, 1)" in text and "(1, 5, 5)" in text
    shapes = at.dataframe[0].value
    assert dict(zip(shapes["array"], shapes["shape"]))["hs"] == "(1, 20, 20)"


def test_each_control_reruns_cleanly():
    """One page, every control changed in turn (each change reruns the page)."""
    at = open_page(PAGE)
    for kind, key, value in [("selectbox", "cell", "lstm"), ("selectbox", "cell", "gru"), ("select_slider", "H", 64),
                             ("selectbox", "signal", "impulse"), ("selectbox", "signal", "sine"), ("slider", "T", 60),
                             ("selectbox", "init", "small"), ("slider", "t", 7)]:
        getattr(at, kind)(key=K(key)).set_value(value).run()
        _ok(at)
        assert getattr(at, kind)(key=K(key)).value == value, key


def test_a_shorter_sequence_clamps_the_time_step():
    at = open_page(PAGE)
    at.slider(key=K("t")).set_value(18).run()
    at.slider(key=K("T")).set_value(6).run()
    _ok(at)
    assert at.slider(key=K("t")).value == 6


def test_bad_link_values_are_clamped_or_ignored_with_a_note():
    at = open_page(PAGE, query={"t": "99", "T": "12", "cell": "transformer", "H": "7"})
    _ok(at)
    assert at.slider(key=K("t")).value == 12 and at.selectbox(key=K("cell")).value == "rnn"
    notes = " ".join(w.value for w in at.warning)
    assert "above the maximum" in notes and "not one of the choices" in notes


def test_the_reproduce_snippet_runs_and_prints_the_articles_shapes():
    at = open_page(PAGE, query={"cell": "gru", "T": "6"})
    (snippet,) = reproduce_snippets(at)
    assert "cell='gru'" in snippet and "T=6" in snippet
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "<reproduce>", "exec"), {})  # in-process: the snippet only imports rnncore
    assert "5 (1, 5) (1, 5, 5)" in out.getvalue()
