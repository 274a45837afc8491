"""Slow training page: default view, every control, the three buttons, divergence shown, bad links, the snippet."""

from __future__ import annotations

import functools

import pytest

from apptest.conftest import assert_ran, keys, open_page
from helpers import assert_snippet_runs, reproduce_snippets
from rnncore.experiments import slow_article
from rnncore.experiments import slow_training as slow

PAGE = "app/pages/slow_training.py"
K = keys(PAGE)  # widget keys of this page, by control name
N_CHARTS = 7


def _ok(at, n_charts=N_CHARTS):
    assert_ran(at, n_charts=n_charts)


@pytest.fixture
def quick(monkeypatch):
    """Small timing budgets and short watched runs: these tests are about the page's controls."""
    monkeypatch.setattr(slow, "CostConfig", functools.partial(slow.CostConfig, budget=0.02))
    monkeypatch.setattr(slow, "SpikeConfig", functools.partial(slow.SpikeConfig, steps=30))


@pytest.fixture
def small_buttons(monkeypatch):
    """What the buttons run, made quick."""
    monkeypatch.setattr(slow, "LONG_LENGTHS", (5, 10, 20, 40, 80))
    monkeypatch.setattr(slow, "LONG_BUDGET", 0.05)
    monkeypatch.setattr(slow_article, "FULL_ARTICLE",
                        slow_article.ArticleConfig(steps=50, article_samples=10, n_test=100))


def test_default_view_races_times_and_runs_the_articles_sample():
    at = open_page(PAGE)
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Its loss after its loop"].startswith("0.693")
    assert "TypeError" in at.code[0].value and "boolean negative" in at.code[0].value
    table = at.dataframe[0].value
    assert len(table) == 8 and {"Steps to threshold", "Seconds to threshold"} <= set(table.columns)
    assert not at.warning  # nothing diverges at the defaults


def test_each_control_reruns_cleanly(quick):
    at = open_page(PAGE, query={"steps": "30", "opt": ["sgd", "adam"], "lr": ["0.01"]})
    _ok(at)
    for kind, key, value in [("selectbox", "task", "adding"), ("select_slider", "T", 5), ("select_slider", "H", 8),
                             ("selectbox", "cell", "gru"), ("slider", "thr", 0.5),
                             ("selectbox", "spike_opt", "adam"), ("select_slider", "spike_lr", 0.02)]:
        getattr(at, kind)(key=K(key)).set_value(value).run()
        _ok(at)
        assert getattr(at, kind)(key=K(key)).value == value, key


def test_no_optimizer_asks_for_one_and_a_big_race_waits_for_its_button(quick):
    at = open_page(PAGE, query={"opt": ["sgd"], "lr": ["0.01"], "steps": "30"})
    at.multiselect(key=K("opt")).set_value([]).run()
    _ok(at, N_CHARTS - 2)
    assert any("at least one optimizer" in i.value for i in at.info)
    at.multiselect(key=K("opt")).set_value(["sgd", "momentum"]).run()
    at.select_slider(key=K("steps")).set_value(500).run()
    at.multiselect(key=K("lr")).set_value([0.01, 0.1]).run()  # 2 x 2 x 500 x T=10: over the quick budget
    _ok(at, N_CHARTS - 2)
    assert any("take a while" in i.value for i in at.info)
    at.button(key=K("go-race")).click().run()
    _ok(at, N_CHARTS)
    assert len(at.dataframe[0].value) == 4


def test_raising_the_learning_rate_shows_the_blow_up():
    at = open_page(PAGE, query={"opt": ["sgd"], "lr": ["0.01"], "steps": "30", "spike_lr": "1.0"})
    _ok(at)
    assert any("Training stopped at step" in w.value for w in at.warning)


def test_the_buttons_run_the_longer_measurements(quick, small_buttons):
    at = open_page(PAGE, query={"opt": ["sgd"], "lr": ["0.01"], "steps": "30"})
    at.button(key=K("go-cost")).click().run()
    _ok(at)
    assert K("go-cost") not in [b.key for b in at.button]
    at.button(key=K("go-article")).click().run()
    _ok(at)
    assert K("go-article") not in [b.key for b in at.button]
    assert "after 50 steps" in " ".join(m.value for m in at.markdown)


def test_bad_link_values_are_clamped_or_ignored_with_a_note(quick):
    at = open_page(PAGE, query={"opt": ["sgd", "lbfgs"], "lr": ["0.01"], "steps": "30", "thr": "5", "T": "7"})
    _ok(at)
    assert at.slider(key=K("thr")).value == 0.9 and at.select_slider(key=K("T")).value == 10
    assert at.multiselect(key=K("opt")).value == ["sgd"]
    notes = " ".join(w.value for w in at.warning)
    assert "above the maximum" in notes and "not one of the choices" in notes and "not among the choices" in notes


def test_the_reproduce_snippet_runs_for_the_settings_on_screen(quick):
    at = open_page(PAGE, query={"opt": ["adam"], "lr": ["0.1"], "steps": "30", "task": "adding"})
    (snippet,) = reproduce_snippets(at)
    assert "optimizers=('adam',)" in snippet and "task='adding'" in snippet
    out = assert_snippet_runs(snippet)
    assert "ms per extra time step" in out and "adam, lr 0.1" in out
