"""Attention & transformers page: the shipped default view, every control, both buttons with tiny budgets, bad links,
and the reproduce snippet."""

from __future__ import annotations

import contextlib
import io

import pytest
from helpers import reproduce_snippets

import rnncore.experiments.attention as ex
from apptest.conftest import assert_ran, chart_data, charts, keys, open_page
from rnncore.experiments import timing

PAGE = "app/pages/attention.py"
K = keys(PAGE)  # widget keys of this page, by control name
N_CHARTS = 6  # loss and accuracy against lag, readout map, self-attention map, learning curves, cost
TINY = {"steps": "20", "lags": ["5"], "hidden": "8"}
TINY_COST = {"max_T": "128", "budget": "2.0"}


def _ok(at):
    assert_ran(at, n_charts=N_CHARTS, errors_allowed=False)


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_default_view_shows_the_shipped_run_and_answers_the_article():
    at = open_page(PAGE)
    _ok(at)
    assert any("shipped run" in c.value and ex.COMMAND in c.value for c in at.caption)
    assert not at.info and not at.warning
    text = _text(at)
    shipped = ex.load_shipped().sweep.summary.set_index(["task", "T", "model"])
    rnn_loss = shipped.loc[("first_element", 100, "rnn"), "loss"]
    assert f"plain RNN loss {rnn_loss:.3f}" in text  # the article box quotes the shipped figure
    assert "Attention helps with long-range dependencies" in text and "sequential step" in text


def test_each_control_reruns_cleanly():
    at = open_page(PAGE)
    for kind, key, value in [("select_slider", "steps", 100), ("multiselect", "lags", [10, 50]),
                             ("selectbox", "hidden", 32), ("selectbox", "score", "dot"),
                             ("selectbox", "map_task", "adding"), ("selectbox", "map_T", 20),
                             ("selectbox", "readout_of", "transformer"), ("select_slider", "max_T", 256),
                             ("select_slider", "budget", 2.0)]:
        getattr(at, kind)(key=K(key)).set_value(value).run()
        _ok(at)
        assert getattr(at, kind)(key=K(key)).value == value, key
    # the sweep settings now differ from the shipped run, which stays on screen until the button is pressed
    assert any("differ from the shipped run" in i.value for i in at.info)


def test_train_button_runs_the_settings_live():
    at = open_page(PAGE, query=TINY)
    _ok(at)
    at.button(key=K("train")).click().run()
    _ok(at)
    assert any("live run, seed 0" in c.value for c in at.caption)
    assert at.selectbox(key=K("map_T")).options == ["5"]
    assert "at T = 5" in _text(at)


def test_measure_button_times_this_machine_within_its_budget():
    at = open_page(PAGE, query=TINY_COST)
    at.button(key=K("measure")).click().run()
    _ok(at)
    if any("too busy" in w.value for w in at.warning):  # a loaded machine: said so, the shipped timings stay
        assert any("the machine that made the shipped file" in c.value for c in at.caption)
    else:
        assert any("this machine, just now" in c.value for c in at.caption)
        assert "at T = 128 self-attention took" in _text(at)


def _made_up_live(factor: float, spread: float) -> ex.LiveCost:
    """A live cost measurement made up from the shipped one: every time times ``factor``, quartiles at ±spread."""
    frame = ex.load_shipped().cost.copy()
    for col in ("seconds", "per_step"):
        frame[col] *= factor
    frame["q25"], frame["q75"] = frame["seconds"] * (1 - spread), frame["seconds"] * (1 + spread)
    return ex.LiveCost(frame, ex.cost_check(frame), {"cpus_usable": 2}, "2026-12-01T23:00:00+00:00")


@pytest.fixture
def fake_measure(monkeypatch):
    class Fake:
        live = _made_up_live(3.0, 0.02)

    monkeypatch.setattr(ex, "measure_live", lambda cfg, *, seed, callback=None: Fake.live)
    return Fake


