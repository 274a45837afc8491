"""Slow training page: default view, every control, the three buttons, divergence shown, bad links, the snippet."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from helpers import assert_snippet_runs, reproduce_snippets

from apptest.conftest import assert_ran, keys, open_page
from rnncore.experiments import reference_timings, slow_article, timing
from rnncore.experiments import slow_training as slow
from rnncore.experiments import step_cost as cost

PAGE = "app/pages/slow_training.py"
K = keys(PAGE)  # widget keys of this page, by control name
N_CHARTS = 7


def _ok(at, n_charts=N_CHARTS):
    assert_ran(at, n_charts=n_charts)


@pytest.fixture
def quick(monkeypatch):
    """Small timing budgets and short watched runs: these tests are about the page's controls."""
    monkeypatch.setattr(cost, "CostConfig", functools.partial(cost.CostConfig, budget=0.02))
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
    assert not [w for w in at.warning if "too busy" not in w.value]  # nothing diverges at the defaults


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
    assert any("on this machine now" in c.value for c in at.caption)  # the estimate, before the click
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
    assert any(c.value.startswith("Shown: your live run of these settings") for c in at.caption)


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
    assert ("Each extra time step adds" in out or "too busy" in out) and "adam, lr 0.1" in out


# ---- live timings: shown when they can be trusted, never cached when they cannot -------------------------------------

def _made_up(medians: dict, spread: float, seed: int = 0) -> cost.CostResult:
    """A step_cost result analysed from made-up samples (no clock at all)."""
    rng = np.random.default_rng(seed)

    def timings(seconds):
        return {k: timing.Timing.from_samples(m * (1 + spread * rng.uniform(-1, 1, 9))) for k, m in seconds.items()}

    parts = timings({"batch": 1e-4, "forward": 2e-3, "backward": 4e-3, "gradient norm": 2e-5,
                     "optimizer update": 3e-4})
    return cost.analyse(timings(medians), parts, breakdown_T=40)


SANE = _made_up({10: 3e-3, 20: 4e-3, 40: 6e-3, 80: 10e-3}, spread=0.02)
NOISY = _made_up({10: 6e-3, 20: 2e-3, 40: 5e-3, 80: 1e-3}, spread=0.8)  # -0.27 ms per step, as in the issue


@pytest.fixture
def fake_timer(monkeypatch):
    """Replaces the page's step timing by a made-up result; ``fake.result`` chooses it, ``fake.calls`` counts."""
    class Fake:
        result, calls = SANE, 0

    def step_cost(cfg, *, seed, callback=None):
        Fake.calls += 1
        return Fake.result

    monkeypatch.setattr(cost, "step_cost", step_cost)
    monkeypatch.setattr(slow, "SpikeConfig", functools.partial(slow.SpikeConfig, steps=30))
    return Fake


QUICK_RACE = {"opt": ["sgd"], "lr": ["0.01"], "steps": "30"}


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_sane_timings_are_shown_with_sentences_made_from_them_and_cached(fake_timer):
    at = open_page(PAGE, query=QUICK_RACE)
    _ok(at)
    metrics = _metrics(at)
    for label, value in cost.figures(SANE).items():
        assert metrics[label] == value
    assert cost.cost_sentence(SANE) in _text(at) and cost.breakdown_sentence(SANE) in _text(at)
    assert not any("too busy" in w.value for w in at.warning)
    again = open_page(PAGE, query=QUICK_RACE)  # another visitor, same settings: served from the cache
    _ok(again)
    assert fake_timer.calls == 1 and _metrics(again)["Cost of one more time step"] == metrics[
        "Cost of one more time step"]


def test_noisy_timings_say_too_busy_show_the_reference_and_are_never_cached(fake_timer):
    fake_timer.result = NOISY
    assert not NOISY.verdict.trustworthy
    at = open_page(PAGE, query=QUICK_RACE)
    _ok(at)
    (busy,) = [w.value for w in at.warning if "too busy" in w.value]
    assert f"The widest spread of the repeated timings was {timing.percent(NOISY.verdict.spread)}" in busy
    assert "a longer sequence came out cheaper" in busy
    metrics = _metrics(at)
    assert metrics["Cost of one more time step"] != cost.figures(NOISY)["Cost of one more time step"]
    assert cost.cost_sentence(NOISY) not in _text(at)
    (ref,) = cost.load_shipped()[:1]
    assert metrics == {**metrics, **cost.figures(ref.result)}  # the shipped reference, labelled
    assert any(reference_timings.reference_label(ref) in i.value for i in at.info)
    at.selectbox(key=K("spike_opt")).set_value("adam").run()  # another control: the timing is not taken again
    _ok(at)
    assert fake_timer.calls == 1
    # A second visitor with the same settings measures afresh: the noisy result was not cached.
    fake_timer.result = SANE
    other = open_page(PAGE, query=QUICK_RACE)
    _ok(other)
    assert fake_timer.calls == 2 and _metrics(other)["Cost of one more time step"] == cost.figures(SANE)[
        "Cost of one more time step"]
    # The first visitor measures again with the button and now gets the sane numbers.
    at.button(key=K("again-cost")).click().run()
    _ok(at)
    assert fake_timer.calls == 3  # timed again, not served from the other visitor's cache
    assert not any("too busy" in w.value for w in at.warning)
    assert _metrics(at)["Cost of one more time step"] == cost.figures(SANE)["Cost of one more time step"]


def test_measure_again_times_only_these_settings_again_and_keeps_other_settings_cached(fake_timer):
    at = open_page(PAGE, query=QUICK_RACE)
    other = open_page(PAGE, query={**QUICK_RACE, "task": "adding"})  # another visitor, other settings
    _ok(at), _ok(other)
    assert fake_timer.calls == 2
    at.button(key=K("again-cost")).click().run()  # the estimate's probe runs the real step, not the fake timer
    _ok(at)
    assert fake_timer.calls == 3
    assert any("Shown: your live run" in c.value for c in at.caption)  # the button's run, remembered
    again = open_page(PAGE, query={**QUICK_RACE, "task": "adding"})  # the other settings: still served cached
    _ok(again)
    assert fake_timer.calls == 3
