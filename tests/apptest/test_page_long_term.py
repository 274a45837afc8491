"""Long-term dependencies page: the default view from the shipped files, every training control with a tiny budget,
the live recomputation of a sweep point, the article's loop at another seed, and bad links."""

from __future__ import annotations

import contextlib
import io

import pytest

from apptest.conftest import assert_ran, charts, keys, open_page
from helpers import reproduce_snippets

PAGE = "app/pages/long_term.py"
K = keys(PAGE)  # widget keys of this page, by control name
TINY = {"steps": "10", "T": "5", "hidden": "4"}


def _ok(at):
    assert_ran(at, errors_allowed=False)


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_default_view_shows_the_shipped_run_the_sweep_and_the_articles_loop():
    at = open_page(PAGE)
    _ok(at)
    assert len(charts(at)) == 6  # the article's loop, loss, ||dL/dh_0||; loss, success and ||dL/dh_0|| against lag
    text = _text(at)
    assert "0.247 to 0.251" in text and "never updates a weight" in text
    assert "Shipped run, seed 0" in text and "Checked against the literature" in text
    assert any(c.value == "Shown: the shipped run for these settings." for c in at.caption)
    assert any(v in text for v in ("solved", "learning", "stuck at the baseline"))


@pytest.mark.parametrize("task, cell, optimizer", [("first_element", "rnn", "sgd"), ("adding", "gru", "rmsprop"),
                                                   ("copy_memory", "lstm", "momentum"),
                                                   ("temporal_order", "rnn", "adam")])
def test_training_runs_for_every_task_cell_and_optimizer_with_a_tiny_budget(task, cell, optimizer):
    at = open_page(PAGE, query={**TINY, "task": task, "cell": cell, "optimizer": optimizer, "lr": "0.001"})
    _ok(at)
    assert any("on this machine now" in c.value for c in at.caption)  # the estimate, before the click
    n_before = len(charts(at))
    at.button(key=K("train")).click().run()
    _ok(at)
    assert len(charts(at)) == n_before + 2  # the loss against the baseline, and ||dL/dh_0||
    assert "Live run, seed 0." in _text(at)
    if task == "temporal_order":  # T = 5 is below the task's minimum: used 20, and said so
        assert any("T ≥ 20" in c.value for c in at.caption)


def test_each_control_reruns_cleanly():
    at = open_page(PAGE, query=TINY)
    for kind, key, value in [("selectbox", "task", "copy_memory"), ("radio", "cell", "gru"),
                             ("select_slider", "T", 10), ("select_slider", "hidden", 8),
                             ("selectbox", "optimizer", "momentum"), ("select_slider", "lr", 0.1),
                             ("select_slider", "steps", 50), ("radio", "sweep_task", "first_element"),
                             ("selectbox", "p_cell", "lstm"), ("selectbox", "p_T", 25), ("selectbox", "p_seed", 1)]:
        getattr(at, kind)(key=K(key)).set_value(value).run()
        _ok(at)
        assert getattr(at, kind)(key=K(key)).value == value, key


def test_a_sweep_point_recomputed_live_matches_the_shipped_one_bit_for_bit():
    at = open_page(PAGE, query={"sweep_task": "adding", "p_cell": "rnn", "p_T": "10", "p_seed": "0"})
    at.button(key=K("recompute")).click().run()
    _ok(at)
    assert "Bit for bit the same, in every column but the wall time." in _text(at)


def test_the_articles_loop_runs_at_another_seed():
    at = open_page(PAGE)
    at.number_input(key="seed").set_value(3).run()
    _ok(at)
    at.button(key=K("run_article")).click().run()
    _ok(at)
    assert any(c.value.startswith("Seed 3.") for c in at.caption)


def test_bad_link_values_are_clamped_or_ignored_with_a_note():
    at = open_page(PAGE, query={"T": "7", "task": "sine", "steps": "-3", "cell": "transformer"})
    _ok(at)
    assert at.select_slider(key=K("T")).value == 50 and at.selectbox(key=K("task")).value == "adding"
    assert at.radio(key=K("cell")).value == "lstm"
    notes = " ".join(w.value for w in at.warning)
    assert "not one of the choices" in notes


def test_the_reproduce_snippet_runs_the_settings_on_screen():
    at = open_page(PAGE, query={**TINY, "cell": "gru"})
    (snippet,) = reproduce_snippets(at)
    assert "cell='gru'" in snippet and "steps=10" in snippet
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "<reproduce>", "exec"), {})
    assert "dh0_norm" in out.getvalue()