def test_a_noisy_cost_measurement_says_too_busy_and_keeps_the_shipped_chart(fake_measure):
    fake_measure.live = _made_up_live(3.0, 0.9)
    assert not fake_measure.live.verdict.trustworthy
    at = open_page(PAGE, query=TINY_COST)
    shipped = _cost_chart_values(at)
    at.button(key=K("measure")).click().run()
    _ok(at)
    (busy,) = [w.value for w in at.warning if "too busy" in w.value]
    assert f"was {timing.percent(fake_measure.live.verdict.spread)} of their median" in busy
    assert _cost_chart_values(at) == shipped
    assert K("measure-again") in [b.key for b in at.button]


def _values(cost) -> list[float]:
    """What the cost chart draws from a cost frame: µs per step and MiB kept, sorted."""
    return sorted([*(cost["per_step"] * 1e6).round(6), *(cost["memory_bytes"] / 2**20).round(6)])


def _cost_chart_values(at) -> list[float]:
    """The values the cost chart (the one whose data has per-step times and memory) draws, sorted."""
    frames = [f for c in charts(at) for f in chart_data(c) if {"measure", "value"} <= set(f.columns)]
    assert len(frames) == 1, f"expected one cost chart, found {len(frames)}"
    return sorted(frames[0]["value"].round(6))


def test_the_cost_chart_after_measure_draws_the_measured_numbers(monkeypatch):
    """Issue: at the shipped settings, "Measure on this machine" quoted new timings while the chart still drew the
    shipped ones (its cached spec was keyed by the settings, the same for shipped and live). Now the chart draws what
    was measured. The measurement is replaced by a known, different frame, so the comparison is exact."""
    shipped = ex.load_shipped().cost
    fake = shipped.assign(per_step=shipped["per_step"] * 3.0, seconds=shipped["seconds"] * 3.0)
    calls = []

    def measure_cost(cfg, **kwargs):
        calls.append(cfg)
        return fake.copy()

    monkeypatch.setattr(ex, "measure_cost", measure_cost)
    at = open_page(PAGE)  # the shipped settings: the old cache key was the same for shipped and live
    _ok(at)
    before = _cost_chart_values(at)
    assert before == _values(shipped)
    at.button(key=K("measure")).click().run()
    _ok(at)
    assert calls and any("this machine, just now" in c.value for c in at.caption)
    assert _cost_chart_values(at) == _values(fake) != before


def test_no_lag_selected_falls_back_to_the_shipped_run():
    at = open_page(PAGE)
    at.multiselect(key=K("lags")).set_value([]).run()
    _ok(at)
    assert any("Pick at least one lag" in w.value for w in at.warning)


def test_bad_link_values_are_ignored_with_a_note():
    at = open_page(PAGE, query={"steps": "7", "lags": ["999", "10"], "hidden": "abc", "score": "cosine",
                                "map_T": "1000", "max_T": "5"})
    _ok(at)
    assert at.select_slider(key=K("steps")).value == 300
    assert at.multiselect(key=K("lags")).value == [10]
    assert at.selectbox(key=K("hidden")).value == 16 and at.selectbox(key=K("score")).value == "additive"
    assert at.selectbox(key=K("map_T")).value == 100 and at.select_slider(key=K("max_T")).value == 512
    notes = " ".join(w.value for w in at.warning)
    assert "not one of the choices" in notes and "not among the choices" in notes


def test_the_reproduce_snippet_runs_the_settings_on_screen():
    at = open_page(PAGE, query={**TINY, **TINY_COST})
    at.button(key=K("train")).click().run()
    at.button(key=K("measure")).click().run()
    _ok(at)
    (snippet,) = reproduce_snippets(at)
    busy = any("too busy" in w.value for w in at.warning)  # then the shipped cost stays, and so does its config
    assert "lags=(5,)" in snippet and "steps=20" in snippet and ("lengths=(16, 32, 64, 128)" in snippet or busy)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "<reproduce>", "exec"), {})  # in-process: the snippet only imports rnncore
    printed = out.getvalue()
    assert "rnn+attention" in printed and "self-attention" in printed
